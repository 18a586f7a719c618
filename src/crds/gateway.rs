//! gateway.networking.k8s.io/v1 Gateway and HTTPRoute: the fields magnetiq-gen sets, all of
//! the Gateway API's standard channel. Written here rather than taken from the `gateway-api`
//! crate: its releases are built on kube and an older k8s-openapi (0.21.0 needs 0.27), and a
//! second k8s-openapi would make `ObjectMeta` two types. Checked against the upstream CRD
//! schema in CI (`.ci/crd-check`, kcr_gateway_networking_k8s_io).

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// gateway.networking.k8s.io/v1 Gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gateway {
    /// `gateway.networking.k8s.io/v1`.
    pub api_version: String,
    /// `Gateway`.
    pub kind: String,
    /// Name, namespace, cert-manager's issuer annotation.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: GatewaySpec,
}
custom_resource!(
    Gateway,
    "gateway.networking.k8s.io",
    "v1",
    "Gateway",
    "gateways"
);

/// `spec` of a Gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewaySpec {
    /// The GatewayClass (the implementation that serves it).
    pub gateway_class_name: String,
    /// Where it listens.
    pub listeners: Vec<Listener>,
}

/// `spec.listeners[]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Listener {
    /// Listener name: what a route's `sectionName` names.
    pub name: String,
    /// Host name served; cert-manager issues the certificate for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Port.
    pub port: i32,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// TLS termination (HTTPS listeners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTls>,
    /// Which routes may attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_routes: Option<AllowedRoutes>,
}

/// `spec.listeners[].tls`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListenerTls {
    /// `Terminate`.
    pub mode: String,
    /// The Secret holding the certificate (cert-manager fills it).
    pub certificate_refs: Vec<SecretRef>,
}

/// `spec.listeners[].tls.certificateRefs[]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    /// `Secret`.
    pub kind: String,
    /// The Secret's name, in the Gateway's namespace.
    pub name: String,
}

/// `spec.listeners[].allowedRoutes`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllowedRoutes {
    /// The namespaces routes may come from.
    pub namespaces: RouteNamespaces,
}

/// `spec.listeners[].allowedRoutes.namespaces`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteNamespaces {
    /// `Same`, `All` or `Selector`.
    pub from: String,
}

/// gateway.networking.k8s.io/v1 HTTPRoute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRoute {
    /// `gateway.networking.k8s.io/v1`.
    pub api_version: String,
    /// `HTTPRoute`.
    pub kind: String,
    /// Name, namespace, labels, annotations.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: HttpRouteSpec,
}
custom_resource!(
    HttpRoute,
    "gateway.networking.k8s.io",
    "v1",
    "HTTPRoute",
    "httproutes"
);

/// `spec` of an HTTPRoute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteSpec {
    /// The Gateway listeners the route attaches to.
    pub parent_refs: Vec<ParentRef>,
    /// Host names matched.
    pub hostnames: Vec<String>,
    /// The rules.
    pub rules: Vec<RouteRule>,
}

/// `spec.parentRefs[]`; group and kind left out: they default to a Gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParentRef {
    /// The Gateway's name.
    pub name: String,
    /// Its namespace (the route's own when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

/// `spec.rules[]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteRule {
    /// Requests this rule takes (every request when left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<RouteMatch>,
    /// Filters (the HTTPS redirect).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<RouteFilter>,
    /// Where matching requests go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_refs: Vec<BackendRef>,
    /// Request timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<RouteTimeouts>,
}

/// `spec.rules[].matches[]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteMatch {
    /// The path match.
    pub path: PathMatch,
}

/// `spec.rules[].matches[].path`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PathMatch {
    /// `PathPrefix` or `Exact`.
    #[serde(rename = "type")]
    pub match_type: String,
    /// The path.
    pub value: String,
}

/// `spec.rules[].filters[]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteFilter {
    /// `RequestRedirect`.
    #[serde(rename = "type")]
    pub filter_type: String,
    /// The redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_redirect: Option<RequestRedirect>,
}

/// `spec.rules[].filters[].requestRedirect`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestRedirect {
    /// `https`.
    pub scheme: String,
    /// 301.
    pub status_code: i32,
}

/// `spec.rules[].backendRefs[]`; a Service when kind is left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendRef {
    /// The Service.
    pub name: String,
    /// Its port.
    pub port: i32,
}

/// `spec.rules[].timeouts`, Gateway API durations (`600s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteTimeouts {
    /// The whole request, client to Gateway and back.
    pub request: String,
    /// One request from the Gateway to the backend.
    pub backend_request: String,
}
