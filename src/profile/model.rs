//! The profile format as serde reads it: every table strict, every key documented.
//!
//! These types say what a profile may contain. What the values must satisfy (names,
//! quantities, cross-field rules) is checked in `validate.rs`, which turns a
//! [`RawProfile`] into a [`crate::profile::Profile`].

pub use super::database::{Migration, PgBackup, Postgresql, Sqlite, SqliteBackup, SqliteImport};
pub use super::routing::{Gateway, GatewayParent, IngressController, OwnGateway};
pub use super::runtime::RuntimeConfig;
pub use super::smoke::SmokeTest;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole profile after `extends` merging and templating.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
// The schema's title is what editors show for the file: the format's name, not this type's.
#[schemars(title = "magnetiq-gen profile")]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// Name of the profile this one builds on (merged table by table; this file wins).
    #[serde(default)]
    pub extends: Option<String>,
    /// Marks a profile that only exists to be extended; it cannot be rendered itself.
    #[serde(default, rename = "abstract")]
    pub is_abstract: bool,
    /// Marks a reference profile (example.toml): it validates and renders with `--profile`,
    /// but is never deployed: `render --all` and the collision check skip it. Not inherited.
    #[serde(default)]
    pub reference: bool,
    /// Changes to rendered objects the format has no key for (README: "Beyond the profile:
    /// patches and templates").
    #[serde(default)]
    pub patches: Vec<super::extensions::RawPatch>,
    /// Objects from `templates/` the format does not model.
    #[serde(default)]
    pub templates: super::extensions::RawTemplates,
    /// The application and the environment it runs in.
    pub app: App,
    /// The container registry images are pulled from.
    pub registry: Registry,
    /// The FastAPI backend.
    pub backend: Workload,
    /// The React frontend.
    pub frontend: Workload,
    /// Persistent volumes for the database and media files.
    pub storage: Storage,
    /// The database the backend uses.
    pub database: Database,
    /// Entries of the ConfigMap (non-secret settings), as strings.
    #[serde(default)]
    pub config: IndexMap<String, String>,
    /// Which secret keys exist (never their values).
    pub secrets: Secrets,
    /// Public HTTP(S) routing: the host, TLS, backend paths and limits every route uses,
    /// and the Ingress.
    pub ingress: Ingress,
    /// Routing with the Gateway API (an HTTPRoute, and optionally a Gateway) from the host,
    /// TLS, paths and timeout of `[ingress]`.
    #[serde(default)]
    pub gateway: Gateway,
    /// Horizontal Pod Autoscaler for the frontend.
    #[serde(default)]
    pub autoscaling: Autoscaling,
    /// Scheduled Longhorn backups of the volumes.
    #[serde(default)]
    pub backup: Backup,
    /// Prometheus scraping of the backend's metrics.
    #[serde(default)]
    pub monitoring: Monitoring,
    /// NetworkPolicies for both workloads.
    pub network_policy: NetworkPolicy,
    /// ServiceAccounts and the operator Role.
    pub rbac: Rbac,
    /// The ArgoCD Application that deploys the tree.
    pub argocd: Argocd,
    /// The check ArgoCD runs after every sync.
    #[serde(default)]
    pub smoke_test: SmokeTest,
}

/// `[app]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Short name; prefix of every derived object name (`magnetiq` gives `magnetiq-backend`).
    pub name: String,
    /// Human-readable name, exported as `APP_NAME`.
    pub display_name: String,
    /// Namespace everything is deployed into.
    pub namespace: String,
    /// Application version (`2.0.0`), exported as `VERSION` and used in image tags.
    pub version: String,
    /// The environment's tier (production, staging or development): drives policy.
    pub environment: Environment,
    /// The environment's name, its identity (`qa`): a DNS label of at most 20 characters,
    /// unique among the profiles of a directory. Names that must differ between environments
    /// (namespace, ArgoCD Application and path, StorageClass, secret-store key) derive from it
    /// in base.toml. Inherited like any key; when no profile of the chain sets it, the
    /// profile's file name.
    #[serde(default)]
    pub environment_name: Option<String>,
    /// Public host name of the application.
    pub domain: String,
    /// Exported as `DEBUG`.
    #[serde(default)]
    pub debug: bool,
    /// Extra labels on every object (for example `team = "web"`).
    #[serde(default)]
    pub labels: IndexMap<String, String>,
}

/// The kind of environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Production.
    Production,
    /// Staging.
    Staging,
    /// A developer's local cluster.
    Development,
}

impl Environment {
    /// The value exported as `ENVIRONMENT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Development => "development",
        }
    }
}

/// `[registry]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Registry host (`registry.voltaic.systems`), for use in image references.
    pub host: String,
    /// Name of a `kubernetes.io/dockerconfigjson` Secret created out of band; empty for none.
    #[serde(default)]
    pub pull_secret: String,
}

/// `[backend]` and `[frontend]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Full image reference, `registry/repository:tag` or `...@sha256:...`.
    pub image: String,
    /// `Always`, `IfNotPresent` or `Never`.
    #[serde(default = "default_pull_policy")]
    pub image_pull_policy: PullPolicy,
    /// The port the container listens on.
    pub port: i64,
    /// Number of pods (the frontend's is replaced by the autoscaler when that is enabled).
    pub replicas: i64,
    /// CPU and memory requests and limits.
    pub resources: Resources,
    /// Health probes.
    pub probes: Probes,
    /// Export every ConfigMap entry as an environment variable (`envFrom`).
    #[serde(default)]
    pub env_from_config: bool,
    /// ConfigMap keys exported one by one as environment variables.
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// Export every declared secret key as an environment variable.
    #[serde(default)]
    pub all_secrets: bool,
    /// Extra literal environment variables.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Who the container runs as and what it may write.
    #[serde(default)]
    pub security: Security,
    /// The frontend only: a JSON file of settings mounted into the container for the bundle
    /// to fetch (Vite compiles `VITE_*` variables in at build time).
    #[serde(default)]
    pub runtime_config: Option<RuntimeConfig>,
}

/// `[backend.security]`, `[frontend.security]`: the pod and container security context.
/// The defaults pass a security review: a fixed non-root UID, no privilege escalation, no
/// capabilities, the runtime's default seccomp profile and a read-only root filesystem with
/// writable scratch directories only where listed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// UID the container runs as (not 0; 10000 or more keeps clear of host users).
    #[serde(default = "default_id")]
    pub run_as_user: i64,
    /// GID the container runs as.
    #[serde(default = "default_id")]
    pub run_as_group: i64,
    /// Group that owns mounted volumes, so the non-root user can write them.
    #[serde(default = "default_id")]
    pub fs_group: i64,
    /// Mount the image's filesystem read-only.
    #[serde(default = "yes")]
    pub read_only_root_filesystem: bool,
    /// Directories the application writes besides its volumes; each gets an emptyDir.
    #[serde(default = "default_writable")]
    pub writable_paths: Vec<String>,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            run_as_user: default_id(),
            run_as_group: default_id(),
            fs_group: default_id(),
            read_only_root_filesystem: true,
            writable_paths: default_writable(),
        }
    }
}

fn default_id() -> i64 {
    10001
}

fn default_writable() -> Vec<String> {
    vec!["/tmp".to_string()]
}

fn default_pull_policy() -> PullPolicy {
    PullPolicy::IfNotPresent
}

/// Image pull policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PullPolicy {
    /// Always pull.
    Always,
    /// Pull when the node does not have the image.
    IfNotPresent,
    /// Never pull.
    Never,
}

impl PullPolicy {
    /// Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// `resources`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// What the scheduler reserves.
    pub requests: CpuMemory,
    /// The most the container may use.
    pub limits: CpuMemory,
}

/// A CPU and memory pair of Kubernetes quantities.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuMemory {
    /// CPU, e.g. `250m` or `1`.
    pub cpu: String,
    /// Memory, e.g. `512Mi`.
    pub memory: String,
}

/// `probes`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    /// HTTP path every probe requests.
    pub path: String,
    /// Restarts the container when it stops answering.
    pub liveness: Probe,
    /// Takes the pod out of the Service while it cannot serve.
    pub readiness: Probe,
    /// Holds the other probes back until the application has started.
    pub startup: Probe,
}

/// One probe's timing.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Seconds before the first probe.
    #[serde(default)]
    pub initial_delay_seconds: i64,
    /// Seconds between probes.
    pub period_seconds: i64,
    /// Seconds a probe may take.
    pub timeout_seconds: i64,
    /// Failures in a row that count as failed.
    pub failure_threshold: i64,
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// `longhorn` (render a Longhorn StorageClass) or `cluster-default` (use the cluster's
    /// default StorageClass, for kind/k3d).
    pub provider: StorageProvider,
    /// Longhorn settings (used when `provider = "longhorn"`).
    pub longhorn: Option<Longhorn>,
    /// The volume for the SQLite database.
    pub data: Volume,
    /// The volume for uploaded media.
    pub media: Volume,
}

/// Where volumes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StorageProvider {
    /// A Longhorn StorageClass rendered by magnetiq-gen.
    Longhorn,
    /// The cluster's default StorageClass.
    ClusterDefault,
}

/// `[storage.longhorn]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Longhorn {
    /// Name of the StorageClass.
    pub class_name: String,
    /// Replicas Longhorn keeps of each volume.
    pub number_of_replicas: i64,
    /// Minutes before a failed replica is removed.
    pub stale_replica_timeout_minutes: i64,
    /// Disk tags a replica may be placed on.
    #[serde(default)]
    pub disk_selector: Vec<String>,
    /// Node tags a replica may be placed on.
    #[serde(default)]
    pub node_selector: Vec<String>,
    /// Longhorn recurring-job groups every volume of this class joins.
    #[serde(default)]
    pub recurring_job_groups: Vec<String>,
    /// `Retain` or `Delete`.
    pub reclaim_policy: ReclaimPolicy,
    /// `Immediate` or `WaitForFirstConsumer`.
    pub volume_binding_mode: VolumeBindingMode,
    /// Whether PVCs of this class may grow.
    #[serde(default = "yes")]
    pub allow_volume_expansion: bool,
}

fn yes() -> bool {
    true
}

/// StorageClass reclaim policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum ReclaimPolicy {
    /// Keep the volume when its claim is deleted.
    Retain,
    /// Delete the volume with its claim.
    Delete,
}

/// StorageClass binding mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum VolumeBindingMode {
    /// Provision as soon as the claim exists.
    Immediate,
    /// Provision once a pod that uses the claim is scheduled.
    WaitForFirstConsumer,
}

/// `[storage.data]`, `[storage.media]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// Requested size, a Kubernetes quantity (`10Gi`).
    pub size: String,
    /// `ReadWriteOnce`, `ReadWriteOncePod` or `ReadWriteMany`.
    pub access_mode: AccessMode,
    /// Where the backend mounts it (absolute path).
    pub mount_path: String,
    /// The claim's name; default `<app.name>-data-pvc` / `<app.name>-media-pvc`. Set it to
    /// the existing claim's name before renaming the app, so the data stays attached (a
    /// claim cannot be renamed: a new name is a new, empty volume).
    #[serde(default)]
    pub claim_name: Option<String>,
}

/// PVC access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AccessMode {
    /// One node.
    ReadWriteOnce,
    /// One pod.
    ReadWriteOncePod,
    /// Many nodes.
    ReadWriteMany,
}

impl AccessMode {
    /// Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
            AccessMode::ReadWriteMany => "ReadWriteMany",
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// `sqlite` (one backend pod) or `postgresql` (CloudNativePG, `[database.postgresql]`).
    pub engine: DatabaseEngine,
    /// SQLAlchemy driver prefix (`sqlite+aiosqlite`, `postgresql+asyncpg`).
    pub driver: String,
    /// File name of the SQLite database inside the data volume (with PostgreSQL: what the
    /// migration Job reads).
    pub file: String,
    /// The PostgreSQL cluster, with `engine = "postgresql"`.
    #[serde(default)]
    pub postgresql: Option<Postgresql>,
    /// Backups and the initial import of the SQLite file, with `engine = "sqlite"`.
    #[serde(default)]
    pub sqlite: Option<Sqlite>,
}

/// Database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    /// SQLite: one writer, so one backend pod.
    Sqlite,
    /// PostgreSQL on CloudNativePG: the backend may scale out.
    Postgresql,
}

/// `[secrets]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// How the values reach the cluster: `external-secrets` (an ExternalSecret reads them
    /// from your secret store), `sealed` (a SealedSecret carries them encrypted), `existing`
    /// (a Secret created out of band; nothing rendered) or `inline` (read from
    /// `MAGNETIQ_SECRET_<KEY>` environment variables at render time; stdout and the ArgoCD
    /// plugin only, never a committed tree).
    #[serde(default)]
    pub mode: SecretsMode,
    /// Keys the backend cannot start without.
    pub required: Vec<String>,
    /// Keys the backend reads when present.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Settings for `mode = "external-secrets"`.
    #[serde(default)]
    pub external: Option<ExternalSecrets>,
    /// Settings for `mode = "sealed"`.
    #[serde(default)]
    pub sealed: Option<Sealed>,
    /// Add Stakater Reloader's annotation so the backend restarts when the Secret changes
    /// (needs Reloader in the cluster).
    #[serde(default)]
    pub reloader: bool,
}

/// How secret values reach the cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretsMode {
    /// An ExternalSecret (external-secrets.io/v1) syncs them from a secret store.
    ExternalSecrets,
    /// A SealedSecret (bitnami.com/v1alpha1) holds them encrypted.
    Sealed,
    /// A Secret created out of band; nothing is rendered.
    #[default]
    Existing,
    /// Values from the environment at render time (never written to a tree).
    Inline,
}

/// `[secrets.external]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSecrets {
    /// Name of the SecretStore or ClusterSecretStore.
    pub store: String,
    /// `SecretStore` (in the namespace) or `ClusterSecretStore`.
    #[serde(default = "default_store_kind")]
    pub store_kind: StoreKind,
    /// The entry in the store whose properties become the Secret's keys.
    pub remote_key: String,
    /// How often the operator re-reads the store (a Go duration such as `1h`).
    #[serde(default = "default_refresh")]
    pub refresh_interval: String,
}

fn default_store_kind() -> StoreKind {
    StoreKind::ClusterSecretStore
}

fn default_refresh() -> String {
    "1h".into()
}

/// Kind of external-secrets store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum StoreKind {
    /// A store in the application's namespace.
    SecretStore,
    /// A store for the whole cluster.
    ClusterSecretStore,
}

/// `[secrets.sealed]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// Sealing scope the values were encrypted with (`kubeseal --scope`).
    #[serde(default)]
    pub scope: SealScope,
    /// Encrypted values by key, as `kubeseal --raw` prints them.
    pub encrypted: IndexMap<String, String>,
}

/// kubeseal scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SealScope {
    /// Bound to the Secret's name and namespace.
    #[default]
    Strict,
    /// Bound to the namespace.
    NamespaceWide,
    /// Usable anywhere.
    ClusterWide,
}

/// `[ingress]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    /// Render an Ingress at all.
    pub enabled: bool,
    /// The controller that serves the Ingress, which decides how `proxy_body_size`,
    /// `proxy_timeout_seconds` and the HTTPS redirect are expressed: `ingress-nginx`
    /// (annotations; retired by Kubernetes SIG Network in March 2026) or `traefik` (Traefik v3
    /// Middlewares and router annotations). Not set means `ingress-nginx`, and `lint` warns
    /// that it is retired; set `ingress-nginx` explicitly to acknowledge that.
    #[serde(default)]
    pub controller: Option<IngressController>,
    /// IngressClass to use (`nginx`, `traefik`).
    pub class_name: String,
    /// Host name to route.
    pub host: String,
    /// Terminate TLS with a certificate from cert-manager.
    pub tls: bool,
    /// cert-manager ClusterIssuer (when `tls`).
    #[serde(default)]
    pub cluster_issuer: String,
    /// Largest request body (`50m`), for media uploads.
    pub proxy_body_size: String,
    /// Proxy send and read timeout in seconds (connect stays at the nginx default: nginx caps it at 75 s).
    pub proxy_timeout_seconds: i64,
    /// Paths routed to the backend; everything else goes to the frontend.
    pub backend_paths: Vec<IngressPath>,
    /// Extra annotations.
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
}

/// One routed path.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngressPath {
    /// The path, starting with `/`.
    pub path: String,
    /// `Prefix` or `Exact`.
    #[serde(rename = "type")]
    pub path_type: PathType,
}

/// Ingress path type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PathType {
    /// Element-wise prefix.
    Prefix,
    /// Exactly this path.
    Exact,
}

impl PathType {
    /// Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PathType::Prefix => "Prefix",
            PathType::Exact => "Exact",
        }
    }
}

/// `[autoscaling]`
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Autoscaling {
    /// Render a HorizontalPodAutoscaler for the frontend.
    #[serde(default)]
    pub enabled: bool,
    /// Fewest frontend pods.
    #[serde(default)]
    pub min_replicas: i64,
    /// Most frontend pods.
    #[serde(default)]
    pub max_replicas: i64,
    /// Target average CPU use, percent of the request.
    #[serde(default)]
    pub target_cpu_utilization: i64,
    /// Most backend pods: above 0 (and with `enabled`), the backend gets an HPA too, from
    /// `backend.replicas` to this, at the same CPU target (PostgreSQL only). 0 (the
    /// default): none.
    #[serde(default)]
    pub backend_max_replicas: i64,
}

/// `[network_policy]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicy {
    /// Render NetworkPolicies at all.
    pub enabled: bool,
    /// Namespace of the edge's pods (the ingress controller or the Gateway's proxy): traffic
    /// to both workloads is admitted from there.
    pub ingress_controller_namespace: String,
    /// Labels of the edge's pods in that namespace (`app.kubernetes.io/name =
    /// "ingress-nginx"`): when set, only those pods are admitted, not every pod of the
    /// namespace. Empty (the default): the whole namespace.
    #[serde(default)]
    pub edge_pod_labels: IndexMap<String, String>,
    /// CIDRs of the nodes (`10.0.0.0/24`), for an edge controller that runs with
    /// `hostNetwork: true`: its traffic comes from the node's address, which no namespace or
    /// pod selector matches. Each is admitted by an `ipBlock` next to the namespace.
    /// Empty (the default): none.
    #[serde(default)]
    pub edge_node_cidrs: Vec<String>,
    /// Namespace of the Gateway's proxy pods, admitted while `[gateway]` is enabled; then
    /// `ingress_controller_namespace` is admitted only while `[ingress]` is. Unset (the
    /// default): the Gateway's proxies are taken to run in `ingress_controller_namespace`.
    #[serde(default)]
    pub gateway_namespace: Option<String>,
    /// Namespace of the cluster DNS.
    pub dns_namespace: String,
    /// TCP ports the backend may reach outside the cluster (HTTPS APIs, SMTP).
    pub backend_egress_ports: Vec<i64>,
}

/// `[rbac]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rbac {
    /// Render the operator Role and its RoleBinding to `operator_groups` (which must then
    /// name at least one group).
    pub operator: bool,
    /// Groups (from your identity provider) of the people on call, bound to the operator
    /// Role.
    #[serde(default)]
    pub operator_groups: Vec<String>,
}

/// `[argocd]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Argocd {
    /// Render the Application.
    pub enabled: bool,
    /// `directory`: ArgoCD syncs the committed tree at `path`. `plugin`: ArgoCD renders the
    /// profiles at `path` on every sync through the magnetiq-gen Config Management Plugin.
    #[serde(default)]
    pub mode: ArgocdMode,
    /// Application name.
    pub app_name: String,
    /// Namespace ArgoCD runs in.
    pub namespace: String,
    /// ArgoCD project.
    pub project: String,
    /// Git repository holding the rendered tree.
    pub repo_url: String,
    /// Branch, tag or commit to follow.
    pub target_revision: String,
    /// Path of the rendered tree inside the repository.
    pub path: String,
    /// Cluster API server to deploy to.
    pub destination_server: String,
    /// Sync automatically.
    pub automated: bool,
    /// Delete objects that left the tree (with `automated`).
    pub prune: bool,
    /// Undo changes made in the cluster by hand (with `automated`).
    pub self_heal: bool,
    /// Keep the environment's data when its Application is deleted or renamed: the Namespace,
    /// the volume claims and the Secrets carry the sync option `Prune=false,Delete=false`, so
    /// ArgoCD's resources finalizer leaves them. `false` is for throwaway environments such as
    /// pull-request previews, which must disappear whole with their Application: those objects
    /// are then marked `magnetiq.voltaic.systems/ephemeral` instead, and the StorageClass must
    /// delete released volumes (`storage.longhorn.reclaim_policy = "Delete"`). Refused for
    /// `app.environment = "production"`.
    #[serde(default = "yes")]
    pub keep_on_delete: bool,
}

/// How ArgoCD gets the manifests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArgocdMode {
    /// Sync the committed, rendered tree.
    #[default]
    Directory,
    /// Render through the Config Management Plugin.
    Plugin,
}

/// `[backup]`: a Longhorn RecurringJob that backs up the data and media volumes to the
/// cluster's Longhorn backup target.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Render the RecurringJob and join the volumes to it.
    #[serde(default)]
    pub enabled: bool,
    /// When, as a five-field cron expression (UTC), e.g. `0 2 * * *`.
    #[serde(default)]
    pub cron: String,
    /// How many backups Longhorn keeps.
    #[serde(default)]
    pub retain: i64,
    /// The Longhorn recurring-job group the volumes join.
    #[serde(default)]
    pub group: String,
    /// Namespace Longhorn runs in (RecurringJobs live there).
    #[serde(default = "default_longhorn_ns")]
    pub longhorn_namespace: String,
}

fn default_longhorn_ns() -> String {
    "longhorn-system".into()
}

/// `[monitoring]`: a Prometheus Operator ServiceMonitor for the backend.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Render the ServiceMonitor and the metrics port.
    #[serde(default)]
    pub enabled: bool,
    /// HTTP path of the metrics.
    #[serde(default)]
    pub path: String,
    /// Container port serving the metrics; 0 means the backend's own port.
    #[serde(default)]
    pub container_port: i64,
    /// Port number of the `metrics` port the backend Service gets next to its `http` port
    /// (1 to 65535, not the backend's `port`); it forwards to `container_port`. The
    /// ServiceMonitor selects the port by its name and Prometheus scrapes the pods behind it
    /// directly, so the number matters only to clients that reach the metrics through the
    /// Service.
    #[serde(default)]
    pub port: i64,
    /// Scrape interval, e.g. `30s`.
    #[serde(default)]
    pub interval: String,
    /// Namespace Prometheus runs in (allowed through the NetworkPolicy).
    #[serde(default)]
    pub prometheus_namespace: String,
    /// Labels your Prometheus selects ServiceMonitors by (e.g. `release = "prometheus"`).
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// `[monitoring.alerts]`: the PrometheusRule's alerts and thresholds.
    #[serde(default)]
    pub alerts: super::alerts::Alerts,
}
