//! HTTPRoute and Gateway: `[gateway]`, and the routing keys of `[ingress]` (host, TLS,
//! paths, timeout, body size) when the tree routes with the Gateway API.

use serde_json::Value as Json;
use toml::{Table, Value};

use super::{Draft, of_kind, s};
use crate::names::Names;
use crate::rules::{BODY_SIZE_ENFORCED_BY, BODY_SIZE_NOT_CARRIED_OVER, CLUSTER_ISSUER};

/// The HTTPRoute that sends to the workloads (not the redirect-only one), and the Gateway
/// of the tree it attaches to, if any.
pub(super) fn http_route(draft: &mut Draft, objects: &[(String, Json)]) {
    let Some(names) = draft.app_name.as_ref().map(|n| Names::new(n, "")) else {
        return;
    };
    let sends = |r: &Json| {
        let refs = r["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|rule| rule["backendRefs"].as_array().into_iter().flatten());
        refs.into_iter()
            .any(|b| s(b, &["name"]).is_some_and(|n| n == names.backend || n == names.frontend))
    };
    let Some((_, route)) = of_kind(objects, "HTTPRoute").find(|(_, r)| sends(r)) else {
        return;
    };
    draft.found.insert("gateway");
    draft.set("gateway.enabled", Value::Boolean(true));
    if let Some(host) = route["spec"]["hostnames"].get(0).and_then(Json::as_str) {
        draft.set("app.domain", Value::String(host.into()));
        draft.set("ingress.host", Value::String(host.into()));
    }
    let rules = route["spec"]["rules"].as_array().into_iter().flatten();
    let mut paths = Vec::new();
    for rule in rules {
        let to_backend = rule["backendRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|b| s(b, &["name"]).as_deref() == Some(names.backend.as_str()));
        if let Some(t) = s(rule, &["timeouts", "request"])
            .and_then(|t| t.strip_suffix('s').and_then(|n| n.parse::<i64>().ok()))
        {
            draft.set("ingress.proxy_timeout_seconds", Value::Integer(t));
        }
        if !to_backend {
            continue;
        }
        for m in rule["matches"].as_array().into_iter().flatten() {
            let kind = match s(m, &["path", "type"]).as_deref() {
                Some("Exact") => "Exact",
                _ => "Prefix",
            };
            if let Some(path) = s(m, &["path", "value"]) {
                let mut t = Table::new();
                t.insert("path".into(), Value::String(path));
                t.insert("type".into(), Value::String(kind.into()));
                paths.push(Value::Table(t));
            }
        }
    }
    draft.set("ingress.backend_paths", Value::Array(paths));
    let ann = &route["metadata"]["annotations"];
    if let Some(size) = s(ann, &[BODY_SIZE_NOT_CARRIED_OVER]) {
        draft.set("ingress.proxy_body_size", Value::String(size));
    } else if let Some(v) = s(ann, &[BODY_SIZE_ENFORCED_BY]) {
        // `50m (what enforces it)`, as the builder writes it.
        if let Some((size, by)) = v.split_once(" (") {
            draft.set("ingress.proxy_body_size", Value::String(size.into()));
            let by = by.strip_suffix(')').unwrap_or(by);
            draft.set("gateway.body_size_enforced_by", Value::String(by.into()));
        }
    }
    let Some(parent) = route["spec"]["parentRefs"].get(0) else {
        return;
    };
    let name = s(parent, &["name"]).unwrap_or_default();
    let route_ns = s(route, &["metadata", "namespace"]).unwrap_or_default();
    let namespace = s(parent, &["namespace"]).unwrap_or(route_ns.clone());
    let own = of_kind(objects, "Gateway").find(|(_, g)| {
        s(g, &["metadata", "name"]).as_deref() == Some(name.as_str())
            && s(g, &["metadata", "namespace"]).unwrap_or_default() == namespace
    });
    match own {
        Some((_, g)) => {
            if let Some(class) = s(g, &["spec", "gatewayClassName"]) {
                draft.set("gateway.own.class_name", Value::String(class));
            }
            let issuer = s(&g["metadata"]["annotations"], &[CLUSTER_ISSUER]);
            let https = g["spec"]["listeners"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| s(l, &["protocol"]).as_deref() == Some("HTTPS"));
            draft.set("ingress.tls", Value::Boolean(https));
            draft.set(
                "ingress.cluster_issuer",
                Value::String(issuer.unwrap_or_default()),
            );
            if name != names.gateway {
                draft.differences.push(format!(
                    "Gateway: {name} is renamed {} (magnetiq-gen names the Gateway it owns)",
                    names.gateway
                ));
            }
        }
        None => {
            draft.set("gateway.parent.name", Value::String(name));
            draft.set("gateway.parent.namespace", Value::String(namespace));
            draft.set(
                "gateway.parent.section_name",
                Value::String(s(parent, &["sectionName"]).unwrap_or_default()),
            );
        }
    }
}
