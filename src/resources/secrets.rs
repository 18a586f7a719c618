//! How secret values reach the cluster: an ExternalSecret, a SealedSecret, a plain Secret
//! (inline values, never written to a tree), or nothing (a Secret created out of band).
//! ExternalSecret and SealedSecret are custom resources, with typed serde structs here.

use k8s_openapi::ByteString;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::Secret;

use super::{data_annotations, meta};
use crate::crds::secrets::*;
use crate::labels;
use crate::manifest::Object;
use crate::names::Names;
use crate::profile::model::{SealScope, StoreKind};
use crate::profile::{Profile, SecretSource};

/// The object that delivers the secrets, if the mode renders one.
pub fn object(p: &Profile, names: &Names) -> Option<Object> {
    let ns = Some(names.namespace.as_str());
    match &p.secrets.source {
        SecretSource::Existing => None,
        SecretSource::External {
            store,
            store_kind,
            remote_key,
            refresh_interval,
        } => {
            let mut metadata = meta(&names.secrets, ns, labels::common(p));
            metadata.annotations = Some(data_annotations(p));
            Some(Object::ExternalSecret(ExternalSecret {
                api_version: ExternalSecret::API_VERSION.into(),
                kind: ExternalSecret::KIND.into(),
                metadata,
                spec: ExternalSecretSpec {
                    refresh_interval: refresh_interval.clone(),
                    secret_store_ref: StoreRef {
                        name: store.clone(),
                        kind: match store_kind {
                            StoreKind::SecretStore => "SecretStore",
                            StoreKind::ClusterSecretStore => "ClusterSecretStore",
                        }
                        .into(),
                    },
                    target: Target {
                        name: names.secrets.clone(),
                        creation_policy: "Owner".into(),
                        deletion_policy: "Retain".into(),
                    },
                    data_from: vec![DataFrom {
                        extract: Extract {
                            key: remote_key.clone(),
                        },
                    }],
                },
            }))
        }
        SecretSource::Sealed { scope, encrypted } => {
            let mut metadata = meta(&names.secrets, ns, labels::common(p));
            let mut annotations = data_annotations(p);
            match scope {
                SealScope::Strict => {}
                SealScope::NamespaceWide => {
                    annotations.insert(
                        "sealedsecrets.bitnami.com/namespace-wide".into(),
                        "true".into(),
                    );
                }
                SealScope::ClusterWide => {
                    annotations.insert(
                        "sealedsecrets.bitnami.com/cluster-wide".into(),
                        "true".into(),
                    );
                }
            }
            metadata.annotations = Some(annotations);
            Some(Object::SealedSecret(SealedSecret {
                api_version: SealedSecret::API_VERSION.into(),
                kind: SealedSecret::KIND.into(),
                metadata,
                spec: SealedSecretSpec {
                    encrypted_data: encrypted.clone(),
                    template: SealedTemplate {
                        metadata: meta(&names.secrets, ns, labels::common(p)),
                        type_: "Opaque".into(),
                    },
                },
            }))
        }
        SecretSource::Inline(values) => Some(Object::Secret(Secret {
            metadata: meta(&names.secrets, ns, labels::common(p)),
            type_: Some("Opaque".into()),
            data: Some(
                values
                    .0
                    .iter()
                    .map(|(k, v)| (k.clone(), ByteString(v.as_bytes().to_vec())))
                    .collect(),
            ),
            ..Default::default()
        })),
    }
}

/// Whether the rendered objects hold plain secret values (inline mode).
pub fn holds_plaintext(p: &Profile) -> bool {
    matches!(p.secrets.source, SecretSource::Inline(_))
}
