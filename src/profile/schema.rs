//! The profile format as a JSON Schema, generated from the serde types in `model.rs`, and a
//! structural check of a profile tree against it.
//!
//! serde stops at the first unknown key or wrong type; this check walks the whole tree and
//! reports every one of them, each at its position, with "did you mean" for keys and enum
//! values. The same schema serves editors (`profiles/schema.json`).

use std::sync::OnceLock;

use serde_json::{Map, Value as Json};

use super::model::RawProfile;
use super::node::{self, Node, Value};
use crate::report::{Diagnostic, did_you_mean};
use crate::source::Loc;

/// The JSON Schema of the profile format, as committed in `profiles/schema.json`.
///
/// Embedded rather than generated at start-up: generating it costs more than the rest of
/// a render. A test keeps the committed file equal to [`generate`]'s output.
pub fn profile_schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).expect("the embedded schema is JSON"))
}

/// The schema without the prose (descriptions, defaults, titles), which is all the check
/// needs. Reading it this way skips most of the text without allocating it, which matters
/// on every render.
fn check_schema() -> &'static Json {
    static LEAN: OnceLock<Json> = OnceLock::new();
    LEAN.get_or_init(|| {
        serde_json::from_str::<Lean>(SCHEMA_TEXT)
            .expect("the embedded schema is JSON")
            .0
    })
}

/// A JSON value read without `description`, `default`, `title` and `format` keys.
struct Lean(Json);

impl<'de> serde::Deserialize<'de> for Lean {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lean;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Lean, E> {
                Ok(Lean(Json::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Lean, E> {
                Ok(Lean(Json::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Lean, E> {
                Ok(Lean(Json::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Lean, E> {
                Ok(Lean(Json::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Lean, E> {
                Ok(Lean(Json::String(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<Lean, E> {
                Ok(Lean(Json::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Lean, A::Error> {
                let mut items = Vec::new();
                while let Some(Lean(v)) = a.next_element()? {
                    items.push(v);
                }
                Ok(Lean(Json::Array(items)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Lean, A::Error> {
                let mut map = Map::new();
                while let Some(key) = a.next_key::<std::borrow::Cow<'de, str>>()? {
                    if matches!(
                        key.as_ref(),
                        "description" | "default" | "title" | "format" | "$schema"
                    ) {
                        a.next_value::<serde::de::IgnoredAny>()?;
                    } else {
                        let Lean(v) = a.next_value()?;
                        map.insert(key.into_owned(), v);
                    }
                }
                Ok(Lean(Json::Object(map)))
            }
        }
        d.deserialize_any(V)
    }
}

/// The committed schema's text.
pub const SCHEMA_TEXT: &str = include_str!("../../profiles/schema.json");

/// Generates the schema from the Rust types (what `profiles/schema.json` must hold).
pub fn generate() -> Json {
    schemars::schema_for!(RawProfile).to_value()
}

/// What structural checking found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Every problem.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether all problems are unknown keys (which can be dropped to check the rest).
    pub only_unknown_keys: bool,
    /// Paths of the unknown keys, to drop them.
    pub unknown: Vec<Vec<String>>,
}

/// Checks `root` against the profile schema.
pub fn check(root: &Node) -> Findings {
    let schema = check_schema();
    let defs = defs_of(schema);
    let mut walker = Walker {
        defs,
        findings: Findings {
            only_unknown_keys: true,
            ..Default::default()
        },
    };
    walker.node(schema, root, "", &mut Vec::new());
    walker.findings
}

/// Follows `$ref`s into `defs` and drops the `null` branch of optional values (TOML has no
/// null), giving the schema a value must satisfy.
pub fn resolve_in(defs: &'static Map<String, Json>, mut schema: &'static Json) -> &'static Json {
    loop {
        if let Some(r) = schema.get("$ref").and_then(Json::as_str) {
            match r.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) {
                Some(s) => schema = s,
                None => return schema,
            }
        } else if let Some(branches) = schema.get("anyOf").and_then(Json::as_array) {
            match branches
                .iter()
                .find(|b| b.get("type") != Some(&Json::from("null")))
            {
                Some(b) => schema = b,
                None => return schema,
            }
        } else {
            return schema;
        }
    }
}

/// The JSON type (`string`, `integer`, `object`...) the schema gives the key at `path`, a
/// table key or a key of a map such as `[config]`; `None` for a path the schema does not
/// know.
pub fn type_at(path: &[&str]) -> Option<&'static str> {
    let schema = check_schema();
    let defs = schema.get("$defs").and_then(Json::as_object)?;
    let mut at = resolve_in(defs, schema);
    for key in path {
        let next = at
            .get("properties")
            .and_then(|p| p.get(*key))
            .or_else(|| at.get("additionalProperties").filter(|a| a.is_object()))?;
        at = resolve_in(defs, next);
    }
    match at.get("type")? {
        Json::String(t) => Some(t.as_str()),
        Json::Array(ts) => ts.iter().filter_map(Json::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The schema of the key at `path` (`["backend", "replicas"]`; `[]` for the whole profile),
/// with `description` and `default` as the property states them, if the format has the key.
pub fn property(path: &[&str]) -> Option<&'static Json> {
    let root = profile_schema();
    let defs = defs_of(root);
    let mut at = root;
    for key in path {
        at = resolve_in(defs, at).get("properties")?.get(*key)?;
    }
    Some(at)
}

/// The keys of the table at `path`, in the order of the format (the order of `model.rs`).
pub fn keys(path: &[&str]) -> Vec<&'static str> {
    property(path)
        .map(|p| resolve_in(defs_of(profile_schema()), p))
        .and_then(|p| p.get("properties")?.as_object())
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A schema's `$defs` (empty if it has none).
fn defs_of(schema: &'static Json) -> &'static Map<String, Json> {
    static EMPTY: OnceLock<Map<String, Json>> = OnceLock::new();
    schema
        .get("$defs")
        .and_then(Json::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

struct Walker {
    defs: &'static Map<String, Json>,
    findings: Findings,
}

impl Walker {
    fn resolve(&self, schema: &'static Json) -> &'static Json {
        resolve_in(self.defs, schema)
    }

    fn problem(&mut self, loc: &Loc, path: &str, message: String, help: Option<String>) {
        self.findings.only_unknown_keys = false;
        let mut d = Diagnostic::new(Some(loc.clone()), path, message);
        d.help = help;
        self.findings.diagnostics.push(d);
    }

    fn node(&mut self, schema: &'static Json, node: &Node, path: &str, keys: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(variants) = schema.get("oneOf").and_then(Json::as_array) {
            let allowed: Vec<&str> = variants
                .iter()
                .filter_map(|v| v.get("const")?.as_str())
                .collect();
            let list = allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            match &node.value {
                Value::Str(s) if allowed.contains(&s.as_str()) => {}
                Value::Str(s) => {
                    let help = did_you_mean(s, allowed.iter().copied())
                        .map(|m| format!("did you mean {m:?}?"));
                    self.problem(
                        &node.loc,
                        path,
                        format!("{s:?} is not allowed; use one of: {list}"),
                        help,
                    );
                }
                other => {
                    self.problem(
                        &node.loc,
                        path,
                        format!("expected one of {list}, found {}", article(other)),
                        None,
                    );
                }
            }
            return;
        }
        let ty = match schema.get("type") {
            Some(Json::String(t)) => t.as_str(),
            Some(Json::Array(ts)) => ts
                .iter()
                .filter_map(Json::as_str)
                .find(|t| *t != "null")
                .unwrap_or(""),
            _ => "",
        };
        match (ty, &node.value) {
            ("object", Value::Table(table)) => {
                let props = schema.get("properties").and_then(Json::as_object);
                let additional = schema.get("additionalProperties");
                for (key, entry) in table {
                    let child_path = node::join(path, key);
                    keys.push(key.clone());
                    match props.and_then(|p| p.get(key)) {
                        Some(s) => self.node(s, &entry.node, &child_path, keys),
                        None => match additional {
                            Some(Json::Bool(false)) => {
                                let names: Vec<&str> = props
                                    .map(|p| p.keys().map(String::as_str).collect())
                                    .unwrap_or_default();
                                let mut d = Diagnostic::new(
                                    Some(entry.key_loc.clone()),
                                    child_path,
                                    if names.is_empty() {
                                        "unknown key; this table takes no keys".to_string()
                                    } else {
                                        format!("unknown key; allowed here: {}", names.join(", "))
                                    },
                                );
                                if let Some(m) = did_you_mean(key, names.iter().copied()) {
                                    d = d.with_help(format!("did you mean `{m}`?"));
                                }
                                self.findings.diagnostics.push(d);
                                self.findings.unknown.push(keys.clone());
                            }
                            Some(s @ Json::Object(_)) => {
                                self.node(s, &entry.node, &child_path, keys)
                            }
                            _ => {}
                        },
                    }
                    keys.pop();
                }
                let missing: Vec<&str> = schema
                    .get("required")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .filter(|k| !table.contains_key(*k))
                    .collect();
                match missing.as_slice() {
                    [] => {}
                    [one] => {
                        let help = path.is_empty().then(|| {
                            format!("add a [{one}] table, or `extends` a profile that has one")
                        });
                        self.problem(
                            &node.loc,
                            &node::join(path, one),
                            "required key is missing".into(),
                            help,
                        );
                    }
                    many => {
                        let help = path.is_empty().then(|| "add these tables, or `extends` a profile that has them (such as base)".to_string());
                        let at = if path.is_empty() { "the profile" } else { path };
                        self.problem(
                            &node.loc,
                            path,
                            format!("{at} is missing required keys: {}", many.join(", ")),
                            help,
                        );
                    }
                }
            }
            ("array", Value::Array(items)) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.node(item_schema, item, &format!("{path}[{i}]"), keys);
                    }
                }
            }
            ("string", Value::Str(_))
            | ("integer", Value::Int(_))
            | ("number", Value::Int(_) | Value::Float(_))
            | ("boolean", Value::Bool(_))
            | ("", _) => {}
            (expected, found) => {
                let want = match expected {
                    "object" => "a table",
                    "array" => "an array",
                    "string" => "a string",
                    "integer" => "an integer",
                    "number" => "a number",
                    "boolean" => "true or false",
                    other => other,
                };
                let help = match (expected, found) {
                    ("string", Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                        Some("quote it to make it a string".to_string())
                    }
                    ("integer" | "boolean", Value::Str(_)) => Some("remove the quotes".to_string()),
                    _ => None,
                };
                self.problem(
                    &node.loc,
                    path,
                    format!("expected {want}, found {}", article(found)),
                    help,
                );
            }
        }
    }
}

fn article(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("the string {s:?}"),
        Value::Int(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Bool(b) => format!("{b}"),
        Value::Array(_) => "an array".into(),
        Value::Table(_) => "a table".into(),
    }
}

/// Removes the keys at `paths` (as found unknown) from the tree.
pub fn drop_keys(root: &mut Node, paths: &[Vec<String>]) {
    fn walk(node: &mut Node, path: &[String]) {
        let Value::Table(t) = &mut node.value else {
            return;
        };
        match path {
            [] => {}
            [last] => {
                t.shift_remove(last);
            }
            [first, rest @ ..] => {
                if let Some(e) = t.get_mut(first) {
                    walk(&mut e.node, rest);
                }
            }
        }
    }
    for path in paths {
        walk(root, path);
    }
}
