//! Namespace and Deployments.

use serde_json::Value as Json;
use toml::Value;

use super::{Draft, i, of_kind, s};
use crate::names::Names;
use crate::rules::{SINGLE_WRITER_REPLICAS, SINGLE_WRITER_WHY};

/// The Namespace: `app.namespace` and `app.environment`.
pub(super) fn namespace(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, ns) in of_kind(objects, "Namespace") {
        draft.found.insert("namespace");
        if let Some(n) = s(ns, &["metadata", "name"]) {
            draft.set("app.namespace", Value::String(n));
        }
        if let Some(e) = s(ns, &["metadata", "labels", "environment"]) {
            let e = if e == "dev" {
                "development".to_string()
            } else {
                e
            };
            draft.set("app.environment", Value::String(e));
        }
    }
}

/// The Deployments: one workload each (`[backend]`, `[frontend]`), and `app.name`.
pub(super) fn deployments(draft: &mut Draft, objects: &[(String, Json)]) {
    let deployments: Vec<&Json> = of_kind(objects, "Deployment").map(|(_, d)| d).collect();
    let is_backend = |d: &Json| {
        s(d, &["metadata", "name"]).is_some_and(|n| n.contains("backend"))
            || d["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .is_some_and(|v| !v.is_empty())
    };
    let mut app_name = None;
    let suffixes = Names::new("", "");
    for d in &deployments {
        let which = if is_backend(d) { "backend" } else { "frontend" };
        draft.found.insert(which);
        let name = s(d, &["metadata", "name"]).unwrap_or_default();
        // The app name is what the derived name adds its suffix to (names.rs owns both).
        let suffix = if which == "backend" {
            &suffixes.backend
        } else {
            &suffixes.frontend
        };
        if let Some(prefix) = name.strip_suffix(suffix.as_str()) {
            app_name = Some(prefix.to_string());
        }
        let pod = &d["spec"]["template"]["spec"];
        let Some(c) = pod["containers"].as_array().and_then(|c| c.first()) else {
            continue;
        };
        if pod["containers"].as_array().is_some_and(|c| c.len() > 1) {
            draft.unmapped.push(format!(
                "{which}: containers after the first (magnetiq-gen renders one per workload)"
            ));
        }
        if let Some(img) = s(c, &["image"]) {
            if let Some((host, _)) = img
                .split_once('/')
                .filter(|(h, _)| h.contains('.') || h.contains(':'))
            {
                draft.set("registry.host", Value::String(host.to_string()));
            }
            draft.set(&format!("{which}.image"), Value::String(img));
        }
        if let Some(pp) = s(c, &["imagePullPolicy"]) {
            draft.set(&format!("{which}.image_pull_policy"), Value::String(pp));
        }
        if let Some(port) = c["ports"]
            .as_array()
            .and_then(|ps| ps.first())
            .and_then(|x| i(x, &["containerPort"]))
        {
            draft.set(&format!("{which}.port"), Value::Integer(port));
        }
        if let Some(r) = i(d, &["spec", "replicas"]) {
            if which == "backend" && r != i64::from(SINGLE_WRITER_REPLICAS) {
                draft.differences.push(format!(
                    "backend.replicas: the tree runs {r}; magnetiq-gen runs {SINGLE_WRITER_REPLICAS} with the Recreate strategy, because {SINGLE_WRITER_WHY}"
                ));
                draft.set(
                    "backend.replicas",
                    Value::Integer(SINGLE_WRITER_REPLICAS.into()),
                );
            } else {
                draft.set(&format!("{which}.replicas"), Value::Integer(r));
            }
        }
        for (kind, key) in [
            ("requests", "cpu"),
            ("requests", "memory"),
            ("limits", "cpu"),
            ("limits", "memory"),
        ] {
            if let Some(q) = s(c, &["resources", kind, key]) {
                draft.set(&format!("{which}.resources.{kind}.{key}"), Value::String(q));
            }
        }
        for (probe, key) in [
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
        ] {
            let pr = &c[probe];
            if let Some(path) = s(pr, &["httpGet", "path"]) {
                draft.set(&format!("{which}.probes.path"), Value::String(path));
            }
            for (field, name) in [
                ("periodSeconds", "period_seconds"),
                ("timeoutSeconds", "timeout_seconds"),
                ("failureThreshold", "failure_threshold"),
                ("initialDelaySeconds", "initial_delay_seconds"),
            ] {
                if let Some(v) = i(pr, &[field]) {
                    draft.set(&format!("{which}.probes.{key}.{name}"), Value::Integer(v));
                }
            }
        }
        if let Some(sec) = pod["imagePullSecrets"]
            .as_array()
            .and_then(|x| x.first())
            .and_then(|x| s(x, &["name"]))
        {
            draft.set("registry.pull_secret", Value::String(sec));
        }
        let keys: Vec<Value> = c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| s(e, &["valueFrom", "configMapKeyRef", "key"]))
            .map(Value::String)
            .collect();
        draft.set(&format!("{which}.config_keys"), Value::Array(keys));
        let env_from = c["envFrom"].as_array().into_iter().flatten();
        let mut from_config = false;
        let mut from_secret = false;
        for e in env_from {
            from_config |= e.get("configMapRef").is_some();
            from_secret |= e.get("secretRef").is_some();
        }
        draft.set(
            &format!("{which}.env_from_config"),
            Value::Boolean(from_config),
        );
        draft.set(&format!("{which}.all_secrets"), Value::Boolean(from_secret));
        if from_secret {
            draft.differences.push(format!(
                "{which}: envFrom of the whole Secret becomes one secretKeyRef per declared key, so a missing required key stops the pod with an event naming it"
            ));
        }
    }
    if let Some(n) = &app_name {
        draft.set("app.name", Value::String(n.clone()));
    }
    draft.app_name = app_name;
}
