//! `[gateway]`: where the HTTPRoute attaches, and what enforces the body size limit. The
//! route's host, TLS, paths and timeout are `[ingress]`'s, checked there.

use super::Checker;
use crate::profile::model;
use crate::profile::types::{self, DnsLabel};
use crate::profile::*;

/// `maxItems` of `HTTPRouteRule.matches` in the upstream CRD.
const MAX_RULE_MATCHES: usize = 64;

/// Checks `[gateway]`; the caller joins the result with the checked `[ingress]` routing.
pub(super) fn check_gateway(
    c: &mut Checker<'_>,
    g: &model::Gateway,
    i: &model::Ingress,
) -> Option<(GatewayAttach, Option<String>)> {
    // The backend's paths are the matches of one HTTPRoute rule, and the Gateway API's CRD
    // caps a rule's matches at 64 (the Ingress has no such limit).
    if i.backend_paths.len() > MAX_RULE_MATCHES {
        c.err(
            "ingress.backend_paths",
            format!(
                "{} paths, but an HTTPRoute rule takes at most {MAX_RULE_MATCHES} matches (gateway.enabled routes them with one rule)",
                i.backend_paths.len()
            ),
        );
    }
    // Each table's own keys first, so that every problem is reported at once.
    let parent = g.parent.as_ref().and_then(|p| {
        let name = c.check("gateway.parent.name", types::check_subdomain(&p.name));
        let namespace = c.check(
            "gateway.parent.namespace",
            DnsLabel::parse(&p.namespace).map(|_| ()),
        );
        let section = c.check(
            "gateway.parent.section_name",
            types::check_subdomain(&p.section_name),
        );
        name.zip(namespace)
            .zip(section)
            .map(|_| GatewayAttach::Parent {
                name: p.name.clone(),
                namespace: p.namespace.clone(),
                section_name: p.section_name.clone(),
            })
    });
    let own = g.own.as_ref().and_then(|o| {
        c.check(
            "gateway.own.class_name",
            types::check_subdomain(&o.class_name),
        )
        .map(|_| GatewayAttach::Own {
            class_name: o.class_name.clone(),
        })
    });
    let attach = match (&g.parent, &g.own) {
        (Some(_), Some(_)) => {
            c.err_help(
                "gateway.own",
                "a route attaches either to the platform team's Gateway ([gateway.parent]) or to one this deployment owns ([gateway.own]), not both",
                "remove [gateway.parent] or [gateway.own]",
            );
            None
        }
        (None, None) => {
            c.err_help(
                "gateway.enabled",
                "the HTTPRoute needs a Gateway to attach to",
                "add [gateway.parent] (name, namespace, section_name of the platform team's Gateway) or [gateway.own] (class_name)",
            );
            None
        }
        _ => parent.or(own),
    };
    let by = g.body_size_enforced_by.trim();
    Some((attach?, (!by.is_empty()).then(|| by.to_string())))
}
