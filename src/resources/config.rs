//! The ConfigMap.

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
