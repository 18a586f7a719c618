//! The ArgoCD Config Management Plugin, run exactly as the cmp-server runs it: in a
//! temporary copy of the repository, with the working directory set to the application's
//! path and the environment ArgoCD sets.

mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, copy_profiles, repo, text};

/// A copy of the repository as ArgoCD checks it out, with the app at `deploy/magnetiq`.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_profiles(&dir.path().join("deploy/magnetiq/profiles"));
    dir
}

fn generate(app_dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["cmp", "generate"])
        .current_dir(app_dir)
        .env_clear();
    // What the cmp-server sets for every generate call.
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ARGOCD_APP_NAME", "magnetiq-v2")
        .env("ARGOCD_APP_NAMESPACE", "magnetiq-v2")
        .env("ARGOCD_APP_REVISION", "0123456789abcdef0123456789abcdef01234567")
        .env("ARGOCD_APP_SOURCE_PATH", "deploy/magnetiq")
        .env("ARGOCD_APP_SOURCE_REPO_URL", "https://github.com/voltaic-systems/magnetiq2")
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
        .env("KUBE_VERSION", "1.30.4")
        .env("KUBE_API_VERSIONS", "v1,apps/v1,autoscaling/v2,networking.k8s.io/v1,rbac.authorization.k8s.io/v1,storage.k8s.io/v1,argoproj.io/v1alpha1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn kinds(stream: &str) -> Vec<String> {
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(stream).unwrap();
    docs.iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn generate_renders_the_profile_parameter_as_objects_only() {
    let repo_copy = checkout();
    let app = repo_copy.path().join("deploy/magnetiq");
    let params = r#"[{"name":"profile","string":"production"},{"array":["app.version=2.0.1"],"name":"set"}]"#;
    let out = generate(
        &app,
        &[
            ("ARGOCD_APP_PARAMETERS", params),
            ("PARAM_PROFILE", "production"),
            ("PARAM_SET_0", "app.version=2.0.1"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        out.stderr.is_empty(),
        "stderr is shown in the ArgoCD UI: {}",
        text(&out.stderr)
    );
    let stream = text(&out.stdout);
    // No comment lines (a `#` inside a value, such as an alert's runbook_url anchor, is data).
    assert!(
        !stream.lines().any(|l| l.trim_start().starts_with('#')),
        "only objects on stdout, no comments"
    );
    let kinds = kinds(&stream);
    assert_eq!(kinds[0], "Namespace");
    assert!(kinds.contains(&"Deployment".to_string()));
    assert!(
        !kinds.contains(&"Application".to_string()),
        "the plugin must not emit its own Application"
    );
    assert!(
        stream.contains("magnetiq-backend:v2.0.1"),
        "the set parameter applies"
    );
    // It wrote nothing into the checkout.
    let mut entries: Vec<_> = std::fs::read_dir(&app)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    entries.sort();
    assert_eq!(entries, vec![std::ffi::OsString::from("profiles")]);
}

#[test]
fn generate_falls_back_to_the_env_entry_when_parameters_are_missing_or_null() {
    let repo_copy = checkout();
    let app = repo_copy.path().join("deploy/magnetiq");
    let out = generate(
        &app,
        &[
            ("ARGOCD_APP_PARAMETERS", "null"),
            ("ARGOCD_ENV_PROFILE", "staging"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("namespace: magnetiq-v2-staging"));
}

#[test]
fn generate_without_a_profile_or_with_a_bad_one_fails_and_prints_nothing() {
    let repo_copy = checkout();
    let app = repo_copy.path().join("deploy/magnetiq");
    let out = generate(&app, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "an empty stream with exit 0 would prune the app"
    );
    assert!(text(&out.stderr).contains("spec.source.plugin.parameters"));

    std::fs::write(
        app.join("profiles/broken.toml"),
        "extends = \"base\"\n[backend]\nreplicas = 3\n",
    )
    .unwrap();
    let out = generate(&app, &[("PARAM_PROFILE", "broken")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("profiles/broken.toml:3:12"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn generate_never_prints_secret_values() {
    // Profiles hold no secret values; make sure nothing from the environment leaks either.
    let repo_copy = checkout();
    let app = repo_copy.path().join("deploy/magnetiq");
    let secret = "s3cr3t-value-that-must-not-appear";
    let out = generate(
        &app,
        &[
            ("PARAM_PROFILE", "production"),
            ("ARGOCD_ENV_SECRET_KEY", secret),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stdout).contains(secret) && !text(&out.stderr).contains(secret));
}

/// The preview recipe (`deploy/argocd/preview-applicationset.yaml`), as ArgoCD runs it for
/// pull request 7: its plugin parameters, read from the file, through `cmp generate`.
fn preview(number: &str) -> Vec<serde_json::Value> {
    let recipe = std::fs::read_to_string(repo().join("deploy/argocd/preview-applicationset.yaml"))
        .unwrap()
        .replace("{{.number}}", number)
        .replace("{{.head_short_sha}}", "abc1234");
    let set: serde_json::Value = serde_saphyr::from_str(&recipe).unwrap();
    let params = &set["spec"]["template"]["spec"]["source"]["plugin"]["parameters"];
    let profile = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "profile")
        .unwrap()["string"]
        .as_str()
        .unwrap()
        .to_string();
    let sets: Vec<String> = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "set")
        .unwrap()["array"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let repo_copy = checkout();
    let mut env: Vec<(String, String)> = vec![
        ("ARGOCD_APP_PARAMETERS".into(), params.to_string()),
        ("PARAM_PROFILE".into(), profile),
    ];
    for (i, s) in sets.iter().enumerate() {
        env.push((format!("PARAM_SET_{i}"), s.clone()));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = generate(&repo_copy.path().join("deploy/magnetiq"), &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_saphyr::from_multiple(&text(&out.stdout)).unwrap()
}

#[test]
fn a_preview_is_an_isolated_environment_that_its_application_deletes_whole() {
    let pr7 = preview("7");
    let pr8 = preview("8");
    let ns = |docs: &[serde_json::Value]| {
        docs.iter().find(|d| d["kind"] == "Namespace").unwrap()["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(ns(&pr7), "magnetiq-v2-pr-7");
    // Every namespaced object lands in the preview's namespace; cluster-scoped ones
    // (the StorageClass) are named for the preview.
    for (docs, n) in [(&pr7, "7"), (&pr8, "8")] {
        for d in docs.iter() {
            let name = d["metadata"]["name"].as_str().unwrap();
            match d["metadata"]["namespace"].as_str() {
                Some(ns) => assert_eq!(ns, format!("magnetiq-v2-pr-{n}"), "{name}"),
                None => assert!(name.ends_with(&format!("pr-{n}")), "{} {name}", d["kind"]),
            }
        }
    }
    // Staging, and so every preview, routes with the Gateway API: the host is the HTTPRoute's.
    let hosts = |docs: &[serde_json::Value]| {
        docs.iter().find(|d| d["kind"] == "HTTPRoute").unwrap()["spec"]["hostnames"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(hosts(&pr7), "pr-7.magnetiq.voltaic.systems");
    assert_ne!(hosts(&pr7), hosts(&pr8));
    // Throwaway: nothing keeps itself when the Application is deleted; the data objects say
    // so; and released volumes are deleted with their claims.
    let stream = serde_json::to_string(&pr7).unwrap();
    assert!(!stream.contains("Delete=false"), "{stream}");
    for kind in ["Namespace", "PersistentVolumeClaim", "ExternalSecret"] {
        for d in pr7.iter().filter(|d| d["kind"] == kind) {
            assert_eq!(
                d["metadata"]["annotations"]["magnetiq.voltaic.systems/ephemeral"], "true",
                "{kind}"
            );
        }
    }
    let class = pr7.iter().find(|d| d["kind"] == "StorageClass").unwrap();
    assert_eq!(class["reclaimPolicy"], "Delete");
}
