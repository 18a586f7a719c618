//! The alerts (issue 18 item 2), as a user gets them: the PrometheusRule production renders,
//! what each alert watches and when it is left out, thresholds from `[monitoring.alerts]`,
//! what validation refuses, and that every runbook_url lands on a runbook in the README.

mod common;

use std::collections::BTreeSet;

use common::{repo, text};
use magnetiq_gen::resources::alerts::ALERTS;
use serde_json::Value;

/// Runs the binary in the repository (its profiles and goldens), without colour.
fn run(args: &[&str]) -> std::process::Output {
    common::run_env(&repo(), args, &[("NO_COLOR", "1")])
}

fn args<'a>(profile: &'a str, sets: &'a [&'a str]) -> Vec<&'a str> {
    let mut args = vec!["render", "--profile", profile];
    for s in sets {
        args.extend(["--set", s]);
    }
    args
}

/// The PrometheusRules of the rendered stream.
fn rules(profile: &str, sets: &[&str]) -> Vec<Value> {
    let out = run(&args(profile, sets));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    magnetiq_gen::lint::load_texts(&[("stream.yaml".to_string(), text(&out.stdout))])
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| v["kind"] == "PrometheusRule")
        .collect()
}

/// The alerting rules of the one PrometheusRule.
fn alerts(profile: &str, sets: &[&str]) -> Vec<Value> {
    let rules = rules(profile, sets);
    assert_eq!(rules.len(), 1, "one PrometheusRule");
    rules[0]["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
        .collect()
}

fn names(alerts: &[Value]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| a["alert"].as_str().unwrap().to_string())
        .collect()
}

fn alert<'a>(alerts: &'a [Value], name: &str) -> &'a Value {
    alerts
        .iter()
        .find(|a| a["alert"] == name)
        .unwrap_or_else(|| panic!("no alert {name} in {:?}", names(alerts)))
}

fn expr<'a>(alerts: &'a [Value], name: &str) -> &'a str {
    alert(alerts, name)["expr"].as_str().unwrap()
}

#[test]
fn production_renders_every_alert_with_summary_description_severity_and_runbook() {
    let all = alerts("production", &[]);
    let expected: BTreeSet<String> = ALERTS.iter().map(|a| a.to_string()).collect();
    assert_eq!(names(&all), expected);
    for a in &all {
        let what = a["alert"].as_str().unwrap();
        for key in ["summary", "description", "runbook_url"] {
            let v = a["annotations"][key].as_str().unwrap_or_default();
            assert!(!v.trim().is_empty(), "{what} has no {key}");
        }
        let severity = a["labels"]["severity"].as_str().unwrap_or_default();
        assert!(
            ["critical", "warning"].contains(&severity),
            "{what}: severity {severity:?}"
        );
        assert_eq!(a["labels"]["namespace"], "magnetiq-v2", "{what}");
    }
}

#[test]
fn the_rule_carries_the_labels_prometheus_selects_by_and_lives_in_the_namespace() {
    let rule = &rules("production", &[])[0];
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(rule["metadata"]["name"], "magnetiq-alerts");
    assert_eq!(rule["metadata"]["namespace"], "magnetiq-v2");
    assert_eq!(rule["metadata"]["labels"]["release"], "prometheus");
}

/// GitHub's anchor for a heading: lowercase, punctuation other than `-` and `_` dropped,
/// spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of the headings inside the README's "### Alerts" subsection of "## Operations".
fn alert_runbook_anchors() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let ops = readme
        .split("\n## ")
        .find(|s| s.starts_with("Operations\n"))
        .expect("the README has an Operations section");
    let alerts = ops
        .split("\n### ")
        .find(|s| s.starts_with("Alerts\n"))
        .expect("Operations has an Alerts subsection");
    alerts
        .lines()
        .filter_map(|l| l.strip_prefix("#### "))
        .map(slug)
        .collect()
}

#[test]
fn every_runbook_url_anchor_is_a_runbook_in_the_readme_alerts_section() {
    let anchors = alert_runbook_anchors();
    let base = "https://github.com/voltaic-systems/magnetiq-gen/blob/main/README.md#";
    for profile in ["production", "production-ha"] {
        for a in alerts(profile, &[]) {
            let url = a["annotations"]["runbook_url"].as_str().unwrap();
            let anchor = url
                .strip_prefix(base)
                .unwrap_or_else(|| panic!("{url} is not under {base}"));
            assert!(
                anchors.contains(anchor),
                "{profile}: {} points at #{anchor}, which is no runbook under Operations > Alerts (have {anchors:?})",
                a["alert"]
            );
        }
    }
    // Alerts no shipped profile renders need a runbook too.
    for name in ALERTS {
        assert!(anchors.contains(&slug(name)), "no runbook for {name}");
    }
}

/// The metrics standard exporters provide (kube-state-metrics 2.x, kubelet, cert-manager,
/// Longhorn), as their projects document them.
const KNOWN_METRICS: &[&str] = &[
    "kube_deployment_status_replicas_available",
    "kube_pod_container_status_restarts_total",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "kubelet_volume_stats_available_bytes",
    "kubelet_volume_stats_capacity_bytes",
    "certmanager_certificate_expiration_timestamp_seconds",
    "longhorn_volume_robustness",
    "longhorn_volume_capacity_bytes",
    "longhorn_backup_state",
    "kube_job_status_completion_time",
    "kube_cronjob_created",
];

/// PromQL words that are not metrics.
const PROMQL_WORDS: &[&str] = &[
    "and", "or", "unless", "on", "increase", "time", "max", "count",
];

/// Brackets and quotes balance, in the order they open (outside string literals).
fn balanced(expr: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next() {
                    Some('\\') => {
                        chars.next();
                    }
                    Some('"') => break,
                    Some(_) => {}
                    None => return Err("unterminated string".into()),
                }
            },
            '(' | '{' | '[' => stack.push(c),
            ')' | '}' | ']' => {
                let open = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                if stack.pop() != Some(open) {
                    return Err(format!("unbalanced {c}"));
                }
            }
            _ => {}
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

/// The identifiers outside string literals and `{...}` matchers and `[...]` ranges.
fn identifiers(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut depth = 0;
    let mut in_string = false;
    for c in expr.chars() {
        if in_string {
            in_string = c != '"';
            continue;
        }
        if depth == 0 && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.retain(|w| !w.chars().next().unwrap().is_ascii_digit());
    out
}

#[test]
fn every_expression_is_balanced_and_reads_only_known_exporter_metrics() {
    for profile in ["production", "production-ha"] {
        for a in alerts(profile, &[]) {
            let e = a["expr"].as_str().unwrap();
            balanced(e).unwrap_or_else(|m| panic!("{}: {m} in {e}", a["alert"]));
            let mut metrics = 0;
            for w in identifiers(e) {
                // Grouping labels of `on (...)`: a word right after `on`.
                if PROMQL_WORDS.contains(&w.as_str()) || w == "volume" {
                    continue;
                }
                assert!(
                    KNOWN_METRICS.contains(&w.as_str()),
                    "{}: {w} is no metric a standard exporter provides ({e})",
                    a["alert"]
                );
                metrics += 1;
            }
            assert!(metrics > 0, "{}: reads no metric: {e}", a["alert"]);
        }
    }
}

#[test]
fn the_balance_and_metric_checks_can_fail() {
    assert!(balanced("rate(x{a=\"(\"}[5m]").is_err());
    assert!(balanced("x{a=\"}\"}) ").is_err());
    assert!(balanced("sum(x{a=\"(\"}[5m])").is_ok());
    assert_eq!(
        identifiers("increase(kube_x{namespace=\"a b\"}[15m]) >= 3 and on (volume) y"),
        ["increase", "kube_x", "and", "on", "volume", "y"]
    );
}

#[test]
fn thresholds_come_from_the_profile() {
    let all = alerts(
        "production",
        &[
            "monitoring.alerts.volume_free_percent=25",
            "monitoring.alerts.certificate_expiry_days=7",
            "monitoring.alerts.unavailable_minutes=9",
            "monitoring.alerts.crash_loop_restarts=5",
            "monitoring.alerts.longhorn_degraded_minutes=45",
            "monitoring.alerts.hpa_at_max_minutes=120",
        ],
    );
    assert!(expr(&all, "MagnetiqVolumeFillingUp").ends_with("< 0.25"));
    assert!(expr(&all, "MagnetiqCertificateExpiringSoon").ends_with("< 7 * 86400"));
    assert!(expr(&all, "MagnetiqPodCrashLooping").ends_with(">= 5"));
    assert_eq!(alert(&all, "MagnetiqDeploymentUnavailable")["for"], "9m");
    assert_eq!(alert(&all, "MagnetiqLonghornVolumeDegraded")["for"], "45m");
    assert_eq!(alert(&all, "MagnetiqHpaAtMaximum")["for"], "120m");
    let defaults = alerts("production", &[]);
    assert!(expr(&defaults, "MagnetiqVolumeFillingUp").ends_with("< 0.1"));
    assert_eq!(
        alert(&defaults, "MagnetiqDeploymentUnavailable")["for"],
        "5m"
    );
}

#[test]
fn without_monitoring_or_with_alerts_off_no_rule_is_rendered() {
    assert!(rules("production", &["monitoring.enabled=false"]).is_empty());
    assert!(rules("production", &["monitoring.alerts.enabled=false"]).is_empty());
    assert!(rules("dev", &[]).is_empty());
}

#[test]
fn longhorn_alerts_need_longhorn_and_the_backup_alert_needs_backups() {
    let no_backup = names(&alerts("production", &["backup.enabled=false"]));
    assert!(no_backup.contains("MagnetiqLonghornVolumeDegraded"));
    assert!(!no_backup.contains("MagnetiqLonghornBackupFailed"));
    let cluster_default = names(&alerts(
        "production",
        &["storage.provider=cluster-default", "backup.enabled=false"],
    ));
    assert!(
        cluster_default.iter().all(|a| !a.contains("Longhorn")),
        "{cluster_default:?}"
    );
    assert!(cluster_default.contains("MagnetiqVolumeFillingUp"));
}

#[test]
fn longhorn_robustness_matches_the_numeric_and_the_state_label_encodings() {
    let all = alerts("production", &[]);
    for (name, value, state) in [
        ("MagnetiqLonghornVolumeDegraded", 2, "degraded"),
        ("MagnetiqLonghornVolumeFaulted", 3, "faulted"),
    ] {
        let e = expr(&all, name);
        assert!(e.contains(&format!(",state=\"\"}} == {value})")), "{e}");
        assert!(e.contains(&format!(",state=\"{state}\"}} == 1)")), "{e}");
        assert!(e.contains("pvc_namespace=\"magnetiq-v2\""), "{e}");
    }
    let backup = expr(&all, "MagnetiqLonghornBackupFailed");
    assert!(
        backup.starts_with("(longhorn_backup_state == 4) and on (volume) longhorn_volume_capacity_bytes{pvc_namespace=\"magnetiq-v2\""),
        "{backup}"
    );
}

#[test]
fn claims_autoscalers_and_certificates_are_the_rendered_ones() {
    let prod = alerts("production", &[]);
    assert!(expr(&prod, "MagnetiqVolumeFillingUp").contains(
        "persistentvolumeclaim=~\"magnetiq-data-pvc|magnetiq-media-pvc|magnetiq-backups\""
    ));
    assert!(
        expr(&prod, "MagnetiqHpaAtMaximum")
            .contains("horizontalpodautoscaler=\"magnetiq-frontend\"")
    );
    // With PostgreSQL: CloudNativePG's claims (`<cluster>-<n>`, `-wal` with WAL storage) and
    // the backend's autoscaler.
    let ha = alerts("production-ha", &[]);
    assert!(expr(&ha, "MagnetiqVolumeFillingUp").contains("|magnetiq-db-[0-9]+"));
    assert!(
        expr(&ha, "MagnetiqHpaAtMaximum")
            .contains("horizontalpodautoscaler=~\"magnetiq-backend|magnetiq-frontend\"")
    );
    // Pinned claim names are the ones watched, dots escaped.
    let pinned = alerts("production", &["storage.media.claim_name=media.v2"]);
    assert!(expr(&pinned, "MagnetiqVolumeFillingUp").contains("|media\\\\.v2|"));
    // Without autoscaling no HPA alert; without TLS no certificate alert.
    let plain = names(&alerts(
        "production",
        &["autoscaling.enabled=false", "ingress.tls=false"],
    ));
    assert!(!plain.contains("MagnetiqHpaAtMaximum"), "{plain:?}");
    assert!(
        !plain.contains("MagnetiqCertificateExpiringSoon"),
        "{plain:?}"
    );
}

#[test]
fn the_certificate_alert_reads_the_namespace_whether_or_not_labels_are_honoured() {
    let all = alerts("production", &[]);
    let e = expr(&all, "MagnetiqCertificateExpiringSoon");
    assert!(
        e.contains("{exported_namespace=\"magnetiq-v2\",name=\"magnetiq-tls\"}"),
        "{e}"
    );
    assert!(
        e.contains("{namespace=\"magnetiq-v2\",name=\"magnetiq-tls\"}"),
        "{e}"
    );
}

#[test]
fn bad_thresholds_and_urls_are_refused_at_their_keys() {
    for (set, key, says) in [
        (
            "monitoring.alerts.volume_free_percent=0",
            "monitoring.alerts.volume_free_percent",
            "1 to 99",
        ),
        (
            "monitoring.alerts.certificate_expiry_days=90",
            "monitoring.alerts.certificate_expiry_days",
            "1 to 89",
        ),
        (
            "monitoring.alerts.runbook_base_url=https://example.com/README.md#alerts",
            "monitoring.alerts.runbook_base_url",
            "has a fragment",
        ),
        (
            "monitoring.alerts.runbook_base_url=",
            "monitoring.alerts.runbook_base_url",
            "is required with alerts",
        ),
    ] {
        let out = run(&args("production", &[set]));
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = text(&out.stderr);
        assert!(err.contains(key) && err.contains(says), "{set}: {err}");
    }
    // Off, the alerts' keys are not checked.
    assert!(
        rules(
            "production",
            &[
                "monitoring.alerts.enabled=false",
                "monitoring.alerts.runbook_base_url="
            ]
        )
        .is_empty()
    );
}

#[test]
fn no_rendered_value_holds_braces_a_patch_could_not_restate() {
    // `{{ }}` in a profile value is a reference to another value: a Prometheus template in a
    // description could not be restated by a patch, so the rule holds none.
    for profile in ["production", "production-ha"] {
        let rule = serde_json::to_string(&rules(profile, &[])[0]).unwrap();
        assert!(!rule.contains("{{"), "{profile}: {rule}");
    }
}

#[test]
fn import_reads_the_alerts_back_and_turns_them_off_for_a_tree_without_a_rule() {
    let with = run(&["import", "golden/production"]);
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
    let profile = text(&with.stdout);
    assert!(
        !profile.contains("PrometheusRule"),
        "listed as not mapped: {profile}"
    );
    assert!(
        !profile.contains("[monitoring.alerts]"),
        "base's alerts: {profile}"
    );

    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("golden/production")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() && entry.file_name() != "alerts.yaml" {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    for sub in ["backend", "frontend"] {
        let to = dir.path().join(sub);
        std::fs::create_dir(&to).unwrap();
        for entry in std::fs::read_dir(repo().join("golden/production").join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    let without = run(&["import", dir.path().to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(0), "{}", text(&without.stderr));
    let profile = text(&without.stdout);
    assert!(
        profile.contains("[monitoring.alerts]\nenabled = false"),
        "{profile}"
    );
}

#[test]
fn the_sqlite_backup_alerts_when_its_last_copy_is_too_old_or_never_came() {
    let prod = alerts(
        "production",
        &["monitoring.alerts.sqlite_backup_max_age_hours=50"],
    );
    let e = expr(&prod, "MagnetiqSqliteBackupStale");
    // Jobs the CronJob made, by their names; the last success, or none since creation.
    assert!(
        e.contains("kube_job_status_completion_time{namespace=\"magnetiq-v2\",job_name=~\"magnetiq-db-backup-[0-9]+\"}"),
        "{e}"
    );
    assert!(e.contains("> 180000"), "{e}");
    assert!(
        e.contains(
            "kube_cronjob_created{namespace=\"magnetiq-v2\",cronjob=\"magnetiq-db-backup\"}"
        ),
        "{e}"
    );
    let off = alerts("production", &["database.sqlite.backup.enabled=false"]);
    assert!(!names(&off).contains("MagnetiqSqliteBackupStale"));
}
