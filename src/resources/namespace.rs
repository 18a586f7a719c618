//! The Namespace.

use k8s_openapi::api::core::v1::Namespace;

use super::{data_annotations, meta};
use crate::labels;
use crate::names::Names;
use crate::profile::Profile;

/// The namespace everything lives in. It holds the database's volume claims, so ArgoCD must
/// never delete it: deleting a namespace deletes every claim in it.
pub fn namespace(p: &Profile, names: &Names) -> Namespace {
    let mut metadata = meta(&names.namespace, None, labels::common(p));
    metadata.annotations = Some(data_annotations(p));
    Namespace {
        metadata,
        ..Default::default()
    }
}
