//! argoproj.io/v1alpha1 Application: the fields magnetiq-gen sets. Checked against the
//! upstream CRD schema in CI (`.ci/`), since no maintained crate of generated types pins our
//! k8s-openapi version.

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// argoproj.io/v1alpha1 Application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Application {
    /// Always `argoproj.io/v1alpha1`.
    pub api_version: String,
    /// Always `Application`.
    pub kind: String,
    /// Name, namespace, finalizers.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ApplicationSpec,
}

impl k8s_openapi::Resource for Application {
    const API_VERSION: &'static str = "argoproj.io/v1alpha1";
    const GROUP: &'static str = "argoproj.io";
    const KIND: &'static str = "Application";
    const VERSION: &'static str = "v1alpha1";
    const URL_PATH_SEGMENT: &'static str = "applications";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for Application {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// `spec`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSpec {
    /// ArgoCD project.
    pub project: String,
    /// Where the manifests come from.
    pub source: Source,
    /// Where they go.
    pub destination: Destination,
    /// How syncing works.
    pub sync_policy: SyncPolicy,
    /// Deployment history kept.
    pub revision_history_limit: i64,
}

/// `spec.source`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// Git repository.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch, tag or commit.
    pub target_revision: String,
    /// Directory in the repository.
    pub path: String,
    /// Directory-source options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
    /// Config Management Plugin source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Plugin>,
}

/// `spec.source.plugin`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plugin {
    /// The plugin's name (its ConfigManagementPlugin `metadata.name`).
    pub name: String,
    /// Environment entries (they reach the plugin prefixed `ARGOCD_ENV_`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvEntry>,
    /// Parameters handed to `magnetiq-gen cmp generate`.
    pub parameters: Vec<PluginParameter>,
}

/// One plugin environment entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvEntry {
    /// Variable name, without the `ARGOCD_ENV_` prefix.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One parameter: a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginParameter {
    /// Parameter name.
    pub name: String,
    /// Its value, for a string parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// Its values, for an array parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array: Option<Vec<String>>,
}

/// `spec.source.directory`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Directory {
    /// Read subdirectories too.
    pub recurse: bool,
    /// Glob of files to leave out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
}

/// `spec.destination`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Destination {
    /// API server URL.
    pub server: String,
    /// Default namespace.
    pub namespace: String,
}

/// `spec.syncPolicy`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPolicy {
    /// Automatic sync, when on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<Automated>,
    /// Sync options.
    pub sync_options: Vec<String>,
    /// Retries of a failed sync.
    pub retry: Retry,
}

/// `spec.syncPolicy.automated`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Automated {
    /// Delete what left Git.
    pub prune: bool,
    /// Revert changes made in the cluster.
    pub self_heal: bool,
    /// Allow syncing an empty set of objects.
    pub allow_empty: bool,
}

/// `spec.syncPolicy.retry`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retry {
    /// Attempts.
    pub limit: i64,
    /// Backoff.
    pub backoff: Backoff,
}

/// `spec.syncPolicy.retry.backoff`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backoff {
    /// First wait.
    pub duration: String,
    /// Growth factor.
    pub factor: i64,
    /// Longest wait.
    pub max_duration: String,
}
