//! The imported values as a child of a parent profile: only what the parent does not already
//! give, with references (`{{ app.version }}`, `{{ app.domain }}`, `{{ registry.host }}`)
//! where a literal equals the value referred to.
//!
//! Every step is checked with the profile loader itself: the draft is read as a profile that
//! extends the parent (extends merged, references filled in), and a value is left out, or
//! replaced by a reference, only when the resolved profile stays exactly the same. So the
//! written profile means what the tree says, whatever the parent holds.

use toml::{Table, Value};

use crate::profile::ProfileStore;
use crate::profile::load::{environment_name_from_file, load_with};

/// The name the draft is read under; not a name anyone gives a profile file.
const DRAFT: &str = "-import-draft";

/// The parent's store with the draft added under [`DRAFT`].
struct WithDraft<'a> {
    store: &'a dyn ProfileStore,
    text: Vec<u8>,
}

impl ProfileStore for WithDraft<'_> {
    fn read(&self, name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        if name == DRAFT {
            return Ok(Some(("the imported profile".into(), self.text.clone())));
        }
        self.store.read(name)
    }

    fn names(&self) -> Vec<String> {
        let mut names = self.store.names();
        names.push(DRAFT.into());
        names.sort();
        names
    }
}

/// The parent to extend: a profile of `store`.
pub(super) struct Parent<'a> {
    /// Where the parent (and what it extends) is read from.
    pub store: &'a dyn ProfileStore,
    /// Its name.
    pub name: &'a str,
}

impl Parent<'_> {
    /// What a profile that extends the parent and sets `values` resolves to, or why it
    /// cannot be read (the loader's first problem).
    fn resolve(&self, values: &Table) -> Result<Table, String> {
        let mut t = values.clone();
        t.insert("extends".into(), Value::String(self.name.into()));
        let text = toml::to_string(&t).map_err(|e| e.to_string())?;
        let store = WithDraft {
            store: self.store,
            text: text.into_bytes(),
        };
        // The first problem, without the header that names the draft: `config.X: ...`.
        let first_problem = |e: crate::Error| {
            let text = e.to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let header = lines.next().unwrap_or_default().to_string();
            lines.next().map_or(header, str::to_string)
        };
        let loaded = load_with(&store, DRAFT, &[]).map_err(first_problem)?;
        match loaded.root.to_toml() {
            Value::Table(mut t) => {
                t.remove("extends");
                Ok(t)
            }
            _ => Err("the profile is not a table".into()),
        }
    }
}

/// Every leaf of `t` (arrays count as leaves: `extends` replaces them whole), as key paths.
pub(super) fn leaves(t: &Table) -> Vec<Vec<String>> {
    fn walk(t: &Table, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for (k, v) in t {
            at.push(k.clone());
            match v {
                Value::Table(sub) => walk(sub, at, out),
                _ => out.push(at.clone()),
            }
            at.pop();
        }
    }
    let mut out = Vec::new();
    walk(t, &mut Vec::new(), &mut out);
    out
}

/// The value at `path`.
pub(super) fn get<'t>(t: &'t Table, path: &[String]) -> Option<&'t Value> {
    let (last, tables) = path.split_last()?;
    let mut cur = t;
    for k in tables {
        cur = cur.get(k)?.as_table()?;
    }
    cur.get(last)
}

/// `t` without the value at `path`, and without the tables that leaves empty.
fn without(t: &Table, path: &[String]) -> Table {
    fn remove(t: &mut Table, path: &[String]) {
        match path {
            [] => {}
            [last] => {
                t.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(Value::Table(sub)) = t.get_mut(first) {
                    remove(sub, rest);
                    if sub.is_empty() {
                        t.remove(first);
                    }
                }
            }
        }
    }
    let mut t = t.clone();
    remove(&mut t, path);
    t
}

/// `t` with `value` at `path` (which exists).
fn with(t: &Table, path: &[String], value: Value) -> Table {
    let mut t = t.clone();
    let (last, tables) = path.split_last().expect("a key");
    let mut cur = &mut t;
    for k in tables {
        cur = cur
            .get_mut(k)
            .and_then(Value::as_table_mut)
            .expect("the path exists");
    }
    cur.insert(last.clone(), value);
    t
}

/// The imported profile's `app.environment_name`, so that the names the parent derives from
/// it (namespace, host, Longhorn class, ArgoCD path, ...) come out as the tree has them: the
/// name that fits most of the tree's values into the parent's templates, else the
/// namespace, else the tier (`production`), else `imported`. Written explicitly, so the
/// file name does not matter.
fn environment_name(parent: &Parent<'_>, draft: &Table) -> String {
    const PROBE: &str = "qzimportprobeq";
    let is_label = |n: &str| !n.is_empty() && environment_name_from_file(n) == n;
    let mut probe = Table::new();
    super::set(
        &mut probe,
        "app.environment_name",
        Value::String(PROBE.into()),
    );
    let mut candidates: Vec<(String, usize)> = Vec::new();
    if let Ok(resolved) = parent.resolve(&probe) {
        for path in leaves(draft) {
            let (Some(Value::String(tree)), Some(Value::String(template))) =
                (get(draft, &path), get(&resolved, &path))
            else {
                continue;
            };
            let Some((pre, post)) = template.split_once(PROBE) else {
                continue;
            };
            if post.contains(PROBE) || tree.len() <= pre.len() + post.len() {
                continue;
            }
            let Some(name) = tree.strip_prefix(pre).and_then(|r| r.strip_suffix(post)) else {
                continue;
            };
            if !is_label(name) {
                continue;
            }
            match candidates.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => *count += 1,
                None => candidates.push((name.to_string(), 1)),
            }
        }
    }
    // The most values explained; the first found among equals (`max_by_key` keeps the last).
    let best = candidates
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map(|(n, _)| n.clone());
    // Else the namespace, unique in a cluster as an identity must be, else the tier.
    let fallback = [["app", "namespace"], ["app", "environment"]]
        .into_iter()
        .filter_map(|p| get(draft, &p.map(String::from)).and_then(Value::as_str))
        .find(|n| is_label(n))
        .map(str::to_string);
    best.or(fallback).unwrap_or_else(|| "imported".into())
}

/// Whether `value` is what the format gives `path` when no profile sets it.
fn is_default(path: &[String], value: &Value) -> bool {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    let default = crate::profile::schema::property(&keys).and_then(|p| p.get("default"));
    default.is_some_and(|d| serde_json::to_value(value).ok().as_ref() == Some(d))
}

/// The same value with references in place of the literals they equal: the registry host
/// and a version tag in an image, the domain as a host in any other string. `None` when
/// there is nothing to replace.
fn with_references(path: &[String], value: &str, resolved: &Table) -> Option<String> {
    let at = |p: [&str; 2]| {
        get(resolved, &[p[0].to_string(), p[1].to_string()])
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    if path.first().is_some_and(|k| k == "app") {
        return None;
    }
    let out = if path.last().is_some_and(|k| k == "image") {
        image_references(value, at(["registry", "host"]), at(["app", "version"]))
    } else {
        at(["app", "domain"]).map(|domain| host_references(value, domain))?
    };
    (out != value).then_some(out)
}

/// `{{ registry.host }}/` for the image's registry, `{{ app.version }}` for the version in its
/// tag (`v2.0.0`, `2.0.0`, `2.0.0-alpine`).
fn image_references(image: &str, host: Option<&str>, version: Option<&str>) -> String {
    let (mut name, tag) = match image.rfind(':').filter(|i| !image[*i..].contains('/')) {
        Some(i) if !image.contains('@') => (image[..i].to_string(), Some(&image[i + 1..])),
        _ => (image.to_string(), None),
    };
    if let Some(rest) = host.and_then(|h| name.strip_prefix(&format!("{h}/"))) {
        name = format!("{{{{ registry.host }}}}/{rest}");
    }
    let tag = tag.map(|t| {
        let Some(version) = version else {
            return t.to_string();
        };
        let (prefix, rest) = match t.strip_prefix('v') {
            Some(r) if r.starts_with(version) => ("v", r),
            _ => ("", t),
        };
        match rest.strip_prefix(version) {
            Some(suffix) if suffix.is_empty() || suffix.starts_with('-') => {
                format!("{prefix}{{{{ app.version }}}}{suffix}")
            }
            _ => t.to_string(),
        }
    });
    match tag {
        Some(t) => format!("{name}:{t}"),
        None => name,
    }
}

/// `{{ app.domain }}` wherever `domain` stands as a whole host name: not part of a longer
/// name (`api.example.org` is not `example.org`) or of an e-mail address.
fn host_references(value: &str, domain: &str) -> String {
    let host_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '@';
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find(domain) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + domain.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(host_char) || after.is_some_and(host_char) {
            out.push_str(domain);
        } else {
            out.push_str("{{ app.domain }}");
        }
        rest = &rest[i + domain.len()..];
    }
    out.push_str(rest);
    out
}

/// What the import writes under `extends`: the draft's values less those the parent gives,
/// with references where they resolve to the same; and the profile that resolves to. `Err`
/// (the loader's message) when the draft cannot be read as a profile at all; the caller
/// then writes every value.
pub(super) fn extend(parent: &Parent<'_>, mut draft: Table) -> Result<(Table, Table), String> {
    let name = environment_name(parent, &draft);
    super::set(&mut draft, "app.environment_name", Value::String(name));
    // Values the parent leaves to the format's defaults, and the tree has at the default.
    let bare = parent.resolve(&Table::new())?;
    for path in leaves(&draft) {
        if get(&bare, &path).is_none()
            && path != ["app", "environment_name"]
            && is_default(&path, get(&draft, &path).expect("a leaf"))
        {
            draft = without(&draft, &path);
        }
    }
    let target = parent.resolve(&draft)?;
    for path in leaves(&draft) {
        let smaller = without(&draft, &path);
        if parent.resolve(&smaller).as_ref() == Ok(&target) {
            draft = smaller;
        }
    }
    for path in leaves(&draft) {
        let Some(Value::String(v)) = get(&draft, &path) else {
            continue;
        };
        if let Some(r) = with_references(&path, v, &target) {
            let referring = with(&draft, &path, Value::String(r));
            if parent.resolve(&referring).as_ref() == Ok(&target) {
                draft = referring;
            }
        }
    }
    Ok((draft, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_refer_to_the_version_and_the_registry_host() {
        let r = |image| image_references(image, Some("reg.example.org:5000"), Some("2.1.0"));
        assert_eq!(
            r("reg.example.org:5000/app:v2.1.0"),
            "{{ registry.host }}/app:v{{ app.version }}"
        );
        assert_eq!(
            r("other.org/app:2.1.0-alpine"),
            "other.org/app:{{ app.version }}-alpine"
        );
        // Another version, a longer one, a digest: left as they are.
        assert_eq!(r("other.org/app:v2.0.0"), "other.org/app:v2.0.0");
        assert_eq!(r("other.org/app:2.1.01"), "other.org/app:2.1.01");
        assert_eq!(
            r("other.org/app@sha256:2.1.0"),
            "other.org/app@sha256:2.1.0"
        );
    }

    #[test]
    fn the_domain_is_referred_to_only_as_a_whole_host_name() {
        let r = |v| host_references(v, "example.org");
        assert_eq!(r("https://example.org/api"), "https://{{ app.domain }}/api");
        assert_eq!(
            r(r#"["https://example.org","http://example.org:8080"]"#),
            r#"["https://{{ app.domain }}","http://{{ app.domain }}:8080"]"#
        );
        assert_eq!(r("example.org"), "{{ app.domain }}");
        for kept in [
            "https://api.example.org",
            "me@example.org",
            "example.organic",
            "example.org.uk",
        ] {
            assert_eq!(r(kept), kept);
        }
    }
}
