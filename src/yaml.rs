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
    let out = serde_saphyr::to_string_with_options(value, options())
        // Our objects are plain data (strings, numbers, maps, lists): serializing them
        // cannot fail, and a failure here is a bug worth a loud stop.
        .expect("typed Kubernetes objects always serialize to YAML");
    let mut out = metadata_after_kind(out);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Moves the top-level `metadata:` block to just after `kind:`.
///
/// Works on the emitted text, which is cheaper than reordering a JSON copy of the object:
/// with block scalars off, every top-level key starts a line at column 0, and every other
/// line of its value is indented or (for a list) starts with `- `.
fn metadata_after_kind(yaml: String) -> String {
    let starts_key = |line: &str| !line.is_empty() && !line.starts_with([' ', '-', '#']);
    let lines: Vec<&str> = yaml.split_inclusive('\n').collect();
    let Some(meta) = lines.iter().position(|l| l.starts_with("metadata:")) else {
        return yaml;
    };
    let Some(kind) = lines.iter().position(|l| l.starts_with("kind:")) else {
        return yaml;
    };
    if meta == kind + 1 || meta < kind {
        return yaml;
    }
    let meta_end = lines[meta + 1..]
        .iter()
        .position(|l| starts_key(l))
        .map_or(lines.len(), |i| meta + 1 + i);
    let mut out = String::with_capacity(yaml.len());
    for l in &lines[..=kind] {
        out.push_str(l);
    }
    for l in &lines[meta..meta_end] {
        out.push_str(l);
    }
    for l in lines[kind + 1..meta].iter().chain(&lines[meta_end..]) {
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_moves_after_kind_with_its_whole_block() {
        let yaml = "apiVersion: v1\nkind: X\nallow: true\nlist:\n- a\nmetadata:\n  name: n\n  labels:\n    a: b\nzzz: 1\n";
        assert_eq!(
            metadata_after_kind(yaml.to_string()),
            "apiVersion: v1\nkind: X\nmetadata:\n  name: n\n  labels:\n    a: b\nallow: true\nlist:\n- a\nzzz: 1\n"
        );
        let ordered = "apiVersion: v1\nkind: X\nmetadata:\n  name: n\ndata: {}\n";
        assert_eq!(metadata_after_kind(ordered.to_string()), ordered);
    }
}
