//! `magnetiq-gen import DIR`: a profile from an existing tree of manifests shaped like the
//! design document's, with what could not be mapped and what will render differently.
//!
//! The profile extends a parent (the shipped `base` unless told otherwise) and writes only
//! what differs from what the parent gives, with references such as `{{ app.version }}`
//! where a literal equals the value referred to. Pure but for reading the parent through a
//! [`ProfileStore`]: the caller reads the tree (`lint::load_dir`) and prints the result.
//!
//! The steps: map each kind of object into profile keys, one file per family
//! ([`workloads`], [`config`], [`storage`], [`ops`], [`network`], [`gateway`], [`argocd`]), noting what does not
//! map and what will render differently; note what the tree lacks ([`Draft::finish`]); keep
//! what the parent does not give ([`extend`]); write the profile with the notes as comments
//! ([`Draft::write`], [`emit`]). Derived names come from `names.rs`, derived config keys and
//! the single-writer rule from `rules.rs`: nothing here restates them.

mod argocd;
mod config;
mod emit;
mod extend;
mod gateway;
mod network;
mod ops;
mod sqlite;
mod storage;
mod workloads;

use std::collections::BTreeSet;

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::profile::ProfileStore;

/// The imported profile text and the notes about it.
#[derive(Debug)]
pub struct Imported {
    /// A profile (TOML) that extends the parent, notes included as comments.
    pub profile: String,
    /// How many values it sets itself (the rest comes from the parent).
    pub written: usize,
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
const MAPPED_KINDS: [&str; 20] = [
    "Namespace",
    "Deployment",
    "HorizontalPodAutoscaler",
    "ExternalSecret",
    "RecurringJob",
    "ServiceMonitor",
    "PrometheusRule",
    "Service",
    "ConfigMap",
    "Secret",
    "StorageClass",
    "PersistentVolumeClaim",
    "Ingress",
    "HTTPRoute",
    "Gateway",
    "Middleware",
    "ServersTransport",
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
    /// ConfigMaps that hold the frontend's runtime configuration file, not `[config]`.
    runtime_config_maps: Vec<String>,
}

impl Draft {
    /// Sets the dotted key `path`, making the tables on the way.
    fn set(&mut self, path: &str, value: Value) {
        set(&mut self.p, path, value);
    }
}

/// Imports the objects of a tree (as `lint::load_dir` reads them) as a profile that
/// extends `parent` from `store`. Fails only when the parent is not there; whatever the
/// objects hold becomes values or notes.
pub fn import(
    objects: &[(String, Json)],
    store: &dyn ProfileStore,
    parent: &str,
) -> crate::Result<Imported> {
    if store.read(parent)?.is_none() {
        crate::fail!(
            Input,
            "import writes a profile that extends {parent}, and there is no profile {parent} to extend; write the shipped profiles with `magnetiq-gen init`, or choose another parent with --extends (profiles: {})",
            store.names().join(", ")
        );
    }
    let mut draft = Draft {
        p: Table::new(),
        unmapped: Vec::new(),
        differences: Vec::new(),
        found: BTreeSet::new(),
        app_name: None,
        runtime_config_maps: Vec::new(),
    };
    workloads::namespace(&mut draft, objects);
    workloads::deployments(&mut draft, objects);
    workloads::autoscaling(&mut draft, objects);
    config::config_map(&mut draft, objects);
    config::secrets(&mut draft, objects);
    ops::external_secret(&mut draft, objects);
    storage::storage_class(&mut draft, objects);
    storage::volumes(&mut draft, objects);
    sqlite::backup(&mut draft, objects);
    sqlite::import(&mut draft, objects);
    ops::recurring_job(&mut draft, objects);
    ops::service_monitor(&mut draft, objects);
    network::ingress(&mut draft, objects);
    gateway::http_route(&mut draft, objects);
    network::network_policy(&mut draft, objects);
    argocd::rbac(&mut draft, objects);
    argocd::smoke_test(&mut draft, objects);
    argocd::application(&mut draft, objects);
    draft.finish(objects, parent);
    // Off when the tree has no backup CronJob but the parent renders one (only then: a
    // parent without the table would be left with a table of one key).
    if !draft.found.contains("sqlite_backup") && sqlite::parent_backs_up(store, parent) {
        draft.set("database.sqlite.backup.enabled", Value::Boolean(false));
    }
    Ok(draft.write(&extend::Parent {
        store,
        name: parent,
    }))
}

impl Draft {
    /// Notes the objects no step maps and the parts the tree lacks, and turns off what the
    /// tree does not have.
    fn finish(&mut self, objects: &[(String, Json)], parent: &str) {
        let draft = self;
        for (src, o) in objects {
            let kind = o.get("kind").and_then(Json::as_str).unwrap_or("?");
            if !MAPPED_KINDS.contains(&kind) && !sqlite::is_mapped(o, objects) {
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
        // An HTTPRoute gives the routing keys of [ingress].
        .filter(|x| *x != "ingress" || !draft.found.contains("gateway"))
        .collect();
        if !defaults.is_empty() {
            draft.unmapped.push(format!(
                "not in the tree, inherited from {parent}: {}",
                defaults.join(", ")
            ));
        }
        if !draft.found.contains("storage") && draft.found.contains("pvc") {
            draft.set("storage.provider", Value::String("cluster-default".into()));
        }
        // On when the tree has their objects and off when it lacks them, whatever the
        // parent has.
        for (part, key) in [
            ("argocd", "argocd.enabled"),
            ("autoscaling", "autoscaling.enabled"),
            ("backup", "backup.enabled"),
            ("monitoring", "monitoring.enabled"),
            ("network_policy", "network_policy.enabled"),
        ] {
            draft.set(key, Value::Boolean(draft.found.contains(part)));
        }
        if draft.found.contains("ingress") {
            draft.set("ingress.enabled", Value::Boolean(true));
        } else if draft.found.contains("gateway") {
            // Routed by the Gateway API alone.
            draft.set("ingress.enabled", Value::Boolean(false));
        }
        if !draft.found.contains("gateway") {
            draft.set("gateway.enabled", Value::Boolean(false));
        }
        // Pods that read a Secret the tree does not deliver: it is created out of band.
        if !draft.found.contains("secrets") {
            draft.set("secrets.mode", Value::String("existing".into()));
        }
        if !draft.found.contains("rbac") {
            draft.set("rbac.operator", Value::Boolean(false));
        }
        if !draft.found.contains("smoke_test") {
            draft.set("smoke_test.enabled", Value::Boolean(false));
        }
    }

    /// The profile text, the notes first as comments: the draft's values less what
    /// `parent` gives.
    fn write(mut self, parent: &extend::Parent<'_>) -> Imported {
        let values = match extend::extend(parent, self.p.clone()) {
            Ok((written, resolved)) => {
                self.note_inherited_config(parent.name, &resolved);
                written
            }
            Err(why) => {
                self.differences.push(format!(
                    "the values do not read as a profile that extends {} ({why}), so every value from the tree is written as it is",
                    parent.name
                ));
                self.p.clone()
            }
        };
        let mut text = format!(
            "#:schema ./schema.json\n# Imported by magnetiq-gen from an existing tree of manifests. Only values that\n# differ from what {} gives are set here; references ({{{{ app.version }}}} in image tags,\n# {{{{ app.domain }}}} in URLs) keep the values that derive from one setting together.\n",
            parent.name
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
        text.push_str(&emit::profile(parent.name, &values));
        Imported {
            profile: text,
            written: extend::leaves(&values).len(),
            unmapped: self.unmapped,
            differences: self.differences,
        }
    }

    /// `[config]` merges key by key, so a key of the parent's that the tree's ConfigMap
    /// lacks is rendered all the same: say which.
    fn note_inherited_config(&mut self, parent: &str, resolved: &Table) {
        if !self.found.contains("configmap") {
            return;
        }
        let tree = self.p.get("config").and_then(Value::as_table);
        let extra: Vec<&str> = resolved
            .get("config")
            .and_then(Value::as_table)
            .into_iter()
            .flat_map(|c| c.keys())
            .filter(|k| !tree.is_some_and(|t| t.contains_key(*k)))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            self.differences.push(format!(
                "[config]: {} not in the tree's ConfigMap but inherited from {parent} (a profile cannot remove a key it inherits; remove it from {parent}, or extend another profile)",
                extra.join(", ")
            ));
        }
    }
}
