//! SQLite, operated safely (`[database.sqlite]`): the app-consistent backup CronJob and the
//! claim its copies live on, the restore drill hook, the NetworkPolicy of their pods, and the
//! backend's init container that imports the initial database.
//!
//! Longhorn's snapshots are crash-consistent: a copy of the volume as if the power had been
//! cut, which SQLite survives only as far as its journal lets it (and a snapshot taken in the
//! middle of a checkpoint holds a WAL and a main file from different moments). The copies here
//! are made with SQLite's online backup API (`sqlite3 .backup`), which reads a consistent
//! snapshot of the database through SQLite's own locking while the backend goes on writing.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    Affinity, Container, EmptyDirVolumeSource, EnvVar, LocalObjectReference,
    PersistentVolumeClaimVolumeSource, PodAffinity, PodAffinityTerm, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};

use super::meta;
use super::smoke::{HOOK, HOOK_DELETE_POLICY};
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::Profile;

/// Where the backup and drill pods mount the data claim.
pub const DATA_DIR: &str = "/data";
/// Where they mount the backups claim.
pub const BACKUPS_DIR: &str = "/backups";
/// Where the backend's restore init container mounts the copies' claim.
const RESTORE_SOURCE_DIR: &str = crate::rules::SQLITE_RESTORE_SOURCE_DIR;
/// Where the drill restores the newest copy (an emptyDir).
pub const RESTORE_DIR: &str = "/restore";

/// The backup script. `$DB`, `$DIR` and `$KEEP` come from the container's environment.
/// The copies are named `backup-<UTC time>.db`, so that their names sort by age.
///
/// `.backup` uses SQLite's online backup API: a consistent copy while the backend writes
/// (with WAL, readers never block the writer). The copy is written under a temporary name,
/// checked with `PRAGMA integrity_check`, and only then renamed into place (a rename within
/// one file system is atomic), so a copy with the final name is always a checked one. The
/// names sort by time; everything but the newest `$KEEP` is removed, except the copy a
/// pending restore names (`$PIN`, from `restore_from`): pruning it would leave the restore
/// nothing to restore.
///
/// A restore (see [`RESTORE_SCRIPT`]) and a backup never overlap: the backup announces
/// itself (its `.partial-*` file) *before* it looks for a restore's flag, and the restore
/// raises its flag *before* it looks for a backup's partial file, so at least one of them
/// sees the other. A flag or partial file older than an hour is a killed run's (a backup
/// Job ends within the hour) and is ignored.
pub const BACKUP_SCRIPT: &str = r#"set -eu
if [ ! -f "$DB" ]; then
  echo "no database at $DB: nothing to back up" >&2
  exit 1
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TMP="$DIR/.partial-$STAMP.db"
# A copy a killed run left behind is never a backup.
rm -f "$DIR"/.partial-*.db
touch "$TMP"
if [ -n "$(find "$DB.restoring" -mmin -60 2>/dev/null)" ]; then
  rm -f "$TMP"
  echo "a restore is replacing $DB: no copy this time" >&2
  exit 1
fi
sqlite3 -cmd ".timeout 30000" "$DB" ".backup '$TMP'"
RESULT=$(sqlite3 "$TMP" 'PRAGMA integrity_check' 2>&1) || true
if [ "$RESULT" != "ok" ]; then
  echo "the copy of $DB fails its integrity check; no backup kept:" >&2
  echo "$RESULT" >&2
  rm -f "$TMP"
  exit 1
fi
sync
mv "$TMP" "$DIR/backup-$STAMP.db"
echo "backed up $DB to $DIR/backup-$STAMP.db"
ls -1 "$DIR" | grep -E '^backup-[0-9]{8}T[0-9]{6}Z[.]db$' | grep -v -x -F "${PIN:-none}" |
  sort -r | tail -n "+$((KEEP + 1))" |
  while IFS= read -r OLD; do
    rm -f "$DIR/$OLD"
    echo "removed $OLD (keeping the newest $KEEP)"
  done
"#;

/// The restore drill script. `$DIR` (the copies) and `$RESTORE` (an emptyDir) come from the
/// environment: the copy is restored into scratch space, never over the live database.
pub const DRILL_SCRIPT: &str = r#"set -eu
LATEST=$(ls -1 "$DIR" | grep -E '^backup-[0-9]{8}T[0-9]{6}Z[.]db$' | sort | tail -n 1)
if [ -z "$LATEST" ]; then
  echo "no backup in $DIR to restore" >&2
  exit 1
fi
cp "$DIR/$LATEST" "$RESTORE/restored.db"
RESULT=$(sqlite3 "$RESTORE/restored.db" 'PRAGMA integrity_check')
if [ "$RESULT" != "ok" ]; then
  echo "$LATEST fails its integrity check:" >&2
  echo "$RESULT" >&2
  exit 1
fi
echo "restored $LATEST: integrity_check ok"
TABLES=$(sqlite3 "$RESTORE/restored.db" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
printf '%s\n' "$TABLES" | while IFS= read -r T; do
  [ -n "$T" ] || continue
  Q=$(printf '%s' "$T" | sed 's/"/""/g')
  N=$(sqlite3 "$RESTORE/restored.db" "SELECT count(*) FROM \"$Q\"")
  echo "$T: $N rows"
done
"#;

/// The import script of the backend's init container. `$DB`, `$URL` and `$SHA256` come from
/// the environment (never spliced into the script, so a URL cannot inject shell).
///
/// It does nothing when the database file exists, so it acts once, on an empty volume, and
/// never on an environment that has data. The download goes to a temporary file on the data
/// volume itself, so that the final `mv` is a rename within one file system: the database
/// appears whole or not at all. A wrong checksum leaves nothing behind and fails the pod.
pub const IMPORT_SCRIPT: &str = r#"set -eu
if [ -e "$DB" ]; then
  echo "$DB exists: nothing to import"
  exit 0
fi
TMP="$DB.import"
rm -f "$TMP"
curl --fail --silent --show-error --location --proto '=https' --retry 5 --retry-all-errors \
  --output "$TMP" "$URL"
GOT=$(sha256sum "$TMP" | cut -d ' ' -f 1)
if [ "$GOT" != "$SHA256" ]; then
  echo "the download has SHA-256 $GOT, not the expected $SHA256: not imported" >&2
  rm -f "$TMP"
  exit 1
fi
mv "$TMP" "$DB"
echo "imported $DB (SHA-256 $SHA256)"
"#;

/// The restore script of the backend's init container, with `restore_from`. `$DB`, `$DIR`
/// (the copies' claim, read-only) and `$FROM` (a name checked against the backup's naming)
/// come from the environment.
///
/// It runs before the backend, in its pod (Recreate: the previous pod is gone), so no
/// process of the app has the database open, and it first waits for a backup that is
/// copying (see [`BACKUP_SCRIPT`] for how the two keep out of each other's way): the one
/// moment the database's `-wal`, `-shm` and `-journal` may be moved, and they must be: a WAL
/// or a hot journal left beside the restored file would be replayed into it.
///
/// The live path never goes missing: the old database is hard-linked aside, its companions
/// are moved aside, and the checked copy replaces it with one rename. Nothing is deleted:
/// the replaced files stay as `*.before-restore-<time>`, one time stamp for the set even
/// across a killed run. `sync` before the rename and before the marker, so a node crash
/// cannot leave a marker next to an empty file. The marker names the copy now in place
/// (earlier markers go), so later starts with the same `restore_from` do nothing and
/// naming an earlier copy again restores it again. A run killed before the marker runs
/// again at the next start, before the backend ever opens the database.
pub const RESTORE_SCRIPT: &str = r#"set -eu
MARK="$DB.restored-$FROM"
if [ -e "$MARK" ]; then
  echo "$FROM was restored before ($MARK exists): nothing to do"
  exit 0
fi
if [ ! -f "$DIR/$FROM" ]; then
  echo "no copy $FROM in $DIR: nothing restored" >&2
  exit 1
fi
FLAG="$DB.restoring"
touch "$FLAG"
trap 'rm -f "$FLAG"' EXIT
WAITED=0
while [ -n "$(find "$DIR" -maxdepth 1 -name '.partial-*.db' -mmin -60 2>/dev/null)" ]; do
  if [ "$WAITED" -ge "${WAIT_SECONDS:-600}" ]; then
    echo "a backup has been copying for $WAITED s: nothing restored, the next start tries again" >&2
    exit 1
  fi
  sleep 5
  WAITED=$((WAITED + 5))
done
TMP="$DB.restore"
rm -f "$TMP"
cp "$DIR/$FROM" "$TMP"
RESULT=$(sqlite3 "$TMP" 'PRAGMA integrity_check' 2>&1) || true
if [ "$RESULT" != "ok" ]; then
  echo "$FROM fails its integrity check; nothing restored:" >&2
  echo "$RESULT" >&2
  rm -f "$TMP"
  exit 1
fi
sync
[ -s "$DB.restore-stamp" ] || date -u +%Y%m%dT%H%M%SZ > "$DB.restore-stamp"
STAMP=$(cat "$DB.restore-stamp")
if [ -e "$DB" ] && [ ! -e "$DB.before-restore-$STAMP" ]; then
  ln "$DB" "$DB.before-restore-$STAMP"
fi
for F in "$DB-wal" "$DB-shm" "$DB-journal"; do
  if [ -e "$F" ]; then
    mv "$F" "$F.before-restore-$STAMP"
  fi
done
mv "$TMP" "$DB"
sync
rm -f "$DB".restored-* "$DB.restore-stamp"
touch "$MARK"
sync
echo "restored $FROM into $DB; the replaced files are kept as $DB*.before-restore-$STAMP"
"#;

/// A container that runs `script` with `sh -c` in `image` (pinned by the profile, so pulled
/// only when missing), hardened, with the resources these short scripts need (the copy is
/// streamed, never held in memory).
fn script_container(
    name: &str,
    image: &str,
    script: &str,
    env: Vec<EnvVar>,
    mounts: Vec<VolumeMount>,
) -> Container {
    Container {
        name: name.into(),
        image: Some(image.into()),
        image_pull_policy: Some("IfNotPresent".into()),
        command: Some(vec!["sh".into(), "-c".into()]),
        args: Some(vec![script.into()]),
        env: Some(env),
        resources: Some(ResourceRequirements {
            requests: Some(quantities(&[("cpu", "50m"), ("memory", "64Mi")])),
            limits: Some(quantities(&[("cpu", "500m"), ("memory", "256Mi")])),
            ..Default::default()
        }),
        volume_mounts: Some(mounts),
        security_context: Some(super::hardened_container(true)),
        ..Default::default()
    }
}

fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..Default::default()
    }
}

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
        .collect()
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        read_only: read_only.then_some(true),
        ..Default::default()
    }
}

fn claim_volume(name: &str, claim: &str, read_only: bool) -> Volume {
    Volume {
        name: name.into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.into(),
            read_only: read_only.then_some(true),
        }),
        ..Default::default()
    }
}

fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    }
}

/// The pod's place: on the backend pod's node. The claims are ReadWriteOnce, which means one
/// *node*, not one pod: a second pod can mount the data claim only on the node where the
/// backend has it attached (with Longhorn the attach elsewhere fails with a Multi-Attach
/// error and the pod never starts). While the backend is down (scaled to 0 for a restore)
/// the pod stays Pending until its deadline: nothing is copied while nothing runs.
fn beside_the_backend(p: &Profile) -> Affinity {
    Affinity {
        pod_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                label_selector: Some(LabelSelector {
                    match_labels: Some(labels::selector(p, Component::Backend)),
                    ..Default::default()
                }),
                topology_key: "kubernetes.io/hostname".into(),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The pod of a backup or drill run: one container, on the backend's node, as the backend's
/// user, with the backend's ServiceAccount (no permissions, no token), never restarted in
/// place (the Job's backoff decides).
fn pod_beside_the_backend(
    p: &Profile,
    names: &Names,
    labels: BTreeMap<String, String>,
    container: Container,
    volumes: Vec<Volume>,
) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            restart_policy: Some("Never".into()),
            service_account_name: Some(names.backend.clone()),
            automount_service_account_token: Some(false),
            affinity: Some(beside_the_backend(p)),
            security_context: Some(pod_security(p)),
            image_pull_secrets: pull_secrets(p),
            containers: vec![container],
            volumes: Some(volumes),
            ..Default::default()
        }),
    }
}

/// The pod security context: the backend's user and group, which own the database files
/// (the copy must be readable by the backend after a restore), and its fsGroup so the fresh
/// backups volume becomes writable by them.
fn pod_security(p: &Profile) -> PodSecurityContext {
    let sec = &p.backend.security;
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(sec.run_as_user),
        run_as_group: Some(sec.run_as_group),
        fs_group: Some(sec.fs_group),
        fs_group_change_policy: Some("OnRootMismatch".into()),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The registry's pull secret, as the Deployments have it: the sqlite3 image is usually
/// mirrored into the same registry.
fn pull_secrets(p: &Profile) -> Option<Vec<LocalObjectReference>> {
    p.pull_secret
        .as_ref()
        .map(|s| vec![LocalObjectReference { name: s.clone() }])
}

/// Checkov findings accepted on purpose, with the reasons reviewers see (as the
/// Deployments carry them).
fn checkov_skips(image: &str) -> BTreeMap<String, String> {
    let mut skips = Vec::new();
    if !image.contains("@sha256:") {
        skips.push("CKV_K8S_43=images are pinned by an immutable version tag from the profile; set a @sha256 digest there to pin by digest");
    }
    skips.push("CKV_K8S_15=versioned tags never move, and pulling on every run would make a registry outage stop backups");
    skips
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("checkov.io/skip{}", i + 1), s.to_string()))
        .collect()
}

/// The claim the copies live on, when the backup is on: like the data claim (same class,
/// the same data annotations), and in the Longhorn backup group like the
/// other claims, so the app-consistent copies also leave the cluster with Longhorn's backups.
pub fn backups_volume(p: &Profile) -> Option<crate::profile::Volume> {
    let b = p.sqlite.backup.as_ref()?;
    Some(crate::profile::Volume {
        size: b.size.clone(),
        // One node: the backup and drill pods share it on the backend's node, never at once
        // with another node (and not ReadWriteOncePod, which would keep the drill out while
        // a backup runs).
        access_mode: crate::profile::AccessMode::ReadWriteOnce,
        mount_path: BACKUPS_DIR.into(),
        claim_name: None,
    })
}

/// The backup CronJob, when `[database.sqlite.backup]` is set.
pub fn backup_cron_job(p: &Profile, names: &Names) -> Option<CronJob> {
    let b = p.sqlite.backup.as_ref()?;
    let labels = labels::component(p, Component::SqliteBackup);
    let mut metadata = meta(&names.sqlite_backup, Some(&names.namespace), labels.clone());
    metadata.annotations = Some(checkov_skips(b.image.as_str()));
    let container = script_container(
        "backup",
        b.image.as_str(),
        BACKUP_SCRIPT,
        [
            env("DB", format!("{DATA_DIR}/{}", database_file(p))),
            env("DIR", BACKUPS_DIR),
            env("KEEP", b.keep.to_string()),
        ]
        .into_iter()
        // The copy a pending restore names is never pruned.
        .chain(b.restore_from.as_ref().map(|f| env("PIN", f.clone())))
        .collect(),
        // Read-write: a reader of a database in WAL mode maps and updates its `-shm` index,
        // and creates it when the backend has not.
        vec![
            mount("data", DATA_DIR, false),
            mount("backups", BACKUPS_DIR, false),
            mount("tmp", "/tmp", false),
        ],
    );
    Some(CronJob {
        metadata,
        spec: Some(CronJobSpec {
            schedule: b.schedule.to_string(),
            // Two copies at once would only compete for the disk; a run still going when
            // the next is due makes that one skip.
            concurrency_policy: Some("Forbid".into()),
            // A run missed by more than 10 minutes (controller down) is skipped, not made up.
            starting_deadline_seconds: Some(600),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(3),
            job_template: JobTemplateSpec {
                // The pods carry the labels; the Jobs need none of their own.
                metadata: None,
                spec: Some(JobSpec {
                    backoff_limit: Some(2),
                    // Bounds a pod Pending while the backend is down.
                    active_deadline_seconds: Some(3600),
                    template: pod_beside_the_backend(
                        p,
                        names,
                        labels,
                        container,
                        vec![
                            claim_volume("data", &names.data_pvc, false),
                            claim_volume("backups", &names.sqlite_backups, false),
                            empty_dir("tmp"),
                        ],
                    ),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The restore drill, with `restore_drill = true`: an ArgoCD `PostSync` hook Job.
///
/// A hook because a Job's pod template is immutable: ArgoCD creates a hook anew on every
/// sync, so a changed image or script simply applies, where a plain Job would make every
/// later sync fail. `BeforeHookCreation` only (not `HookSucceeded`): the last drill's Job
/// and its log (the table counts) stay readable until the next sync replaces it.
pub fn restore_drill(p: &Profile, names: &Names) -> Option<Job> {
    let b = p.sqlite.backup.as_ref().filter(|b| b.restore_drill)?;
    let labels = labels::component(p, Component::RestoreDrill);
    let mut metadata = meta(&names.restore_drill, Some(&names.namespace), labels.clone());
    let mut annotations = checkov_skips(b.image.as_str());
    annotations.insert(HOOK.into(), "PostSync".into());
    annotations.insert(HOOK_DELETE_POLICY.into(), "BeforeHookCreation".into());
    metadata.annotations = Some(annotations);
    let container = script_container(
        "restore-drill",
        b.image.as_str(),
        DRILL_SCRIPT,
        vec![env("DIR", BACKUPS_DIR), env("RESTORE", RESTORE_DIR)],
        vec![
            mount("backups", BACKUPS_DIR, true),
            mount("restore", RESTORE_DIR, false),
            mount("tmp", "/tmp", false),
        ],
    );
    Some(Job {
        metadata,
        spec: Some(JobSpec {
            // A failed drill is a finding to look at, not to retry.
            backoff_limit: Some(0),
            active_deadline_seconds: Some(1800),
            template: pod_beside_the_backend(
                p,
                names,
                labels,
                container,
                vec![
                    claim_volume("backups", &names.sqlite_backups, true),
                    empty_dir("restore"),
                    empty_dir("tmp"),
                ],
            ),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The NetworkPolicy of the backup and drill pods: no traffic in or out. They read and
/// write files only; a policy with both types and no rules denies everything.
pub fn policy(p: &Profile, names: &Names) -> Option<NetworkPolicy> {
    p.sqlite.backup.as_ref()?;
    Some(NetworkPolicy {
        metadata: meta(
            &names.sqlite_backup,
            Some(&names.namespace),
            labels::component(p, Component::SqliteBackup),
        ),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "app.kubernetes.io/name".to_string(),
                    p.app.name.to_string(),
                )])),
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "app.kubernetes.io/component".into(),
                    operator: "In".into(),
                    values: Some(vec![
                        Component::SqliteBackup.as_str().into(),
                        Component::RestoreDrill.as_str().into(),
                    ]),
                }]),
            }),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: None,
            egress: None,
        }),
    })
}

/// The database file's name in the data volume.
fn database_file(p: &Profile) -> &str {
    &p.sqlite.file
}

/// The backend's init container that imports the initial database, with
/// `[database.sqlite.import]`.
///
/// An init container, not a Job: the data claim is ReadWriteOnce and the backend holds it,
/// so a Job would have to run on its node beside it, and would write the file while the
/// backend may already have created and opened an empty database of its own. The init
/// container runs in the backend's pod, before the backend starts, so nothing else has the
/// database open, and on every later start it sees the file and does nothing.
pub fn import_container(p: &Profile) -> Option<Container> {
    let i = p.sqlite.import.as_ref()?;
    Some(script_container(
        crate::rules::SQLITE_IMPORT_CONTAINER,
        i.image.as_str(),
        IMPORT_SCRIPT,
        vec![
            env(
                "DB",
                format!("{}/{}", p.storage.data.mount_path, database_file(p)),
            ),
            env("URL", i.url.clone()),
            env("SHA256", i.sha256.clone()),
        ],
        vec![mount("data", &p.storage.data.mount_path, false)],
    ))
}

/// The backend's init container that restores a copy over the database, with
/// `[database.sqlite.backup] restore_from` (see [`RESTORE_SCRIPT`]). It runs before the
/// import container: after a restore the database exists and the import does nothing.
///
/// In the backend's pod rather than a Job for the reasons of the import: the data claim is
/// the backend's (ReadWriteOnce), and only before the backend starts is the database
/// guaranteed closed. The pod mounts the copies' claim read-only for it.
pub fn restore_container(p: &Profile) -> Option<Container> {
    let b = p.sqlite.backup.as_ref()?;
    let from = b.restore_from.as_ref()?;
    Some(script_container(
        crate::rules::SQLITE_RESTORE_CONTAINER,
        b.image.as_str(),
        RESTORE_SCRIPT,
        vec![
            env(
                "DB",
                format!("{}/{}", p.storage.data.mount_path, database_file(p)),
            ),
            env("DIR", RESTORE_SOURCE_DIR),
            env("FROM", from.clone()),
        ],
        vec![
            mount("data", &p.storage.data.mount_path, false),
            mount(RESTORE_VOLUME, RESTORE_SOURCE_DIR, true),
        ],
    ))
}

/// The backend pod's volume for the copies' claim, with `restore_from` (read-only).
pub fn restore_volume(p: &Profile, names: &Names) -> Option<Volume> {
    p.sqlite.backup.as_ref()?.restore_from.as_ref()?;
    Some(claim_volume(RESTORE_VOLUME, &names.sqlite_backups, true))
}

/// The name of that volume in the backend's pod.
const RESTORE_VOLUME: &str = "sqlite-backups";
