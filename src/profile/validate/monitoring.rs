//! `[monitoring]`: the metrics endpoint and its ServiceMonitor.

use super::{Checker, when};
use crate::profile::alerts::{AlertSettings, Alerts, check_runbook_base_url};
use crate::profile::model::RawProfile;
use crate::profile::node::join;
use crate::profile::types::HttpPath;
use crate::profile::types::{self, DnsLabel};
use crate::profile::*;
use crate::rules::RESERVED_LABELS;

pub(super) fn check_monitoring(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Monitoring> {
    let m = &raw.monitoring;
    let metrics_path = c.check("monitoring.path", HttpPath::parse(&m.path));
    let port = c.check("monitoring.port", types::parse_port(m.port));
    if m.port == raw.backend.port {
        c.err("monitoring.port", format!("{} is also the backend Service's http port; a Service cannot expose one port number twice", m.port));
    }
    let container_port = if m.container_port == 0 {
        Some(None)
    } else {
        let p = c.check(
            "monitoring.container_port",
            types::parse_port(m.container_port),
        );
        if p == Some(raw.backend.port as i32) {
            c.err(
                "monitoring.container_port",
                "this is the backend's own port; use 0 to scrape it there",
            );
        }
        p.map(Some)
    };
    let interval_ok = m.interval.ends_with(['s', 'm'])
        && m.interval[..m.interval.len() - 1]
            .parse::<u32>()
            .is_ok_and(|n| n > 0);
    if !interval_ok {
        c.err(
            "monitoring.interval",
            format!(
                "{:?} is not a scrape interval such as 30s or 1m",
                m.interval
            ),
        );
    }
    c.check(
        "monitoring.prometheus_namespace",
        DnsLabel::parse(&m.prometheus_namespace).map(|_| ()),
    );
    for (k, v) in &m.labels {
        let path = join("monitoring.labels", k);
        if RESERVED_LABELS.contains(&k.as_str()) {
            // The ServiceMonitor's labels are the backend's plus these: a value here would
            // silently replace the one magnetiq-gen derives from [app].
            c.err(
                &path,
                format!("{k} is set by magnetiq-gen from [app] and cannot be overridden"),
            );
        } else if let Err(e) = types::check_label_key(k).and_then(|()| types::check_label_value(v))
        {
            c.err(&path, e);
        }
    }
    let alerts = when(m.alerts.enabled, || check_alerts(c, &m.alerts));
    Some(Monitoring {
        alerts: alerts?,
        path: metrics_path?.into(),
        container_port: container_port?,
        port: port?,
        interval: m.interval.clone(),
        prometheus_namespace: m.prometheus_namespace.clone(),
        labels: m
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

/// `[monitoring.alerts]`: the URL of the runbooks and thresholds within reason.
fn check_alerts(c: &mut Checker<'_>, a: &Alerts) -> Option<AlertSettings> {
    let mut range = |key: &str, n: i64, lo: i64, hi: i64, what: &str| {
        let path = format!("monitoring.alerts.{key}");
        c.check(&path, types::parse_range(n, lo, hi, what))
    };
    let unavailable_minutes = range(
        "unavailable_minutes",
        a.unavailable_minutes,
        1,
        1440,
        "minutes",
    );
    let crash_loop_restarts = range(
        "crash_loop_restarts",
        a.crash_loop_restarts,
        1,
        100,
        "restarts",
    );
    // 0 would never fire and 100 would always: neither is a threshold.
    let volume_free_percent = range(
        "volume_free_percent",
        a.volume_free_percent,
        1,
        99,
        "a percentage",
    );
    // Let's Encrypt certificates live 90 days.
    let certificate_expiry_days = range(
        "certificate_expiry_days",
        a.certificate_expiry_days,
        1,
        89,
        "days",
    );
    let longhorn_degraded_minutes = range(
        "longhorn_degraded_minutes",
        a.longhorn_degraded_minutes,
        1,
        1440,
        "minutes",
    );
    let hpa_at_max_minutes = range(
        "hpa_at_max_minutes",
        a.hpa_at_max_minutes,
        1,
        1440,
        "minutes",
    );
    // Up to 90 days: a weekly or monthly copy still alerts.
    let sqlite_backup_max_age_hours = range(
        "sqlite_backup_max_age_hours",
        a.sqlite_backup_max_age_hours,
        1,
        2160,
        "hours",
    );
    let runbook_base_url = c.check(
        "monitoring.alerts.runbook_base_url",
        check_runbook_base_url(&a.runbook_base_url),
    );
    Some(AlertSettings {
        runbook_base_url: runbook_base_url?,
        unavailable_minutes: unavailable_minutes?,
        crash_loop_restarts: crash_loop_restarts?,
        volume_free_percent: volume_free_percent?,
        certificate_expiry_days: certificate_expiry_days?,
        longhorn_degraded_minutes: longhorn_degraded_minutes?,
        hpa_at_max_minutes: hpa_at_max_minutes?,
        sqlite_backup_max_age_hours: sqlite_backup_max_age_hours?,
    })
}
