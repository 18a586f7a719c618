//! ExternalSecret, Longhorn RecurringJob, ServiceMonitor and PrometheusRule:
//! `[secrets.external]`, `[backup]` and `[monitoring]`, as magnetiq-gen renders them.

use serde_json::Value as Json;
use toml::{Table, Value};

use super::{Draft, i, of_kind, s};
use crate::rules::RESERVED_LABELS;

/// The ExternalSecret that writes the application's Secret: `secrets.mode =
/// "external-secrets"` and `[secrets.external]`.
pub(super) fn external_secret(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, es) in of_kind(objects, "ExternalSecret") {
        let spec = &es["spec"];
        draft.found.insert("secrets");
        draft.set("secrets.mode", Value::String("external-secrets".into()));
        for (path, key) in [
            (&["secretStoreRef", "name"][..], "store"),
            (&["secretStoreRef", "kind"][..], "store_kind"),
            (&["refreshInterval"][..], "refresh_interval"),
        ] {
            if let Some(v) = s(spec, path) {
                draft.set(&format!("secrets.external.{key}"), Value::String(v));
            }
        }
        let extract = spec["dataFrom"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|d| s(d, &["extract", "key"]));
        if let Some(key) = extract {
            draft.set("secrets.external.remote_key", Value::String(key));
        }
    }
}

/// The Longhorn RecurringJob that backs up the volumes: `[backup]`.
pub(super) fn recurring_job(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, job) in of_kind(objects, "RecurringJob") {
        let spec = &job["spec"];
        if s(spec, &["task"]).is_some_and(|t| t != "backup") {
            continue;
        }
        draft.found.insert("backup");
        draft.set("backup.enabled", Value::Boolean(true));
        if let Some(cron) = s(spec, &["cron"]) {
            draft.set("backup.cron", Value::String(cron));
        }
        if let Some(n) = i(spec, &["retain"]) {
            draft.set("backup.retain", Value::Integer(n));
        }
        if let Some(g) = spec["groups"].as_array().and_then(|g| g.first()?.as_str()) {
            draft.set("backup.group", Value::String(g.to_string()));
        }
        if let Some(ns) = s(job, &["metadata", "namespace"]) {
            draft.set("backup.longhorn_namespace", Value::String(ns));
        }
    }
}

/// The ServiceMonitor and the backend Service's `metrics` port: `[monitoring]`.
pub(super) fn service_monitor(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, sm) in of_kind(objects, "ServiceMonitor") {
        draft.found.insert("monitoring");
        draft.set("monitoring.enabled", Value::Boolean(true));
        if let Some(e) = sm["spec"]["endpoints"].as_array().and_then(|e| e.first()) {
            for key in ["path", "interval"] {
                if let Some(v) = s(e, &[key]) {
                    draft.set(&format!("monitoring.{key}"), Value::String(v));
                }
            }
        }
        // Labels Prometheus selects by: what the ServiceMonitor has beyond magnetiq-gen's own.
        let labels: Table = sm["metadata"]["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !RESERVED_LABELS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.clone(), Value::String(v.as_str()?.to_string()))))
            .collect();
        draft.set("monitoring.labels", Value::Table(labels));
    }
    if !draft.found.contains("monitoring") {
        return;
    }
    // The alerts: on if the tree has a PrometheusRule, with the README URL its runbooks point
    // at (thresholds keep their defaults; what renders differently is listed).
    let runbook = of_kind(objects, "PrometheusRule")
        .flat_map(|(_, r)| r["spec"]["groups"].as_array().into_iter().flatten())
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .find_map(|rule| s(rule, &["annotations", "runbook_url"]));
    let has_rule = of_kind(objects, "PrometheusRule").next().is_some();
    draft.set("monitoring.alerts.enabled", Value::Boolean(has_rule));
    if let Some(url) = runbook {
        let base = url.split('#').next().unwrap_or_default().to_string();
        draft.set("monitoring.alerts.runbook_base_url", Value::String(base));
    }
    let metrics = of_kind(objects, "Service")
        .flat_map(|(_, svc)| svc["spec"]["ports"].as_array().into_iter().flatten())
        .find(|p| s(p, &["name"]).as_deref() == Some("metrics"));
    if let Some(port) = metrics.and_then(|p| i(p, &["port"])) {
        draft.set("monitoring.port", Value::Integer(port));
    }
    // A named container port of its own, else the backend's port (0).
    let container = of_kind(objects, "Deployment")
        .flat_map(|(_, d)| {
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find(|p| s(p, &["name"]).as_deref() == Some("metrics"))
        .and_then(|p| i(p, &["containerPort"]));
    draft.set(
        "monitoring.container_port",
        Value::Integer(container.unwrap_or(0)),
    );
}
