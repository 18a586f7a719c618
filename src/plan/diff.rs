//! Field-level differences between two objects, as paths a reader can find in the YAML:
//! `spec.template.spec.containers[name=backend].image`, `metadata.labels["app.kubernetes.io/version"]`.
//! Paths never carry values, so a Secret's changed keys can be listed without its content.

use serde_json::Value;

/// Every path where `old` and `new` differ (added, removed or changed), in document order.
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn key_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (base.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{base}.{key}"),
        // Label and annotation keys hold dots and slashes.
        (_, false) => format!("{base}[{}]", Value::String(key.to_string())),
    }
}

/// The `name` of every element, when all elements are objects with unique names: lists of
/// containers, env variables, volumes and ports are matched by name, not position, so one
/// inserted entry does not make every later entry "changed".
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|i| i.get("name").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
    (unique.len() == names.len()).then_some(names)
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => walk(&key_path(path, k), va, vb, out),
                    None => out.push(key_path(path, k)),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(key_path(path, k));
            }
        }
        (Value::Array(a), Value::Array(b)) => match (names(a), names(b)) {
            (Some(na), Some(nb)) if !a.is_empty() && !b.is_empty() => {
                let at = |n: &str| format!("{path}[name={n}]");
                for (i, n) in na.iter().enumerate() {
                    match nb.iter().position(|m| m == n) {
                        Some(j) => walk(&at(n), &a[i], &b[j], out),
                        None => out.push(at(n)),
                    }
                }
                for n in nb.iter().filter(|n| !na.contains(n)) {
                    out.push(at(n));
                }
            }
            _ if a.len() == b.len() => {
                for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                    walk(&format!("{path}[{i}]"), va, vb, out);
                }
            }
            _ => out.push(path.to_string()),
        },
        _ => out.push(path.to_string()),
    }
}

/// Whether `path` is `prefix` or lies below it.
pub fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// A Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`) as a number, for comparing sizes;
/// `None` when it is not one. The grammar is the profile's own (`types::Quantity`).
pub fn quantity(q: &str) -> Option<f64> {
    crate::profile::types::Quantity::parse(q.trim())
        .ok()
        .map(|q| q.value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_lists_are_matched_by_name_and_label_keys_are_quoted() {
        let old = json!({"metadata": {"labels": {"app.kubernetes.io/version": "1"}},
            "containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y"}]});
        let new = json!({"metadata": {"labels": {"app.kubernetes.io/version": "2"}},
            "containers": [{"name": "c"}, {"name": "a", "image": "x:2"}, {"name": "b", "image": "y"}]});
        assert_eq!(
            changed_paths(&old, &new),
            [
                "metadata.labels[\"app.kubernetes.io/version\"]",
                "containers[name=a].image",
                "containers[name=c]"
            ]
        );
    }

    #[test]
    fn quantities_compare_across_units() {
        assert!(quantity("5Gi").unwrap() < quantity("10Gi").unwrap());
        assert_eq!(quantity("1Gi"), quantity("1024Mi"));
        assert!(quantity("1G").unwrap() < quantity("1Gi").unwrap());
        assert_eq!(quantity("ten"), None);
        assert!(under("spec.selector.matchLabels", "spec.selector"));
        assert!(!under("spec.selectors", "spec.selector"));
    }
}
