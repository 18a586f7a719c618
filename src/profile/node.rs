//! A TOML document as a tree whose every value and key knows where it was written.
//!
//! `extends` merging and `{{ }}` templating work on this tree, so that positions survive
//! both; only then is the tree handed to serde for the typed model.

use indexmap::IndexMap;
use toml::de::{DeTable, DeValue};

use crate::source::{FileId, Loc};

/// A value with its location.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value was written.
    pub loc: Loc,
}

/// A table entry: the key's own location and the value.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Where the key was written (errors about unknown keys point here).
    pub key_loc: Loc,
    /// The value.
    pub node: Node,
}

/// A TOML table, in the order written.
pub type Table = IndexMap<String, Entry>;

/// A TOML value. Datetimes are rejected when the tree is built: no profile key takes one.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Node>),
    /// A table.
    Table(Table),
}

impl Value {
    /// The TOML name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Bool(_) => "boolean",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }
}

impl Node {
    /// The value as plain TOML, positions dropped.
    pub fn to_toml(&self) -> toml::Value {
        match &self.value {
            Value::Str(s) => toml::Value::String(s.clone()),
            Value::Int(i) => toml::Value::Integer(*i),
            Value::Float(f) => toml::Value::Float(*f),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Array(items) => toml::Value::Array(items.iter().map(Node::to_toml).collect()),
            Value::Table(t) => toml::Value::Table(
                t.iter()
                    .map(|(k, e)| (k.clone(), e.node.to_toml()))
                    .collect(),
            ),
        }
    }
}

/// A problem found while building the tree (a value TOML allows but profiles do not).
#[derive(Debug, Clone)]
pub struct TreeError {
    /// Where.
    pub loc: Loc,
    /// Dotted key path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Converts a parsed TOML table into a [`Node`] tree, collecting every problem.
pub fn from_toml(
    file: FileId,
    table: &DeTable<'_>,
    span: std::ops::Range<usize>,
) -> (Node, Vec<TreeError>) {
    let mut errors = Vec::new();
    let value = convert_table(file, table, &|| String::new(), &mut errors);
    (
        Node {
            value,
            loc: Loc { file, span },
        },
        errors,
    )
}

/// A key path built only when an error needs it (most conversions have none).
type LazyPath<'a> = &'a dyn Fn() -> String;

fn convert_table(
    file: FileId,
    table: &DeTable<'_>,
    path: LazyPath<'_>,
    errors: &mut Vec<TreeError>,
) -> Value {
    let mut out = Table::with_capacity(table.len());
    for (key, value) in table {
        let key_path = || join(&path(), key.get_ref());
        let node = convert(file, value.get_ref(), value.span(), &key_path, errors);
        out.insert(
            key.get_ref().to_string(),
            Entry {
                key_loc: Loc {
                    file,
                    span: key.span(),
                },
                node,
            },
        );
    }
    Value::Table(out)
}

fn convert(
    file: FileId,
    value: &DeValue<'_>,
    span: std::ops::Range<usize>,
    path: LazyPath<'_>,
    errors: &mut Vec<TreeError>,
) -> Node {
    let loc = Loc { file, span };
    let value = match value {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Int(n),
            Err(_) => {
                errors.push(TreeError {
                    loc: loc.clone(),
                    path: path(),
                    message: "integer does not fit in 64 bits".into(),
                });
                Value::Int(0)
            }
        },
        DeValue::Float(f) => Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => {
            errors.push(TreeError {
                loc: loc.clone(),
                path: path(),
                message: "no profile key takes a date or time; quote it to make it a string".into(),
            });
            Value::Str(String::new())
        }
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    convert(
                        file,
                        item.get_ref(),
                        item.span(),
                        &|| format!("{}[{i}]", path()),
                        errors,
                    )
                })
                .collect(),
        ),
        DeValue::Table(t) => convert_table(file, t, path, errors),
    };
    Node { value, loc }
}

/// The dotted key path of `segments` (`ingress.backend_paths[0].path`).
pub fn path_string(segments: &[Segment]) -> String {
    segments.iter().fold(String::new(), |acc, s| match s {
        Segment::Key(k) => join(&acc, k),
        Segment::Index(i) => format!("{acc}[{i}]"),
    })
}

/// Joins a dotted key path; keys that are not bare TOML keys are quoted.
pub fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// Merges `child` over `parent`: tables merge key by key (recursively), anything else in the
/// child replaces the parent's value. Arrays are replaced whole, never concatenated, so a
/// child can always say exactly what it wants.
pub fn merge(parent: Node, child: Node) -> Node {
    match (parent.value, child.value) {
        (Value::Table(mut base), Value::Table(over)) => {
            for (key, entry) in over {
                let merged = match base.shift_remove(&key) {
                    Some(old) => Entry {
                        key_loc: entry.key_loc,
                        node: merge(old.node, entry.node),
                    },
                    None => entry,
                };
                base.insert(key, merged);
            }
            Node {
                value: Value::Table(base),
                loc: child.loc,
            }
        }
        (_, value) => Node {
            value,
            loc: child.loc,
        },
    }
}

/// Looks up a dotted path of keys and array indices (as serde_path_to_error prints them).
/// Returns the deepest node found and whether the full path was found.
pub fn lookup<'a>(root: &'a Node, segments: &[Segment]) -> (&'a Node, Option<&'a Loc>, usize) {
    let mut node = root;
    let mut key_loc = None;
    for (depth, seg) in segments.iter().enumerate() {
        let next = match (seg, &node.value) {
            (Segment::Key(k), Value::Table(t)) => t.get(k).map(|e| {
                key_loc = Some(&e.key_loc);
                &e.node
            }),
            (Segment::Index(i), Value::Array(a)) => a.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return (node, key_loc, depth),
        }
    }
    (node, key_loc, segments.len())
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Converts the tree to JSON, the neutral form serde and minijinja both read.
pub fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, e)| (k.clone(), to_json(&e.node)))
                .collect(),
        ),
    }
}

/// A bare key of a dotted path: everything up to the next `.` or `[` (shared by key paths
/// and `remove` paths of patches).
pub(crate) fn bare_key(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut key = String::new();
    while let Some(&c) = chars.peek() {
        if c == '.' || c == '[' {
            break;
        }
        key.push(c);
        chars.next();
    }
    key
}

/// Splits a key path as [`super::node::join`] writes it: bare keys, `"quoted.keys"` and
/// `[index]` suffixes.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '.' => {
                chars.next();
            }
            '"' => {
                chars.next();
                let mut key = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => key.extend(chars.next()),
                        '"' => break,
                        c => key.push(c),
                    }
                }
                out.push(Segment::Key(key));
            }
            '[' => {
                chars.next();
                let digits: String = chars.by_ref().take_while(|&c| c != ']').collect();
                if let Ok(i) = digits.parse() {
                    out.push(Segment::Index(i));
                }
            }
            _ => out.push(Segment::Key(bare_key(&mut chars))),
        }
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_split_into_bare_quoted_and_indexed_segments() {
        assert_eq!(
            parse_path(r#"ingress.annotations."a.b/c".x[2]"#),
            vec![
                Segment::Key("ingress".into()),
                Segment::Key("annotations".into()),
                Segment::Key("a.b/c".into()),
                Segment::Key("x".into()),
                Segment::Index(2),
            ]
        );
    }
}
