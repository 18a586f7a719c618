//! `plan`: transition fixtures (a tree before and after one kind of change, each rendered from
//! the shipped profiles with `--set` overrides), each human plan pinned as a snapshot and
//! checked against the JSON document; plans of a tree against itself and against nothing;
//! the binary's exit codes; `render --out-dir` refusing what plan blocks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use common::{repo, text};

use magnetiq_gen::plan::{self, Action, Class, Plan};
use magnetiq_gen::profile::{DirStore, MemStore, ProfileStore};
use serde_json::Value;

type Tree = Vec<(String, String)>;

fn tree_of(store: &dyn ProfileStore, profile: &str, set: &[&str]) -> Tree {
    tree_with_env(store, profile, set, &BTreeMap::new())
}

fn tree_with_env(
    store: &dyn ProfileStore,
    profile: &str,
    set: &[&str],
    env: &BTreeMap<String, String>,
) -> Tree {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let r = magnetiq_gen::Request::new(store, profile)
        .overrides(&set)
        .env(env)
        .render()
        .unwrap_or_else(|e| panic!("{profile} {set:?}: {e:#}"));
    magnetiq_gen::output::tree(&r.manifest)
}

fn production(set: &[&str]) -> Tree {
    tree_of(&DirStore::new(repo().join("profiles")), "production", set)
}

/// One transition: production rendered with `before`, then with `after`.
struct Transition {
    name: &'static str,
    before: &'static [&'static str],
    after: &'static [&'static str],
    /// Every consequence class the plan must carry (and no others).
    classes: &'static [Class],
    /// Every action the plan must contain (and no others).
    actions: &'static [Action],
}

const TRANSITIONS: &[Transition] = &[
    Transition {
        name: "storage_class_renamed",
        before: &[],
        after: &["storage.longhorn.class_name=longhorn-nvme"],
        classes: &[Class::Rejected, Class::Data],
        actions: &[Action::Create, Action::Replace, Action::Delete],
    },
    Transition {
        name: "storage_class_parameter_changed",
        before: &[],
        after: &["storage.longhorn.number_of_replicas=2"],
        classes: &[Class::Rejected],
        actions: &[Action::Replace],
    },
    Transition {
        name: "claim_shrunk",
        before: &[],
        after: &["storage.data.size=5Gi"],
        classes: &[Class::Rejected],
        actions: &[Action::Replace],
    },
    Transition {
        name: "claim_grown",
        before: &[],
        after: &["storage.data.size=20Gi"],
        classes: &[],
        actions: &[Action::Update],
    },
    Transition {
        name: "app_renamed",
        before: &[],
        after: &["app.name=mq"],
        classes: &[Class::Data, Class::Downtime],
        actions: &[Action::Create, Action::Update, Action::Delete],
    },
    Transition {
        // The runbook's safe path: the claims are pinned to their old names first, so the
        // renamed backend mounts the same volumes and no data is stranded.
        name: "app_renamed_keeping_its_claims",
        before: &[],
        after: &[
            "app.name=mq",
            "storage.data.claim_name=magnetiq-data-pvc",
            "storage.media.claim_name=magnetiq-media-pvc",
            "database.sqlite.backup.claim_name=magnetiq-backups",
        ],
        classes: &[Class::Downtime],
        actions: &[Action::Create, Action::Update, Action::Delete],
    },
    Transition {
        // The app-consistent SQLite copies turned off: their claim leaves the tree.
        name: "sqlite_backup_disabled",
        before: &[],
        after: &["database.sqlite.backup.enabled=false"],
        // Update: the alerts stop watching the claim.
        classes: &[Class::Data],
        actions: &[Action::Update, Action::Delete],
    },
    Transition {
        // The import on an environment that has data: the backend restarts, and the note
        // says the init container leaves an existing database alone.
        name: "sqlite_import_enabled",
        before: &[],
        after: &[
            "database.sqlite.import.url=https://files.example.com/magnetiq.db",
            "database.sqlite.import.sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "database.sqlite.import.image=docker.io/curlimages/curl:8.11.1",
        ],
        classes: &[Class::Downtime],
        actions: &[Action::Update],
    },
    Transition {
        // A restore set: data (the copy replaces the live database at the next start) and
        // the backend's Recreate restart.
        name: "sqlite_restore_set",
        before: &[],
        after: &["database.sqlite.backup.restore_from=backup-20261201T013000Z.db"],
        classes: &[Class::Data, Class::Downtime],
        actions: &[Action::Update],
    },
    Transition {
        // Pointed at another copy: a second restore, reported again.
        name: "sqlite_restore_other_copy",
        before: &["database.sqlite.backup.restore_from=backup-20261201T013000Z.db"],
        after: &["database.sqlite.backup.restore_from=backup-20261130T013000Z.db"],
        classes: &[Class::Data, Class::Downtime],
        actions: &[Action::Update],
    },
    Transition {
        name: "namespace_changed",
        before: &[],
        after: &["app.namespace=magnetiq-prod"],
        // The class's recurringJobSelector names the namespace's backup group: the
        // StorageClass parameters change too.
        classes: &[Class::Rejected, Class::Data, Class::Downtime],
        actions: &[Action::Create, Action::Replace, Action::Delete],
    },
    Transition {
        name: "storage_provider_changed",
        before: &["backup.enabled=false"],
        after: &["backup.enabled=false", "storage.provider=cluster-default"],
        classes: &[Class::Rejected, Class::Data],
        // Update: the alerts lose the Longhorn ones.
        actions: &[Action::Update, Action::Replace, Action::Delete],
    },
    Transition {
        name: "backup_removed",
        before: &[],
        after: &["backup.enabled=false"],
        classes: &[Class::Data],
        actions: &[Action::Update, Action::Delete],
    },
    Transition {
        name: "image_bumped",
        before: &[],
        after: &["app.version=2.0.1"],
        classes: &[Class::Downtime, Class::Restart],
        actions: &[Action::Update],
    },
    Transition {
        name: "config_changed",
        before: &[],
        after: &["config.SMTP_PORT=2525"],
        // Only the backend reads SMTP_PORT, so only its checksum changes.
        classes: &[Class::Downtime],
        actions: &[Action::Update],
    },
    Transition {
        name: "optional_object_enabled",
        before: &["monitoring.enabled=false"],
        after: &[],
        classes: &[],
        actions: &[Action::Create, Action::Update],
    },
    Transition {
        name: "optional_object_disabled",
        before: &[],
        after: &["autoscaling.enabled=false"],
        // spec.replicas comes back: a scale, not a restart.
        classes: &[],
        actions: &[Action::Update, Action::Delete],
    },
];

fn classes(p: &Plan) -> BTreeSet<Class> {
    p.changes
        .iter()
        .flat_map(|c| c.consequences.iter().map(|k| k.class))
        .collect()
}

fn actions(p: &Plan) -> BTreeSet<Action> {
    p.changes.iter().map(|c| c.action).collect()
}

/// The JSON says what the plan says: the same changes (action, kind, namespace, name) with
/// the same consequence classes, and a summary and `blocking` that agree.
fn check_json(p: &Plan) -> Value {
    let doc: Value = serde_json::from_str(&plan::to_json(p)).expect("plan JSON parses");
    assert_eq!(doc["version"], plan::JSON_VERSION);
    assert_eq!(doc["blocking"], p.is_blocking());
    let changes = doc["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), p.changes.len());
    for (j, c) in changes.iter().zip(&p.changes) {
        assert_eq!(j["action"], serde_json::to_value(c.action).unwrap());
        assert_eq!(j["kind"], c.key.kind.as_str());
        assert_eq!(j["name"], c.key.name.as_str());
        assert_eq!(j["namespace"].as_str(), c.key.namespace.as_deref());
        let classes: Vec<Value> = j["consequences"]
            .as_array()
            .map(|cs| cs.iter().map(|k| k["class"].clone()).collect())
            .unwrap_or_default();
        let expected: Vec<Value> = c
            .consequences
            .iter()
            .map(|k| serde_json::to_value(k.class).unwrap())
            .collect();
        assert_eq!(classes, expected, "{}", c.key);
    }
    let count = |a: Action| p.changes.iter().filter(|c| c.action == a).count();
    assert_eq!(doc["summary"]["replace"], count(Action::Replace));
    assert_eq!(doc["summary"]["delete"], count(Action::Delete));
    doc
}

#[test]
fn each_transition_plans_its_consequences_and_the_json_agrees() {
    assert!(TRANSITIONS.len() >= 12);
    for t in TRANSITIONS {
        let p = plan::plan(&production(t.before), &production(t.after));
        let text = plan::to_text(&p, false);
        assert_eq!(
            classes(&p),
            t.classes.iter().copied().collect(),
            "{}:\n{text}",
            t.name
        );
        assert_eq!(
            actions(&p),
            t.actions.iter().copied().collect(),
            "{}:\n{text}",
            t.name
        );
        assert_eq!(
            p.is_blocking(),
            t.classes.contains(&Class::Rejected) || t.classes.contains(&Class::Data),
            "{}",
            t.name
        );
        check_json(&p);
        insta::with_settings!({ snapshot_path => "snapshots/plan", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(t.name, text);
        });
    }
}

/// `argocd.keep_on_delete` true → false changes only annotations, but the claims, the
/// namespace and their data then go with the Application: a data change that needs
/// `--accept data-loss`. The way back (guards added) puts nothing at risk.
#[test]
fn dropping_argocd_delete_guards_is_a_data_change_and_adding_them_is_not() {
    let store = DirStore::new(repo().join("profiles"));
    let kept = tree_of(&store, "staging", &[]);
    let thrown = tree_of(&store, "staging", &["argocd.keep_on_delete=false"]);
    let p = plan::plan(&kept, &thrown);
    let text = plan::to_text(&p, false);
    assert!(p.is_blocking(), "{text}");
    assert_eq!(actions(&p), BTreeSet::from([Action::Update]), "{text}");
    let at_risk: BTreeSet<(&str, &str)> = p
        .changes
        .iter()
        .filter(|c| c.consequences.iter().any(|k| k.class == Class::Data))
        .map(|c| (c.key.kind.as_str(), c.key.name.as_str()))
        .collect();
    assert_eq!(
        at_risk,
        BTreeSet::from([
            ("Namespace", "magnetiq-v2-staging"),
            ("PersistentVolumeClaim", "magnetiq-data-pvc"),
            ("PersistentVolumeClaim", "magnetiq-media-pvc"),
        ]),
        "{text}"
    );
    assert!(
        text.contains("loses ArgoCD's Prune=false and Delete=false"),
        "{text}"
    );
    check_json(&p);
    insta::with_settings!({ snapshot_path => "snapshots/plan", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("keep_on_delete_dropped", text);
    });

    let back = plan::plan(&thrown, &kept);
    assert!(!back.is_blocking(), "{}", plan::to_text(&back, false));
    assert_eq!(classes(&back), BTreeSet::new());
}

#[test]
fn a_changed_deployment_selector_is_rejected() {
    // The design document's Deployments select by `app:`; magnetiq-gen's by name and
    // component. A render cannot produce the old selector, so the "before" is edited.
    let after = production(&[]);
    let before: Tree = after
        .iter()
        .map(|(path, text)| {
            let text = if path == "backend/deployment.yaml" {
                text.replacen(
                    "  selector:\n    matchLabels:\n",
                    "  selector:\n    matchLabels:\n      app: magnetiq-backend\n",
                    1,
                )
            } else {
                text.clone()
            };
            (path.clone(), text)
        })
        .collect();
    let p = plan::plan(&before, &after);
    assert_eq!(p.changes.len(), 1, "{}", plan::to_text(&p, false));
    let c = &p.changes[0];
    assert_eq!(
        (c.action, c.key.kind.as_str()),
        (Action::Replace, "Deployment")
    );
    assert!(c.has(Class::Rejected) && c.has(Class::Downtime));
    check_json(&p);
    insta::with_settings!({ snapshot_path => "snapshots/plan", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("selector_changed", plan::to_text(&p, false));
    });
}

#[test]
fn every_shipped_profile_plans_empty_against_itself_and_all_create_against_nothing() {
    let store = DirStore::new(repo().join("profiles"));
    for name in ["production", "staging", "dev", "example"] {
        let tree = tree_of(&store, name, &[]);
        let same = plan::plan(&tree, &tree);
        assert!(same.is_empty(), "{name}: {}", plan::to_text(&same, false));
        assert!(!same.is_blocking());
        let fresh = plan::plan(&[], &tree);
        assert!(!fresh.changes.is_empty());
        assert!(
            fresh
                .changes
                .iter()
                .all(|c| c.action == Action::Create && c.consequences.is_empty()),
            "{name}: {}",
            plan::to_text(&fresh, false)
        );
        assert!(!fresh.is_blocking());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
    /// Any version and any frontend replica bound: a tree against itself is empty, against
    /// nothing all create, and a release never blocks.
    #[test]
    fn plans_of_generated_releases_are_consistent(
        version in "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}",
        max in 4u32..20,
    ) {
        let set = [format!("app.version={version}"), format!("autoscaling.max_replicas={max}")];
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let tree = production(&set);
        proptest::prop_assert!(plan::plan(&tree, &tree).is_empty());
        proptest::prop_assert!(plan::plan(&[], &tree).changes.iter().all(|c| c.action == Action::Create));
        proptest::prop_assert!(!plan::plan(&production(&[]), &tree).is_blocking());
    }
}

#[test]
fn secret_values_never_appear_in_a_plan() {
    let base = std::fs::read(repo().join("profiles/base.toml")).unwrap();
    let store = MemStore {
        files: vec![
            ("base".into(), base),
            (
                "p".into(),
                b"extends = \"base\"\n[secrets]\nmode = \"inline\"\n".to_vec(),
            ),
        ],
    };
    let env = |pw: &str| -> BTreeMap<String, String> {
        [
            ("SECRET_KEY", "k3y-9f8e7d-old"),
            ("SMTP_USERNAME", "mailer"),
            ("SMTP_PASSWORD", pw),
        ]
        .iter()
        .map(|(k, v)| (format!("MAGNETIQ_SECRET_{k}"), v.to_string()))
        .collect()
    };
    let before = tree_with_env(&store, "p", &[], &env("s3cr3t-pw-old"));
    let after = tree_with_env(&store, "p", &[], &env("s3cr3t-pw-new"));
    let p = plan::plan(&before, &after);
    let secret = p
        .changes
        .iter()
        .find(|c| c.key.kind == "Secret")
        .expect("the Secret changes");
    assert!(!secret.fields.is_empty());
    let shown = format!("{}{}", plan::to_text(&p, false), plan::to_json(&p));
    for value in ["s3cr3t-pw-old", "s3cr3t-pw-new", "k3y-9f8e7d-old", "mailer"] {
        assert!(!shown.contains(value), "{value} leaked:\n{shown}");
    }
    for encoded in ["czNjcjN0LXB3LW9sZA", "czNjcjN0LXB3LW5ldw"] {
        assert!(
            !shown.contains(encoded),
            "base64 of a value leaked:\n{shown}"
        );
    }
}

// --- the binary ---

/// Runs the binary in `dir`, with whatever `NO_COLOR` the test run has removed.
fn run(dir: &Path, args: &[&str]) -> Output {
    common::cmd(dir, args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run magnetiq-gen")
}

fn rendered_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k8s");
    let o = run(
        &repo(),
        &[
            "render",
            "--profile",
            "production",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    dir
}

#[test]
fn plan_exits_0_on_a_fresh_directory_1_when_blocking_and_2_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    let k8s = k8s.to_str().unwrap();
    let fresh = run(
        &repo(),
        &["plan", "--profile", "production", "--out-dir", k8s],
    );
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    assert!(text(&fresh.stdout).starts_with("Plan: 29 to create, 0 to update"));
    assert!(
        !text(&fresh.stdout).contains('\x1b'),
        "no colour off a terminal"
    );

    let dir = rendered_dir();
    let k8s = dir.path().join("k8s");
    let k8s = k8s.to_str().unwrap();
    let same = run(&repo(), &["plan", "-p", "production", "-o", k8s]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        text(&same.stdout),
        "No changes: the tree matches a fresh render.\n"
    );

    let shrink = run(
        &repo(),
        &[
            "plan",
            "-p",
            "production",
            "-o",
            k8s,
            "--set",
            "storage.data.size=5Gi",
            "--format",
            "json",
        ],
    );
    assert_eq!(shrink.status.code(), Some(1), "{}", text(&shrink.stderr));
    let doc: Value = serde_json::from_slice(&shrink.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["blocking"], true);
    assert_eq!(doc["changes"][0]["consequences"][0]["class"], "rejected");

    let bad = run(
        &repo(),
        &[
            "plan",
            "-p",
            "production",
            "-o",
            k8s,
            "--set",
            "backend.replicas=2",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

#[test]
fn a_tree_plan_cannot_read_is_bad_input() {
    let dir = rendered_dir();
    let k8s = dir.path().join("k8s");
    std::fs::write(k8s.join("ingress.yaml"), "kind: [unclosed\n").unwrap();
    let o = run(
        &repo(),
        &["plan", "-p", "production", "-o", k8s.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("ingress.yaml: not valid YAML"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn render_refuses_a_blocking_change_until_it_is_accepted_by_name() {
    let dir = rendered_dir();
    let k8s = dir.path().join("k8s");
    let k8s_str = k8s.to_str().unwrap();
    let before = std::fs::read_to_string(k8s.join("backend/pvc.yaml")).unwrap();
    let args = [
        "render",
        "-p",
        "production",
        "-o",
        k8s_str,
        "--set",
        "storage.longhorn.class_name=longhorn-nvme",
    ];

    let refused = run(&repo(), &args);
    assert_eq!(refused.status.code(), Some(2));
    let err = text(&refused.stderr);
    assert!(err.contains("refusing to write"), "{err}");
    assert!(
        err.contains("storageClassName longhorn-ssd -> longhorn-nvme"),
        "{err}"
    );
    assert!(
        err.contains("--accept replace") && err.contains("--accept data-loss"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(k8s.join("backend/pvc.yaml")).unwrap(),
        before
    );

    let half = run(&repo(), &[&args[..], &["--accept", "replace"]].concat());
    assert_eq!(
        half.status.code(),
        Some(2),
        "data-loss is acknowledged separately"
    );
    assert!(text(&half.stderr).contains("--accept data-loss"));
    assert_eq!(
        std::fs::read_to_string(k8s.join("backend/pvc.yaml")).unwrap(),
        before
    );

    let accepted = run(
        &repo(),
        &[&args[..], &["--accept", "replace", "--accept", "data-loss"]].concat(),
    );
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}",
        text(&accepted.stderr)
    );
    assert!(
        std::fs::read_to_string(k8s.join("backend/pvc.yaml"))
            .unwrap()
            .contains("longhorn-nvme")
    );

    // --check, stdout and a release are never refused.
    let check = run(
        &repo(),
        &["render", "-p", "production", "-o", k8s_str, "--check"],
    );
    assert_eq!(
        check.status.code(),
        Some(1),
        "drift, not a refusal: {}",
        text(&check.stderr)
    );
    let stdout = run(
        &repo(),
        &[
            "render",
            "-p",
            "production",
            "--set",
            "storage.data.size=1Gi",
        ],
    );
    assert_eq!(stdout.status.code(), Some(0));
    let release = run(
        &repo(),
        &[&args[..], &["--set", "app.version=2.0.1"]].concat(),
    );
    assert_eq!(release.status.code(), Some(0), "{}", text(&release.stderr));
}

#[test]
fn render_all_refuses_a_blocking_change_in_any_profile() {
    let ws = tempfile::tempdir().unwrap();
    let out = ws.path().join("trees");
    let out = out.to_str().unwrap();
    let ok = run(&repo(), &["render", "--all", "--out-dir", out]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let shrink = run(
        &repo(),
        &[
            "render",
            "--all",
            "--out-dir",
            out,
            "--set",
            "storage.data.size=1Gi",
        ],
    );
    assert_eq!(shrink.status.code(), Some(2));
    assert!(
        text(&shrink.stderr).contains("production:"),
        "{}",
        text(&shrink.stderr)
    );
}
