//! `magnetiq-gen import DIR`: a profile from an existing tree of manifests shaped like the
//! design document's, with what could not be mapped and what will render differently.
//!
//! The profile starts from the shipped base (so it is complete) and takes every value the
//! tree holds. Pure: the caller reads the tree (`lint::load_dir`) and prints the result.
//!
//! The steps: start from the base ([`Draft::from_base`]); map each kind of object into
//! profile keys, one file per family ([`workloads`], [`config`], [`storage`], [`network`],
//! [`argocd`]), noting what does not map and what will render differently; note what the
//! tree lacks ([`Draft::finish`]); write the profile with the notes as comments
//! ([`Draft::write`]). Derived names come from `names.rs`, derived config keys and the
//! single-writer rule from `rules.rs`: nothing here restates them.

mod argocd;
mod config;
mod network;
mod storage;
mod workloads;

use std::collections::BTreeSet;

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::init;

/// The imported profile text and the notes about it.
#[derive(Debug)]
pub struct Imported {
    /// A complete, standalone profile (TOML), notes included as comments.
    pub profile: String,
    /// What the tree holds that magnetiq-gen cannot express.
    pub unmapped: Vec<String>,
    /// What magnetiq-gen will render differently, and why.
    pub differences: Vec<String>,
}

fn s(v: &Json, path: &[&str]) -> Option<String> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    match v {
        Json::String(x) => Some(x.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn i(v: &Json, path: &[&str]) -> Option<i64> {
    s(v, path)?.parse().ok()
}

fn table<'a>(t: &'a mut Table, key: &str) -> &'a mut Table {
    let entry = t
        .entry(key.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    if !entry.is_table() {
        *entry = Value::Table(Table::new());
    }
    entry.as_table_mut().expect("made a table above")
}

fn set(t: &mut Table, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("a key");
    let mut cur = t;
    for p in parts {
        cur = table(cur, p);
    }
    cur.insert(last.to_string(), value);
}

/// The kinds mapped into the profile; any other object is listed as not mapped.
const MAPPED_KINDS: [&str; 11] = [
    "Namespace",
    "Deployment",
    "Service",
    "ConfigMap",
    "Secret",
    "StorageClass",
    "PersistentVolumeClaim",
    "Ingress",
    "NetworkPolicy",
    "Role",
    "Application",
];

/// The objects of `kind` in the tree.
fn of_kind<'a>(
    objects: &'a [(String, Json)],
    kind: &'static str,
) -> impl Iterator<Item = &'a (String, Json)> {
    objects
        .iter()
        .filter(move |(_, o)| o.get("kind").and_then(Json::as_str) == Some(kind))
}

/// The profile being built, and the notes about it.
struct Draft {
    /// The profile, as a TOML table.
    p: Table,
    /// What the tree holds that magnetiq-gen cannot express.
    unmapped: Vec<String>,
    /// What magnetiq-gen will render differently, and why.
    differences: Vec<String>,
    /// The parts of the profile the tree had (`"backend"`, `"ingress"`, ...).
    found: BTreeSet<&'static str>,
    /// `app.name`, as the Deployments' names give it.
    app_name: Option<String>,
}

impl Draft {
    /// The shipped base, made concrete.
    fn from_base() -> Self {
        let base = init::FILES
            .iter()
            .find(|(n, _)| *n == "base.toml")
            .expect("base is embedded")
            .1;
        let mut p: Table = base.parse().expect("the shipped base is TOML");
        p.remove("abstract");
        Draft {
            p,
            unmapped: Vec::new(),
            differences: Vec::new(),
            found: BTreeSet::new(),
            app_name: None,
        }
    }

    /// Sets the dotted key `path`, making the tables on the way.
    fn set(&mut self, path: &str, value: Value) {
        set(&mut self.p, path, value);
    }
}

/// Imports the objects of a tree (as `lint::load_dir` reads them). Infallible: whatever the
/// objects hold, the base gives a complete profile and the rest becomes notes.
pub fn import(objects: &[(String, Json)]) -> Imported {
    // References in the base would still point at the base's values; imported values are
    // literal, so the shipped templates are replaced where the tree says otherwise.
    let mut draft = Draft::from_base();
    workloads::namespace(&mut draft, objects);
    workloads::deployments(&mut draft, objects);
    config::config_map(&mut draft, objects);
    config::secrets(&mut draft, objects);
    storage::storage_class(&mut draft, objects);
    storage::volumes(&mut draft, objects);
    network::ingress(&mut draft, objects);
    network::network_policy(&mut draft, objects);
    argocd::rbac(&mut draft, objects);
    argocd::application(&mut draft, objects);
    draft.finish(objects);
    draft.write()
}

impl Draft {
    /// Notes the objects no step maps and the parts the tree lacks, and turns off what the
    /// tree does not have.
    fn finish(&mut self, objects: &[(String, Json)]) {
        let draft = self;
        for (src, o) in objects {
            let kind = o.get("kind").and_then(Json::as_str).unwrap_or("?");
            if !MAPPED_KINDS.contains(&kind) {
                draft.unmapped.push(format!(
                    "{src}: {kind} {}",
                    s(o, &["metadata", "name"]).unwrap_or_default()
                ));
            }
        }
        let defaults: Vec<&str> = [
            "namespace",
            "backend",
            "frontend",
            "configmap",
            "secrets",
            "storage",
            "pvc",
            "ingress",
        ]
        .into_iter()
        .filter(|x| !draft.found.contains(x))
        .collect();
        if !defaults.is_empty() {
            draft.unmapped.push(format!(
                "not in the tree, taken from magnetiq-gen's defaults: {}",
                defaults.join(", ")
            ));
        }
        if !draft.found.contains("storage") && draft.found.contains("pvc") {
            draft.set("storage.provider", Value::String("cluster-default".into()));
        }
        if !draft.found.contains("argocd") {
            draft.set("argocd.enabled", Value::Boolean(false));
        }
        if !draft.found.contains("network_policy") {
            draft.set("network_policy.enabled", Value::Boolean(false));
        }
        if !draft.found.contains("rbac") {
            draft.set("rbac.operator", Value::Boolean(false));
        }
    }

    /// The profile text, the notes first as comments.
    fn write(self) -> Imported {
        let mut text = String::from(
            "#:schema ./schema.json\n# Imported by magnetiq-gen from an existing tree of manifests.\n",
        );
        if !self.unmapped.is_empty() {
            text.push_str("#\n# Not mapped:\n");
            for u in &self.unmapped {
                text.push_str(&format!("#   - {u}\n"));
            }
        }
        if !self.differences.is_empty() {
            text.push_str("#\n# magnetiq-gen renders differently:\n");
            for d in &self.differences {
                text.push_str(&format!("#   - {d}\n"));
            }
        }
        text.push('\n');
        text.push_str(&toml::to_string_pretty(&self.p).expect("a TOML table serializes"));
        Imported {
            profile: text,
            unmapped: self.unmapped,
            differences: self.differences,
        }
    }
}
