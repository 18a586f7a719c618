//! Every shipped profile's fresh render, linted, with its findings pinned: a change in what
//! lint says about what we ship shows up in review as a snapshot diff.

use std::path::Path;

use magnetiq_gen::lint;
use magnetiq_gen::profile::{DirStore, load::deployable};

/// One line per finding: rule, severity, object, file and message.
fn findings_text(name: &str) -> String {
    let store = DirStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"));
    let manifest = magnetiq_gen::render(&store, name)
        .unwrap_or_else(|e| panic!("profile {name} does not render:\n{e:#}"));
    let findings = lint::lint(&lint::manifest_objects(&manifest));
    let mut text: String = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} ({}): {}\n",
                f.rule.id, f.rule.severity, f.object, f.source, f.message
            )
        })
        .collect();
    if text.is_empty() {
        text.push_str("no findings\n");
    }
    text
}

#[test]
fn every_shipped_profile_lints_to_its_pinned_findings() {
    let store = DirStore::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"));
    let names = deployable(&store);
    assert!(
        names.iter().any(|n| n == "production"),
        "no deployable profile found: {names:?}"
    );
    for name in names {
        insta::assert_snapshot!(format!("profile_{name}"), findings_text(&name));
    }
}
