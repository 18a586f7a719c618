//! Operations as code: scheduled Longhorn backups and Prometheus scraping. Both are custom
//! resources (longhorn.io/v1beta2 RecurringJob, monitoring.coreos.com/v1 ServiceMonitor)
//! with typed serde structs here.

use std::collections::BTreeMap;

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::meta;
use crate::crds::longhorn::{RecurringJob, RecurringJobSpec};
use crate::crds::monitoring::{Endpoint, ServiceMonitor, ServiceMonitorSpec};
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::Profile;
use crate::rules::{BACKUP_LABEL_VALUE, backup_label_keys};

/// The labels a PVC carries to join the backup group. Longhorn copies a PVC's recurring-job
/// labels to its volume only when the PVC also has `recurring-job.longhorn.io/source`.
pub fn backup_labels(p: &Profile) -> BTreeMap<String, String> {
    let Some(b) = &p.backup else {
        return BTreeMap::new();
    };
    backup_label_keys(&b.group)
        .into_iter()
        .map(|k| (k, BACKUP_LABEL_VALUE.to_string()))
        .collect()
}

/// The backup RecurringJob, when enabled. (The design document's
/// `longhorn.io/requested-backup-target` annotation does not exist in Longhorn.)
pub fn recurring_job(p: &Profile, names: &Names) -> Option<RecurringJob> {
    let b = p.backup.as_ref()?;
    Some(RecurringJob {
        api_version: RecurringJob::API_VERSION.into(),
        kind: RecurringJob::KIND.into(),
        metadata: meta(&b.name, Some(&b.longhorn_namespace), labels::common(p)),
        spec: RecurringJobSpec {
            name: b.name.clone(),
            task: "backup".into(),
            cron: b.cron.to_string(),
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

/// The Service port name metrics are scraped on.
pub const METRICS_PORT: &str = "metrics";

/// The backend's ServiceMonitor, when monitoring is enabled. It scrapes the named `metrics`
/// port; the probes keep using the health endpoint.
pub fn service_monitor(p: &Profile, names: &Names) -> Option<ServiceMonitor> {
    let m = p.monitoring.as_ref()?;
    let mut labels = labels::component(p, Component::Backend);
    labels.extend(m.labels.clone());
    Some(ServiceMonitor {
        api_version: ServiceMonitor::API_VERSION.into(),
        kind: ServiceMonitor::KIND.into(),
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
