//! GitOps: the app-of-apps root `render --all` writes, its drift check, and plugin-mode
//! Applications.

mod common;

use std::path::Path;
use std::process::Output;

use magnetiq_gen::Object;
use magnetiq_gen::crds::argocd::Application;
use magnetiq_gen::names::root_application;
use magnetiq_gen::resources::argocd::{PluginSettings, carry_plugin_settings};

/// Runs the binary in the repository.
fn run(args: &[&str]) -> Output {
    common::run(&common::repo(), args)
}

fn applications(text: &str) -> Vec<Application> {
    serde_saphyr::from_multiple::<serde_json::Value>(text)
        .expect("parses")
        .into_iter()
        .map(|doc| match Object::from_value(doc).expect("typed") {
            Object::Application(a) => a,
            other => panic!("not an Application: {}", other.id()),
        })
        .collect()
}

fn read_apps(path: &Path) -> Vec<Application> {
    applications(&std::fs::read_to_string(path).expect("reads"))
}

fn render_all(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec!["render", "--all", "--out-dir", out];
    args.extend(extra);
    run(&args)
}

#[test]
fn render_all_writes_a_root_that_syncs_one_application_per_environment_and_never_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("envs");
    let o = render_all(&out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let top = out.join("_argocd");

    // One Application per deployable profile with ArgoCD enabled (dev has it off), each
    // identical to the one in the profile's own tree.
    let mut names = Vec::new();
    for entry in std::fs::read_dir(top.join("apps")).unwrap() {
        let path = entry.unwrap().path();
        let profile = path.file_stem().unwrap().to_str().unwrap().to_string();
        let apps = read_apps(&path);
        assert_eq!(apps.len(), 1, "{}", path.display());
        let own = read_apps(&out.join(&profile).join("argocd-application.yaml"));
        assert_eq!(apps, own, "{profile}");
        names.push(profile);
    }
    names.sort();
    // example is a reference profile: never deployed, so not in the root.
    assert_eq!(names, ["production", "production-ha", "staging"]);

    let root = read_apps(&top.join("root-application.yaml"));
    let [root] = root.as_slice() else {
        panic!("one root")
    };
    // Named for the repository and the output directory (outside a Git work tree, the
    // directory's own name), so another `render --all` output on the cluster has its own.
    assert_eq!(
        root.metadata.name.as_deref(),
        Some("magnetiq-gen-magnetiq2-envs")
    );
    // It syncs apps/ only: its own file lies outside what it reads, so it can neither
    // manage nor prune itself.
    let dir = root
        .spec
        .source
        .directory
        .as_ref()
        .expect("directory source");
    assert!(!dir.recurse);
    assert!(root.spec.source.path.ends_with("/_argocd/apps"));
    assert!(!root.spec.source.path.ends_with("/_argocd"));
    // Deleting the root by hand never cascades into the environments.
    assert!(root.metadata.finalizers.is_none());
    assert!(
        !root
            .spec
            .sync_policy
            .automated
            .as_ref()
            .unwrap()
            .allow_empty
    );

    // The writer owns every file it added, so stale ones are pruned.
    let owned = common::owned_list(&top);
    for f in [
        "apps/production.yaml",
        "apps/staging.yaml",
        "root-application.yaml",
    ] {
        assert!(owned.lines().any(|l| l == f), "{f} not owned:\n{owned}");
    }
}

#[test]
fn drift_check_reports_a_changed_argocd_setting_and_a_missing_apps_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("envs");
    assert!(render_all(&out, &[]).status.success());
    let o = render_all(&out, &["--check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    let o = render_all(&out, &["--check", "--set", "argocd.project=other"]);
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("_argocd is out of date"), "{report}");
    assert!(report.contains("changed: apps/production.yaml"), "{report}");
    assert!(report.contains("project: other"), "{report}");

    std::fs::remove_file(out.join("_argocd/apps/staging.yaml")).unwrap();
    let o = render_all(&out, &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("missing: apps/staging.yaml"), "{report}");

    // A profile that stops rendering an Application takes its file with it.
    let o = render_all(
        &out,
        &[
            "--set",
            "argocd.enabled=false",
            "--set",
            "smoke_test.enabled=false",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("_argocd").exists());
}

#[test]
fn plugin_mode_application_points_at_the_folder_holding_profiles_and_carries_overrides() {
    let o = run(&[
        "render",
        "--profile",
        "production",
        "--set",
        "argocd.mode=plugin",
        "--set",
        "app.version=2.1.0",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stream = String::from_utf8_lossy(&o.stdout);
    let app = serde_saphyr::from_multiple::<serde_json::Value>(&stream)
        .unwrap()
        .into_iter()
        .find(|d| d["kind"] == "Application")
        .expect("an Application");
    let Object::Application(app) = Object::from_value(app).unwrap() else {
        unreachable!()
    };
    // `profiles/` is at the repository root, so the source is the root itself.
    assert_eq!(app.spec.source.path, ".");
    let plugin = app.spec.source.plugin.expect("plugin source");
    assert!(plugin.env.is_empty(), "default profiles dir needs no env");
    let set = plugin.parameters.iter().find(|p| p.name == "set").unwrap();
    assert_eq!(
        set.array.as_deref(),
        Some(&["argocd.mode=plugin".to_string(), "app.version=2.1.0".into()][..])
    );
    let profile = plugin.parameters.iter().find(|p| p.name == "profile");
    assert_eq!(profile.unwrap().string.as_deref(), Some("production"));
}

#[test]
fn plugin_settings_name_a_profiles_dir_other_than_profiles_and_leave_directory_mode_alone() {
    let o = run(&[
        "render",
        "--profile",
        "production",
        "--set",
        "argocd.mode=plugin",
    ]);
    let docs =
        serde_saphyr::from_multiple::<serde_json::Value>(&String::from_utf8_lossy(&o.stdout))
            .unwrap();
    let doc = docs
        .into_iter()
        .find(|d| d["kind"] == "Application")
        .unwrap();
    let Object::Application(mut app) = Object::from_value(doc).unwrap() else {
        unreachable!()
    };
    let settings = PluginSettings {
        source_path: "deploy/magnetiq".into(),
        profiles_dir: Some("envs".into()),
        overrides: Vec::new(),
    };
    carry_plugin_settings(&mut app, &settings);
    assert_eq!(app.spec.source.path, "deploy/magnetiq");
    let plugin = app.spec.source.plugin.as_ref().unwrap();
    assert_eq!(plugin.env.len(), 1);
    assert_eq!(
        (plugin.env[0].name.as_str(), plugin.env[0].value.as_str()),
        ("PROFILES_DIR", "envs")
    );
    assert!(plugin.parameters.iter().all(|p| p.name != "set"));

    let o = run(&["render", "--profile", "production"]);
    let docs =
        serde_saphyr::from_multiple::<serde_json::Value>(&String::from_utf8_lossy(&o.stdout))
            .unwrap();
    let doc = docs
        .into_iter()
        .find(|d| d["kind"] == "Application")
        .unwrap();
    let Object::Application(mut app) = Object::from_value(doc).unwrap() else {
        unreachable!()
    };
    let before = app.clone();
    carry_plugin_settings(&mut app, &settings);
    assert_eq!(app, before);
    assert_eq!(app.spec.source.path, "k8s");
}

#[test]
fn root_names_differ_per_repository_and_directory_and_always_fit_a_label() {
    let repo = "https://github.com/voltaic-systems/magnetiq2";
    assert_eq!(root_application(repo, "."), "magnetiq-gen-magnetiq2");
    assert_eq!(root_application(repo, "k8s"), "magnetiq-gen-magnetiq2-k8s");
    assert_eq!(
        root_application("git@github.com:team/Ops_Repo.git", "deploy/Envs"),
        "magnetiq-gen-ops-repo-deploy-envs"
    );
    assert_eq!(root_application("", "envs"), "magnetiq-gen-envs");
    assert_ne!(
        root_application(repo, "k8s"),
        root_application("https://github.com/other/magnetiq3", "k8s")
    );
    // Too long for a label: cut, with a hash of the whole keeping two long paths apart.
    let a = root_application(repo, &format!("{}/a", "x".repeat(80)));
    let b = root_application(repo, &format!("{}/b", "x".repeat(80)));
    assert!(a.len() <= 63 && b.len() <= 63, "{a} {b}");
    assert_ne!(a, b);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !a.ends_with('-'),
        "{a}"
    );
}
