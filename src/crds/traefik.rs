//! traefik.io/v1alpha1 Middleware (Traefik v3): the fields magnetiq-gen sets.
//!
//! Checked in CI against `kcr_traefik_io::v1alpha1::middlewares::Middleware`, generated from
//! Traefik's own CRD (see `.ci/crd-check`).

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
