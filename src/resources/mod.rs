//! Building the typed objects from a validated profile. Pure: no I/O, cannot fail.
//!
//! One module per resource family; this module fixes which file each object goes to and
//! the order of the files.

pub mod alerts;
pub mod argocd;
mod config;
pub mod database;
pub mod gateway;
pub mod ingress;
mod namespace;
pub mod network;
pub mod ops;
mod rbac;
pub mod secrets;
pub mod smoke;
pub mod sqlite;
mod storage;
mod workload;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, SeccompProfile, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::manifest::{File, Manifest, Object};
use crate::names::Names;
use crate::profile::Profile;

/// Annotation that keeps ArgoCD from deleting an object, when pruning or when the
/// Application is deleted: for everything that holds data.
pub const KEEP_ON_DELETE: (&str, &str) = (
    "argocd.argoproj.io/sync-options",
    "Prune=false,Delete=false",
);

/// The annotations of an object that holds the environment's data (the Namespace, the
/// volume claims, the Secrets): ArgoCD's `Prune=false,Delete=false`, so neither pruning nor
/// deleting the Application deletes it; in a throwaway environment
/// (`argocd.keep_on_delete = false`) the ephemeral marker instead, so it goes with the
/// Application.
pub(crate) fn data_annotations(p: &Profile) -> BTreeMap<String, String> {
    let (key, value) = if p.argocd.as_ref().is_none_or(|a| a.keep_on_delete) {
        KEEP_ON_DELETE
    } else {
        crate::rules::EPHEMERAL_ANNOTATION
    };
    BTreeMap::from([(key.to_string(), value.to_string())])
}

/// Object metadata with a name, an optional namespace and labels.
pub(crate) fn meta(
    name: &str,
    namespace: Option<&str>,
    labels: BTreeMap<String, String>,
) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(labels),
        ..Default::default()
    }
}

/// A container's security context as the restricted Pod Security Standard wants it (the
/// Namespace enforces that standard): no privilege escalation, no capabilities, non-root;
/// the root filesystem read-only unless a workload's profile says otherwise.
pub(crate) fn hardened_container(read_only_root_filesystem: bool) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(read_only_root_filesystem),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The pod security context of a one-shot pod (a Job's): a fixed non-root identity and
/// the runtime's default seccomp profile.
pub(crate) fn hardened_pod(run_as_user: i64, run_as_group: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(run_as_user),
        run_as_group: Some(run_as_group),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Renders every object for `p`, grouped into files.
pub fn all(p: &Profile) -> Manifest {
    let names = Names::of(p);
    let mut files = Vec::new();
    let mut add = |path: &'static str, objects: Vec<Object>| {
        if !objects.is_empty() {
            files.push(File {
                path: path.into(),
                objects,
            });
        }
    };
    add(
        "namespace.yaml",
        vec![Object::Namespace(namespace::namespace(p, &names))],
    );
    add(
        "storage.yaml",
        storage::storage_class(p)
            .map(Object::StorageClass)
            .into_iter()
            .collect(),
    );
    add("rbac.yaml", rbac::objects(p, &names));
    add(
        "configmap.yaml",
        vec![Object::ConfigMap(config::config_map(p, &names))],
    );
    add(
        "secrets.yaml",
        secrets::object(p, &names).into_iter().collect(),
    );
    add(
        "database/objectstore.yaml",
        database::object_store(p, &names)
            .map(Object::ObjectStore)
            .into_iter()
            .collect(),
    );
    add(
        "database/cluster.yaml",
        database::cluster(p, &names)
            .map(Object::Cluster)
            .into_iter()
            .collect(),
    );
    add(
        "database/pooler.yaml",
        database::pooler(p, &names)
            .map(Object::Pooler)
            .into_iter()
            .collect(),
    );
    add(
        "database/scheduledbackup.yaml",
        database::scheduled_backup(p, &names)
            .map(Object::ScheduledBackup)
            .into_iter()
            .collect(),
    );
    add(
        "database/podmonitor.yaml",
        database::pod_monitor(p, &names)
            .map(Object::PodMonitor)
            .into_iter()
            .collect(),
    );
    add(
        "database/migration-job.yaml",
        database::migration_job(p, &names)
            .map(Object::Job)
            .into_iter()
            .collect(),
    );
    add(
        "backend/pvc.yaml",
        storage::claims(p, &names)
            .into_iter()
            .map(Object::PersistentVolumeClaim)
            .collect(),
    );
    add(
        "database/sqlite-backup.yaml",
        sqlite::policy(p, &names)
            .map(Object::NetworkPolicy)
            .into_iter()
            .chain(sqlite::backup_cron_job(p, &names).map(Object::CronJob))
            .collect(),
    );
    add(
        "backend/service.yaml",
        vec![Object::Service(workload::backend_service(p, &names))],
    );
    add(
        "backend/deployment.yaml",
        vec![Object::Deployment(workload::backend(p, &names))],
    );
    add(
        "backend/hpa.yaml",
        workload::backend_hpa(p, &names)
            .map(Object::HorizontalPodAutoscaler)
            .into_iter()
            .collect(),
    );
    add(
        "backend/pdb.yaml",
        workload::backend_pdb(p, &names)
            .map(Object::PodDisruptionBudget)
            .into_iter()
            .collect(),
    );
    add(
        "frontend/configmap.yaml",
        config::frontend_runtime_config(p, &names)
            .map(Object::ConfigMap)
            .into_iter()
            .collect(),
    );
    add(
        "frontend/service.yaml",
        vec![Object::Service(workload::frontend_service(p, &names))],
    );
    add(
        "frontend/deployment.yaml",
        vec![Object::Deployment(workload::frontend(p, &names))],
    );
    add(
        "frontend/hpa.yaml",
        workload::frontend_hpa(p, &names)
            .map(Object::HorizontalPodAutoscaler)
            .into_iter()
            .collect(),
    );
    add(
        "frontend/pdb.yaml",
        workload::frontend_pdb(p, &names)
            .map(Object::PodDisruptionBudget)
            .into_iter()
            .collect(),
    );
    add(
        "backup.yaml",
        ops::recurring_job(p, &names)
            .map(Object::RecurringJob)
            .into_iter()
            .collect(),
    );
    add(
        "backend/servicemonitor.yaml",
        ops::service_monitor(p, &names)
            .map(Object::ServiceMonitor)
            .into_iter()
            .collect(),
    );
    add(
        "network-policy.yaml",
        network::policies(p, &names)
            .into_iter()
            .map(Object::NetworkPolicy)
            .collect(),
    );
    add("ingress.yaml", ingress::objects(p, &names));
    add(
        "gateway.yaml",
        gateway::gateway(p, &names)
            .map(Object::Gateway)
            .into_iter()
            .collect(),
    );
    add(
        "httproute.yaml",
        gateway::http_routes(p, &names)
            .into_iter()
            .map(Object::HttpRoute)
            .collect(),
    );
    add(
        crate::manifest::HOOKS_FILE,
        smoke::job(p, &names).map(Object::Job).into_iter().collect(),
    );
    add(
        crate::manifest::DRILL_FILE,
        sqlite::restore_drill(p, &names)
            .map(Object::Job)
            .into_iter()
            .collect(),
    );
    add(
        crate::manifest::APPLICATION_FILE,
        argocd::application(p, &names)
            .map(Object::Application)
            .into_iter()
            .collect(),
    );
    // The alerts watch what the files above render (Deployments, claims, autoscalers,
    // certificates), so they come last, before the Application.
    if let Some(rule) = alerts::rule(p, &names, &files) {
        let at = files
            .iter()
            .position(|f| f.path == crate::manifest::APPLICATION_FILE)
            .unwrap_or(files.len());
        files.insert(
            at,
            File {
                path: alerts::FILE.into(),
                objects: vec![Object::PrometheusRule(rule)],
            },
        );
    }
    sync_order(&mut files);
    Manifest {
        profile: p.name.clone(),
        files,
        out_of_band: out_of_band(p, &names),
        acknowledged: ingress::acknowledged(p),
        not_carried_over: ingress::not_carried_over(p),
    }
}

/// What the rendered objects refer to but leave out on purpose: the application's Secret
/// with `secrets.mode = "existing"` and the registry's pull secret. Stated next to [`all`],
/// which decides what is rendered.
fn out_of_band(p: &Profile, names: &Names) -> Vec<crate::manifest::OutOfBand> {
    use crate::manifest::OutOfBand;
    let secret = |name: &str, because| OutOfBand {
        kind: "Secret",
        namespace: names.namespace.clone(),
        name: name.to_string(),
        because,
    };
    let mut out = Vec::new();
    if matches!(p.secrets.source, crate::profile::SecretSource::Existing) {
        out.push(secret(&names.secrets, "secrets.mode = \"existing\""));
    }
    if let Some(pull) = &p.pull_secret {
        out.push(secret(pull, "registry.pull_secret"));
    }
    if let Some(b) = p.postgres.as_ref().and_then(|pg| pg.backup.as_ref()) {
        out.push(secret(
            &b.credentials_secret,
            "database.postgresql.backup.credentials_secret",
        ));
    }
    out
}

/// ArgoCD's sync-wave annotation (argo-cd `docs/user-guide/sync-waves.md`): lower waves are
/// applied first, and the next wave starts only once they are healthy.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// The wave of the objects that make a Secret a workload reads: they must be healthy before
/// the workloads start.
pub const SECRET_SOURCE_WAVE: &str = "-1";

/// What an empty cluster needs on the first sync, which ArgoCD's own order does not give.
///
/// Within a wave ArgoCD applies known kinds in a fixed order and custom resources after all of
/// them, so an ExternalSecret or SealedSecret would be applied after the Deployments that read
/// its Secret (pods stuck in CreateContainerConfigError until it appears), and a CloudNativePG
/// Cluster after the backend that reads the `-app` Secret the operator makes. Those go one wave
/// earlier, so ArgoCD waits for them to be healthy. Claims are not moved: a claim of a
/// WaitForFirstConsumer class stays Pending until a pod uses it, and would hold the wave
/// forever.
///
/// The monitoring objects (ServiceMonitor, PodMonitor, PrometheusRule) are optional extras whose CRDs come with the Prometheus Operator:
/// without them the whole sync would fail its dry run. `SkipDryRunOnMissingResource=true`
/// (argo-cd `docs/user-guide/sync-options.md`, since v1.6) lets the rest of the application
/// sync; only those objects fail until the CRDs exist.
fn sync_order(files: &mut [File]) {
    for o in files.iter_mut().flat_map(|f| f.objects.iter_mut()) {
        let (wave, option) = match o {
            Object::ExternalSecret(_)
            | Object::SealedSecret(_)
            | Object::ObjectStore(_)
            | Object::Cluster(_) => (Some(SECRET_SOURCE_WAVE), None),
            Object::ServiceMonitor(_) | Object::PodMonitor(_) | Object::PrometheusRule(_) => {
                (None, Some("SkipDryRunOnMissingResource=true"))
            }
            _ => (None, None),
        };
        if wave.is_none() && option.is_none() {
            continue;
        }
        let Some(meta) = o.metadata_mut() else {
            continue;
        };
        let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
        if let Some(wave) = wave {
            annotations.insert(SYNC_WAVE.to_string(), wave.to_string());
        }
        if let Some(option) = option {
            let options = annotations.entry(KEEP_ON_DELETE.0.to_string()).or_default();
            if !options.split(',').any(|o| o.trim() == option) {
                if !options.is_empty() {
                    options.push(',');
                }
                options.push_str(option);
            }
        }
    }
}
