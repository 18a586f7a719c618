//! longhorn.io/v1beta2 RecurringJob: the fields magnetiq-gen sets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

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
