//! CloudNativePG (postgresql.cnpg.io/v1 Cluster, Pooler, ScheduledBackup), its barman-cloud
//! plugin's ObjectStore (barmancloud.cnpg.io/v1) and the Prometheus Operator's PodMonitor
//! that scrapes the instances: the fields magnetiq-gen sets. Hand-written like the other
//! custom resources here (the generated kcr_* types pull in kube and a k8s-openapi of their
//! own choosing); checked against the upstream CRDs in CI by `.ci/crd-check`
//! (kcr_postgresql_cnpg_io, kcr_barmancloud_cnpg_io, kcr_monitoring_coreos_com), where a
//! misspelt field here fails.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

/// postgresql.cnpg.io/v1 Cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// `postgresql.cnpg.io/v1`.
    pub api_version: String,
    /// `Cluster`.
    pub kind: String,
    /// Name, namespace, labels, ArgoCD's keep-on-delete annotation.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ClusterSpec,
}
custom_resource!(Cluster, "postgresql.cnpg.io", "v1", "Cluster", "clusters");

/// `spec` of a Cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// Instances: one primary, the rest replicas.
    pub instances: i32,
    /// The PostgreSQL image, version pinned.
    pub image_name: String,
    /// Whether the operator keeps a `postgres` superuser password Secret; always false.
    pub enable_superuser_access: bool,
    /// Whether the operator renders its PodDisruptionBudgets.
    #[serde(rename = "enablePDB")]
    pub enable_pdb: bool,
    /// The data volume of each instance.
    pub storage: Storage,
    /// A separate WAL volume of each instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wal_storage: Option<Storage>,
    /// Requests and limits of each instance.
    pub resources: Resources,
    /// How the first instance is created.
    pub bootstrap: Bootstrap,
    /// Scheduling.
    pub affinity: Affinity,
    /// CNPG-I plugins (the barman-cloud WAL archiver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Vec<Plugin>>,
}

/// `spec.storage`, `spec.walStorage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Storage {
    /// Size of the claim.
    pub size: String,
    /// StorageClass; left out for the cluster's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
}

/// `spec.resources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// `cpu` and `memory`.
    pub requests: BTreeMap<String, String>,
    /// `cpu` and `memory`.
    pub limits: BTreeMap<String, String>,
}

/// `spec.bootstrap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bootstrap {
    /// A new, empty cluster.
    pub initdb: Initdb,
}

/// `spec.bootstrap.initdb`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Initdb {
    /// The application database.
    pub database: String,
    /// Its owner; the operator generates the password into `<cluster>-app`.
    pub owner: String,
}

/// `spec.affinity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Affinity {
    /// Keep instances apart.
    pub enable_pod_anti_affinity: bool,
    /// `preferred` or `required`.
    pub pod_anti_affinity_type: String,
    /// What "apart" means: `kubernetes.io/hostname`, another node.
    pub topology_key: String,
}

/// `spec.plugins[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plugin {
    /// The plugin's name (`barman-cloud.cloudnative-pg.io`).
    pub name: String,
    /// Whether it archives the WAL.
    #[serde(rename = "isWALArchiver")]
    pub is_wal_archiver: bool,
    /// Plugin parameters (`barmanObjectName`).
    pub parameters: BTreeMap<String, String>,
}

/// postgresql.cnpg.io/v1 Pooler: PgBouncer in front of a Cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pooler {
    /// `postgresql.cnpg.io/v1`.
    pub api_version: String,
    /// `Pooler`.
    pub kind: String,
    /// Name (also its Service's), namespace, labels.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: PoolerSpec,
}
custom_resource!(Pooler, "postgresql.cnpg.io", "v1", "Pooler", "poolers");

/// `spec` of a Pooler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolerSpec {
    /// The Cluster it pools.
    pub cluster: LocalRef,
    /// PgBouncer pods.
    pub instances: i32,
    /// `rw`: to the primary.
    #[serde(rename = "type")]
    pub type_: String,
    /// PgBouncer settings.
    pub pgbouncer: Pgbouncer,
}

/// `spec.pgbouncer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pgbouncer {
    /// `session` or `transaction`.
    pub pool_mode: String,
}

/// A reference by name in the same namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalRef {
    /// The name.
    pub name: String,
}

/// postgresql.cnpg.io/v1 ScheduledBackup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduledBackup {
    /// `postgresql.cnpg.io/v1`.
    pub api_version: String,
    /// `ScheduledBackup`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ScheduledBackupSpec,
}
custom_resource!(
    ScheduledBackup,
    "postgresql.cnpg.io",
    "v1",
    "ScheduledBackup",
    "scheduledbackups"
);

/// `spec` of a ScheduledBackup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduledBackupSpec {
    /// The Cluster to back up.
    pub cluster: LocalRef,
    /// Six-field cron schedule, seconds first.
    pub schedule: String,
    /// Take the first backup as soon as the object exists.
    pub immediate: bool,
    /// Who owns the Backup objects it creates: `self`, so they go with it.
    pub backup_owner_reference: String,
    /// `plugin`.
    pub method: String,
    /// The plugin that takes the backup.
    pub plugin_configuration: PluginRef,
}

/// `spec.pluginConfiguration` of a ScheduledBackup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginRef {
    /// The plugin's name.
    pub name: String,
}

/// barmancloud.cnpg.io/v1 ObjectStore: where the barman-cloud plugin writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStore {
    /// `barmancloud.cnpg.io/v1`.
    pub api_version: String,
    /// `ObjectStore`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ObjectStoreSpec,
}
custom_resource!(
    ObjectStore,
    "barmancloud.cnpg.io",
    "v1",
    "ObjectStore",
    "objectstores"
);

/// `spec` of an ObjectStore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStoreSpec {
    /// Destination and credentials.
    pub configuration: StoreConfiguration,
    /// Recovery window (`30d`): older backups and WAL are deleted.
    pub retention_policy: String,
}

/// `spec.configuration` of an ObjectStore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreConfiguration {
    /// `s3://bucket/path`.
    pub destination_path: String,
    /// An S3-compatible endpoint.
    #[serde(
        rename = "endpointURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub endpoint_url: Option<String>,
    /// Keys of a Secret created out of band.
    pub s3_credentials: S3Credentials,
    /// WAL archiving.
    pub wal: Compression,
    /// Base backups.
    pub data: Compression,
}

/// `spec.configuration.s3Credentials`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3Credentials {
    /// The access key id.
    pub access_key_id: SecretKeyRef,
    /// The secret access key.
    pub secret_access_key: SecretKeyRef,
}

/// A key of a Secret in the namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// The Secret.
    pub name: String,
    /// The key.
    pub key: String,
}

/// `wal` and `data` of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Compression {
    /// `gzip`.
    pub compression: String,
}

/// monitoring.coreos.com/v1 PodMonitor: scrapes the instances' exporter (CloudNativePG's own
/// `spec.monitoring.enablePodMonitor` is deprecated upstream in favour of one written by hand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMonitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `PodMonitor`.
    pub kind: String,
    /// Name, namespace, the labels Prometheus selects by.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: PodMonitorSpec,
}
custom_resource!(
    PodMonitor,
    "monitoring.coreos.com",
    "v1",
    "PodMonitor",
    "podmonitors"
);

/// `spec` of a PodMonitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMonitorSpec {
    /// The pods.
    pub selector: LabelSelector,
    /// Their named port.
    pub pod_metrics_endpoints: Vec<PodMetricsEndpoint>,
}

/// `spec.podMetricsEndpoints[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMetricsEndpoint {
    /// Container port name.
    pub port: String,
    /// Interval.
    pub interval: String,
}
