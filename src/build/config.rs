//! The ConfigMap and the Secret.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::{KEEP_ON_DELETE, meta};
use crate::labels;
use crate::names::Names;
use crate::profile::Profile;

/// Annotation listing the keys the Secret must hold before the backend can start.
pub const REQUIRED_KEYS: &str = "magnetiq.voltaic.systems/required-keys";
/// Annotation listing the keys the backend reads when present.
pub const OPTIONAL_KEYS: &str = "magnetiq.voltaic.systems/optional-keys";

/// The non-secret settings, derived entries included.
pub fn config_map(p: &Profile, names: &Names) -> ConfigMap {
    ConfigMap {
        metadata: meta(&names.config, Some(&names.namespace), labels::common(p)),
        data: Some(p.config.clone()),
        ..Default::default()
    }
}

/// The Secret, declared without values. Values never go into Git: an operator fills them in
/// the cluster (`kubectl edit`/`kubectl patch`), and since this manifest sets no `data`,
/// applying it again leaves them alone. The annotations say which keys must be there.
pub fn secret(p: &Profile, names: &Names) -> Secret {
    let mut metadata = meta(&names.secrets, Some(&names.namespace), labels::common(p));
    let mut annotations =
        BTreeMap::from([(KEEP_ON_DELETE.0.to_string(), KEEP_ON_DELETE.1.to_string())]);
    annotations.insert(REQUIRED_KEYS.into(), p.secrets.required.join(","));
    if !p.secrets.optional.is_empty() {
        annotations.insert(OPTIONAL_KEYS.into(), p.secrets.optional.join(","));
    }
    metadata.annotations = Some(annotations);
    Secret {
        metadata,
        type_: Some("Opaque".into()),
        // `data` and `stringData` deliberately unset: see above.
        ..Default::default()
    }
}
