//! The process edges under attack: environment variables that are not UTF-8, and the ArgoCD
//! plugin serving Applications of other tenants.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;

use super::{cmd, text, workspace};

/// A value that is not UTF-8 and holds a recognisable secret.
fn not_utf8_secret() -> &'static OsStr {
    OsStr::from_bytes(b"hunter2-\xff-topsecret")
}

#[test]
fn a_secret_variable_that_is_not_utf8_is_named_never_shown_and_never_panics() {
    let ws = workspace();
    for args in [
        &["render", "-p", "production"][..],
        &["cmp", "generate"][..],
    ] {
        let out = cmd(ws.path(), args)
            .env("MAGNETIQ_SECRET_SMTP_PASSWORD", not_utf8_secret())
            .env("ARGOCD_ENV_PROFILE", "production")
            .output()
            .unwrap();
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(
            all.contains("MAGNETIQ_SECRET_SMTP_PASSWORD"),
            "{args:?}: {all}"
        );
        assert!(
            !all.contains("hunter2") && !all.contains("topsecret"),
            "{args:?}: {all}"
        );
        assert!(!all.contains("panicked"), "{args:?}: {all}");
    }
}

#[test]
fn unrelated_variables_that_are_not_utf8_are_ignored() {
    let ws = workspace();
    for args in [
        &["render", "-p", "production"][..],
        &["cmp", "generate"][..],
    ] {
        let out = cmd(ws.path(), args)
            .env("SOMEONE_ELSES_TOKEN", not_utf8_secret())
            .env("ARGOCD_ENV_PROFILE", "production")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// `cmp generate` as an Application of another tenant would call it: asking for inline
/// secrets in its own namespace, on a sidecar that holds secret values in its environment.
fn harvest(ws: &std::path::Path, allow: Option<&str>) -> std::process::Output {
    let mut c = cmd(ws, &["cmp", "generate"]);
    c.env(
        "ARGOCD_APP_PARAMETERS",
        r#"[{"name":"profile","string":"production"},{"name":"set","array":["secrets.mode=inline","app.namespace=mine"]}]"#,
    )
    .env("MAGNETIQ_SECRET_SECRET_KEY", "k3y-9f8e7d-0a1b2c3d4e5f")
    .env("MAGNETIQ_SECRET_SMTP_USERNAME", "mailer")
    .env("MAGNETIQ_SECRET_SMTP_PASSWORD", "s3cr3t-pw-123");
    if let Some(ns) = allow {
        c.env("MAGNETIQ_PLUGIN_INLINE_NAMESPACES", ns);
    }
    c.output().unwrap()
}

#[test]
fn the_plugin_refuses_inline_secrets_for_a_namespace_not_on_the_sidecars_allow_list() {
    let ws = workspace();
    let out = harvest(ws.path(), None);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("mine") && all.contains("MAGNETIQ_PLUGIN_INLINE_NAMESPACES"),
        "{all}"
    );
    assert!(
        !all.contains("s3cr3t-pw-123") && !all.contains("czNjcjN0LXB3LTEyMw"),
        "{all}"
    );

    let out = harvest(ws.path(), Some("magnetiq, theirs"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "another namespace on the list does not help"
    );

    // A sidecar serving one team may allow its namespace.
    let out = harvest(ws.path(), Some("mine"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("kind: Secret"));
}

#[test]
fn an_application_cannot_set_the_allow_list_through_its_plugin_env() {
    let ws = workspace();
    let mut c = cmd(ws.path(), &["cmp", "generate"]);
    c.env(
        "ARGOCD_APP_PARAMETERS",
        r#"[{"name":"profile","string":"production"},{"name":"set","array":["secrets.mode=inline","app.namespace=mine"]}]"#,
    )
    // What `spec.source.plugin.env: [{name: MAGNETIQ_PLUGIN_INLINE_NAMESPACES}]` becomes.
    .env("ARGOCD_ENV_MAGNETIQ_PLUGIN_INLINE_NAMESPACES", "mine")
    .env("MAGNETIQ_SECRET_SECRET_KEY", "k3y-9f8e7d-0a1b2c3d4e5f")
    .env("MAGNETIQ_SECRET_SMTP_USERNAME", "mailer")
    .env("MAGNETIQ_SECRET_SMTP_PASSWORD", "s3cr3t-pw-123");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn the_plugin_reads_profiles_only_inside_the_applications_source_directory() {
    let ws = workspace();
    let app = ws.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let out = cmd(&app, &["cmp", "generate"])
        .env("ARGOCD_ENV_PROFILE", "production")
        .env("ARGOCD_ENV_PROFILES_DIR", "../profiles")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("PROFILES_DIR"),
        "{}",
        text(&out.stderr)
    );
}
