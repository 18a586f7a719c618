//! Ingress and NetworkPolicies.

use serde_json::Value as Json;
use toml::{Table, Value};

use super::{Draft, i, of_kind, s};
use crate::names::Names;
use crate::rules::{TRAEFIK_MIDDLEWARES, TRAEFIK_SERVERS_TRANSPORT};

/// A Traefik Middleware reference (`<namespace>-<name>@kubernetescrd`) for each Middleware
/// of the tree, with the Middleware.
fn middlewares(objects: &[(String, Json)]) -> Vec<(String, &Json)> {
    of_kind(objects, "Middleware")
        .filter_map(|(_, m)| {
            let ns = s(m, &["metadata", "namespace"]).unwrap_or_default();
            let name = s(m, &["metadata", "name"])?;
            Some((format!("{ns}-{name}@kubernetescrd"), m))
        })
        .collect()
}

/// A Go duration of whole seconds, minutes or hours (`600s`, `10m`, `1h`) as seconds; Traefik
/// also reads a bare number as seconds. Anything finer is not a `proxy_timeout_seconds`.
fn seconds(duration: &str) -> Option<i64> {
    let d = duration.trim();
    let (number, unit) = match d.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => d.split_at(at),
        None => (d, "s"),
    };
    let n: i64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// The timeout of the ServersTransport the Traefik Services name: `proxy_timeout_seconds`.
fn transport_timeout(objects: &[(String, Json)]) -> Option<i64> {
    let wanted: Vec<String> = of_kind(objects, "Service")
        .filter_map(|(_, svc)| s(svc, &["metadata", "annotations", TRAEFIK_SERVERS_TRANSPORT]))
        .collect();
    of_kind(objects, "ServersTransport").find_map(|(_, t)| {
        let ns = s(t, &["metadata", "namespace"]).unwrap_or_default();
        let name = s(t, &["metadata", "name"])?;
        if !wanted.contains(&format!("{ns}-{name}@kubernetescrd")) {
            return None;
        }
        seconds(&s(
            t,
            &["spec", "forwardingTimeouts", "responseHeaderTimeout"],
        )?)
    })
}

/// Bytes as an nginx size, in the largest unit that divides them (`52428800` is `50m`).
fn nginx_size(bytes: i64) -> String {
    for (unit, suffix) in [(1 << 30, "g"), (1 << 20, "m"), (1 << 10, "k")] {
        if bytes % unit == 0 && bytes != 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// The Ingress: `[ingress]` and `app.domain`. A Traefik tree's Ingress that only redirects
/// plain HTTP (its middleware is a `redirectScheme`) comes from `ingress.tls` and is skipped;
/// its body-size Middleware gives `proxy_body_size`.
pub(super) fn ingress(draft: &mut Draft, objects: &[(String, Json)]) {
    let middlewares = middlewares(objects);
    let used = |ing: &Json| -> Vec<&Json> {
        s(ing, &["metadata", "annotations", TRAEFIK_MIDDLEWARES])
            .unwrap_or_default()
            .split(',')
            .filter_map(|r| middlewares.iter().find(|(m, _)| m == r.trim()))
            .map(|(_, m)| *m)
            .collect()
    };
    for (_, ing) in of_kind(objects, "Ingress") {
        let used = used(ing);
        if used
            .iter()
            .any(|m| m["spec"].get("redirectScheme").is_some())
        {
            continue;
        }
        draft.found.insert("ingress");
        let ann = &ing["metadata"]["annotations"];
        let traefik = ann.as_object().is_some_and(|a| {
            a.keys()
                .any(|k| k.starts_with("traefik.ingress.kubernetes.io/"))
        });
        if traefik {
            draft.set("ingress.controller", Value::String("traefik".into()));
            let bytes = used
                .iter()
                .find_map(|m| m["spec"]["buffering"]["maxRequestBodyBytes"].as_i64());
            draft.set(
                "ingress.proxy_body_size",
                Value::String(nginx_size(bytes.unwrap_or(0))),
            );
            match transport_timeout(objects) {
                Some(t) => draft.set("ingress.proxy_timeout_seconds", Value::Integer(t)),
                None => draft.differences.push(
                    "Ingress: no ServersTransport with a responseHeaderTimeout (in whole seconds) is named by the Services; the rendered one takes ingress.proxy_timeout_seconds".into(),
                ),
            }
        }
        // TLS and its certificate issuer as the tree has them, also when it has none.
        let issuer = s(ann, &["cert-manager.io/cluster-issuer"]);
        let tls = issuer.is_some() || ing["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty());
        draft.set(
            "ingress.cluster_issuer",
            Value::String(issuer.unwrap_or_default()),
        );
        draft.set("ingress.tls", Value::Boolean(tls));
        if let Some(size) = s(ann, &["nginx.ingress.kubernetes.io/proxy-body-size"]) {
            draft.set("ingress.proxy_body_size", Value::String(size));
        }
        if let Some(t) =
            s(ann, &["nginx.ingress.kubernetes.io/proxy-read-timeout"]).and_then(|t| t.parse().ok())
        {
            draft.set("ingress.proxy_timeout_seconds", Value::Integer(t));
        }
        if ann
            .get("nginx.ingress.kubernetes.io/rewrite-target")
            .is_some()
        {
            draft.differences.push(
                "Ingress: rewrite-target is dropped; it would send every request to \"/\"".into(),
            );
        }
        if ann
            .get("nginx.ingress.kubernetes.io/proxy-connect-timeout")
            .is_some()
        {
            draft.differences.push(
                "Ingress: proxy-connect-timeout is dropped; nginx caps it at 75 seconds".into(),
            );
        }
        match s(ing, &["spec", "ingressClassName"]) {
            Some(c) => draft.set("ingress.class_name", Value::String(c)),
            None => draft.differences.push("Ingress: gets ingressClassName (from ingress.class_name, \"nginx\"); without one it is served only if the cluster has a default class".into()),
        }
        if let Some(rule) = ing["spec"]["rules"].as_array().and_then(|r| r.first()) {
            if let Some(host) = s(rule, &["host"]) {
                draft.set("app.domain", Value::String(host.clone()));
                draft.set("ingress.host", Value::String(host));
            }
            let backend = draft.app_name.as_ref().map(|n| Names::new(n, "").backend);
            let paths: Vec<Value> = rule["http"]["paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|x| s(x, &["backend", "service", "name"]) == backend)
                .filter_map(|x| {
                    let mut t = Table::new();
                    t.insert("path".into(), Value::String(s(x, &["path"])?));
                    t.insert(
                        "type".into(),
                        Value::String(s(x, &["pathType"]).unwrap_or_else(|| "Prefix".into())),
                    );
                    Some(Value::Table(t))
                })
                .collect();
            draft.set("ingress.backend_paths", Value::Array(paths));
        }
    }
}

/// The NetworkPolicies: `[network_policy]`.
pub(super) fn network_policy(draft: &mut Draft, objects: &[(String, Json)]) {
    // Namespaces allowed in: the edges' (the ingress controller's, then a Gateway's) and
    // the others' (Prometheus').
    let mut edges: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut ports = Vec::new();
    let mut node_cidrs = Vec::new();
    let mut edge_pods = Table::new();
    for (_, np) in of_kind(objects, "NetworkPolicy") {
        draft.found.insert("network_policy");
        // The frontend's policy (rendered trees have one) holds the frontend's egress to
        // the backend, not the backend's egress to the internet; the smoke test's (with
        // `[smoke_test]`) its calls to both Services, which follow from that section.
        let other = np["spec"]["podSelector"]["matchLabels"]
            .as_object()
            .is_some_and(|l| {
                l.values().any(|v| {
                    v.as_str()
                        .is_some_and(|v| v.contains("frontend") || v == "smoke-test")
                })
            });
        if other {
            continue;
        }
        for rule in np["spec"]["egress"].as_array().into_iter().flatten() {
            for port in rule["ports"].as_array().into_iter().flatten() {
                if let Some(n) = i(port, &["port"]).filter(|n| *n != 53)
                    && !ports.contains(&Value::Integer(n))
                {
                    ports.push(Value::Integer(n));
                }
            }
        }
        // The first rule admits the edge (the ingress controller's namespace, then the
        // Gateway proxies' while both routes are live) with the frontend; later rules admit
        // Prometheus.
        for (r, rule) in np["spec"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            for peer in rule["from"].as_array().into_iter().flatten() {
                if let Some(cidr) = s(peer, &["ipBlock", "cidr"])
                    && !node_cidrs.contains(&Value::String(cidr.clone()))
                {
                    node_cidrs.push(Value::String(cidr));
                }
                let labels = &peer["namespaceSelector"]["matchLabels"];
                let Some(ns) =
                    s(labels, &["kubernetes.io/metadata.name"]).or_else(|| s(labels, &["name"]))
                else {
                    continue;
                };
                if r > 0 {
                    if !others.contains(&ns) {
                        others.push(ns);
                    }
                    continue;
                }
                // The edge's pods, when its peer narrows the namespace to them.
                if edges.is_empty()
                    && let Some(pods) = peer["podSelector"]["matchLabels"].as_object()
                {
                    edge_pods = pods
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), Value::String(v.as_str()?.into()))))
                        .collect();
                }
                if edges.len() < 2 && !(edges.contains(&ns) && edge_pods.is_empty()) {
                    edges.push(ns);
                }
            }
        }
    }
    if draft.found.contains("network_policy") {
        draft.set("network_policy.backend_egress_ports", Value::Array(ports));
        draft.set("network_policy.edge_node_cidrs", Value::Array(node_cidrs));
        draft.set("network_policy.edge_pod_labels", Value::Table(edge_pods));
        let mut edges = edges.into_iter();
        if let Some(ns) = edges.next() {
            draft.set(
                "network_policy.ingress_controller_namespace",
                Value::String(ns),
            );
        }
        if let Some(ns) = edges.next() {
            draft.set("network_policy.gateway_namespace", Value::String(ns));
        }
        if let Some(ns) = others
            .into_iter()
            .next()
            .filter(|_| draft.found.contains("monitoring"))
        {
            draft.set("monitoring.prometheus_namespace", Value::String(ns));
        }
        draft.differences.push("NetworkPolicy: DNS egress goes to the DNS namespace, external egress is an ipBlock, namespaces are selected by kubernetes.io/metadata.name, and the frontend gets a policy of its own".into());
    }
}
