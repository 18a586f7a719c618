//! `[frontend.runtime_config]`: the settings a static bundle reads at run time, from a JSON
//! file mounted into its container. Re-exported by [`super::model`].
//!
//! The frontend is a Vite bundle served by nginx. Vite replaces `import.meta.env.VITE_*` with
//! literal values when the bundle is built, so an environment variable given to the running
//! container changes nothing. A file the bundle fetches when it starts (`/config.json`) is
//! read on every page load instead, and a new value takes effect with the next rollout.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[frontend.runtime_config]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Where the file appears in the container: an absolute path in the directory nginx
    /// serves (`/usr/share/nginx/html/config.json` in the official nginx image), so the
    /// bundle fetches it from the same host (`/config.json`).
    pub path: String,
    /// The settings, written as one JSON object of strings in this order
    /// (`{ apiUrl = "/api" }`). Values may use `{{ }}` references.
    pub values: IndexMap<String, String>,
}
