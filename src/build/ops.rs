//! Operations as code: scheduled Longhorn backups and Prometheus scraping. Both are custom
//! resources (longhorn.io/v1beta2 RecurringJob, monitoring.coreos.com/v1 ServiceMonitor)
//! with typed serde structs here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::meta;
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::Profile;

/// longhorn.io/v1beta2 RecurringJob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurringJob {
    /// `longhorn.io/v1beta2`.
    pub api_version: String,
    /// `RecurringJob`.
    pub kind: String,
    /// Name (at most 40 characters) in Longhorn's namespace.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: RecurringJobSpec,
}
custom_resource!(
    RecurringJob,
    "longhorn.io",
    "v1beta2",
    "RecurringJob",
    "recurringjobs"
);

/// `spec` of a RecurringJob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurringJobSpec {
    /// Same as the object name.
    pub name: String,
    /// `backup`: a backup to the backup target (a snapshot alone stays on the same disks).
    pub task: String,
    /// Cron schedule.
    pub cron: String,
    /// Backups kept.
    pub retain: i32,
    /// Volumes backed up at once.
    pub concurrency: i32,
    /// Groups whose volumes the job runs for.
    pub groups: Vec<String>,
    /// Labels put on each backup.
    pub labels: BTreeMap<String, String>,
}

/// The labels a PVC carries to join the backup group. Longhorn copies a PVC's recurring-job
/// labels to its volume only when the PVC also has `recurring-job.longhorn.io/source`.
pub fn backup_labels(p: &Profile) -> BTreeMap<String, String> {
    let Some(b) = &p.backup else {
        return BTreeMap::new();
    };
    backup_label_keys(&b.group)
        .into_iter()
        .map(|k| (k, "enabled".to_string()))
        .collect()
}

/// The keys of [`backup_labels`] for backup group `group` (validation refuses profile labels
/// under these keys).
pub fn backup_label_keys(group: &str) -> [String; 2] {
    [
        "recurring-job.longhorn.io/source".to_string(),
        format!("recurring-job-group.longhorn.io/{group}"),
    ]
}

/// The backup RecurringJob, when enabled. (The design document's
/// `longhorn.io/requested-backup-target` annotation does not exist in Longhorn.)
pub fn recurring_job(p: &Profile, names: &Names) -> Option<RecurringJob> {
    let b = p.backup.as_ref()?;
    Some(RecurringJob {
        api_version: "longhorn.io/v1beta2".into(),
        kind: "RecurringJob".into(),
        metadata: meta(&b.name, Some(&b.longhorn_namespace), labels::common(p)),
        spec: RecurringJobSpec {
            name: b.name.clone(),
            task: "backup".into(),
            cron: b.cron.clone(),
            retain: b.retain,
            concurrency: 1,
            groups: vec![b.group.clone()],
            labels: BTreeMap::from([(
                "magnetiq.voltaic.systems/namespace".to_string(),
                names.namespace.clone(),
            )]),
        },
    })
}

/// monitoring.coreos.com/v1 ServiceMonitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `ServiceMonitor`.
    pub kind: String,
    /// Name, namespace, the labels Prometheus selects by.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ServiceMonitorSpec,
}
custom_resource!(
    ServiceMonitor,
    "monitoring.coreos.com",
    "v1",
    "ServiceMonitor",
    "servicemonitors"
);

/// `spec` of a ServiceMonitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitorSpec {
    /// Services to scrape.
    pub selector: LabelSelector,
    /// Ports and paths.
    pub endpoints: Vec<Endpoint>,
}

/// One scrape endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    /// Service port name.
    pub port: String,
    /// HTTP path.
    pub path: String,
    /// Interval.
    pub interval: String,
}

/// The Service port name metrics are scraped on.
pub const METRICS_PORT: &str = "metrics";

/// The backend's ServiceMonitor, when monitoring is enabled. It scrapes the named `metrics`
/// port; the probes keep using the health endpoint.
pub fn service_monitor(p: &Profile, names: &Names) -> Option<ServiceMonitor> {
    let m = p.monitoring.as_ref()?;
    let mut labels = labels::component(p, Component::Backend);
    labels.extend(m.labels.clone());
    Some(ServiceMonitor {
        api_version: "monitoring.coreos.com/v1".into(),
        kind: "ServiceMonitor".into(),
        metadata: meta(&names.backend, Some(&names.namespace), labels),
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(labels::selector(p, Component::Backend)),
                ..Default::default()
            },
            endpoints: vec![Endpoint {
                port: METRICS_PORT.into(),
                path: m.path.clone(),
                interval: m.interval.clone(),
            }],
        },
    })
}
