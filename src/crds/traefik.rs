//! traefik.io/v1alpha1 Middleware and ServersTransport (Traefik v3): the fields magnetiq-gen
//! sets.
//!
//! Checked in CI against `kcr_traefik_io::v1alpha1::middlewares::Middleware` and
//! `kcr_traefik_io::v1alpha1::serverstransports::ServersTransport`, generated from Traefik's
//! own CRDs (see `.ci/crd-check`).

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// traefik.io/v1alpha1 Middleware: one HTTP middleware a router refers to by the annotation
/// `traefik.ingress.kubernetes.io/router.middlewares: <namespace>-<name>@kubernetescrd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Middleware {
    /// `traefik.io/v1alpha1`.
    pub api_version: String,
    /// `Middleware`.
    pub kind: String,
    /// Name and namespace (the Ingress's: a router refers to it as `<namespace>-<name>`).
    pub metadata: ObjectMeta,
    /// Which middleware, with its settings: exactly one of the fields is set.
    pub spec: MiddlewareSpec,
}
custom_resource!(
    Middleware,
    "traefik.io",
    "v1alpha1",
    "Middleware",
    "middlewares"
);

/// `spec` of a Middleware: the kinds magnetiq-gen renders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MiddlewareSpec {
    /// Refuses request bodies above a size (413).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffering: Option<Buffering>,
    /// Redirects to another scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_scheme: Option<RedirectScheme>,
}

/// The buffering middleware (doc.traefik.io/traefik/v3.8/reference/routing-configuration/
/// http/middlewares/buffering/): Traefik reads the whole request (to disk above
/// `memRequestBodyBytes`, 1 MiB by default) and answers 413 Request Entity Too Large above
/// `maxRequestBodyBytes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Buffering {
    /// Largest request body in bytes (0 would mean no limit; such a middleware is not
    /// rendered at all).
    pub max_request_body_bytes: i64,
}

/// The redirectScheme middleware (doc.traefik.io/traefik/v3.8/reference/routing-configuration/
/// http/middlewares/redirectscheme/): redirects a request whose scheme differs from `scheme`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedirectScheme {
    /// `https`.
    pub scheme: String,
    /// A permanent redirect (301 for GET, 308 otherwise), as ingress-nginx's `ssl-redirect`
    /// answers 308.
    pub permanent: bool,
}

/// traefik.io/v1alpha1 ServersTransport: how Traefik talks to the servers of a Service that
/// refers to it by the annotation
/// `traefik.ingress.kubernetes.io/service.serverstransport: <namespace>-<name>@kubernetescrd`
/// (doc.traefik.io/traefik/v3.8/reference/routing-configuration/kubernetes/crd/http/
/// serverstransport/).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServersTransport {
    /// `traefik.io/v1alpha1`.
    pub api_version: String,
    /// `ServersTransport`.
    pub kind: String,
    /// Name and namespace (the Services': they refer to it as `<namespace>-<name>`).
    pub metadata: ObjectMeta,
    /// The transport settings.
    pub spec: ServersTransportSpec,
}
custom_resource!(
    ServersTransport,
    "traefik.io",
    "v1alpha1",
    "ServersTransport",
    "serverstransports"
);

/// `spec` of a ServersTransport: the part magnetiq-gen sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServersTransportSpec {
    /// Timeouts of the requests Traefik forwards to the servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding_timeouts: Option<ForwardingTimeouts>,
}

/// `spec.forwardingTimeouts`: durations with their unit (`300s`); the CRD types them as
/// int-or-string, and magnetiq-gen always writes the string form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardingTimeouts {
    /// How long to wait for a server's response headers after the whole request (body
    /// included) was written to it. Traefik's default is 0s: no limit.
    pub response_header_timeout: String,
}
