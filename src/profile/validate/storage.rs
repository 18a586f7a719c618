//! `[storage]` and `[database]`: the StorageClass, the two volumes, and the database URL.

use super::Checker;
use crate::names::Names;
use crate::profile::model::{self, StorageProvider};
use crate::profile::types::{self, DnsSubdomain, Quantity, mount_point};
use crate::profile::*;

pub(super) fn check_storage(
    c: &mut Checker<'_>,
    s: &model::Storage,
    app: &model::App,
    sqlite: bool,
) -> Option<Storage> {
    let longhorn = match (s.provider, &s.longhorn) {
        (StorageProvider::ClusterDefault, _) => Some(None),
        (StorageProvider::Longhorn, None) => {
            c.err_help(
                "storage.provider",
                "provider \"longhorn\" needs a [storage.longhorn] table",
                "add [storage.longhorn] with class_name, number_of_replicas, stale_replica_timeout_minutes, reclaim_policy and volume_binding_mode",
            );
            None
        }
        (StorageProvider::Longhorn, Some(l)) => check_longhorn(c, l).map(Some),
    };
    let data = check_volume(c, "storage.data", &s.data);
    let media = check_volume(c, "storage.media", &s.media);
    if sqlite && s.data.access_mode == model::AccessMode::ReadWriteMany {
        c.err(
            "storage.data.access_mode",
            "SQLite must not live on a ReadWriteMany volume: Longhorn serves those over NFS, where SQLite's file locks are unreliable and the database can be corrupted; use ReadWriteOnce",
        );
    }
    let (d, m) = (
        mount_point(&s.data.mount_path),
        mount_point(&s.media.mount_path),
    );
    if d == m || d.starts_with(&format!("{m}/")) || m.starts_with(&format!("{d}/")) {
        c.err(
            "storage.media.mount_path",
            format!(
                "{m} overlaps the data volume's mount path {d}; give each volume its own directory"
            ),
        );
    }
    // The claims' names, pinned or derived: two volumes cannot be one claim.
    let derived = Names::new(&app.name, &app.namespace);
    let data_claim = s.data.claim_name.as_deref().unwrap_or(&derived.data_pvc);
    let media_claim = s.media.claim_name.as_deref().unwrap_or(&derived.media_pvc);
    if data_claim == media_claim {
        // Point at the name the profile pinned (the other one may be derived).
        let at = if s.media.claim_name.is_some() {
            "storage.media.claim_name"
        } else {
            "storage.data.claim_name"
        };
        c.err(
            at,
            format!(
                "the data and media volumes would both be the claim {data_claim}; give each its own"
            ),
        );
    }
    Some(Storage {
        longhorn: longhorn?,
        data: data?,
        media: media?,
    })
}

fn check_longhorn(c: &mut Checker<'_>, l: &model::Longhorn) -> Option<Longhorn> {
    let class = c.check(
        "storage.longhorn.class_name",
        types::check_subdomain(&l.class_name),
    );
    let replicas = c.check(
        "storage.longhorn.number_of_replicas",
        types::parse_range(l.number_of_replicas, 1, 20, "number_of_replicas"),
    );
    let stale = c.check(
        "storage.longhorn.stale_replica_timeout_minutes",
        types::parse_range(
            l.stale_replica_timeout_minutes,
            1,
            525_600,
            "stale_replica_timeout_minutes",
        ),
    );
    for (field, tags) in [
        ("disk_selector", &l.disk_selector),
        ("node_selector", &l.node_selector),
        ("recurring_job_groups", &l.recurring_job_groups),
    ] {
        for (i, t) in tags.iter().enumerate() {
            if t.is_empty() || t.contains([',', '"', '\\']) || t.contains(char::is_whitespace) {
                c.err(
                    &format!("storage.longhorn.{field}[{i}]"),
                    format!(
                        "{t:?} is not a Longhorn tag or group name (no spaces, commas or quotes)"
                    ),
                );
            }
        }
    }
    Some(Longhorn {
        class_name: class.map(|()| l.class_name.clone())?,
        number_of_replicas: replicas?,
        stale_replica_timeout_minutes: stale?,
        disk_selector: l.disk_selector.clone(),
        node_selector: l.node_selector.clone(),
        recurring_job_groups: l.recurring_job_groups.clone(),
        reclaim_policy: l.reclaim_policy,
        volume_binding_mode: l.volume_binding_mode,
        allow_volume_expansion: l.allow_volume_expansion,
    })
}

fn check_volume(c: &mut Checker<'_>, at: &str, v: &model::Volume) -> Option<Volume> {
    let size = c.check(&format!("{at}.size"), Quantity::parse(&v.size));
    if let Some(s) = &size
        && s.value() < 1.0
    {
        c.err(
            &format!("{at}.size"),
            format!("{} is not a usable volume size", s.as_str()),
        );
    }
    let path_ok = v.mount_path.starts_with('/')
        && v.mount_path != "/"
        && !v.mount_path.contains(':')
        && !v.mount_path.split('/').any(|p| p == "..");
    if !path_ok {
        c.err(
            &format!("{at}.mount_path"),
            format!(
                "{:?} must be an absolute directory other than / (no '..', no ':')",
                v.mount_path
            ),
        );
    }
    let claim_name = match &v.claim_name {
        Some(n) => Some(c.check(&format!("{at}.claim_name"), DnsSubdomain::parse(n))?),
        None => None,
    };
    Some(Volume {
        size: size?,
        access_mode: v.access_mode,
        mount_path: v.mount_path.trim_end_matches('/').to_string(),
        claim_name,
    })
}

pub(super) fn check_database(
    c: &mut Checker<'_>,
    db: &model::Database,
    data_mount: &str,
) -> Option<Option<String>> {
    if db.engine == model::DatabaseEngine::Postgresql {
        // The URL is put together in the pod from the operator's Secret (resources::database).
        if db.driver != "postgresql+asyncpg" {
            c.err_help(
                "database.driver",
                format!("{:?} is not the backend's PostgreSQL driver", db.driver),
                "set database.driver = \"postgresql+asyncpg\": the FastAPI backend uses SQLAlchemy's async engine, and asyncpg is its PostgreSQL driver",
            );
        }
    }
    let sqlite = db.engine == model::DatabaseEngine::Sqlite;
    let driver_ok = !sqlite || db.driver == "sqlite" || db.driver.starts_with("sqlite+");
    if !driver_ok {
        c.err("database.driver", format!("{:?} is not a SQLAlchemy SQLite driver (sqlite, sqlite+aiosqlite, sqlite+pysqlite)", db.driver));
    }
    let file_ok =
        !db.file.is_empty() && !db.file.contains(['/', '\\']) && db.file != "." && db.file != "..";
    if !file_ok {
        c.err(
            "database.file",
            format!(
                "{:?} must be a plain file name; it is placed in the data volume",
                db.file
            ),
        );
    }
    // SQLAlchemy reads the path after the third slash, so an absolute path needs four:
    // `sqlite+aiosqlite:////app/data/magnetiq.db`. The design document's three-slash URL is
    // relative to the working directory and lands outside the volume.
    if !sqlite {
        return file_ok.then_some(None);
    }
    (driver_ok && file_ok).then(|| {
        Some(format!(
            "{}:///{}/{}",
            db.driver,
            data_mount.trim_end_matches('/'),
            db.file
        ))
    })
}
