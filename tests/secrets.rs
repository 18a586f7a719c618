//! Secrets never land in Git: each delivery mode renders what it should, placeholders are
//! refused outside development, and no value ever appears in a message.

use std::collections::BTreeMap;

use magnetiq_gen::profile::MemStore;

fn store(child: &str) -> MemStore {
    let base = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml")).unwrap();
    MemStore {
        files: vec![
            ("base".into(), base),
            (
                "p".into(),
                format!("extends = \"base\"\n{child}").into_bytes(),
            ),
        ],
    }
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("MAGNETIQ_SECRET_{k}"), v.to_string()))
        .collect()
}

fn kinds(m: &magnetiq_gen::Manifest) -> Vec<&str> {
    m.objects_in_apply_order()
        .into_iter()
        .map(|o| o.kind())
        .collect()
}

const SEALED: &str = "AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq6UTW4pAJd5tZjpw2b1mJd/9eq5ymwLN4tDt7aIiAjHprK5ORgL1lRYO2lVcQrjEinkdGc1ZUhPc8jxqc";

#[test]
fn existing_renders_no_secret_object() {
    let (m, plain) = render_full(&store(""), "p", &BTreeMap::new()).unwrap();
    assert!(!plain);
    assert!(
        !kinds(&m)
            .iter()
            .any(|k| k.contains("Secret") && *k != "SecretStore"),
        "{:?}",
        kinds(&m)
    );
    assert!(!m.files.iter().any(|f| f.path == "secrets.yaml"));
}

#[test]
fn external_secrets_renders_an_external_secret_for_the_named_store() {
    let child = "[secrets]\nmode = \"external-secrets\"\n[secrets.external]\nstore = \"vault\"\nstore_kind = \"SecretStore\"\nremote_key = \"magnetiq/prod\"\n";
    let (m, plain) = render_full(&store(child), "p", &BTreeMap::new()).unwrap();
    assert!(!plain);
    let stream = magnetiq_gen::output::stream(&m);
    assert!(stream.contains("kind: ExternalSecret"), "{stream}");
    assert!(
        stream.contains("kind: SecretStore\n      name: vault") || stream.contains("name: vault"),
        "{stream}"
    );
    assert!(stream.contains("key: magnetiq/prod"));
}

#[test]
fn sealed_renders_a_sealed_secret_and_rolls_the_backend_when_it_changes() {
    let child = |v: &str| {
        format!(
            "[secrets]\nmode = \"sealed\"\n[secrets.sealed.encrypted]\nSECRET_KEY = \"{v}\"\nSMTP_USERNAME = \"{SEALED}\"\nSMTP_PASSWORD = \"{SEALED}\"\n"
        )
    };
    let render = |v: &str| {
        render_full(&store(&child(v)), "p", &BTreeMap::new())
            .unwrap()
            .0
    };
    let a = magnetiq_gen::output::stream(&render(SEALED));
    assert!(
        a.contains("kind: SealedSecret") && a.contains("encryptedData:"),
        "{a}"
    );
    let b = magnetiq_gen::output::stream(&render(&format!("{SEALED}AA")));
    let checksum = |s: &str| {
        s.lines()
            .find(|l| l.contains("checksum/secret"))
            .map(str::to_string)
    };
    assert!(checksum(&a).is_some());
    assert_ne!(
        checksum(&a),
        checksum(&b),
        "a new sealed value must change the pod template"
    );
}

#[test]
fn sealed_refuses_a_missing_required_key_or_a_non_ciphertext() {
    let child =
        "[secrets]\nmode = \"sealed\"\n[secrets.sealed.encrypted]\nSECRET_KEY = \"change-this\"\n";
    let e = render_full(&store(child), "p", &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("required key SMTP_USERNAME has no encrypted value"),
        "{e}"
    );
    assert!(e.contains("not a kubeseal --raw output"), "{e}");
}

#[test]
fn inline_reads_the_environment_and_refuses_placeholders_outside_development() {
    let child = "[secrets]\nmode = \"inline\"\n";
    let good = env(&[
        ("SECRET_KEY", "k3y-9f8e7d"),
        ("SMTP_USERNAME", "mailer"),
        ("SMTP_PASSWORD", "s3cr3t-pw-123"),
    ]);
    let (m, plain) = render_full(&store(child), "p", &good).unwrap();
    assert!(plain, "inline output holds plain values");
    assert!(kinds(&m).contains(&"Secret"));

    let bad = env(&[
        (
            "SECRET_KEY",
            "production-secret-key-change-this-to-secure-value",
        ),
        ("SMTP_USERNAME", "your-smtp-username"),
        ("SMTP_PASSWORD", ""),
    ]);
    let e = render_full(&store(child), "p", &bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("$MAGNETIQ_SECRET_SECRET_KEY is empty or a placeholder"),
        "{e}"
    );
    assert!(e.contains("$MAGNETIQ_SECRET_SMTP_PASSWORD"), "{e}");
    assert!(
        !e.contains("change-this-to-secure-value") && !e.contains("your-smtp-username"),
        "a value leaked: {e}"
    );

    let missing = render_full(&store(child), "p", &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("$MAGNETIQ_SECRET_SECRET_KEY, which is not set"),
        "{missing}"
    );

    // In development, placeholders are fine.
    let dev = "[app]\nenvironment = \"development\"\n[secrets]\nmode = \"inline\"\n";
    assert!(render_full(&store(dev), "p", &bad).is_ok());
}

#[test]
fn inline_values_are_refused_in_a_tree_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("profiles")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml"),
        dir.path().join("profiles/base.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("profiles/p.toml"),
        "extends = \"base\"\n[secrets]\nmode = \"inline\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_magnetiq-gen"))
            .args(args)
            .current_dir(dir.path())
            .env("MAGNETIQ_SECRET_SECRET_KEY", "k3y-9f8e7d")
            .env("MAGNETIQ_SECRET_SMTP_USERNAME", "mailer")
            .env("MAGNETIQ_SECRET_SMTP_PASSWORD", "s3cr3t-pw-123")
            .output()
            .unwrap()
    };
    let out = run(&["render", "-p", "p", "-o", "k8s"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-plaintext-secrets"), "{err}");
    assert!(!err.contains("s3cr3t-pw-123"));
    assert!(!dir.path().join("k8s").exists());
    assert_eq!(
        run(&["render", "-p", "p"]).status.code(),
        Some(0),
        "stdout is allowed"
    );
    assert_eq!(
        run(&[
            "render",
            "-p",
            "p",
            "-o",
            "k8s",
            "--allow-plaintext-secrets"
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn plain_values_never_show_in_debug_output() {
    let v = magnetiq_gen::profile::SecretValues(
        [("SMTP_PASSWORD".to_string(), "hunter2-xyz".to_string())].into(),
    );
    let shown = format!("{v:?}");
    assert!(
        shown.contains("SMTP_PASSWORD") && !shown.contains("hunter2-xyz"),
        "{shown}"
    );
}

/// Renders with a secret environment; says whether plain secret values came out.
fn render_full(
    store: &dyn magnetiq_gen::profile::ProfileStore,
    name: &str,
    env: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<(magnetiq_gen::Manifest, bool)> {
    let r = magnetiq_gen::Request::new(store, name).env(env).render()?;
    Ok((r.manifest, r.plaintext_secrets))
}
