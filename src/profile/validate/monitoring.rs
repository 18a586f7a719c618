//! `[monitoring]`: the metrics endpoint and its ServiceMonitor.

use super::Checker;
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
    Some(Monitoring {
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
