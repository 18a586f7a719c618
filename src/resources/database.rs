//! PostgreSQL on CloudNativePG: the Cluster, its PgBouncer Pooler, backups through the
//! barman-cloud plugin, the PodMonitor, the database's NetworkPolicy, the migration Job from
//! SQLite, and how the backend finds the database. Nothing here with SQLite.
//!
//! Facts relied on (CloudNativePG documentation, "Connecting from an application", "Service
//! management", "Security", "Networking"; plugin-barman-cloud documentation, "Usage",
//! "Retention Policies"):
//! - the operator creates the Services `<cluster>-rw` (the primary), `-ro` and `-r`, and for
//!   `bootstrap.initdb.owner` the Secret `<cluster>-app` (type kubernetes.io/basic-auth) with
//!   the keys `username`, `password`, `host`, `port`, `dbname` and `uri`;
//! - instance pods carry `cnpg.io/cluster: <cluster>`, Pooler pods `cnpg.io/poolerName:
//!   <pooler>`; the operator reaches each instance on 8000 (status) and 5432, instances reach
//!   each other on 5432 (streaming replication) and 8000, and the exporter listens on the
//!   container port named `metrics` (9187);
//! - the barman-cloud plugin is named `barman-cloud.cloudnative-pg.io` and reads its object
//!   store from the Cluster's plugin parameter `barmanObjectName`.

use std::collections::BTreeMap;

use k8s_openapi::Resource;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, PersistentVolumeClaimVolumeSource,
    PodSpec, PodTemplateSpec, ResourceRequirements, SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{data_annotations, meta};
use crate::crds::cnpg::{
    Affinity, Bootstrap, Cluster, ClusterSpec, Compression, Initdb, LocalRef, ObjectStore,
    ObjectStoreSpec, Pgbouncer, Plugin, PluginRef, PodMetricsEndpoint, PodMonitor, PodMonitorSpec,
    Pooler, PoolerSpec, Resources, S3Credentials, ScheduledBackup, ScheduledBackupSpec,
    SecretKeyRef, Storage, StoreConfiguration,
};
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::database::Postgres;
use crate::profile::{CpuMemory, Profile};

/// PostgreSQL's port.
pub const POSTGRES_PORT: i32 = 5432;
/// The instance manager's status port, which the operator polls.
const STATUS_PORT: i32 = 8000;
/// The instances' exporter port.
const EXPORTER_PORT: i32 = 9187;
/// The barman-cloud plugin's name.
const BARMAN_PLUGIN: &str = "barman-cloud.cloudnative-pg.io";
/// The label CloudNativePG puts on every instance pod, with the Cluster's name.
pub const CLUSTER_LABEL: &str = "cnpg.io/cluster";
/// The label CloudNativePG puts on every PgBouncer pod, with the Pooler's name.
const POOLER_LABEL: &str = "cnpg.io/poolerName";
/// The keys of the object-store Secret the profile names.
const ACCESS_KEY_ID: &str = "ACCESS_KEY_ID";
const ACCESS_SECRET_KEY: &str = "ACCESS_SECRET_KEY";

fn quantities(c: &CpuMemory) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("cpu".to_string(), c.cpu.as_str().to_string()),
        ("memory".to_string(), c.memory.as_str().to_string()),
    ])
}

fn db_meta(p: &Profile, names: &Names, name: &str) -> ObjectMeta {
    meta(
        name,
        Some(&names.namespace),
        labels::component(p, Component::Database),
    )
}

/// The Cluster. It holds the data, so ArgoCD never prunes or cascade-deletes it (like the
/// claims); the operator's own claims follow the Cluster.
pub fn cluster(p: &Profile, names: &Names) -> Option<Cluster> {
    let pg = p.postgres.as_ref()?;
    let class = p.storage.longhorn.as_ref().map(|l| l.class_name.clone());
    let storage = |size: &str| Storage {
        size: size.to_string(),
        // Unset: the cluster's default StorageClass, as for the app's own claims.
        storage_class: class.clone(),
    };
    let mut metadata = db_meta(p, names, &names.db);
    metadata.annotations = Some(data_annotations(p));
    Some(Cluster {
        api_version: Cluster::API_VERSION.into(),
        kind: Cluster::KIND.into(),
        metadata,
        spec: ClusterSpec {
            instances: pg.instances,
            image_name: pg.image.as_str().into(),
            // No `postgres` superuser password Secret: nothing here needs one, and a Secret
            // that opens everything is one less to leak.
            enable_superuser_access: false,
            // The operator's budgets (the primary, and the replicas one at a time) keep a
            // drain from taking the primary and a replica together. With one instance a
            // budget would forbid every eviction and block drains forever, so it is off:
            // the database is down while its pod moves.
            enable_pdb: crate::rules::cnpg_keeps_budgets(i64::from(pg.instances)),
            storage: storage(pg.size.as_str()),
            wal_storage: pg.wal_size.as_ref().map(|q| storage(q.as_str())),
            resources: Resources {
                requests: quantities(&pg.requests),
                limits: quantities(&pg.limits),
            },
            bootstrap: Bootstrap {
                initdb: Initdb {
                    database: pg.database.clone(),
                    owner: pg.owner.clone(),
                },
            },
            // Instances on different nodes when there are enough: `preferred` still
            // schedules an instance when there are not (a drained node on a three-node
            // cluster), where `required` would leave it pending and the cluster degraded.
            affinity: Affinity {
                enable_pod_anti_affinity: true,
                pod_anti_affinity_type: "preferred".into(),
                topology_key: "kubernetes.io/hostname".into(),
            },
            plugins: pg.backup.as_ref().map(|_| {
                vec![Plugin {
                    name: BARMAN_PLUGIN.into(),
                    is_wal_archiver: true,
                    parameters: BTreeMap::from([(
                        "barmanObjectName".to_string(),
                        names.db_store.clone(),
                    )]),
                }]
            }),
        },
    })
}

/// The PgBouncer Pooler in session mode, when asked for. Session, not transaction, pooling:
/// asyncpg prepares and caches statements per connection, which transaction pooling breaks
/// (a statement prepared on one server connection is run on another).
pub fn pooler(p: &Profile, names: &Names) -> Option<Pooler> {
    let pg = p.postgres.as_ref().filter(|pg| pg.pooler_instances > 0)?;
    Some(Pooler {
        api_version: Pooler::API_VERSION.into(),
        kind: Pooler::KIND.into(),
        metadata: db_meta(p, names, &names.db_pooler),
        spec: PoolerSpec {
            cluster: LocalRef {
                name: names.db.clone(),
            },
            instances: pg.pooler_instances,
            type_: "rw".into(),
            pgbouncer: Pgbouncer {
                pool_mode: "session".into(),
            },
        },
    })
}

/// The barman-cloud ObjectStore: where base backups and WAL go, with credentials by
/// reference only, and the retention window.
pub fn object_store(p: &Profile, names: &Names) -> Option<ObjectStore> {
    let b = p.postgres.as_ref()?.backup.as_ref()?;
    let key = |k: &str| SecretKeyRef {
        name: b.credentials_secret.clone(),
        key: k.into(),
    };
    Some(ObjectStore {
        api_version: ObjectStore::API_VERSION.into(),
        kind: ObjectStore::KIND.into(),
        metadata: db_meta(p, names, &names.db_store),
        spec: ObjectStoreSpec {
            configuration: StoreConfiguration {
                destination_path: b.destination_path.clone(),
                endpoint_url: b.endpoint_url.clone(),
                s3_credentials: S3Credentials {
                    access_key_id: key(ACCESS_KEY_ID),
                    secret_access_key: key(ACCESS_SECRET_KEY),
                },
                wal: Compression {
                    compression: "gzip".into(),
                },
                data: Compression {
                    compression: "gzip".into(),
                },
            },
            retention_policy: b.retention.clone(),
        },
    })
}

/// The scheduled base backup (WAL is archived continuously by the plugin in between).
pub fn scheduled_backup(p: &Profile, names: &Names) -> Option<ScheduledBackup> {
    let b = p.postgres.as_ref()?.backup.as_ref()?;
    Some(ScheduledBackup {
        api_version: ScheduledBackup::API_VERSION.into(),
        kind: ScheduledBackup::KIND.into(),
        metadata: db_meta(p, names, &names.db),
        spec: ScheduledBackupSpec {
            cluster: LocalRef {
                name: names.db.clone(),
            },
            schedule: b.schedule.clone(),
            // A first backup right away: point-in-time recovery needs a base backup to
            // start from, and the first schedule may be a day off.
            immediate: true,
            backup_owner_reference: "self".into(),
            method: "plugin".into(),
            plugin_configuration: PluginRef {
                name: BARMAN_PLUGIN.into(),
            },
        },
    })
}

/// The instances' PodMonitor, with `[monitoring]`.
pub fn pod_monitor(p: &Profile, names: &Names) -> Option<PodMonitor> {
    p.postgres.as_ref()?;
    let m = p.monitoring.as_ref()?;
    let mut labels = labels::component(p, Component::Database);
    labels.extend(m.labels.clone());
    Some(PodMonitor {
        api_version: PodMonitor::API_VERSION.into(),
        kind: PodMonitor::KIND.into(),
        metadata: meta(&names.db, Some(&names.namespace), labels),
        spec: PodMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(instance_labels(names)),
                ..Default::default()
            },
            pod_metrics_endpoints: vec![PodMetricsEndpoint {
                port: "metrics".into(),
                interval: m.interval.clone(),
            }],
        },
    })
}

fn instance_labels(names: &Names) -> BTreeMap<String, String> {
    BTreeMap::from([(CLUSTER_LABEL.to_string(), names.db.clone())])
}

fn peer(namespace: Option<&str>, pods: BTreeMap<String, String>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: namespace.map(|ns| LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                ns.to_string(),
            )])),
            ..Default::default()
        }),
        pod_selector: Some(LabelSelector {
            match_labels: Some(pods),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn tcp(ports: &[i32]) -> Option<Vec<NetworkPolicyPort>> {
    Some(
        ports
            .iter()
            .map(|&n| NetworkPolicyPort {
                protocol: Some("TCP".into()),
                port: Some(IntOrString::Int(n)),
                ..Default::default()
            })
            .collect(),
    )
}

/// Who may connect to the instances: the backend (or the PgBouncer pods in its place) and
/// the migration Job on 5432, the operator on 8000 and 5432, the other instances
/// (replication), Prometheus on the exporter port; nothing else. Ingress only: the instance
/// manager talks to the Kubernetes API and the barman-cloud sidecar to the object store,
/// addresses a namespace-level policy cannot name portably.
pub fn policy(p: &Profile, names: &Names) -> Option<NetworkPolicy> {
    let pg = p.postgres.as_ref()?;
    p.network_policy.as_ref()?;
    let mut clients = vec![
        peer(None, labels::selector(p, Component::Backend)),
        peer(None, labels::selector(p, Component::Migration)),
    ];
    if pg.pooler_instances > 0 {
        clients.push(peer(
            None,
            BTreeMap::from([(POOLER_LABEL.to_string(), names.db_pooler.clone())]),
        ));
    }
    let mut ingress = vec![
        NetworkPolicyIngressRule {
            from: Some(clients),
            ports: tcp(&[POSTGRES_PORT]),
        },
        NetworkPolicyIngressRule {
            from: Some(vec![peer(
                Some(&pg.operator_namespace),
                pg.operator_pod_labels.clone(),
            )]),
            ports: tcp(&[STATUS_PORT, POSTGRES_PORT]),
        },
        NetworkPolicyIngressRule {
            from: Some(vec![peer(None, instance_labels(names))]),
            ports: tcp(&[STATUS_PORT, POSTGRES_PORT]),
        },
    ];
    if let Some(m) = &p.monitoring {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![NetworkPolicyPeer {
                namespace_selector: peer(Some(&m.prometheus_namespace), BTreeMap::new())
                    .namespace_selector,
                ..Default::default()
            }]),
            ports: tcp(&[EXPORTER_PORT]),
        });
    }
    Some(NetworkPolicy {
        metadata: db_meta(p, names, &names.db),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(instance_labels(names)),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(ingress),
            egress: None,
        }),
    })
}

/// The PgBouncer pods' policy: only the backend connects to them (their egress to the
/// instances is left open; the instances' own policy admits them).
pub fn pooler_policy(p: &Profile, names: &Names) -> Option<NetworkPolicy> {
    p.postgres.as_ref().filter(|pg| pg.pooler_instances > 0)?;
    p.network_policy.as_ref()?;
    Some(NetworkPolicy {
        metadata: db_meta(p, names, &names.db_pooler),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    POOLER_LABEL.to_string(),
                    names.db_pooler.clone(),
                )])),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![peer(None, labels::selector(p, Component::Backend))]),
                ports: tcp(&[POSTGRES_PORT]),
            }]),
            egress: None,
        }),
    })
}

/// The peer and port the backend's egress policy allows for the database: the Pooler's pods
/// when there is one, else the instances.
pub fn backend_egress(p: &Profile, names: &Names) -> Option<(NetworkPolicyPeer, i32)> {
    let pg = p.postgres.as_ref()?;
    let pods = if pg.pooler_instances > 0 {
        BTreeMap::from([(POOLER_LABEL.to_string(), names.db_pooler.clone())])
    } else {
        instance_labels(names)
    };
    Some((peer(None, pods), POSTGRES_PORT))
}

fn secret_env(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.into(),
                key: key.into(),
                optional: Some(false),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The user and password from the operator's Secret, first, so that the URL after them can
/// refer to them.
fn credentials(names: &Names) -> [EnvVar; 2] {
    [
        secret_env("DATABASE_USERNAME", &names.db_app_secret, "username"),
        secret_env("DATABASE_PASSWORD", &names.db_app_secret, "password"),
    ]
}

/// The backend's `DATABASE_URL` with PostgreSQL, and the two variables it is built from. The
/// operator's `uri` key says `postgresql://`, but SQLAlchemy's async engine needs the driver
/// in the scheme (`postgresql+asyncpg://`), so the URL is put together in the pod: Kubernetes
/// expands `$(NAME)` of variables defined earlier in the list. No secret is in Git. The
/// password goes into the URL unescaped: right for the letters and digits CloudNativePG is
/// expected to generate, wrong for a password set by hand with `@`, `:` or `/`. Through
/// the Pooler's Service when there is one, else the read-write Service (the primary).
pub fn backend_env(p: &Profile, names: &Names) -> Vec<EnvVar> {
    let Some(pg) = &p.postgres else {
        return Vec::new();
    };
    let host = if pg.pooler_instances > 0 {
        &names.db_pooler
    } else {
        &names.db_rw
    };
    let mut env = credentials(names).to_vec();
    env.push(EnvVar {
        name: "DATABASE_URL".into(),
        value: Some(format!(
            "{}://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@{host}:{POSTGRES_PORT}/{}",
            pg.driver, pg.database
        )),
        ..Default::default()
    });
    env
}

/// The pgloader script: refuse a target that already has tables (a re-run after the switch
/// would otherwise drop what the backend wrote since), then copy every table with its rows,
/// stopping at the first error. `$VAR` (no parentheses) is the shell's, untouched by Kubernetes.
/// pgloader(1) (3.6): `pgloader [option ...] SOURCE TARGET`, `--before` "SQL script to run
/// before loading the data", `--on-error-stop`; it works in `/tmp/pgloader` (an emptyDir here).
fn migration_script(pg: &Postgres, names: &Names, file: &str) -> String {
    format!(
        "set -eu
cat > /tmp/guard.sql <<'SQL'
SELECT 1 / (CASE WHEN EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public') THEN 0 ELSE 1 END) AS target_is_empty;
SQL
exec pgloader --on-error-stop --before /tmp/guard.sql sqlite:///data/{file} \"postgresql://$DATABASE_USERNAME:$DATABASE_PASSWORD@{host}:{POSTGRES_PORT}/{db}\"
",
        host = names.db_rw,
        db = pg.database,
    )
}

/// The one-shot migration Job: reads the SQLite file from the data claim (read-only), writes
/// into the cluster's primary. Never retried (`backoffLimit: 0`): a failed copy is looked at,
/// not repeated. Runs only while the backend no longer mounts the data claim.
pub fn migration_job(p: &Profile, names: &Names) -> Option<Job> {
    let pg = p.postgres.as_ref()?;
    let m = pg.migration.as_ref()?;
    let sec = &p.backend.security;
    let container = Container {
        name: "pgloader".into(),
        image: Some(m.image.as_str().into()),
        command: Some(vec!["sh".into(), "-c".into()]),
        args: Some(vec![migration_script(pg, names, &m.sqlite_file)]),
        env: Some(credentials(names).to_vec()),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_string(), Quantity("250m".into())),
                ("memory".to_string(), Quantity("512Mi".into())),
            ])),
            limits: Some(BTreeMap::from([(
                "memory".to_string(),
                Quantity("2Gi".into()),
            )])),
            ..Default::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "data".into(),
                mount_path: "/data".into(),
                read_only: Some(true),
                ..Default::default()
            },
            VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..Default::default()
            },
        ]),
        security_context: Some(super::hardened_container(true)),
        ..Default::default()
    };
    // No version label: a Job's template is immutable, so a release would make the Job
    // impossible to update.
    let pod_labels = labels::component(p, Component::Migration);
    Some(Job {
        metadata: meta(
            &names.migrate,
            Some(&names.namespace),
            labels::component(p, Component::Migration),
        ),
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    // The backend's ServiceAccount: no API token, no permissions.
                    service_account_name: Some(names.backend.clone()),
                    automount_service_account_token: Some(false),
                    containers: vec![container],
                    volumes: Some(vec![
                        Volume {
                            name: "data".into(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: names.data_pvc.clone(),
                                read_only: Some(true),
                            }),
                            ..Default::default()
                        },
                        Volume {
                            name: "tmp".into(),
                            empty_dir: Some(EmptyDirVolumeSource::default()),
                            ..Default::default()
                        },
                    ]),
                    // The backend's identity, which owns the SQLite file.
                    security_context: Some(super::hardened_pod(sec.run_as_user, sec.run_as_group)),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    })
}
