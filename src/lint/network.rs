//! Network: Services and the pods they select, Ingresses and their backends, and the
//! NetworkPolicy peers that do not select what they seem to.

use serde_json::{Map, Value};

use super::value::{Obj, as_int, containers, get, get_arr, get_map, get_str, map_selects, same_ns};
use super::{Linter, Out, Rule};
use crate::manifest::Acknowledged;
use crate::rules::is_ingress_nginx;

fn rule_ports(rule: &Value) -> Vec<i64> {
    get_arr(rule, &["ports"])
        .iter()
        .filter_map(|p| p.get("port").and_then(as_int))
        .collect()
}

/// MG008, MG009 and MG010.
pub(super) fn check_network_policy(o: &Obj<'_>, out: &mut Out) {
    let ingress_peers = get_arr(o.v, &["spec", "ingress"])
        .iter()
        .flat_map(|r| get_arr(r, &["from"]));
    let egress_peers = get_arr(o.v, &["spec", "egress"])
        .iter()
        .flat_map(|r| get_arr(r, &["to"]));
    for peer in ingress_peers.chain(egress_peers) {
        let Some(sel) = peer.get("namespaceSelector") else {
            continue;
        };
        let by_label = get_map(sel, &["matchLabels"])
            .and_then(|m| m.get("name"))
            .map(|v| v.as_str().unwrap_or("?").to_string());
        let by_expr = get_arr(sel, &["matchExpressions"])
            .iter()
            .any(|e| get_str(e, &["key"]) == Some("name"));
        if let Some(v) = by_label {
            out.push((
                Rule::NamespaceSelectedByName,
                format!("namespaceSelector matches the label name={v}, which namespaces do not carry by default; use kubernetes.io/metadata.name: {v}"),
            ));
        } else if by_expr {
            out.push((
                Rule::NamespaceSelectedByName,
                "namespaceSelector has an expression on the label `name`, which namespaces do not carry by default".to_string(),
            ));
        }
    }
    for rule in get_arr(o.v, &["spec", "egress"]) {
        let ports = rule_ports(rule);
        let to = get_arr(rule, &["to"]);
        if to.is_empty() {
            continue; // no `to` allows every destination
        }
        let pods_only = to.iter().all(|p| {
            p.get("podSelector").is_some()
                && p.get("namespaceSelector").is_none()
                && p.get("ipBlock").is_none()
        });
        if ports.contains(&53) && pods_only {
            out.push((
                Rule::DnsEgressOwnNamespace,
                "egress on port 53 goes only to podSelector peers, i.e. pods of this namespace; cluster DNS in kube-system is blocked".to_string(),
            ));
        }
        let external: Vec<i64> = ports
            .iter()
            .copied()
            .filter(|p| [25, 80, 443, 465, 587].contains(p))
            .collect();
        let has_ip_block = to.iter().any(|p| p.get("ipBlock").is_some());
        let all_namespaces = to.iter().any(|p| {
            p.get("namespaceSelector").is_some_and(|s| {
                get_map(s, &["matchLabels"]).is_none_or(Map::is_empty)
                    && get_arr(s, &["matchExpressions"]).is_empty()
            })
        });
        if !external.is_empty() && !has_ip_block && all_namespaces {
            let list: Vec<String> = external.iter().map(i64::to_string).collect();
            out.push((
                Rule::InternetEgressInCluster,
                format!(
                    "egress on port(s) {} goes to `namespaceSelector: {{}}` (pods in the cluster) with no ipBlock, so hosts outside the cluster are blocked",
                    list.join(", ")
                ),
            ));
        }
    }
}

impl<'a> Linter<'a> {
    /// MG002, MG011, MG032, MG045 and MG028 (backends).
    pub(super) fn check_ingress(&self, o: &Obj<'a>, out: &mut Out) {
        let paths: Vec<&str> = get_arr(o.v, &["spec", "rules"])
            .iter()
            .flat_map(|r| get_arr(r, &["http", "paths"]))
            .map(|p| get_str(p, &["path"]).unwrap_or("/"))
            .collect();
        if let Some(target) = o.annotation("nginx.ingress.kubernetes.io/rewrite-target")
            && !target.contains('$')
            && paths.len() > 1
        {
            out.push((
                Rule::RewriteTargetWithoutCapture,
                format!(
                    "rewrite-target {target:?} has no capture group: requests to all {} paths ({}) reach their Services as {target:?}",
                    paths.len(),
                    paths.join(", ")
                ),
            ));
        }
        if get_str(o.v, &["spec", "ingressClassName"]).is_none() {
            let msg = match o.annotation("kubernetes.io/ingress.class") {
                Some(c) => format!("the class is set only by the deprecated annotation kubernetes.io/ingress.class: {c}"),
                None => "no spec.ingressClassName: the Ingress is served only if the cluster has a default IngressClass".to_string(),
            };
            out.push((Rule::IngressWithoutClass, msg));
        }
        let annotations = get_map(o.v, &["metadata", "annotations"]);
        let class = get_str(o.v, &["spec", "ingressClassName"])
            .or_else(|| o.annotation("kubernetes.io/ingress.class"));
        if is_ingress_nginx(
            class,
            annotations
                .into_iter()
                .flat_map(|m| m.keys().map(String::as_str)),
        ) && !self
            .acknowledged
            .contains(&Acknowledged::RetiredIngressNginx)
        {
            let why = match class {
                Some("nginx") => "its class is nginx",
                _ => "it carries nginx.ingress.kubernetes.io/ annotations",
            };
            out.push((
                Rule::RetiredIngressNginx,
                format!("{why}: it is served by ingress-nginx, which gets no releases or security fixes since March 2026"),
            ));
        }
        if let Some(t) = o.annotation("nginx.ingress.kubernetes.io/proxy-connect-timeout")
            && let Ok(n) = t.trim().parse::<u64>()
            && n > 75
        {
            out.push((
                Rule::ConnectTimeoutAbove75,
                format!("proxy-connect-timeout is {n} seconds; nginx caps connect timeouts at 75"),
            ));
        }
        // MG028: Ingress backends that name a Service not in the set.
        let backends = get_arr(o.v, &["spec", "rules"])
            .iter()
            .flat_map(|r| get_arr(r, &["http", "paths"]))
            .filter_map(|p| get(p, &["backend", "service"]))
            .chain(get(o.v, &["spec", "defaultBackend", "service"]));
        let mut seen: Vec<&str> = Vec::new();
        for svc in backends {
            let Some(name) = get_str(svc, &["name"]) else {
                continue;
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            match self.find("Service", o.ns, name) {
                None => out.push((
                    Rule::MissingReference,
                    format!("backend Service {name} is not in the set"),
                )),
                Some(s) => {
                    // A backend port that the Service does not expose is as broken as a
                    // missing Service.
                    let ports = get_arr(s.v, &["spec", "ports"]);
                    let want_num = get(svc, &["port", "number"]).and_then(as_int);
                    let want_name = get_str(svc, &["port", "name"]);
                    let ok = ports.iter().any(|p| {
                        want_num.is_some_and(|n| p.get("port").and_then(as_int) == Some(n))
                            || want_name.is_some_and(|n| get_str(p, &["name"]) == Some(n))
                    }) || (want_num.is_none() && want_name.is_none());
                    if !ok {
                        out.push((
                            Rule::MissingReference,
                            format!("backend port of Service {name} is not one of the ports the Service exposes"),
                        ));
                    }
                }
            }
        }
    }

    /// MG025 and MG026.
    pub(super) fn check_service(&self, o: &Obj<'a>, out: &mut Out) {
        if get_str(o.v, &["spec", "type"]) == Some("ExternalName") {
            return;
        }
        let Some(sel) = get_map(o.v, &["spec", "selector"]).filter(|s| !s.is_empty()) else {
            return;
        };
        let workloads: Vec<&Obj<'a>> = self
            .objs
            .iter()
            .filter(|w| w.pod().is_some() && same_ns(w.ns, o.ns))
            .collect();
        if workloads.is_empty() {
            return; // nothing to compare with: the workloads are linted elsewhere
        }
        let selected: Vec<&&Obj<'a>> = workloads
            .iter()
            .filter(|w| w.pod().is_some_and(|(labels, _)| map_selects(sel, labels)))
            .collect();
        let show: Vec<String> = sel
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
            .collect();
        if selected.is_empty() {
            out.push((
                Rule::ServiceSelectsNothing,
                format!(
                    "selector {} matches the pod labels of no workload in the set",
                    show.join(",")
                ),
            ));
            return;
        }
        for p in get_arr(o.v, &["spec", "ports"]) {
            let Some(target) = get_str(p, &["targetPort"]) else {
                continue;
            };
            if target.parse::<u16>().is_ok() {
                continue;
            }
            for w in &selected {
                let Some((_, spec)) = w.pod() else { continue };
                let named = containers(spec, false).any(|c| {
                    get_arr(c, &["ports"])
                        .iter()
                        .any(|cp| get_str(cp, &["name"]) == Some(target))
                });
                if !named {
                    out.push((
                        Rule::ServiceTargetPortUnnamed,
                        format!(
                            "targetPort {target:?} is not a named container port of {}",
                            w.id()
                        ),
                    ));
                }
            }
        }
    }
}
