//! Reading a profile's files: each one parsed into a positioned tree, the `extends` chain
//! followed from the profile to its root, and the chain merged.

use super::{MAX_EXTENDS_DEPTH, MAX_PROFILE_BYTES, ProfileStore, is_valid_profile_name, many, one};
use crate::error::Error;
use crate::profile::node::{self, Entry, Node, Value};
use crate::report::{Diagnostic, did_you_mean};
use crate::source::{Loc, Sources};

fn tree_get<'a>(tree: &'a Node, key: &str) -> Option<&'a Entry> {
    match &tree.value {
        Value::Table(t) => t.get(key),
        _ => None,
    }
}

/// Parses one file into a tree, reporting encoding, size and syntax problems at their position.
fn parse_file(
    sources: &mut Sources,
    profile: &str,
    display: String,
    bytes: Vec<u8>,
) -> crate::Result<Node> {
    if bytes.len() > MAX_PROFILE_BYTES {
        return Err(Error::Input(format!(
            "cannot read profile {display}: it is larger than {} KiB, which no profile needs",
            MAX_PROFILE_BYTES / 1024
        )));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let id = sources.add(display, valid);
            return Err(one(
                profile,
                std::mem::take(sources),
                Diagnostic::new(
                    Some(Loc {
                        file: id,
                        span: at..at,
                    }),
                    "",
                    format!("the file is not valid UTF-8 (at byte {at}); TOML files must be UTF-8"),
                ),
            ));
        }
    };
    // A file saved with CRLF line endings would keep "\r" in multi-line strings. The
    // normalised text is also the one kept for messages, so spans, lines and columns
    // (counted in it) stay right: only line ends lose a character.
    let text = if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    let id = sources.add(display, text);
    let text = &sources.file(id).text;
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let diagnostics = errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                Diagnostic::new(
                    Some(Loc { file: id, span }),
                    "",
                    format!("TOML syntax error: {}", e.message().trim_end()),
                )
            })
            .collect();
        return Err(many(profile, std::mem::take(sources), diagnostics));
    }
    let span = table.span();
    let (tree, problems) = node::from_toml(id, table.get_ref(), span);
    if !problems.is_empty() {
        let diagnostics = problems
            .into_iter()
            .map(|p| Diagnostic::new(Some(p.loc), p.path, p.message))
            .collect();
        return Err(many(profile, std::mem::take(sources), diagnostics));
    }
    Ok(tree)
}

/// Reads profile `name` and every profile it `extends`, each parsed into a tree: the profile
/// asked for first, the root of the chain last.
pub(super) fn read_chain(
    store: &dyn ProfileStore,
    name: &str,
    sources: &mut Sources,
) -> crate::Result<Vec<(String, Node)>> {
    let mut chain: Vec<(String, Node)> = Vec::new();
    let mut next = Some((name.to_string(), None::<Loc>));
    while let Some((current, referenced_at)) = next.take() {
        if chain.iter().any(|(n, _)| *n == current) || chain.len() >= MAX_EXTENDS_DEPTH {
            let mut names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
            names.push(&current);
            let what = if chain.len() >= MAX_EXTENDS_DEPTH {
                format!("extends chain is longer than {MAX_EXTENDS_DEPTH} profiles")
            } else {
                "extends chain is a cycle".to_string()
            };
            return Err(one(
                name,
                std::mem::take(sources),
                Diagnostic::new(
                    referenced_at,
                    "extends",
                    format!("{what}: {}", names.join(" -> ")),
                ),
            ));
        }
        let Some((display, bytes)) = store.read(&current)? else {
            let available = store.names();
            let looked = store.path_of(&current);
            let hint = match did_you_mean(&current, available.iter().map(String::as_str)) {
                Some(s) => format!("did you mean {s:?}? available: {}", available.join(", ")),
                None if available.is_empty() => "there are no profiles there".into(),
                None => format!("available: {}", available.join(", ")),
            };
            let Some(at) = referenced_at else {
                return Err(Error::Input(format!(
                    "profile {current:?} does not exist: there is no {looked} ({hint})"
                )));
            };
            // The parent is looked up next to the file that names it, whatever directory
            // the command was given.
            let d = Diagnostic::new(
                Some(at),
                "extends",
                format!(
                    "profile {current:?} does not exist: extends names a profile in the same directory, and there is no {looked}"
                ),
            )
            .with_help(hint);
            return Err(one(name, std::mem::take(sources), d));
        };
        let tree = parse_file(sources, name, display, bytes)?;
        let extends = match tree_get(&tree, "extends") {
            None => None,
            Some(Entry {
                node:
                    Node {
                        value: Value::Str(s),
                        loc,
                    },
                ..
            }) => {
                if !is_valid_profile_name(s) {
                    return Err(one(
                        name,
                        std::mem::take(sources),
                        Diagnostic::new(
                            Some(loc.clone()),
                            "extends",
                            format!(
                                "{s:?} is not a profile name: extends takes the name of a profile in the same directory, without .toml or a path"
                            ),
                        ),
                    ));
                }
                Some((s.clone(), Some(loc.clone())))
            }
            Some(e) => {
                return Err(one(
                    name,
                    std::mem::take(sources),
                    Diagnostic::new(
                        Some(e.node.loc.clone()),
                        "extends",
                        format!(
                            "expected a profile name (string), found {}",
                            e.node.value.type_name()
                        ),
                    ),
                ));
            }
        };
        chain.push((current, tree));
        next = extends;
    }

    Ok(chain)
}

/// Merges a chain read by [`read_chain`] from its root down to the profile asked for.
pub(super) fn merge_chain(chain: Vec<(String, Node)>) -> Node {
    let mut merged: Option<Node> = None;
    for (i, (_, mut tree)) in chain.into_iter().enumerate().rev() {
        if i != 0 {
            // `abstract` and `reference` mark one file; they are never inherited.
            if let Value::Table(t) = &mut tree.value {
                t.shift_remove("abstract");
                t.shift_remove("reference");
            }
        }
        merged = Some(match merged {
            None => tree,
            Some(parent) => node::merge(parent, tree),
        });
    }
    merged.expect("the chain holds at least the profile asked for")
}

/// Names of the profiles in `store` that can be rendered: all but those marked
/// `abstract = true` or `reference = true`. A profile that cannot be read or parsed (refused ones included) counts
/// as deployable, so that rendering it reports the problem instead of skipping it silently.
/// What a profile is for, from its top-level flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An environment: rendered by `render --all` and checked against the others.
    Deployable,
    /// `abstract = true`: exists only to be extended.
    Abstract,
    /// `reference = true`: documentation (such as `example`), never deployed.
    Reference,
}

/// The role of profile `name`. A profile that cannot be read or parsed counts as deployable,
/// so the command that renders it says what is wrong.
pub fn role(store: &dyn ProfileStore, name: &str) -> Role {
    let Ok(Some((_, bytes))) = store.read(name) else {
        return Role::Deployable;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Role::Deployable;
    };
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return Role::Deployable;
    };
    let flag = |key: &str| {
        table
            .get_ref()
            .get(key)
            .is_some_and(|v| v.get_ref().as_bool() == Some(true))
    };
    if flag("reference") {
        Role::Reference
    } else if flag("abstract") {
        Role::Abstract
    } else {
        Role::Deployable
    }
}

pub fn deployable(store: &dyn ProfileStore) -> Vec<String> {
    let mut names: Vec<String> = store
        .names()
        .into_iter()
        .filter(|name| role(store, name) == Role::Deployable)
        .collect();
    names.extend(store.refused());
    names.sort();
    names
}

/// The `extends` chain of `name` as written (the profile first), without loading it fully;
/// stops at a missing or unreadable profile or a cycle, which `render` reports.
pub fn chain(store: &dyn ProfileStore, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut current = name.to_string();
    while out.len() <= MAX_EXTENDS_DEPTH {
        let Ok(Some((_, bytes))) = store.read(&current) else {
            break;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            break;
        };
        let Ok(table) = toml::de::DeTable::parse(text) else {
            break;
        };
        let Some(parent) = table
            .get_ref()
            .get("extends")
            .and_then(|v| v.get_ref().as_str().map(str::to_string))
        else {
            break;
        };
        let cycle = out.contains(&parent);
        out.push(parent.clone());
        if cycle || !is_valid_profile_name(&parent) {
            break;
        }
        current = parent;
    }
    out
}
