//! The edge: the Ingress in each controller's dialect (ingress-nginx, Traefik v3), what a
//! dialect cannot carry, the retired-controller acknowledgement, and the NetworkPolicy peers
//! that admit the edge's namespace, pods and nodes.

mod common;

use common::text;
use magnetiq_gen::lint;
use magnetiq_gen::manifest::{Acknowledged, Manifest, Object};
use magnetiq_gen::profile::MemStore;
use magnetiq_gen::{Request, render};
use serde_json::{Value, json};

/// The shipped base.toml (with `edit` applied to its text) and a `prod` profile extending it
/// with `body`.
fn store(edit: impl Fn(String) -> String, body: &str) -> MemStore {
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml"))
        .unwrap();
    let edited = edit(base.clone());
    MemStore {
        files: vec![
            ("base".to_string(), edited.into_bytes()),
            (
                "prod".to_string(),
                format!("extends = \"base\"\n{body}").into_bytes(),
            ),
        ],
    }
}

fn render_with(body: &str, overrides: &[&str]) -> Manifest {
    let s = store(|b| b, body);
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Request::new(&s, "prod")
        .overrides(&overrides)
        .render()
        .unwrap_or_else(|e| panic!("{e:#}"))
        .manifest
}

const TRAEFIK: &[&str] = &["ingress.controller=traefik", "ingress.class_name=traefik"];

/// Every object of `kind`, as JSON, in file order.
fn all_of(m: &Manifest, kind: &str) -> Vec<Value> {
    m.files
        .iter()
        .flat_map(|f| &f.objects)
        .filter(|o| o.kind() == kind)
        .map(|o| serde_json::to_value(o).unwrap())
        .collect()
}

fn named<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no object {name} in {objects:#?}"))
}

#[test]
fn ingress_nginx_keeps_its_annotations_and_renders_no_middleware() {
    let m = render_with("", &[]);
    assert!(all_of(&m, "Middleware").is_empty());
    let ingresses = all_of(&m, "Ingress");
    assert_eq!(ingresses.len(), 1);
    let a = &ingresses[0]["metadata"]["annotations"];
    assert_eq!(a["nginx.ingress.kubernetes.io/proxy-body-size"], "50m");
    assert_eq!(a["nginx.ingress.kubernetes.io/proxy-read-timeout"], "600");
    assert_eq!(a["nginx.ingress.kubernetes.io/ssl-redirect"], "true");
    assert!(m.not_carried_over.is_empty(), "{:?}", m.not_carried_over);
}

#[test]
fn traefik_limits_the_body_with_a_buffering_middleware_in_bytes() {
    let m = render_with("", TRAEFIK);
    let middlewares = all_of(&m, "Middleware");
    let body = named(&middlewares, "magnetiq-body-size");
    assert_eq!(body["apiVersion"], "traefik.io/v1alpha1");
    assert_eq!(body["metadata"]["namespace"], "magnetiq-v2-prod");
    // 50m in nginx's units: 50 * 1024 * 1024.
    assert_eq!(
        body["spec"],
        json!({"buffering": {"maxRequestBodyBytes": 52_428_800}})
    );
    let ingresses = all_of(&m, "Ingress");
    let main = named(&ingresses, "magnetiq-ingress");
    let a = &main["metadata"]["annotations"];
    assert_eq!(
        a["traefik.ingress.kubernetes.io/router.middlewares"],
        "magnetiq-v2-prod-magnetiq-body-size@kubernetescrd"
    );
    assert_eq!(
        a["traefik.ingress.kubernetes.io/router.entrypoints"],
        "websecure"
    );
    assert_eq!(a["traefik.ingress.kubernetes.io/router.tls"], "true");
    assert_eq!(a["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
    assert_eq!(main["spec"]["ingressClassName"], "traefik");
    assert_eq!(main["spec"]["tls"][0]["secretName"], "magnetiq-tls");
    // Nothing of the nginx dialect is left on it.
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert!(
        keys.iter()
            .all(|k| !k.starts_with("nginx.ingress.kubernetes.io/")),
        "{keys:?}"
    );
    // The paths are those of the nginx Ingress.
    let nginx = render_with("", &[]);
    assert_eq!(
        main["spec"]["rules"],
        all_of(&nginx, "Ingress")[0]["spec"]["rules"]
    );
}

#[test]
fn traefik_redirects_plain_http_with_a_second_ingress_on_the_web_entry_point() {
    let m = render_with("", TRAEFIK);
    let redirect = named(&all_of(&m, "Middleware"), "magnetiq-redirect").clone();
    assert_eq!(
        redirect["spec"],
        json!({"redirectScheme": {"scheme": "https", "permanent": true}})
    );
    let ingresses = all_of(&m, "Ingress");
    assert_eq!(ingresses.len(), 2);
    let http = named(&ingresses, "magnetiq-redirect");
    let a = &http["metadata"]["annotations"];
    assert_eq!(a["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert_eq!(
        a["traefik.ingress.kubernetes.io/router.middlewares"],
        "magnetiq-v2-prod-magnetiq-redirect@kubernetescrd"
    );
    // It neither terminates TLS nor asks cert-manager for a second certificate.
    assert!(http["spec"].get("tls").is_none(), "{http:#}");
    assert!(a.get("cert-manager.io/cluster-issuer").is_none(), "{a:#}");
    assert_eq!(
        http["spec"]["rules"][0]["host"],
        "prod.magnetiq.voltaic.systems"
    );
}

#[test]
fn traefik_without_tls_serves_on_the_web_entry_point_and_redirects_nothing() {
    let m = render_with("", &[TRAEFIK[0], TRAEFIK[1], "ingress.tls=false"]);
    let ingresses = all_of(&m, "Ingress");
    assert_eq!(ingresses.len(), 1);
    let a = &ingresses[0]["metadata"]["annotations"];
    assert_eq!(a["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert!(a.get("traefik.ingress.kubernetes.io/router.tls").is_none());
    let names: Vec<Value> = all_of(&m, "Middleware")
        .iter()
        .map(|o| o["metadata"]["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("magnetiq-body-size")]);
}

#[test]
fn traefik_with_no_body_limit_renders_no_buffering_middleware() {
    let m = render_with("", &[TRAEFIK[0], TRAEFIK[1], "ingress.proxy_body_size=0"]);
    let middlewares = all_of(&m, "Middleware");
    assert!(
        middlewares
            .iter()
            .all(|o| o["spec"].get("buffering").is_none()),
        "{middlewares:#?}"
    );
    let main = named(&all_of(&m, "Ingress"), "magnetiq-ingress").clone();
    assert!(
        main["metadata"]["annotations"]
            .get("traefik.ingress.kubernetes.io/router.middlewares")
            .is_none(),
        "{main:#}"
    );
}

#[test]
fn traefik_carries_the_timeout_to_both_services_through_a_servers_transport() {
    let m = render_with("", TRAEFIK);
    let transports = all_of(&m, "ServersTransport");
    assert_eq!(transports.len(), 1, "{transports:#?}");
    let t = named(&transports, "magnetiq-timeouts");
    assert_eq!(t["apiVersion"], "traefik.io/v1alpha1");
    assert_eq!(t["metadata"]["namespace"], "magnetiq-v2-prod");
    assert_eq!(
        t["spec"]["forwardingTimeouts"]["responseHeaderTimeout"],
        "600s"
    );
    let services = all_of(&m, "Service");
    assert_eq!(services.len(), 2);
    for svc in &services {
        assert_eq!(
            svc["metadata"]["annotations"]["traefik.ingress.kubernetes.io/service.serverstransport"],
            "magnetiq-v2-prod-magnetiq-timeouts@kubernetescrd",
            "{svc:#}"
        );
    }
    // The Ingresses carry no timeout annotation of any dialect.
    let text = serde_json::to_string(&all_of(&m, "Ingress")).unwrap();
    assert!(!text.contains("timeout"), "{text}");
    // 600 s is longer than the entry points' default readTimeout: that part is reported.
    let notes: Vec<String> = m.not_carried_over.iter().map(|n| n.note()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "not carried over: ingress.proxy_timeout_seconds = 600 (reading the request): "
        ),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("readTimeout"), "{}", notes[0]);

    // Within Traefik's default there is nothing to report; the transport follows the value.
    let mut short = TRAEFIK.to_vec();
    short.push("ingress.proxy_timeout_seconds=60");
    let m = render_with("", &short);
    assert!(m.not_carried_over.is_empty(), "{:?}", m.not_carried_over);
    assert_eq!(
        all_of(&m, "ServersTransport")[0]["spec"]["forwardingTimeouts"]["responseHeaderTimeout"],
        "60s"
    );
    // ingress-nginx: no transport, no Service annotation.
    let m = render_with("", &[]);
    assert!(all_of(&m, "ServersTransport").is_empty());
    for svc in all_of(&m, "Service") {
        assert!(svc["metadata"].get("annotations").is_none(), "{svc:#}");
    }
}

#[test]
fn traefik_objects_read_back_into_their_types() {
    let m = render_with("", TRAEFIK);
    for o in m.files.iter().flat_map(|f| &f.objects) {
        let v = serde_json::to_value(o).unwrap();
        let back = Object::from_value(v).unwrap_or_else(|e| panic!("{}: {e}", o.id()));
        assert_eq!(&back, o);
    }
    // A misspelt field is refused, not dropped.
    let mut v = named(&all_of(&m, "Middleware"), "magnetiq-body-size").clone();
    v["spec"]["buffering"]["maxRequestBodyByte"] = json!(1);
    assert!(Object::from_value(v).is_err());
}

#[test]
fn traefik_ingresses_lint_clean_and_middlewares_come_before_them() {
    let m = render_with("", TRAEFIK);
    let findings = lint::lint_rendered(&m);
    assert!(findings.is_empty(), "{}", lint::report(&findings));
    let order: Vec<&str> = m
        .objects_in_apply_order()
        .iter()
        .map(|o| o.kind())
        .collect();
    let last_middleware = order.iter().rposition(|k| *k == "Middleware").unwrap();
    let first_ingress = order.iter().position(|k| *k == "Ingress").unwrap();
    assert!(last_middleware < first_ingress, "{order:?}");
}

#[test]
fn the_nginx_class_with_the_traefik_controller_is_refused_at_the_class() {
    let s = store(|b| b, "");
    let overrides = vec!["ingress.controller=traefik".to_string()];
    let err = Request::new(&s, "prod")
        .overrides(&overrides)
        .render()
        .map(|_| ())
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("ingress.class_name"), "{text}");
    assert!(
        text.contains("IngressClass of your Traefik installation"),
        "{text}"
    );
}

#[test]
fn a_profile_that_names_ingress_nginx_acknowledges_it_and_lints_clean() {
    let m = render(&store(|b| b, ""), "prod").unwrap();
    assert_eq!(m.acknowledged, vec![Acknowledged::RetiredIngressNginx]);
    assert!(lint::lint_rendered(&m).is_empty());
    // The same objects without the profile (lint --dir) are a finding.
    let findings = lint::lint(&lint::manifest_objects(&m));
    assert!(
        findings.iter().any(|f| f.rule.id.code() == "MG045"),
        "{}",
        lint::report(&findings)
    );
}

#[test]
fn a_profile_that_leaves_the_controller_unset_gets_ingress_nginx_and_the_warning() {
    let unset = store(
        |b| {
            assert!(b.contains("controller = \"ingress-nginx\"\n"));
            b.replace("controller = \"ingress-nginx\"\n", "")
        },
        "",
    );
    let m = render(&unset, "prod").unwrap();
    assert!(m.acknowledged.is_empty());
    // The rendered objects are the same as with the controller named.
    let named = render(&store(|b| b, ""), "prod").unwrap();
    assert_eq!(m.files, named.files);
    let findings = lint::lint_rendered(&m);
    let mg040: Vec<&lint::Finding> = findings
        .iter()
        .filter(|f| f.rule.id.code() == "MG045")
        .collect();
    assert_eq!(mg040.len(), 1, "{}", lint::report(&findings));
    assert!(
        mg040[0].message.contains("class is nginx"),
        "{}",
        mg040[0].message
    );
    assert_eq!(mg040[0].rule.severity, lint::Severity::Warning);
}

// --- NetworkPolicy and the edge ---------------------------------------------------------

/// The peers of a policy's first rule that come from outside the application: the edge (and
/// for the backend the frontend), not the PostSync smoke test.
fn ingress_peers(m: &Manifest, policy: &str) -> Vec<Value> {
    named(&all_of(m, "NetworkPolicy"), policy)["spec"]["ingress"][0]["from"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] != "smoke-test")
        .cloned()
        .collect()
}

#[test]
fn by_default_the_edge_is_its_whole_namespace() {
    let m = render_with("", &[]);
    let peers = ingress_peers(&m, "magnetiq-frontend");
    assert_eq!(
        peers,
        vec![
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}})
        ]
    );
}

#[test]
fn edge_pod_labels_narrow_the_namespace_to_those_pods_in_one_peer() {
    let m = render_with(
        "[network_policy]\nedge_pod_labels = { \"app.kubernetes.io/name\" = \"traefik\" }\n",
        &["network_policy.ingress_controller_namespace=traefik"],
    );
    let edge = json!({
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "traefik"}},
    });
    assert_eq!(ingress_peers(&m, "magnetiq-frontend"), vec![edge.clone()]);
    // The backend admits the same edge, and the frontend's pods besides.
    let backend = ingress_peers(&m, "magnetiq-backend");
    assert_eq!(backend[0], edge);
    assert_eq!(backend.len(), 2);
    assert!(backend[1]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "frontend");
    // No NetworkPolicy rule mistakes the narrowed peer for something else.
    let findings = lint::lint_rendered(&m);
    assert!(findings.is_empty(), "{}", lint::report(&findings));
}

/// A migration to the Gateway API: while both routes are live, both edges are admitted; once
/// the Ingress goes, so does the retired controller's namespace. Without `gateway_namespace`
/// a Gateway-only profile (staging) keeps admitting `ingress_controller_namespace`.
#[test]
fn the_gateway_proxies_namespace_is_admitted_while_the_gateway_routes() {
    let ns =
        |n: &str| json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": n}}});
    let gateway = "[gateway]\nenabled = true\n[gateway.parent]\nname = \"shared\"\nnamespace = \"gateway-system\"\nsection_name = \"https\"\n";
    let with_ns = format!("{gateway}[network_policy]\ngateway_namespace = \"gw-proxies\"\n");
    let both = render_with(&with_ns, &[]);
    for policy in ["magnetiq-frontend", "magnetiq-backend"] {
        let peers = ingress_peers(&both, policy);
        assert_eq!(
            peers[..2],
            [ns("ingress-nginx"), ns("gw-proxies")],
            "{policy}"
        );
    }
    let after = render_with(&with_ns, &["ingress.enabled=false"]);
    assert_eq!(
        ingress_peers(&after, "magnetiq-frontend"),
        vec![ns("gw-proxies")]
    );
    // The Gateway off: its namespace is not admitted, whatever the key says.
    let off = render_with(&with_ns, &["gateway.enabled=false"]);
    assert_eq!(
        ingress_peers(&off, "magnetiq-frontend"),
        vec![ns("ingress-nginx")]
    );
    // One controller for both (the same namespace): one peer.
    let same = render_with(
        &format!("{gateway}[network_policy]\ngateway_namespace = \"ingress-nginx\"\n"),
        &[],
    );
    assert_eq!(
        ingress_peers(&same, "magnetiq-frontend"),
        vec![ns("ingress-nginx")]
    );
    // Gateway only, no gateway_namespace: the controller's namespace is the edge, as before.
    let staging_like = render_with(gateway, &["ingress.enabled=false"]);
    assert_eq!(
        ingress_peers(&staging_like, "magnetiq-frontend"),
        vec![ns("ingress-nginx")]
    );
    // Both routes without it: refused at gateway.enabled.
    let s = store(|b| b, gateway);
    let err = Request::new(&s, "prod").render().unwrap_err().to_string();
    assert!(err.contains("network_policy.gateway_namespace"), "{err}");
}

#[test]
fn the_diagram_shows_the_node_addresses_a_host_network_edge_comes_from() {
    use magnetiq_gen::graph::{Format, render as graph};
    let m = render_with(
        "[network_policy]\nedge_node_cidrs = [\"10.0.0.0/24\"]\n",
        &[],
    );
    let g = graph(&m, Format::Mermaid);
    for needle in [
        "nodes[\"node addresses (host network)\"]",
        "nodes -->|\"allowed in :4036\"| deployment_magnetiq_backend",
        "nodes -->|\"allowed in :9036\"| deployment_magnetiq_frontend",
    ] {
        assert!(g.contains(needle), "missing {needle} in\n{g}");
    }
    assert!(!graph(&render_with("", &[]), Format::Mermaid).contains("nodes"));
}

#[test]
fn edge_node_cidrs_admit_a_host_network_controller_by_ip_block() {
    let m = render_with(
        "[network_policy]\nedge_node_cidrs = [\"10.0.0.0/24\", \"fd00:1::/64\"]\n",
        &[],
    );
    for policy in ["magnetiq-frontend", "magnetiq-backend"] {
        let peers = ingress_peers(&m, policy);
        assert_eq!(
            peers[1],
            json!({"ipBlock": {"cidr": "10.0.0.0/24"}}),
            "{policy}"
        );
        assert_eq!(
            peers[2],
            json!({"ipBlock": {"cidr": "fd00:1::/64"}}),
            "{policy}"
        );
    }
    // The namespace stays admitted next to the nodes, and lint has nothing to say.
    assert!(ingress_peers(&m, "magnetiq-frontend")[0]["namespaceSelector"].is_object());
    let findings = lint::lint_rendered(&m);
    assert!(findings.is_empty(), "{}", lint::report(&findings));
}

#[test]
fn bad_edge_settings_are_refused_each_at_its_key() {
    let s = store(
        |b| b,
        "[network_policy]\nedge_node_cidrs = [\"10.0.0.7/24\", \"10.0.0.0/33\", \"nodes\", \"fd00::/64\", \"fd00::/64\"]\nedge_pod_labels = { \"app/name\" = \"-bad\" }\n",
    );
    let err = format!("{:#}", render(&s, "prod").map(|_| ()).unwrap_err());
    for needle in [
        "network_policy.edge_node_cidrs[0]",
        "host bits set",
        "network_policy.edge_node_cidrs[1]",
        "prefix length must be 0 to 32",
        "network_policy.edge_node_cidrs[2]",
        "not a CIDR",
        "network_policy.edge_node_cidrs[4]",
        "listed twice",
        "network_policy.edge_pod_labels",
        "not a label value",
    ] {
        assert!(err.contains(needle), "{needle}:\n{err}");
    }
    assert!(!err.contains("edge_node_cidrs[3]"), "{err}");
}

// --- as a user runs it ------------------------------------------------------------------

/// Runs the binary in the repository.
fn run(args: &[&str]) -> std::process::Output {
    common::run(&common::repo(), args)
}

#[test]
fn render_says_on_stderr_what_traefik_does_not_carry_and_keeps_stdout_yaml() {
    let args = [
        "render",
        "--profile",
        "production",
        "--set",
        "ingress.controller=traefik",
        "--set",
        "ingress.class_name=traefik",
    ];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("not carried over: ingress.proxy_timeout_seconds = 600"),
        "{stderr}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("kind: Middleware"), "{stdout}");
    assert!(!stdout.contains("not carried over"), "{stdout}");
    // --quiet leaves only errors on stderr.
    let mut quiet = vec!["-q"];
    quiet.extend(args);
    assert_eq!(text(&run(&quiet).stderr), "");
    // The shipped profiles carry everything: nothing to say.
    let out = run(&["render", "--profile", "production"]);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn lint_profile_notes_the_acknowledged_controller_and_exits_clean() {
    let out = run(&["lint", "--profile", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("acknowledged: the Ingress is for ingress-nginx, retired in March 2026"),
        "{stderr}"
    );
    // The rendered tree without its profile: the warning, exit 1.
    let out = run(&["lint", "--dir", "golden/production"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("warning[MG045]"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn render_all_names_the_profile_whose_timeout_traefik_does_not_carry() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), profiles.join(e.file_name())).unwrap();
    }
    std::fs::write(
        profiles.join("qa.toml"),
        "extends = \"base\"\n[ingress]\ncontroller = \"traefik\"\nclass_name = \"traefik\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_magnetiq-gen"))
        .args(["render", "--all", "--out-dir", "out"])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("not carried over"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(
        notes[0].starts_with("qa: not carried over: ingress.proxy_timeout_seconds = 600"),
        "{stderr}"
    );
    assert!(dir.path().join("out/qa/ingress.yaml").is_file());
}
