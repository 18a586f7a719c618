//! Seeing a profile: `explain` a key, `show` the resolved profile, list `profiles`.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::profile::load::{self, ProfileStore};
use crate::profile::node::{Node, Value, join};
use crate::profile::schema::{profile_schema, resolve_in};
use crate::report::did_you_mean;
use crate::source::Sources;

fn resolve(schema: &'static Json) -> &'static Json {
    match profile_schema().get("$defs").and_then(Json::as_object) {
        Some(defs) => resolve_in(defs, schema),
        None => schema,
    }
}

fn type_name(s: &'static Json) -> String {
    if let Some(v) = s.get("oneOf").and_then(Json::as_array) {
        let names: Vec<String> = v
            .iter()
            .filter_map(|x| x.get("const"))
            .map(|c| c.to_string())
            .collect();
        return format!("one of {}", names.join(", "));
    }
    let ty = match s.get("type") {
        Some(Json::String(t)) => t.clone(),
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    match ty.as_str() {
        "object" if s.get("properties").is_some() => "table".into(),
        "object" => match s.get("additionalProperties") {
            Some(a @ Json::Object(_)) => format!("table of {}", type_name(resolve_any(a))),
            _ => "table".into(),
        },
        "array" => match s.get("items") {
            Some(i) => format!("array of {}", type_name(resolve_any(i))),
            None => "array".into(),
        },
        "integer" => "integer".into(),
        "boolean" => "boolean".into(),
        "string" => "string".into(),
        other => other.to_string(),
    }
}

/// `resolve` for schemas that are parts of the static schema.
fn resolve_any(s: &'static Json) -> &'static Json {
    resolve(s)
}

/// Describes a key of the profile format: `backend.replicas`, `storage.longhorn`, or `` for
/// the top level.
pub fn explain(path: &str) -> crate::Result<String> {
    let mut schema = resolve(profile_schema());
    let mut description = profile_schema().get("description");
    let mut default = None;
    let mut walked = String::new();
    for key in path.split('.').filter(|k| !k.is_empty()) {
        let mut s = schema;
        if s.get("type") == Some(&Json::from("array"))
            && let Some(items) = s.get("items")
        {
            s = resolve(items);
        }
        let props = s.get("properties").and_then(Json::as_object);
        let Some(prop) = props.and_then(|p| p.get(key)) else {
            let names: Vec<&str> = props
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let hint = did_you_mean(key, names.iter().copied())
                .map(|m| format!("; did you mean `{}`?", join(&walked, m)))
                .unwrap_or_default();
            if names.is_empty() {
                crate::fail!(
                    Input,
                    "`{}` has no keys{hint}",
                    if walked.is_empty() {
                        "the profile"
                    } else {
                        &walked
                    }
                );
            }
            crate::fail!(
                Input,
                "unknown key `{}`{hint} (keys here: {})",
                join(&walked, key),
                names.join(", ")
            );
        };
        walked = join(&walked, key);
        description = prop
            .get("description")
            .or_else(|| resolve(prop).get("description"));
        default = prop.get("default");
        schema = resolve(prop);
    }
    let mut out = String::new();
    let title = if walked.is_empty() {
        "profile".to_string()
    } else {
        walked.clone()
    };
    let _ = writeln!(out, "{title}");
    if let Some(d) = description.and_then(Json::as_str) {
        let _ = writeln!(out, "  {}", d.replace('\n', " "));
    }
    let _ = writeln!(out, "  type: {}", type_name(schema));
    let required = {
        let (parent, key) = walked.rsplit_once('.').unwrap_or(("", walked.as_str()));
        let _ = parent;
        default.is_none() && !key.is_empty()
    };
    match default {
        Some(d) => {
            let _ = writeln!(out, "  default: {d}");
        }
        None if required => {
            let _ = writeln!(out, "  required (or inherited through extends)");
        }
        None => {}
    }
    if let Some(v) = schema.get("oneOf").and_then(Json::as_array) {
        let _ = writeln!(out, "  allowed values:");
        for x in v {
            let c = x.get("const").map(|c| c.to_string()).unwrap_or_default();
            let d = x.get("description").and_then(Json::as_str).unwrap_or("");
            let _ = writeln!(out, "    {c:<24} {d}");
        }
    }
    let mut table = schema;
    if table.get("type") == Some(&Json::from("array"))
        && let Some(items) = table.get("items")
    {
        table = resolve(items);
    }
    if let Some(props) = table.get("properties").and_then(Json::as_object) {
        let _ = writeln!(out, "  keys:");
        for (k, p) in props {
            let d = p
                .get("description")
                .or_else(|| resolve(p).get("description"))
                .and_then(Json::as_str)
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("");
            let _ = writeln!(out, "    {k:<32} {d}");
        }
    }
    Ok(out)
}

/// The fully resolved profile as TOML; with `origin`, each value is followed by the file
/// and line it came from.
pub fn show(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
    origin: bool,
) -> crate::Result<String> {
    let loaded = load::load_with(store, name, overrides)?;
    let mut out = format!("# profile {name}, resolved (extends merged, references filled in)\n");
    emit_table(&mut out, &loaded.sources, &loaded.root, "", origin);
    Ok(out)
}

fn scalar_toml(node: &Node) -> String {
    node.to_toml().to_string()
}

fn emit_table(out: &mut String, sources: &Sources, node: &Node, path: &str, origin: bool) {
    let Value::Table(t) = &node.value else { return };
    let (tables, values): (Vec<_>, Vec<_>) = t
        .iter()
        .partition(|(_, e)| matches!(e.node.value, Value::Table(_)));
    if !path.is_empty() && (!values.is_empty() || tables.is_empty()) {
        let _ = writeln!(out, "\n[{path}]");
    }
    for (k, e) in values {
        let key = join("", k);
        let value = scalar_toml(&e.node);
        if origin {
            let at = sources.position(&e.node.loc);
            let _ = writeln!(out, "{key} = {value}  # {}:{}", at.file, at.line);
        } else {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    for (k, e) in tables {
        emit_table(out, sources, &e.node, &join(path, k), origin);
    }
}

/// Every profile with its `extends` chain, marking abstract ones.
pub fn profiles(store: &dyn ProfileStore) -> String {
    let deployable = load::deployable(store);
    let mut out = String::new();
    for name in store.names() {
        let chain = load::chain(store, &name);
        let kind = if deployable.contains(&name) {
            ""
        } else {
            "  (abstract)"
        };
        let _ = writeln!(out, "{:<16} {}{kind}", name, chain.join(" -> "));
    }
    for name in store.refused() {
        let _ = writeln!(
            out,
            "{name:<16} (refused: not a regular file in the profiles directory; render says why)"
        );
    }
    out
}
