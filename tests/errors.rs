//! Every bad-profile fixture under tests/fixtures/errors/ has its exact message pinned, so
//! error quality is reviewed like output. Each fixture is loaded next to the shipped
//! base.toml, as a user's profile would be.

mod common;

use std::path::PathBuf;

use magnetiq_gen::profile::MemStore;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    common::toml_files(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/errors"))
}

fn store_with(extra: &[(String, Vec<u8>)]) -> MemStore {
    let base = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml")).unwrap();
    let mut files = vec![("base".to_string(), base)];
    files.extend_from_slice(extra);
    MemStore { files }
}

fn error_of(store: &MemStore, name: &str) -> String {
    match magnetiq_gen::render(store, name) {
        Ok(_) => panic!("fixture {name} renders, but it is meant to be rejected"),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn every_bad_profile_fixture_has_its_message_pinned() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 25, "only {} fixtures", fixtures.len());
    let store = store_with(&fixtures);
    for (name, _) in &fixtures {
        insta::assert_snapshot!(name.as_str(), error_of(&store, name));
    }
}

#[test]
fn invalid_utf8_is_reported_at_its_byte() {
    let store = store_with(&[(
        "latin1".into(),
        b"extends = \"base\"\n[app]\ndisplay_name = \"Caf\xe9\"\n".to_vec(),
    )]);
    insta::assert_snapshot!("invalid_utf8", error_of(&store, "latin1"));
}

#[test]
fn an_oversized_profile_is_refused_without_parsing_it() {
    let mut big = b"extends = \"base\"\n".to_vec();
    big.resize(2 << 20, b'#');
    let store = store_with(&[("big".into(), big)]);
    let e = error_of(&store, "big");
    assert!(e.contains("larger than 1024 KiB"), "{e}");
}

#[test]
fn errors_in_inherited_values_point_at_the_parent_file() {
    // backend.port comes from base.toml; the child only breaks a reference to it.
    let store = store_with(&[(
        "child".into(),
        b"extends = \"base\"\n[frontend]\nport = 4036\nreplicas = 0\n".to_vec(),
    )]);
    let e = error_of(&store, "child");
    assert!(e.contains("child.toml:4:12"), "{e}");
    let store = store_with(&[(
        "child".into(),
        b"extends = \"base\"\n[app]\nversion = \"2.0.0+build\"\n".to_vec(),
    )]);
    let e = error_of(&store, "child");
    assert!(e.contains("child.toml:3:11"), "{e}");
}

#[test]
fn a_configmap_above_one_mebibyte_is_refused_naming_its_largest_keys() {
    // A profile file is at most 1 MiB and a templated value at most 64 KiB, so the ConfigMap
    // gets there through inheritance: each file holds one large value.
    let parent = format!(
        "extends = \"base\"\n[config]\nTERMS_HTML = \"{}\"\n",
        "x".repeat(600 * 1024)
    );
    let profile = format!(
        "extends = \"terms\"\n[config]\nPRIVACY_HTML = \"{}\"\n",
        "y".repeat(620 * 1024)
    );
    let store = store_with(&[
        ("terms".into(), parent.into_bytes()),
        ("big_config".into(), profile.into_bytes()),
    ]);
    let e = error_of(&store, "big_config");
    // The excerpt would quote 600 KiB of the value: the message and its place are pinned.
    let message: String = e.lines().take(4).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("configmap_above_one_mebibyte", message);
}

#[test]
fn inline_secret_values_above_one_mebibyte_are_refused_without_printing_them() {
    let store = store_with(&[(
        "big_secret".into(),
        b"extends = \"base\"\n[app]\nenvironment = \"development\"\n[secrets]\nmode = \"inline\"\n"
            .to_vec(),
    )]);
    let value = "s3cr3t-".repeat(100_000);
    let env = std::collections::BTreeMap::from([
        ("MAGNETIQ_SECRET_SECRET_KEY".to_string(), value.clone()),
        ("MAGNETIQ_SECRET_SMTP_USERNAME".to_string(), value.clone()),
        (
            "MAGNETIQ_SECRET_SMTP_PASSWORD".to_string(),
            "pw".to_string(),
        ),
    ]);
    let e = match render_full(&store, "big_secret", &env) {
        Ok(_) => panic!("a Secret above 1 MiB renders"),
        Err(e) => format!("error: {e}"),
    };
    assert!(
        !e.contains("s3cr3t"),
        "the message holds a secret value: {e}"
    );
    insta::assert_snapshot!("inline_secret_above_one_mebibyte", e);
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

#[test]
fn the_readme_states_the_number_of_error_fixtures() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marker = " broken profiles in `tests/fixtures/errors/`";
    let at = readme
        .find(marker)
        .expect("README.md no longer states how many error fixtures there are");
    let stated: usize = readme[..at]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number before the marker");
    assert_eq!(
        stated,
        fixtures().len(),
        "README.md states {stated} error fixtures; tests/fixtures/errors/ holds {}",
        fixtures().len()
    );
}
