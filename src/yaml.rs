//! YAML emission.
//!
//! Kubernetes tooling (kubectl, client-go, ArgoCD) reads YAML with 1.1 rules, where an
//! unquoted `yes`, `on`, `n` or `NO` is a boolean and `0755` an octal number. serde_yaml 0.9
//! and its forks write such strings unquoted; serde-saphyr (with its default YAML 1.1
//! compatible quoting) quotes every string a 1.1 reader would take for something else, so
//! a ConfigMap value reaches the cluster as exactly the string the profile holds.

use serde::Serialize;

fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        // Long single-line values (JSON in annotations) stay on one line, as reviewers
        // expect them, instead of being folded into `>-` blocks.
        prefer_block_scalars: false,
    }
}

/// Serializes one object as a YAML document (no `---`), ending in a newline, with the
/// conventional key order: `apiVersion`, `kind`, `metadata`, then the rest (k8s-openapi
/// writes fields alphabetically after `kind`, so `allowVolumeExpansion` would come before
/// `metadata`).
pub fn to_yaml<T: Serialize>(value: &T) -> String {
    let value = conventional_order(
        serde_json::to_value(value).expect("typed Kubernetes objects always serialize"),
    );
    let mut out = serde_saphyr::to_string_with_options(&value, options())
        // Our objects are plain data (strings, numbers, maps, lists): serializing them
        // cannot fail, and a failure here is a bug worth a loud stop.
        .expect("typed Kubernetes objects always serialize to YAML");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn conventional_order(value: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(mut map) = value else {
        return value;
    };
    let mut ordered = serde_json::Map::with_capacity(map.len());
    for key in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = map.shift_remove(key) {
            ordered.insert(key.to_string(), v);
        }
    }
    ordered.extend(map);
    serde_json::Value::Object(ordered)
}
