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
                // `path` is corrected by [`carry_plugin_settings`] once the profiles directory
                // is known: the plugin reads `profiles/` inside the source path.
                plugin: (a.mode == ArgocdMode::Plugin).then(|| Plugin {
                    name: PLUGIN_NAME.into(),
                    env: Vec::new(),
                    parameters: vec![PluginParameter {
                        name: "profile".into(),
                        string: Some(p.name.clone()),
                        array: None,
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
                retry: retry(),
            },
            revision_history_limit: 10,
        },
    })
}

/// What a plugin-mode Application needs from the render's command line, which the profile
/// does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSettings {
    /// The folder holding the profiles directory, relative to the repository root ("." for
    /// the root itself): the Application's `source.path`.
    pub source_path: String,
    /// The profiles directory's name inside it, when not `profiles` (the `PROFILES_DIR` env).
    pub profiles_dir: Option<String>,
    /// `--set` overrides, carried as the `set` parameter.
    pub overrides: Vec<String>,
}

/// Points a plugin-mode Application at the folder that holds the profiles and carries the
/// render's `--profiles-dir` and `--set`, so the sidecar renders what `render` rendered.
/// Directory-mode Applications are left as they are.
pub fn carry_plugin_settings(app: &mut Application, settings: &PluginSettings) {
    let Some(plugin) = app.spec.source.plugin.as_mut() else {
        return;
    };
    app.spec.source.path = settings.source_path.clone();
    plugin.env = settings
        .profiles_dir
        .iter()
        .map(|d| EnvEntry {
            name: "PROFILES_DIR".into(),
            value: d.clone(),
        })
        .collect();
    plugin.parameters.retain(|p| p.name != "set");
    if !settings.overrides.is_empty() {
        plugin.parameters.push(PluginParameter {
            name: "set".into(),
            string: None,
            array: Some(settings.overrides.clone()),
        });
    }
}

/// What the app-of-apps root must share with one environment's Application: kept instead of
/// the whole Application while `render --all` renders the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootChild {
    /// The ArgoCD namespace the Application lives in.
    pub namespace: String,
    /// Its repository.
    pub repo_url: String,
    /// Its revision.
    pub target_revision: String,
    /// Its project.
    pub project: String,
}

impl From<&Application> for RootChild {
    fn from(a: &Application) -> Self {
        RootChild {
            namespace: a.metadata.namespace.clone().unwrap_or_default(),
            repo_url: a.spec.source.repo_url.clone(),
            target_revision: a.spec.source.target_revision.clone(),
            project: a.spec.project.clone(),
        }
    }
}

/// The app-of-apps root: an Application whose source is the directory holding every
/// environment's Application (`apps_path`, relative to the repository). Its own file lies
/// outside that directory and it reads no subdirectory, so it never manages, and never
/// prunes, itself. It carries no resources finalizer: deleting it by hand leaves the
/// environments running. Fails when the environments disagree on what the root must share
/// with them (repository, ArgoCD namespace).
/// `out_dir` is the directory `render --all` wrote, relative to the repository: with the
/// repository it names the root (see [`crate::names::root_application`]).
pub fn root(
    children: &[&RootChild],
    apps_path: &str,
    out_dir: &str,
) -> Result<Application, String> {
    fn common<'a>(
        children: &[&'a RootChild],
        what: &str,
        f: impl Fn(&'a RootChild) -> &'a str,
    ) -> Result<Option<&'a str>, String> {
        let mut values: Vec<&str> = children.iter().map(|a| f(a)).collect();
        values.sort_unstable();
        values.dedup();
        match values.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(format!(
                "the environments' Applications disagree on {what} ({}); one root Application can hold them only when they agree",
                many.join(", ")
            )),
        }
    }
    let namespace = common(children, "the ArgoCD namespace", |a| &a.namespace)?.unwrap_or("argocd");
    let repo_url = common(children, "repo_url", |a| &a.repo_url)?.unwrap_or_default();
    // Environments may follow different branches; the root then follows the repository's
    // default branch, where `render --all` output is committed.
    let target_revision = common(children, "target_revision", |a| &a.target_revision)
        .ok()
        .flatten()
        .unwrap_or("HEAD");
    let project = common(children, "project", |a| &a.project)
        .ok()
        .flatten()
        .unwrap_or("default");
    let labels = [(
        "app.kubernetes.io/managed-by".to_string(),
        "magnetiq-gen".to_string(),
    )]
    .into_iter()
    .collect();
    Ok(Application {
        api_version: Application::API_VERSION.into(),
        kind: Application::KIND.into(),
        // No finalizer, on purpose (see above).
        metadata: meta(
            &crate::names::root_application(repo_url, out_dir),
            Some(namespace),
            labels,
        ),
        spec: ApplicationSpec {
            project: project.into(),
            source: Source {
                repo_url: repo_url.into(),
                target_revision: target_revision.into(),
                path: apps_path.into(),
                directory: Some(Directory {
                    recurse: false,
                    exclude: None,
                }),
                plugin: None,
            },
            destination: Destination {
                server: "https://kubernetes.default.svc".into(),
                namespace: namespace.into(),
            },
            sync_policy: SyncPolicy {
                // Prune: a profile removed from Git takes its Application (and, through its
                // finalizer, its environment) with it, as `render --all` removes its tree.
                automated: Some(Automated {
                    prune: true,
                    self_heal: true,
                    allow_empty: false,
                }),
                sync_options: vec!["PruneLast=true".into()],
                retry: retry(),
            },
            revision_history_limit: 10,
        },
    })
}

/// Retries of a failed sync, the same for every Application: five, backing off from 5 s to
/// at most 3 min (a transient API or webhook error heals without a person).
fn retry() -> Retry {
    Retry {
        limit: 5,
        backoff: Backoff {
            duration: "5s".into(),
            factor: 2,
            max_duration: "3m".into(),
        },
    }
}
