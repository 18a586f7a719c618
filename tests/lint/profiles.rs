//! Every shipped deployable profile lints clean: what we ship passes our own rules, and a
//! rule that flags a shipped profile is either a true finding (fix the profile) or a wrong
//! rule (fix the rule).

use std::path::Path;

use magnetiq_gen::lint;
use magnetiq_gen::profile::{DirStore, load::deployable};

fn store() -> DirStore {
    DirStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"))
}

#[test]
fn every_shipped_deployable_profile_lints_clean() {
    let store = store();
    let names = deployable(&store);
    for expected in ["production", "staging", "dev"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} is not among the deployable profiles: {names:?}"
        );
    }
    for name in names {
        let manifest = magnetiq_gen::render(&store, &name)
            .unwrap_or_else(|e| panic!("profile {name} does not render:\n{e:#}"));
        let findings = lint::lint_rendered(&manifest);
        assert!(
            findings.is_empty(),
            "lint --profile {name} has findings:\n{}",
            lint::report(&findings)
        );
    }
}

#[test]
fn the_secret_dev_leaves_out_is_known_to_lint_from_the_profile_not_from_a_tree() {
    // dev's `secrets.mode = "existing"` leaves magnetiq-secrets to be created by hand: from
    // the profile lint knows that; the same objects without the profile are a finding.
    let manifest = magnetiq_gen::render(&store(), "dev").unwrap();
    assert!(
        manifest
            .out_of_band
            .iter()
            .any(|o| o.kind == "Secret" && o.name == "magnetiq-secrets"),
        "{:?}",
        manifest.out_of_band
    );
    let without_profile = lint::lint(&lint::manifest_objects(&manifest));
    assert!(
        without_profile
            .iter()
            .any(|f| f.rule.id.code() == "MG028" && f.message.contains("Secret magnetiq-secrets")),
        "{}",
        lint::report(&without_profile)
    );
    // Production renders an ExternalSecret for it: nothing of it is out of band.
    let production = magnetiq_gen::render(&store(), "production").unwrap();
    assert!(
        production
            .out_of_band
            .iter()
            .all(|o| o.name != "magnetiq-secrets"),
        "{:?}",
        production.out_of_band
    );
}
