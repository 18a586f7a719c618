//! SQLite, operated safely: the rendered backup, restore drill and import scripts, run as the
//! pods run them (`sh -c SCRIPT`), against fake `sqlite3` and `curl` commands that record
//! their calls. `sh` is on every Linux machine, so these never skip: a missing `sqlite3` on a
//! CI runner cannot turn them into silent passes. The fakes stand in for the tools only; the
//! shell logic (checks, atomic renames, pruning) is the real one.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::render_shipped as render;
use serde_json::Value;

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} rendered"))
}

/// The `sh -c` script of a container.
fn script(container: &Value) -> String {
    assert_eq!(container["command"], serde_json::json!(["sh", "-c"]));
    container["args"][0].as_str().unwrap().to_string()
}

/// A fake `sqlite3`: records each call's arguments (one line per call) in `$SHIM_LOG`;
/// `.backup 'FILE'` writes FILE (the database's content, so a restore can be traced back);
/// `PRAGMA integrity_check` prints `$SHIM_INTEGRITY` (default `ok`); the table list is
/// `posts` and `users`; every count is 3. With `$SHIM_WATCH`, each call also logs whether
/// that file exists at that moment.
const FAKE_SQLITE3: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$SHIM_LOG"
if [ -n "${SHIM_WATCH:-}" ]; then
  if [ -e "$SHIM_WATCH" ]; then echo "watched: present" >> "$SHIM_LOG"; else echo "watched: absent" >> "$SHIM_LOG"; fi
fi
DBFILE=""
for A in "$@"; do
  case "$A" in
    -cmd|.timeout*) ;;
    ".backup '"*)
      F=$(printf '%s' "$A" | sed "s/^[.]backup '//; s/'\$//")
      cat "$DBFILE" > "$F" ;;
    "PRAGMA integrity_check") echo "${SHIM_INTEGRITY:-ok}" ;;
    "SELECT name FROM sqlite_master"*) printf 'posts\nusers\n' ;;
    "SELECT count(*) FROM"*) echo 3 ;;
    *) [ -n "$DBFILE" ] || DBFILE="$A" ;;
  esac
done
"#;

/// A fake `curl`: records its arguments and writes `$SHIM_BODY` to the `--output` file.
const FAKE_CURL: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$SHIM_LOG"
while [ $# -gt 0 ]; do
  if [ "$1" = "--output" ]; then printf '%s' "$SHIM_BODY" > "$2"; fi
  shift
done
"#;

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        for (name, text) in [("sqlite3", FAKE_SQLITE3), ("curl", FAKE_CURL)] {
            let p = bin.join(name);
            fs::write(&p, text).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        for d in ["data", "backups", "restore"] {
            fs::create_dir(dir.path().join(d)).unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn log(&self) -> Vec<String> {
        fs::read_to_string(self.path("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Runs `script` as [`Sandbox::run`] does and requires it to succeed.
    fn run_ok(&self, script: &str, env: &[(&str, String)]) -> Output {
        let out = self.run(script, env);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The text of a sandbox file.
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Runs `script` with the fakes first on PATH and `env` set.
    fn run(&self, script: &str, env: &[(&str, String)]) -> Output {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(script)
            .env("PATH", path)
            .env("SHIM_LOG", self.path("calls.log"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn backup_script() -> String {
    let objects = render("production", &[]).unwrap();
    let cron = named(&objects, "CronJob", "magnetiq-db-backup");
    script(&cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0])
}

/// The sandbox's database and copies' directory as the scripts' `$DB` and `$DIR`, with one
/// more variable.
fn sandbox_env(s: &Sandbox, name: &'static str, value: String) -> Vec<(&'static str, String)> {
    vec![
        ("DB", s.path("data/magnetiq.db").display().to_string()),
        ("DIR", s.path("backups").display().to_string()),
        (name, value),
    ]
}

fn backup_env(s: &Sandbox, keep: u32) -> Vec<(&'static str, String)> {
    sandbox_env(s, "KEEP", keep.to_string())
}

#[test]
fn the_backup_copies_with_the_backup_api_checks_the_copy_and_keeps_the_newest() {
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live database").unwrap();
    for day in 1..=4 {
        fs::write(
            s.path(&format!("backups/backup-2020010{day}T000000Z.db")),
            "old",
        )
        .unwrap();
    }
    // Not a copy: never pruned. A partial copy of a killed run: removed.
    fs::write(s.path("backups/notes.txt"), "").unwrap();
    fs::write(s.path("backups/.partial-20200105T000000Z.db"), "").unwrap();

    let out = s.run_ok(&backup_script(), &backup_env(&s, 2));

    let kept = names_in(&s.path("backups"));
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(kept[0], "backup-20200104T000000Z.db");
    assert!(
        kept[1].starts_with("backup-") && kept[1] != kept[0],
        "{kept:?}"
    );
    assert_eq!(kept[2], "notes.txt");
    assert_eq!(
        fs::read_to_string(s.path("backups").join(&kept[1])).unwrap(),
        "live database"
    );

    let log = s.log();
    assert_eq!(log.len(), 2, "{log:?}");
    // First the online backup API into a temporary name, then the check of that copy.
    assert!(log[0].starts_with("-cmd .timeout 30000 "), "{log:?}");
    assert!(log[0].contains("/data/magnetiq.db .backup '"), "{log:?}");
    assert!(log[0].contains("/backups/.partial-"), "{log:?}");
    assert!(log[1].contains("/backups/.partial-"), "{log:?}");
    assert!(log[1].ends_with(" PRAGMA integrity_check"), "{log:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("removed backup-").count(), 3, "{stdout}");
}

#[test]
fn a_copy_that_fails_its_integrity_check_is_never_kept() {
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live database").unwrap();
    fs::write(s.path("backups/backup-20200101T000000Z.db"), "old").unwrap();
    let mut env = backup_env(&s, 1);
    env.push((
        "SHIM_INTEGRITY",
        "*** in database main ***\nPage 3: btreeInitPage() returns error code 11".into(),
    ));
    let out = s.run(&backup_script(), &env);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fails its integrity check"));
    // Nothing new, nothing pruned, no partial copy left.
    assert_eq!(names_in(&s.path("backups")), ["backup-20200101T000000Z.db"]);
}

#[test]
fn the_backup_fails_when_there_is_no_database() {
    let s = Sandbox::new();
    let out = s.run(&backup_script(), &backup_env(&s, 3));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to back up"));
    assert!(s.log().is_empty());
}

fn drill_script() -> String {
    let objects = render("production", &["database.sqlite.backup.restore_drill=true"]).unwrap();
    let job = named(&objects, "Job", "magnetiq-db-drill");
    assert_eq!(
        job["metadata"]["annotations"]["argocd.argoproj.io/hook"],
        "PostSync"
    );
    script(&job["spec"]["template"]["spec"]["containers"][0])
}

fn drill_env(s: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("DIR", s.path("backups").display().to_string()),
        ("RESTORE", s.path("restore").display().to_string()),
    ]
}

#[test]
fn the_drill_restores_the_newest_copy_checks_it_and_counts_every_table() {
    let s = Sandbox::new();
    fs::write(s.path("backups/backup-20200101T000000Z.db"), "older").unwrap();
    fs::write(s.path("backups/backup-20200102T000000Z.db"), "newest").unwrap();
    fs::write(s.path("backups/zz-not-a-copy.db"), "no").unwrap();
    let out = s.run(&drill_script(), &drill_env(&s));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.read("restore/restored.db"), "newest");
    assert!(stdout.contains("restored backup-20200102T000000Z.db: integrity_check ok"));
    assert!(stdout.contains("posts: 3 rows"), "{stdout}");
    assert!(stdout.contains("users: 3 rows"), "{stdout}");
    let log = s.log();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(log[0].ends_with("restored.db PRAGMA integrity_check"));
    assert!(
        log[3].ends_with("SELECT count(*) FROM \"users\""),
        "{log:?}"
    );
    // The backups are only read.
    assert_eq!(names_in(&s.path("backups")).len(), 3);
}

#[test]
fn the_drill_fails_without_a_copy_or_with_a_damaged_one() {
    let s = Sandbox::new();
    let out = s.run(&drill_script(), &drill_env(&s));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no backup"));

    fs::write(s.path("backups/backup-20200101T000000Z.db"), "x").unwrap();
    let mut env = drill_env(&s);
    env.push(("SHIM_INTEGRITY", "row 1 missing from index".into()));
    let out = s.run(&drill_script(), &env);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fails its integrity check"));
}

const IMPORT_URL: &str = "https://files.example.com/magnetiq.db";
/// A checksum no download in these tests has.
const IMPORT_SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn import_script() -> (String, Value) {
    let objects = render(
        "production",
        &[
            &format!("database.sqlite.import.url={IMPORT_URL}"),
            &format!("database.sqlite.import.sha256={IMPORT_SHA}"),
            "database.sqlite.import.image=docker.io/curlimages/curl:8.11.1",
        ],
    )
    .unwrap();
    let deployment = named(&objects, "Deployment", "magnetiq-backend");
    let init = deployment["spec"]["template"]["spec"]["initContainers"][0].clone();
    assert_eq!(init["name"], "import-database");
    (script(&init), init)
}

fn sha256_of(text: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("printf '%s' \"$T\" | sha256sum | cut -d ' ' -f 1")
        .env("T", text)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sha256sum is needed by the import test"
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn import_env(s: &Sandbox, sha: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DB", s.path("data/magnetiq.db").display().to_string()),
        ("URL", IMPORT_URL.into()),
        ("SHA256", sha.into()),
        ("SHIM_BODY", body.into()),
    ]
}

#[test]
fn the_import_downloads_checks_and_renames_into_place_only_into_an_empty_volume() {
    let (script, init) = import_script();
    // The values reach the script through the environment, never spliced into it.
    assert!(!script.contains(IMPORT_URL));
    let env: Vec<(&str, &str)> = init["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert!(env.contains(&("URL", IMPORT_URL)));
    assert!(env.contains(&("SHA256", IMPORT_SHA)));
    assert!(env.contains(&("DB", "/app/data/magnetiq.db")));

    let body = "initial data";
    let sha = sha256_of(body);

    // An empty volume: downloaded, checked, in place, nothing else left.
    let s = Sandbox::new();
    s.run_ok(&script, &import_env(&s, &sha, body));
    assert_eq!(s.read("data/magnetiq.db"), body);
    assert_eq!(names_in(&s.path("data")), ["magnetiq.db"]);
    assert!(s.log()[0].contains("--proto =https"), "{:?}", s.log());

    // A volume with a database: untouched, nothing downloaded.
    fs::write(s.path("data/magnetiq.db"), "live data").unwrap();
    let before = s.log().len();
    let out = s.run(&script, &import_env(&s, &sha, body));
    assert!(out.status.success());
    assert_eq!(s.read("data/magnetiq.db"), "live data");
    assert_eq!(s.log().len(), before);
}

#[test]
fn an_import_with_the_wrong_checksum_leaves_nothing_behind() {
    let (script, _) = import_script();
    let s = Sandbox::new();
    let out = s.run(&script, &import_env(&s, IMPORT_SHA, "tampered"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not imported"));
    assert!(names_in(&s.path("data")).is_empty());
}

#[test]
fn the_backup_pods_run_beside_the_backend_with_no_network() {
    let objects = render("production", &["database.sqlite.backup.restore_drill=true"]).unwrap();
    let cron = named(&objects, "CronJob", "magnetiq-db-backup");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let drill = named(&objects, "Job", "magnetiq-db-drill");
    for pod in [
        &cron["spec"]["jobTemplate"]["spec"]["template"],
        &drill["spec"]["template"],
    ] {
        let term = &pod["spec"]["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            [0];
        assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
        assert_eq!(
            term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"],
            "backend"
        );
        assert_eq!(pod["spec"]["automountServiceAccountToken"], false);
        let c = &pod["spec"]["containers"][0];
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert!(c["resources"]["limits"]["cpu"].is_string());
    }
    // The drill only reads the copies.
    let claim = drill["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "backups")
        .unwrap();
    assert_eq!(claim["persistentVolumeClaim"]["readOnly"], true);
    let policy = named(&objects, "NetworkPolicy", "magnetiq-db-backup");
    assert_eq!(
        policy["spec"]["policyTypes"],
        serde_json::json!(["Ingress", "Egress"])
    );
    assert!(policy["spec"].get("ingress").is_none() && policy["spec"].get("egress").is_none());
    // The copies' claim joins the Longhorn backup group like the others.
    let backups = named(&objects, "PersistentVolumeClaim", "magnetiq-backups");
    let data = named(&objects, "PersistentVolumeClaim", "magnetiq-data-pvc");
    assert_eq!(backups["metadata"]["labels"], data["metadata"]["labels"]);
    assert_eq!(
        backups["spec"]["storageClassName"],
        data["spec"]["storageClassName"]
    );
}

#[test]
fn production_ha_on_postgresql_renders_no_sqlite_backup() {
    let objects = render("production-ha", &[]).unwrap();
    assert!(!objects.iter().any(|o| o["kind"] == "CronJob"));
    assert!(
        !objects
            .iter()
            .any(|o| o["metadata"]["name"] == "magnetiq-backups")
    );
}

#[test]
fn the_import_opens_https_out_of_the_backend_even_without_the_port_in_the_profile() {
    let objects = render(
        "production",
        &[
            "network_policy.backend_egress_ports=[587]",
            &format!("database.sqlite.import.url={IMPORT_URL}"),
            &format!("database.sqlite.import.sha256={IMPORT_SHA}"),
            "database.sqlite.import.image=docker.io/curlimages/curl:8.11.1",
        ],
    )
    .unwrap();
    let policy = named(&objects, "NetworkPolicy", "magnetiq-backend");
    let ports: Vec<i64> = policy["spec"]["egress"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["ports"].as_array().unwrap())
        .filter_map(|p| p["port"].as_i64())
        .collect();
    assert!(ports.contains(&443) && ports.contains(&587), "{ports:?}");
}

const COPY: &str = "backup-20261201T013000Z.db";

/// The backend's init containers and pod volumes with `restore_from` set (and the import
/// too, to show the order).
fn restore_pod() -> Value {
    let objects = render(
        "production",
        &[
            &format!("database.sqlite.backup.restore_from={COPY}"),
            &format!("database.sqlite.import.url={IMPORT_URL}"),
            &format!("database.sqlite.import.sha256={IMPORT_SHA}"),
            "database.sqlite.import.image=docker.io/curlimages/curl:8.11.1",
        ],
    )
    .unwrap();
    named(&objects, "Deployment", "magnetiq-backend")["spec"]["template"]["spec"].clone()
}

fn restore_env(s: &Sandbox) -> Vec<(&'static str, String)> {
    sandbox_env(s, "FROM", COPY.into())
}

#[test]
fn the_restore_swaps_the_copy_in_with_the_old_wal_set_aside_and_acts_once() {
    let pod = restore_pod();
    let init = &pod["initContainers"];
    // The restore first: afterwards the database exists and the import does nothing.
    assert_eq!(init[0]["name"], "restore-database");
    assert_eq!(init[1]["name"], "import-database");
    let script = script(&init[0]);
    assert!(
        !script.contains(COPY),
        "the copy's name is spliced into the script"
    );
    // The copies' claim, read-only, in the backend's pod.
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "sqlite-backups")
        .expect("the copies' claim in the backend's pod");
    assert_eq!(
        volume["persistentVolumeClaim"]["claimName"],
        "magnetiq-backups"
    );
    assert_eq!(volume["persistentVolumeClaim"]["readOnly"], true);

    let s = Sandbox::new();
    for (f, text) in [
        ("data/magnetiq.db", "live"),
        ("data/magnetiq.db-wal", "wal"),
        ("data/magnetiq.db-shm", "shm"),
        ("data/magnetiq.db-journal", "journal"),
    ] {
        fs::write(s.path(f), text).unwrap();
    }
    fs::write(s.path(&format!("backups/{COPY}")), "the copy").unwrap();
    s.run_ok(&script, &restore_env(&s));
    assert_eq!(s.read("data/magnetiq.db"), "the copy");
    let files = names_in(&s.path("data"));
    // The old database moved aside together with its WAL and index; nothing deleted.
    for (old, text) in [
        ("magnetiq.db.", "live"),
        ("magnetiq.db-wal.", "wal"),
        ("magnetiq.db-shm.", "shm"),
    ] {
        let kept = files
            .iter()
            .find(|f| f.starts_with(&format!("{old}before-restore-")))
            .unwrap_or_else(|| panic!("{old} not kept: {files:?}"));
        assert_eq!(s.read(&format!("data/{kept}")), text);
    }
    for gone in ["magnetiq.db-wal", "magnetiq.db-shm", "magnetiq.db-journal"] {
        assert!(!files.contains(&gone.to_string()), "{files:?}");
    }
    let journal = files
        .iter()
        .find(|f| f.starts_with("magnetiq.db-journal.before-restore-"))
        .unwrap_or_else(|| panic!("the hot journal was not set aside: {files:?}"));
    assert_eq!(s.read(&format!("data/{journal}")), "journal");
    // One time stamp for the set; no flag or stamp file left behind.
    let stamps: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.split_once(".before-restore-").map(|(_, t)| t))
        .collect();
    assert_eq!(stamps.len(), 1, "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.ends_with(".restoring") || f.ends_with(".restore-stamp")),
        "{files:?}"
    );
    assert!(
        files.contains(&format!("magnetiq.db.restored-{COPY}")),
        "{files:?}"
    );
    assert_eq!(
        s.log(),
        [format!(
            "{} PRAGMA integrity_check",
            s.path("data/magnetiq.db.restore").display()
        )]
    );

    // The backend writes; a restart must not restore again.
    fs::write(s.path("data/magnetiq.db"), "written since").unwrap();
    let again = s.run(&script, &restore_env(&s));
    assert!(again.status.success());
    assert_eq!(s.read("data/magnetiq.db"), "written since");
    assert_eq!(s.log().len(), 1, "the second start checked a copy again");
}

#[test]
fn a_missing_or_damaged_copy_restores_nothing_and_stops_the_backend() {
    let script = script(&restore_pod()["initContainers"][0]);
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    let missing = s.run(&script, &restore_env(&s));
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no copy"));
    fs::write(s.path(&format!("backups/{COPY}")), "damaged").unwrap();
    let mut env = restore_env(&s);
    env.push(("SHIM_INTEGRITY", "*** in database main ***".into()));
    let damaged = s.run(&script, &env);
    assert!(!damaged.status.success());
    // The live database untouched, no temporary file, no marker.
    assert_eq!(names_in(&s.path("data")), ["magnetiq.db"]);
    assert_eq!(s.read("data/magnetiq.db"), "live");
}

#[test]
fn restore_from_takes_only_the_names_the_backup_gives() {
    for bad in [
        "../data/magnetiq.db",
        "backup-latest.db",
        "backup-20261201T0130Z.db",
        "x; rm -rf /",
    ] {
        let e = render(
            "production",
            &[&format!("database.sqlite.backup.restore_from={bad}")],
        )
        .unwrap_err();
        assert!(e.contains("database.sqlite.backup.restore_from"), "{e}");
        assert!(e.contains("backup-<yyyymmdd>T<hhmmss>Z.db"), "{e}");
    }
    // With the backup off there is no claim; a volume at the copies' mount path collides.
    for (setting, says) in [
        (
            "database.sqlite.backup.enabled=false",
            "no claim to restore from",
        ),
        (
            "storage.data.mount_path=/mnt/sqlite-backups",
            "the restore mounts the copies at /mnt/sqlite-backups",
        ),
    ] {
        let e = render(
            "production",
            &[
                setting,
                &format!("database.sqlite.backup.restore_from={COPY}"),
            ],
        )
        .unwrap_err();
        assert!(e.contains(says), "{e}");
    }
}

/// Runs `touch -d <when>` on `path` (GNU touch; the age is what the scripts look at).
fn age(path: &Path, when: &str) {
    let ok = Command::new("touch")
        .arg("-d")
        .arg(when)
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "touch -d is needed by this test");
}

#[test]
fn naming_an_earlier_copy_again_restores_it_again() {
    let script = script(&restore_pod()["initContainers"][0]);
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    let other = "backup-20261130T013000Z.db";
    fs::write(s.path(&format!("backups/{COPY}")), "copy A").unwrap();
    fs::write(s.path(&format!("backups/{other}")), "copy B").unwrap();
    let with = |from: &str| {
        s.run_ok(&script, &sandbox_env(&s, "FROM", from.to_string()));
        s.read("data/magnetiq.db")
    };
    assert_eq!(with(COPY), "copy A");
    assert_eq!(with(other), "copy B");
    assert_eq!(
        with(COPY),
        "copy A",
        "the marker of the first restore hid the second"
    );
}

#[test]
fn the_restore_keeps_its_flag_up_while_it_works_and_takes_it_down_after() {
    let script = script(&restore_pod()["initContainers"][0]);
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    fs::write(s.path(&format!("backups/{COPY}")), "the copy").unwrap();
    let flag = s.path("data/magnetiq.db.restoring");
    let mut env = restore_env(&s);
    env.push(("SHIM_WATCH", flag.display().to_string()));
    s.run_ok(&script, &env);
    assert!(
        s.log().contains(&"watched: present".to_string()),
        "{:?}",
        s.log()
    );
    assert!(!flag.exists(), "the flag outlived the restore");
}

#[test]
fn a_backup_and_a_restore_never_overlap() {
    // A restore in progress (its flag is fresh): the backup copies nothing.
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    fs::write(s.path("data/magnetiq.db.restoring"), "").unwrap();
    let out = s.run(&backup_script(), &backup_env(&s, 3));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a restore is replacing"));
    assert!(names_in(&s.path("backups")).is_empty());
    assert!(
        s.log().is_empty(),
        "the backup opened the database: {:?}",
        s.log()
    );
    // A killed restore's flag (over an hour old) stops nothing.
    age(&s.path("data/magnetiq.db.restoring"), "2 hours ago");
    s.run_ok(&backup_script(), &backup_env(&s, 3));

    // A backup copying (its partial file is fresh): the restore waits, and gives up
    // without touching anything when it lasts too long.
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    fs::write(s.path(&format!("backups/{COPY}")), "the copy").unwrap();
    fs::write(s.path("backups/.partial-20261201T013000Z.db"), "").unwrap();
    let script = script(&restore_pod()["initContainers"][0]);
    let mut env = restore_env(&s);
    env.push(("WAIT_SECONDS", "0".into()));
    let out = s.run(&script, &env);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a backup has been copying"));
    assert_eq!(
        names_in(&s.path("data")),
        ["magnetiq.db"],
        "flag or files left"
    );
    // A killed backup's partial file (over an hour old) holds nothing up.
    age(
        &s.path("backups/.partial-20261201T013000Z.db"),
        "2 hours ago",
    );
    s.run_ok(&script, &env);
    assert_eq!(s.read("data/magnetiq.db"), "the copy");
}

#[test]
fn the_copy_a_pending_restore_names_is_never_pruned() {
    let objects = render(
        "production",
        &[&format!("database.sqlite.backup.restore_from={COPY}")],
    )
    .unwrap();
    let cron = named(&objects, "CronJob", "magnetiq-db-backup");
    let c = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let pin = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PIN")
        .expect("the CronJob is told which copy to keep");
    assert_eq!(pin["value"], COPY);
    let s = Sandbox::new();
    fs::write(s.path("data/magnetiq.db"), "live").unwrap();
    // The pinned copy is the oldest of three; keep = 1.
    for name in [
        COPY,
        "backup-20261202T013000Z.db",
        "backup-20261203T013000Z.db",
    ] {
        fs::write(s.path(&format!("backups/{name}")), name).unwrap();
    }
    let mut env = backup_env(&s, 1);
    env.push(("PIN", COPY.into()));
    s.run_ok(&script(c), &env);
    let kept = names_in(&s.path("backups"));
    assert!(kept.contains(&COPY.to_string()), "{kept:?}");
    assert_eq!(kept.len(), 2, "the newest and the pinned one: {kept:?}");
}
