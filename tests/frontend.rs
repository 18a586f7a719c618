//! The frontend's configuration: a static Vite bundle reads its settings from a file it
//! fetches (`[frontend.runtime_config]`), not from the container's environment.

use std::collections::BTreeMap;

use magnetiq_gen::plan::{self, Action, Class};
use magnetiq_gen::profile::DirStore;
use serde_json::Value;

fn production(set: &[&str]) -> magnetiq_gen::Manifest {
    let store = DirStore::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"));
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    magnetiq_gen::Request::new(&store, "production")
        .overrides(&set)
        .render()
        .unwrap_or_else(|e| panic!("{e:#}"))
        .manifest
}

fn object(m: &magnetiq_gen::Manifest, kind: &str, name: &str) -> Value {
    m.files
        .iter()
        .flat_map(|f| &f.objects)
        .filter(|o| o.kind() == kind)
        .map(|o| serde_json::to_value(o).unwrap())
        .find(|o| o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

#[test]
fn the_bundle_gets_a_config_file_with_a_same_host_api_and_no_vite_variable() {
    let m = production(&[]);
    let cm = object(&m, "ConfigMap", "magnetiq-frontend");
    let json: Value = serde_json::from_str(cm["data"]["config.json"].as_str().unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"apiUrl": "/api"}));
    let d = object(&m, "Deployment", "magnetiq-frontend");
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let mount = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "runtime-config")
        .expect("the file is mounted");
    assert_eq!(mount["mountPath"], "/usr/share/nginx/html/config.json");
    assert_eq!(mount["subPath"], "config.json");
    assert_eq!(mount["readOnly"], true);
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "runtime-config")
        .unwrap();
    assert_eq!(volume["configMap"]["name"], "magnetiq-frontend");
    let env = serde_json::to_string(&c["env"]).unwrap();
    assert!(!env.contains("VITE_"), "{env}");
    // Nor in the settings ConfigMap the backend takes whole.
    let settings = object(&m, "ConfigMap", "magnetiq-config");
    assert!(!serde_json::to_string(&settings).unwrap().contains("VITE_"));
    // Lint agrees: no finding on the shipped profile's tree.
    let findings = magnetiq_gen::lint::lint_rendered(&m);
    assert!(
        findings.is_empty(),
        "{}",
        magnetiq_gen::lint::report(&findings)
    );
}

#[test]
fn a_changed_value_rolls_the_frontend_and_leaves_the_backend_alone() {
    let tree = |set: &[&str]| magnetiq_gen::output::tree(&production(set));
    let p = plan::plan(
        &tree(&[]),
        &tree(&["frontend.runtime_config.values.apiUrl=https://api.example.org"]),
    );
    let changed: BTreeMap<(String, String), Vec<Class>> = p
        .changes
        .iter()
        .map(|c| {
            assert_eq!(c.action, Action::Update);
            (
                (c.key.kind.clone(), c.key.name.clone()),
                c.consequences.iter().map(|k| k.class).collect(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        BTreeMap::from([
            (
                ("ConfigMap".to_string(), "magnetiq-frontend".to_string()),
                vec![]
            ),
            (
                ("Deployment".to_string(), "magnetiq-frontend".to_string()),
                vec![Class::Restart]
            ),
        ]),
        "{}",
        plan::to_text(&p, false)
    );
}
