//! The Ingress and the NetworkPolicies.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, IPBlock, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, NetworkPolicy, NetworkPolicyEgressRule,
    NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
    ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta;
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::{PathType, Profile};

use crate::rules::{
    CLUSTER_ISSUER, PROXY_BODY_SIZE, PROXY_READ_TIMEOUT, PROXY_SEND_TIMEOUT, SSL_REDIRECT,
};

/// The Ingress: the backend's paths to the backend, everything else to the frontend.
///
/// No `rewrite-target`: in ingress-nginx it applies to every path of the Ingress, so the
/// design document's `rewrite-target: /` would send every API call (and every frontend
/// asset) to `/`. The backend serves its routes under their own paths. No
/// `proxy-connect-timeout` either: nginx caps connect timeouts at 75 seconds.
pub fn ingress(p: &Profile, names: &Names) -> Option<Ingress> {
    let i = p.ingress.as_ref()?;
    let mut annotations = i.annotations.clone();
    // Validation refuses a profile annotation under any of these keys, so nothing the
    // profile asked for is replaced here.
    annotations.insert(PROXY_BODY_SIZE.into(), i.proxy_body_size.clone());
    let timeout = i.proxy_timeout_seconds.to_string();
    annotations.insert(PROXY_READ_TIMEOUT.into(), timeout.clone());
    annotations.insert(PROXY_SEND_TIMEOUT.into(), timeout);
    if let Some(issuer) = &i.tls_issuer {
        annotations.insert(CLUSTER_ISSUER.into(), issuer.clone());
        annotations.insert(SSL_REDIRECT.into(), "true".into());
    }
    let route = |path: &str, path_type: PathType, service: &str, port: i32| HTTPIngressPath {
        path: Some(path.into()),
        path_type: path_type.as_str().into(),
        backend: IngressBackend {
            service: Some(IngressServiceBackend {
                name: service.into(),
                port: Some(ServiceBackendPort {
                    number: Some(port),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        },
    };
    let mut paths: Vec<HTTPIngressPath> = i
        .backend_paths
        .iter()
        .map(|(path, t)| route(path, *t, &names.backend, p.backend.port))
        .collect();
    paths.push(route(
        "/",
        PathType::Prefix,
        &names.frontend,
        p.frontend.port,
    ));
    let mut metadata = meta(&names.ingress, Some(&names.namespace), labels::common(p));
    metadata.annotations = Some(annotations);
    Some(Ingress {
        metadata,
        spec: Some(IngressSpec {
            // The design document names no class; without one the Ingress is served only if
            // the cluster has a default IngressClass.
            ingress_class_name: Some(i.class_name.clone()),
            tls: i.tls_issuer.as_ref().map(|_| {
                vec![IngressTLS {
                    hosts: Some(vec![i.host.to_string()]),
                    secret_name: Some(names.tls.clone()),
                }]
            }),
            rules: Some(vec![IngressRule {
                host: Some(i.host.to_string()),
                http: Some(HTTPIngressRuleValue { paths }),
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}

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

/// One policy per workload: only the ingress controller (and, for the backend, the frontend)
/// may connect in; out, only DNS and what each needs.
pub fn policies(p: &Profile, names: &Names) -> Vec<NetworkPolicy> {
    let Some(n) = &p.network_policy else {
        return Vec::new();
    };
    let controller = namespace_peer(&n.ingress_controller_namespace);
    let mut backend_egress = vec![dns_egress(&n.dns_namespace)];
    if !n.backend_egress_ports.is_empty() {
        // External services (SMTP relay, HTTPS APIs) are outside the cluster; only an
        // ipBlock matches them. The design document's `namespaceSelector: {}` matches pods
        // in the cluster and nothing else.
        backend_egress.push(NetworkPolicyEgressRule {
            to: Some(vec![
                NetworkPolicyPeer {
                    ip_block: Some(IPBlock {
                        cidr: "0.0.0.0/0".into(),
                        except: None,
                    }),
                    ..Default::default()
                },
                NetworkPolicyPeer {
                    ip_block: Some(IPBlock {
                        cidr: "::/0".into(),
                        except: None,
                    }),
                    ..Default::default()
                },
            ]),
            ports: Some(
                n.backend_egress_ports
                    .iter()
                    .map(|&p| port("TCP", p))
                    .collect(),
            ),
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
        from: Some(vec![controller.clone(), pod_peer(p, Component::Frontend)]),
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
    vec![
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
                from: Some(vec![controller]),
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
    ]
}
