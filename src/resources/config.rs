//! The ConfigMaps: the settings, and the frontend's runtime configuration file.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::meta;
use crate::labels;
use crate::names::Names;
use crate::profile::Profile;

/// The non-secret settings, derived entries included.
pub fn config_map(p: &Profile, names: &Names) -> ConfigMap {
    ConfigMap {
        metadata: meta(&names.config, Some(&names.namespace), labels::common(p)),
        data: Some(p.config.clone()),
        ..Default::default()
    }
}

/// The frontend's runtime configuration file (`[frontend.runtime_config]`), as the one key of
/// a ConfigMap named after the frontend. Its own object, not a key of the settings
/// ConfigMap: the backend takes that one whole as environment variables (`envFrom`).
pub fn frontend_runtime_config(p: &Profile, names: &Names) -> Option<ConfigMap> {
    let r = p.frontend.runtime_config.as_ref()?;
    Some(ConfigMap {
        metadata: meta(
            &names.frontend,
            Some(&names.namespace),
            labels::component(p, labels::Component::Frontend),
        ),
        data: Some(BTreeMap::from([(r.file_name.clone(), r.json.clone())])),
        ..Default::default()
    })
}
