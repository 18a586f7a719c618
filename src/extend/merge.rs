//! The merge rules of `[[patches]]`, a subset of Kubernetes' strategic merge patch that covers
//! what a profile can say (TOML has no null):
//!
//! - a table merges key by key into the object's table;
//! - a list of named items ([`NAMED_LISTS`]: containers, initContainers, env, volumes,
//!   volumeMounts, ports) merges by `name`: an item whose name is in the object's list merges
//!   into that item, any other is appended; every item of such a list needs a `name`;
//! - any other list, and every plain value, replaces what the object had;
//! - `remove` paths are taken out before the merge (a path that is not there is an error).

use serde_json::{Map, Value};

use super::strict::Step;
use crate::profile::extensions::PathPart;

/// Keys whose lists merge by the items' `name`.
pub const NAMED_LISTS: &[&str] = &[
    "containers",
    "initContainers",
    "env",
    "volumes",
    "volumeMounts",
    "ports",
];

/// A merge problem: what, and where in the patch (a path of the patch itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path inside the patch.
    pub path: Vec<Step>,
    /// What is wrong.
    pub message: String,
}

/// Merges `patch` into `target`.
pub fn merge(target: &mut Value, patch: &Value) -> Result<(), Problem> {
    merge_at(target, patch, &mut Vec::new())
}

fn merge_at(target: &mut Value, patch: &Value, at: &mut Vec<Step>) -> Result<(), Problem> {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                at.push(Step::Key(key.clone()));
                let named = NAMED_LISTS.contains(&key.as_str());
                match t.get_mut(key) {
                    Some(Value::Array(items)) if named => merge_named(items, value, at)?,
                    Some(existing) if value.is_object() && existing.is_object() => {
                        merge_at(existing, value, at)?
                    }
                    _ => {
                        if named {
                            // Checked even when nothing merges: the list may later meet one.
                            check_named(value, at)?;
                        }
                        t.insert(key.clone(), value.clone());
                    }
                }
                at.pop();
            }
            Ok(())
        }
        (target, patch) => {
            *target = patch.clone();
            Ok(())
        }
    }
}

/// The `name` of each item of a named list in a patch.
fn check_named<'v>(list: &'v Value, at: &[Step]) -> Result<Vec<&'v str>, Problem> {
    let Value::Array(items) = list else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get("name").and_then(Value::as_str) {
            Some(n) if !names.contains(&n) => names.push(n),
            Some(n) => {
                return Err(Problem {
                    path: [at, &[Step::Index(i)]].concat(),
                    message: format!(
                        "two items named {n:?}: an item of this list is merged by its name, so each name is given once"
                    ),
                });
            }
            None => {
                let key = match at.last() {
                    Some(Step::Key(k)) => k.as_str(),
                    _ => "this list",
                };
                return Err(Problem {
                    path: [at, &[Step::Index(i)]].concat(),
                    message: format!(
                        "an item of {key} needs a name: items of {key} are merged by name into the object's (README: \"Patches\")"
                    ),
                });
            }
        }
    }
    Ok(names)
}

fn merge_named(items: &mut Vec<Value>, patch: &Value, at: &mut Vec<Step>) -> Result<(), Problem> {
    let Value::Array(patch_items) = patch else {
        // A table or value where a list belongs: the typed read says what is wrong.
        *items = vec![patch.clone()];
        return Ok(());
    };
    check_named(patch, at)?;
    for (i, p) in patch_items.iter().enumerate() {
        let name = p.get("name").and_then(Value::as_str);
        match items
            .iter_mut()
            .find(|t| t.get("name").and_then(Value::as_str) == name)
        {
            Some(existing) => {
                at.push(Step::Index(i));
                merge_at(existing, p, at)?;
                at.pop();
            }
            None => items.push(p.clone()),
        }
    }
    Ok(())
}

/// Removes the value at `path` from `target`; the message says how far the path got.
pub fn remove(target: &mut Value, path: &[PathPart]) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("an empty path removes nothing".into());
    };
    let mut at = target;
    let mut walked = Vec::new();
    for part in parents {
        at = step(at, part).ok_or_else(|| missing(&walked, part))?;
        walked.push(part.clone());
    }
    let removed = match (last, &mut *at) {
        (PathPart::Key(k), Value::Object(m)) => m.shift_remove(k).is_some(),
        (PathPart::Named(n), Value::Array(items)) => {
            let before = items.len();
            items.retain(|i| i.get("name").and_then(Value::as_str) != Some(n));
            items.len() != before
        }
        _ => false,
    };
    if removed {
        Ok(())
    } else {
        Err(missing(&walked, last))
    }
}

fn step<'v>(v: &'v mut Value, part: &PathPart) -> Option<&'v mut Value> {
    match (part, v) {
        (PathPart::Key(k), Value::Object(m)) => m.get_mut(k),
        (PathPart::Named(n), Value::Array(items)) => items
            .iter_mut()
            .find(|i| i.get("name").and_then(Value::as_str) == Some(n)),
        _ => None,
    }
}

fn missing(walked: &[PathPart], part: &PathPart) -> String {
    let shown = |p: &PathPart| match p {
        PathPart::Key(k) => format!(".{k}"),
        PathPart::Named(n) => format!("[{n}]"),
    };
    let so_far: String = walked.iter().map(shown).collect();
    format!(
        "nothing to remove: the object has no {} {}",
        shown(part).trim_start_matches('.'),
        if so_far.is_empty() {
            "at its top".to_string()
        } else {
            format!("under {}", so_far.trim_start_matches('.'))
        }
    )
}

/// The keys of the table at `path` in `v` (for "did you mean" on a remove path).
pub fn keys_at<'v>(v: &'v Value, path: &[PathPart]) -> Vec<&'v str> {
    let mut at = v;
    for part in path {
        let next = match (part, at) {
            (PathPart::Key(k), Value::Object(m)) => m.get(k),
            (PathPart::Named(n), Value::Array(items)) => items
                .iter()
                .find(|i| i.get("name").and_then(Value::as_str) == Some(n)),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return Vec::new(),
        }
    }
    match at {
        Value::Object(m) => m.keys().map(String::as_str).collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("name").and_then(Value::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

/// An empty table: merging it changes nothing.
pub fn empty() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_lists_merge_by_name_and_other_lists_replace() {
        let mut obj = json!({"spec": {
            "containers": [{"name": "app", "image": "a", "env": [{"name": "X", "value": "1"}]}],
            "tolerations": [{"key": "old"}]
        }});
        merge(
            &mut obj,
            &json!({"spec": {
                "containers": [
                    {"name": "app", "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "3"}]},
                    {"name": "sidecar", "image": "s"}
                ],
                "tolerations": [{"key": "new"}]
            }}),
        )
        .unwrap();
        assert_eq!(
            obj,
            json!({"spec": {
                "containers": [
                    {"name": "app", "image": "a", "env": [{"name": "X", "value": "3"}, {"name": "Y", "value": "2"}]},
                    {"name": "sidecar", "image": "s"}
                ],
                "tolerations": [{"key": "new"}]
            }})
        );
    }

    #[test]
    fn an_item_of_a_named_list_without_a_name_is_refused_at_its_place() {
        let mut obj = json!({"spec": {"containers": [{"name": "app"}]}});
        let e = merge(&mut obj, &json!({"spec": {"containers": [{"image": "x"}]}})).unwrap_err();
        assert_eq!(
            e.path,
            [
                Step::Key("spec".into()),
                Step::Key("containers".into()),
                Step::Index(0)
            ]
        );
    }

    #[test]
    fn remove_takes_out_keys_and_named_items_and_refuses_what_is_not_there() {
        let mut obj = json!({"spec": {"nodeSelector": {"a": "b"}, "containers": [{"name": "x"}, {"name": "y"}]}});
        remove(
            &mut obj,
            &[
                PathPart::Key("spec".into()),
                PathPart::Key("nodeSelector".into()),
            ],
        )
        .unwrap();
        remove(
            &mut obj,
            &[
                PathPart::Key("spec".into()),
                PathPart::Key("containers".into()),
                PathPart::Named("x".into()),
            ],
        )
        .unwrap();
        assert_eq!(obj, json!({"spec": {"containers": [{"name": "y"}]}}));
        let e = remove(
            &mut obj,
            &[
                PathPart::Key("spec".into()),
                PathPart::Key("affinity".into()),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e,
            "nothing to remove: the object has no affinity under spec"
        );
    }
}
