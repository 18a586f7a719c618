//! The routing part of the profile format: which Ingress controller's dialect the Ingress
//! speaks, and `[gateway]` for the Gateway API. Re-exported by [`super::model`], where the
//! rest of the format lives (kept apart so neither file outgrows a reader).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[gateway]`: an HTTPRoute built from `[ingress]`'s host, TLS, backend paths and timeout.
/// Independent of `ingress.enabled`, so both routes can be live during a migration.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// Render an HTTPRoute (gateway.networking.k8s.io/v1) for the host.
    #[serde(default)]
    pub enabled: bool,
    /// A Gateway the platform team owns, for the route to attach to. Set this or `own`.
    #[serde(default)]
    pub parent: Option<GatewayParent>,
    /// A Gateway owned by this deployment: an HTTPS listener for the host (certificate from
    /// cert-manager) and an HTTP listener that only redirects to HTTPS. Set this or `parent`.
    #[serde(default)]
    pub own: Option<OwnGateway>,
    /// What enforces `ingress.proxy_body_size` (the Gateway API has no field for a request
    /// body limit), e.g. your implementation's policy resource. Left empty, the route says
    /// the limit is not carried over and `lint` warns.
    #[serde(default)]
    pub body_size_enforced_by: String,
}

/// `[gateway.parent]`: the `parentRefs` entry of the HTTPRoute.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayParent {
    /// The Gateway's name.
    pub name: String,
    /// The Gateway's namespace.
    pub namespace: String,
    /// The listener the route attaches to (its `sectionName`), e.g. `https`.
    pub section_name: String,
}

/// `[gateway.own]`: the Gateway this deployment renders.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnGateway {
    /// The GatewayClass (the implementation: `eg` for Envoy Gateway, `nginx`, `cilium`...).
    pub class_name: String,
}

/// The Ingress controller whose dialect the Ingress speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IngressController {
    /// The community ingress-nginx controller (`nginx.ingress.kubernetes.io/*` annotations).
    /// Retired by Kubernetes SIG Network in March 2026: no further releases or security fixes.
    IngressNginx,
    /// Traefik v3 (`traefik.ingress.kubernetes.io/*` annotations and `traefik.io/v1alpha1`
    /// Middlewares).
    Traefik,
}

impl IngressController {
    /// The profile's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IngressController::IngressNginx => "ingress-nginx",
            IngressController::Traefik => "traefik",
        }
    }
}
