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

/// Keys example.toml shows only as commented-out lines, each with why setting it would
/// change what the reference renders.
const COMMENTED_IN_EXAMPLE: [(&str, &str); 20] = [
    (
        "database.sqlite.backup.restore_from",
        "set only for a restore, and removed once it is verified",
    ),
    (
        "database.sqlite.import",
        "the import needs a real file's URL and checksum",
    ),
    ("database.sqlite.import.url", "as database.sqlite.import"),
    ("database.sqlite.import.sha256", "as database.sqlite.import"),
    ("database.sqlite.import.image", "as database.sqlite.import"),
    (
        "extends",
        "the reference stands alone; a parent would be merged into it",
    ),
    (
        "secrets.sealed",
        "the reference uses mode = \"external-secrets\"",
    ),
    ("secrets.sealed.scope", "as secrets.sealed"),
    ("secrets.sealed.encrypted", "as secrets.sealed"),
    (
        "gateway.parent",
        "the reference renders a Gateway of its own ([gateway.own]); a route attaches to one",
    ),
    ("gateway.parent.name", "as gateway.parent"),
    ("gateway.parent.namespace", "as gateway.parent"),
    ("gateway.parent.section_name", "as gateway.parent"),
    (
        "backend.runtime_config",
        "frontend only (the table is shared by both workloads); refused for the backend",
    ),
    ("backend.runtime_config.path", "as backend.runtime_config"),
    ("backend.runtime_config.values", "as backend.runtime_config"),
    (
        "patches.remove",
        "the reference's patches only add; a path that is not there is an error",
    ),
    (
        "templates.allow",
        "the reference's template renders a CronJob, a kind with a type",
    ),
    ("templates.allow.api_version", "as templates.allow"),
    ("templates.allow.kind", "as templates.allow"),
];

/// Every key path of the schema (`backend.probes.liveness.period_seconds`); array items
/// and free-form tables (labels, config) add no names of their own.
fn schema_keys() -> Vec<String> {
    use serde_json::Value as Json;
    let schema = magnetiq_gen::profile::schema::profile_schema();
    let defs = schema["$defs"].as_object().unwrap();
    fn walk(
        defs: &'static serde_json::Map<String, Json>,
        node: &'static Json,
        path: &str,
        out: &mut Vec<String>,
    ) {
        let node = magnetiq_gen::profile::schema::resolve_in(defs, node);
        for (key, child) in node["properties"].as_object().into_iter().flatten() {
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            out.push(path.clone());
            walk(defs, child, &path, out);
        }
        if node.get("items").is_some() {
            walk(defs, &node["items"], path, out);
        }
    }
    let mut out = Vec::new();
    walk(defs, schema, "", &mut out);
    out
}

/// Whether `path` is set in `table` (through the first item of arrays of tables).
fn is_set(table: &toml::Table, path: &str) -> bool {
    let mut value = toml::Value::Table(table.clone());
    for key in path.split('.') {
        if let toml::Value::Array(items) = &value {
            match items.first() {
                Some(first) => value = first.clone(),
                None => return false,
            }
        }
        match value.get(key) {
            Some(v) => value = v.clone(),
            None => return false,
        }
    }
    true
}

#[test]
fn example_toml_documents_every_key_of_the_schema() {
    let text = std::fs::read_to_string(profiles().join("example.toml")).unwrap();
    let example: toml::Table = text.parse().unwrap();
    let keys = schema_keys();
    assert!(
        keys.len() > 100,
        "the schema walk found only {} keys",
        keys.len()
    );
    let mut missing = Vec::new();
    for key in &keys {
        // [database.postgresql] is refused with the reference's SQLite, so the whole table
        // is shown commented out.
        let commented = COMMENTED_IN_EXAMPLE.iter().any(|(k, _)| k == key)
            || key == "database.postgresql"
            || key.starts_with("database.postgresql.");
        match commented.then_some(()) {
            Some(_) => {
                let last = key.rsplit('.').next().unwrap();
                let shown = text.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(&format!("# {last} =")) || l.starts_with(&format!("# [{key}]"))
                });
                assert!(
                    !is_set(&example, key),
                    "{key} is set in example.toml; drop it from COMMENTED_IN_EXAMPLE"
                );
                if !shown {
                    missing.push(key.clone());
                }
            }
            None if !is_set(&example, key) => missing.push(key.clone()),
            None => {}
        }
    }
    assert!(
        missing.is_empty(),
        "profiles/example.toml does not document: {}",
        missing.join(", ")
    );
}

#[test]
fn example_toml_is_a_valid_profile() {
    let store = magnetiq_gen::profile::DirStore::new(profiles());
    if let Err(e) = magnetiq_gen::profile::load(&store, "example") {
        panic!("profiles/example.toml does not validate:\n{e}");
    }
}
