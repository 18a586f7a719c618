//! `[monitoring.alerts]`: the alerts of the PrometheusRule rendered with `[monitoring]`, and
//! their thresholds. The raw table (referred to by [`super::model::Monitoring`]) and its
//! validated form, kept apart from the rest of the format so neither file outgrows a reader.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[monitoring.alerts]`: a PrometheusRule (monitoring.coreos.com/v1) with the alerts that
/// matter for this deployment, on metrics of kube-state-metrics, the kubelet, cert-manager
/// and Longhorn. Every key has a default; the table may be left out.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Render the PrometheusRule (with `[monitoring]` enabled).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where the README with the runbooks is published (an http(s) URL without `#`): each
    /// alert's `runbook_url` is this plus the anchor of its runbook (`#magnetiqpodcrashlooping`).
    #[serde(default)]
    pub runbook_base_url: String,
    /// Minutes a Deployment may have no available replica before it alerts (critical).
    #[serde(default = "unavailable_minutes")]
    pub unavailable_minutes: i64,
    /// Container restarts within 15 minutes that count as crash-looping.
    #[serde(default = "crash_loop_restarts")]
    pub crash_loop_restarts: i64,
    /// Free space, in percent of a claim's capacity, below which it alerts.
    #[serde(default = "volume_free_percent")]
    pub volume_free_percent: i64,
    /// Days before a certificate's expiry from which it alerts. cert-manager renews 30 days
    /// before expiry by default, so an alert means renewal has failed for a while.
    #[serde(default = "certificate_expiry_days")]
    pub certificate_expiry_days: i64,
    /// Minutes a Longhorn volume may be degraded (a replica missing) before it alerts.
    #[serde(default = "longhorn_degraded_minutes")]
    pub longhorn_degraded_minutes: i64,
    /// Minutes an autoscaler may run at its maximum before it alerts.
    #[serde(default = "hpa_at_max_minutes")]
    pub hpa_at_max_minutes: i64,
    /// Hours since the SQLite backup's last successful copy (`[database.sqlite.backup]`)
    /// before it alerts: a little more than the schedule's interval (26 for a daily one).
    #[serde(default = "sqlite_backup_max_age_hours")]
    pub sqlite_backup_max_age_hours: i64,
}

fn yes() -> bool {
    true
}
fn unavailable_minutes() -> i64 {
    5
}
fn crash_loop_restarts() -> i64 {
    3
}
fn volume_free_percent() -> i64 {
    10
}
fn certificate_expiry_days() -> i64 {
    14
}
fn longhorn_degraded_minutes() -> i64 {
    15
}
fn hpa_at_max_minutes() -> i64 {
    30
}
fn sqlite_backup_max_age_hours() -> i64 {
    26
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            enabled: yes(),
            runbook_base_url: String::new(),
            unavailable_minutes: unavailable_minutes(),
            crash_loop_restarts: crash_loop_restarts(),
            volume_free_percent: volume_free_percent(),
            certificate_expiry_days: certificate_expiry_days(),
            longhorn_degraded_minutes: longhorn_degraded_minutes(),
            hpa_at_max_minutes: hpa_at_max_minutes(),
            sqlite_backup_max_age_hours: sqlite_backup_max_age_hours(),
        }
    }
}

/// `[monitoring.alerts]`, validated.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// The README's URL, without a fragment.
    pub runbook_base_url: String,
    /// Minutes.
    pub unavailable_minutes: i32,
    /// Restarts within 15 minutes.
    pub crash_loop_restarts: i32,
    /// Percent free.
    pub volume_free_percent: i32,
    /// Days.
    pub certificate_expiry_days: i32,
    /// Minutes.
    pub longhorn_degraded_minutes: i32,
    /// Minutes.
    pub hpa_at_max_minutes: i32,
    /// Hours.
    pub sqlite_backup_max_age_hours: i32,
}

/// Checks `runbook_base_url`: an absolute http(s) URL with no fragment (the anchor is added)
/// and nothing a YAML or PromQL reader could trip on.
pub fn check_runbook_base_url(url: &str) -> Result<String, String> {
    if url.is_empty() {
        return Err("is required with alerts: the URL where the README with the runbooks is published, e.g. https://github.com/<owner>/magnetiq-gen/blob/main/README.md".into());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        None => Err(format!("{url:?} is not an http(s) URL")),
        Some(r) if r.is_empty() || r.starts_with('/') => Err(format!("{url:?} has no host")),
        Some(_) if url.contains('#') => Err(format!(
            "{url:?} has a fragment; give the page's URL, each alert adds the anchor of its runbook"
        )),
        Some(_) if url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Err("the URL contains white space or a control character".into())
        }
        Some(_) => Ok(url.to_string()),
    }
}
