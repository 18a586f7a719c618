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
        write_wrapped(&mut out, "  ", d);
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
            write_wrapped(&mut out, &format!("    {c:<24} "), d);
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
                .unwrap_or("");
            write_wrapped(&mut out, &format!("    {k:<32} "), d);
        }
    }
    Ok(out)
}

/// The column `explain` wraps descriptions at.
const WIDTH: usize = 100;

/// Writes `lead` and then the whole of `text` (its line breaks are the source's, not
/// meaning), wrapped at [`WIDTH`] between words, continuation lines indented under the
/// text's start: never cut short.
fn write_wrapped(out: &mut String, lead: &str, text: &str) {
    let indent = lead.chars().count();
    let mut line = lead.to_string();
    let mut width = indent;
    let mut first = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !first && width + 1 + len > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            width = indent;
            first = true;
        }
        if !first {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += len;
        first = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The profile fully resolved, as TOML a profile file could hold: every key of the format
/// with its effective value (defaults included, `extends` merged and left out, references
/// filled in), in the order of the schema. Saved as `NAME.toml` anywhere, it renders the
/// same tree: the environment's identity, which defaults from the file name, is written
/// out. Each top-level table gets a header and the keys inside it are dotted
/// (`resources.requests.cpu`), which keeps schema order where TOML would otherwise force
/// sub-tables after plain values. With `origin`, each value is followed by the file and line
/// it comes from, or `default`.
///
/// Secret values are never in a profile (only their names, and for `sealed` the ciphertext
/// the profile already holds), so there is nothing secret to print.
pub fn show(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
    origin: bool,
) -> crate::Result<String> {
    let loaded = load::load_with(store, name, overrides)?;
    if !loaded.pending.is_empty() {
        // Unknown keys: the typed profile dropped them, so printing it would hide them.
        return Err(crate::report::ProfileError {
            profile: name.to_string(),
            sources: loaded.sources,
            diagnostics: loaded.pending,
        }
        .into());
    }
    let raw = loaded.raw;
    let Json::Object(mut top) = serde_json::to_value(&raw).expect("a profile serializes") else {
        unreachable!("a profile is a table")
    };
    // Merged in already: the result stands alone.
    top.shift_remove("extends");
    let mut out = format!(
        "# profile {name}, fully resolved: every value (defaults included), extends merged,\n\
         # references filled in. Saved as {name}.toml, it renders the same tree.\n"
    );
    let shown = Shown {
        name,
        names: crate::names::Names::new(&raw.app.name, &raw.app.namespace),
        sources: &loaded.sources,
        root: &loaded.root,
        origin,
    };
    // Plain values first: TOML puts them before the first table header.
    let (tables, values): (Vec<_>, Vec<_>) = top.iter().partition(|(_, v)| v.is_object());
    for (k, v) in values {
        shown.value(&mut out, &[k.as_str()], &toml_key(k), v);
    }
    for (k, v) in tables {
        let _ = writeln!(out, "\n[{}]", toml_key(k));
        shown.table(&mut out, &[k.as_str()], "", v);
    }
    Ok(out)
}

/// What `show` needs to print a value: where each value came from.
struct Shown<'a> {
    name: &'a str,
    names: crate::names::Names,
    sources: &'a Sources,
    root: &'a Node,
    origin: bool,
}

impl Shown<'_> {
    /// The entries of a table, as dotted keys under `prefix`.
    fn table(&self, out: &mut String, path: &[&str], prefix: &str, table: &Json) {
        let Json::Object(map) = table else { return };
        for (k, v) in map {
            let mut at = path.to_vec();
            at.push(k);
            let key = format!("{prefix}{}", toml_key(k));
            match v {
                Json::Object(m) if !m.is_empty() => self.table(out, &at, &format!("{key}."), v),
                _ => self.value(out, &at, &key, v),
            }
        }
    }

    /// One `key = value` line (or lines, for an array of tables).
    fn value(&self, out: &mut String, path: &[&str], key: &str, v: &Json) {
        if v.is_null() {
            // An optional key that is not set (TOML has no null): said in a comment, with
            // the name that applies instead where there is one.
            let instead = match path {
                ["storage", "data", "claim_name"] => Some(&self.names.data_pvc),
                ["storage", "media", "claim_name"] => Some(&self.names.media_pvc),
                _ => None,
            };
            let _ = match instead {
                Some(n) => writeln!(out, "# {key} is not set: the claim is named {n}"),
                None => writeln!(out, "# {key} is not set"),
            };
            return;
        }
        let comment = if self.origin {
            format!("  # {}", self.origin_of(path))
        } else {
            String::new()
        };
        match v {
            Json::Array(items) if items.iter().any(Json::is_object) => {
                let _ = writeln!(out, "{key} = [{comment}");
                for (i, item) in items.iter().enumerate() {
                    let at = if self.origin {
                        format!("  # {}", self.item_origin(path, i))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, "  {},{at}", toml_value(item));
                }
                let _ = writeln!(out, "]");
            }
            _ => {
                let _ = writeln!(out, "{key} = {}{comment}", toml_value(v));
            }
        }
    }

    /// `file:line` of item `index` of the array at `path` (each `[[patches]]` entry may come
    /// from another file of the chain).
    fn item_origin(&self, path: &[&str], index: usize) -> String {
        let mut segments: Vec<crate::profile::node::Segment> = path
            .iter()
            .map(|k| crate::profile::node::Segment::Key((*k).to_string()))
            .collect();
        segments.push(crate::profile::node::Segment::Index(index));
        let (node, _, depth) = crate::profile::node::lookup(self.root, &segments);
        if depth < segments.len() {
            return "default".into();
        }
        let at = self.sources.position(&node.loc);
        format!("{}:{}", at.file, at.line)
    }

    /// `file:line` of the value at `path`, or `default` when no profile sets it.
    fn origin_of(&self, path: &[&str]) -> String {
        let mut node = self.root;
        for k in path {
            match &node.value {
                Value::Table(t) if t.contains_key(*k) => node = &t[*k].node,
                _ => return "default".into(),
            }
        }
        let at = self.sources.position(&node.loc);
        if at.file == load::file_name_source(self.name) {
            return format!("default: from the file name {}.toml", self.name);
        }
        format!("{}:{}", at.file, at.line)
    }
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// A value as TOML writes it inline (tables as inline tables, in their order).
fn toml_value(v: &Json) -> String {
    match v {
        Json::String(s) => toml::Value::String(s.clone()).to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => toml::Value::Float(n.as_f64().unwrap_or_default()).to_string(),
        },
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(m) if m.is_empty() => "{}".into(),
        Json::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Null => String::new(),
    }
}

/// Every profile with its `extends` chain, marking those that are not deployed.
pub fn profiles(store: &dyn ProfileStore) -> String {
    let mut out = String::new();
    for name in store.names() {
        let chain = load::chain(store, &name);
        let kind = match load::role(store, &name) {
            load::Role::Deployable => "",
            load::Role::Abstract => "  (abstract: only extended)",
            load::Role::Reference => "  (reference: documentation, never deployed)",
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
