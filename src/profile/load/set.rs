//! `--set key.path=value` overrides, applied to the merged tree before references are
//! resolved.

use super::MAX_SET_DEPTH;
use crate::profile::node::{self, Entry, Node, Segment, Value};
use crate::report::Diagnostic;
use crate::source::{Loc, Sources};

/// Applies one `key.path=value` override. The value takes the type of the value it replaces
/// (so `--set app.version=2.0` stays a string); a new key's value is read as a TOML value when
/// it is one, else as a string. Errors point into the override's own text.
pub(super) fn apply_override(
    sources: &mut Sources,
    root: &mut Node,
    text: &str,
) -> Result<(), Diagnostic> {
    let source = format!("--set {text}");
    let id = sources.add("command line".into(), source.clone());
    let loc_of = |range: std::ops::Range<usize>| Loc {
        file: id,
        span: range.start + 6..range.end + 6,
    };
    let Some((path, value)) = text.split_once('=') else {
        return Err(Diagnostic::new(
            Some(loc_of(0..text.len())),
            "",
            format!("--set expects key.path=value, found {text:?}"),
        ));
    };
    let key_loc = loc_of(0..path.len());
    let value_loc = loc_of(path.len() + 1..text.len());
    let segments = node::parse_path(path.trim());
    if path.trim().is_empty()
        || segments
            .iter()
            .any(|s| matches!(s, Segment::Key(k) if k.is_empty()))
        || path.trim().starts_with('.')
        || path.trim().ends_with('.')
        || path.contains("..")
    {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set needs a key path such as app.version",
        ));
    }
    // Every walk over the profile tree recurses once per level; a path of thousands of keys
    // overflowed the stack. TOML itself stops nesting at 80 levels.
    if segments.len() > MAX_SET_DEPTH {
        let shown: String = path.chars().take(40).collect();
        return Err(Diagnostic::new(
            Some(key_loc),
            format!("{shown}..."),
            format!(
                "shorten the key path: it has {} keys, more than the {MAX_SET_DEPTH} --set accepts",
                segments.len()
            ),
        ));
    }
    let Some((last, parents)) = segments.split_last() else {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set needs a key path such as app.version",
        ));
    };
    let mut table = &mut *root;
    for seg in parents {
        let Segment::Key(k) = seg else {
            return Err(Diagnostic::new(
                Some(key_loc),
                path,
                "--set cannot index into arrays; set the whole array",
            ));
        };
        let Value::Table(t) = &mut table.value else {
            return Err(Diagnostic::new(
                Some(key_loc),
                path,
                "this path runs through a value that is not a table",
            ));
        };
        table = &mut t
            .entry(k.clone())
            .or_insert_with(|| Entry {
                key_loc: key_loc.clone(),
                node: Node {
                    value: Value::Table(Default::default()),
                    loc: key_loc.clone(),
                },
            })
            .node;
    }
    let (Segment::Key(last), Value::Table(t)) = (last, &mut table.value) else {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set can only set keys of tables",
        ));
    };
    let as_toml = || {
        toml::de::DeTable::parse(&format!("v = {value}"))
            .ok()
            .and_then(|t| {
                let (tree, problems) = node::from_toml(id, t.get_ref(), 0..0);
                match tree.value {
                    Value::Table(mut t) if problems.is_empty() => {
                        t.shift_remove("v").map(|e| e.node.value)
                    }
                    _ => None,
                }
            })
    };
    let bad = |what: &str| {
        Diagnostic::new(
            Some(value_loc.clone()),
            path,
            format!("{value:?} is not {what}, which this key takes"),
        )
    };
    let new = match t.get(last).map(|e| &e.node.value) {
        Some(Value::Str(_)) => Value::Str(value.to_string()),
        Some(Value::Int(_)) => Value::Int(value.trim().parse().map_err(|_| bad("an integer"))?),
        Some(Value::Float(_)) => Value::Float(value.trim().parse().map_err(|_| bad("a number"))?),
        Some(Value::Bool(_)) => {
            Value::Bool(value.trim().parse().map_err(|_| bad("true or false"))?)
        }
        Some(Value::Array(_)) => match as_toml() {
            Some(v @ Value::Array(_)) => v,
            _ => return Err(bad("an array such as [\"a\", \"b\"]")),
        },
        Some(Value::Table(_)) => match as_toml() {
            Some(v @ Value::Table(_)) => v,
            _ => return Err(bad("an inline table such as { cpu = \"1\" }")),
        },
        // A new key takes the type the format gives it: `--set config.NEW=1` is the
        // string "1", as every `[config]` value is.
        None if crate::profile::schema::type_at(&key_names(&segments)) == Some("string") => {
            Value::Str(value.to_string())
        }
        None => as_toml().unwrap_or_else(|| Value::Str(value.to_string())),
    };
    // Keys that already exist keep their position in the file for messages about the key;
    // the value's position is the command line.
    let key_loc = t.get(last).map_or(key_loc, |e| e.key_loc.clone());
    t.insert(
        last.clone(),
        Entry {
            key_loc,
            node: Node {
                value: relocate(new, &value_loc),
                loc: value_loc,
            },
        },
    );
    Ok(())
}

/// The keys of a path without array indices (`--set` refuses those before this is needed).
fn key_names(segments: &[Segment]) -> Vec<&str> {
    segments
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect()
}

/// Points every node of a value parsed from an override at the override's text.
fn relocate(value: Value, loc: &Loc) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|n| Node {
                    value: relocate(n.value, loc),
                    loc: loc.clone(),
                })
                .collect(),
        ),
        Value::Table(t) => Value::Table(
            t.into_iter()
                .map(|(k, e)| {
                    (
                        k,
                        Entry {
                            key_loc: loc.clone(),
                            node: Node {
                                value: relocate(e.node.value, loc),
                                loc: loc.clone(),
                            },
                        },
                    )
                })
                .collect(),
        ),
        v => v,
    }
}
