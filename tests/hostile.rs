//! Tests that attack: every class of abuse from issue 10, each reproduced against the tool.
//!
//! Each module owns one surface: the output tree (links, crashes, races, drift), profile input
//! (files, templates, references, overrides), rendered objects the API server would refuse or
//! alter, and the plugin and process edges (environment, secrets in messages).

#[path = "hostile/edges.rs"]
mod edges;
#[path = "hostile/input.rs"]
mod input;
#[path = "hostile/objects.rs"]
mod objects;
#[path = "hostile/tree.rs"]
mod tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under attack: this build, or another one named by `HOSTILE_BIN` (to watch these
/// tests fail on an older release).
pub fn bin() -> PathBuf {
    std::env::var_os("HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_magnetiq-gen")))
}

/// A command for the binary, run in `dir`, with no `CI` and no secret variables inherited.
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
    cmd(dir, args).output().expect("run magnetiq-gen")
}

/// Runs a command, killing it and failing the test if it takes longer than `secs`.
pub fn run_with_timeout(mut c: Command, secs: u64) -> Output {
    use std::io::Read as _;
    let mut child = c
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn magnetiq-gen");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
            child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
            return Output {
                status,
                stdout: out,
                stderr: err,
            };
        }
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("magnetiq-gen did not finish within {secs} s (hang)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Lossy text of an output stream.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scratch repository with a copy of the shipped profiles.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), profiles.join(e.file_name())).unwrap();
    }
    dir
}

/// Every file below `dir` (links and special files included, directories walked, never
/// through a link) with its content (`None` for what is not a regular file), by path.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut std::collections::BTreeMap<String, Option<Vec<u8>>>,
    ) {
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
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
