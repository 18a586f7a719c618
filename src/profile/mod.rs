//! Profiles: the TOML files that describe one environment.
//!
//! profile TOML → [`model::RawProfile`] (serde, strict) → [`Profile`] (validated, defaults
//! resolved, `extends` merged, `{{ }}` references resolved). After a [`Profile`] exists,
//! rendering cannot fail.

pub mod alerts;
pub mod cron;
pub mod database;
pub mod environments;
pub mod extensions;
pub mod load;
pub mod model;
pub mod node;
mod routing;
mod runtime;
pub mod schema;
mod smoke;
pub mod template;
pub mod types;
mod validate;

use std::collections::BTreeMap;

pub use load::{DirStore, MemStore, ProfileStore};
pub use model::{
    AccessMode, ArgocdMode, Environment, IngressController, PathType, PullPolicy, ReclaimPolicy,
    VolumeBindingMode,
};
pub use types::{DnsLabel, HttpPath, Image, Quantity};

/// A validated profile: everything rendering needs, all of it valid.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Name of the profile (file stem), named in generated headers.
    pub name: String,
    /// The application.
    pub app: App,
    /// Image pull Secret, if any.
    pub pull_secret: Option<String>,
    /// The FastAPI backend.
    pub backend: Workload,
    /// The React frontend.
    pub frontend: Workload,
    /// Volumes.
    pub storage: Storage,
    /// PostgreSQL on CloudNativePG; `None` with SQLite.
    pub postgres: Option<database::Postgres>,
    /// SQLite's backup and initial import (both off with PostgreSQL).
    pub sqlite: database::SqliteOps,
    /// Every ConfigMap entry, derived ones included, sorted.
    pub config: BTreeMap<String, String>,
    /// Declared secret keys.
    pub secrets: Secrets,
    /// Ingress, when enabled.
    pub ingress: Option<Ingress>,
    /// Gateway API routing, when enabled.
    pub gateway: Option<GatewayRouting>,
    /// Frontend autoscaling, when enabled.
    pub autoscaling: Option<Autoscaling>,
    /// The backend's HPA maximum, when it has one (PostgreSQL only).
    pub backend_max_replicas: Option<i32>,
    /// Scheduled backups, when enabled.
    pub backup: Option<Backup>,
    /// Metrics scraping, when enabled.
    pub monitoring: Option<Monitoring>,
    /// NetworkPolicies, when enabled.
    pub network_policy: Option<NetworkPolicy>,
    /// Operator RBAC, when enabled.
    pub rbac: Option<Rbac>,
    /// ArgoCD Application, when enabled.
    pub argocd: Option<Argocd>,
    /// The PostSync smoke test, when enabled.
    pub smoke_test: Option<SmokeTest>,
    /// Patches and templates, applied to the rendered objects by the `extend` module.
    pub extensions: extensions::Extensions,
}

/// `[smoke_test]`, validated.
#[derive(Debug, Clone)]
pub struct SmokeTest {
    /// The image with curl.
    pub image: Image,
    /// Also call the public host.
    pub public: bool,
    /// The Job's `activeDeadlineSeconds`.
    pub deadline_seconds: i64,
}

/// `[app]`, validated.
#[derive(Debug, Clone)]
pub struct App {
    /// Prefix of derived names.
    pub name: DnsLabel,
    /// Namespace.
    pub namespace: DnsLabel,
    /// Version (valid as a label value).
    pub version: String,
    /// The tier: production, staging or development.
    pub environment: Environment,
    /// The environment's identity, unique among the profiles of a directory.
    pub environment_name: DnsLabel,
    /// Extra labels for every object.
    pub labels: BTreeMap<String, String>,
}

/// A workload, validated.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Image reference.
    pub image: Image,
    /// Pull policy.
    pub pull_policy: PullPolicy,
    /// Container port.
    pub port: i32,
    /// Replicas (for the frontend: ignored when autoscaling is enabled).
    pub replicas: i32,
    /// Requests.
    pub requests: CpuMemory,
    /// Limits.
    pub limits: CpuMemory,
    /// Probe path.
    pub probe_path: HttpPath,
    /// Liveness probe.
    pub liveness: Probe,
    /// Readiness probe.
    pub readiness: Probe,
    /// Startup probe.
    pub startup: Probe,
    /// envFrom the whole ConfigMap.
    pub env_from_config: bool,
    /// ConfigMap keys exported one by one.
    pub config_keys: Vec<String>,
    /// Export every declared secret key.
    pub all_secrets: bool,
    /// Literal environment variables, in the order written.
    pub env: Vec<(String, String)>,
    /// Security context.
    pub security: Security,
    /// The runtime configuration file (frontend only): where it is mounted, and its JSON.
    pub runtime_config: Option<RuntimeConfigFile>,
}

/// A runtime configuration file, validated and rendered to its content.
#[derive(Debug, Clone)]
pub struct RuntimeConfigFile {
    /// Absolute path of the file in the container.
    pub path: String,
    /// Its file name: the ConfigMap key it is stored under.
    pub file_name: String,
    /// The JSON text (an object of strings in the profile's order, newline-terminated).
    pub json: String,
}

/// Security context, validated.
#[derive(Debug, Clone)]
pub struct Security {
    /// UID (never 0).
    pub run_as_user: i64,
    /// GID.
    pub run_as_group: i64,
    /// Volume group.
    pub fs_group: i64,
    /// Read-only root filesystem.
    pub read_only_root_filesystem: bool,
    /// Writable scratch directories (absolute).
    pub writable_paths: Vec<String>,
}

/// CPU and memory quantities.
#[derive(Debug, Clone)]
pub struct CpuMemory {
    /// CPU.
    pub cpu: Quantity,
    /// Memory.
    pub memory: Quantity,
}

/// Probe timing, validated.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// Seconds before the first probe.
    pub initial_delay_seconds: i32,
    /// Seconds between probes.
    pub period_seconds: i32,
    /// Timeout.
    pub timeout_seconds: i32,
    /// Failures before failing.
    pub failure_threshold: i32,
}

/// Storage, validated.
#[derive(Debug, Clone)]
pub struct Storage {
    /// The Longhorn StorageClass, or `None` for the cluster default.
    pub longhorn: Option<Longhorn>,
    /// Database volume.
    pub data: Volume,
    /// Media volume.
    pub media: Volume,
}

/// Longhorn StorageClass, validated.
#[derive(Debug, Clone)]
pub struct Longhorn {
    /// Class name.
    pub class_name: String,
    /// Replicas per volume.
    pub number_of_replicas: i32,
    /// Minutes.
    pub stale_replica_timeout_minutes: i32,
    /// Disk tags.
    pub disk_selector: Vec<String>,
    /// Node tags.
    pub node_selector: Vec<String>,
    /// Recurring job groups.
    pub recurring_job_groups: Vec<String>,
    /// Reclaim policy.
    pub reclaim_policy: ReclaimPolicy,
    /// Binding mode.
    pub volume_binding_mode: VolumeBindingMode,
    /// Expansion.
    pub allow_volume_expansion: bool,
}

/// A volume, validated.
#[derive(Debug, Clone)]
pub struct Volume {
    /// Size.
    pub size: Quantity,
    /// Access mode.
    pub access_mode: AccessMode,
    /// Mount path.
    pub mount_path: String,
    /// The claim's name when the profile pins it (else derived from `app.name`).
    pub claim_name: Option<types::DnsSubdomain>,
}

/// Secret keys and how their values reach the cluster.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// Required keys.
    pub required: Vec<String>,
    /// Optional keys.
    pub optional: Vec<String>,
    /// The delivery.
    pub source: SecretSource,
    /// Restart the backend through Stakater Reloader when the Secret changes.
    pub reloader: bool,
}

/// Where secret values come from, validated.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// An ExternalSecret.
    External {
        /// Store name.
        store: String,
        /// Store kind.
        store_kind: model::StoreKind,
        /// Remote entry.
        remote_key: String,
        /// Refresh interval.
        refresh_interval: String,
    },
    /// A SealedSecret.
    Sealed {
        /// Scope.
        scope: model::SealScope,
        /// Encrypted values.
        encrypted: BTreeMap<String, String>,
    },
    /// Created out of band.
    Existing,
    /// Plain values from the environment.
    Inline(SecretValues),
}

/// Plain secret values. Its `Debug` shows the keys only, so no log or panic can print a value.
#[derive(Clone, Default)]
pub struct SecretValues(pub BTreeMap<String, String>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The environment variable prefix `inline` secrets are read from.
pub const SECRET_ENV_PREFIX: &str = "MAGNETIQ_SECRET_";

/// Ingress, validated.
#[derive(Debug, Clone)]
pub struct Ingress {
    /// The controller whose dialect the Ingress speaks.
    pub controller: IngressController,
    /// Whether the profile names the controller itself (`ingress.controller` set), rather
    /// than taking the default: for ingress-nginx, the acknowledgement that it is retired.
    pub controller_chosen: bool,
    /// IngressClass.
    pub class_name: String,
    /// Host.
    pub host: types::Host,
    /// cert-manager ClusterIssuer when TLS is on.
    pub tls_issuer: Option<String>,
    /// Body size, as written (nginx syntax).
    pub proxy_body_size: String,
    /// The same size in bytes (nginx's k, m and g are powers of 1024); 0 means no limit.
    pub proxy_body_bytes: i64,
    /// Timeout in seconds.
    pub proxy_timeout_seconds: i32,
    /// Backend paths.
    pub backend_paths: Vec<(HttpPath, PathType)>,
    /// Extra annotations.
    pub annotations: BTreeMap<String, String>,
}

/// Gateway API routing, validated. Host, TLS, paths and timeout are `[ingress]`'s, stated
/// once there and validated by the same checks.
#[derive(Debug, Clone)]
pub struct GatewayRouting {
    /// Host, TLS issuer, paths, timeout, body size.
    pub routing: Ingress,
    /// Where the HTTPRoute attaches.
    pub attach: GatewayAttach,
    /// What enforces the body size limit, if anything.
    pub body_size_enforced_by: Option<String>,
}

/// Where the HTTPRoute attaches.
#[derive(Debug, Clone)]
pub enum GatewayAttach {
    /// A Gateway the platform team owns.
    Parent {
        /// Gateway name.
        name: String,
        /// Gateway namespace.
        namespace: String,
        /// Listener name.
        section_name: String,
    },
    /// A Gateway this deployment renders, of this GatewayClass.
    Own {
        /// GatewayClass name.
        class_name: String,
    },
}

/// Autoscaling, validated.
#[derive(Debug, Clone, Copy)]
pub struct Autoscaling {
    /// Min.
    pub min_replicas: i32,
    /// Max.
    pub max_replicas: i32,
    /// CPU target percent.
    pub target_cpu_utilization: i32,
}

/// NetworkPolicy settings, validated.
#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    /// The edge's namespace (ingress controller or Gateway proxy).
    pub ingress_controller_namespace: String,
    /// Labels of the edge's pods there; empty admits the whole namespace.
    pub edge_pod_labels: BTreeMap<String, String>,
    /// Node CIDRs admitted for a host-network edge controller.
    pub edge_node_cidrs: Vec<String>,
    /// The Gateway proxies' namespace, when not the ingress controller's.
    pub gateway_namespace: Option<String>,
    /// DNS namespace.
    pub dns_namespace: String,
    /// External TCP ports for the backend.
    pub backend_egress_ports: Vec<i32>,
}

/// Operator RBAC.
#[derive(Debug, Clone)]
pub struct Rbac {
    /// The groups bound to the operator Role (at least one).
    pub operator_groups: Vec<String>,
}

/// ArgoCD Application settings, validated.
#[derive(Debug, Clone)]
pub struct Argocd {
    /// Directory or plugin source.
    pub mode: ArgocdMode,
    /// Application name.
    pub app_name: String,
    /// ArgoCD namespace.
    pub namespace: String,
    /// Project.
    pub project: String,
    /// Repository.
    pub repo_url: types::RepoUrl,
    /// Revision.
    pub target_revision: String,
    /// Path.
    pub path: String,
    /// Destination server.
    pub destination_server: String,
    /// Automated sync.
    pub automated: bool,
    /// Prune.
    pub prune: bool,
    /// Self-heal.
    pub self_heal: bool,
    /// Whether data objects survive the Application's deletion (`false`: an ephemeral
    /// environment).
    pub keep_on_delete: bool,
}

/// Loads and validates profile `name` from `store`.
pub fn load(store: &dyn ProfileStore, name: &str) -> crate::Result<Profile> {
    load_with(store, name, &[])
}

/// Loads profile `name`, applies `--set key.path=value` overrides, and validates the result.
pub fn load_with(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
) -> crate::Result<Profile> {
    load_full(store, name, overrides, &BTreeMap::new())
}

/// Like [`load_with`], with the environment `inline` secrets are read from
/// (`MAGNETIQ_SECRET_<KEY>` variables; others are ignored).
pub fn load_full(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
    env: &BTreeMap<String, String>,
) -> crate::Result<Profile> {
    let loaded = load::load_with(store, name, overrides)?;
    validate::validate(loaded, env)
}

/// Validates a profile read by [`load::load_with`], with the environment `inline` secrets are
/// read from.
pub fn validate_loaded(
    loaded: load::Loaded,
    env: &BTreeMap<String, String>,
) -> crate::Result<Profile> {
    validate::validate(loaded, env)
}

/// Scheduled backups, validated.
#[derive(Debug, Clone)]
pub struct Backup {
    /// RecurringJob name (at most 40 characters, a Longhorn limit).
    pub name: String,
    /// Cron expression.
    pub cron: types::CronSchedule,
    /// Backups kept.
    pub retain: i32,
    /// Group the volumes join.
    pub group: String,
    /// Longhorn's namespace.
    pub longhorn_namespace: String,
}

/// Metrics scraping, validated.
#[derive(Debug, Clone)]
pub struct Monitoring {
    /// Path.
    pub path: String,
    /// Separate container port, if any.
    pub container_port: Option<i32>,
    /// Service port.
    pub port: i32,
    /// Interval.
    pub interval: String,
    /// Prometheus namespace.
    pub prometheus_namespace: String,
    /// ServiceMonitor labels.
    pub labels: BTreeMap<String, String>,
    /// The alerts, when enabled.
    pub alerts: Option<alerts::AlertSettings>,
}

impl crate::names::Names {
    /// Every name derived from a validated profile: [`crate::names::Names::new`] from
    /// `app.name` and `app.namespace`, with the claim names the profile pins.
    pub fn of(p: &Profile) -> Self {
        let mut names = Self::new(p.app.name.as_str(), p.app.namespace.as_str());
        if let Some(n) = &p.storage.data.claim_name {
            names.data_pvc = n.to_string();
        }
        if let Some(n) = &p.storage.media.claim_name {
            names.media_pvc = n.to_string();
        }
        if let Some(n) = p.sqlite.backup.as_ref().and_then(|b| b.claim_name.as_ref()) {
            names.sqlite_backups = n.to_string();
        }
        names
    }
}
