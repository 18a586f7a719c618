//! The merged tree into the typed model. serde reads the tree itself (no detour through
//! JSON), with an error type of our own that keeps what serde refused as data (the unknown
//! key and the keys allowed, the missing key, the wrong type), so that nothing here reads
//! serde's message text.

use std::fmt;

use serde::Deserialize as _;
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Expected, IntoDeserializer, Unexpected, Visitor};

use crate::profile::model::RawProfile;
use crate::profile::node::{self, Node, Segment, Value};
use crate::profile::schema;
use crate::report::{Diagnostic, did_you_mean};

/// Turns the merged, templated tree into a [`RawProfile`]. `template_problems` are the
/// reference problems already found. On success, also returns the problems to report with
/// validation's (unknown keys, dropped from the tree); on failure, every problem.
pub(super) fn to_raw(
    root: &mut Node,
    mut template_problems: Vec<Diagnostic>,
) -> Result<(RawProfile, Vec<Diagnostic>), Vec<Diagnostic>> {
    // A profile serde accepts is structurally sound: the schema is generated from the same
    // types. Only when it does not is the tree walked against the schema, which reports every
    // unknown key, wrong type and missing key at once. Unknown keys alone do not stop the
    // rest of the checks: they are dropped and reported along with what validation finds.
    if template_problems.is_empty()
        && let Ok(raw) = RawProfile::deserialize(NodeDe(root))
    {
        return Ok((raw, Vec::new()));
    }
    let structure = schema::check(root);
    let only_unknown = structure.only_unknown_keys;
    if only_unknown {
        schema::drop_keys(root, &structure.unknown);
    }
    let templates_failed = !template_problems.is_empty();
    let mut all = structure.diagnostics;
    all.append(&mut template_problems);
    if !only_unknown || templates_failed {
        return Err(all);
    }
    match serde_path_to_error::deserialize::<_, RawProfile>(NodeDe(root)) {
        Ok(raw) => Ok((raw, all)),
        Err(e) => {
            all.push(serde_diagnostic(root, &e));
            Err(all)
        }
    }
}

/// What serde refused, as data.
#[derive(Debug)]
pub(super) enum DeError {
    /// A key the table does not take, and the keys it does.
    UnknownField {
        field: String,
        expected: &'static [&'static str],
    },
    /// A string an enum does not take, and the ones it does.
    UnknownVariant {
        variant: String,
        expected: &'static [&'static str],
    },
    /// A required key that is absent.
    MissingField(&'static str),
    /// Anything else (a wrong type, a number out of range), already in our words.
    Other(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::UnknownField { field, .. } => write!(f, "unknown key {field:?}"),
            DeError::UnknownVariant { variant, .. } => write!(f, "{variant:?} is not allowed"),
            DeError::MissingField(field) => write!(f, "required key {field} is missing"),
            DeError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DeError {}

/// serde's name of an unexpected value, in TOML's words.
fn toml_words(u: Unexpected<'_>) -> String {
    match u {
        Unexpected::Map => "table".to_string(),
        Unexpected::Seq => "array".to_string(),
        u => u.to_string(),
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Other(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError::Other(format!("wrong type: {}, expected {exp}", toml_words(unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError::Other(format!(
            "invalid value: {}, expected {exp}",
            toml_words(unexp)
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::UnknownField {
            field: field.to_string(),
            expected,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::UnknownVariant {
            variant: variant.to_string(),
            expected,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::MissingField(field)
    }
}

/// A profile tree as a serde `Deserializer`. TOML has no null: every value present is
/// `Some`.
#[derive(Clone, Copy)]
pub(super) struct NodeDe<'a>(pub &'a Node);

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => visitor.visit_str(s),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(NodeDe));
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Table(t) => {
                let mut map =
                    MapDeserializer::new(t.iter().map(|(k, e)| (k.as_str(), NodeDe(&e.node))));
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => {
                visitor.visit_enum(IntoDeserializer::<DeError>::into_deserializer(s.as_str()))
            }
            // The visitor refuses anything but a string with the wrong type.
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de, 'a> IntoDeserializer<'de, DeError> for NodeDe<'a> {
    type Deserializer = NodeDe<'a>;

    fn into_deserializer(self) -> NodeDe<'a> {
        self
    }
}

/// Turns a serde error at a path into a positioned diagnostic, with "did you mean" for
/// unknown keys and enum values.
fn serde_diagnostic(root: &Node, e: &serde_path_to_error::Error<DeError>) -> Diagnostic {
    let mut segments = Vec::new();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Map { key } => segments.push(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => segments.push(Segment::Index(*index)),
            _ => {}
        }
    }
    // serde_path_to_error ends the path of an unknown key with the key itself; the table
    // that refused it is its parent.
    if let DeError::UnknownField { field, .. } = e.inner()
        && segments.last() == Some(&Segment::Key(field.clone()))
    {
        segments.pop();
    }
    let path = node::path_string(&segments);
    let (node, key_loc, found) = node::lookup(root, &segments);
    match e.inner() {
        DeError::UnknownField { field, expected } => {
            let key_loc = match &node.value {
                Value::Table(t) => t.get(field).map(|en| en.key_loc.clone()),
                _ => None,
            };
            let d = Diagnostic::new(
                key_loc.or(Some(node.loc.clone())),
                node::join(&path, field),
                if expected.is_empty() {
                    "unknown key; this table takes no keys".to_string()
                } else {
                    format!("unknown key; allowed here: {}", expected.join(", "))
                },
            );
            match did_you_mean(field, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d,
            }
        }
        DeError::UnknownVariant { variant, expected } => {
            let d = Diagnostic::new(
                Some(node.loc.clone()),
                path,
                format!(
                    "{variant:?} is not allowed; use one of: {}",
                    expected.join(", ")
                ),
            );
            match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean {s:?}?")),
                None => d,
            }
        }
        DeError::MissingField(field) => {
            let loc = if found == segments.len() {
                key_loc.cloned().or(Some(node.loc.clone()))
            } else {
                Some(node.loc.clone())
            };
            let d = Diagnostic::new(loc, node::join(&path, field), "required key is missing");
            if segments.is_empty() {
                d.with_help(format!(
                    "add a [{field}] table, or `extends` a profile that has one"
                ))
            } else {
                d
            }
        }
        DeError::Other(message) => Diagnostic::new(Some(node.loc.clone()), path, message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        let table = toml::de::DeTable::parse(text).unwrap();
        let (tree, problems) = node::from_toml(0, table.get_ref(), 0..0);
        assert!(problems.is_empty());
        tree
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        port: i32,
        mode: Option<crate::profile::model::PullPolicy>,
    }

    fn refusal(text: &str) -> Diagnostic {
        let root = tree(text);
        let e = serde_path_to_error::deserialize::<_, T>(NodeDe(&root)).unwrap_err();
        serde_diagnostic(&root, &e)
    }

    #[test]
    fn serde_refusals_become_diagnostics_from_typed_errors() {
        let d = refusal("port = 1\nprot = 2\n");
        assert_eq!(d.path, "prot");
        assert_eq!(d.message, "unknown key; allowed here: port, mode");
        assert_eq!(d.help.as_deref(), Some("did you mean `port`?"));

        let d = refusal("port = 1\nmode = \"Allways\"\n");
        assert_eq!(d.path, "mode");
        assert!(
            d.message
                .starts_with("\"Allways\" is not allowed; use one of: ")
        );
        assert_eq!(d.help.as_deref(), Some("did you mean \"Always\"?"));

        let d = refusal("mode = \"Always\"\n");
        assert_eq!(
            (d.path.as_str(), d.message.as_str()),
            ("port", "required key is missing")
        );

        let d = refusal("port = [1]\n");
        assert_eq!(d.message, "wrong type: array, expected i32");
    }
}
