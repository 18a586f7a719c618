//! Routing with the Gateway API: the HTTPRoute (the Ingress's routing, from the same
//! `[ingress]` keys), and the Gateway with its HTTP-to-HTTPS redirect route when the
//! deployment owns one.

use std::collections::BTreeMap;

use super::meta;
use crate::crds::gateway::{
    AllowedRoutes, BackendRef, Gateway, GatewaySpec, HttpRoute, HttpRouteSpec, Listener,
    ListenerTls, ParentRef, PathMatch, RequestRedirect, RouteFilter, RouteMatch, RouteNamespaces,
    RouteRule, RouteTimeouts, SecretRef,
};
use crate::labels;
use crate::names::Names;
use crate::profile::{GatewayAttach, PathType, Profile};
use crate::rules::{
    BODY_SIZE_ENFORCED_BY, BODY_SIZE_NOT_CARRIED_OVER, CLUSTER_ISSUER, HTTP_LISTENER,
    HTTPS_LISTENER,
};
use k8s_openapi::Resource;

/// The listener the main route attaches to on a Gateway of this deployment.
fn own_section(p: &Profile) -> &'static str {
    let tls = p
        .gateway
        .as_ref()
        .is_some_and(|g| g.routing.tls_issuer.is_some());
    if tls { HTTPS_LISTENER } else { HTTP_LISTENER }
}

/// The HTTPRoutes: the route to the workloads and, with a Gateway of this deployment and TLS,
/// the route that redirects plain HTTP to HTTPS.
pub fn http_routes(p: &Profile, names: &Names) -> Vec<HttpRoute> {
    let Some(g) = &p.gateway else {
        return Vec::new();
    };
    let r = &g.routing;
    let host = r.host.to_string();
    let parent = match &g.attach {
        GatewayAttach::Parent {
            name,
            namespace,
            section_name,
        } => ParentRef {
            name: name.clone(),
            namespace: Some(namespace.clone()),
            section_name: Some(section_name.clone()),
        },
        GatewayAttach::Own { .. } => own_parent(names, own_section(p)),
    };
    // ingress-nginx's read and send timeouts bound each read and write; the Gateway API's
    // bound the whole request (`request`) and the call to the backend (`backendRequest`).
    // The same number for both keeps uploads and long API calls within the design
    // document's 600 seconds; `backendRequest` may not exceed `request`.
    let timeout = format!("{}s", r.proxy_timeout_seconds);
    let timeouts = || {
        Some(RouteTimeouts {
            request: timeout.clone(),
            backend_request: timeout.clone(),
        })
    };
    let path_match = |path: &str, t: PathType| RouteMatch {
        path: PathMatch {
            match_type: match t {
                PathType::Prefix => "PathPrefix",
                PathType::Exact => "Exact",
            }
            .into(),
            value: path.into(),
        },
    };
    let to = |service: &str, port: i32| {
        vec![BackendRef {
            name: service.into(),
            port,
        }]
    };
    let mut rules = Vec::new();
    if !r.backend_paths.is_empty() {
        rules.push(RouteRule {
            matches: r
                .backend_paths
                .iter()
                .map(|(path, t)| path_match(path.as_str(), *t))
                .collect(),
            filters: Vec::new(),
            backend_refs: to(&names.backend, p.backend.port),
            timeouts: timeouts(),
        });
    }
    // Exact and longer prefix matches win over "/" whatever the rule order (the Gateway API's
    // match precedence), as with the Ingress.
    rules.push(RouteRule {
        matches: vec![path_match("/", PathType::Prefix)],
        filters: Vec::new(),
        backend_refs: to(&names.frontend, p.frontend.port),
        timeouts: timeouts(),
    });
    // The Gateway API has no standard field for a request body limit: never dropped
    // silently, the route says what happened to it (and lint warns unless something else
    // enforces it).
    let annotation = match &g.body_size_enforced_by {
        Some(by) => (
            BODY_SIZE_ENFORCED_BY.to_string(),
            format!("{} ({by})", r.proxy_body_size),
        ),
        None => (
            BODY_SIZE_NOT_CARRIED_OVER.to_string(),
            r.proxy_body_size.clone(),
        ),
    };
    let mut metadata = meta(&names.route, Some(&names.namespace), labels::common(p));
    metadata.annotations = Some(BTreeMap::from([annotation]));
    let mut routes = vec![HttpRoute {
        api_version: HttpRoute::API_VERSION.into(),
        kind: HttpRoute::KIND.into(),
        metadata,
        spec: HttpRouteSpec {
            parent_refs: vec![parent],
            hostnames: vec![host.clone()],
            rules,
        },
    }];
    if matches!(g.attach, GatewayAttach::Own { .. }) && r.tls_issuer.is_some() {
        routes.push(HttpRoute {
            api_version: HttpRoute::API_VERSION.into(),
            kind: HttpRoute::KIND.into(),
            metadata: meta(&names.redirect, Some(&names.namespace), labels::common(p)),
            spec: HttpRouteSpec {
                parent_refs: vec![own_parent(names, HTTP_LISTENER)],
                hostnames: vec![host],
                rules: vec![RouteRule {
                    matches: Vec::new(),
                    filters: vec![RouteFilter {
                        filter_type: "RequestRedirect".into(),
                        request_redirect: Some(RequestRedirect {
                            scheme: "https".into(),
                            status_code: 301,
                        }),
                    }],
                    // A redirect sends nowhere: a backendRef beside it is refused.
                    backend_refs: Vec::new(),
                    timeouts: None,
                }],
            },
        });
    }
    routes
}

/// A parentRef to a listener of this deployment's Gateway (in the route's namespace).
fn own_parent(names: &Names, section: &str) -> ParentRef {
    ParentRef {
        name: names.gateway.clone(),
        // The route's own namespace.
        namespace: None,
        section_name: Some(section.into()),
    }
}

/// The Gateway of this deployment, when `[gateway.own]` is set: an HTTPS listener for the
/// host whose certificate cert-manager issues (its Gateway annotation), and an HTTP listener
/// that only the redirect route attaches to. Without TLS, the HTTP listener alone.
pub fn gateway(p: &Profile, names: &Names) -> Option<Gateway> {
    let g = p.gateway.as_ref()?;
    let GatewayAttach::Own { class_name } = &g.attach else {
        return None;
    };
    let r = &g.routing;
    let host = r.host.to_string();
    // Only routes of this namespace: the Gateway serves this deployment alone.
    let same = || {
        Some(AllowedRoutes {
            namespaces: RouteNamespaces {
                from: "Same".into(),
            },
        })
    };
    let mut listeners = Vec::new();
    if r.tls_issuer.is_some() {
        listeners.push(Listener {
            name: HTTPS_LISTENER.into(),
            hostname: Some(host.clone()),
            port: 443,
            protocol: "HTTPS".into(),
            tls: Some(ListenerTls {
                mode: "Terminate".into(),
                certificate_refs: vec![SecretRef {
                    kind: "Secret".into(),
                    name: names.gateway_tls.clone(),
                }],
            }),
            allowed_routes: same(),
        });
    }
    listeners.push(Listener {
        name: HTTP_LISTENER.into(),
        hostname: Some(host),
        port: 80,
        protocol: "HTTP".into(),
        tls: None,
        allowed_routes: same(),
    });
    let mut metadata = meta(&names.gateway, Some(&names.namespace), labels::common(p));
    metadata.annotations = r
        .tls_issuer
        .as_ref()
        .map(|issuer| BTreeMap::from([(CLUSTER_ISSUER.to_string(), issuer.clone())]));
    Some(Gateway {
        api_version: Gateway::API_VERSION.into(),
        kind: Gateway::KIND.into(),
        metadata,
        spec: GatewaySpec {
            gateway_class_name: class_name.clone(),
            listeners,
        },
    })
}
