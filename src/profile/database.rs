//! `[database.postgresql]`: PostgreSQL on CloudNativePG, its backups and the one-shot
//! migration from SQLite. The raw table (re-exported by [`super::model`]) and its validated
//! form, kept apart from model.rs so neither file outgrows a reader.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::Resources;
use super::types::{Image, Quantity};
use super::{CpuMemory, types};

/// `[database.postgresql]`: a CloudNativePG `Cluster` (postgresql.cnpg.io/v1) the backend
/// connects to, with `database.engine = "postgresql"`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postgresql {
    /// PostgreSQL instances: one primary, the rest streaming replicas CloudNativePG fails
    /// over to (3 in production, 1 for a local cluster).
    pub instances: i64,
    /// The PostgreSQL image, pinned by a version tag or a digest
    /// (`ghcr.io/cloudnative-pg/postgresql:17.6`): the major version is part of the data
    /// directory, so the tag never floats.
    pub image: String,
    /// Size of each instance's data volume (`20Gi`), on the profile's storage (the Longhorn
    /// class, or the cluster's default StorageClass).
    pub size: String,
    /// Size of a separate WAL volume per instance; empty (the default): WAL stays on the data
    /// volume.
    #[serde(default)]
    pub wal_size: String,
    /// The application database CloudNativePG creates at bootstrap.
    pub database: String,
    /// Its owner, the user the backend connects as (its password is in the Secret the
    /// operator generates, `<cluster>-app`).
    pub owner: String,
    /// CPU and memory of each instance.
    pub resources: Resources,
    /// PgBouncer pods in front of the primary (a CloudNativePG `Pooler`, session mode); 0
    /// (the default): the backend connects to the read-write Service directly.
    #[serde(default)]
    pub pooler_instances: i64,
    /// Namespace the CloudNativePG operator runs in (admitted to the instances by the
    /// NetworkPolicy).
    #[serde(default = "default_operator_namespace")]
    pub operator_namespace: String,
    /// Labels of the operator's pods there.
    #[serde(default = "default_operator_labels")]
    pub operator_pod_labels: IndexMap<String, String>,
    /// Base backups and WAL archiving to an object store through the barman-cloud plugin.
    #[serde(default)]
    pub backup: Option<PgBackup>,
    /// The one-shot Job that copies the SQLite database into the cluster.
    #[serde(default)]
    pub migration: Option<Migration>,
}

fn default_operator_namespace() -> String {
    "cnpg-system".into()
}

fn default_operator_labels() -> IndexMap<String, String> {
    // The label the operator's Deployment gives its pods (CloudNativePG's networking page
    // and its NetworkPolicy sample, docs/src/samples/networkpolicy-example.yaml).
    IndexMap::from([(
        "app.kubernetes.io/name".to_string(),
        "cloudnative-pg".to_string(),
    )])
}

/// `[database.postgresql.backup]`: an `ObjectStore` (barmancloud.cnpg.io/v1), the Cluster's
/// WAL archiver, and a `ScheduledBackup`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PgBackup {
    /// Where backups and WAL go: `s3://bucket/path` (S3, or an S3-compatible store with
    /// `endpoint_url`).
    pub destination_path: String,
    /// S3-compatible endpoint (`https://minio.example:9000`); empty for AWS itself.
    #[serde(default)]
    pub endpoint_url: String,
    /// A Secret created out of band with the keys `ACCESS_KEY_ID` and `ACCESS_SECRET_KEY`:
    /// only its name is in the profile.
    pub credentials_secret: String,
    /// When the base backup runs: six fields, seconds first (`0 0 2 * * *`), as CloudNativePG
    /// reads it.
    pub schedule: String,
    /// How long backups and WAL are kept: a recovery window such as `30d`, `4w` or `3m`.
    pub retention: String,
}

/// `[database.postgresql.migration]`: a Job that copies the SQLite database into the
/// cluster with pgloader. Opt in for the switch, turn off once verified (see the README).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// Render the Job (and keep the SQLite data claim it reads).
    pub enabled: bool,
    /// The pgloader image, pinned (`ghcr.io/dimitri/pgloader:v3.6.9`).
    pub image: String,
}

/// `[database.sqlite]`: what keeps a SQLite database safe (engine `sqlite` only).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sqlite {
    /// App-consistent copies made with SQLite's online backup API, on a schedule.
    #[serde(default)]
    pub backup: Option<SqliteBackup>,
    /// The initial data: a database file downloaded into an empty data volume before the
    /// backend's first start.
    #[serde(default)]
    pub import: Option<SqliteImport>,
}

/// `[database.sqlite.backup]`: a CronJob that copies the database with `sqlite3 .backup`
/// (consistent while the backend writes), checks the copy, and keeps the newest `keep` on a
/// claim of their own.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqliteBackup {
    /// Render the backup (a profile extending one with it, on PostgreSQL, sets false).
    pub enabled: bool,
    /// When a copy is made: five cron fields (`30 1 * * *`), in the cluster's time zone.
    pub schedule: String,
    /// How many copies are kept (1 to 90); the oldest go first.
    pub keep: i64,
    /// An image with the `sqlite3` command-line shell and a POSIX shell, pinned by version
    /// or digest (`docker.io/keinos/sqlite3:3.47.2`).
    pub image: String,
    /// Size of the claim the copies live on (`20Gi`): room for `keep` copies and one more.
    pub size: String,
    /// The copies' claim name; default `<app.name>-backups`. Pin it to the existing name
    /// before renaming the app, like `storage.data.claim_name`.
    #[serde(default)]
    pub claim_name: Option<String>,
    /// Also run the restore drill after every ArgoCD sync: a `PostSync` hook Job that
    /// restores the newest copy into scratch space, checks it and counts each table's rows.
    /// Needs `[argocd]`.
    #[serde(default)]
    pub restore_drill: bool,
    /// Restore this copy (`backup-20261201T013000Z.db`, a name the backup wrote) over the
    /// database, once, before the backend's next start: an init container of the backend
    /// checks it and swaps it in, keeping the replaced files beside it. Remove the key once
    /// the restore is verified; changing it restores another copy.
    #[serde(default)]
    pub restore_from: Option<String>,
}

/// `[database.sqlite.import]`: an init container of the backend that, when the database
/// file does not exist yet, downloads it, checks its SHA-256 and moves it into place.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqliteImport {
    /// Where the database file is downloaded from: an `https://` URL (a pre-signed object
    /// store URL, an internal file server). No credentials: the URL is in Git.
    pub url: String,
    /// The file's SHA-256, 64 hex digits (`sha256sum magnetiq.db`): anything else is refused
    /// and nothing is moved into place.
    pub sha256: String,
    /// An image with `curl`, `sha256sum` and a POSIX shell, pinned
    /// (`docker.io/curlimages/curl:8.11.1`).
    pub image: String,
}

/// `[database.sqlite]`, validated.
#[derive(Debug, Clone, Default)]
pub struct SqliteOps {
    /// The scheduled backup, when configured.
    pub backup: Option<SqliteBackupSettings>,
    /// The initial import, when configured.
    pub import: Option<SqliteImportSettings>,
    /// The database file's name in the data volume (`database.file`).
    pub file: String,
}

/// `[database.sqlite.backup]`, validated.
#[derive(Debug, Clone)]
pub struct SqliteBackupSettings {
    /// The CronJob's schedule.
    pub schedule: types::CronSchedule,
    /// Copies kept.
    pub keep: i32,
    /// The image with sqlite3.
    pub image: Image,
    /// The backups claim's size.
    pub size: Quantity,
    /// Render the restore drill hook.
    pub restore_drill: bool,
    /// The copies' claim name, when pinned.
    pub claim_name: Option<types::DnsSubdomain>,
    /// The copy to restore before the backend's next start, when set.
    pub restore_from: Option<String>,
}

/// `[database.sqlite.import]`, validated.
#[derive(Debug, Clone)]
pub struct SqliteImportSettings {
    /// The https URL.
    pub url: String,
    /// The expected SHA-256, lowercase hex.
    pub sha256: String,
    /// The image with curl and sha256sum.
    pub image: Image,
}

/// A copy the restore may name: exactly the names the backup script gives
/// (`backup-<yyyymmdd>T<hhmmss>Z.db`), so the value can never point outside the copies'
/// claim or into the shell.
pub fn check_restore_from(s: &str) -> Result<String, String> {
    let stamp = s
        .strip_prefix("backup-")
        .and_then(|r| r.strip_suffix("Z.db"))
        .and_then(|r| r.split_once('T'));
    let digits = |d: &str, n: usize| d.len() == n && d.bytes().all(|b| b.is_ascii_digit());
    match stamp {
        Some((date, time)) if digits(date, 8) && digits(time, 6) => Ok(s.to_string()),
        _ => Err(format!(
            "{s:?} is not the name of a copy: the backup names them backup-<yyyymmdd>T<hhmmss>Z.db (for example backup-20261201T013000Z.db); list them in the restore drill's log or the backup Jobs' logs"
        )),
    }
}

/// A URL the import may download from: `https://` only (the file becomes the database, so
/// it must not be open to tampering on the way), with a host, no spaces.
pub fn check_import_url(s: &str) -> Result<(), String> {
    if !s.starts_with("https://") {
        return Err(format!(
            "{s:?} is not an https:// URL: the downloaded file becomes the database, so it must come over TLS"
        ));
    }
    types::check_http_url(s)
}

/// A SHA-256 as `sha256sum` prints it: 64 hex digits (either case; compared in lowercase).
pub fn check_sha256(s: &str) -> Result<String, String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?} is not a SHA-256: 64 hex digits, as `sha256sum FILE` prints them (found {} characters)",
            s.len()
        ))
    }
}

/// `[database.postgresql]`, validated.
#[derive(Debug, Clone)]
pub struct Postgres {
    /// SQLAlchemy driver prefix (`postgresql+asyncpg`).
    pub driver: String,
    /// Instances.
    pub instances: i32,
    /// Pinned PostgreSQL image.
    pub image: Image,
    /// Data volume size per instance.
    pub size: Quantity,
    /// WAL volume size per instance, when separate.
    pub wal_size: Option<Quantity>,
    /// Application database.
    pub database: String,
    /// Its owner.
    pub owner: String,
    /// Requests.
    pub requests: CpuMemory,
    /// Limits.
    pub limits: CpuMemory,
    /// PgBouncer pods; 0 for none.
    pub pooler_instances: i32,
    /// The operator's namespace.
    pub operator_namespace: String,
    /// The operator's pod labels.
    pub operator_pod_labels: std::collections::BTreeMap<String, String>,
    /// Backups, when configured.
    pub backup: Option<PgBackupSettings>,
    /// The SQLite file to migrate (`/data/<file>` in the Job) and the pgloader image, when
    /// the migration Job is on.
    pub migration: Option<MigrationSettings>,
}

/// Backups, validated.
#[derive(Debug, Clone)]
pub struct PgBackupSettings {
    /// Destination.
    pub destination_path: String,
    /// S3 endpoint, if any.
    pub endpoint_url: Option<String>,
    /// Credentials Secret name.
    pub credentials_secret: String,
    /// Six-field schedule.
    pub schedule: String,
    /// Recovery window.
    pub retention: String,
}

/// The migration Job, validated.
#[derive(Debug, Clone)]
pub struct MigrationSettings {
    /// pgloader image.
    pub image: Image,
    /// The SQLite file name in the data volume.
    pub sqlite_file: String,
}

/// A PostgreSQL identifier CloudNativePG accepts for the database and its owner: lowercase
/// letters, digits and `_`, starting with a letter or `_`, at most 63 bytes; never a
/// reserved role or database (`postgres`, `template0`, `template1`, `streaming_replica`).
pub fn check_identifier(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(format!(
            "{s:?} is not a plain PostgreSQL name: lowercase letters, digits and _, starting with a letter, at most 63 characters"
        ));
    }
    if matches!(
        s,
        "postgres" | "template0" | "template1" | "streaming_replica"
    ) {
        return Err(format!(
            "{s:?} is reserved by PostgreSQL or CloudNativePG (the superuser, the templates, the replication user); the application needs its own"
        ));
    }
    Ok(())
}

/// A barman-cloud recovery window: a positive number and `d`, `w` or `m` (the pattern of
/// the ObjectStore CRD's `retentionPolicy`).
pub fn check_retention(s: &str) -> Result<(), String> {
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let ok = matches!(unit, "d" | "w" | "m")
        && !n.is_empty()
        && !n.starts_with('0')
        && n.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a recovery window: a number of days, weeks or months such as 30d, 4w or 3m"
        ))
    }
}

/// A six-field schedule as CloudNativePG reads it (robfig/cron with seconds): a seconds
/// field (0-59), then the five fields of a standard cron expression, checked by the same
/// parser as Longhorn's.
pub fn check_schedule(s: &str) -> Result<(), String> {
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "{s:?} has {} fields; CloudNativePG schedules have six, seconds first (\"0 0 2 * * *\" is 02:00 every day)",
            fields.len()
        ));
    }
    let seconds_ok = fields[0]
        .parse::<u8>()
        .is_ok_and(|n| n <= 59 && !(fields[0].len() > 1 && fields[0].starts_with('0')));
    if !seconds_ok {
        return Err(format!(
            "the seconds field {:?} must be a number from 0 to 59 (a backup a second apart is never meant)",
            fields[0]
        ));
    }
    types::CronSchedule::parse(&fields[1..].join(" ")).map(|_| ())
}

/// An S3 (or S3-compatible) destination barman-cloud writes to: `s3://bucket[/path]`. Only
/// S3 credentials are rendered, so Google Cloud Storage and Azure paths are refused rather
/// than rendered with credentials of the wrong kind.
pub fn check_destination(s: &str) -> Result<(), String> {
    match s.strip_prefix("s3://") {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(format!(
            "{s:?} is not an S3 path: s3://bucket/path (for S3-compatible stores such as MinIO, set endpoint_url as well)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_refuse_reserved_and_odd_names() {
        assert!(check_identifier("magnetiq").is_ok());
        assert!(check_identifier("app_2").is_ok());
        assert!(check_identifier("postgres").is_err());
        assert!(check_identifier("Magnetiq").is_err());
        assert!(check_identifier("2app").is_err());
        assert!(check_identifier("").is_err());
    }

    #[test]
    fn retention_takes_a_recovery_window() {
        assert!(check_retention("30d").is_ok());
        assert!(check_retention("4w").is_ok());
        assert!(check_retention("0d").is_err());
        assert!(check_retention("30").is_err());
        assert!(check_retention("d").is_err());
        assert!(check_retention("30y").is_err());
    }

    #[test]
    fn schedules_have_six_fields_seconds_first() {
        assert!(check_schedule("0 0 2 * * *").is_ok());
        assert!(check_schedule("0 2 * * *").is_err());
        assert!(check_schedule("60 0 2 * * *").is_err());
        assert!(check_schedule("0 0 2 * * 7").is_err());
    }

    #[test]
    fn imports_come_over_https_with_a_sha256() {
        assert!(check_import_url("https://files.example.com/magnetiq.db").is_ok());
        assert!(check_import_url("http://files.example.com/magnetiq.db").is_err());
        assert!(check_import_url("https://").is_err());
        assert!(check_sha256(&"A".repeat(64)).is_ok_and(|h| h == "a".repeat(64)));
        assert!(check_sha256(&"a".repeat(63)).is_err());
        assert!(check_sha256(&"g".repeat(64)).is_err());
    }

    #[test]
    fn destinations_name_an_object_store() {
        assert!(check_destination("s3://bucket/magnetiq").is_ok());
        assert!(check_destination("gs://bucket").is_err());
        assert!(check_destination("/var/backups").is_err());
        assert!(check_destination("s3://").is_err());
    }
}
