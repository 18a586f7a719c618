//! Hostile tests: see tests/hostile.rs.
//!
//! Rendered objects the API server (or Longhorn, or ArgoCD) would refuse or silently alter,
//! and the manifest input of `lint --dir` and `import`. Every profile that validates must
//! render objects that are applied unchanged; what would not be must be a validation error
//! at the profile key's file and line.

use std::path::Path;

use super::{cmd, repo, run_with_timeout, text};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir`, failing the test after `secs` seconds.
fn run_within(dir: &Path, args: &[&str], secs: u64) -> Run {
    let out = run_with_timeout(cmd(dir, args), secs);
    Run {
        code: out.status.code(),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
    }
}

/// A scratch profiles directory holding the shipped base and one profile `name` that
/// extends it with `toml`.
fn workspace(name: &str, toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::copy(
        repo().join("profiles/base.toml"),
        profiles.join("base.toml"),
    )
    .unwrap();
    std::fs::write(
        profiles.join(format!("{name}.toml")),
        format!("extends = \"base\"\n{toml}"),
    )
    .unwrap();
    dir
}

/// Renders profile `name` written as `toml`; it must be refused (exit 2) with every
/// `expected` text in the message. Returns stderr.
fn refused(name: &str, toml: &str, expected: &[&str]) -> String {
    let ws = workspace(name, toml);
    let out = run_within(ws.path(), &["render", "--profile", name], 60);
    assert_eq!(
        out.code,
        Some(2),
        "the profile renders:\n{}{}",
        &out.stdout[..out.stdout.len().min(2000)],
        out.stderr
    );
    for e in expected {
        assert!(out.stderr.contains(e), "{e:?} is not in:\n{}", out.stderr);
    }
    out.stderr
}

#[test]
fn a_writable_path_at_the_data_mount_path_is_refused_at_its_line() {
    refused(
        "dup",
        "[backend.security]\nwritable_paths = [\"/tmp\", \"/app/data\"]\n",
        &[
            "backend.security.writable_paths[1]",
            "dup.toml:3:",
            "storage.data.mount_path",
        ],
    );
}

#[test]
fn a_writable_path_spelt_differently_from_the_media_mount_path_is_refused() {
    refused(
        "dup",
        "[backend.security]\nwritable_paths = [\"/app//media/.\"]\n",
        &[
            "backend.security.writable_paths[0]",
            "storage.media.mount_path",
        ],
    );
}

#[test]
fn two_spellings_of_one_writable_path_are_refused() {
    refused(
        "dup",
        "[frontend.security]\nwritable_paths = [\"/tmp\", \"/tmp/./\"]\n",
        &["frontend.security.writable_paths[1]", "listed twice"],
    );
}

#[test]
fn an_env_name_a_container_would_get_twice_is_refused() {
    refused(
        "env",
        "[frontend]\nconfig_keys = [\"VITE_API_URL\", \"HOST\"]\n[frontend.env]\nHOST = \"127.0.0.1\"\n",
        &["frontend.env.HOST", "env.toml:5:"],
    );
    refused(
        "env",
        "[config]\nPORT = \"1\"\n[frontend]\nconfig_keys = [\"PORT\"]\n",
        &["frontend.config_keys[0]", "PORT is set from frontend.port"],
    );
}

#[test]
fn volume_and_mount_names_in_every_shipped_profile_are_unique() {
    for profile in ["production", "staging", "dev", "example"] {
        let out = run_within(&repo(), &["render", "--profile", profile], 60);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        for doc in out.stdout.split("\n---\n") {
            let Ok(v) = serde_saphyr::from_str::<serde_json::Value>(doc) else {
                continue;
            };
            let pod = &v["spec"]["template"]["spec"];
            let names: Vec<&str> = pod["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["name"].as_str())
                .collect();
            assert_unique(profile, "volume", &names);
            for c in pod["containers"].as_array().into_iter().flatten() {
                for (list, field) in [("volumeMounts", "mountPath"), ("env", "name")] {
                    let values: Vec<&str> = c[list]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x[field].as_str())
                        .collect();
                    assert_unique(profile, field, &values);
                }
            }
        }
    }
}

fn assert_unique(profile: &str, what: &str, values: &[&str]) {
    let mut seen = std::collections::BTreeSet::new();
    for v in values {
        assert!(seen.insert(v), "{profile}: {what} {v} appears twice");
    }
}

#[test]
fn an_ingress_annotation_the_tool_writes_is_refused_never_replaced() {
    refused(
        "ann",
        "[ingress.annotations]\n\"nginx.ingress.kubernetes.io/proxy-body-size\" = \"1g\"\n",
        &[
            "nginx.ingress.kubernetes.io/proxy-body-size",
            "ingress.proxy_body_size",
            "ann.toml:3:",
        ],
    );
    for (key, setting) in magnetiq_gen::rules::RESERVED_INGRESS_ANNOTATIONS {
        refused(
            "ann",
            &format!("[ingress.annotations]\n\"{key}\" = \"x\"\n"),
            &[key, setting],
        );
    }
}

#[test]
fn every_ingress_annotation_the_tool_writes_is_reserved_from_the_profile() {
    // The reserved list and the code that writes annotations must not drift apart.
    let out = run_within(&repo(), &["render", "--profile", "production"], 60);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let ingress = out
        .stdout
        .split("\n---\n")
        .filter_map(|d| serde_saphyr::from_str::<serde_json::Value>(d).ok())
        .find(|v| v["kind"] == "Ingress")
        .expect("production renders an Ingress");
    let reserved: Vec<&str> = magnetiq_gen::rules::RESERVED_INGRESS_ANNOTATIONS
        .iter()
        .map(|(k, _)| *k)
        .collect();
    for key in ingress["metadata"]["annotations"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            reserved.contains(&key.as_str()),
            "{key} is rendered but a profile may set it"
        );
    }
}

#[test]
fn labels_that_argocd_the_api_server_or_the_backup_labels_write_are_refused() {
    refused(
        "lbl",
        "[app.labels]\n\"app.kubernetes.io/instance\" = \"x\"\n\"kubernetes.io/metadata.name\" = \"y\"\n",
        &["app.kubernetes.io/instance", "kubernetes.io/metadata.name"],
    );
    refused(
        "lbl",
        "[app.labels]\n\"recurring-job.longhorn.io/source\" = \"disabled\"\n[backup]\nenabled = true\n",
        &["recurring-job.longhorn.io/source", "[backup]"],
    );
    refused(
        "lbl",
        "[monitoring]\nenabled = true\n[monitoring.labels]\n\"app.kubernetes.io/name\" = \"x\"\n",
        &["monitoring.labels", "app.kubernetes.io/name"],
    );
}

#[test]
fn a_cron_longhorn_refuses_is_refused_at_its_line() {
    for cron in [
        "1-2-3 2 * * *",
        "0 2 * * 7",
        "0 2 * * 0-7",
        "*/0 * * * *",
        "1,,2 * * * *",
    ] {
        refused(
            "cron",
            &format!("[backup]\nenabled = true\ncron = \"{cron}\"\n"),
            &["backup.cron", "cron.toml:4:8"],
        );
    }
}

#[test]
fn a_cron_longhorn_accepts_renders_unchanged() {
    for cron in [
        "0 2 * * 0",
        "0 2 * * MON-FRI",
        "*/30 1-5 * JAN,jul ?",
        "@daily",
    ] {
        let ws = workspace(
            "cron",
            &format!("[backup]\nenabled = true\ncron = \"{cron}\"\n"),
        );
        let out = run_within(ws.path(), &["render", "--profile", "cron"], 60);
        assert_eq!(out.code, Some(0), "{cron}: {}", out.stderr);
        assert!(
            [
                format!("cron: {cron}\n"),
                format!("cron: '{cron}'\n"),
                format!("cron: \"{cron}\"\n")
            ]
            .iter()
            .any(|line| out.stdout.contains(line.as_str())),
            "{cron} is not rendered as written"
        );
    }
}

#[test]
fn a_configmap_above_one_mebibyte_is_refused_naming_the_key() {
    // Each file stays under the 1 MiB profile limit (and a templated value under 64 KiB):
    // the ConfigMap gets there through inheritance, one large value per file.
    let ws = workspace(
        "big",
        &format!("[config]\nTERMS = \"{}\"\n", "x".repeat(700 * 1024)),
    );
    std::fs::write(
        ws.path().join("profiles/bigger.toml"),
        format!(
            "extends = \"big\"\n[config]\nTERMS_COPY = \"{}\"\n",
            "y".repeat(500 * 1024)
        ),
    )
    .unwrap();
    let out = run_within(ws.path(), &["render", "--profile", "bigger"], 60);
    assert_eq!(
        out.code,
        Some(2),
        "{}",
        &out.stderr[..out.stderr.len().min(2000)]
    );
    for e in ["ConfigMap", "1048576", "big.toml:", "config.TERMS"] {
        assert!(
            out.stderr.contains(e),
            "{e:?} is not in:\n{}",
            &out.stderr[..out.stderr.len().min(2000)]
        );
    }
}

/// A tree for `lint --dir` and `import`, one file per `(path, text)`.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn lint_dir_finishes_quickly_on_an_exclude_glob_of_26_alternatives() {
    let exclude = "{a,b}".repeat(26);
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: magnetiq\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.com/r.git\n    path: k8s\n    directory:\n      recurse: true\n      exclude: '{exclude}'\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: magnetiq-v2\n"
    );
    let t = tree(&[("argocd-application.yaml", &app)]);
    let out = run_within(&repo(), &["lint", "--dir", t.path().to_str().unwrap()], 20);
    // The glob does not exclude the Application's own file: MG007, a finding (exit 1).
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("MG007"), "{}", out.stdout);
}

#[test]
fn lint_dir_reports_an_exclude_glob_nested_too_deep_instead_of_overflowing() {
    let exclude = format!(
        "{}argocd-application.yaml{}",
        "{".repeat(50_000),
        "}".repeat(50_000)
    );
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: magnetiq\nspec:\n  source:\n    repoURL: https://example.com/r.git\n    path: k8s\n    directory:\n      exclude: '{exclude}'\n"
    );
    let t = tree(&[("argocd-application.yaml", &app)]);
    let out = run_within(&repo(), &["lint", "--dir", t.path().to_str().unwrap()], 20);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("unreadable"), "{}", out.stdout);
}

const SECRETS: &str = "apiVersion: v1
kind: Secret
metadata:
  name: magnetiq-secrets
  namespace: magnetiq-v2
type: Opaque
data:
  ALGORITHM: SFM1MTI=
  SECRET_KEY: aHVudGVyMi12ZXJ5LXNlY3JldC1rZXk=
  SMTP_PASSWORD: '%%%not-base64'
  OPENAI_API_KEY: ''
stringData:
  REFRESH_TOKEN_EXPIRE_DAYS: '30'
---
apiVersion: v1
kind: Secret
metadata:
  name: registry-credentials
  namespace: magnetiq-v2
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6e319
";

#[test]
fn import_decodes_base64_secret_data_and_never_copies_secret_values() {
    let t = tree(&[("secrets.yaml", SECRETS)]);
    let out = run_within(&repo(), &["import", t.path().to_str().unwrap()], 20);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let profile: toml::Table = out.stdout.parse().expect("the import is TOML");
    // Not secret: moves to the ConfigMap, decoded (values other than base's, so the
    // profile, which extends base, must set them).
    assert_eq!(profile["config"]["ALGORITHM"].as_str(), Some("HS512"));
    assert_eq!(
        profile["config"]["REFRESH_TOKEN_EXPIRE_DAYS"].as_str(),
        Some("30")
    );
    // Secret: declared by name, its value nowhere, neither encoded nor decoded.
    let required: Vec<&str> = profile["secrets"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["SECRET_KEY", "SMTP_PASSWORD"]);
    assert_eq!(
        profile["secrets"]["optional"].as_array().unwrap()[0].as_str(),
        Some("OPENAI_API_KEY")
    );
    for leak in [
        "hunter2",
        "aHVudGVyMi",
        "%%%not-base64",
        "SFM1MTI=",
        "eyJhdXRocyI6e319",
    ] {
        assert!(!out.stdout.contains(leak), "{leak} is in the profile");
        assert!(!out.stderr.contains(leak), "{leak} is in the notes");
    }
    // The broken value is a note, and the registry Secret is not mistaken for the app's.
    assert!(out.stdout.contains("SMTP_PASSWORD") && out.stdout.contains("not valid base64"));
    assert!(
        out.stdout
            .contains("registry-credentials of type kubernetes.io/dockerconfigjson")
    );
}

#[test]
fn import_of_garbage_secret_data_is_a_note_not_a_panic() {
    let t = tree(&[(
        "secrets.yaml",
        "kind: Secret\nmetadata:\n  name: s\ndata:\n  ALGORITHM: [1, 2]\n  A: 12\n  B: {x: 1}\n  C: null\n  D: '=='\n  E: '////'\nstringData:\n  F: [1]\n",
    )]);
    let out = run_within(&repo(), &["import", t.path().to_str().unwrap()], 20);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("ALGORITHM in data is not a base64 string")
    );
}
