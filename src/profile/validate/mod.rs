//! From a [`RawProfile`] to a [`Profile`]: every value checked, every problem collected.
//! One file per profile table; this one holds the walk over them and the rules that span
//! tables.

use std::collections::{BTreeMap, BTreeSet};

mod app;
pub(crate) use app::check_environment_name;
mod argocd;
mod autoscaling;
mod backup;
mod config;
mod database;
mod gateway;
mod ingress;
mod monitoring;
mod network_policy;
mod secrets;
mod storage;
mod workload;

use super::load::Loaded;
use super::model::{DatabaseEngine, RawProfile};
use super::node::{Node, lookup, parse_path};
use super::types;
use super::*;
use crate::report::{Diagnostic, ProfileError};
use crate::source::Loc;
use app::check_app;
use argocd::check_argocd;
use autoscaling::check_autoscaling;
use backup::check_backup;
use config::check_config;
use database::{check_backend_scaling, check_postgres, check_sqlite};
use gateway::check_gateway;
use ingress::check_ingress;
use monitoring::check_monitoring;
use network_policy::check_network_policy;
use secrets::check_secrets;
use storage::{check_database, check_storage};
use workload::{check_backend_mounts, check_workload};

struct Checker<'a> {
    root: &'a Node,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn loc(&self, path: &str) -> Option<Loc> {
        let (node, _, _) = lookup(self.root, &parse_path(path));
        Some(node.loc.clone())
    }

    fn err(&mut self, path: &str, message: impl Into<String>) {
        let loc = self.loc(path);
        self.diagnostics.push(Diagnostic::new(loc, path, message));
    }

    fn err_help(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        let loc = self.loc(path);
        self.diagnostics
            .push(Diagnostic::new(loc, path, message).with_help(help));
    }

    /// Records the error of `r`, if any, at `path`.
    fn check<T>(&mut self, path: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(path, e);
                None
            }
        }
    }
}

/// Validates a loaded profile.
pub fn validate(loaded: Loaded, env: &BTreeMap<String, String>) -> crate::Result<Profile> {
    let Loaded {
        name,
        sources,
        root,
        raw,
        pending,
        templates,
    } = loaded;
    let mut c = Checker {
        root: &root,
        diagnostics: pending,
    };
    let mut extensions = super::extensions::check(
        &root,
        &raw.patches,
        &raw.templates,
        templates,
        &mut c.diagnostics,
    );
    extensions.sqlite = raw.database.engine == DatabaseEngine::Sqlite;
    if !extensions.templates.is_empty() {
        // The profile as `show` prints it: every key, defaults included.
        extensions.context = serde_json::to_value(&raw).expect("a profile serializes");
    }
    let mut profile = check_profile(&mut c, &name, raw, env);
    if let Some(p) = &mut profile
        && !extensions.is_empty()
    {
        extensions.sources = sources.clone();
        p.extensions = extensions;
    }
    // Report in reading order: file by file (the profile first, then what it extends), top
    // to bottom.
    c.diagnostics
        .sort_by_key(|d| d.loc.as_ref().map(|l| (l.file, l.span.start)));
    if c.diagnostics.is_empty() {
        Ok(profile.expect("a profile with no diagnostics is complete"))
    } else {
        Err(ProfileError {
            profile: name,
            sources,
            diagnostics: c.diagnostics,
        }
        .into())
    }
}

/// The settings of an optional table: `Some(None)` when it is off, `None` when its checks
/// failed.
fn when<T>(enabled: bool, check: impl FnOnce() -> Option<T>) -> Option<Option<T>> {
    if enabled {
        check().map(Some)
    } else {
        Some(None)
    }
}

fn check_profile(
    c: &mut Checker<'_>,
    name: &str,
    raw: RawProfile,
    env: &BTreeMap<String, String>,
) -> Option<Profile> {
    if raw.is_abstract {
        c.err_help(
            "abstract",
            format!("profile {name} is abstract: it exists to be extended and cannot be rendered"),
            "render a profile that extends it, such as production, staging or dev",
        );
    }
    let app = check_app(c, &raw.app);
    let pull_secret = if raw.registry.pull_secret.is_empty() {
        Some(None)
    } else {
        c.check(
            "registry.pull_secret",
            types::check_subdomain(&raw.registry.pull_secret),
        )
        .map(|()| Some(raw.registry.pull_secret.clone()))
    };
    if raw.registry.host.is_empty() || raw.registry.host.contains(char::is_whitespace) {
        c.err(
            "registry.host",
            "must be a registry host name such as registry.example.com",
        );
    }

    let sqlite = raw.database.engine == DatabaseEngine::Sqlite;
    let config_keys: BTreeSet<String> = raw.config.keys().cloned().collect();
    let secret_keys: BTreeSet<String> = raw
        .secrets
        .required
        .iter()
        .chain(&raw.secrets.optional)
        .cloned()
        .collect();
    let backend = check_workload(c, "backend", &raw.backend, &config_keys, &secret_keys);
    let frontend = check_workload(c, "frontend", &raw.frontend, &config_keys, &secret_keys);
    let backend_max_replicas = check_backend_scaling(c, &raw);
    let postgres = check_postgres(c, &raw);
    let sqlite_ops = check_sqlite(c, &raw);

    let storage = check_storage(c, &raw.storage, &raw.app, sqlite);
    check_backend_mounts(c, &raw);
    let database_url = check_database(c, &raw.database, &raw.storage.data.mount_path);
    let secrets = check_secrets(c, &raw.secrets, &config_keys, raw.app.environment, env);
    let config = check_config(c, &raw, database_url);
    // `[ingress]` holds the routing both the Ingress and the HTTPRoute use.
    let routing = if raw.ingress.enabled || raw.gateway.enabled {
        check_ingress(c, &raw.ingress)
    } else {
        Some(None)
    };
    let gateway = when(raw.gateway.enabled, || {
        check_gateway(c, &raw.gateway, &raw.ingress)
    });
    let (ingress, gateway) = match (routing, gateway) {
        (Some(routing), Some(gateway)) => (
            Some(routing.clone().filter(|_| raw.ingress.enabled)),
            Some(
                gateway
                    .zip(routing)
                    .map(|((attach, by), routing)| GatewayRouting {
                        routing,
                        attach,
                        body_size_enforced_by: by,
                    }),
            ),
        ),
        _ => (None, None),
    };
    let autoscaling = when(raw.autoscaling.enabled, || {
        check_autoscaling(c, &raw.autoscaling)
    });
    let backup = when(raw.backup.enabled, || check_backup(c, &raw));
    let monitoring = when(raw.monitoring.enabled, || check_monitoring(c, &raw));
    let network_policy = when(raw.network_policy.enabled, || {
        check_network_policy(c, &raw.network_policy)
    });
    // Both routes live (the middle of a migration): traffic comes from two edges, and the
    // NetworkPolicies must admit both, or the new route is dropped without a word.
    let np = &raw.network_policy;
    if np.enabled && raw.ingress.enabled && raw.gateway.enabled && np.gateway_namespace.is_none() {
        c.err_help(
            "gateway.enabled",
            format!(
                "the Ingress and the HTTPRoute both serve the host, but the NetworkPolicies admit only network_policy.ingress_controller_namespace ({:?}): the Gateway's proxies would be refused",
                np.ingress_controller_namespace
            ),
            "set network_policy.gateway_namespace to the namespace of the Gateway's proxy pods (the same as ingress_controller_namespace when one controller serves both)",
        );
    }
    let rbac = if raw.rbac.operator {
        // A Role bound to no one grants nothing, and a ServiceAccount made up for people to
        // borrow a token from is a shared credential: the Role is for the people on call,
        // through their identity provider's groups.
        if raw.rbac.operator_groups.is_empty() {
            c.err_help(
                "rbac.operator",
                "the operator Role would be bound to no one: it is bound to the groups in rbac.operator_groups, and there are none",
                "name your identity provider's group of the people on call (rbac.operator_groups = [\"magnetiq-operators\"]), or set rbac.operator = false",
            );
        }
        for (i, g) in raw.rbac.operator_groups.iter().enumerate() {
            if g.trim().is_empty() {
                c.err(
                    &format!("rbac.operator_groups[{i}]"),
                    "a group name must not be empty",
                );
            }
        }
        Some(Rbac {
            operator_groups: raw.rbac.operator_groups.clone(),
        })
    } else {
        None
    };
    let argocd = when(raw.argocd.enabled, || check_argocd(c, &raw.argocd));
    let smoke_test = when(raw.smoke_test.enabled, || check_smoke_test(c, &raw));
    if raw.argocd.enabled && !raw.argocd.keep_on_delete {
        check_ephemeral(c, &raw);
    }

    Some(Profile {
        name: name.to_string(),
        app: app?,
        pull_secret: pull_secret?,
        backend: backend?,
        frontend: frontend?,
        storage: storage?,
        postgres: postgres?,
        sqlite: sqlite_ops?,
        config: config?,
        secrets: secrets?,
        ingress: ingress?,
        gateway: gateway?,
        autoscaling: autoscaling?,
        backend_max_replicas: backend_max_replicas?,
        backup: backup?,
        monitoring: monitoring?,
        network_policy: network_policy?,
        rbac,
        argocd: argocd?,
        smoke_test: smoke_test?,
        extensions: Default::default(),
    })
}

/// An environment deleted with its Application (`argocd.keep_on_delete = false`) must not
/// be production, and must not leave its volumes behind.
fn check_ephemeral(c: &mut Checker<'_>, raw: &model::RawProfile) {
    if raw.app.environment == model::Environment::Production {
        c.err_help(
            "argocd.keep_on_delete",
            "a production environment keeps its data when its Application is deleted: false would let ArgoCD delete the namespace, the database and media volumes with it",
            "keep_on_delete = false is for throwaway environments (app.environment = \"staging\" or \"development\"), such as pull-request previews",
        );
    }
    if raw.storage.provider == model::StorageProvider::Longhorn
        && let Some(l) = &raw.storage.longhorn
        && l.reclaim_policy == model::ReclaimPolicy::Retain
    {
        c.err_help(
            "storage.longhorn.reclaim_policy",
            "an environment deleted with its Application (argocd.keep_on_delete = false) would leave its volumes behind: with Retain, each deleted claim leaves a Released PersistentVolume and its Longhorn volume, holding the data",
            "set storage.longhorn.reclaim_policy = \"Delete\", or keep argocd.keep_on_delete = true",
        );
    }
}

/// `[smoke_test]`: a PostSync hook, which only ArgoCD runs: without `[argocd]` it would be an
/// ordinary Job that runs once, on the first apply, and whose template can never change.
fn check_smoke_test(c: &mut Checker<'_>, raw: &RawProfile) -> Option<SmokeTest> {
    let s = &raw.smoke_test;
    if !raw.argocd.enabled {
        c.err_help(
            "smoke_test.enabled",
            "the smoke test is an ArgoCD PostSync hook, and argocd.enabled is false: nothing would run it after a sync",
            "enable [argocd], or set smoke_test.enabled = false",
        );
    }
    if s.public && !raw.ingress.enabled && !raw.gateway.enabled {
        c.err(
            "smoke_test.public",
            "there is no public route to call: neither [ingress] nor [gateway] is enabled",
        );
    }
    let image = match &s.image {
        Some(i) => c.check("smoke_test.image", Image::parse(i)),
        None => {
            c.err(
                "smoke_test.image",
                "an image with curl is required when the smoke test is enabled",
            );
            None
        }
    };
    let deadline = c.check(
        "smoke_test.deadline_seconds",
        types::parse_range(s.deadline_seconds, 10, 3600, "seconds"),
    );
    Some(SmokeTest {
        image: image?,
        public: s.public,
        deadline_seconds: i64::from(deadline?),
    })
}
