//! The Ingress, in the dialect of the controller that serves it (`ingress.controller`).
//!
//! The profile states the body-size limit, the proxy timeout and the HTTPS redirect once;
//! each controller gets them its own way:
//!
//! | setting | ingress-nginx | Traefik v3 |
//! | --- | --- | --- |
//! | `proxy_body_size` | `proxy-body-size` annotation | a `buffering` Middleware |
//! | `proxy_timeout_seconds` | `proxy-read-timeout`, `proxy-send-timeout` | a ServersTransport's `forwardingTimeouts.responseHeaderTimeout`, named by both Services (reading a slow request is the entry point's: reported when it needs more than Traefik's 60 s default) |
//! | HTTPS redirect (`tls`) | `ssl-redirect` | a second Ingress on the `web` entry point with a `redirectScheme` Middleware |

use std::collections::BTreeMap;

use k8s_openapi::Resource as _;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};

use super::meta;
use crate::crds::traefik::{
    Buffering, ForwardingTimeouts, Middleware, MiddlewareSpec, RedirectScheme, ServersTransport,
    ServersTransportSpec,
};
use crate::labels;
use crate::manifest::{Acknowledged, NotCarriedOver, Object};
use crate::names::Names;
use crate::profile::{Ingress as Settings, IngressController, PathType, Profile};
use crate::rules::{
    CLUSTER_ISSUER, PROXY_BODY_SIZE, PROXY_READ_TIMEOUT, PROXY_SEND_TIMEOUT, SSL_REDIRECT,
    TRAEFIK_ENTRYPOINTS, TRAEFIK_MIDDLEWARES, TRAEFIK_SERVERS_TRANSPORT, TRAEFIK_TLS,
};

/// Traefik's entry point names for HTTP and HTTPS, as its Helm chart names them (`ports.web`,
/// `ports.websecure`; the Traefik docs' examples use the same).
const TRAEFIK_WEB: &str = "web";
const TRAEFIK_WEBSECURE: &str = "websecure";

/// Traefik v3's default `transport.respondingTimeouts.readTimeout` of an entry point, in
/// seconds: the longest a client may take to send a whole request, body included
/// (doc.traefik.io/traefik/v3.8/reference/install-configuration/entrypoints/).
const TRAEFIK_DEFAULT_READ_TIMEOUT: i32 = 60;

/// What a Traefik Ingress cannot carry of `proxy_timeout_seconds`. The backend's side is
/// carried (a ServersTransport's `responseHeaderTimeout`, the counterpart of nginx's
/// `proxy-read-timeout`); reading the request from the client is bounded by the entry
/// point's `readTimeout`, static configuration of the Traefik installation that no object of
/// an application can set. ingress-nginx bounds only the pause between two reads of the
/// body (`client_body_timeout`), so a long, steady upload that nginx lets through is cut off
/// by Traefik's default.
const TRAEFIK_READ_TIMEOUT_WHY: &str = "the backend's response timeout is carried (ServersTransport forwardingTimeouts.responseHeaderTimeout), but Traefik also bounds reading the whole request from the client by the entry points' transport.respondingTimeouts.readTimeout, 60 s by default in Traefik v3, which cuts off uploads that take longer: set readTimeout on the web and websecure entry points of your Traefik installation to at least this value";

/// The Ingress objects of the profile (none when `[ingress]` is off): for Traefik, its
/// Middlewares first, then the Ingresses.
pub fn objects(p: &Profile, names: &Names) -> Vec<Object> {
    let Some(i) = &p.ingress else {
        return Vec::new();
    };
    match i.controller {
        IngressController::IngressNginx => vec![Object::Ingress(nginx(p, i, names))],
        IngressController::Traefik => traefik(p, i, names),
    }
}

/// What the profile accepts on purpose: an ingress-nginx Ingress whose profile names the
/// controller itself (`ingress.controller = "ingress-nginx"`), knowing it is retired.
pub fn acknowledged(p: &Profile) -> Vec<Acknowledged> {
    p.ingress
        .as_ref()
        .filter(|i| i.controller == IngressController::IngressNginx && i.controller_chosen)
        .map(|_| Acknowledged::RetiredIngressNginx)
        .into_iter()
        .collect()
}

/// The settings of `[ingress]` the chosen controller's objects cannot express.
pub fn not_carried_over(p: &Profile) -> Vec<NotCarriedOver> {
    match &p.ingress {
        Some(i)
            if i.controller == IngressController::Traefik
                && i.proxy_timeout_seconds > TRAEFIK_DEFAULT_READ_TIMEOUT =>
        {
            vec![NotCarriedOver {
                setting: format!(
                    "ingress.proxy_timeout_seconds = {} (reading the request)",
                    i.proxy_timeout_seconds
                ),
                why: TRAEFIK_READ_TIMEOUT_WHY,
            }]
        }
        _ => Vec::new(),
    }
}

/// The annotations both Services get for the controller that routes to them: with Traefik,
/// the ServersTransport that carries `proxy_timeout_seconds` (none with ingress-nginx, whose
/// timeouts are Ingress annotations, or without `[ingress]`).
pub fn service_annotations(p: &Profile, names: &Names) -> Option<BTreeMap<String, String>> {
    let i = p.ingress.as_ref()?;
    (i.controller == IngressController::Traefik).then(|| {
        BTreeMap::from([(
            TRAEFIK_SERVERS_TRANSPORT.to_string(),
            traefik_reference(names, &names.timeouts),
        )])
    })
}

/// How a Traefik Ingress or Service names an object of Traefik's Kubernetes CRD provider:
/// `<namespace>-<name>@kubernetescrd` ("Referencing resources in annotations",
/// doc.traefik.io/traefik/v3.8/reference/routing-configuration/kubernetes/ingress/).
fn traefik_reference(names: &Names, name: &str) -> String {
    format!("{}-{name}@kubernetescrd", names.namespace)
}

/// The ingress-nginx Ingress.
///
/// No `rewrite-target`: in ingress-nginx it applies to every path of the Ingress, so the
/// design document's `rewrite-target: /` would send every API call (and every frontend
/// asset) to `/`. The backend serves its routes under their own paths. No
/// `proxy-connect-timeout` either: nginx caps connect timeouts at 75 seconds.
fn nginx(p: &Profile, i: &Settings, names: &Names) -> Ingress {
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
    ingress(
        p,
        i,
        names,
        &names.ingress,
        annotations,
        all_paths(p, i, names),
        true,
    )
}

/// The Traefik v3 objects.
///
/// Since Traefik 2.2 an Ingress's `tls` section only names the certificate; HTTPS is turned
/// on by the `router.tls` annotation (traefik/traefik#6504), and a TLS router then serves
/// TLS requests only (doc.traefik.io/traefik/v3.8/reference/routing-configuration/http/tls/
/// overview/). One Ingress cannot serve both schemes (traefik/traefik#6764), so with TLS the
/// HTTP side is a second Ingress on the `web` entry point whose only job is the
/// `redirectScheme` Middleware; the HTTPS Ingress stays on `websecure`. The timeout goes to
/// the Services' ServersTransport (a Traefik Ingress has no per-router timeout; see
/// [`service_annotations`]).
fn traefik(p: &Profile, i: &Settings, names: &Names) -> Vec<Object> {
    let reference = |name: &str| traefik_reference(names, name);
    let middleware = |name: &str, spec: MiddlewareSpec| {
        Object::Middleware(Middleware {
            api_version: Middleware::API_VERSION.into(),
            kind: Middleware::KIND.into(),
            metadata: meta(name, Some(&names.namespace), labels::common(p)),
            spec,
        })
    };
    // nginx's proxy-read-timeout bounds the wait for the backend's answer; Traefik's
    // responseHeaderTimeout is the same wait (from the end of the request to the response
    // headers; Traefik's default is no limit).
    let mut objects = vec![Object::ServersTransport(ServersTransport {
        api_version: ServersTransport::API_VERSION.into(),
        kind: ServersTransport::KIND.into(),
        metadata: meta(&names.timeouts, Some(&names.namespace), labels::common(p)),
        spec: ServersTransportSpec {
            forwarding_timeouts: Some(ForwardingTimeouts {
                response_header_timeout: format!("{}s", i.proxy_timeout_seconds),
            }),
        },
    })];
    let mut annotations = i.annotations.clone();
    // nginx's "0" means no limit, as does Traefik's 0: no Middleware is needed then.
    if i.proxy_body_bytes > 0 {
        objects.push(middleware(
            &names.body_size,
            MiddlewareSpec {
                buffering: Some(Buffering {
                    max_request_body_bytes: i.proxy_body_bytes,
                }),
                ..Default::default()
            },
        ));
        annotations.insert(TRAEFIK_MIDDLEWARES.into(), reference(&names.body_size));
    }
    match &i.tls_issuer {
        None => {
            annotations.insert(TRAEFIK_ENTRYPOINTS.into(), TRAEFIK_WEB.into());
        }
        Some(issuer) => {
            annotations.insert(TRAEFIK_ENTRYPOINTS.into(), TRAEFIK_WEBSECURE.into());
            annotations.insert(TRAEFIK_TLS.into(), "true".into());
            annotations.insert(CLUSTER_ISSUER.into(), issuer.clone());
            objects.push(middleware(
                &names.redirect,
                MiddlewareSpec {
                    redirect_scheme: Some(RedirectScheme {
                        scheme: "https".into(),
                        permanent: true,
                    }),
                    ..Default::default()
                },
            ));
            // The redirect answers before any backend is called; `/` to the frontend only
            // makes the rule complete. No cert-manager annotation and no `tls`: the HTTPS
            // Ingress owns the certificate. The profile's own annotations stay on the
            // Ingress that serves.
            let redirect = BTreeMap::from([
                (TRAEFIK_ENTRYPOINTS.to_string(), TRAEFIK_WEB.to_string()),
                (TRAEFIK_MIDDLEWARES.to_string(), reference(&names.redirect)),
            ]);
            let frontend = vec![route(
                "/",
                PathType::Prefix,
                &names.frontend,
                p.frontend.port,
            )];
            objects.push(Object::Ingress(ingress(
                p,
                i,
                names,
                &names.redirect,
                redirect,
                frontend,
                false,
            )));
        }
    }
    let paths = all_paths(p, i, names);
    let main = ingress(p, i, names, &names.ingress, annotations, paths, true);
    objects.push(Object::Ingress(main));
    objects
}

fn route(path: &str, path_type: PathType, service: &str, port: i32) -> HTTPIngressPath {
    HTTPIngressPath {
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
    }
}

/// The backend's paths to the backend, everything else to the frontend.
fn all_paths(p: &Profile, i: &Settings, names: &Names) -> Vec<HTTPIngressPath> {
    i.backend_paths
        .iter()
        .map(|(path, t)| route(path, *t, &names.backend, p.backend.port))
        .chain([route(
            "/",
            PathType::Prefix,
            &names.frontend,
            p.frontend.port,
        )])
        .collect()
}

/// One Ingress for the profile's host; `tls` adds the certificate section when TLS is on.
fn ingress(
    p: &Profile,
    i: &Settings,
    names: &Names,
    name: &str,
    annotations: BTreeMap<String, String>,
    paths: Vec<HTTPIngressPath>,
    tls: bool,
) -> Ingress {
    let mut metadata = meta(name, Some(&names.namespace), labels::common(p));
    metadata.annotations = Some(annotations);
    Ingress {
        metadata,
        spec: Some(IngressSpec {
            // The design document names no class; without one the Ingress is served only if
            // the cluster has a default IngressClass.
            ingress_class_name: Some(i.class_name.clone()),
            tls: i.tls_issuer.as_ref().filter(|_| tls).map(|_| {
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
    }
}
