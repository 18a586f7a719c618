//! The imported profile as TOML, formatted like the shipped profiles: `extends` first, tables
//! and keys in the format's order, short tables of plain values inline
//! (`requests = { cpu = "250m", memory = "512Mi" }`), arrays of plain values on one line and
//! arrays of tables one inline table per line. The same shape for every array, whatever
//! its length.

use std::fmt::Write as _;

use toml::{Table, Value};

use crate::profile::node::join;
use crate::profile::schema;

/// The profile text (no comments) for `t` extending `parent`.
pub(super) fn profile(parent: &str, t: &Table) -> String {
    let mut out = format!("extends = {}\n", Value::String(parent.into()));
    section(&mut out, t, &mut Vec::new());
    out
}

/// `t`'s entries in the format's order; keys the format does not list (`[config]` entries,
/// labels) after them, sorted.
fn ordered<'t>(t: &'t Table, path: &[String]) -> Vec<(&'t String, &'t Value)> {
    let at: Vec<&str> = path.iter().map(String::as_str).collect();
    let order = schema::keys(&at);
    let mut entries: Vec<(&String, &Value)> = t.iter().collect();
    // Stable: the table is sorted by key already, which orders the unlisted ones.
    entries.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(order.len()));
    entries
}

/// Whether a table at `depth` (1 for `[backend]`) is written inline: tables three deep, such
/// as `backend.resources.requests`, that hold plain values only.
fn inline(depth: usize, v: &Value) -> bool {
    match v {
        Value::Table(t) => depth >= 3 && t.values().all(|v| !v.is_table() && !v.is_array()),
        _ => true,
    }
}

fn section(out: &mut String, t: &Table, path: &mut Vec<String>) {
    let entries = ordered(t, path);
    let (values, tables): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|(_, v)| inline(path.len() + 1, v));
    if !path.is_empty() && !values.is_empty() {
        let header = path.iter().fold(String::new(), |acc, k| join(&acc, k));
        let _ = writeln!(out, "\n[{header}]");
    }
    for (k, v) in values {
        path.push(k.clone());
        let _ = writeln!(out, "{} = {}", join("", k), value(v, path));
        path.pop();
    }
    for (k, v) in tables {
        if let Value::Table(sub) = v {
            path.push(k.clone());
            section(out, sub, path);
            path.pop();
        }
    }
}

fn value(v: &Value, path: &[String]) -> String {
    match v {
        Value::Array(items) if items.iter().any(Value::is_table) => {
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "  {},", value(item, &[]));
            }
            s.push(']');
            s
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|i| value(i, &[])).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(t) => {
            let entries: Vec<String> = ordered(t, path)
                .into_iter()
                .map(|(k, v)| format!("{} = {}", join("", k), value(v, &[])))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_and_small_tables_are_written_like_the_shipped_profiles() {
        let t: Table = toml::from_str(
            r#"
            [network_policy]
            backend_egress_ports = [443, 587]
            enabled = true
            [backend.resources.requests]
            memory = "1Gi"
            cpu = "1"
            [ingress]
            backend_paths = [{ type = "Exact", path = "/health" }]
            [config]
            Z = "1"
            A = "2"
            "#,
        )
        .unwrap();
        let text = profile("base", &t);
        assert_eq!(
            text,
            r#"extends = "base"

[backend.resources]
requests = { cpu = "1", memory = "1Gi" }

[config]
A = "2"
Z = "1"

[ingress]
backend_paths = [
  { path = "/health", type = "Exact" },
]

[network_policy]
enabled = true
backend_egress_ports = [443, 587]
"#
        );
        let back: Table = toml::from_str(&text).unwrap();
        assert_eq!(back.get("network_policy"), t.get("network_policy"));
    }
}
