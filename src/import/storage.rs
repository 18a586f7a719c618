//! StorageClass and PVCs.

use serde_json::Value as Json;
use toml::Value;

use super::{Draft, i, of_kind, s};

/// The StorageClass: `[storage.longhorn]`.
pub(super) fn storage_class(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, sc) in of_kind(objects, "StorageClass") {
        draft.found.insert("storage");
        draft.set("storage.provider", Value::String("longhorn".into()));
        let prm = &sc["parameters"];
        if let Some(n) = s(sc, &["metadata", "name"]) {
            draft.set("storage.longhorn.class_name", Value::String(n));
        }
        if sc["metadata"].get("namespace").is_some() {
            draft.differences.push(
                "StorageClass: metadata.namespace is dropped; StorageClasses are cluster-scoped"
                    .into(),
            );
        }
        if let Some(v) = i(prm, &["numberOfReplicas"]) {
            draft.set("storage.longhorn.number_of_replicas", Value::Integer(v));
        }
        if let Some(v) = i(prm, &["staleReplicaTimeout"]) {
            draft.set(
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
            draft.set(&format!("storage.longhorn.{key}"), Value::Array(tags));
        }
        if let Some(sel) = s(prm, &["recurringJobSelector"]) {
            let groups: Vec<Value> = serde_json::from_str::<Vec<Json>>(&sel)
                .unwrap_or_default()
                .iter()
                .filter_map(|g| s(g, &["name"]))
                .map(Value::String)
                .collect();
            draft.set(
                "storage.longhorn.recurring_job_groups",
                Value::Array(groups),
            );
        }
        if s(prm, &["fromBackup"]).is_some_and(|v| !v.is_empty()) {
            draft.unmapped.push(
                "StorageClass parameter fromBackup (restore volumes by hand, then adopt them)"
                    .into(),
            );
        }
        for (field, key) in [
            ("reclaimPolicy", "reclaim_policy"),
            ("volumeBindingMode", "volume_binding_mode"),
        ] {
            if let Some(v) = s(sc, &[field]) {
                draft.set(&format!("storage.longhorn.{key}"), Value::String(v));
            }
        }
        if let Some(Json::Bool(b)) = sc.get("allowVolumeExpansion") {
            draft.set(
                "storage.longhorn.allow_volume_expansion",
                Value::Boolean(*b),
            );
        }
    }
}

/// The PVCs: `[storage.data]` and `[storage.media]` (the SQLite copies' claim is mapped with
/// its CronJob).
pub(super) fn volumes(draft: &mut Draft, objects: &[(String, Json)]) {
    // The SQLite copies' claim is `[database.sqlite.backup]`'s.
    let copies = super::sqlite::backup_claims(objects);
    for (_, pvc) in of_kind(objects, "PersistentVolumeClaim") {
        let name = s(pvc, &["metadata", "name"]).unwrap_or_default();
        if copies.contains(&name) {
            continue;
        }
        let which = if name.contains("media") {
            "media"
        } else {
            "data"
        };
        draft.found.insert("pvc");
        if let Some(size) = s(pvc, &["spec", "resources", "requests", "storage"]) {
            draft.set(&format!("storage.{which}.size"), Value::String(size));
        }
        if let Some(mode) = pvc["spec"]["accessModes"]
            .as_array()
            .and_then(|m| m.first())
            .and_then(Json::as_str)
        {
            draft.set(
                &format!("storage.{which}.access_mode"),
                Value::String(mode.to_string()),
            );
        }
    }
}
