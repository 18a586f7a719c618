//! The ArgoCD Application. It is a custom resource, not in k8s-openapi, so it has its own
//! typed serde struct covering the fields magnetiq-gen uses.

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::meta;
use crate::labels;
use crate::names::Names;
use crate::profile::{ArgocdMode, Profile};

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
    /// Parameters handed to `magnetiq-gen cmp generate`.
    pub parameters: Vec<PluginParameter>,
}

/// One string parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginParameter {
    /// Parameter name.
    pub name: String,
    /// Its value.
    pub string: String,
}

/// The plugin's name, as `deploy/argocd/plugin.yaml` declares it.
pub const PLUGIN_NAME: &str = "magnetiq-gen";

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

/// The file the Application is written to inside the synced tree.
pub const FILE: &str = "argocd-application.yaml";

/// Builds the Application, or `None` when the profile disables it.
pub fn application(p: &Profile, names: &Names) -> Option<Application> {
    let a = p.argocd.as_ref()?;
    let mut metadata = meta(&a.app_name, Some(&a.namespace), labels::common(p));
    // Deleting the Application then deletes what it deployed (cascade), as the design asks;
    // the Namespace, PVCs and Secret carry Delete=false so data survives that.
    metadata.finalizers = Some(vec!["resources-finalizer.argocd.argoproj.io".into()]);
    Some(Application {
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Application".into(),
        metadata,
        spec: ApplicationSpec {
            project: a.project.clone(),
            source: Source {
                repo_url: a.repo_url.clone(),
                target_revision: a.target_revision.clone(),
                path: a.path.clone(),
                // The design document's Application reads only the top of `k8s/`: ArgoCD does
                // not descend into backend/ and frontend/ without `recurse`. And it would sync
                // this very file, making the Application manage (and, with prune, delete)
                // itself; `exclude` keeps it out, and the kustomization.yaml (not an object).
                directory: (a.mode == ArgocdMode::Directory).then(|| Directory {
                    recurse: true,
                    exclude: Some(format!("{{{FILE},{}}}", crate::output::KUSTOMIZATION)),
                }),
                // In plugin mode ArgoCD renders the profiles at `path` itself; the plugin
                // never emits this Application, so it cannot manage itself either.
                plugin: (a.mode == ArgocdMode::Plugin).then(|| Plugin {
                    name: PLUGIN_NAME.into(),
                    parameters: vec![PluginParameter {
                        name: "profile".into(),
                        string: p.name.clone(),
                    }],
                }),
            },
            destination: Destination {
                server: a.destination_server.clone(),
                namespace: names.namespace.clone(),
            },
            sync_policy: SyncPolicy {
                automated: a.automated.then_some(Automated {
                    prune: a.prune,
                    self_heal: a.self_heal,
                    // An empty render must never delete the whole deployment.
                    allow_empty: false,
                }),
                // No CreateNamespace=true: the tree declares the Namespace itself, with its
                // labels and its Delete=false guard.
                sync_options: vec![
                    "PrunePropagationPolicy=foreground".into(),
                    "PruneLast=true".into(),
                ],
                retry: Retry {
                    limit: 5,
                    backoff: Backoff {
                        duration: "5s".into(),
                        factor: 2,
                        max_duration: "3m".into(),
                    },
                },
            },
            revision_history_limit: 10,
        },
    })
}
