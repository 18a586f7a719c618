//! The rendered deployment: typed objects, grouped into the files of the `k8s/` tree.

use serde::Serialize;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};

use crate::crds::argocd::Application;
use crate::crds::cnpg::{Cluster, ObjectStore, PodMonitor, Pooler, ScheduledBackup};
use crate::crds::gateway::{Gateway, HttpRoute};
use crate::crds::longhorn::RecurringJob;
use crate::crds::monitoring::{PrometheusRule, ServiceMonitor};
use crate::crds::secrets::{ExternalSecret, SealedSecret};
use crate::crds::traefik::{Middleware, ServersTransport};

/// The kustomization file of a written tree (not an object: generated from the file list).
pub const KUSTOMIZATION: &str = "kustomization.yaml";

/// The file the ArgoCD Application is written to inside the synced tree; the Application
/// excludes it (and the kustomization) from what it syncs.
pub const APPLICATION_FILE: &str = "argocd-application.yaml";

/// The file of the ArgoCD hooks (the PostSync smoke test). Not in `kustomization.yaml`: only
/// ArgoCD runs hooks; `kubectl apply -k` would create the Job once and then fail on every
/// change of its immutable pod template.
pub const HOOKS_FILE: &str = "smoke-test.yaml";

/// The file of the SQLite restore drill, an ArgoCD `PostSync` hook too: not in
/// `kustomization.yaml`, for the same reason as [`HOOKS_FILE`].
pub const DRILL_FILE: &str = "restore-drill.yaml";

/// One Kubernetes object of a kind magnetiq-gen renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    /// v1 Namespace.
    Namespace(Namespace),
    /// storage.k8s.io/v1 StorageClass.
    StorageClass(StorageClass),
    /// v1 ServiceAccount.
    ServiceAccount(ServiceAccount),
    /// rbac.authorization.k8s.io/v1 Role.
    Role(Role),
    /// rbac.authorization.k8s.io/v1 RoleBinding.
    RoleBinding(RoleBinding),
    /// v1 ConfigMap.
    ConfigMap(ConfigMap),
    /// v1 Secret.
    Secret(Secret),
    /// v1 PersistentVolumeClaim.
    PersistentVolumeClaim(PersistentVolumeClaim),
    /// v1 Service.
    Service(Service),
    /// apps/v1 Deployment.
    Deployment(Deployment),
    /// autoscaling/v2 HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    /// policy/v1 PodDisruptionBudget.
    PodDisruptionBudget(PodDisruptionBudget),
    /// networking.k8s.io/v1 NetworkPolicy.
    NetworkPolicy(NetworkPolicy),
    /// networking.k8s.io/v1 Ingress.
    Ingress(Ingress),
    /// gateway.networking.k8s.io/v1 Gateway.
    Gateway(Gateway),
    /// gateway.networking.k8s.io/v1 HTTPRoute.
    HttpRoute(HttpRoute),
    /// external-secrets.io/v1 ExternalSecret.
    ExternalSecret(ExternalSecret),
    /// bitnami.com/v1alpha1 SealedSecret.
    SealedSecret(SealedSecret),
    /// longhorn.io/v1beta2 RecurringJob.
    RecurringJob(RecurringJob),
    /// monitoring.coreos.com/v1 ServiceMonitor.
    ServiceMonitor(ServiceMonitor),
    /// monitoring.coreos.com/v1 PrometheusRule (the alerts, with `[monitoring]`).
    PrometheusRule(PrometheusRule),
    /// argoproj.io/v1alpha1 Application.
    Application(Application),
    /// traefik.io/v1alpha1 Middleware (Ingress with `ingress.controller = "traefik"`).
    Middleware(Middleware),
    /// traefik.io/v1alpha1 ServersTransport (the Services' forwarding timeouts with
    /// `ingress.controller = "traefik"`).
    ServersTransport(ServersTransport),
    /// postgresql.cnpg.io/v1 Cluster.
    Cluster(Cluster),
    /// postgresql.cnpg.io/v1 Pooler.
    Pooler(Pooler),
    /// postgresql.cnpg.io/v1 ScheduledBackup.
    ScheduledBackup(ScheduledBackup),
    /// barmancloud.cnpg.io/v1 ObjectStore.
    ObjectStore(ObjectStore),
    /// monitoring.coreos.com/v1 PodMonitor.
    PodMonitor(PodMonitor),
    /// batch/v1 CronJob (from a template).
    CronJob(CronJob),
    /// batch/v1 Job (the SQLite-to-PostgreSQL migration, or from a template).
    Job(Job),
    /// apps/v1 StatefulSet (from a template).
    StatefulSet(StatefulSet),
    /// apps/v1 DaemonSet (from a template).
    DaemonSet(DaemonSet),
    /// An object of a kind magnetiq-gen has no type for, from a template, admitted by the
    /// profile's `templates.allow` list.
    Custom(Custom),
}

/// An object of a kind the profile admits by name (`templates.allow`): no typed struct to read
/// it into beyond its metadata, so it is kept as the template wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Custom {
    /// The whole object, `apiVersion` and `kind` included.
    pub value: serde_json::Value,
    /// Its `metadata`, read strictly.
    #[serde(skip)]
    pub metadata: ObjectMeta,
}

impl Custom {
    fn str_at(&self, key: &str) -> &str {
        self.value.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }
}

macro_rules! dispatch {
    ($self:expr, $o:ident => $e:expr) => {
        match $self {
            Object::Namespace($o) => $e,
            Object::StorageClass($o) => $e,
            Object::ServiceAccount($o) => $e,
            Object::Role($o) => $e,
            Object::RoleBinding($o) => $e,
            Object::ConfigMap($o) => $e,
            Object::Secret($o) => $e,
            Object::PersistentVolumeClaim($o) => $e,
            Object::Service($o) => $e,
            Object::Deployment($o) => $e,
            Object::HorizontalPodAutoscaler($o) => $e,
            Object::PodDisruptionBudget($o) => $e,
            Object::NetworkPolicy($o) => $e,
            Object::Ingress($o) => $e,
            Object::Gateway($o) => $e,
            Object::HttpRoute($o) => $e,
            Object::ExternalSecret($o) => $e,
            Object::SealedSecret($o) => $e,
            Object::RecurringJob($o) => $e,
            Object::ServiceMonitor($o) => $e,
            Object::PrometheusRule($o) => $e,
            Object::Application($o) => $e,
            Object::Middleware($o) => $e,
            Object::ServersTransport($o) => $e,
            Object::Cluster($o) => $e,
            Object::Pooler($o) => $e,
            Object::ScheduledBackup($o) => $e,
            Object::ObjectStore($o) => $e,
            Object::PodMonitor($o) => $e,
            Object::CronJob($o) => $e,
            Object::Job($o) => $e,
            Object::StatefulSet($o) => $e,
            Object::DaemonSet($o) => $e,
            Object::Custom(_) => unreachable!("handled before dispatching"),
        }
    };
}

fn kind_of<T: Resource>(_: &T) -> &'static str {
    T::KIND
}

fn api_version_of<T: Resource>(_: &T) -> &'static str {
    T::API_VERSION
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> &str {
        if let Object::Custom(c) = self {
            return c.str_at("kind");
        }
        dispatch!(self, o => kind_of(o))
    }

    /// The object's apiVersion.
    pub fn api_version(&self) -> &str {
        if let Object::Custom(c) = self {
            return c.str_at("apiVersion");
        }
        dispatch!(self, o => api_version_of(o))
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        if let Object::Custom(c) = self {
            return &c.metadata;
        }
        dispatch!(self, o => o.metadata())
    }

    /// The object's metadata, to change: every typed kind (an object of a kind admitted by
    /// `templates.allow` is kept as its template wrote it, and has none to change).
    pub fn metadata_mut(&mut self) -> Option<&mut ObjectMeta> {
        if let Object::Custom(_) = self {
            return None;
        }
        Some(dispatch!(self, o => o.metadata_mut()))
    }

    /// Position in the apply order: namespaces first, then cluster-scoped objects, identities
    /// and permissions, configuration, storage, workloads, and what routes to them.
    pub fn apply_rank(&self) -> u8 {
        match self {
            Object::Namespace(_) => 0,
            Object::StorageClass(_) => 1,
            Object::ServiceAccount(_) => 2,
            Object::Role(_) => 3,
            Object::RoleBinding(_) => 4,
            Object::ConfigMap(_) => 5,
            Object::Secret(_) | Object::ExternalSecret(_) | Object::SealedSecret(_) => 6,
            Object::PersistentVolumeClaim(_) => 7,
            Object::Service(_) => 8,
            Object::Deployment(_)
            | Object::StatefulSet(_)
            | Object::DaemonSet(_)
            | Object::CronJob(_)
            | Object::Job(_) => 9,
            Object::HorizontalPodAutoscaler(_) => 10,
            Object::PodDisruptionBudget(_) => 11,
            Object::NetworkPolicy(_) => 12,
            // A Gateway before the routes that attach to it.
            // A router whose middleware does not exist yet answers errors, so the
            // Middlewares go first (file order within the rank); a Gateway before the routes
            // that attach to it.
            // A Service whose ServersTransport does not exist yet is served without it (no
            // timeout), so it comes with the Middlewares.
            Object::Middleware(_)
            | Object::ServersTransport(_)
            | Object::Ingress(_)
            | Object::Gateway(_) => 13,
            Object::HttpRoute(_) => 14,
            Object::RecurringJob(_) => 7,
            Object::ServiceMonitor(_) | Object::PodMonitor(_) | Object::PrometheusRule(_) => 14,
            Object::Application(_) => 15,
            // The ObjectStore before the Cluster that archives to it; the Cluster (which
            // creates the Secret the backend reads) before the workloads; what uses the
            // Cluster after it (a Job with the Deployments).
            Object::ObjectStore(_) => 7,
            Object::Cluster(_) => 8,
            Object::Pooler(_) => 9,
            Object::ScheduledBackup(_) => 10,
            // What routes or watches the workloads, after them.
            Object::Custom(_) => 14,
        }
    }

    /// Reads an object of a kind magnetiq-gen renders from its JSON form (as parsed from
    /// YAML), checking every field against the typed struct.
    pub fn from_value(value: serde_json::Value) -> Result<Object, String> {
        struct Plain;
        impl ReadTyped for Plain {
            type Error = String;
            fn read<T: serde::de::DeserializeOwned>(
                &mut self,
                v: serde_json::Value,
            ) -> Result<T, String> {
                serde_json::from_value(v).map_err(|e| e.to_string())
            }
            fn unknown_kind(&mut self, kind: &str) -> String {
                format!("kind {kind:?} is not one magnetiq-gen renders")
            }
        }
        Object::read_with(value, &mut Plain)
    }

    /// Reads an object of a kind magnetiq-gen has a type for, with `reader` turning the JSON
    /// into each typed struct (the one list of typed kinds: strict readers share it).
    pub fn read_with<R: ReadTyped>(
        value: serde_json::Value,
        reader: &mut R,
    ) -> Result<Object, R::Error> {
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_string();
        Ok(match kind.as_str() {
            "Namespace" => Object::Namespace(reader.read(value)?),
            "StorageClass" => Object::StorageClass(reader.read(value)?),
            "ServiceAccount" => Object::ServiceAccount(reader.read(value)?),
            "Role" => Object::Role(reader.read(value)?),
            "RoleBinding" => Object::RoleBinding(reader.read(value)?),
            "ConfigMap" => Object::ConfigMap(reader.read(value)?),
            "Secret" => Object::Secret(reader.read(value)?),
            "PersistentVolumeClaim" => Object::PersistentVolumeClaim(reader.read(value)?),
            "Service" => Object::Service(reader.read(value)?),
            "Deployment" => Object::Deployment(reader.read(value)?),
            "HorizontalPodAutoscaler" => Object::HorizontalPodAutoscaler(reader.read(value)?),
            "PodDisruptionBudget" => Object::PodDisruptionBudget(reader.read(value)?),
            "NetworkPolicy" => Object::NetworkPolicy(reader.read(value)?),
            "Ingress" => Object::Ingress(reader.read(value)?),
            "Gateway" => Object::Gateway(reader.read(value)?),
            "HTTPRoute" => Object::HttpRoute(reader.read(value)?),
            "ExternalSecret" => Object::ExternalSecret(reader.read(value)?),
            "SealedSecret" => Object::SealedSecret(reader.read(value)?),
            "RecurringJob" => Object::RecurringJob(reader.read(value)?),
            "ServiceMonitor" => Object::ServiceMonitor(reader.read(value)?),
            "PrometheusRule" => Object::PrometheusRule(reader.read(value)?),
            "Application" => Object::Application(reader.read(value)?),
            "Middleware" => Object::Middleware(reader.read(value)?),
            "ServersTransport" => Object::ServersTransport(reader.read(value)?),
            "Cluster" => Object::Cluster(reader.read(value)?),
            "Pooler" => Object::Pooler(reader.read(value)?),
            "ScheduledBackup" => Object::ScheduledBackup(reader.read(value)?),
            "ObjectStore" => Object::ObjectStore(reader.read(value)?),
            "PodMonitor" => Object::PodMonitor(reader.read(value)?),
            "CronJob" => Object::CronJob(reader.read(value)?),
            "Job" => Object::Job(reader.read(value)?),
            "StatefulSet" => Object::StatefulSet(reader.read(value)?),
            "DaemonSet" => Object::DaemonSet(reader.read(value)?),
            other => return Err(reader.unknown_kind(other)),
        })
    }

    /// `Kind/namespace/name`, for messages and duplicate checks.
    pub fn id(&self) -> String {
        let m = self.metadata();
        format!(
            "{}/{}/{}",
            self.kind(),
            m.namespace.as_deref().unwrap_or(""),
            m.name.as_deref().unwrap_or("")
        )
    }
}

/// Turns an object's JSON into its typed struct, for [`Object::read_with`].
pub trait ReadTyped {
    /// What a refusal is.
    type Error;
    /// Reads `v` as a `T`.
    fn read<T: serde::de::DeserializeOwned>(
        &mut self,
        v: serde_json::Value,
    ) -> Result<T, Self::Error>;
    /// The refusal of a kind with no type.
    fn unknown_kind(&mut self, kind: &str) -> Self::Error;
}

/// One file of the tree and the objects in it.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Path relative to the output directory, with '/' separators (a template's file is
    /// named at run time).
    pub path: std::borrow::Cow<'static, str>,
    /// The objects, in the order written.
    pub objects: Vec<Object>,
}

/// Everything rendered for one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The profile's name.
    pub profile: String,
    /// The files, in a fixed order.
    pub files: Vec<File>,
    /// Objects the rendered ones refer to that are created out of band on purpose, so they
    /// are not in any file (`lint --profile` takes them as present).
    pub out_of_band: Vec<OutOfBand>,
    /// What the profile accepts on purpose that `lint` would otherwise report.
    pub acknowledged: Vec<Acknowledged>,
    /// Profile settings the rendered objects cannot express (a Traefik Ingress has no
    /// per-route timeout): reported by `render` and `lint`, never dropped in silence.
    pub not_carried_over: Vec<NotCarriedOver>,
}

/// A finding the profile accepts on purpose, and the setting that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// The Ingress is for ingress-nginx, retired in March 2026, and the profile says
    /// `ingress.controller = "ingress-nginx"` itself rather than taking the default.
    RetiredIngressNginx,
}

impl Acknowledged {
    /// The note `lint --profile` prints instead of the finding.
    pub fn note(self) -> &'static str {
        match self {
            Acknowledged::RetiredIngressNginx => {
                "acknowledged: the Ingress is for ingress-nginx, retired in March 2026 (ingress.controller = \"ingress-nginx\" is set); see the README, \"Migrating from ingress-nginx to the Gateway API\""
            }
        }
    }
}

/// A profile setting that the rendered objects do not carry, with why and where it goes
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarriedOver {
    /// The setting and its value (`ingress.proxy_timeout_seconds = 600`).
    pub setting: String,
    /// Why it is not rendered, and what to configure instead.
    pub why: &'static str,
}

impl NotCarriedOver {
    /// The note `render` and `lint --profile` print.
    pub fn note(&self) -> String {
        format!("not carried over: {}: {}", self.setting, self.why)
    }
}

/// An object the rendered set refers to but leaves to someone else, and the setting that
/// says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfBand {
    /// The object's kind (`Secret`).
    pub kind: &'static str,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The profile setting that leaves it out (`secrets.mode = "existing"`).
    pub because: &'static str,
}

impl Manifest {
    /// Every object in apply order (stable within a rank: file order).
    pub fn objects_in_apply_order(&self) -> Vec<&Object> {
        let mut all: Vec<&Object> = self.files.iter().flat_map(|f| &f.objects).collect();
        all.sort_by_key(|o| o.apply_rank());
        all
    }
}

/// The directory `render --all` writes next to the profiles' trees for ArgoCD to manage every
/// environment's Application from Git (no profile name starts with '_').
pub const GITOPS_DIR: &str = "_argocd";

/// Inside [`GITOPS_DIR`]: the directory the root Application syncs, one file per environment.
pub const GITOPS_APPS_DIR: &str = "apps";

/// Inside [`GITOPS_DIR`]: the root Application, applied once by hand, outside what it syncs.
pub const ROOT_APPLICATION_FILE: &str = "root-application.yaml";
