//! The alerts (monitoring.coreos.com/v1 PrometheusRule), with `[monitoring]` and
//! `monitoring.alerts.enabled`. They watch what the other files render: the Deployments, the
//! claims (and CloudNativePG's), the autoscalers, the certificates cert-manager makes for the
//! Ingress or Gateway, and the Longhorn volumes and backups, so an alert never names an object
//! this deployment does not have.
//!
//! Only metrics of standard exporters, with their names and labels as their projects document
//! them:
//! - kube-state-metrics 2.x: `kube_deployment_status_replicas_available`,
//!   `kube_pod_container_status_restarts_total`,
//!   `kube_horizontalpodautoscaler_status_current_replicas` and `_spec_max_replicas`
//!   (`kube_hpa_*` before 2.0);
//! - the kubelet: `kubelet_volume_stats_available_bytes` and `_capacity_bytes` (labels
//!   `namespace`, `persistentvolumeclaim`);
//! - cert-manager: `certmanager_certificate_expiration_timestamp_seconds` (labels `name`,
//!   `namespace`; scraped without `honorLabels` the metric's `namespace` becomes
//!   `exported_namespace`, so the expression takes either);
//! - Longhorn ≥ 1.6 (labels `pvc`, `pvc_namespace` on volume metrics):
//!   `longhorn_volume_robustness`, which up to 1.10 is one series valued 0-3 (unknown,
//!   healthy, degraded, faulted) and from 1.11 one series per `state` label valued 1 for the
//!   current state, so the expressions match both; `longhorn_backup_state` (4 = Error; labels
//!   `backup`, `volume`), joined to the claims through `longhorn_volume_capacity_bytes`.
//!
//! kube-state-metrics and the kubelet are taken as scraped with `honorLabels: true` (as
//! kube-prometheus and kube-prometheus-stack do), so their `namespace` is the object's.

use std::collections::BTreeMap;

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::meta;
use crate::crds::monitoring::{AlertRule, PrometheusRule, PrometheusRuleSpec, RuleGroup};
use crate::labels;
use crate::manifest::{File, Object};
use crate::names::Names;
use crate::profile::Profile;
use crate::profile::alerts::AlertSettings;
use crate::rules::CLUSTER_ISSUER;

/// The file the PrometheusRule is written to.
pub const FILE: &str = "alerts.yaml";

/// Every alert magnetiq-gen can render, in the order rendered. Each has a runbook under the
/// README's "Alerts" section, headed by the alert's name (a test checks every anchor).
pub const ALERTS: [&str; 9] = [
    DEPLOYMENT_UNAVAILABLE,
    POD_CRASH_LOOPING,
    VOLUME_FILLING_UP,
    CERTIFICATE_EXPIRING,
    LONGHORN_DEGRADED,
    LONGHORN_FAULTED,
    LONGHORN_BACKUP_FAILED,
    HPA_AT_MAXIMUM,
    SQLITE_BACKUP_STALE,
];

const DEPLOYMENT_UNAVAILABLE: &str = "MagnetiqDeploymentUnavailable";
const POD_CRASH_LOOPING: &str = "MagnetiqPodCrashLooping";
const VOLUME_FILLING_UP: &str = "MagnetiqVolumeFillingUp";
const CERTIFICATE_EXPIRING: &str = "MagnetiqCertificateExpiringSoon";
const LONGHORN_DEGRADED: &str = "MagnetiqLonghornVolumeDegraded";
const LONGHORN_FAULTED: &str = "MagnetiqLonghornVolumeFaulted";
const LONGHORN_BACKUP_FAILED: &str = "MagnetiqLonghornBackupFailed";
const HPA_AT_MAXIMUM: &str = "MagnetiqHpaAtMaximum";
const SQLITE_BACKUP_STALE: &str = "MagnetiqSqliteBackupStale";

/// The window crash-looping restarts are counted in.
const RESTART_WINDOW: &str = "15m";

/// `longhorn_backup_state`'s value for a backup in Error.
const LONGHORN_BACKUP_ERROR: u8 = 4;

/// The PrometheusRule, when `[monitoring]` and its alerts are enabled; `files` are the files
/// rendered so far, whose objects the alerts watch.
pub fn rule(p: &Profile, names: &Names, files: &[File]) -> Option<PrometheusRule> {
    let m = p.monitoring.as_ref()?;
    let a = m.alerts.as_ref()?;
    let watched = Watched::of(files);
    let ns = names.namespace.as_str();
    let alert = Alert { a, ns };
    let mut rules = Vec::new();
    if !watched.deployments.is_empty() {
        rules.push(alert.deployment_unavailable(&watched.deployments));
    }
    rules.push(alert.pod_crash_looping());
    let claims = watched.claim_patterns();
    if !claims.is_empty() {
        rules.push(alert.volume_filling_up(&claims));
    }
    if !watched.certificates.is_empty() {
        rules.push(alert.certificate_expiring(&watched.certificates));
    }
    if p.storage.longhorn.is_some() && !claims.is_empty() {
        rules.push(alert.longhorn_robustness(&claims, false));
        rules.push(alert.longhorn_robustness(&claims, true));
        if p.backup.is_some() {
            rules.push(alert.longhorn_backup_failed(&claims));
        }
    }
    if !watched.autoscalers.is_empty() {
        rules.push(alert.hpa_at_maximum(&watched.autoscalers));
    }
    if p.sqlite.backup.is_some() {
        rules.push(alert.sqlite_backup_stale(&names.sqlite_backup));
    }
    let mut labels = labels::common(p);
    // The labels the Prometheus selects ServiceMonitors by are the ones its ruleSelector
    // uses too (kube-prometheus-stack: `release`).
    labels.extend(m.labels.clone());
    Some(PrometheusRule {
        api_version: PrometheusRule::API_VERSION.into(),
        kind: PrometheusRule::KIND.into(),
        metadata: meta(&names.alerts, Some(ns), labels),
        spec: PrometheusRuleSpec {
            groups: vec![RuleGroup {
                name: names.alerts.clone(),
                rules,
            }],
        },
    })
}

/// What the rendered files hold that an alert watches, by name.
#[derive(Default)]
struct Watched {
    deployments: Vec<String>,
    claims: Vec<String>,
    /// The CloudNativePG Cluster's name and whether it has WAL volumes: the operator makes
    /// the claims `<cluster>-<n>` and `<cluster>-<n>-wal`.
    database: Option<(String, bool)>,
    autoscalers: Vec<String>,
    certificates: Vec<String>,
}

impl Watched {
    fn of(files: &[File]) -> Self {
        let mut w = Watched::default();
        let name = |m: &ObjectMeta| m.name.clone().unwrap_or_default();
        let issued = |m: &ObjectMeta| {
            m.annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(CLUSTER_ISSUER))
        };
        for o in files.iter().flat_map(|f| &f.objects) {
            match o {
                Object::Deployment(d) => w.deployments.push(name(&d.metadata)),
                Object::PersistentVolumeClaim(c) => w.claims.push(name(&c.metadata)),
                Object::HorizontalPodAutoscaler(h) => w.autoscalers.push(name(&h.metadata)),
                Object::Cluster(c) => {
                    w.database = Some((name(&c.metadata), c.spec.wal_storage.is_some()));
                }
                // cert-manager's ingress-shim and gateway-shim name each Certificate after
                // the Secret it fills.
                Object::Ingress(i) if issued(&i.metadata) => {
                    let tls = i.spec.iter().flat_map(|s| s.tls.iter().flatten());
                    w.certificates
                        .extend(tls.filter_map(|t| t.secret_name.clone()));
                }
                Object::Gateway(g) if issued(&g.metadata) => {
                    let tls = g.spec.listeners.iter().filter_map(|l| l.tls.as_ref());
                    w.certificates.extend(
                        tls.flat_map(|t| &t.certificate_refs)
                            .map(|r| r.name.clone()),
                    );
                }
                _ => {}
            }
        }
        w.certificates.sort();
        w.certificates.dedup();
        w
    }

    /// Regular expressions (RE2, anchored by Prometheus) for every claim's name.
    fn claim_patterns(&self) -> Vec<String> {
        let mut out: Vec<String> = self.claims.iter().map(|c| regex_escape(c)).collect();
        if let Some((cluster, wal)) = &self.database {
            let wal = if *wal { "(-wal)?" } else { "" };
            out.push(format!("{}-[0-9]+{wal}", regex_escape(cluster)));
        }
        out
    }
}

/// The characters with a meaning in a regular expression.
const REGEX_META: &str = ".+*?()|[]{}^$\\";

/// Escapes a name for a regular expression (object names hold only `[a-z0-9.-]`, and `.` is
/// the one that matters).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if REGEX_META.contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A PromQL string literal (double-quoted; `\` and `"` escaped).
fn literal(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `label="value"` for one name, `label=~"a|b"` for several (`patterns` are regular
/// expressions).
fn one_of(label: &str, patterns: &[String]) -> String {
    match patterns {
        [one] if !one.contains(|c| REGEX_META.contains(c)) => format!("{label}={}", literal(one)),
        _ => format!("{label}=~{}", literal(&patterns.join("|"))),
    }
}

/// Builds the rules, with the thresholds and the namespace. Descriptions name the labels to
/// read instead of templating them (`{{ $labels.pod }}`): a profile value holding `{{ }}` is a
/// reference to another profile value, so a patch could not restate such a description.
struct Alert<'a> {
    a: &'a AlertSettings,
    ns: &'a str,
}

impl Alert<'_> {
    fn rule(
        &self,
        alert: &str,
        severity: &str,
        expr: String,
        for_minutes: Option<i32>,
        summary: &str,
        description: String,
    ) -> AlertRule {
        AlertRule {
            alert: alert.into(),
            expr,
            for_: for_minutes.map(|m| format!("{m}m")),
            labels: BTreeMap::from([
                ("severity".to_string(), severity.to_string()),
                // The app's namespace also on alerts from metrics scraped elsewhere (Longhorn,
                // cert-manager), so Alertmanager routes them with the app's.
                ("namespace".to_string(), self.ns.to_string()),
            ]),
            annotations: BTreeMap::from([
                ("summary".to_string(), summary.to_string()),
                ("description".to_string(), description),
                (
                    "runbook_url".to_string(),
                    format!("{}#{}", self.a.runbook_base_url, alert.to_lowercase()),
                ),
            ]),
        }
    }

    fn ns(&self) -> String {
        format!("namespace={}", literal(self.ns))
    }

    fn deployment_unavailable(&self, deployments: &[String]) -> AlertRule {
        let d: Vec<String> = deployments.iter().map(|d| regex_escape(d)).collect();
        self.rule(
            DEPLOYMENT_UNAVAILABLE,
            "critical",
            format!(
                "kube_deployment_status_replicas_available{{{},{}}} == 0",
                self.ns(),
                one_of("deployment", &d)
            ),
            Some(self.a.unavailable_minutes),
            "A Magnetiq Deployment has no available pod",
            format!(
                "The Deployment in the alert's deployment label ({}) has had no available replica for {} minutes: the site (frontend) or its API (backend) is down.",
                self.ns, self.a.unavailable_minutes
            ),
        )
    }

    fn pod_crash_looping(&self) -> AlertRule {
        self.rule(
            POD_CRASH_LOOPING,
            "warning",
            format!(
                "increase(kube_pod_container_status_restarts_total{{{}}}[{RESTART_WINDOW}]) >= {}",
                self.ns(),
                self.a.crash_loop_restarts
            ),
            // The window already says "repeatedly": fire when it is seen, and stop 15 minutes
            // after the last restart.
            None,
            "A Magnetiq container keeps restarting",
            format!(
                "The container in the alert's pod and container labels ({}) restarted at least {} times in {RESTART_WINDOW} (the value is the count).",
                self.ns, self.a.crash_loop_restarts
            ),
        )
    }

    fn volume_filling_up(&self, claims: &[String]) -> AlertRule {
        let sel = format!(
            "{{{},{}}}",
            self.ns(),
            one_of("persistentvolumeclaim", claims)
        );
        self.rule(
            VOLUME_FILLING_UP,
            "warning",
            format!(
                "kubelet_volume_stats_available_bytes{sel} / kubelet_volume_stats_capacity_bytes{sel} < {}",
                ratio(self.a.volume_free_percent)
            ),
            Some(5),
            "A Magnetiq volume is nearly full",
            format!(
                "The claim in the alert's persistentvolumeclaim label ({}) has less than {}% free (the value is the free fraction). A full database volume stops every write.",
                self.ns, self.a.volume_free_percent
            ),
        )
    }

    fn certificate_expiring(&self, certificates: &[String]) -> AlertRule {
        let c: Vec<String> = certificates.iter().map(|c| regex_escape(c)).collect();
        let names = one_of("name", &c);
        let metric = "certmanager_certificate_expiration_timestamp_seconds";
        self.rule(
            CERTIFICATE_EXPIRING,
            "warning",
            format!(
                "(({metric}{{exported_namespace={ns},{names}}} or {metric}{{namespace={ns},{names}}}) - time()) < {} * 86400",
                self.a.certificate_expiry_days,
                ns = literal(self.ns),
            ),
            Some(60),
            "A Magnetiq TLS certificate expires soon",
            format!(
                "The certificate in the alert's name label ({}) expires within {} days (the value is the seconds left): cert-manager has not renewed it.",
                self.ns, self.a.certificate_expiry_days
            ),
        )
    }

    /// Degraded (a replica missing, warning) or faulted (no healthy replica, critical), in
    /// both encodings of `longhorn_volume_robustness`: a series without `state` valued 2 or 3
    /// (Longhorn ≤ 1.10), or the series with `state` degraded or faulted valued 1 (1.11 on).
    fn longhorn_robustness(&self, claims: &[String], faulted: bool) -> AlertRule {
        let sel = format!(
            "pvc_namespace={},{}",
            literal(self.ns),
            one_of("pvc", claims)
        );
        let (alert, severity, value, state, minutes, summary, what) = if faulted {
            (
                LONGHORN_FAULTED,
                "critical",
                3,
                "faulted",
                2,
                "A Magnetiq Longhorn volume is faulted",
                "has no healthy replica: the pod using it cannot read or write it",
            )
        } else {
            (
                LONGHORN_DEGRADED,
                "warning",
                2,
                "degraded",
                self.a.longhorn_degraded_minutes,
                "A Magnetiq Longhorn volume is degraded",
                "runs with fewer healthy replicas than it should: one more failure away from data loss",
            )
        };
        self.rule(
            alert,
            severity,
            format!(
                "(longhorn_volume_robustness{{{sel},state=\"\"}} == {value}) or (longhorn_volume_robustness{{{sel},state=\"{state}\"}} == 1)"
            ),
            Some(minutes),
            summary,
            format!(
                "The Longhorn volume in the alert's volume label (claim: the pvc label, in {}) {what}.",
                self.ns
            ),
        )
    }

    fn longhorn_backup_failed(&self, claims: &[String]) -> AlertRule {
        self.rule(
            LONGHORN_BACKUP_FAILED,
            "warning",
            format!(
                "(longhorn_backup_state == {LONGHORN_BACKUP_ERROR}) and on (volume) longhorn_volume_capacity_bytes{{pvc_namespace={},{}}}",
                literal(self.ns),
                one_of("pvc", claims)
            ),
            Some(5),
            "A Longhorn backup of a Magnetiq volume failed",
            format!(
                "The Longhorn backup in the alert's backup label, of the volume in its volume label (a claim in {}), is in state Error.",
                self.ns
            ),
        )
    }

    /// The SQLite backup CronJob's last success is too old, or there has been none since it
    /// was created that long ago. `kube_job_status_completion_time` exists only for a Job
    /// that succeeded (`status.completionTime` is set on success alone); the CronJob keeps
    /// its last three, so the newest success is among them. Its Jobs are named
    /// `<cronjob>-<scheduled minute>`.
    fn sqlite_backup_stale(&self, cron_job: &str) -> AlertRule {
        let hours = self.a.sqlite_backup_max_age_hours;
        let seconds = i64::from(hours) * 3600;
        let jobs = format!(
            "{{{},job_name=~\"{}-[0-9]+\"}}",
            self.ns(),
            regex_escape(cron_job)
        );
        self.rule(
            SQLITE_BACKUP_STALE,
            "warning",
            format!(
                "(time() - max(kube_job_status_completion_time{jobs}) > {seconds}) or ((time() - max(kube_cronjob_created{{{},cronjob={}}}) > {seconds}) unless on() count(kube_job_status_completion_time{jobs}))",
                self.ns(),
                literal(cron_job)
            ),
            None,
            "The SQLite database has no recent app-consistent copy",
            format!(
                "The SQLite backup CronJob {cron_job} (in {}) has not completed a copy for more than {hours} hours.",
                self.ns
            ),
        )
    }

    fn hpa_at_maximum(&self, autoscalers: &[String]) -> AlertRule {
        let h: Vec<String> = autoscalers.iter().map(|h| regex_escape(h)).collect();
        let sel = format!(
            "{{{},{}}}",
            self.ns(),
            one_of("horizontalpodautoscaler", &h)
        );
        self.rule(
            HPA_AT_MAXIMUM,
            "warning",
            format!(
                "kube_horizontalpodautoscaler_status_current_replicas{sel} >= kube_horizontalpodautoscaler_spec_max_replicas{sel}"
            ),
            Some(self.a.hpa_at_max_minutes),
            "A Magnetiq autoscaler is at its maximum",
            format!(
                "The HorizontalPodAutoscaler in the alert's horizontalpodautoscaler label ({}) has run at its maximum replicas for {} minutes: it cannot add capacity.",
                self.ns, self.a.hpa_at_max_minutes
            ),
        )
    }
}

/// A percentage as a ratio (`10` gives `0.1`), exact for whole percents.
fn ratio(percent: i32) -> String {
    let s = format!("{:.2}", f64::from(percent) / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
