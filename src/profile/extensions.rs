//! The escape hatch of the profile format: `[[patches]]` on rendered objects and
//! `[templates]` that add objects the format does not model. Only the profile's side lives
//! here (what may be written, and what validation keeps for rendering); applying them to
//! the rendered objects is the `extend` module's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::node::{Node, Segment, Value, lookup};
use crate::report::Diagnostic;
use crate::source::{FileId, Loc, Sources};

/// `[[patches]]`: a change to one rendered object.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPatch {
    /// The kind of the object to change (`Deployment`).
    pub kind: String,
    /// Its name (`magnetiq-frontend`).
    pub name: String,
    /// Its namespace, needed only when objects of that kind and name live in several
    /// namespaces.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Fields merged into the object, written as in the Kubernetes object (camelCase keys):
    /// tables merge key by key; lists of named items (containers, initContainers, env,
    /// volumes, volumeMounts, ports) merge by `name`; other lists and values replace.
    #[serde(default)]
    pub patch: serde_json::Map<String, serde_json::Value>,
    /// Fields removed before the patch is merged, as dotted paths
    /// (`spec.template.spec.nodeSelector`); `containers[sidecar]` picks a named item,
    /// `"quoted.keys"` hold dots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// `[templates]`: objects from minijinja templates in the `templates/` folder next to the
/// profiles directory.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTemplates {
    /// Templates rendered for this profile, by name: `session-cleanup` reads
    /// `templates/session-cleanup.yaml.j2` and writes `session-cleanup.yaml`.
    #[serde(default, rename = "use")]
    pub uses: Vec<String>,
    /// Kinds magnetiq-gen has no type for that the templates may produce anyway, each
    /// named by `api_version` and `kind`; anything else unknown is refused.
    #[serde(default)]
    pub allow: Vec<AllowedKind>,
}

impl RawTemplates {
    /// Whether no template is used and no kind admitted.
    pub fn is_empty(&self) -> bool {
        self.uses.is_empty() && self.allow.is_empty()
    }
}

/// One entry of `templates.allow`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowedKind {
    /// `apiVersion`, e.g. `redis.redis.opstreelabs.in/v1beta2`.
    pub api_version: String,
    /// `kind`, e.g. `Redis`.
    pub kind: String,
}

/// A patch as validation keeps it: what it selects, what it does, and where each part was
/// written (its errors are reported there, after rendering).
#[derive(Debug, Clone)]
pub struct Patch {
    /// Its position in `patches` (`patches[2]`).
    pub index: usize,
    /// The selected object's kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace, when given.
    pub namespace: Option<String>,
    /// The fields to merge.
    pub patch: serde_json::Value,
    /// The paths to remove, each parsed, with the text and where it was written.
    pub remove: Vec<(String, Vec<PathPart>, Loc)>,
    /// The `[[patches]]` entry as written (positions of every key).
    pub node: Node,
}

/// One step of a `remove` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// A key of a table.
    Key(String),
    /// The item of a list with this `name`.
    Named(String),
}

/// A template the profile uses, read from disk while loading.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Its name (`session-cleanup`).
    pub name: String,
    /// Its text, in [`Extensions::sources`].
    pub file: FileId,
    /// Where the profile names it (`templates.use[0]`).
    pub named_at: Loc,
}

/// Everything of the escape hatch validation keeps for rendering.
#[derive(Debug, Clone, Default)]
pub struct Extensions {
    /// The patches, in the order written.
    pub patches: Vec<Patch>,
    /// The templates used, in the order written.
    pub templates: Vec<TemplateFile>,
    /// Kinds without a type that templates may produce.
    pub allow: Vec<(AllowedKind, Loc)>,
    /// The resolved profile, the context templates render with (`Null` without templates).
    pub context: serde_json::Value,
    /// Whether the database is SQLite (its single-writer rules cannot be patched away).
    pub sqlite: bool,
    /// The profile's files and the templates' (for positions in errors); empty when there is
    /// nothing to apply.
    pub sources: Sources,
}

impl Extensions {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.patches.is_empty() && self.templates.is_empty()
    }
}

/// Parses a `remove` path: dotted keys, `"quoted.keys"`, and `[name]` after a key for the
/// named item of a list.
pub fn parse_remove_path(text: &str) -> Result<Vec<PathPart>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut expect_key = true;
    while let Some(&c) = chars.peek() {
        match c {
            '.' if !expect_key => {
                chars.next();
                expect_key = true;
            }
            '[' if !expect_key => {
                chars.next();
                let name: String = chars.by_ref().take_while(|&c| c != ']').collect();
                if name.is_empty() {
                    return Err(
                        "`[]` must hold the name of a list item, as in containers[sidecar]".into(),
                    );
                }
                out.push(PathPart::Named(name));
            }
            '"' if expect_key => {
                chars.next();
                let key: String = chars.by_ref().take_while(|&c| c != '"').collect();
                out.push(PathPart::Key(key));
                expect_key = false;
            }
            _ if expect_key => {
                let key = super::node::bare_key(&mut chars);
                if key.is_empty() || key.contains(['"', ']']) {
                    return Err(format!(
                        "{text:?} is not a path such as spec.template.spec.nodeSelector"
                    ));
                }
                out.push(PathPart::Key(key));
                expect_key = false;
            }
            _ => {
                return Err(format!(
                    "{text:?} is not a path such as spec.template.spec.nodeSelector"
                ));
            }
        }
    }
    if expect_key {
        return Err(format!(
            "{text:?} is not a path such as spec.template.spec.nodeSelector"
        ));
    }
    Ok(out)
}

/// Whether `name` may name a template: lowercase letters, digits and '-', so it is a file
/// name in `templates/` and in the tree, and nothing else.
pub fn is_template_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// What validation keeps of `[[patches]]` and `[templates]`, with every problem found in
/// them (a bad `remove` path, a template name that is no file name).
pub(super) fn check(
    root: &Node,
    patches: &[RawPatch],
    templates: &RawTemplates,
    loaded_templates: Vec<TemplateFile>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Extensions {
    let at = |segments: &[Segment]| lookup(root, segments).0.clone();
    let mut out = Extensions::default();
    for (i, raw) in patches.iter().enumerate() {
        let base = vec![Segment::Key("patches".into()), Segment::Index(i)];
        let node = at(&base);
        let mut remove = Vec::new();
        for (j, text) in raw.remove.iter().enumerate() {
            let mut segs = base.clone();
            segs.extend([Segment::Key("remove".into()), Segment::Index(j)]);
            let loc = at(&segs).loc;
            match parse_remove_path(text) {
                Ok(parts) => remove.push((text.clone(), parts, loc)),
                Err(why) => diagnostics.push(Diagnostic::new(
                    Some(loc),
                    format!("patches[{i}].remove[{j}]"),
                    why,
                )),
            }
        }
        out.patches.push(Patch {
            index: i,
            kind: raw.kind.clone(),
            name: raw.name.clone(),
            namespace: raw.namespace.clone(),
            patch: serde_json::Value::Object(raw.patch.clone()),
            remove,
            node,
        });
    }
    for (i, name) in templates.uses.iter().enumerate() {
        if !is_template_name(name) {
            let segs = [
                Segment::Key("templates".into()),
                Segment::Key("use".into()),
                Segment::Index(i),
            ];
            diagnostics.push(Diagnostic::new(
                Some(at(&segs).loc),
                format!("templates.use[{i}]"),
                format!("{name:?} is not a template name: lowercase letters, digits and '-' (the file is templates/NAME.yaml.j2)"),
            ));
        }
    }
    for (i, allowed) in templates.allow.iter().enumerate() {
        let segs = [
            Segment::Key("templates".into()),
            Segment::Key("allow".into()),
            Segment::Index(i),
        ];
        out.allow.push((allowed.clone(), at(&segs).loc));
    }
    out.templates = loaded_templates;
    out
}

/// Where the key at `segments` (inside a patch's node) was written, or the deepest part of
/// it that was: for errors about the patched object.
pub fn key_loc(node: &Node, segments: &[Segment]) -> Loc {
    let (found, key, depth) = lookup(node, segments);
    match key {
        Some(k) if depth == segments.len() => k.clone(),
        _ => found.loc.clone(),
    }
}

/// The value of a string node, if it is one.
pub fn as_str(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_paths_take_keys_quoted_keys_and_named_items() {
        let key = |k: &str| PathPart::Key(k.into());
        assert_eq!(
            parse_remove_path("spec.template.spec.nodeSelector"),
            Ok(vec![
                key("spec"),
                key("template"),
                key("spec"),
                key("nodeSelector")
            ])
        );
        assert_eq!(
            parse_remove_path("spec.containers[sidecar].env"),
            Ok(vec![
                key("spec"),
                key("containers"),
                PathPart::Named("sidecar".into()),
                key("env")
            ])
        );
        assert_eq!(
            parse_remove_path("metadata.annotations.\"argocd.argoproj.io/sync-options\""),
            Ok(vec![
                key("metadata"),
                key("annotations"),
                key("argocd.argoproj.io/sync-options")
            ])
        );
        for bad in ["", "spec.", ".spec", "spec..x", "spec[]", "[x]"] {
            assert!(parse_remove_path(bad).is_err(), "{bad:?}");
        }
    }
}
