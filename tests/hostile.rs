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

mod common;
pub use common::*;

use std::process::{Command, Output};

/// Runs a command, killing it and failing the test if it takes longer than `secs` (an attack
/// that hangs the tool fails its test instead of hanging the suite). Output goes to files, so
/// that a large output cannot stall the child on a full pipe.
pub fn run_with_timeout(mut c: Command, secs: u64) -> Output {
    use std::time::{Duration, Instant};
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = c
        .stdin(std::process::Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .expect("spawn magnetiq-gen");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("magnetiq-gen still running after {secs} s (hang): killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(out.path()).unwrap(),
        stderr: std::fs::read(err.path()).unwrap(),
    }
}
