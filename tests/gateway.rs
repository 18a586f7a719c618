//! Routing with the Gateway API, as a user runs it: what the HTTPRoute and the Gateway hold,
//! what lint says about the body limit, and what plan shows for each step of a migration.

mod common;

use std::path::Path;
use std::process::Output;

use common::{of_kind, repo, text};

use serde_json::{Value, json};

/// Runs the binary in the repository, without colours.
fn run(args: &[&str]) -> Output {
    common::run_env(&repo(), args, &[("NO_COLOR", "1")])
}

/// Production attached to a platform team's Gateway, its Ingress kept: both edges admitted.
const PARENT: [&str; 10] = [
    "--set",
    "gateway.enabled=true",
    "--set",
    "gateway.parent.name=shared",
    "--set",
    "gateway.parent.namespace=gateway-system",
    "--set",
    "gateway.parent.section_name=https",
    "--set",
    "network_policy.gateway_namespace=gateway-system",
];

/// The rendered stream's objects.
fn render(profile: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["render", "--profile", profile];
    args.extend_from_slice(extra);
    common::stream_objects(&args)
}

#[test]
fn a_platform_gateway_gets_the_ingress_routing_attached_by_parent_ref() {
    let objects = render("production", &PARENT);
    // Both routes live: the Ingress stays while ingress.enabled is true.
    let ingress = of_kind(&objects, "Ingress");
    assert_eq!(ingress.len(), 1);
    assert!(of_kind(&objects, "Gateway").is_empty());
    let routes = of_kind(&objects, "HTTPRoute");
    assert_eq!(routes.len(), 1, "no redirect route on a platform Gateway");
    let route = routes[0];
    assert_eq!(
        route["spec"]["parentRefs"],
        json!([{"name": "shared", "namespace": "gateway-system", "sectionName": "https"}])
    );
    assert_eq!(
        route["spec"]["hostnames"],
        json!([ingress[0]["spec"]["rules"][0]["host"]])
    );
    // The same paths as the Ingress, to the same Services and ports.
    let ingress_paths: Vec<(String, String, String, i64)> = ingress[0]["spec"]["rules"][0]["http"]
        ["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let kind = match p["pathType"].as_str().unwrap() {
                "Prefix" => "PathPrefix",
                other => other,
            };
            (
                p["path"].as_str().unwrap().to_string(),
                kind.to_string(),
                p["backend"]["service"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                p["backend"]["service"]["port"]["number"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut route_paths = Vec::new();
    for rule in route["spec"]["rules"].as_array().unwrap() {
        assert_eq!(
            rule["timeouts"],
            json!({"request": "600s", "backendRequest": "600s"})
        );
        let to = &rule["backendRefs"][0];
        for m in rule["matches"].as_array().unwrap() {
            route_paths.push((
                m["path"]["value"].as_str().unwrap().to_string(),
                m["path"]["type"].as_str().unwrap().to_string(),
                to["name"].as_str().unwrap().to_string(),
                to["port"].as_i64().unwrap(),
            ));
        }
    }
    assert_eq!(route_paths, ingress_paths);
    assert_eq!(
        route["metadata"]["annotations"]["magnetiq.voltaic.systems/request-body-size-not-carried-over"],
        "50m"
    );
}

#[test]
fn staging_routes_through_its_own_gateway_with_https_and_a_redirect() {
    let objects = render("staging", &[]);
    assert!(of_kind(&objects, "Ingress").is_empty());
    let gateway = of_kind(&objects, "Gateway");
    assert_eq!(gateway.len(), 1);
    let g = gateway[0];
    assert_eq!(
        g["metadata"]["annotations"]["cert-manager.io/cluster-issuer"],
        "letsencrypt-staging"
    );
    let listeners = g["spec"]["listeners"].as_array().unwrap();
    let names: Vec<&str> = listeners
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["https", "http"]);
    assert_eq!(listeners[0]["protocol"], "HTTPS");
    assert_eq!(
        listeners[0]["tls"],
        json!({"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "magnetiq-gw-tls"}]})
    );
    let routes = of_kind(&objects, "HTTPRoute");
    let section = |r: &Value| r["spec"]["parentRefs"][0]["sectionName"].clone();
    let app = routes
        .iter()
        .find(|r| r["metadata"]["name"] == "magnetiq-route")
        .unwrap();
    assert_eq!(section(app), "https");
    let redirect = routes
        .iter()
        .find(|r| r["metadata"]["name"] == "magnetiq-redirect")
        .unwrap();
    assert_eq!(section(redirect), "http");
    assert_eq!(
        redirect["spec"]["rules"],
        json!([{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}])
    );
}

#[test]
fn without_tls_the_own_gateway_listens_on_http_only_and_redirects_nothing() {
    let objects = render("staging", &["--set", "ingress.tls=false"]);
    let g = of_kind(&objects, "Gateway")[0];
    assert!(g["metadata"].get("annotations").is_none());
    assert_eq!(g["spec"]["listeners"].as_array().unwrap().len(), 1);
    assert_eq!(g["spec"]["listeners"][0]["protocol"], "HTTP");
    let routes = of_kind(&objects, "HTTPRoute");
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0]["spec"]["parentRefs"][0]["sectionName"], "http");
}

#[test]
fn lint_warns_that_the_body_limit_is_not_carried_over_until_something_enforces_it() {
    let mut args = vec!["lint", "--profile", "production"];
    args.extend_from_slice(&PARENT);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("warning[MG040]"), "{stdout}");
    assert!(stdout.contains("50m"), "{stdout}");
    args.extend_from_slice(&["--set", "gateway.body_size_enforced_by=ClientTrafficPolicy"]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

/// Renders `profile` with `extra` into a fresh directory.
fn tree(dir: &Path, profile: &str, extra: &[&str]) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["-q", "render", "--profile", profile, "--out-dir", d];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn plan(dir: &Path, profile: &str, extra: &[&str]) -> (Option<i32>, String) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["plan", "--profile", profile, "--out-dir", d];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code(), text(&out.stdout))
}

#[test]
fn plan_shows_each_step_of_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    // Before: production with its Ingress only.
    tree(&k8s, "production", &[]);
    // Step 2, both routes live: the HTTPRoute is created, and the NetworkPolicies admit the
    // Gateway's proxies besides the controller; nothing else changes.
    let (code, out) = plan(&k8s, "production", &PARENT);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with("Plan: 1 to create, 2 to update, 0 to replace, 0 to delete."),
        "{out}"
    );
    assert_eq!(out.matches("~ NetworkPolicy ").count(), 2, "{out}");
    assert!(
        out.contains("HTTPRoute magnetiq-v2/magnetiq-route"),
        "{out}"
    );
    tree(&k8s, "production", &PARENT);
    // Step 5, the Ingress goes: downtime unless DNS already points at the Gateway; the
    // policies stop admitting the old controller.
    let mut last = PARENT.to_vec();
    last.extend_from_slice(&["--set", "ingress.enabled=false"]);
    let (code, out) = plan(&k8s, "production", &last);
    assert_eq!(code, Some(0), "downtime does not block: {out}");
    assert!(
        out.contains("Ingress magnetiq-v2/magnetiq-ingress"),
        "{out}"
    );
    assert!(
        out.contains("stays reachable through HTTPRoute magnetiq-route only if DNS already points at its Gateway"),
        "{out}"
    );
    // The alerts lose the certificate alert: the platform's Gateway holds the certificate.
    assert!(
        out.contains("~ PrometheusRule magnetiq-v2/magnetiq-alerts"),
        "{out}"
    );
    assert!(
        out.starts_with("Plan: 0 to create, 3 to update, 0 to replace, 1 to delete."),
        "{out}"
    );
    // Without an HTTPRoute for the host, the Ingress's removal just loses the route.
    let bare = dir.path().join("bare");
    tree(&bare, "production", &[]);
    let (_, out) = plan(&bare, "production", &["--set", "ingress.enabled=false"]);
    assert!(
        out.contains("magnetiq.voltaic.systems loses its route when it is pruned"),
        "{out}"
    );
}

#[test]
fn importing_a_tree_attached_to_a_platform_gateway_gives_a_profile_that_renders_it_again() {
    use magnetiq_gen::profile::{DirStore, MemStore};
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    // Routed by the HTTPRoute alone, its Ingress gone.
    let mut extra = PARENT.to_vec();
    extra.extend_from_slice(&["--set", "ingress.enabled=false"]);
    tree(&k8s, "production", &extra);
    let objects = magnetiq_gen::lint::load_dir(&k8s).unwrap();
    let imported =
        magnetiq_gen::import::import(&objects, &DirStore::new(repo().join("profiles")), "base")
            .unwrap();
    for line in [
        "[gateway.parent]",
        "name = \"shared\"",
        "namespace = \"gateway-system\"",
        "section_name = \"https\"",
    ] {
        assert!(
            imported.profile.lines().any(|l| l == line),
            "no {line:?} in\n{}",
            imported.profile
        );
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "base".into(),
        std::fs::read(repo().join("profiles/base.toml")).unwrap(),
    )];
    files.push(("imported".into(), imported.profile.clone().into_bytes()));
    let manifest = magnetiq_gen::render(&MemStore { files }, "imported")
        .unwrap_or_else(|e| panic!("{e}\n{}", imported.profile));
    let again: Vec<Value> = magnetiq_gen::lint::manifest_objects(&manifest)
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| v["kind"] == "HTTPRoute" || v["kind"] == "Ingress")
        .collect();
    let before: Vec<Value> = objects
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| v["kind"] == "HTTPRoute" || v["kind"] == "Ingress")
        .collect();
    assert_eq!(again, before, "{}", imported.profile);
}

#[test]
fn more_backend_paths_than_an_httproute_rule_takes_are_refused_with_the_key() {
    let paths: Vec<String> = (0..65)
        .map(|n| format!("{{path=\"/p{n}\",type=\"Exact\"}}"))
        .collect();
    let set = format!("ingress.backend_paths=[{}]", paths.join(","));
    let mut args = vec!["render", "--profile", "production", "--set", &set];
    args.extend_from_slice(&PARENT);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("ingress.backend_paths"), "{err}");
    assert!(
        err.contains("65 paths, but an HTTPRoute rule takes at most 64"),
        "{err}"
    );
    // The Ingress alone has no such limit.
    let out = run(&["render", "--profile", "production", "--set", &set]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
