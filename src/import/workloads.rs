//! Namespace and Deployments.

use serde_json::Value as Json;
use toml::{Table, Value};

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
    let suffixes = Names::new("", "");
    // By name first (the frontend mounts emptyDir volumes too), else by a claim mounted.
    let is_backend = |d: &Json| {
        let name = s(d, &["metadata", "name"]).unwrap_or_default();
        if name.ends_with(suffixes.frontend.as_str()) || name.contains("frontend") {
            return false;
        }
        name.contains("backend")
            || d["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .is_some_and(|v| v.iter().any(|v| v.get("persistentVolumeClaim").is_some()))
    };
    let mut app_name = None;
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
        // `""` when the tree pulls without credentials.
        let pull_secret = pod["imagePullSecrets"]
            .as_array()
            .and_then(|x| x.first())
            .and_then(|x| s(x, &["name"]));
        draft.set(
            "registry.pull_secret",
            Value::String(pull_secret.unwrap_or_default()),
        );
        // VITE_* keys are left out: a built bundle never reads them (the ConfigMap's import
        // says what the frontend gets instead).
        let keys: Vec<Value> = c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| s(e, &["valueFrom", "configMapKeyRef", "key"]))
            .filter(|k| !k.starts_with(VITE_PREFIX))
            .map(Value::String)
            .collect();
        draft.set(&format!("{which}.config_keys"), Value::Array(keys));
        if which == "frontend" {
            runtime_config(draft, objects, pod, c);
        }
        let env_from = c["envFrom"].as_array().into_iter().flatten();
        let mut from_config = false;
        let mut from_secret = false;
        for e in env_from {
            from_config |= e.get("configMapRef").is_some();
            from_secret |= e.get("secretRef").is_some();
        }
        // What magnetiq-gen renders for all_secrets: one secretKeyRef per declared key,
        // optional for the optional ones (a Secret in the tree, read later, says more).
        let (mut required, mut optional) = (Vec::new(), Vec::new());
        for e in c["env"].as_array().into_iter().flatten() {
            let r = &e["valueFrom"]["secretKeyRef"];
            if let Some(key) = s(r, &["key"]) {
                if r["optional"] == true {
                    optional.push(Value::String(key));
                } else {
                    required.push(Value::String(key));
                }
            }
        }
        let by_key = !required.is_empty() || !optional.is_empty();
        if by_key {
            draft.set("secrets.required", Value::Array(required));
            draft.set("secrets.optional", Value::Array(optional));
        }
        // Reloader restarts the workload that reads the Secret (rendered on it, if at all).
        if by_key || from_secret {
            let reloads = d["metadata"]["annotations"]
                .get("secret.reloader.stakater.com/reload")
                .is_some();
            draft.set("secrets.reloader", Value::Boolean(reloads));
        }
        draft.set(
            &format!("{which}.env_from_config"),
            Value::Boolean(from_config),
        );
        draft.set(
            &format!("{which}.all_secrets"),
            Value::Boolean(from_secret || by_key),
        );
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

/// The HorizontalPodAutoscaler: `[autoscaling]` (magnetiq-gen scales the frontend only).
pub(super) fn autoscaling(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, hpa) in of_kind(objects, "HorizontalPodAutoscaler") {
        let spec = &hpa["spec"];
        draft.found.insert("autoscaling");
        draft.set("autoscaling.enabled", Value::Boolean(true));
        if let Some(n) = i(spec, &["minReplicas"]) {
            draft.set("autoscaling.min_replicas", Value::Integer(n));
        }
        if let Some(n) = i(spec, &["maxReplicas"]) {
            draft.set("autoscaling.max_replicas", Value::Integer(n));
        }
        let cpu = spec["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| s(m, &["resource", "name"]).as_deref() == Some("cpu"));
        if let Some(u) = cpu.and_then(|m| i(m, &["resource", "target", "averageUtilization"])) {
            draft.set("autoscaling.target_cpu_utilization", Value::Integer(u));
        }
    }
}

/// The prefix of the variables Vite compiles into a bundle at build time.
pub(super) const VITE_PREFIX: &str = "VITE_";

/// The frontend's runtime configuration file: a ConfigMap key mounted by `subPath` whose
/// content is a JSON object of strings gives `frontend.runtime_config`.
fn runtime_config(draft: &mut Draft, objects: &[(String, Json)], pod: &Json, c: &Json) {
    for m in c["volumeMounts"].as_array().into_iter().flatten() {
        let (Some(path), Some(key), Some(volume)) =
            (s(m, &["mountPath"]), s(m, &["subPath"]), s(m, &["name"]))
        else {
            continue;
        };
        let Some(config_map) = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| s(v, &["name"]).as_deref() == Some(volume.as_str()))
            .and_then(|v| s(v, &["configMap", "name"]))
        else {
            continue;
        };
        let Some((_, cm)) = of_kind(objects, "ConfigMap")
            .find(|(_, cm)| s(cm, &["metadata", "name"]).as_deref() == Some(config_map.as_str()))
        else {
            continue;
        };
        let Some(text) = s(cm, &["data", &key]) else {
            continue;
        };
        let values: Option<Table> = serde_json::from_str::<serde_json::Map<String, Json>>(&text)
            .ok()
            .and_then(|o| {
                o.into_iter()
                    .map(|(k, v)| Some((k, Value::String(v.as_str()?.to_string()))))
                    .collect()
            });
        let Some(values) = values else {
            draft.differences.push(format!(
                "frontend: {path} (ConfigMap {config_map}, key {key}) is not a JSON object of strings, so it is not taken as frontend.runtime_config"
            ));
            continue;
        };
        draft.set("frontend.runtime_config.path", Value::String(path));
        draft.set("frontend.runtime_config.values", Value::Table(values));
        draft.runtime_config_maps.push(config_map);
    }
}
