//! The ArgoCD Application. It is a custom resource, not in k8s-openapi, so it has its own
//! typed serde struct covering the fields magnetiq-gen uses.

use k8s_openapi::Resource;

use super::meta;
use crate::crds::argocd::*;
use crate::labels;
use crate::manifest::{APPLICATION_FILE, KUSTOMIZATION};
use crate::names::Names;
use crate::profile::{ArgocdMode, Profile};

/// The plugin's name, as `deploy/argocd/plugin.yaml` declares it.
pub const PLUGIN_NAME: &str = "magnetiq-gen";

/// Builds the Application, or `None` when the profile disables it.
pub fn application(p: &Profile, names: &Names) -> Option<Application> {
    let a = p.argocd.as_ref()?;
    let mut metadata = meta(&a.app_name, Some(&a.namespace), labels::common(p));
    // Deleting the Application then deletes what it deployed (cascade), as the design asks;
    // the Namespace, PVCs and Secret carry Delete=false so data survives that.
    metadata.finalizers = Some(vec!["resources-finalizer.argocd.argoproj.io".into()]);
    Some(Application {
        api_version: Application::API_VERSION.into(),
        kind: Application::KIND.into(),
        metadata,
        spec: ApplicationSpec {
            project: a.project.clone(),
            source: Source {
                repo_url: a.repo_url.to_string(),
                target_revision: a.target_revision.clone(),
                path: a.path.clone(),
                // The design document's Application reads only the top of `k8s/`: ArgoCD does
                // not descend into backend/ and frontend/ without `recurse`. And it would sync
                // this very file, making the Application manage (and, with prune, delete)
                // itself; `exclude` keeps it out, and the kustomization.yaml (not an object).
                directory: (a.mode == ArgocdMode::Directory).then(|| Directory {
                    recurse: true,
                    exclude: Some(format!("{{{APPLICATION_FILE},{KUSTOMIZATION}}}")),
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
