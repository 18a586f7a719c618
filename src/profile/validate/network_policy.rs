//! `[network_policy]`: the namespaces, edge pods, node addresses and ports the
//! NetworkPolicies open.

use super::Checker;
use crate::profile::model;
use crate::profile::node::join;
use crate::profile::types::{self, DnsLabel};
use crate::profile::*;

pub(super) fn check_network_policy(
    c: &mut Checker<'_>,
    n: &model::NetworkPolicy,
) -> Option<NetworkPolicy> {
    c.check(
        "network_policy.ingress_controller_namespace",
        DnsLabel::parse(&n.ingress_controller_namespace).map(|_| ()),
    );
    if let Some(ns) = &n.gateway_namespace {
        c.check(
            "network_policy.gateway_namespace",
            DnsLabel::parse(ns).map(|_| ()),
        );
    }
    c.check(
        "network_policy.dns_namespace",
        DnsLabel::parse(&n.dns_namespace).map(|_| ()),
    );
    let mut edge_pod_labels = std::collections::BTreeMap::new();
    for (k, v) in &n.edge_pod_labels {
        let at = join("network_policy.edge_pod_labels", k);
        let key = types::check_label_key(k).map_err(|e| format!("not a label key: {e}"));
        let value = types::check_label_value(v).map_err(|e| format!("not a label value: {e}"));
        if c.check(&at, key.and(value)).is_some() {
            edge_pod_labels.insert(k.clone(), v.clone());
        }
    }
    let mut edge_node_cidrs = Vec::new();
    for (i, cidr) in n.edge_node_cidrs.iter().enumerate() {
        let at = format!("network_policy.edge_node_cidrs[{i}]");
        if edge_node_cidrs.contains(cidr) {
            c.err(&at, format!("{cidr} is listed twice"));
        } else if c.check(&at, types::check_cidr(cidr)).is_some() {
            edge_node_cidrs.push(cidr.clone());
        }
    }
    let mut ports = Vec::new();
    for (i, p) in n.backend_egress_ports.iter().enumerate() {
        if let Some(p) = c.check(
            &format!("network_policy.backend_egress_ports[{i}]"),
            types::parse_port(*p),
        ) {
            ports.push(p);
        }
    }
    Some(NetworkPolicy {
        ingress_controller_namespace: n.ingress_controller_namespace.clone(),
        edge_pod_labels,
        edge_node_cidrs,
        gateway_namespace: n.gateway_namespace.clone(),
        dns_namespace: n.dns_namespace.clone(),
        backend_egress_ports: ports,
    })
}
