//! Importing the design document's tree gives a profile that renders the same deployment,
//! but for the corrections the import lists.

use std::collections::BTreeMap;

use std::path::Path;

use magnetiq_gen::import::Imported;
use magnetiq_gen::profile::{DirStore, MemStore};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tree(dir: &str) -> Vec<(String, Value)> {
    magnetiq_gen::lint::load_dir(&repo().join(dir)).unwrap()
}

fn design() -> Vec<(String, Value)> {
    tree("tests/fixtures/lint/design")
}

/// Imports `objects` as a profile that extends the shipped base.
fn import(objects: &[(String, Value)]) -> Imported {
    import_extending(objects, "base")
}

/// Imports `objects` as a profile that extends shipped profile `parent`.
fn import_extending(objects: &[(String, Value)], parent: &str) -> Imported {
    magnetiq_gen::import::import(objects, &DirStore::new(repo().join("profiles")), parent).unwrap()
}

/// Renders the imported profile next to the shipped ones, as `imported.toml`.
fn render_imported(imported: &Imported) -> magnetiq_gen::Manifest {
    let mut files: Vec<(String, Vec<u8>)> = ["base", "production", "staging", "dev"]
        .into_iter()
        .map(|n| {
            let text = std::fs::read(repo().join(format!("profiles/{n}.toml"))).unwrap();
            (n.to_string(), text)
        })
        .collect();
    files.push(("imported".into(), imported.profile.clone().into_bytes()));
    let store = MemStore { files };
    magnetiq_gen::render(&store, "imported").unwrap_or_else(|e| panic!("{e}\n{}", imported.profile))
}

/// `Kind/name` of an object.
fn id(o: &Value) -> String {
    format!(
        "{}/{}",
        o["kind"].as_str().unwrap_or_default(),
        o["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// Where two values first differ, as a JSON pointer with both values.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| {
            let (u, v) = (
                x.get(k).unwrap_or(&Value::Null),
                y.get(k).unwrap_or(&Value::Null),
            );
            first_difference(u, v, &format!("{at}/{k}"))
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, &format!("{at}/{i}"))),
        _ => (a != b).then(|| format!("{at}: {a} -> {b}")),
    }
}

/// The objects that differ between two sets, by `Kind/name`: changed (where first), missing
/// or added.
fn differing(before: &[Value], after: &[Value]) -> Vec<String> {
    let index = |set: &[Value]| -> BTreeMap<String, Value> {
        set.iter().map(|o| (id(o), o.clone())).collect()
    };
    let (before, after) = (index(before), index(after));
    let mut out = Vec::new();
    for (k, v) in &before {
        match after.get(k) {
            None => out.push(format!("{k} (gone)")),
            Some(w) => out.extend(first_difference(v, w, "").map(|d| format!("{k} {d}"))),
        }
    }
    out.extend(
        after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .map(|k| format!("{k} (added)")),
    );
    out
}

fn as_values(manifest: &magnetiq_gen::Manifest) -> Vec<Value> {
    manifest
        .objects_in_apply_order()
        .into_iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect()
}

/// JSON with object keys sorted, so key order does not count as a difference.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, String> =
                m.iter().map(|(k, v)| (k, canonical(v))).collect();
            format!("{sorted:?}")
        }
        other => other.to_string(),
    }
}

/// Facts a user would compare: what runs, on which ports, with what resources, storage,
/// routes and configuration.
fn facts(objects: &[Value]) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    for o in objects {
        let kind = o["kind"].as_str().unwrap_or_default();
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        let id = format!("{kind}/{name}");
        match kind {
            "Deployment" => {
                let c = &o["spec"]["template"]["spec"]["containers"][0];
                f.insert(format!("{id} image"), c["image"].to_string());
                f.insert(
                    format!("{id} port"),
                    c["ports"][0]["containerPort"].to_string(),
                );
                f.insert(format!("{id} resources"), canonical(&c["resources"]));
                f.insert(format!("{id} replicas"), o["spec"]["replicas"].to_string());
                f.insert(
                    format!("{id} probe path"),
                    c["readinessProbe"]["httpGet"]["path"].to_string(),
                );
            }
            "Service" => {
                f.insert(
                    format!("{id} port"),
                    o["spec"]["ports"][0]["port"].to_string(),
                );
            }
            "PersistentVolumeClaim" => {
                f.insert(
                    format!("{id} size"),
                    o["spec"]["resources"]["requests"]["storage"].to_string(),
                );
                f.insert(format!("{id} access"), o["spec"]["accessModes"].to_string());
                f.insert(
                    format!("{id} class"),
                    o["spec"]["storageClassName"].to_string(),
                );
            }
            "ConfigMap" => {
                for (k, v) in o["data"].as_object().into_iter().flatten() {
                    f.insert(format!("{id} {k}"), v.to_string());
                }
            }
            "Ingress" => {
                f.insert(
                    format!("{id} host"),
                    o["spec"]["rules"][0]["host"].to_string(),
                );
                for p in o["spec"]["rules"][0]["http"]["paths"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    f.insert(
                        format!("{id} route {}", p["path"].as_str().unwrap_or_default()),
                        format!("{} {}", p["pathType"], p["backend"]["service"]["name"]),
                    );
                }
                f.insert(
                    format!("{id} tls"),
                    o["spec"]["tls"][0]["secretName"].to_string(),
                );
            }
            "StorageClass" => {
                for (k, v) in o["parameters"].as_object().into_iter().flatten() {
                    if v.as_str().is_some_and(|s| !s.is_empty()) {
                        f.insert(format!("{id} {k}"), v.to_string());
                    }
                }
                f.insert(format!("{id} reclaim"), o["reclaimPolicy"].to_string());
            }
            "Application" => {
                for k in ["repoURL", "targetRevision", "path"] {
                    f.insert(format!("{id} {k}"), o["spec"]["source"][k].to_string());
                }
            }
            _ => {}
        }
    }
    f
}

#[test]
fn importing_the_design_tree_renders_the_same_deployment_but_for_listed_corrections() {
    let imported = import(&design());
    let rendered = as_values(&render_imported(&imported));
    let before = facts(&design().into_iter().map(|(_, o)| o).collect::<Vec<_>>());
    let after = facts(&rendered);
    let mut changed: Vec<String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, v)| {
            format!(
                "{k}: {v} -> {}",
                after.get(k).map_or("(gone)", String::as_str)
            )
        })
        .collect();
    changed.sort();
    // Exactly the corrections the import reports, and nothing else.
    assert_eq!(
        changed,
        vec![
            "ConfigMap/magnetiq-config DATABASE_URL: \"sqlite+aiosqlite:///app/data/magnetiq.db\" -> \"sqlite+aiosqlite:////app/data/magnetiq.db\"".to_string(),
            "ConfigMap/magnetiq-config VITE_API_URL: \"https://magnetiq.voltaic.systems/api\" -> (gone)".to_string(),
            "Deployment/magnetiq-backend replicas: 2 -> 1".to_string(),
        ],
        "facts that changed"
    );
    for expected in [
        "backend.replicas",
        "DATABASE_URL",
        "rewrite-target",
        "StorageClass",
        "ALGORITHM is not secret",
        "ConfigMap key VITE_API_URL: not kept",
    ] {
        assert!(
            imported.differences.iter().any(|d| d.contains(expected)),
            "{expected} not listed: {:#?}",
            imported.differences
        );
    }
    // The token settings moved to the ConfigMap, with the same values.
    assert_eq!(
        after
            .get("ConfigMap/magnetiq-config ALGORITHM")
            .map(String::as_str),
        Some("\"HS256\"")
    );
}

#[test]
fn objects_magnetiq_gen_does_not_render_are_listed_as_not_mapped() {
    let mut objects = design();
    objects.push(("extra.yaml".into(), serde_json::json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "vacuum"}})));
    let imported = import(&objects);
    assert!(
        imported
            .unmapped
            .iter()
            .any(|u| u.contains("CronJob vacuum")),
        "{:?}",
        imported.unmapped
    );
    assert!(
        imported
            .profile
            .contains("#   - extra.yaml: CronJob vacuum")
    );
}

#[test]
fn importing_a_rendered_tree_gives_a_profile_that_renders_it_again() {
    // Whichever shipped profile it extends: what the parent has and the tree lacks is turned
    // off or overridden, and nothing the parent gives is left different from the tree.
    for name in ["production", "staging", "dev"] {
        let original = tree(&format!("golden/{name}"));
        let objects: Vec<Value> = original.iter().map(|(_, o)| o.clone()).collect();
        for parent in ["base", "production", "staging", "dev"] {
            let imported = import_extending(&original, parent);
            assert!(
                imported
                    .profile
                    .contains(&format!("\nextends = \"{parent}\"\n")),
                "{}",
                imported.profile
            );
            let rendered = as_values(&render_imported(&imported));
            let changed = differing(&objects, &rendered);
            assert!(
                changed.is_empty(),
                "{name} imported over {parent} renders differently: {changed:#?}\n{}",
                imported.profile
            );
        }
    }
}

#[test]
fn a_traefik_tree_with_edge_pods_and_node_cidrs_imports_and_renders_again() {
    let store = DirStore::new(repo().join("profiles"));
    let overrides: Vec<String> = [
        "ingress.controller=traefik",
        "ingress.class_name=traefik",
        "ingress.proxy_body_size=8m",
        "ingress.proxy_timeout_seconds=120",
        "network_policy.ingress_controller_namespace=traefik",
        "network_policy.edge_node_cidrs=[\"10.0.0.0/24\"]",
        "network_policy.edge_pod_labels={ \"app.kubernetes.io/name\" = \"traefik\" }",
    ]
    .map(String::from)
    .to_vec();
    let manifest = magnetiq_gen::Request::new(&store, "production")
        .overrides(&overrides)
        .render()
        .unwrap()
        .manifest;
    let original: Vec<(String, Value)> = magnetiq_gen::lint::manifest_objects(&manifest);
    let objects: Vec<Value> = original.iter().map(|(_, o)| o.clone()).collect();
    let imported = import_extending(&original, "production");
    for line in [
        "controller = \"traefik\"",
        "proxy_body_size = \"8m\"",
        "proxy_timeout_seconds = 120",
        "edge_node_cidrs = [\"10.0.0.0/24\"]",
    ] {
        assert!(
            imported.profile.contains(line),
            "{line}:\n{}",
            imported.profile
        );
    }
    let rendered = as_values(&render_imported(&imported));
    let changed = differing(&objects, &rendered);
    assert!(changed.is_empty(), "{changed:#?}\n{}", imported.profile);

    // Without the ServersTransport the timeout cannot be read back: said, not guessed.
    let without: Vec<(String, Value)> = original
        .iter()
        .filter(|(_, o)| o["kind"] != "ServersTransport")
        .cloned()
        .collect();
    let imported = import_extending(&without, "production");
    assert!(
        !imported.profile.contains("proxy_timeout_seconds = "),
        "{}",
        imported.profile
    );
    assert!(
        imported
            .differences
            .iter()
            .any(|d| d.contains("no ServersTransport with a responseHeaderTimeout")),
        "{:?}",
        imported.differences
    );
}

#[test]
fn a_value_that_reads_as_a_reference_is_written_as_it_is_with_a_note() {
    // `{{ name }}` in a ConfigMap would be a reference in a profile: the draft cannot be
    // compared with base, so nothing is left out or rewritten, and the note says why.
    let objects = vec![(
        "configmap.yaml".to_string(),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "magnetiq-config"}, "data": {"GREETING": "hello {{ name }}"}}),
    )];
    let imported = import(&objects);
    assert!(
        imported
            .differences
            .iter()
            .any(|d| d.contains("config.GREETING: unknown reference `name`")),
        "{:#?}",
        imported.differences
    );
    let profile: toml::Table = imported.profile.parse().unwrap();
    assert_eq!(profile["extends"].as_str(), Some("base"));
    assert_eq!(
        profile["config"]["GREETING"].as_str(),
        Some("hello {{ name }}")
    );
}

#[test]
fn the_sqlite_backup_drill_and_import_import_and_render_again() {
    let store = DirStore::new(repo().join("profiles"));
    let set: Vec<String> = [
        "database.sqlite.backup.restore_drill=true",
        "database.sqlite.backup.claim_name=copies",
        "database.sqlite.import.url=https://files.example.com/magnetiq.db",
        "database.sqlite.import.sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "database.sqlite.import.image=docker.io/curlimages/curl:8.11.1",
    ]
    .map(String::from)
    .to_vec();
    let rendered = magnetiq_gen::Request::new(&store, "production")
        .overrides(&set)
        .render()
        .unwrap();
    let original: Vec<(String, Value)> = rendered
        .manifest
        .files
        .iter()
        .flat_map(|f| {
            f.objects
                .iter()
                .map(|o| (f.path.to_string(), serde_json::to_value(o).unwrap()))
        })
        .collect();
    let objects: Vec<Value> = original.iter().map(|(_, o)| o.clone()).collect();
    for parent in ["base", "production", "staging"] {
        let imported = import_extending(&original, parent);
        assert!(
            !imported
                .unmapped
                .iter()
                .any(|u| u.contains("CronJob") || u.contains("magnetiq-db-drill")),
            "{:?}",
            imported.unmapped
        );
        let again = as_values(&render_imported(&imported));
        let changed = differing(&objects, &again);
        assert!(
            changed.is_empty(),
            "imported over {parent} renders differently: {changed:#?}\n{}",
            imported.profile
        );
    }
}
