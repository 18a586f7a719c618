//! Property tests over generated profiles: every valid profile renders, names fit their
//! limits, selectors select the pods they mean, references resolve, nothing is duplicated,
//! and output is deterministic. Arbitrary input never panics.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::Value;

use magnetiq_gen::profile::MemStore;
use magnetiq_gen::rules::DERIVED_CONFIG;
use magnetiq_gen::{Manifest, Object, output};

const BASE: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml"));

/// The secret keys base.toml declares; a [config] key must not repeat one.
const SECRET_KEYS: [&str; 7] = [
    "SECRET_KEY",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "LINKEDIN_CLIENT_ID",
    "LINKEDIN_CLIENT_SECRET",
    "OPENAI_API_KEY",
    "SCOOPP_API_KEY",
];

/// The knobs a generated profile turns; everything else comes from base.toml.
#[derive(Debug, Clone)]
struct Knobs {
    name: String,
    namespace: String,
    display_name: String,
    backend_port: u16,
    frontend_port: u16,
    frontend_replicas: u8,
    /// (min, max, target CPU percent)
    autoscaling: Option<(u16, u16, u16)>,
    longhorn: bool,
    /// `None`: no Ingress; `Some(tls)`.
    ingress: Option<bool>,
    /// `None`: no HTTPRoute; `Some(true)`: with a Gateway of its own; `Some(false)`: attached
    /// to a platform Gateway.
    gateway: Option<bool>,
    network_policy: bool,
    rbac: bool,
    argocd: bool,
    labels: BTreeMap<String, String>,
    config: BTreeMap<String, String>,
}

/// A TOML basic string holding exactly `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Knobs {
    fn toml(&self) -> String {
        self.toml_in_order(false)
    }

    /// The profile, with the keys of `[app.labels]` and `[config]` written in reverse order
    /// when `reversed`.
    fn toml_in_order(&self, reversed: bool) -> String {
        fn in_order<'a>(
            m: &'a BTreeMap<String, String>,
            reversed: bool,
        ) -> Box<dyn Iterator<Item = (&'a String, &'a String)> + 'a> {
            if reversed {
                Box::new(m.iter().rev())
            } else {
                Box::new(m.iter())
            }
        }
        let mut t = String::from("extends = \"base\"\n\n[app]\n");
        t += &format!("name = {}\n", toml_str(&self.name));
        t += &format!("namespace = {}\n", toml_str(&self.namespace));
        t += &format!("display_name = {}\n", toml_str(&self.display_name));
        t += "\n[app.labels]\n";
        for (k, v) in in_order(&self.labels, reversed) {
            t += &format!("{} = {}\n", toml_str(k), toml_str(v));
        }
        t += &format!("\n[backend]\nport = {}\n", self.backend_port);
        t += &format!(
            "\n[frontend]\nport = {}\nreplicas = {}\n",
            self.frontend_port, self.frontend_replicas
        );
        match self.autoscaling {
            Some((min, max, target)) => {
                t += &format!(
                    "\n[autoscaling]\nenabled = true\nmin_replicas = {min}\nmax_replicas = {max}\ntarget_cpu_utilization = {target}\n"
                );
            }
            None => t += "\n[autoscaling]\nenabled = false\n",
        }
        let provider = if self.longhorn {
            "longhorn"
        } else {
            "cluster-default"
        };
        t += &format!("\n[storage]\nprovider = \"{provider}\"\n");
        match self.ingress {
            None => t += "\n[ingress]\nenabled = false\n",
            Some(true) => t += "\n[ingress]\nenabled = true\ntls = true\n",
            Some(false) => t += "\n[ingress]\nenabled = true\ntls = false\ncluster_issuer = \"\"\n",
        }
        match self.gateway {
            None => {}
            Some(true) => t += "\n[gateway]\nenabled = true\n[gateway.own]\nclass_name = \"eg\"\n",
            Some(false) => {
                t += "\n[gateway]\nenabled = true\n[gateway.parent]\nname = \"shared\"\nnamespace = \"gateway-system\"\nsection_name = \"https\"\n"
            }
        }
        t += &format!(
            "\n[network_policy]\nenabled = {}\ngateway_namespace = \"gateway-system\"\n\n[rbac]\noperator = {}\noperator_groups = [\"oncall\"]\n\n[argocd]\nenabled = {}\n\n[smoke_test]\nenabled = {}\n",
            self.network_policy, self.rbac, self.argocd, self.argocd
        );
        t += "\n[config]\n";
        for (k, v) in in_order(&self.config, reversed) {
            t += &format!("{k} = {}\n", toml_str(v));
        }
        t
    }
}

/// A string the profile loader will not take for a `{{ }}` template.
fn not_a_template(s: &str) -> bool {
    !(s.contains("{{") || s.contains("{%") || s.contains("{#"))
}

/// Strings a YAML 1.1 or 1.2 reader may take for something other than a string.
fn awkward_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,40}",
        1 => prop::sample::select(vec![
            "", " ", "yes", "No", "on", "OFF", "y", "n", "~", "null", "true", "0755", "0x1F",
            "1e3", "-1", ".inf", "- item", "a: b", "#comment", "&anchor", "*alias", "!tag",
            "|", ">", "'", "\"", "%YAML", "---", "...", " leading", "trailing ", "two\nlines",
            "tab\there", "\u{2028}", "\u{85}", "\u{a0}", "日本語", "{}", "[]", "@at", "`tick`",
            "=", "<<",
        ])
        .prop_map(str::to_string),
    ]
    .prop_filter("not a template", |s| not_a_template(s))
}

fn knobs() -> impl Strategy<Value = Knobs> {
    let label_key = (
        proptest::option::of("[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z]{2,6}){0,2}"),
        "[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?",
    )
        .prop_map(|(prefix, name)| match prefix {
            Some(p) => format!("{p}/{name}"),
            None => name,
        })
        .prop_filter("not a reserved prefix", |k| {
            !k.starts_with("app.kubernetes.io/")
        });
    let label_value = "([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?";
    let config_key = "[A-Za-z_][A-Za-z0-9_]{0,40}".prop_filter("not derived or secret", |k| {
        !DERIVED_CONFIG.iter().any(|(d, _)| d == k) && !SECRET_KEYS.contains(&k.as_str())
    });
    let autoscaling = proptest::option::of((1u16..=10, 0u16..=10, 1u16..=1000))
        .prop_map(|a| a.map(|(min, extra, target)| (min, min + extra, target)));
    (
        (
            "[a-z]([a-z0-9-]{0,51}[a-z0-9])?",
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
            awkward_string()
                .prop_filter("display_name must not be blank", |s| !s.trim().is_empty()),
            1u16..=65535,
            1u16..=65535,
            1u8..=20,
            autoscaling,
        ),
        (
            any::<bool>(),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::collection::btree_map(label_key, label_value, 0..4),
            prop::collection::btree_map(config_key, awkward_string(), 0..6),
        ),
    )
        .prop_map(
            |(
                (name, namespace, display_name, backend_port, frontend_port, replicas, autoscaling),
                (longhorn, ingress, gateway, network_policy, rbac, argocd, labels, config),
            )| Knobs {
                name,
                namespace,
                display_name,
                backend_port,
                frontend_port,
                frontend_replicas: replicas,
                autoscaling,
                longhorn,
                ingress,
                gateway,
                network_policy,
                rbac,
                argocd,
                labels,
                config,
            },
        )
}

fn store(profile: &[u8]) -> MemStore {
    MemStore {
        files: vec![
            ("base".into(), BASE.to_vec()),
            ("gen".into(), profile.to_vec()),
        ],
    }
}

fn render(k: &Knobs) -> Manifest {
    let text = k.toml();
    match magnetiq_gen::render(&store(text.as_bytes()), "gen") {
        Ok(m) => m,
        Err(e) => panic!("a valid profile did not render:\n{text}\n{e:#}"),
    }
}

/// Every object as JSON, in apply order.
fn objects(m: &Manifest) -> Vec<(String, Value)> {
    m.objects_in_apply_order()
        .into_iter()
        .map(|o: &Object| (o.id(), serde_json::to_value(o).unwrap()))
        .collect()
}

fn of_kind<'a>(objs: &'a [(String, Value)], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    objs.iter()
        .map(|(_, v)| v)
        .filter(move |v| v["kind"] == kind)
}

fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or("")
}

fn namespace(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or("")
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().unwrap_or("<not a string>").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_subset(small: &BTreeMap<String, String>, big: &BTreeMap<String, String>) -> bool {
    small.iter().all(|(k, v)| big.get(k) == Some(v))
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && s.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

fn is_label_key(s: &str) -> bool {
    let name = match s.split_once('/') {
        Some((prefix, name)) => {
            if !is_dns_subdomain(prefix) {
                return false;
            }
            name
        }
        None => s,
    };
    !name.is_empty() && is_label_value(name)
}

/// Deployments' pod templates: (namespace, name, pod labels, pod spec).
fn pod_templates(objs: &[(String, Value)]) -> Vec<(&str, &str, BTreeMap<String, String>, &Value)> {
    of_kind(objs, "Deployment")
        .map(|d| {
            (
                namespace(d),
                name(d),
                string_map(&d["spec"]["template"]["metadata"]["labels"]),
                &d["spec"]["template"]["spec"],
            )
        })
        .collect()
}

/// 64 cases per property keep the file at a few seconds; `PROPTEST_CASES=5000` searches harder.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_profiles_render_with_names_within_limits(k in knobs()) {
        let m = render(&k);
        for (id, o) in objects(&m) {
            let n = name(&o);
            let kind = o["kind"].as_str().unwrap();
            match kind {
                // Object names that end up in DNS names, label values or pod names: RFC 1123
                // labels. A Service name is also an RFC 1035 label: it starts with a letter.
                "Namespace" | "Service" | "Deployment" | "ConfigMap" | "Secret"
                | "PersistentVolumeClaim" | "ServiceAccount" | "NetworkPolicy"
                | "HorizontalPodAutoscaler" | "Ingress" | "Application" => {
                    prop_assert!(is_dns_label(n), "{id}: {n:?} is not a DNS label of at most 63");
                }
                _ => prop_assert!(is_dns_subdomain(n), "{id}: {n:?} is not a DNS subdomain"),
            }
            if kind == "Service" {
                prop_assert!(n.starts_with(|c: char| c.is_ascii_lowercase()), "{id}: Service name must start with a letter");
            }
            if kind != "Namespace" && kind != "StorageClass" {
                prop_assert_eq!(namespace(&o), if kind == "Application" { "argocd" } else { k.namespace.as_str() }, "{}", id);
            }
            for (lk, lv) in string_map(&o["metadata"]["labels"]) {
                prop_assert!(is_label_key(&lk), "{id}: label key {lk:?}");
                prop_assert!(is_label_value(&lv), "{id}: label {lk}={lv:?}");
            }
            let labels = string_map(&o["metadata"]["labels"]);
            for (extra_key, extra_value) in &k.labels {
                prop_assert_eq!(
                    labels.get(extra_key),
                    Some(extra_value),
                    "{}: extra label {} missing", id, extra_key
                );
            }
        }
    }

    #[test]
    fn selectors_match_the_pod_labels_of_exactly_one_deployment(k in knobs()) {
        let m = render(&k);
        let objs = objects(&m);
        let pods = pod_templates(&objs);
        prop_assert_eq!(pods.len(), 2);
        for d in of_kind(&objs, "Deployment") {
            let selector = string_map(&d["spec"]["selector"]["matchLabels"]);
            prop_assert!(!selector.is_empty(), "{} has an empty selector", name(d));
            let template = string_map(&d["spec"]["template"]["metadata"]["labels"]);
            prop_assert!(is_subset(&selector, &template), "{}: selector {:?} not in pod labels {:?}", name(d), selector, template);
            // Selectors are immutable: nothing that changes between releases.
            prop_assert!(!selector.contains_key("app.kubernetes.io/version"));
        }
        let selects = |ns: &str, selector: &BTreeMap<String, String>| {
            pods.iter()
                .filter(|(pns, _, labels, _)| *pns == ns && is_subset(selector, labels))
                .map(|(_, n, _, _)| n.to_string())
                .collect::<Vec<_>>()
        };
        for s in of_kind(&objs, "Service") {
            let selector = string_map(&s["spec"]["selector"]);
            prop_assert!(!selector.is_empty(), "Service {} selects every pod", name(s));
            let matched = selects(namespace(s), &selector);
            prop_assert_eq!(matched.len(), 1, "Service {} selects {:?}", name(s), matched);
            prop_assert_eq!(&matched[0], name(s), "Service selects another workload");
        }
        // A NetworkPolicy guards one workload: a Deployment's pods, or a Job's (the smoke
        // test's).
        let jobs: Vec<(&str, &str, BTreeMap<String, String>)> = of_kind(&objs, "Job")
            .map(|j| (namespace(j), name(j), string_map(&j["spec"]["template"]["metadata"]["labels"])))
            .collect();
        for np in of_kind(&objs, "NetworkPolicy") {
            let selector = string_map(&np["spec"]["podSelector"]["matchLabels"]);
            let mut matched = selects(namespace(np), &selector);
            matched.extend(
                jobs.iter()
                    .filter(|(jns, _, labels)| *jns == namespace(np) && is_subset(&selector, labels))
                    .map(|(_, n, _)| n.to_string()),
            );
            prop_assert_eq!(matched.len(), 1, "NetworkPolicy {} selects {:?}", name(np), matched);
        }
    }

    #[test]
    fn everything_a_workload_references_exists_in_its_namespace(k in knobs()) {
        let m = render(&k);
        let objs = objects(&m);
        let exists = |kind: &str, ns: &str, n: &str| {
            objs.iter().any(|(_, o)| o["kind"] == kind && namespace(o) == ns && name(o) == n)
        };
        let config_data: BTreeMap<(String, String), BTreeMap<String, String>> = of_kind(&objs, "ConfigMap")
            .map(|c| ((namespace(c).to_string(), name(c).to_string()), string_map(&c["data"])))
            .collect();
        // Who provides each Secret, and (where the manifest knows them) its keys: a plain
        // Secret and a SealedSecret name their keys; an ExternalSecret's keys come from the
        // store (None); with secrets.mode = "existing" nothing is rendered and the Secret is
        // created out of band.
        let mut secret_keys: BTreeMap<(String, String), Option<BTreeSet<String>>> = BTreeMap::new();
        for s in of_kind(&objs, "Secret") {
            let keys = s["data"].as_object().map(|d| d.keys().cloned().collect()).unwrap_or_default();
            secret_keys.insert((namespace(s).to_string(), name(s).to_string()), Some(keys));
        }
        for s in of_kind(&objs, "SealedSecret") {
            let keys = s["spec"]["encryptedData"].as_object().map(|d| d.keys().cloned().collect()).unwrap_or_default();
            let target = s["spec"]["template"]["metadata"]["name"].as_str().unwrap_or_default();
            secret_keys.insert((namespace(s).to_string(), target.to_string()), Some(keys));
        }
        for s in of_kind(&objs, "ExternalSecret") {
            let target = s["spec"]["target"]["name"].as_str().unwrap_or_default();
            secret_keys.insert((namespace(s).to_string(), target.to_string()), None);
        }
        let out_of_band = secret_keys.is_empty();
        let mut out_of_band_names = BTreeSet::new();
        let mut references = 0;
        for (ns, deployment, _, pod) in pod_templates(&objs) {
            let sa = pod["serviceAccountName"].as_str();
            prop_assert!(sa.is_some(), "{deployment} runs under the default ServiceAccount");
            prop_assert!(exists("ServiceAccount", ns, sa.unwrap()), "{deployment}: ServiceAccount {sa:?} missing");
            for v in pod["volumes"].as_array().into_iter().flatten() {
                if let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() {
                    references += 1;
                    prop_assert!(exists("PersistentVolumeClaim", ns, claim), "{deployment}: PVC {claim} missing");
                }
                if let Some(cm) = v["configMap"]["name"].as_str() {
                    prop_assert!(exists("ConfigMap", ns, cm), "{deployment}: ConfigMap {cm} missing");
                }
                if let Some(s) = v["secret"]["secretName"].as_str() {
                    prop_assert!(exists("Secret", ns, s), "{deployment}: Secret {s} missing");
                }
            }
            for c in pod["containers"].as_array().into_iter().flatten() {
                for ef in c["envFrom"].as_array().into_iter().flatten() {
                    if let Some(cm) = ef["configMapRef"]["name"].as_str() {
                        references += 1;
                        prop_assert!(exists("ConfigMap", ns, cm), "{deployment}: envFrom ConfigMap {cm} missing");
                    }
                    if let Some(s) = ef["secretRef"]["name"].as_str() {
                        prop_assert!(exists("Secret", ns, s), "{deployment}: envFrom Secret {s} missing");
                    }
                }
                for e in c["env"].as_array().into_iter().flatten() {
                    let r = &e["valueFrom"]["configMapKeyRef"];
                    if let (Some(cm), Some(key)) = (r["name"].as_str(), r["key"].as_str()) {
                        references += 1;
                        let data = config_data.get(&(ns.to_string(), cm.to_string()));
                        prop_assert!(data.is_some(), "{deployment}: ConfigMap {cm} missing");
                        prop_assert!(data.unwrap().contains_key(key), "{deployment}: ConfigMap {cm} has no key {key}");
                    }
                    let r = &e["valueFrom"]["secretKeyRef"];
                    if let (Some(s), Some(key)) = (r["name"].as_str(), r["key"].as_str()) {
                        references += 1;
                        match secret_keys.get(&(ns.to_string(), s.to_string())) {
                            Some(Some(keys)) => prop_assert!(
                                keys.contains(key) || e["valueFrom"]["secretKeyRef"]["optional"] == true,
                                "{deployment}: Secret {s} has no required key {key}"
                            ),
                            Some(None) => {}
                            None => {
                                prop_assert!(out_of_band, "{deployment}: Secret {s} is provided by nothing rendered");
                                out_of_band_names.insert(s.to_string());
                            }
                        }
                    }
                }
            }
        }
        prop_assert!(out_of_band_names.len() <= 1, "workloads read several out-of-band Secrets: {out_of_band_names:?}");
        // base.toml mounts two claims, envFrom's the ConfigMap, and reads config and secret keys.
        prop_assert!(references >= 4, "only {references} references checked");
        // What routes to the workloads and what the RBAC objects point at exist too.
        for i in of_kind(&objs, "Ingress") {
            for rule in i["spec"]["rules"].as_array().into_iter().flatten() {
                for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                    let svc = &path["backend"]["service"];
                    let target = svc["name"].as_str().unwrap_or("");
                    let service = of_kind(&objs, "Service").find(|s| namespace(s) == namespace(i) && name(s) == target);
                    prop_assert!(service.is_some(), "Ingress routes to missing Service {target}");
                    let ports: Vec<&Value> = service.unwrap()["spec"]["ports"].as_array().unwrap().iter().map(|p| &p["port"]).collect();
                    prop_assert!(ports.contains(&&svc["port"]["number"]), "Ingress uses a port Service {target} lacks");
                }
            }
        }
        for r in of_kind(&objs, "HTTPRoute") {
            for b in r["spec"]["rules"].as_array().into_iter().flatten().flat_map(|x| x["backendRefs"].as_array().into_iter().flatten()) {
                let target = b["name"].as_str().unwrap_or("");
                let service = of_kind(&objs, "Service").find(|s| namespace(s) == namespace(r) && name(s) == target);
                prop_assert!(service.is_some(), "HTTPRoute routes to missing Service {target}");
                let ports: Vec<&Value> = service.unwrap()["spec"]["ports"].as_array().unwrap().iter().map(|p| &p["port"]).collect();
                prop_assert!(ports.contains(&&b["port"]), "HTTPRoute uses a port Service {target} lacks");
            }
            for parent in r["spec"]["parentRefs"].as_array().into_iter().flatten().filter(|p| p.get("namespace").is_none()) {
                // A parentRef without namespace names a Gateway of the route's own namespace: ours.
                prop_assert!(exists("Gateway", namespace(r), parent["name"].as_str().unwrap_or("")), "HTTPRoute attaches to missing Gateway {parent}");
            }
        }
        for rb in of_kind(&objs, "RoleBinding") {
            let role = rb["roleRef"]["name"].as_str().unwrap_or("");
            prop_assert!(exists("Role", namespace(rb), role), "RoleBinding to missing Role {role}");
            for s in rb["subjects"].as_array().into_iter().flatten().filter(|s| s["kind"] == "ServiceAccount") {
                prop_assert!(exists("ServiceAccount", s["namespace"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or("")), "RoleBinding subject {s} missing");
            }
        }
        for pvc in of_kind(&objs, "PersistentVolumeClaim") {
            match pvc["spec"]["storageClassName"].as_str() {
                Some(class) => prop_assert!(exists("StorageClass", "", class), "PVC {} uses missing StorageClass {class}", name(pvc)),
                None => prop_assert!(!k.longhorn, "PVC {} has no class with Longhorn", name(pvc)),
            }
        }
    }

    #[test]
    fn no_object_is_rendered_twice(k in knobs()) {
        let m = render(&k);
        let mut seen = BTreeSet::new();
        for o in m.objects_in_apply_order() {
            prop_assert!(seen.insert(o.id()), "{} is rendered twice", o.id());
        }
    }

    #[test]
    fn autoscaling_leaves_frontend_replicas_to_an_hpa_that_targets_it(k in knobs()) {
        let m = render(&k);
        let objs = objects(&m);
        let frontend = format!("{}-frontend", k.name);
        let deployment = of_kind(&objs, "Deployment").find(|d| name(d) == frontend);
        prop_assert!(deployment.is_some(), "no Deployment {frontend}");
        let deployment = deployment.unwrap();
        let hpas: Vec<&Value> = of_kind(&objs, "HorizontalPodAutoscaler").collect();
        match k.autoscaling {
            Some((min, max, _)) => {
                prop_assert!(deployment["spec"].get("replicas").is_none(), "replicas set next to an HPA");
                prop_assert_eq!(hpas.len(), 1);
                let hpa = hpas[0];
                let target = &hpa["spec"]["scaleTargetRef"];
                prop_assert_eq!(&target["kind"], "Deployment");
                prop_assert_eq!(&target["apiVersion"], "apps/v1");
                prop_assert_eq!(target["name"].as_str(), Some(frontend.as_str()));
                prop_assert_eq!(namespace(hpa), namespace(deployment));
                prop_assert_eq!(hpa["spec"]["minReplicas"].as_u64(), Some(u64::from(min)));
                prop_assert_eq!(hpa["spec"]["maxReplicas"].as_u64(), Some(u64::from(max)));
            }
            None => {
                prop_assert!(hpas.is_empty());
                prop_assert_eq!(deployment["spec"]["replicas"].as_u64(), Some(u64::from(k.frontend_replicas)));
            }
        }
        // The backend never scales: SQLite.
        let backend = of_kind(&objs, "Deployment").find(|d| name(d) == format!("{}-backend", k.name)).unwrap();
        prop_assert_eq!(backend["spec"]["replicas"].as_u64(), Some(1));
        prop_assert!(hpas.iter().all(|h| h["spec"]["scaleTargetRef"]["name"] != name(backend)));
    }

    /// Output is a function of the profile's content, not of how its maps are written down:
    /// reordering the keys of `[app.labels]` and `[config]` changes no byte. (Rendering the
    /// same text twice in one process proves nothing; the goldens pin bytes across
    /// processes and machines.)
    #[test]
    fn reordering_label_and_config_keys_changes_no_byte(k in knobs()) {
        let forward = magnetiq_gen::render(&store(k.toml_in_order(false).as_bytes()), "gen")
            .map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
        let reversed = magnetiq_gen::render(&store(k.toml_in_order(true).as_bytes()), "gen")
            .map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
        prop_assert_eq!(output::stream(&forward), output::stream(&reversed));
        prop_assert_eq!(output::tree(&forward), output::tree(&reversed));
    }

    #[test]
    fn the_stream_reads_back_as_the_objects_rendered(k in knobs()) {
        let m = render(&k);
        let stream = output::stream(&m);
        let docs: Vec<Value> = serde_saphyr::from_multiple(&stream)
            .map_err(|e| TestCaseError::fail(format!("the stream is not YAML: {e}\n{stream}")))?;
        let expected = m.objects_in_apply_order();
        prop_assert_eq!(docs.len(), expected.len());
        for (doc, o) in docs.into_iter().zip(expected) {
            let parsed = Object::from_value(doc).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&parsed, o, "{} does not read back as rendered", o.id());
        }
        // The [config] values reach the ConfigMap unchanged.
        let cm = m.objects_in_apply_order().into_iter().find(|o| o.kind() == "ConfigMap").unwrap();
        let data = string_map(&serde_json::to_value(cm).unwrap()["data"]);
        for (key, value) in &k.config {
            prop_assert_eq!(data.get(key), Some(value), "config {}", key);
        }
        prop_assert_eq!(data.get("APP_NAME"), Some(&k.display_name));
    }

    #[test]
    fn arbitrary_bytes_as_a_profile_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = magnetiq_gen::render(&store(&bytes), "gen");
        // The same bytes as a profile with no base.
        let alone = MemStore { files: vec![("gen".into(), bytes)] };
        let _ = magnetiq_gen::render(&alone, "gen");
    }

    #[test]
    fn arbitrary_strings_as_a_profile_never_panic(text in "\\PC{0,300}|(\\[[a-z_.]{1,20}\\]\n|[a-z_]{1,12} = (\"\\PC{0,12}\"|[0-9-]{1,4}|true|false|\\[\\])\n){0,12}") {
        let _ = magnetiq_gen::render(&store(text.as_bytes()), "gen");
    }

    #[test]
    fn mutated_valid_profiles_never_panic(
        k in knobs(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "\\PC{0,4}"), 1..6),
    ) {
        // Valid text with a few characters deleted, replaced or inserted reaches far deeper
        // into validation than random text does.
        let mut text: Vec<char> = k.toml().chars().collect();
        for (at, op, insert) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 if i < text.len() => {
                    text.remove(i);
                }
                1 if i < text.len() => {
                    text.splice(i..=i, insert.chars());
                }
                _ => {
                    text.splice(i..i, insert.chars());
                }
            }
        }
        let text: String = text.into_iter().collect();
        let _ = magnetiq_gen::render(&store(text.as_bytes()), "gen");
    }
}
