//! `[network_policy]`: the namespaces and ports the NetworkPolicies open.

use super::Checker;
use crate::profile::model;
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
    c.check(
        "network_policy.dns_namespace",
        DnsLabel::parse(&n.dns_namespace).map(|_| ()),
    );
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
        dns_namespace: n.dns_namespace.clone(),
        backend_egress_ports: ports,
    })
}
