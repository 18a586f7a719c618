//! The escape hatch, applied: `[[patches]]` change rendered objects and `[templates]` add
//! objects, and the result is read back strictly into the typed structs, so an unknown
//! field, a wrong type or a change to what wires the deployment together is an error at the
//! place it was written, before anything is written.
//!
//! Runs after [`crate::resources::all`], which stays pure and infallible; this is the one
//! step of a render after validation that can refuse a profile (what a patch meets is only
//! known once the objects exist).

mod guard;
pub mod merge;
pub mod strict;
mod templates;

use serde_json::Value;

use crate::manifest::{Manifest, Object, ReadTyped};
use crate::names::Names;
use crate::profile::Profile;
use crate::profile::extensions::{Patch, PathPart};
use crate::profile::node::{Node, Segment, Value as NodeValue, lookup};
use crate::report::{Diagnostic, ProfileError, did_you_mean};
use crate::source::Loc;
use strict::{Refusal, Step, path_text};

/// Applies the profile's patches and templates to `manifest`, the objects `p` renders.
pub fn apply(p: &Profile, mut manifest: Manifest) -> crate::Result<Manifest> {
    let ext = &p.extensions;
    if ext.is_empty() {
        return Ok(manifest);
    }
    let names = Names::of(p);
    let mut diagnostics = Vec::new();
    for patch in &ext.patches {
        apply_patch(&mut manifest, patch, &names, ext.sqlite, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        templates::add(p, &mut manifest, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        Ok(manifest)
    } else {
        Err(ProfileError {
            profile: p.name.clone(),
            sources: ext.sources.clone(),
            diagnostics,
        }
        .into())
    }
}

/// Reads objects with [`strict::read`]; an unknown kind is `None`.
pub struct Strict;

impl ReadTyped for Strict {
    type Error = Option<Vec<Refusal>>;

    fn read<T: serde::de::DeserializeOwned>(&mut self, v: Value) -> Result<T, Self::Error> {
        strict::read(&v).map_err(Some)
    }

    fn unknown_kind(&mut self, _kind: &str) -> Self::Error {
        None
    }
}

/// The message of a refusal and the key it is about, for "did you mean".
pub(crate) fn refusal_text(r: &Refusal) -> (String, Option<String>) {
    match r {
        Refusal::Unknown {
            field, expected, ..
        } => {
            let mut allowed: Vec<&str> = expected
                .iter()
                .copied()
                .filter(|f| *f != "status")
                .collect();
            allowed.sort_unstable();
            let help = did_you_mean(field, expected.iter().copied())
                .map(|s| format!("did you mean `{s}`?"));
            (
                format!(
                    "unknown field {field:?}; allowed here: {}",
                    allowed.join(", ")
                ),
                help,
            )
        }
        Refusal::Invalid { message, .. } => (message.clone(), None),
    }
}

/// The full path of a refusal: where it is and, for an unknown key, the key.
pub(crate) fn refusal_path(r: &Refusal) -> Vec<Step> {
    match r {
        Refusal::Unknown { path, field, .. } => {
            let mut p = path.clone();
            p.push(Step::Key(field.clone()));
            p
        }
        Refusal::Invalid { path, .. } => path.clone(),
    }
}

fn apply_patch(
    manifest: &mut Manifest,
    patch: &Patch,
    names: &Names,
    sqlite: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let i = patch.index;
    let entry_key = |key: &str| {
        let (node, _, _) = lookup(&patch.node, &[Segment::Key(key.into())]);
        node.loc.clone()
    };
    if let Some(why) = guard::refused_kind(&patch.kind) {
        diagnostics.push(Diagnostic::new(
            Some(entry_key("kind")),
            format!("patches[{i}].kind"),
            format!("a patch may not change a {}: {why}", patch.kind),
        ));
        return;
    }
    // Without a namespace, the name alone selects (a RecurringJob lives in Longhorn's).
    let mut found = Vec::new();
    for (fi, file) in manifest.files.iter().enumerate() {
        for (oi, o) in file.objects.iter().enumerate() {
            let m = o.metadata();
            if o.kind() == patch.kind
                && m.name.as_deref() == Some(patch.name.as_str())
                && patch
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| m.namespace.as_deref().unwrap_or("") == ns)
            {
                found.push((fi, oi));
            }
        }
    }
    if found.len() > 1 {
        diagnostics.push(Diagnostic::new(
            Some(entry_key("name")),
            format!("patches[{i}].name"),
            format!(
                "{} {} names {} objects, one per namespace; add namespace = \"...\" to pick one",
                patch.kind,
                patch.name,
                found.len()
            ),
        ));
        return;
    }
    let &[(fi, oi)] = found.as_slice() else {
        diagnostics.push(no_such_object(manifest, patch, &entry_key));
        return;
    };
    let before = serde_json::to_value(&manifest.files[fi].objects[oi]).expect("objects serialize");
    let mut after = before.clone();
    let mut failed = false;
    for (text, parts, loc) in &patch.remove {
        if let Err(why) = merge::remove(&mut after, parts) {
            let mut d = Diagnostic::new(
                Some(loc.clone()),
                format!("patches[{i}].remove"),
                format!(
                    "cannot remove {text:?} from {} {}: {why}",
                    patch.kind, patch.name
                ),
            );
            if let Some((PathPart::Key(last), parents)) = parts.split_last()
                && let Some(s) = did_you_mean(last, merge::keys_at(&after, parents))
            {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diagnostics.push(d);
            failed = true;
        }
    }
    if let Err(problem) = merge::merge(&mut after, &patch.patch) {
        diagnostics.push(Diagnostic::new(
            Some(locate_in_patch(
                patch,
                &patch.patch,
                &problem.path,
                None,
                false,
            )),
            patch_path(i, &problem.path),
            problem.message,
        ));
        return;
    }
    if failed {
        return;
    }
    let autoscaled = manifest
        .files
        .iter()
        .flat_map(|f| &f.objects)
        .filter_map(|o| match o {
            Object::HorizontalPodAutoscaler(h) => {
                h.spec.as_ref().map(|s| s.scale_target_ref.name.clone())
            }
            _ => None,
        })
        .collect();
    let cx = guard::Context {
        names,
        sqlite,
        autoscaled,
    };
    let refused = guard::check(&before, &after, &cx);
    for r in &refused {
        diagnostics.push(
            Diagnostic::new(
                Some(locate_changed(patch, &r.path)),
                patch_path(i, &r.path),
                format!(
                    "a patch may not change {} of {} {}: {}",
                    path_text(&r.path),
                    patch.kind,
                    patch.name,
                    r.why
                ),
            )
            .with_help("take this out of the patch; if the profile format lacks a key you need, ask for one (README: \"Beyond the profile\")"),
        );
    }
    if !refused.is_empty() {
        return;
    }
    match Object::read_with(after.clone(), &mut Strict) {
        Ok(object) => manifest.files[fi].objects[oi] = object,
        Err(refusals) => {
            for r in refusals.unwrap_or_default() {
                let path = refusal_path(&r);
                let (message, help) = refusal_text(&r);
                let loc = match &r {
                    Refusal::Unknown { path, field, .. } => {
                        locate_in_patch(patch, &after, path, Some(field), true)
                    }
                    Refusal::Invalid { path, .. } => {
                        locate_in_patch(patch, &after, path, None, true)
                    }
                };
                let mut d = Diagnostic::new(
                    Some(loc),
                    patch_path(i, &path),
                    format!(
                        "the patched {} {} is not a valid {}: {message}",
                        patch.kind, patch.name, patch.kind
                    ),
                );
                d.help = help;
                diagnostics.push(d);
            }
        }
    }
}

/// `patches[0].patch.spec.replicas`
fn patch_path(i: usize, path: &[Step]) -> String {
    if path.is_empty() {
        format!("patches[{i}].patch")
    } else {
        format!("patches[{i}].patch.{}", path_text(path))
    }
}

/// The error for a patch that selects no object (or more than one).
fn no_such_object(manifest: &Manifest, patch: &Patch, at: &dyn Fn(&str) -> Loc) -> Diagnostic {
    let i = patch.index;
    let objects: Vec<&Object> = manifest.files.iter().flat_map(|f| &f.objects).collect();
    let mut kinds: Vec<&str> = objects.iter().map(|o| o.kind()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if !kinds.contains(&patch.kind.as_str()) {
        let d = Diagnostic::new(
            Some(at("kind")),
            format!("patches[{i}].kind"),
            format!(
                "the profile renders no {}; kinds rendered: {}",
                patch.kind,
                kinds.join(", ")
            ),
        );
        return match did_you_mean(&patch.kind, kinds.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean {s:?}?")),
            None => d,
        };
    }
    let same_kind: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind() == patch.kind)
        .filter_map(|o| o.metadata().name.as_deref())
        .collect();
    let d = Diagnostic::new(
        Some(at("name")),
        format!("patches[{i}].name"),
        format!(
            "the profile renders no {} named {:?}{}; {} rendered: {}",
            patch.kind,
            patch.name,
            patch
                .namespace
                .as_deref()
                .map(|n| format!(" in namespace {n}"))
                .unwrap_or_default(),
            patch.kind,
            same_kind.join(", ")
        ),
    );
    match did_you_mean(&patch.name, same_kind.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean {s:?}?")),
        None => d,
    }
}

/// Where in the patch the field at `path` of the patched object was written: the patch is
/// walked alongside the object (`patched`), items of named lists matched by name. With
/// `field`, the key `field` inside it. Falls back to the deepest part found (with
/// `deepest`), else to the `patch` key.
fn locate_in_patch(
    patch: &Patch,
    patched: &Value,
    path: &[Step],
    field: Option<&str>,
    deepest: bool,
) -> Loc {
    let (root, _, depth) = lookup(&patch.node, &[Segment::Key("patch".into())]);
    if depth == 0 {
        return patch.node.loc.clone();
    }
    let mut node: &Node = root;
    let mut value = Some(patched);
    let mut complete = true;
    let mut list_key = "";
    for step in path {
        let next = match (step, &node.value) {
            (Step::Key(k), NodeValue::Table(t)) => {
                list_key = k;
                value = value.and_then(|v| v.get(k));
                t.get(k).map(|e| &e.node)
            }
            (Step::Index(i), NodeValue::Array(items)) => {
                let item = value.and_then(|v| v.get(*i));
                let name = item.and_then(|v| v.get("name")).and_then(Value::as_str);
                value = item;
                if merge::NAMED_LISTS.contains(&list_key) {
                    // Items merge by name: the patch's item is the one of the same name.
                    items.iter().find(|n| {
                        let (found, _, d) = lookup(n, &[Segment::Key("name".into())]);
                        d == 1 && matches!(&found.value, NodeValue::Str(s) if Some(s.as_str()) == name)
                    })
                    .or_else(|| if name.is_none() { items.get(*i) } else { None })
                } else {
                    items.get(*i)
                }
            }
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => {
                complete = false;
                break;
            }
        }
    }
    if !complete && !deepest {
        return root.loc.clone();
    }
    if complete
        && let Some(f) = field
        && let NodeValue::Table(t) = &node.value
        && let Some(e) = t.get(f)
    {
        return e.key_loc.clone();
    }
    node.loc.clone()
}

/// Where a refused change was made: the patch's key at that path, or the `remove` entry
/// that took it out.
fn locate_changed(patch: &Patch, path: &[Step]) -> Loc {
    let (root, _, depth) = lookup(&patch.node, &[Segment::Key("patch".into())]);
    if depth == 1 {
        let mut segs = Vec::new();
        for s in path {
            segs.push(match s {
                Step::Key(k) => Segment::Key(k.clone()),
                Step::Index(i) => Segment::Index(*i),
            });
        }
        // The deepest key of the path the patch writes.
        for n in (1..=segs.len()).rev() {
            let (_, key, found) = lookup(root, &segs[..n]);
            if found == n
                && let Some(k) = key
            {
                return k.clone();
            }
        }
    }
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    for (_, parts, loc) in &patch.remove {
        let prefix = parts
            .iter()
            .zip(&keys)
            .all(|(p, k)| matches!(p, PathPart::Key(pk) if pk == k));
        if prefix {
            return loc.clone();
        }
    }
    patch.node.loc.clone()
}
