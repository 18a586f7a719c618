//! external-secrets.io/v1 ExternalSecret and bitnami.com/v1alpha1 SealedSecret: the fields
//! magnetiq-gen sets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

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
