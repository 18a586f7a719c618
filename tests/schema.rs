//! The committed JSON Schema (`profiles/schema.json`) is what the binary generates, and every
//! shipped profile points editors at it.

use std::path::PathBuf;

fn profiles() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("profiles")
}

#[test]
fn the_committed_schema_is_current() {
    let generated =
        serde_json::to_string_pretty(&magnetiq_gen::profile::schema::generate()).unwrap() + "\n";
    let committed = std::fs::read_to_string(profiles().join("schema.json")).unwrap();
    assert!(
        committed == generated,
        "profiles/schema.json is stale; regenerate it with:\n    cargo run -- schema > profiles/schema.json"
    );
}

#[test]
fn every_shipped_profile_carries_the_taplo_schema_directive() {
    for e in std::fs::read_dir(profiles()).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                text.starts_with("#:schema ./schema.json\n"),
                "{} lacks the #:schema directive",
                p.display()
            );
        }
    }
}

#[test]
fn the_schema_describes_keys_defaults_and_enums() {
    let s = magnetiq_gen::profile::schema::profile_schema();
    let defs = &s["$defs"];
    assert_eq!(
        defs["Workload"]["properties"]["image_pull_policy"]["default"],
        "IfNotPresent"
    );
    assert!(defs["Workload"]["properties"]["replicas"]["description"].is_string());
    let envs: Vec<&str> = defs["Environment"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["const"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["production", "staging", "development"]);
    assert_eq!(defs["App"]["additionalProperties"], false);
}

#[test]
fn init_embeds_exactly_the_shipped_profiles() {
    for (name, text) in magnetiq_gen::init::FILES {
        assert_eq!(
            *text,
            std::fs::read_to_string(profiles().join(name)).unwrap(),
            "{name}"
        );
    }
    let shipped = std::fs::read_dir(profiles()).unwrap().count();
    assert_eq!(
        magnetiq_gen::init::FILES.len(),
        shipped,
        "a file in profiles/ is not embedded for init"
    );
}
