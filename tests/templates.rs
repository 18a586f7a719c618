//! `[templates]`: every bad template under tests/fixtures/templates/templates/ has its
//! message pinned (insta), each used by the profile of the same name next to it (extending
//! the shipped production profile); the good ones render with the standard labels and the
//! namespace.

mod common;

use std::path::PathBuf;

use magnetiq_gen::manifest::Object;
use magnetiq_gen::profile::{MemStore, ProfileStore};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

/// Fixture profiles that render.
const GOOD: &[&str] = &["redis-sessions", "storage-class"];

/// The shipped profiles and the fixture profiles, with the fixture templates; templates are
/// shown as `templates/NAME.yaml.j2` whatever the checkout's path.
struct Store {
    profiles: MemStore,
}

impl ProfileStore for Store {
    fn read(&self, name: &str) -> magnetiq_gen::Result<Option<(String, Vec<u8>)>> {
        self.profiles.read(name)
    }

    fn names(&self) -> Vec<String> {
        self.profiles.names()
    }

    fn read_template(&self, name: &str) -> magnetiq_gen::Result<Option<(String, Vec<u8>)>> {
        let path = fixtures().join(format!("templates/{name}.yaml.j2"));
        Ok(std::fs::read(path)
            .ok()
            .map(|b| (format!("templates/{name}.yaml.j2"), b)))
    }

    fn template_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(fixtures().join("templates"))
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".yaml.j2")
                    .map(str::to_string)
            })
            .collect();
        names.sort();
        names
    }
}

fn store() -> Store {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut files = common::toml_files(&shipped);
    files.extend(common::toml_files(&fixtures()));
    Store {
        profiles: MemStore { files },
    }
}

fn bad_fixtures() -> Vec<String> {
    common::toml_files(&fixtures())
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !GOOD.contains(&n.as_str()))
        .collect()
}

#[test]
fn every_bad_template_has_its_message_pinned() {
    let bad = bad_fixtures();
    assert!(bad.len() >= 12, "only {} fixtures", bad.len());
    let store = store();
    for name in &bad {
        let message = match magnetiq_gen::render(&store, name) {
            Ok(_) => panic!("fixture {name} renders, but it is meant to be rejected"),
            Err(e) => format!("error: {e}"),
        };
        insta::assert_snapshot!(name.as_str(), message);
    }
}

#[test]
fn template_errors_point_into_the_template() {
    let store = store();
    let at = |name: &str| {
        let e = magnetiq_gen::render(&store, name).unwrap_err();
        let p = e.as_profile().expect("a profile error");
        let d = &p.diagnostics[0];
        let pos = p.sources.position(d.loc.as_ref().unwrap());
        (pos.file.to_string(), pos.line)
    };
    assert_eq!(
        at("undefined-reference"),
        ("templates/undefined-reference.yaml.j2".into(), 6)
    );
    assert_eq!(
        at("cronjob-unknown-field"),
        ("templates/cronjob-unknown-field.yaml.j2".into(), 15)
    );
    assert_eq!(
        at("other-namespace"),
        ("templates/other-namespace.yaml.j2".into(), 5)
    );
}

#[test]
fn an_allowed_kind_renders_with_the_standard_labels_and_namespace() {
    let m = magnetiq_gen::render(&store(), "redis-sessions").unwrap_or_else(|e| panic!("{e}"));
    let file = m
        .files
        .iter()
        .find(|f| f.path == "redis-sessions.yaml")
        .expect("the template's file");
    let [Object::Custom(redis)] = file.objects.as_slice() else {
        panic!("{:?}", file.objects);
    };
    assert_eq!(redis.value["kind"], "Redis");
    let meta = &redis.metadata;
    assert_eq!(meta.namespace.as_deref(), Some("magnetiq-v2"));
    let labels = meta.labels.as_ref().unwrap();
    assert_eq!(labels["app.kubernetes.io/managed-by"], "magnetiq-gen");
    // The same object without the allow-list entry is refused (fixture unknown-kind).
    let tree = magnetiq_gen::output::tree(&m);
    let owned = &tree
        .iter()
        .find(|(p, _)| p == ".magnetiq-gen-owned")
        .unwrap()
        .1;
    assert!(owned.lines().any(|l| l == "redis-sessions.yaml"), "{owned}");
}

#[test]
fn an_added_object_shows_in_the_plan_as_new() {
    let store = store();
    let before = magnetiq_gen::output::tree(&magnetiq_gen::render(&store, "production").unwrap());
    let after =
        magnetiq_gen::output::tree(&magnetiq_gen::render(&store, "redis-sessions").unwrap());
    let plan = magnetiq_gen::plan::plan(&before, &after);
    let redis: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.key.kind == "Redis")
        .collect();
    assert_eq!(redis.len(), 1, "{plan:?}");
    assert_eq!(redis[0].file, "redis-sessions.yaml");
    assert_eq!(
        plan.changes.len(),
        1,
        "only the added object changes: {plan:?}"
    );
}

#[test]
fn a_template_file_takes_part_in_check_like_any_other() {
    let bin = env!("CARGO_BIN_EXE_magnetiq-gen");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let tree = out.path().join("k8s");
    let run = |extra: &[&str]| {
        let mut args = vec!["render", "--profile", "example", "--out-dir"];
        args.push(tree.to_str().unwrap());
        args.extend(extra);
        std::process::Command::new(bin)
            .args(&args)
            .current_dir(&repo)
            .output()
            .unwrap()
    };
    let written = run(&[]);
    assert_eq!(written.status.code(), Some(0), "{written:?}");
    assert!(tree.join("uptime-check.yaml").is_file());
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    let file = tree.join("uptime-check.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("*/5 * * * *", "*/1 * * * *")).unwrap();
    let drift = run(&["--check"]);
    assert_eq!(drift.status.code(), Some(1), "{drift:?}");
    assert!(
        String::from_utf8_lossy(&drift.stdout).contains("uptime-check.yaml")
            || String::from_utf8_lossy(&drift.stderr).contains("uptime-check.yaml")
    );
}

#[cfg(unix)]
#[test]
fn a_template_that_is_a_link_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles");
    for f in ["base.toml", "production.toml"] {
        std::fs::copy(shipped.join(f), profiles.join(f)).unwrap();
    }
    std::fs::write(
        profiles.join("p.toml"),
        "extends = \"production\"\n[templates]\nuse = [\"link\"]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("templates/link.yaml.j2")).unwrap();
    let e = magnetiq_gen::render(&magnetiq_gen::profile::DirStore::new(&profiles), "p")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("it is a symbolic link, not a regular file"),
        "{e}"
    );
    assert!(!e.contains("root:"), "the target was read: {e}");
}

#[test]
fn a_cluster_scoped_kind_gets_the_labels_but_no_namespace() {
    let m = magnetiq_gen::render(&store(), "storage-class").unwrap_or_else(|e| panic!("{e}"));
    let file = m
        .files
        .iter()
        .find(|f| f.path == "storage-class.yaml")
        .expect("the template's file");
    let [Object::StorageClass(class)] = file.objects.as_slice() else {
        panic!("{:?}", file.objects);
    };
    assert_eq!(class.metadata.namespace, None);
    assert_eq!(
        class.metadata.labels.as_ref().unwrap()["app.kubernetes.io/part-of"],
        "magnetiq"
    );
}
