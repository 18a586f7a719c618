//! `[smoke_test]`: the check ArgoCD runs after every sync. Re-exported by [`super::model`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[smoke_test]`: an ArgoCD `PostSync` hook Job that calls the backend's health path and the
/// frontend through their Services (and, with `public`, the public host) once every object is
/// synced and healthy. A failed check fails the sync; a passed one deletes the Job.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmokeTest {
    /// Render the hook (needs `[argocd]`: only ArgoCD runs hooks).
    #[serde(default)]
    pub enabled: bool,
    /// An image with `curl` 7.71 or later (for `--retry-all-errors`), pinned by version or
    /// digest.
    #[serde(default)]
    pub image: Option<String>,
    /// Also call `https://<ingress.host><backend probe path>` through the edge (the Ingress
    /// or the Gateway, TLS included). Off by default: the public name may not resolve yet
    /// on a first sync.
    #[serde(default)]
    pub public: bool,
    /// How long the whole check may take, retries included, before the Job fails.
    #[serde(default = "default_deadline")]
    pub deadline_seconds: i64,
}

fn default_deadline() -> i64 {
    120
}
