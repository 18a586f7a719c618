//! The Longhorn StorageClass and the backend's volume claims.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::{data_annotations, meta};
use crate::labels;
use crate::names::Names;
use crate::profile::{Profile, ReclaimPolicy, Volume, VolumeBindingMode};

/// The Longhorn StorageClass, when the profile uses Longhorn.
///
/// Cluster-scoped, so no namespace (the design document gives it one, which the API server
/// rejects or ignores depending on the client). Its parameters are immutable once created:
/// changing them means a new class name.
pub fn storage_class(p: &Profile) -> Option<StorageClass> {
    let l = p.storage.longhorn.as_ref()?;
    let mut parameters = BTreeMap::from([
        (
            "numberOfReplicas".to_string(),
            l.number_of_replicas.to_string(),
        ),
        // Longhorn reads this in minutes.
        (
            "staleReplicaTimeout".to_string(),
            l.stale_replica_timeout_minutes.to_string(),
        ),
    ]);
    // Empty selectors and an empty `fromBackup` (as in the design document) are left out
    // rather than written as "".
    if !l.disk_selector.is_empty() {
        parameters.insert("diskSelector".into(), l.disk_selector.join(","));
    }
    if !l.node_selector.is_empty() {
        parameters.insert("nodeSelector".into(), l.node_selector.join(","));
    }
    if !l.recurring_job_groups.is_empty() {
        let groups: Vec<serde_json::Value> = l
            .recurring_job_groups
            .iter()
            .map(|g| serde_json::json!({ "name": g, "isGroup": true }))
            .collect();
        parameters.insert(
            "recurringJobSelector".into(),
            serde_json::Value::Array(groups).to_string(),
        );
    }
    Some(StorageClass {
        metadata: meta(&l.class_name, None, labels::common(p)),
        provisioner: "driver.longhorn.io".into(),
        parameters: Some(parameters),
        reclaim_policy: Some(
            match l.reclaim_policy {
                ReclaimPolicy::Retain => "Retain",
                ReclaimPolicy::Delete => "Delete",
            }
            .into(),
        ),
        volume_binding_mode: Some(
            match l.volume_binding_mode {
                VolumeBindingMode::Immediate => "Immediate",
                VolumeBindingMode::WaitForFirstConsumer => "WaitForFirstConsumer",
            }
            .into(),
        ),
        allow_volume_expansion: Some(l.allow_volume_expansion),
        ..Default::default()
    })
}

/// The database and media claims. With PostgreSQL the SQLite claim is kept only while the
/// migration Job reads it; dropping it later is a data change `plan` reports, and ArgoCD
/// never prunes it (`Prune=false`), so the file stays until deleted by hand.
pub fn claims(p: &Profile, names: &Names) -> Vec<PersistentVolumeClaim> {
    let keep_sqlite = p.postgres.as_ref().is_none_or(|pg| pg.migration.is_some());
    let mut out = Vec::new();
    if keep_sqlite {
        out.push(claim(p, names, &names.data_pvc, &p.storage.data));
    }
    out.push(claim(p, names, &names.media_pvc, &p.storage.media));
    // The app-consistent SQLite copies: a claim like the others, in the backup group too.
    if let Some(v) = super::sqlite::backups_volume(p) {
        out.push(claim(p, names, &names.sqlite_backups, &v));
    }
    out
}

fn claim(p: &Profile, names: &Names, name: &str, v: &Volume) -> PersistentVolumeClaim {
    let mut claim_labels = labels::component(p, labels::Component::Backend);
    claim_labels.extend(super::ops::backup_labels(p));
    let mut metadata = meta(name, Some(&names.namespace), claim_labels);
    // A pruned or cascade-deleted claim takes the database with it.
    metadata.annotations = Some(data_annotations(p));
    PersistentVolumeClaim {
        metadata,
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![v.access_mode.as_str().into()]),
            // Unset means the cluster's default StorageClass (dev on kind/k3d).
            storage_class_name: p.storage.longhorn.as_ref().map(|l| l.class_name.clone()),
            resources: Some(VolumeResourceRequirements {
                requests: Some([("storage".to_string(), Quantity(v.size.as_str().into()))].into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
