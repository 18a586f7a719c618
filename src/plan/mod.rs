//! `plan`: what a change of the rendered tree does to the running cluster, before anyone
//! syncs it.
//!
//! [`plan`] is pure: it compares the objects of an old tree (the committed or deployed one)
//! with a fresh render, both as (relative path, file text), keyed by (API group, kind,
//! namespace, name). Each object is created, updated (with the changed field paths),
//! replaced (an immutable field changed: the API server rejects the update) or deleted, and
//! carries its consequences: rejected, data at risk, downtime, or a rolling restart. The
//! rules and their sources are in `rules.rs`; `shared/reference/immutable-fields.md` has the
//! research behind them. Rendering as text and JSON is in `report.rs`.

mod diff;
mod report;
mod rules;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use report::{JSON_VERSION, to_json, to_text};

/// What happens to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// New object.
    Create,
    /// Changed in place.
    Update,
    /// An immutable field changed: the update is rejected; only delete + create applies it.
    Replace,
    /// No longer rendered.
    Delete,
}

/// The kind of a consequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The API server refuses the change as rendered.
    Rejected,
    /// Data would be stranded, left unprotected or destroyed.
    Data,
    /// Pods restart with a gap in service.
    Downtime,
    /// Pods restart one by one, without a gap in service.
    Restart,
}

/// One consequence of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consequence {
    /// Its kind.
    pub class: Class,
    /// What happens, in a sentence; never a secret value.
    pub message: String,
    /// What to do instead, for rejected and data changes (see the README runbooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instead: Option<String>,
}

/// The identity of an object: what the API server keys it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Key {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`None` for cluster-scoped objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// What happens to one object, and why it matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Create, update, replace or delete.
    pub action: Action,
    /// The object.
    #[serde(flatten)]
    pub key: Key,
    /// The file it is in (the new tree's, or the old one's for a delete).
    pub file: String,
    /// Changed field paths (updates and replaces); never values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// What it does to the cluster.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consequences: Vec<Consequence>,
}

impl Change {
    /// Whether any consequence is of class `class`.
    pub fn has(&self, class: Class) -> bool {
        self.consequences.iter().any(|c| c.class == class)
    }
}

/// A file of the old tree that could not be read as manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Relative path.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// Every change between two trees, ordered by action and then by object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The changes; unchanged objects are left out.
    pub changes: Vec<Change>,
    /// Old files that are not manifests plan can read (it cannot say what they hold).
    pub unreadable: Vec<Unreadable>,
}

/// A named acknowledgement that lets `render --out-dir` write a change it would refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Accept {
    /// Write changes the API server will reject in place (you will replace the objects).
    Replace,
    /// Write changes that strand, unprotect or destroy data (you have moved it).
    DataLoss,
}

impl Plan {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.unreadable.is_empty()
    }

    /// Whether a change is rejected or puts data at risk (`plan` exits 1).
    pub fn is_blocking(&self) -> bool {
        !self.blocked(&[]).changes.is_empty()
    }

    /// The changes `render --out-dir` refuses unless acknowledged by `accepted`, as a plan of
    /// their own (for the excerpt in the refusal).
    pub fn blocked(&self, accepted: &[Accept]) -> Plan {
        let open = |class: Class| match class {
            Class::Rejected => !accepted.contains(&Accept::Replace),
            Class::Data => !accepted.contains(&Accept::DataLoss),
            Class::Downtime | Class::Restart => false,
        };
        Plan {
            changes: self
                .changes
                .iter()
                .filter(|c| c.consequences.iter().any(|k| open(k.class)))
                .cloned()
                .collect(),
            unreadable: Vec::new(),
        }
    }

    /// The acknowledgements the blocked changes need, as `--accept` flags.
    pub fn needed(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.changes.iter().any(|c| c.has(Class::Rejected)) {
            out.push("--accept replace");
        }
        if self.changes.iter().any(|c| c.has(Class::Data)) {
            out.push("--accept data-loss");
        }
        out
    }
}

/// One parsed object of a tree.
#[derive(Debug, Clone)]
struct Parsed {
    file: String,
    value: Value,
}

/// Whether a file of a tree holds manifests: YAML or JSON (not the ownership list).
fn is_manifest(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The objects of a tree by key. Files that are not YAML or JSON, Kustomize's own file and
/// empty documents are skipped; a file that does not parse, or a document without
/// apiVersion, kind and name, is unreadable.
fn objects(files: &[(String, String)], unreadable: &mut Vec<Unreadable>) -> BTreeMap<Key, Parsed> {
    let mut out = BTreeMap::new();
    for (file, text) in files.iter().filter(|(p, _)| is_manifest(p)) {
        let docs: Vec<Value> = match serde_saphyr::from_multiple(text) {
            Ok(d) => d,
            Err(e) => {
                unreadable.push(Unreadable {
                    file: file.clone(),
                    reason: format!("not valid YAML: {e}"),
                });
                continue;
            }
        };
        let kustomize = |d: &Value| {
            d.get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"))
        };
        for doc in docs.into_iter().filter(|d| !d.is_null() && !kustomize(d)) {
            match key_of(&doc) {
                Some(k) => {
                    out.insert(
                        k,
                        Parsed {
                            file: file.clone(),
                            value: doc,
                        },
                    );
                }
                None => unreadable.push(Unreadable {
                    file: file.clone(),
                    reason: "a document without apiVersion, kind and metadata.name".into(),
                }),
            }
        }
    }
    out
}

fn key_of(doc: &Value) -> Option<Key> {
    let api_version = doc.get("apiVersion")?.as_str()?;
    let meta = doc.get("metadata")?;
    Some(Key {
        group: api_version
            .rsplit_once('/')
            .map_or("", |(g, _)| g)
            .to_string(),
        kind: doc.get("kind")?.as_str()?.to_string(),
        namespace: meta
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: meta.get("name")?.as_str()?.to_string(),
    })
}

/// Both trees, for rules that look past one object (which claims a namespace or a backup
/// job covers, which claims are new).
pub(crate) struct Trees<'a> {
    old: &'a BTreeMap<Key, Parsed>,
    new: &'a BTreeMap<Key, Parsed>,
}

/// Compares an old tree with a new one, both as (relative path, file text).
pub fn plan(old: &[(String, String)], new: &[(String, String)]) -> Plan {
    let mut unreadable = Vec::new();
    let old_objects = objects(old, &mut unreadable);
    // The new tree is a fresh render: it always parses; anything else is reported the same way.
    let new_objects = objects(new, &mut unreadable);
    let trees = Trees {
        old: &old_objects,
        new: &new_objects,
    };
    let mut changes = Vec::new();
    for (key, n) in &new_objects {
        let change = match old_objects.get(key) {
            None => Some((Action::Create, Vec::new(), rules::created(&n.value, &trees))),
            Some(o) if o.value == n.value => None,
            Some(o) => {
                let fields = diff::changed_paths(&o.value, &n.value);
                let consequences = rules::updated(key, &o.value, &n.value, &fields, &trees);
                let action = if consequences.iter().any(|c| c.class == Class::Rejected) {
                    Action::Replace
                } else {
                    Action::Update
                };
                Some((action, fields, consequences))
            }
        };
        if let Some((action, fields, consequences)) = change {
            changes.push(Change {
                action,
                key: key.clone(),
                file: n.file.clone(),
                fields,
                consequences,
            });
        }
    }
    for (key, o) in old_objects
        .iter()
        .filter(|(k, _)| !new_objects.contains_key(*k))
    {
        changes.push(Change {
            action: Action::Delete,
            key: key.clone(),
            file: o.file.clone(),
            fields: Vec::new(),
            consequences: rules::deleted(key, &o.value, &trees),
        });
    }
    changes.sort_by(|a, b| (a.action, &a.file, &a.key).cmp(&(b.action, &b.file, &b.key)));
    Plan {
        changes,
        unreadable,
    }
}
