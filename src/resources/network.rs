//! The NetworkPolicies (the Ingress is in `ingress.rs`).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta;
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::{NetworkPolicy as Settings, Profile};

fn namespace_peer(namespace: &str) -> NetworkPolicyPeer {
    // `kubernetes.io/metadata.name` is set on every namespace by the API server (GA in
    // 1.22). The design document's `name: ingress-nginx` label exists only if someone adds it.
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                namespace.to_string(),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The peers traffic from the edge comes from: the ingress controller's namespace, narrowed
/// to its pods when `edge_pod_labels` is set (one peer with both selectors: pods with those
/// labels in that namespace, not either), the Gateway proxies' namespace while the Gateway
/// routes, and an `ipBlock` per node CIDR for an edge on the host network, whose traffic
/// carries the node's address and matches no selector.
///
/// With `gateway_namespace` set, each edge is admitted while its route is rendered: during a
/// migration both, afterwards only the Gateway's (the retired controller's namespace goes
/// with its Ingress). Without it, the Gateway's proxies are taken to run in the ingress
/// controller's namespace, which is then always admitted.
fn edge_peers(p: &Profile, n: &Settings) -> Vec<NetworkPolicyPeer> {
    let gateway = n
        .gateway_namespace
        .as_deref()
        .filter(|_| p.gateway.is_some());
    let mut peers = Vec::new();
    if p.ingress.is_some() || gateway.is_none() {
        let mut edge = namespace_peer(&n.ingress_controller_namespace);
        if !n.edge_pod_labels.is_empty() {
            edge.pod_selector = Some(LabelSelector {
                match_labels: Some(n.edge_pod_labels.clone()),
                ..Default::default()
            });
        }
        peers.push(edge);
    }
    if let Some(ns) = gateway {
        // The same namespace as the controller's without pod labels is admitted already.
        if ns != n.ingress_controller_namespace || !n.edge_pod_labels.is_empty() || peers.is_empty()
        {
            peers.push(namespace_peer(ns));
        }
    }
    peers.extend(n.edge_node_cidrs.iter().map(|cidr| NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.clone(),
            except: None,
        }),
        ..Default::default()
    }));
    peers
}

fn pod_peer(p: &Profile, c: Component) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(labels::selector(p, c)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn port(protocol: &str, number: i32) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(number)),
        ..Default::default()
    }
}

/// DNS to the cluster DNS namespace. The design document's `podSelector: {}` means "pods in
/// this namespace", where no DNS server runs: every lookup would fail.
fn dns_egress(dns_namespace: &str) -> NetworkPolicyEgressRule {
    NetworkPolicyEgressRule {
        to: Some(vec![namespace_peer(dns_namespace)]),
        ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
    }
}

/// Every address, IPv4 and IPv6: what is outside the cluster matches only an `ipBlock`.
fn anywhere() -> Vec<NetworkPolicyPeer> {
    ["0.0.0.0/0", "::/0"]
        .map(|cidr| NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.into(),
                except: None,
            }),
            ..Default::default()
        })
        .to_vec()
}

/// One policy per workload: only the edge (the ingress controller or Gateway proxy: its
/// namespace and pods, or its nodes; for the backend also the frontend) may connect in; out,
/// only DNS and what each needs.
pub fn policies(p: &Profile, names: &Names) -> Vec<NetworkPolicy> {
    let Some(n) = &p.network_policy else {
        return Vec::new();
    };
    let mut edge = edge_peers(p, n);
    // The PostSync smoke test calls both workloads through their Services.
    if p.smoke_test.is_some() {
        edge.push(pod_peer(p, Component::SmokeTest));
    }
    let mut backend_egress = vec![dns_egress(&n.dns_namespace)];
    if let Some((peer, db_port)) = super::database::backend_egress(p, names) {
        backend_egress.push(NetworkPolicyEgressRule {
            to: Some(vec![peer]),
            ports: Some(vec![port("TCP", db_port)]),
        });
    }
    // The initial SQLite import downloads over HTTPS from the backend's pod.
    let mut egress_ports = n.backend_egress_ports.clone();
    if p.sqlite.import.is_some() && !egress_ports.contains(&443) {
        egress_ports.push(443);
    }
    if !egress_ports.is_empty() {
        // External services (SMTP relay, HTTPS APIs) are outside the cluster; only an
        // ipBlock matches them. The design document's `namespaceSelector: {}` matches pods
        // in the cluster and nothing else.
        backend_egress.push(NetworkPolicyEgressRule {
            to: Some(anywhere()),
            ports: Some(egress_ports.iter().map(|&p| port("TCP", p)).collect()),
        });
    }
    let policy = |name: &str,
                  c: Component,
                  ingress: Vec<NetworkPolicyIngressRule>,
                  egress: Vec<NetworkPolicyEgressRule>| {
        NetworkPolicy {
            metadata: meta(name, Some(&names.namespace), labels::component(p, c)),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(labels::selector(p, c)),
                    ..Default::default()
                }),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress: Some(ingress),
                egress: Some(egress),
            }),
        }
    };
    let mut backend_ingress = vec![NetworkPolicyIngressRule {
        from: Some(
            edge.iter()
                .cloned()
                .chain([pod_peer(p, Component::Frontend)])
                .collect(),
        ),
        ports: Some(vec![port("TCP", p.backend.port)]),
    }];
    if let Some(m) = &p.monitoring {
        // Prometheus scrapes the metrics port from its own namespace.
        backend_ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![namespace_peer(&m.prometheus_namespace)]),
            ports: Some(vec![port(
                "TCP",
                m.container_port.unwrap_or(p.backend.port),
            )]),
        });
    }
    let mut out = vec![
        policy(
            &names.backend,
            Component::Backend,
            backend_ingress,
            backend_egress,
        ),
        policy(
            &names.frontend,
            Component::Frontend,
            vec![NetworkPolicyIngressRule {
                from: Some(edge),
                ports: Some(vec![port("TCP", p.frontend.port)]),
            }],
            vec![
                dns_egress(&n.dns_namespace),
                NetworkPolicyEgressRule {
                    to: Some(vec![pod_peer(p, Component::Backend)]),
                    ports: Some(vec![port("TCP", p.backend.port)]),
                },
            ],
        ),
    ];
    if let Some(s) = &p.smoke_test {
        // The smoke test's pod is called by nothing; it calls the two Services, and with
        // `public` the public host, whose address (the edge's load balancer) is outside
        // the cluster or behind it: only an ipBlock matches it.
        let mut egress = vec![
            dns_egress(&n.dns_namespace),
            NetworkPolicyEgressRule {
                to: Some(vec![pod_peer(p, Component::Backend)]),
                ports: Some(vec![port("TCP", p.backend.port)]),
            },
            NetworkPolicyEgressRule {
                to: Some(vec![pod_peer(p, Component::Frontend)]),
                ports: Some(vec![port("TCP", p.frontend.port)]),
            },
        ];
        if s.public {
            egress.push(NetworkPolicyEgressRule {
                to: Some(anywhere()),
                ports: Some(vec![port("TCP", 80), port("TCP", 443)]),
            });
            // Inside the cluster, kube-proxy (or the CNI) often sends traffic for the load
            // balancer's address straight to the edge's pods, rewritten to their container
            // port (Traefik's is 8443, not 443), and some CNIs never match pod addresses
            // with an ipBlock: the edge's pods are allowed on any port. Not the node
            // addresses of a host-network edge: any port there would include the kubelet's
            // and the API server's; the rule above covers 80 and 443 on them.
            let pods: Vec<NetworkPolicyPeer> = edge_peers(p, n)
                .into_iter()
                .filter(|peer| peer.ip_block.is_none())
                .collect();
            if !pods.is_empty() {
                egress.push(NetworkPolicyEgressRule {
                    to: Some(pods),
                    ports: None,
                });
            }
        }
        out.push(policy(
            &names.smoke,
            Component::SmokeTest,
            Vec::new(),
            egress,
        ));
    }
    out.extend(super::database::policy(p, names));
    out.extend(super::database::pooler_policy(p, names));
    out
}
