//! `[database]` with PostgreSQL: the CloudNativePG cluster, its backups, the migration Job,
//! and what a backend that scales out needs from the rest of the profile.

use super::Checker;
use super::workload::check_resources;
use crate::profile::database::{
    self, MigrationSettings, PgBackupSettings, Postgres, SqliteBackupSettings,
    SqliteImportSettings, SqliteOps, check_destination, check_identifier, check_import_url,
    check_retention, check_schedule, check_sha256,
};
use crate::profile::model::{AccessMode, DatabaseEngine, RawProfile};
use crate::profile::node::join;
use crate::profile::types::{self, Image, Quantity};
use crate::rules::{SINGLE_WRITER_REPLICAS, SINGLE_WRITER_WHY};

/// The longest Cluster name CloudNativePG's admission webhook accepts.
const MAX_CLUSTER_NAME: usize = 50;

/// The PostgreSQL cluster: `Some(None)` with SQLite, `None` when a check failed.
pub(super) fn check_postgres(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Option<Postgres>> {
    let db = &raw.database;
    match (db.engine, &db.postgresql) {
        (DatabaseEngine::Sqlite, None) => Some(None),
        (DatabaseEngine::Sqlite, Some(_)) => {
            c.err_help(
                "database.postgresql",
                "[database.postgresql] is set but database.engine is \"sqlite\", so nothing would use it",
                "set database.engine = \"postgresql\" (and database.driver = \"postgresql+asyncpg\"), or remove the table",
            );
            None
        }
        (DatabaseEngine::Postgresql, None) => {
            c.err_help(
                "database.engine",
                "engine \"postgresql\" needs a [database.postgresql] table",
                "add [database.postgresql] with instances, image, size, database, owner and resources (see profiles/example.toml)",
            );
            None
        }
        (DatabaseEngine::Postgresql, Some(pg)) => check_cluster(c, raw, pg).map(Some),
    }
}

fn check_cluster(
    c: &mut Checker<'_>,
    raw: &RawProfile,
    pg: &database::Postgresql,
) -> Option<Postgres> {
    let at = "database.postgresql";
    // CloudNativePG's webhook refuses a Cluster name above 50 characters ("the maximum
    // length of a cluster name is 50 characters"): the names it derives (`<cluster>-<n>`
    // pods, jobs, replication slots) must fit Kubernetes' and PostgreSQL's limits.
    let cluster = crate::names::Names::new(&raw.app.name, &raw.app.namespace).db;
    if cluster.len() > MAX_CLUSTER_NAME {
        c.err(
            "app.name",
            format!(
                "the PostgreSQL cluster's name {cluster} is {} characters long; CloudNativePG accepts at most {MAX_CLUSTER_NAME}, so app.name may have at most {} with PostgreSQL",
                cluster.len(),
                MAX_CLUSTER_NAME - (cluster.len() - raw.app.name.len())
            ),
        );
    }
    let instances = c.check(
        &format!("{at}.instances"),
        types::parse_range(pg.instances, 1, 9, "instances"),
    );
    let image = c.check(&format!("{at}.image"), pinned_postgres(&pg.image));
    let size = c.check(&format!("{at}.size"), Quantity::parse(&pg.size));
    let wal_size = if pg.wal_size.is_empty() {
        Some(None)
    } else {
        c.check(&format!("{at}.wal_size"), Quantity::parse(&pg.wal_size))
            .map(Some)
    };
    c.check(&format!("{at}.database"), check_identifier(&pg.database));
    c.check(&format!("{at}.owner"), check_identifier(&pg.owner));
    let resources = check_resources(c, at, &pg.resources);
    let pooler_instances = c.check(
        &format!("{at}.pooler_instances"),
        types::parse_range(pg.pooler_instances, 0, 10, "pooler_instances"),
    );
    c.check(
        &format!("{at}.operator_namespace"),
        types::DnsLabel::parse(&pg.operator_namespace).map(|_| ()),
    );
    for (k, v) in &pg.operator_pod_labels {
        let path = join(&format!("{at}.operator_pod_labels"), k);
        if let Err(e) = types::check_label_key(k).and_then(|()| types::check_label_value(v)) {
            c.err(&path, e);
        }
    }
    let backup = match &pg.backup {
        None => Some(None),
        Some(b) => check_pg_backup(c, b).map(Some),
    };
    let migration = match &pg.migration {
        Some(m) if m.enabled => c
            .check(&format!("{at}.migration.image"), Image::parse(&m.image))
            .map(|image| {
                Some(MigrationSettings {
                    image,
                    sqlite_file: raw.database.file.clone(),
                })
            }),
        _ => Some(None),
    };
    Some(Postgres {
        driver: raw.database.driver.clone(),
        instances: instances?,
        image: image?,
        size: size?,
        wal_size: wal_size?,
        database: pg.database.clone(),
        owner: pg.owner.clone(),
        requests: resources.clone()?.0,
        limits: resources?.1,
        pooler_instances: pooler_instances?,
        operator_namespace: pg.operator_namespace.clone(),
        operator_pod_labels: pg
            .operator_pod_labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        backup: backup?,
        migration: migration?,
    })
}

/// `[database.sqlite]`: the app-consistent backup and the initial import. Refused with
/// PostgreSQL, whose cluster has its own backups (`[database.postgresql.backup]`) and whose
/// data arrives through the migration Job.
pub(super) fn check_sqlite(c: &mut Checker<'_>, raw: &RawProfile) -> Option<SqliteOps> {
    let Some(sq) = &raw.database.sqlite else {
        return Some(SqliteOps {
            file: raw.database.file.clone(),
            ..Default::default()
        });
    };
    // The copy comes from the backup's claim, which exists only while the backup is on.
    if let Some(b) = &sq.backup
        && !b.enabled
        && b.restore_from.is_some()
    {
        c.err_help(
            "database.sqlite.backup.restore_from",
            "restore_from names a copy on the backup's claim, and database.sqlite.backup.enabled is false: there is no claim to restore from",
            "set enabled = true (the copies' claim is kept while it is), or remove restore_from",
        );
        return None;
    }
    if raw.database.engine != DatabaseEngine::Sqlite {
        let mut refused = false;
        if sq.backup.as_ref().is_some_and(|b| b.enabled) {
            c.err_help(
                "database.sqlite.backup.enabled",
                "the SQLite backup is enabled but database.engine is \"postgresql\": it would copy a SQLite file the backend no longer uses, while the database's own backups are CloudNativePG's",
                "set database.sqlite.backup.enabled = false (or remove the table), and configure [database.postgresql.backup]",
            );
            refused = true;
        }
        if sq.import.is_some() {
            c.err_help(
                "database.sqlite.import",
                "[database.sqlite.import] is set but database.engine is \"postgresql\": there is no SQLite file to import into",
                "remove the table; with PostgreSQL the data arrives through the migration Job ([database.postgresql.migration])",
            );
            refused = true;
        }
        return (!refused).then(|| SqliteOps {
            file: raw.database.file.clone(),
            ..Default::default()
        });
    }
    let backup = match &sq.backup {
        Some(b) if b.enabled => {
            let at = "database.sqlite.backup";
            let schedule = c.check(
                &format!("{at}.schedule"),
                types::CronSchedule::parse(&b.schedule),
            );
            let keep = c.check(
                &format!("{at}.keep"),
                types::parse_range(b.keep, 1, 90, "keep (copies kept)"),
            );
            let image = c.check(&format!("{at}.image"), Image::parse(&b.image));
            let size = c.check(&format!("{at}.size"), Quantity::parse(&b.size));
            let claim_name = match &b.claim_name {
                None => Some(None),
                Some(n) => c
                    .check(&format!("{at}.claim_name"), types::DnsSubdomain::parse(n))
                    .map(Some),
            };
            let data_claim = raw.storage.data.claim_name.clone().unwrap_or_else(|| {
                crate::names::Names::new(&raw.app.name, &raw.app.namespace).data_pvc
            });
            let media_claim = raw.storage.media.claim_name.clone().unwrap_or_else(|| {
                crate::names::Names::new(&raw.app.name, &raw.app.namespace).media_pvc
            });
            if let Some(n) = &b.claim_name
                && (*n == data_claim || *n == media_claim)
            {
                c.err(
                    &format!("{at}.claim_name"),
                    format!("{n} is already the data or media claim; the copies need a claim of their own"),
                );
            }
            // The backup pod mounts the data claim beside the backend: a ReadWriteOncePod
            // claim admits the backend's pod alone.
            if raw.storage.data.access_mode == AccessMode::ReadWriteOncePod {
                c.err_help(
                    &format!("{at}.enabled"),
                    "the backup pod mounts the data claim next to the backend, and storage.data.access_mode is ReadWriteOncePod, which admits one pod only: the backup would never start",
                    "set storage.data.access_mode = \"ReadWriteOnce\" (one node, which the backup pod shares with the backend), or turn the backup off",
                );
            }
            // A PostSync hook is run by ArgoCD only: without it the drill would be a Job
            // applied once whose template could never change.
            if b.restore_drill && !raw.argocd.enabled {
                c.err_help(
                    &format!("{at}.restore_drill"),
                    "the restore drill is an ArgoCD PostSync hook, and argocd.enabled is false: nothing would run it",
                    "enable [argocd], or set restore_drill = false (a restore itself needs no ArgoCD: restore_from, README: SQLite: backups, restore, import)",
                );
            }
            // The restore container mounts the copies at a fixed path beside the backend's
            // volumes: two mounts at one path would make the API server refuse the pod.
            let source = crate::rules::SQLITE_RESTORE_SOURCE_DIR;
            let overlaps = |m: &str| {
                let m = m.trim_end_matches('/');
                m == source
                    || source.starts_with(&format!("{m}/"))
                    || m.starts_with(&format!("{source}/"))
            };
            if b.restore_from.is_some()
                && (overlaps(&raw.storage.data.mount_path)
                    || overlaps(&raw.storage.media.mount_path))
            {
                c.err(
                    &format!("{at}.restore_from"),
                    format!("the restore mounts the copies at {source}, where the data or media volume is mounted too; move that volume's mount_path"),
                );
            }
            let restore_from = match &b.restore_from {
                None => Some(None),
                Some(f) => c
                    .check(
                        &format!("{at}.restore_from"),
                        crate::profile::database::check_restore_from(f),
                    )
                    .map(Some),
            };
            Some(Some(SqliteBackupSettings {
                restore_from: restore_from?,
                schedule: schedule?,
                keep: keep?,
                image: image?,
                size: size?,
                restore_drill: b.restore_drill,
                claim_name: claim_name?,
            }))
        }
        _ => Some(None),
    };
    let import = match &sq.import {
        None => Some(None),
        Some(i) => {
            let at = "database.sqlite.import";
            let url = c.check(&format!("{at}.url"), check_import_url(&i.url));
            let sha256 = c.check(&format!("{at}.sha256"), check_sha256(&i.sha256));
            let image = c.check(&format!("{at}.image"), Image::parse(&i.image));
            url?;
            Some(Some(SqliteImportSettings {
                url: i.url.clone(),
                sha256: sha256?,
                image: image?,
            }))
        }
    };
    Some(SqliteOps {
        backup: backup?,
        import: import?,
        file: raw.database.file.clone(),
    })
}

/// The PostgreSQL image must name its version: the major version is written into the data
/// directory, and a floating tag (`latest`, `17`) would upgrade it behind the cluster's back.
fn pinned_postgres(s: &str) -> Result<Image, String> {
    let image = Image::parse(s)?;
    let tag = s
        .rsplit_once('/')
        .map_or(s, |(_, last)| last)
        .split_once(':')
        .map(|(_, t)| t.split('@').next().unwrap_or(t));
    let digest = s.contains("@sha256:");
    let versioned = tag.is_some_and(|t| {
        let mut parts = t.split(['.', '-']);
        let major = parts.next().unwrap_or_default();
        let minor = parts.next().unwrap_or_default();
        !major.is_empty()
            && major.chars().all(|c| c.is_ascii_digit())
            && !minor.is_empty()
            && minor.chars().all(|c| c.is_ascii_digit())
    });
    if versioned || digest {
        Ok(image)
    } else {
        Err(format!(
            "{s:?} does not pin a PostgreSQL version: use a major.minor tag such as :17.6 (or a digest); a tag like :17 or :latest moves to new minor releases without a change in Git"
        ))
    }
}

fn check_pg_backup(c: &mut Checker<'_>, b: &database::PgBackup) -> Option<PgBackupSettings> {
    let at = "database.postgresql.backup";
    let dest = c.check(
        &format!("{at}.destination_path"),
        check_destination(&b.destination_path),
    );
    let endpoint = if b.endpoint_url.is_empty() {
        Some(None)
    } else {
        c.check(
            &format!("{at}.endpoint_url"),
            types::check_http_url(&b.endpoint_url),
        )
        .map(|()| Some(b.endpoint_url.clone()))
    };
    let secret = c.check(
        &format!("{at}.credentials_secret"),
        types::check_subdomain(&b.credentials_secret),
    );
    let schedule = c.check(&format!("{at}.schedule"), check_schedule(&b.schedule));
    let retention = c.check(&format!("{at}.retention"), check_retention(&b.retention));
    dest?;
    secret?;
    schedule?;
    retention?;
    Some(PgBackupSettings {
        destination_path: b.destination_path.clone(),
        endpoint_url: endpoint?,
        credentials_secret: b.credentials_secret.clone(),
        schedule: b.schedule.clone(),
        retention: b.retention.clone(),
    })
}

/// The backend HPA's maximum as the profile asks for it: `[autoscaling]` switches both HPAs,
/// so 0 (none) while it is off.
fn backend_hpa_max(raw: &RawProfile) -> i64 {
    if raw.autoscaling.enabled {
        raw.autoscaling.backend_max_replicas
    } else {
        0
    }
}

/// How many backend pods there can be: `backend.replicas`, or the HPA's maximum.
fn most_backend_pods(raw: &RawProfile) -> i64 {
    raw.backend.replicas.max(backend_hpa_max(raw))
}

/// The rules of a backend that scales: with SQLite, one pod (the single-writer rule); with
/// PostgreSQL, as many as asked, provided the media volume can be mounted by all of them.
/// Returns the backend HPA's maximum, if any.
pub(super) fn check_backend_scaling(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Option<i32>> {
    let sqlite = raw.database.engine == DatabaseEngine::Sqlite;
    if sqlite && raw.backend.replicas != i64::from(SINGLE_WRITER_REPLICAS) {
        c.err_help(
            "backend.replicas",
            format!(
                "must be {SINGLE_WRITER_REPLICAS} with SQLite (found {}): {SINGLE_WRITER_WHY}, so \
                 a second pod would either fail to start (Multi-Attach error) or corrupt the \
                 database",
                raw.backend.replicas
            ),
            "set backend.replicas = 1; the backend is rolled out with the Recreate strategy",
        );
    }
    let max = backend_hpa_max(raw);
    let hpa = if max == 0 {
        Some(None)
    } else if sqlite {
        c.err_help(
            "autoscaling.backend_max_replicas",
            format!("the backend cannot be autoscaled with SQLite: {SINGLE_WRITER_WHY}"),
            "set it to 0, or move the database to PostgreSQL (database.engine = \"postgresql\")",
        );
        None
    } else if max < raw.backend.replicas {
        c.err(
            "autoscaling.backend_max_replicas",
            format!(
                "{max} is below backend.replicas ({}), the HPA's minimum",
                raw.backend.replicas
            ),
        );
        None
    } else {
        c.check(
            "autoscaling.backend_max_replicas",
            types::parse_range(max, 2, 1000, "backend_max_replicas"),
        )
        .map(Some)
    };
    // With PostgreSQL the URL carries the password, so it is not in the ConfigMap.
    if !sqlite {
        for (at, w) in [("backend", &raw.backend), ("frontend", &raw.frontend)] {
            if let Some(i) = w.config_keys.iter().position(|k| k == "DATABASE_URL") {
                c.err(
                    &format!("{at}.config_keys[{i}]"),
                    "DATABASE_URL is not in the ConfigMap with PostgreSQL: the backend builds it from the Secret CloudNativePG generates",
                );
            }
        }
    }
    // With PostgreSQL only the media volume is left on a volume: several pods spread over
    // nodes can share it only as ReadWriteMany (Longhorn serves that over NFS).
    if !sqlite
        && most_backend_pods(raw) > 1
        && raw.storage.media.access_mode != AccessMode::ReadWriteMany
    {
        c.err_help(
            "storage.media.access_mode",
            format!(
                "a backend of up to {} pods cannot share a {} media volume: it attaches to one node (a pod elsewhere fails with a Multi-Attach error, and a rolling update waits on it forever)",
                most_backend_pods(raw),
                raw.storage.media.access_mode.as_str()
            ),
            "set storage.media.access_mode = \"ReadWriteMany\" (Longhorn serves it over NFS: every node needs an NFS client), or keep backend.replicas = 1 with no backend autoscaling",
        );
    }
    hpa
}
