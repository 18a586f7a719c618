//! `[templates]`: each template the profile uses rendered with minijinja against the
//! resolved profile, its YAML read object by object into the typed structs, given the
//! standard labels and the namespace, and added to the tree as `NAME.yaml`.

use std::borrow::Cow;

use minijinja::ErrorKind;
use serde_json::{Map, Value};

use super::strict::{Refusal, Step, path_text};
use super::{Strict, refusal_path, refusal_text};
use crate::manifest::{Custom, File, Manifest, Object};
use crate::names::Names;
use crate::profile::Profile;
use crate::profile::extensions::TemplateFile;
use crate::profile::template::{Bounded, FUEL_TOTAL, MAX_TOTAL_BYTES, bounded_environment};
use crate::report::{Diagnostic, did_you_mean};
use crate::source::Loc;

/// Kinds with a type, for "did you mean" on a kind that has none.
const TYPED_KINDS: &[&str] = &[
    "ConfigMap",
    "CronJob",
    "DaemonSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "Job",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "Role",
    "RoleBinding",
    "Secret",
    "Service",
    "ServiceAccount",
    "ServiceMonitor",
    "StatefulSet",
];

/// Renders every template of `p` and adds its objects to `manifest`.
pub(super) fn add(p: &Profile, manifest: &mut Manifest, diagnostics: &mut Vec<Diagnostic>) {
    let names = Names::of(p);
    let context = context(p, &names);
    for t in &p.extensions.templates {
        let before = diagnostics.len();
        let Some(text) = render(p, t, &context, diagnostics) else {
            continue;
        };
        let objects = read(p, t, &text, diagnostics);
        if diagnostics.len() > before {
            continue;
        }
        let path = format!("{}.yaml", t.name);
        if manifest.files.iter().any(|f| f.path == path.as_str()) {
            diagnostics.push(Diagnostic::new(
                Some(t.named_at.clone()),
                "templates.use",
                format!("template {} would write {path}, a file magnetiq-gen already writes; rename the template", t.name),
            ));
            continue;
        }
        for o in &objects {
            let taken = manifest
                .files
                .iter()
                .flat_map(|f| &f.objects)
                .any(|old| old.id() == o.id());
            if taken {
                diagnostics.push(Diagnostic::new(
                    Some(t.named_at.clone()),
                    "templates.use",
                    format!(
                        "template {} renders {} {}, which the profile already renders; patch that one instead ([[patches]])",
                        t.name,
                        o.kind(),
                        o.metadata().name.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
        if objects.is_empty() {
            diagnostics.push(Diagnostic::new(
                Some(t.named_at.clone()),
                "templates.use",
                format!("template {} renders no object", t.name),
            ));
        }
        if diagnostics.len() == before {
            manifest.files.push(File {
                path: Cow::Owned(path),
                objects,
            });
        }
    }
}

/// What templates see: the profile as `show` prints it (every key, defaults included), and
/// `names`, the names of the objects it renders.
fn context(p: &Profile, names: &Names) -> minijinja::Value {
    let mut top = match &p.extensions.context {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let n = |s: &str| Value::String(s.to_string());
    top.insert(
        "names".into(),
        serde_json::json!({
            "namespace": n(&names.namespace),
            "config": n(&names.config),
            "secrets": n(&names.secrets),
            "backend": n(&names.backend),
            "frontend": n(&names.frontend),
            "data_pvc": n(&names.data_pvc),
            "media_pvc": n(&names.media_pvc),
        }),
    );
    top.insert("profile".into(), n(&p.name));
    minijinja::Value::from_serialize(Value::Object(top))
}

/// A position in template `t`: the byte range when minijinja knows it, else the line.
fn loc_in(p: &Profile, t: &TemplateFile, e: &minijinja::Error) -> Loc {
    let text = &p.extensions.sources.file(t.file).text;
    let span = match (e.range(), e.line()) {
        (Some(r), _) if r.end <= text.len() => r,
        (_, Some(line)) => {
            let start = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            start..start
        }
        _ => 0..0,
    };
    Loc { file: t.file, span }
}

fn render(
    p: &Profile,
    t: &TemplateFile,
    context: &minijinja::Value,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    let source = &p.extensions.sources.file(t.file).text;
    // A whole file gets the profile's total of steps; debug mode gives errors their range.
    let mut env = bounded_environment(FUEL_TOTAL);
    env.set_debug(true);
    let path = format!("templates.use ({})", t.name);
    let template = match env.template_from_named_str(t.name.as_str(), source) {
        Ok(t) => t,
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                Some(loc_in(p, t, &e)),
                path,
                format!(
                    "invalid template {}: {}",
                    t.name,
                    e.detail().unwrap_or(&e.kind().to_string())
                ),
            ));
            return None;
        }
    };
    let mut out = Bounded {
        bytes: Vec::new(),
        room: MAX_TOTAL_BYTES,
        overflowed: false,
    };
    match template.render_captured_to(context, &mut out) {
        Ok(_) => match String::from_utf8(out.bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                diagnostics.push(Diagnostic::new(
                    Some(t.named_at.clone()),
                    path,
                    format!("template {} does not render text", t.name),
                ));
                None
            }
        },
        Err(e) => {
            let why = if out.overflowed {
                format!(
                    "its output would be longer than {} KiB",
                    MAX_TOTAL_BYTES / 1024
                )
            } else if e.kind() == ErrorKind::OutOfFuel {
                format!("it takes more than {FUEL_TOTAL} evaluation steps; simplify its loops")
            } else {
                e.detail().unwrap_or(&e.kind().to_string()).to_string()
            };
            let mut d = Diagnostic::new(
                Some(loc_in(p, t, &e)),
                path,
                format!("cannot render template {}: {why}", t.name),
            );
            if e.kind() == ErrorKind::UndefinedError {
                let named = e.range().and_then(|r| source.get(r));
                if let Some(s) = named.and_then(|n| suggest(&p.extensions.context, n)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                    diagnostics.push(d);
                    return None;
                }
                d = d.with_help("the template sees the profile's tables (app, backend, storage...), `names` (the rendered objects' names) and `profile`; `magnetiq-gen show --profile NAME` prints every key");
            }
            diagnostics.push(d);
            None
        }
    }
}

/// For an undefined `a.b.c` in a template: the path with its first unknown key replaced by
/// the closest key the profile has there.
fn suggest(context: &Value, named: &str) -> Option<String> {
    let parts: Vec<&str> = named.trim().split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return None;
    }
    let mut at = context;
    for (i, part) in parts.iter().enumerate() {
        let Value::Object(m) = at else {
            return None;
        };
        match m.get(*part) {
            Some(v) => at = v,
            None => {
                let s = did_you_mean(part, m.keys().map(String::as_str))?;
                let mut fixed: Vec<&str> = parts[..i].to_vec();
                fixed.push(s);
                return Some(fixed.join("."));
            }
        }
    }
    None
}

/// The objects of a rendered template, each read strictly into its type.
fn read(
    p: &Profile,
    t: &TemplateFile,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Object> {
    let source = &p.extensions.sources.file(t.file).text;
    let at_start = Loc {
        file: t.file,
        span: 0..0,
    };
    let docs: Vec<Value> = match serde_saphyr::from_multiple(text) {
        Ok(d) => d,
        Err(e) => {
            // The output's line is the template's when no statement adds or drops lines
            // before it, which is what the excerpt assumes; the message says which it is.
            let line = e.location().map_or(0, |l| l.line() as usize);
            let start: usize = source
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            let loc = Loc {
                file: t.file,
                span: start.min(source.len())..start.min(source.len()),
            };
            let message = e.without_snippet().to_string();
            let message = message.trim_start_matches("error: ");
            diagnostics.push(Diagnostic::new(
                Some(loc),
                format!("templates.use ({})", t.name),
                format!(
                    "the output of template {} is not YAML ({message}, in the rendered output)",
                    t.name
                ),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (n, doc) in docs.into_iter().filter(|d| !d.is_null()).enumerate() {
        let label = format!("{} object {}", t.name, n + 1);
        let Value::Object(mut map) = doc else {
            diagnostics.push(Diagnostic::new(
                Some(at_start.clone()),
                label,
                "a document of the output is not an object (a mapping with apiVersion, kind and metadata)",
            ));
            continue;
        };
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let api_version = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = map
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let label = if name.is_empty() {
            format!("{} object {}", t.name, n + 1)
        } else {
            format!("{} {kind} {name}", t.name)
        };
        if kind.is_empty() || api_version.is_empty() || name.is_empty() {
            diagnostics.push(Diagnostic::new(
                Some(at_start.clone()),
                label,
                "every object needs apiVersion, kind and metadata.name",
            ));
            continue;
        }
        if let Err(why) = standard_metadata(p, &mut map) {
            diagnostics.push(Diagnostic::new(
                Some(find_key(t, source, "namespace").unwrap_or(at_start.clone())),
                format!("{label}: metadata.namespace"),
                why,
            ));
            continue;
        }
        let value = Value::Object(map);
        match Object::read_with(value.clone(), &mut Strict) {
            Ok(o) if o.api_version() == api_version => out.push(o),
            Ok(o) => diagnostics.push(Diagnostic::new(
                Some(find_key(t, source, "apiVersion").unwrap_or(at_start.clone())),
                format!("{label}: apiVersion"),
                format!("{kind} is {}, not {api_version}", o.api_version()),
            )),
            Err(Some(refusals)) => {
                for r in refusals {
                    diagnostics.push(refusal(t, source, &label, &kind, &r));
                }
            }
            Err(None) => match custom(p, &value, &api_version, &kind) {
                Ok(o) => out.push(o),
                Err(Some(refusals)) => {
                    for r in refusals {
                        diagnostics.push(refusal(t, source, &label, &kind, &r));
                    }
                }
                Err(None) => {
                    let mut d = Diagnostic::new(
                        Some(find_key(t, source, "kind").unwrap_or(at_start.clone())),
                        format!("{label}: kind"),
                        format!(
                            "magnetiq-gen has no type to check a {kind} ({api_version}) against; add {{ api_version = {api_version:?}, kind = {kind:?} }} to templates.allow to accept it unchecked"
                        ),
                    );
                    if let Some(s) = did_you_mean(&kind, TYPED_KINDS.iter().copied()) {
                        d = d.with_help(format!("did you mean {s:?}?"));
                    }
                    diagnostics.push(d);
                }
            },
        }
    }
    out
}

/// An object of an admitted kind without a type: its metadata is still read strictly.
fn custom(
    p: &Profile,
    value: &Value,
    api_version: &str,
    kind: &str,
) -> Result<Object, Option<Vec<Refusal>>> {
    let admitted = p
        .extensions
        .allow
        .iter()
        .any(|(a, _)| a.api_version == api_version && a.kind == kind);
    if !admitted {
        return Err(None);
    }
    let metadata = super::strict::read(&value["metadata"]).map_err(|rs| {
        Some(
            rs.into_iter()
                .map(|r| match r {
                    Refusal::Unknown {
                        mut path,
                        field,
                        expected,
                    } => {
                        path.insert(0, Step::Key("metadata".into()));
                        Refusal::Unknown {
                            path,
                            field,
                            expected,
                        }
                    }
                    Refusal::Invalid { mut path, message } => {
                        path.insert(0, Step::Key("metadata".into()));
                        Refusal::Invalid { path, message }
                    }
                })
                .collect(),
        )
    })?;
    Ok(Object::Custom(Custom {
        value: value.clone(),
        metadata,
    }))
}

/// Kinds with a type that live outside namespaces: they get no namespace. Every other kind,
/// an admitted one included, is taken as namespaced.
const CLUSTER_SCOPED: &[&str] = &["Namespace", "StorageClass"];

/// The standard labels (which win over the template's) and the profile's namespace (which
/// the template may state, but not differ from).
fn standard_metadata(p: &Profile, map: &mut Map<String, Value>) -> Result<(), String> {
    let cluster_scoped = map
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| CLUSTER_SCOPED.contains(&k));
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(meta) = meta else {
        return Err("metadata must be a mapping".into());
    };
    let ns = p.app.namespace.as_str();
    match meta.get("namespace") {
        None if cluster_scoped => {}
        Some(_) if cluster_scoped => {
            return Err("this kind lives outside namespaces; leave metadata.namespace out".into());
        }
        None => {
            meta.insert("namespace".into(), Value::String(ns.to_string()));
        }
        Some(Value::String(s)) if s == ns => {}
        Some(other) => {
            return Err(format!(
                "objects from templates go in the profile's namespace {ns} (found {other}); leave metadata.namespace out"
            ));
        }
    }
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(labels) = labels {
        for (k, v) in crate::labels::common(p) {
            labels.insert(k, Value::String(v));
        }
    }
    Ok(())
}

/// Where `key:` is first written in the template, for errors about a field of the output.
fn find_key(t: &TemplateFile, source: &str, key: &str) -> Option<Loc> {
    let pattern = format!("{key}:");
    let mut from = 0;
    while let Some(i) = source[from..].find(&pattern) {
        let start = from + i;
        let before = source[..start].chars().next_back();
        if before.is_none_or(|c| c.is_whitespace() || c == '{' || c == ',' || c == '-') {
            return Some(Loc {
                file: t.file,
                span: start..start + key.len(),
            });
        }
        from = start + pattern.len();
    }
    None
}

fn refusal(t: &TemplateFile, source: &str, label: &str, kind: &str, r: &Refusal) -> Diagnostic {
    let path = refusal_path(r);
    let (message, help) = refusal_text(r);
    let last_key = path.iter().rev().find_map(|s| match s {
        Step::Key(k) => Some(k.as_str()),
        Step::Index(_) => None,
    });
    let loc = last_key
        .and_then(|k| find_key(t, source, k))
        .unwrap_or(Loc {
            file: t.file,
            span: 0..0,
        });
    let at = if path.is_empty() {
        label.to_string()
    } else {
        format!("{label}: {}", path_text(&path))
    };
    let mut d = Diagnostic::new(Some(loc), at, format!("not a valid {kind}: {message}"));
    d.help = help;
    d
}
