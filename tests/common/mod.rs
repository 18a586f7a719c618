//! What the integration tests share: the binary run as a user runs it, scratch workspaces with
//! the shipped profiles, and the output tree as files and as its ownership list.
//!
//! Each test crate includes this module with `mod common;` and uses the part it needs.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The name of the ownership list at the top of every tree magnetiq-gen writes.
pub const OWNED: &str = ".magnetiq-gen-owned";

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: this build, or another one named by `HOSTILE_BIN` (to watch the
/// tests fail on an older release).
pub fn bin() -> PathBuf {
    std::env::var_os("HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_magnetiq-gen")))
}

/// A command for the binary, run in `dir`, inheriting neither `CI` nor any `MAGNETIQ_*`
/// variable of the test run (a test sets the ones it means).
pub fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).current_dir(dir).env_remove("CI");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MAGNETIQ_") {
            c.env_remove(k);
        }
    }
    c
}

/// Runs the binary in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[])
}

/// Runs the binary in `dir` with extra environment variables.
pub fn run_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    cmd(dir, args)
        .envs(envs.iter().copied())
        .output()
        .expect("run magnetiq-gen")
}

/// Runs the binary and requires success, showing stderr otherwise.
pub fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    out
}

/// Runs the binary, requires success and returns stdout.
pub fn stdout_of(dir: &Path, args: &[&str]) -> String {
    text(&ok(dir, args).stdout)
}

/// Runs the binary, requires exit 2 (bad input) and returns stderr.
pub fn error_of(dir: &Path, args: &[&str]) -> String {
    error_of_env(dir, args, &[])
}

/// [`error_of`] with extra environment variables.
pub fn error_of_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = run_env(dir, args, envs);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail with 2; stdout: {}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

/// `render --check` of `profile` against the tree `k8s` of `dir`, which must find drift
/// (exit 1): its report.
pub fn drift_report(dir: &Path, profile: &str) -> String {
    let out = run(dir, &["render", "-p", profile, "-o", "k8s", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--check should find drift; stderr: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Lossy text of an output stream.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scratch repository with a copy of the shipped profiles, as a user's repository has.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_profiles(&dir.path().join("profiles"));
    dir
}

/// Copies the shipped profiles into `to` (created, parents included).
pub fn copy_profiles(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(repo().join("profiles"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Writes `text` into the file at `rel` below `dir`.
pub fn put(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap();
}

/// The ownership list of the tree at `tree`, as written.
pub fn owned_list(tree: &Path) -> String {
    std::fs::read_to_string(tree.join(OWNED)).unwrap()
}

/// Replaces the ownership list of the tree at `tree` with `lines`.
pub fn write_owned_list(tree: &Path, lines: &[&str]) {
    std::fs::write(tree.join(OWNED), lines.join("\n") + "\n").unwrap();
}

/// Every file below `dir` (links and special files included, directories walked, never
/// through a link) with its content (`None` for what is not a regular file), by path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                walk(root, &p, out);
            } else if meta.is_file() {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            } else {
                out.insert(rel, None);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The objects of the stream `magnetiq-gen <args>` prints in the repository (a `render`
/// without `--out-dir`), as JSON; the run must succeed.
pub fn stream_objects(args: &[&str]) -> Vec<serde_json::Value> {
    let out = run_env(&repo(), args, &[("NO_COLOR", "1")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    magnetiq_gen::lint::load_texts(&[("stream.yaml".to_string(), text(&out.stdout))])
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// The objects of one kind.
pub fn of_kind<'a>(objects: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The `*.toml` files of `dir` as (stem, bytes), sorted by stem.
pub fn toml_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The objects the library renders for a shipped profile with `--set` overrides, as JSON;
/// the error's text when the profile is refused.
pub fn render_shipped(profile: &str, set: &[&str]) -> Result<Vec<serde_json::Value>, String> {
    let store = magnetiq_gen::profile::DirStore::new(repo().join("profiles"));
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let r = magnetiq_gen::Request::new(&store, profile)
        .overrides(&set)
        .render()
        .map_err(|e| format!("{e:#}"))?;
    Ok(r.manifest
        .files
        .iter()
        .flat_map(|f| &f.objects)
        .map(|o| serde_json::to_value(o).unwrap())
        .collect())
}
