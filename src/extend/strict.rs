//! Reading an object's JSON into its typed struct without losing a single field.
//!
//! k8s-openapi's structs skip keys they do not know, as the API server would with a warning,
//! so a misspelt `nodeSelctor` would vanish from the output without a word. This
//! deserializer hands the structs the JSON and, for every struct they read, compares the keys
//! present with the fields the struct declares (serde passes them to `deserialize_struct`):
//! every key left over is reported, at its path, with the fields that were possible.

use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// One step of a path inside an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Writes a path as `spec.template.spec.containers[1].image`.
pub fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What reading refused.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// A key the struct at `path` does not declare.
    Unknown {
        /// Where the struct is.
        path: Vec<Step>,
        /// The key.
        field: String,
        /// The fields it declares.
        expected: &'static [&'static str],
    },
    /// A value of the wrong type or shape, at `path`.
    Invalid {
        /// Where.
        path: Vec<Step>,
        /// serde's account of it.
        message: String,
    },
}

/// Reads `value` as a `T`, reporting every unknown key (or, when there are none, the first
/// value serde refused).
pub fn read<T: de::DeserializeOwned>(value: &Value) -> Result<T, Vec<Refusal>> {
    let unknown = RefCell::new(Vec::new());
    let de = De {
        v: value,
        path: Vec::new(),
        unknown: &unknown,
    };
    let result = serde_path_to_error::deserialize::<_, T>(de);
    let mut refusals = unknown.into_inner();
    match result {
        Ok(t) if refusals.is_empty() => Ok(t),
        Ok(_) => Err(refusals),
        Err(e) => {
            if refusals.is_empty() {
                let path = e
                    .path()
                    .iter()
                    .filter_map(|s| match s {
                        serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
                        serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                        _ => None,
                    })
                    .collect();
                refusals.push(Refusal::Invalid {
                    path,
                    message: e.inner().to_string(),
                });
            }
            Err(refusals)
        }
    }
}

#[derive(Clone)]
struct De<'a> {
    v: &'a Value,
    path: Vec<Step>,
    unknown: &'a RefCell<Vec<Refusal>>,
}

impl<'a> De<'a> {
    fn child(&self, v: &'a Value, step: Step) -> De<'a> {
        let mut path = self.path.clone();
        path.push(step);
        De {
            v,
            path,
            unknown: self.unknown,
        }
    }
}

type E = serde_json::Error;

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.v {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or_default())
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(Seq {
                de: &self,
                items,
                at: 0,
            }),
            Value::Object(map) => visitor.visit_map(Map {
                de: &self,
                iter: map.iter(),
                next: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.v {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        if let Value::Object(map) = self.v {
            for key in map.keys() {
                if !fields.contains(&key.as_str()) {
                    self.unknown.borrow_mut().push(Refusal::Unknown {
                        path: self.path.clone(),
                        field: key.clone(),
                        expected: fields,
                    });
                }
            }
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        // Enums hold no structs of k8s-openapi's; serde_json's own reading is exact.
        de::Deserializer::deserialize_enum(self.v.clone(), name, variants, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier
    }
}

struct Seq<'b, 'a> {
    de: &'b De<'a>,
    items: &'a [Value],
    at: usize,
}

impl<'de> SeqAccess<'de> for Seq<'_, '_> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        let Some(item) = self.items.get(self.at) else {
            return Ok(None);
        };
        let child = self.de.child(item, Step::Index(self.at));
        self.at += 1;
        seed.deserialize(child).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.at)
    }
}

struct Map<'b, 'a> {
    de: &'b De<'a>,
    iter: serde_json::map::Iter<'a>,
    next: Option<(&'a String, &'a Value)>,
}

impl<'de> MapAccess<'de> for Map<'_, '_> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        match self.iter.next() {
            Some((k, v)) => {
                self.next = Some((k, v));
                let key: de::value::StrDeserializer<'_, E> = k.as_str().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, E> {
        let (k, v) = self
            .next
            .take()
            .ok_or_else(|| de::Error::custom("a value without a key"))?;
        seed.deserialize(self.de.child(v, Step::Key(k.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;

    #[test]
    fn unknown_keys_are_found_at_every_depth_with_the_fields_possible() {
        let v = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "lables": {}},
            "spec": {"selector": {}, "template": {"spec": {"containers": [
                {"name": "a", "imagee": "b"}
            ], "nodeSelctor": {}}}}
        });
        let refusals = read::<Deployment>(&v).unwrap_err();
        let found: Vec<(String, String)> = refusals
            .iter()
            .map(|r| match r {
                Refusal::Unknown {
                    path,
                    field,
                    expected,
                } => {
                    assert!(!expected.is_empty());
                    (path_text(path), field.clone())
                }
                Refusal::Invalid { .. } => panic!("{r:?}"),
            })
            .collect();
        assert_eq!(
            found,
            [
                ("metadata".to_string(), "lables".to_string()),
                ("spec.template.spec".into(), "nodeSelctor".into()),
                ("spec.template.spec.containers[0]".into(), "imagee".into()),
            ]
        );
    }

    #[test]
    fn a_wrong_type_is_refused_at_its_path() {
        let v = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x"},
            "spec": {"selector": {}, "replicas": "two", "template": {}}
        });
        match read::<Deployment>(&v).unwrap_err().as_slice() {
            [Refusal::Invalid { path, .. }] => assert_eq!(path_text(path), "spec.replicas"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_object_reads() {
        let v = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "labels": {"a": "b"}},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {}}
        });
        let d: Deployment = read(&v).unwrap();
        assert_eq!(d.metadata.name.as_deref(), Some("x"));
    }
}
