//! How secret values reach the cluster: an ExternalSecret, a SealedSecret, a plain Secret
//! (inline values, never written to a tree), or nothing (a Secret created out of band).
//! ExternalSecret and SealedSecret are custom resources, with typed serde structs here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{KEEP_ON_DELETE, meta};
use crate::labels;
use crate::manifest::Object;
use crate::names::Names;
use crate::profile::model::{SealScope, StoreKind};
use crate::profile::{Profile, SecretSource};

/// external-secrets.io/v1 ExternalSecret (the fields magnetiq-gen uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecret {
    /// `external-secrets.io/v1`.
    pub api_version: String,
    /// `ExternalSecret`.
    pub kind: String,
    /// Name and namespace.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ExternalSecretSpec,
}
custom_resource!(
    ExternalSecret,
    "external-secrets.io",
    "v1",
    "ExternalSecret",
    "externalsecrets"
);

/// `spec` of an ExternalSecret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretSpec {
    /// How often to re-read the store.
    pub refresh_interval: String,
    /// The store.
    pub secret_store_ref: StoreRef,
    /// The Secret to write.
    pub target: Target,
    /// Every property of the remote entry becomes a key of the Secret.
    pub data_from: Vec<DataFrom>,
}

/// `spec.secretStoreRef`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreRef {
    /// Store name.
    pub name: String,
    /// `SecretStore` or `ClusterSecretStore`.
    pub kind: String,
}

/// `spec.target`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    /// Secret name.
    pub name: String,
    /// `Owner`: the operator creates and owns the Secret.
    pub creation_policy: String,
    /// `Retain`: a value deleted in the store does not delete the Secret's key.
    pub deletion_policy: String,
}

/// One `spec.dataFrom` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataFrom {
    /// Extract every property of a remote entry.
    pub extract: Extract,
}

/// `extract`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Extract {
    /// The remote entry.
    pub key: String,
}

/// bitnami.com/v1alpha1 SealedSecret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecret {
    /// `bitnami.com/v1alpha1`.
    pub api_version: String,
    /// `SealedSecret`.
    pub kind: String,
    /// Name, namespace, scope annotations.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: SealedSecretSpec,
}
custom_resource!(
    SealedSecret,
    "bitnami.com",
    "v1alpha1",
    "SealedSecret",
    "sealedsecrets"
);

/// `spec` of a SealedSecret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecretSpec {
    /// Ciphertext by key.
    pub encrypted_data: BTreeMap<String, String>,
    /// The Secret the controller writes.
    pub template: SealedTemplate,
}

/// `spec.template`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedTemplate {
    /// Name, namespace, labels of the Secret.
    pub metadata: ObjectMeta,
    /// `Opaque`.
    #[serde(rename = "type")]
    pub type_: String,
}

fn keep_on_delete() -> BTreeMap<String, String> {
    BTreeMap::from([(KEEP_ON_DELETE.0.to_string(), KEEP_ON_DELETE.1.to_string())])
}

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
            metadata.annotations = Some(keep_on_delete());
            Some(Object::ExternalSecret(ExternalSecret {
                api_version: "external-secrets.io/v1".into(),
                kind: "ExternalSecret".into(),
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
            let mut annotations = keep_on_delete();
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
                api_version: "bitnami.com/v1alpha1".into(),
                kind: "SealedSecret".into(),
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
