//! A picture of what a profile deploys: Mermaid or Graphviz, from the rendered objects.
//!
//! Edges: Ingress and HTTPRoute route to Services (Gateways to their HTTPRoutes), Services select Deployments, autoscalers scale them,
//! Deployments (and CronJobs) mount claims, Deployments read ConfigMaps and Secrets, claims use StorageClasses, and
//! NetworkPolicies allow traffic in and out.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::manifest::Manifest;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Mermaid flowchart (renders on GitHub and GitLab).
    Mermaid,
    /// Graphviz dot.
    Dot,
}

struct Graph {
    nodes: Vec<(String, String)>,
    edges: BTreeSet<(String, String, String)>,
}

fn id(kind: &str, name: &str) -> String {
    format!(
        "{}_{}",
        kind.to_lowercase(),
        name.replace(['-', '.', '/'], "_")
    )
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

fn build(manifest: &Manifest) -> Graph {
    let objects: Vec<Json> = manifest
        .objects_in_apply_order()
        .into_iter()
        .filter(|o| o.kind() != "Namespace" && o.kind() != "Application")
        .map(|o| serde_json::to_value(o).expect("objects serialize"))
        .collect();
    let mut g = Graph {
        nodes: Vec::new(),
        edges: BTreeSet::new(),
    };
    let name = |o: &Json| str_at(o, &["metadata", "name"]).unwrap_or("").to_string();
    let kind = |o: &Json| str_at(o, &["kind"]).unwrap_or("").to_string();
    fn of_kind<'a>(objects: &'a [Json], k: &'static str) -> impl Iterator<Item = &'a Json> {
        objects.iter().filter(move |o| o["kind"] == k)
    }
    let by_kind = |k: &'static str| of_kind(&objects, k);
    for o in &objects {
        if matches!(kind(o).as_str(), "Role" | "RoleBinding" | "NetworkPolicy") {
            continue;
        }
        g.nodes
            .push((id(&kind(o), &name(o)), format!("{} {}", kind(o), name(o))));
    }
    let mut edge = |from: String, to: String, label: &str| {
        g.edges.insert((from, to, label.to_string()));
    };
    for ing in by_kind("Ingress") {
        for rule in ing["spec"]["rules"].as_array().into_iter().flatten() {
            let host = rule["host"].as_str().unwrap_or("*");
            let mut routes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            for p in rule["http"]["paths"].as_array().into_iter().flatten() {
                let svc = str_at(p, &["backend", "service", "name"])
                    .unwrap_or("")
                    .to_string();
                routes
                    .entry(svc)
                    .or_default()
                    .push(p["path"].as_str().unwrap_or("").to_string());
            }
            for (svc, paths) in routes {
                edge(
                    id("Ingress", &name(ing)),
                    id("Service", &svc),
                    &format!("{host} {}", paths.join(" ")),
                );
            }
        }
    }
    // HTTPRoutes: to the Services they send to (with their hosts and paths), and to the
    // Gateway of the set they attach to.
    for route in by_kind("HTTPRoute") {
        let hosts: Vec<&str> = route["spec"]["hostnames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let host = if hosts.is_empty() {
            "*".to_string()
        } else {
            hosts.join(",")
        };
        let mut routes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for rule in route["spec"]["rules"].as_array().into_iter().flatten() {
            let paths: Vec<String> = rule["matches"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| str_at(m, &["path", "value"]).map(str::to_string))
                .collect();
            for b in rule["backendRefs"].as_array().into_iter().flatten() {
                let svc = str_at(b, &["name"]).unwrap_or("").to_string();
                routes.entry(svc).or_default().extend(paths.iter().cloned());
            }
        }
        for (svc, paths) in routes {
            edge(
                id("HTTPRoute", &name(route)),
                id("Service", &svc),
                &format!("{host} {}", paths.join(" ")),
            );
        }
        for parent in route["spec"]["parentRefs"].as_array().into_iter().flatten() {
            let gw = str_at(parent, &["name"]).unwrap_or("");
            if by_kind("Gateway").any(|g| name(g) == gw) {
                let section = str_at(parent, &["sectionName"]).unwrap_or("");
                edge(
                    id("Gateway", gw),
                    id("HTTPRoute", &name(route)),
                    &format!("listener {section}"),
                );
            }
        }
    }
    let deployments: Vec<&Json> = by_kind("Deployment").collect();
    let selects = |sel: &Json, d: &Json| {
        let labels = &d["spec"]["template"]["metadata"]["labels"];
        sel.as_object()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| labels.get(k) == Some(v)))
    };
    for svc in by_kind("Service") {
        for d in &deployments {
            if selects(&svc["spec"]["selector"], d) {
                edge(
                    id("Service", &name(svc)),
                    id("Deployment", &name(d)),
                    "selects",
                );
            }
        }
    }
    for hpa in by_kind("HorizontalPodAutoscaler") {
        let target = str_at(hpa, &["spec", "scaleTargetRef", "name"]).unwrap_or("");
        edge(
            id("HorizontalPodAutoscaler", &name(hpa)),
            id("Deployment", target),
            "scales",
        );
    }
    for d in &deployments {
        let from = id("Deployment", &name(d));
        let pod = &d["spec"]["template"]["spec"];
        if let Some(sa) = pod["serviceAccountName"].as_str() {
            edge(from.clone(), id("ServiceAccount", sa), "runs as");
        }
        for v in pod["volumes"].as_array().into_iter().flatten() {
            if let Some(c) = str_at(v, &["persistentVolumeClaim", "claimName"]) {
                edge(from.clone(), id("PersistentVolumeClaim", c), "mounts");
            }
        }
        for c in pod["containers"].as_array().into_iter().flatten() {
            for e in c["envFrom"].as_array().into_iter().flatten() {
                if let Some(cm) = str_at(e, &["configMapRef", "name"]) {
                    edge(from.clone(), id("ConfigMap", cm), "env");
                }
            }
            for e in c["env"].as_array().into_iter().flatten() {
                if let Some(cm) = str_at(e, &["valueFrom", "configMapKeyRef", "name"]) {
                    edge(from.clone(), id("ConfigMap", cm), "env");
                }
                if let Some(s) = str_at(e, &["valueFrom", "secretKeyRef", "name"]) {
                    edge(from.clone(), id("Secret", s), "env");
                }
            }
        }
    }
    // The SQLite backup CronJob mounts the data claim and the copies' claim.
    for cj in by_kind("CronJob") {
        let from = id("CronJob", &name(cj));
        let pod = &cj["spec"]["jobTemplate"]["spec"]["template"]["spec"];
        for v in pod["volumes"].as_array().into_iter().flatten() {
            if let Some(c) = str_at(v, &["persistentVolumeClaim", "claimName"]) {
                edge(from.clone(), id("PersistentVolumeClaim", c), "mounts");
            }
        }
    }
    for pvc in by_kind("PersistentVolumeClaim") {
        if let Some(sc) = str_at(pvc, &["spec", "storageClassName"]) {
            edge(
                id("PersistentVolumeClaim", &name(pvc)),
                id("StorageClass", sc),
                "class",
            );
        }
    }
    let mut external = false;
    let mut nodes = false;
    for np in by_kind("NetworkPolicy") {
        let Some(target) = deployments
            .iter()
            .find(|d| selects(&np["spec"]["podSelector"]["matchLabels"], d))
        else {
            continue;
        };
        let to = id("Deployment", &name(target));
        let ports = |r: &Json| {
            r["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["port"].as_i64())
                .map(|p| p.to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(",")
        };
        for rule in np["spec"]["ingress"].as_array().into_iter().flatten() {
            for peer in rule["from"].as_array().into_iter().flatten() {
                // Node addresses admitted for a host-network edge controller.
                if peer.get("ipBlock").is_some() {
                    nodes = true;
                    edge(
                        "nodes".into(),
                        to.clone(),
                        &format!("allowed in :{}", ports(rule)),
                    );
                } else if let Some(ns) = str_at(
                    peer,
                    &[
                        "namespaceSelector",
                        "matchLabels",
                        "kubernetes.io/metadata.name",
                    ],
                ) {
                    edge(
                        format!("ns_{}", ns.replace('-', "_")),
                        to.clone(),
                        &format!("allowed in :{}", ports(rule)),
                    );
                } else if let Some(d) = deployments
                    .iter()
                    .find(|d| selects(&peer["podSelector"]["matchLabels"], d))
                {
                    edge(
                        id("Deployment", &name(d)),
                        to.clone(),
                        &format!("allowed in :{}", ports(rule)),
                    );
                }
            }
        }
        for rule in np["spec"]["egress"].as_array().into_iter().flatten() {
            for peer in rule["to"].as_array().into_iter().flatten() {
                if peer.get("ipBlock").is_some() {
                    external = true;
                    edge(
                        to.clone(),
                        "internet".into(),
                        &format!("allowed out :{}", ports(rule)),
                    );
                    break;
                } else if let Some(ns) = str_at(
                    peer,
                    &[
                        "namespaceSelector",
                        "matchLabels",
                        "kubernetes.io/metadata.name",
                    ],
                ) {
                    edge(
                        to.clone(),
                        format!("ns_{}", ns.replace('-', "_")),
                        &format!("allowed out :{}", ports(rule)),
                    );
                }
            }
        }
    }
    for o in objects
        .iter()
        .filter(|o| o["kind"] == "ExternalSecret" || o["kind"] == "SealedSecret")
    {
        let target = str_at(o, &["spec", "target", "name"])
            .or_else(|| str_at(o, &["spec", "template", "metadata", "name"]))
            .unwrap_or("");
        edge(id(&kind(o), &name(o)), id("Secret", target), "writes");
    }
    let mut extra: BTreeSet<(String, String)> = BTreeSet::new();
    // Objects referenced but not rendered (a Secret written by an operator or created out
    // of band): shown, and said to be so.
    let known: BTreeSet<String> = g.nodes.iter().map(|(i, _)| i.clone()).collect();
    for (a, b, _) in &g.edges {
        for n in [a, b] {
            if let Some(secret) = n.strip_prefix("secret_")
                && !known.contains(n)
            {
                let shown = secret.replace('_', "-");
                let label = objects
                    .iter()
                    .filter(|o| o["kind"] == "ExternalSecret" || o["kind"] == "SealedSecret")
                    .find(|o| {
                        id(
                            "Secret",
                            str_at(o, &["spec", "target", "name"])
                                .or_else(|| str_at(o, &["spec", "template", "metadata", "name"]))
                                .unwrap_or(""),
                        ) == *n
                    })
                    .map_or(format!("Secret {shown} (created out of band)"), |o| {
                        format!("Secret {shown} (written by the {})", kind(o))
                    });
                extra.insert((n.clone(), label));
            }
        }
    }
    for (a, b, _) in &g.edges {
        for n in [a, b] {
            if let Some(ns) = n.strip_prefix("ns_") {
                extra.insert((n.clone(), format!("namespace {}", ns.replace('_', "-"))));
            }
        }
    }
    if nodes {
        extra.insert(("nodes".into(), "node addresses (host network)".into()));
    }
    if external {
        extra.insert(("internet".into(), "outside the cluster".into()));
    }
    g.nodes.extend(extra);
    g
}

/// Renders the graph of `manifest` in `format`.
pub fn render(manifest: &Manifest, format: Format) -> String {
    let g = build(manifest);
    let mut out = String::new();
    match format {
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (id, label) in &g.nodes {
                let _ = writeln!(out, "  {id}[\"{label}\"]");
            }
            for (a, b, label) in &g.edges {
                let _ = writeln!(out, "  {a} -->|\"{label}\"| {b}");
            }
        }
        Format::Dot => {
            let _ = writeln!(
                out,
                "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];",
                manifest.profile
            );
            for (id, label) in &g.nodes {
                let _ = writeln!(out, "  {id} [label=\"{label}\"];");
            }
            for (a, b, label) in &g.edges {
                let _ = writeln!(out, "  {a} -> {b} [label=\"{label}\"];");
            }
            out.push_str("}\n");
        }
    }
    out
}
