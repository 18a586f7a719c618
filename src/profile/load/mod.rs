//! Reading a profile: find the file, follow `extends`, merge, apply `--set` overrides,
//! resolve `{{ }}` references, and hand the result to serde. Every problem is reported with
//! its position.
//!
//! The steps, one file each: [`store`] (where files come from), [`extends`] (parse each
//! file, follow and merge the chain), [`set`] (overrides), [`de`] (the tree into the typed
//! model, with serde's refusals turned into positioned diagnostics).

mod de;
mod extends;
mod set;
mod store;
mod templates;

pub use extends::{Role, chain, deployable, role};
pub use store::{DirStore, MemStore, ProfileStore, TEMPLATE_SUFFIX};

use super::model::RawProfile;
use super::node::Node;
use super::template;
use crate::error::Error;
use crate::report::{Diagnostic, ProfileError};
use crate::source::Sources;

/// Largest profile file read; anything bigger is surely not a hand-written profile.
pub const MAX_PROFILE_BYTES: usize = 1 << 20;
/// Longest `extends` chain followed.
const MAX_EXTENDS_DEPTH: usize = 16;
/// Most keys in a `--set` key path; the deepest profile key has five.
pub const MAX_SET_DEPTH: usize = 32;

/// A profile read, merged and templated, not yet validated.
#[derive(Debug)]
pub struct Loaded {
    /// The profile's name.
    pub name: String,
    /// Every file read.
    pub sources: Sources,
    /// The merged, templated tree (positions of every value).
    pub root: Node,
    /// The typed form.
    pub raw: RawProfile,
    /// Problems already found (unknown keys, dropped from `raw`), to report with the rest.
    pub pending: Vec<Diagnostic>,
    /// The templates the profile uses, read (their text is in `sources`).
    pub templates: Vec<super::extensions::TemplateFile>,
}

/// Whether `name` may name a profile: a plain file name, so `extends` cannot leave the
/// profiles directory.
pub fn is_valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.starts_with('.')
}

/// Reads profile `name` from `store` with its `extends` chain.
pub fn load(store: &dyn ProfileStore, name: &str) -> crate::Result<Loaded> {
    load_with(store, name, &[])
}

/// Reads profile `name` with its `extends` chain, then applies `overrides`
/// (`key.path=value`, as given to `--set`) on top, before references are resolved.
pub fn load_with(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
) -> crate::Result<Loaded> {
    if !is_valid_profile_name(name) {
        return Err(Error::Input(format!(
            "{name:?} is not a profile name (letters, digits, '-', '_' and '.'; no path)"
        )));
    }
    let mut sources = Sources::default();
    let chain = extends::read_chain(store, name, &mut sources)?;
    let mut root = extends::merge_chain(chain);
    default_environment_name(&mut sources, &mut root, name);

    let diagnostics: Vec<Diagnostic> = overrides
        .iter()
        .filter_map(|text| set::apply_override(&mut sources, &mut root, text).err())
        .collect();
    if !diagnostics.is_empty() {
        return Err(many(name, sources, diagnostics));
    }

    // Every name of the environment derives from its identity: a bad one is reported alone,
    // not once more for each name built from it.
    if let Some(d) = bad_environment_name(&root) {
        return Err(one(name, sources, d));
    }
    let template_problems = template::resolve(&mut root);
    match de::to_raw(&mut root, template_problems) {
        Ok((raw, pending)) => {
            let templates = match templates::read(store, &mut sources, &root, &raw.templates.uses) {
                Ok(t) => t,
                Err(problems) => return Err(many(name, sources, problems)),
            };
            Ok(Loaded {
                name: name.to_string(),
                sources,
                root,
                raw,
                pending,
                templates,
            })
        }
        Err(all) => Err(many(name, sources, all)),
    }
}

/// The identity a file name gives: lowercase, `_` and `.` as `-`, at most
/// [`crate::names::MAX_ENVIRONMENT_NAME_LEN`] characters, starting with a letter (`env-`
/// is put in front of anything else), no `-` at either end. `my_QA.2` gives `my-qa-2`. A
/// name that is no DNS label would make every name derived from it fail too.
pub fn environment_name_from_file(name: &str) -> String {
    let max = crate::names::MAX_ENVIRONMENT_NAME_LEN;
    let mut s: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s = format!("env-{s}");
    }
    s.truncate(max);
    s.trim_end_matches('-').to_string()
}

/// The name of the source that holds `app.environment_name` when it defaults from the
/// file name of profile `name` (what messages show as its position).
pub fn file_name_source(name: &str) -> String {
    format!("{name} (file name)")
}

/// `app.environment_name` defaults to the profile's file name when no profile of the chain
/// sets it, before overrides and references, so `{{ app.environment_name }}` always resolves.
fn default_environment_name(sources: &mut Sources, root: &mut Node, name: &str) {
    use super::node::{Entry, Value};
    let Value::Table(top) = &mut root.value else {
        return;
    };
    let Some(Entry {
        node: Node {
            value: Value::Table(app),
            ..
        },
        ..
    }) = top.get_mut("app")
    else {
        return;
    };
    if app.contains_key("environment_name") {
        return;
    }
    let derived = environment_name_from_file(name);
    let id = sources.add(file_name_source(name), derived.clone());
    let loc = crate::source::Loc {
        file: id,
        span: 0..derived.len(),
    };
    app.insert(
        "environment_name".to_string(),
        Entry {
            key_loc: loc.clone(),
            node: Node {
                value: Value::Str(derived),
                loc,
            },
        },
    );
}

/// `app.environment_name` when it is a plain string (no reference) that is no identity.
fn bad_environment_name(root: &Node) -> Option<Diagnostic> {
    use super::node::Value;
    let (n, _, depth) = super::node::lookup(root, &super::node::parse_path("app.environment_name"));
    let Value::Str(value) = &n.value else {
        return None;
    };
    if depth < 2 || value.contains("{{") {
        return None;
    }
    let message = crate::profile::validate::check_environment_name(value).err()?;
    Some(Diagnostic::new(
        Some(n.loc.clone()),
        "app.environment_name",
        message,
    ))
}

fn one(profile: &str, sources: Sources, d: Diagnostic) -> Error {
    many(profile, sources, vec![d])
}

fn many(profile: &str, sources: Sources, diagnostics: Vec<Diagnostic>) -> Error {
    ProfileError {
        profile: profile.to_string(),
        sources,
        diagnostics,
    }
    .into()
}
