//! `magnetiq-gen import DIR`: a profile from an existing tree of manifests shaped like the
//! design document's, with what could not be mapped and what will render differently.
//!
//! The profile starts from the shipped base (so it is complete) and takes every value the
//! tree holds. Pure: the caller reads the tree (`lint::load_dir`) and prints the result.

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::init;
use crate::rules::{DERIVED_CONFIG, SINGLE_WRITER_REPLICAS, SINGLE_WRITER_WHY};

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

const NOT_SECRET: [&str; 3] = [
    "ALGORITHM",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "REFRESH_TOKEN_EXPIRE_DAYS",
];

/// One key of a Secret, as the cluster would hold it.
enum SecretEntry {
    /// The value, decoded (from base64 for `data`).
    Text(String),
    /// Why the value cannot be read (never the value itself).
    Invalid(&'static str),
}

/// A Secret's keys and values as the API server stores them: `data` decoded from base64, then
/// `stringData` on top (the API server folds `stringData` into `data`, and its keys win).
fn secret_entries(sec: &Json) -> indexmap::IndexMap<String, SecretEntry> {
    // In the order written, so the declared keys read like the tree.
    let mut out = indexmap::IndexMap::new();
    for (k, v) in sec["data"].as_object().into_iter().flatten() {
        let entry = match v {
            Json::Null => SecretEntry::Text(String::new()),
            Json::String(b64) => match crate::lint::decode_secret_data(b64) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => SecretEntry::Text(text),
                    Err(_) => SecretEntry::Invalid("is binary, not text"),
                },
                None => SecretEntry::Invalid(
                    "in data is not valid base64 (the API server would refuse the Secret)",
                ),
            },
            _ => SecretEntry::Invalid("in data is not a base64 string"),
        };
        out.insert(k.clone(), entry);
    }
    for (k, v) in sec["stringData"].as_object().into_iter().flatten() {
        let entry = match v {
            Json::Null => SecretEntry::Text(String::new()),
            Json::String(text) => SecretEntry::Text(text.clone()),
            Json::Number(n) => SecretEntry::Text(n.to_string()),
            Json::Bool(b) => SecretEntry::Text(b.to_string()),
            _ => SecretEntry::Invalid("in stringData is not a string"),
        };
        out.insert(k.clone(), entry);
    }
    out
}

/// Imports the objects of a tree (as `lint::load_dir` reads them).
pub fn import(objects: &[(String, Json)]) -> Imported {
    let base = init::FILES
        .iter()
        .find(|(n, _)| *n == "base.toml")
        .expect("base is embedded")
        .1;
    let mut p: Table = base.parse().expect("the shipped base is TOML");
    p.remove("abstract");
    // References in the base would still point at the base's values; imported values are
    // literal, so the shipped templates are replaced where the tree says otherwise.
    let mut unmapped = Vec::new();
    let mut differences = Vec::new();
    let mut found = std::collections::BTreeSet::new();
    fn of_kind<'a>(
        objects: &'a [(String, Json)],
        kind: &'static str,
    ) -> impl Iterator<Item = &'a (String, Json)> {
        objects
            .iter()
            .filter(move |(_, o)| o.get("kind").and_then(Json::as_str) == Some(kind))
    }
    let of = |kind: &'static str| of_kind(objects, kind);

    for (_, ns) in of("Namespace") {
        found.insert("namespace");
        if let Some(n) = s(ns, &["metadata", "name"]) {
            set(&mut p, "app.namespace", Value::String(n));
        }
        if let Some(e) = s(ns, &["metadata", "labels", "environment"]) {
            let e = if e == "dev" {
                "development".to_string()
            } else {
                e
            };
            set(&mut p, "app.environment", Value::String(e));
        }
    }

    let deployments: Vec<&Json> = of("Deployment").map(|(_, d)| d).collect();
    let is_backend = |d: &Json| {
        s(d, &["metadata", "name"]).is_some_and(|n| n.contains("backend"))
            || d["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .is_some_and(|v| !v.is_empty())
    };
    let mut app_name = None;
    for d in &deployments {
        let which = if is_backend(d) { "backend" } else { "frontend" };
        found.insert(which);
        let name = s(d, &["metadata", "name"]).unwrap_or_default();
        if let Some(prefix) = name.strip_suffix(&format!("-{which}")) {
            app_name = Some(prefix.to_string());
        }
        let pod = &d["spec"]["template"]["spec"];
        let Some(c) = pod["containers"].as_array().and_then(|c| c.first()) else {
            continue;
        };
        if pod["containers"].as_array().is_some_and(|c| c.len() > 1) {
            unmapped.push(format!(
                "{which}: containers after the first (magnetiq-gen renders one per workload)"
            ));
        }
        if let Some(img) = s(c, &["image"]) {
            if let Some((host, _)) = img
                .split_once('/')
                .filter(|(h, _)| h.contains('.') || h.contains(':'))
            {
                set(&mut p, "registry.host", Value::String(host.to_string()));
            }
            set(&mut p, &format!("{which}.image"), Value::String(img));
        }
        if let Some(pp) = s(c, &["imagePullPolicy"]) {
            set(
                &mut p,
                &format!("{which}.image_pull_policy"),
                Value::String(pp),
            );
        }
        if let Some(port) = c["ports"]
            .as_array()
            .and_then(|ps| ps.first())
            .and_then(|x| i(x, &["containerPort"]))
        {
            set(&mut p, &format!("{which}.port"), Value::Integer(port));
        }
        if let Some(r) = i(d, &["spec", "replicas"]) {
            if which == "backend" && r != i64::from(SINGLE_WRITER_REPLICAS) {
                differences.push(format!(
                    "backend.replicas: the tree runs {r}; magnetiq-gen runs {SINGLE_WRITER_REPLICAS} with the Recreate strategy, because {SINGLE_WRITER_WHY}"
                ));
                set(
                    &mut p,
                    "backend.replicas",
                    Value::Integer(SINGLE_WRITER_REPLICAS.into()),
                );
            } else {
                set(&mut p, &format!("{which}.replicas"), Value::Integer(r));
            }
        }
        for (kind, key) in [
            ("requests", "cpu"),
            ("requests", "memory"),
            ("limits", "cpu"),
            ("limits", "memory"),
        ] {
            if let Some(q) = s(c, &["resources", kind, key]) {
                set(
                    &mut p,
                    &format!("{which}.resources.{kind}.{key}"),
                    Value::String(q),
                );
            }
        }
        for (probe, key) in [
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
        ] {
            let pr = &c[probe];
            if let Some(path) = s(pr, &["httpGet", "path"]) {
                set(&mut p, &format!("{which}.probes.path"), Value::String(path));
            }
            for (field, name) in [
                ("periodSeconds", "period_seconds"),
                ("timeoutSeconds", "timeout_seconds"),
                ("failureThreshold", "failure_threshold"),
                ("initialDelaySeconds", "initial_delay_seconds"),
            ] {
                if let Some(v) = i(pr, &[field]) {
                    set(
                        &mut p,
                        &format!("{which}.probes.{key}.{name}"),
                        Value::Integer(v),
                    );
                }
            }
        }
        if let Some(sec) = pod["imagePullSecrets"]
            .as_array()
            .and_then(|x| x.first())
            .and_then(|x| s(x, &["name"]))
        {
            set(&mut p, "registry.pull_secret", Value::String(sec));
        }
        let keys: Vec<Value> = c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| s(e, &["valueFrom", "configMapKeyRef", "key"]))
            .map(Value::String)
            .collect();
        set(&mut p, &format!("{which}.config_keys"), Value::Array(keys));
        let env_from = c["envFrom"].as_array().into_iter().flatten();
        let mut from_config = false;
        let mut from_secret = false;
        for e in env_from {
            from_config |= e.get("configMapRef").is_some();
            from_secret |= e.get("secretRef").is_some();
        }
        set(
            &mut p,
            &format!("{which}.env_from_config"),
            Value::Boolean(from_config),
        );
        set(
            &mut p,
            &format!("{which}.all_secrets"),
            Value::Boolean(from_secret),
        );
        if from_secret {
            differences.push(format!(
                "{which}: envFrom of the whole Secret becomes one secretKeyRef per declared key, so a missing required key stops the pod with an event naming it"
            ));
        }
    }
    if let Some(n) = &app_name {
        set(&mut p, "app.name", Value::String(n.clone()));
    }

    for (_, cm) in of("ConfigMap") {
        found.insert("configmap");
        let data = cm["data"].as_object().cloned().unwrap_or_default();
        if cm["binaryData"].as_object().is_some_and(|b| !b.is_empty()) {
            unmapped.push(format!(
                "ConfigMap {}: binaryData (profiles hold text settings only)",
                s(cm, &["metadata", "name"]).unwrap_or_default()
            ));
        }
        let mut config = Table::new();
        for (k, v) in &data {
            // An unquoted number or boolean in the tree is meant as its text.
            let v = match v {
                Json::String(x) => x.clone(),
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            match k.as_str() {
                "APP_NAME" => set(&mut p, "app.display_name", Value::String(v)),
                "VERSION" => set(&mut p, "app.version", Value::String(v)),
                "ENVIRONMENT" => set(
                    &mut p,
                    "app.environment",
                    Value::String(if v == "dev" { "development".into() } else { v }),
                ),
                "DEBUG" => set(&mut p, "app.debug", Value::Boolean(v == "true")),
                "DATABASE_URL" => {
                    if let Some((driver, path)) = v.split_once(":///") {
                        let file = path.rsplit('/').next().unwrap_or("magnetiq.db").to_string();
                        set(&mut p, "database.driver", Value::String(driver.to_string()));
                        set(&mut p, "database.file", Value::String(file));
                        if !path.starts_with('/') {
                            differences.push(format!(
                                "DATABASE_URL: {v:?} is relative to the working directory (three slashes); magnetiq-gen derives an absolute one inside the data volume (four slashes)"
                            ));
                        }
                    }
                }
                k if DERIVED_CONFIG.iter().any(|(d, _)| *d == k) => {}
                _ => {
                    config.insert(k.clone(), Value::String(v));
                }
            }
        }
        if !config.is_empty() {
            p.insert("config".into(), Value::Table(config));
        }
    }

    let mut required: Vec<Value> = Vec::new();
    let mut optional: Vec<Value> = Vec::new();
    for (src, sec) in of("Secret") {
        let name = s(sec, &["metadata", "name"]).unwrap_or_default();
        let type_ = s(sec, &["type"]).unwrap_or_else(|| "Opaque".into());
        if type_ != "Opaque" {
            // Registry credentials, TLS certificates and the like are not the application's
            // settings; they stay Secrets created out of band.
            unmapped.push(format!(
                "{src}: Secret {name} of type {type_} (only the application's Opaque Secret maps to [secrets])"
            ));
            continue;
        }
        found.insert("secrets");
        for (k, value) in secret_entries(sec) {
            let value = match value {
                SecretEntry::Text(v) => v,
                SecretEntry::Invalid(why) => {
                    differences.push(format!(
                        "Secret {name}: the value of {k} {why}, so it was not read; set it where the secret values live"
                    ));
                    if NOT_SECRET.contains(&k.as_str()) {
                        continue;
                    }
                    // Declared all the same: the application reads the key, and its value has
                    // to be set again anyway.
                    required.retain(|x| x.as_str() != Some(k.as_str()));
                    optional.retain(|x| x.as_str() != Some(k.as_str()));
                    required.push(Value::String(k));
                    continue;
                }
            };
            if NOT_SECRET.contains(&k.as_str()) {
                set(&mut p, &format!("config.{k}"), Value::String(value));
                differences.push(format!(
                    "{k} is not secret: it moves from the Secret to the ConfigMap"
                ));
                continue;
            }
            // Secret values themselves never reach the profile: only whether one is set.
            required.retain(|x| x.as_str() != Some(k.as_str()));
            optional.retain(|x| x.as_str() != Some(k.as_str()));
            if value.is_empty() {
                optional.push(Value::String(k));
            } else {
                required.push(Value::String(k));
            }
        }
    }
    if found.contains("secrets") {
        set(&mut p, "secrets.required", Value::Array(required));
        set(&mut p, "secrets.optional", Value::Array(optional));
        set(&mut p, "secrets.mode", Value::String("existing".into()));
        differences.push(
            "secret values are not imported and never rendered: with mode = \"existing\" create the Secret out of band, or switch to external-secrets or sealed (see README)".into(),
        );
    }

    for (_, sc) in of("StorageClass") {
        found.insert("storage");
        let prm = &sc["parameters"];
        if let Some(n) = s(sc, &["metadata", "name"]) {
            set(&mut p, "storage.longhorn.class_name", Value::String(n));
        }
        if sc["metadata"].get("namespace").is_some() {
            differences.push(
                "StorageClass: metadata.namespace is dropped; StorageClasses are cluster-scoped"
                    .into(),
            );
        }
        if let Some(v) = i(prm, &["numberOfReplicas"]) {
            set(
                &mut p,
                "storage.longhorn.number_of_replicas",
                Value::Integer(v),
            );
        }
        if let Some(v) = i(prm, &["staleReplicaTimeout"]) {
            set(
                &mut p,
                "storage.longhorn.stale_replica_timeout_minutes",
                Value::Integer(v),
            );
        }
        for (param, key) in [
            ("diskSelector", "disk_selector"),
            ("nodeSelector", "node_selector"),
        ] {
            let tags: Vec<Value> = s(prm, &[param])
                .unwrap_or_default()
                .split(',')
                .filter(|t| !t.trim().is_empty())
                .map(|t| Value::String(t.trim().to_string()))
                .collect();
            set(
                &mut p,
                &format!("storage.longhorn.{key}"),
                Value::Array(tags),
            );
        }
        if let Some(sel) = s(prm, &["recurringJobSelector"]) {
            let groups: Vec<Value> = serde_json::from_str::<Vec<Json>>(&sel)
                .unwrap_or_default()
                .iter()
                .filter_map(|g| s(g, &["name"]))
                .map(Value::String)
                .collect();
            set(
                &mut p,
                "storage.longhorn.recurring_job_groups",
                Value::Array(groups),
            );
        }
        if s(prm, &["fromBackup"]).is_some_and(|v| !v.is_empty()) {
            unmapped.push(
                "StorageClass parameter fromBackup (restore volumes by hand, then adopt them)"
                    .into(),
            );
        }
        for (field, key) in [
            ("reclaimPolicy", "reclaim_policy"),
            ("volumeBindingMode", "volume_binding_mode"),
        ] {
            if let Some(v) = s(sc, &[field]) {
                set(&mut p, &format!("storage.longhorn.{key}"), Value::String(v));
            }
        }
        if let Some(Json::Bool(b)) = sc.get("allowVolumeExpansion") {
            set(
                &mut p,
                "storage.longhorn.allow_volume_expansion",
                Value::Boolean(*b),
            );
        }
    }

    for (_, pvc) in of("PersistentVolumeClaim") {
        let name = s(pvc, &["metadata", "name"]).unwrap_or_default();
        let which = if name.contains("media") {
            "media"
        } else {
            "data"
        };
        found.insert("pvc");
        if let Some(size) = s(pvc, &["spec", "resources", "requests", "storage"]) {
            set(
                &mut p,
                &format!("storage.{which}.size"),
                Value::String(size),
            );
        }
        if let Some(mode) = pvc["spec"]["accessModes"]
            .as_array()
            .and_then(|m| m.first())
            .and_then(Json::as_str)
        {
            set(
                &mut p,
                &format!("storage.{which}.access_mode"),
                Value::String(mode.to_string()),
            );
        }
    }

    for (_, ing) in of("Ingress") {
        found.insert("ingress");
        let ann = &ing["metadata"]["annotations"];
        if let Some(issuer) = s(ann, &["cert-manager.io/cluster-issuer"]) {
            set(&mut p, "ingress.cluster_issuer", Value::String(issuer));
            set(&mut p, "ingress.tls", Value::Boolean(true));
        }
        if let Some(size) = s(ann, &["nginx.ingress.kubernetes.io/proxy-body-size"]) {
            set(&mut p, "ingress.proxy_body_size", Value::String(size));
        }
        if let Some(t) =
            s(ann, &["nginx.ingress.kubernetes.io/proxy-read-timeout"]).and_then(|t| t.parse().ok())
        {
            set(&mut p, "ingress.proxy_timeout_seconds", Value::Integer(t));
        }
        if ann
            .get("nginx.ingress.kubernetes.io/rewrite-target")
            .is_some()
        {
            differences.push(
                "Ingress: rewrite-target is dropped; it would send every request to \"/\"".into(),
            );
        }
        if ann
            .get("nginx.ingress.kubernetes.io/proxy-connect-timeout")
            .is_some()
        {
            differences.push(
                "Ingress: proxy-connect-timeout is dropped; nginx caps it at 75 seconds".into(),
            );
        }
        match s(ing, &["spec", "ingressClassName"]) {
            Some(c) => set(&mut p, "ingress.class_name", Value::String(c)),
            None => differences.push("Ingress: gets ingressClassName (from ingress.class_name, \"nginx\"); without one it is served only if the cluster has a default class".into()),
        }
        if let Some(rule) = ing["spec"]["rules"].as_array().and_then(|r| r.first()) {
            if let Some(host) = s(rule, &["host"]) {
                set(&mut p, "app.domain", Value::String(host.clone()));
                set(&mut p, "ingress.host", Value::String(host));
            }
            let backend = app_name.as_ref().map(|n| format!("{n}-backend"));
            let paths: Vec<Value> = rule["http"]["paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|x| s(x, &["backend", "service", "name"]) == backend)
                .filter_map(|x| {
                    let mut t = Table::new();
                    t.insert("path".into(), Value::String(s(x, &["path"])?));
                    t.insert(
                        "type".into(),
                        Value::String(s(x, &["pathType"]).unwrap_or_else(|| "Prefix".into())),
                    );
                    Some(Value::Table(t))
                })
                .collect();
            set(&mut p, "ingress.backend_paths", Value::Array(paths));
        }
    }

    for (_, np) in of("NetworkPolicy") {
        found.insert("network_policy");
        let mut ports = Vec::new();
        for rule in np["spec"]["egress"].as_array().into_iter().flatten() {
            for port in rule["ports"].as_array().into_iter().flatten() {
                if let Some(n) = i(port, &["port"]).filter(|n| *n != 53)
                    && !ports.contains(&Value::Integer(n))
                {
                    ports.push(Value::Integer(n));
                }
            }
        }
        set(
            &mut p,
            "network_policy.backend_egress_ports",
            Value::Array(ports),
        );
        for rule in np["spec"]["ingress"].as_array().into_iter().flatten() {
            for peer in rule["from"].as_array().into_iter().flatten() {
                let labels = &peer["namespaceSelector"]["matchLabels"];
                if let Some(ns) =
                    s(labels, &["kubernetes.io/metadata.name"]).or_else(|| s(labels, &["name"]))
                {
                    set(
                        &mut p,
                        "network_policy.ingress_controller_namespace",
                        Value::String(ns),
                    );
                }
            }
        }
        differences.push("NetworkPolicy: DNS egress goes to the DNS namespace, external egress is an ipBlock, namespaces are selected by kubernetes.io/metadata.name, and the frontend gets a policy of its own".into());
    }

    if of("Role").next().is_some() {
        found.insert("rbac");
        set(&mut p, "rbac.operator", Value::Boolean(true));
        differences.push("RBAC: the operator Role is bound to its own ServiceAccount (and rbac.operator_groups) and gains pods/log, pods/exec and deployments/scale".into());
    }

    for (_, app) in of("Application") {
        found.insert("argocd");
        let src = &app["spec"]["source"];
        for (field, key) in [
            ("repoURL", "repo_url"),
            ("targetRevision", "target_revision"),
            ("path", "path"),
        ] {
            if let Some(v) = s(src, &[field]) {
                set(&mut p, &format!("argocd.{key}"), Value::String(v));
            }
        }
        for (path, key) in [
            (&["metadata", "name"][..], "app_name"),
            (&["metadata", "namespace"][..], "namespace"),
            (&["spec", "project"][..], "project"),
            (&["spec", "destination", "server"][..], "destination_server"),
        ] {
            if let Some(v) = s(app, path) {
                set(&mut p, &format!("argocd.{key}"), Value::String(v));
            }
        }
        let auto = &app["spec"]["syncPolicy"]["automated"];
        set(&mut p, "argocd.automated", Value::Boolean(auto.is_object()));
        set(
            &mut p,
            "argocd.prune",
            Value::Boolean(auto["prune"] == true),
        );
        set(
            &mut p,
            "argocd.self_heal",
            Value::Boolean(auto["selfHeal"] == true),
        );
        differences.push("Application: syncs subdirectories (directory.recurse) and excludes its own file and kustomization.yaml".into());
    }

    for (src, o) in objects {
        let kind = o.get("kind").and_then(Json::as_str).unwrap_or("?");
        if !matches!(
            kind,
            "Namespace"
                | "Deployment"
                | "Service"
                | "ConfigMap"
                | "Secret"
                | "StorageClass"
                | "PersistentVolumeClaim"
                | "Ingress"
                | "NetworkPolicy"
                | "Role"
                | "Application"
        ) {
            unmapped.push(format!(
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
    .filter(|x| !found.contains(x))
    .collect();
    if !defaults.is_empty() {
        unmapped.push(format!(
            "not in the tree, taken from magnetiq-gen's defaults: {}",
            defaults.join(", ")
        ));
    }
    if !found.contains("storage") && found.contains("pvc") {
        set(
            &mut p,
            "storage.provider",
            Value::String("cluster-default".into()),
        );
    }
    if !found.contains("argocd") {
        set(&mut p, "argocd.enabled", Value::Boolean(false));
    }
    if !found.contains("network_policy") {
        set(&mut p, "network_policy.enabled", Value::Boolean(false));
    }
    if !found.contains("rbac") {
        set(&mut p, "rbac.operator", Value::Boolean(false));
    }

    let mut text = String::from(
        "#:schema ./schema.json\n# Imported by magnetiq-gen from an existing tree of manifests.\n",
    );
    if !unmapped.is_empty() {
        text.push_str("#\n# Not mapped:\n");
        for u in &unmapped {
            text.push_str(&format!("#   - {u}\n"));
        }
    }
    if !differences.is_empty() {
        text.push_str("#\n# magnetiq-gen renders differently:\n");
        for d in &differences {
            text.push_str(&format!("#   - {d}\n"));
        }
    }
    text.push('\n');
    text.push_str(&toml::to_string_pretty(&p).expect("a TOML table serializes"));
    Imported {
        profile: text,
        unmapped,
        differences,
    }
}
