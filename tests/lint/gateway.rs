//! MG040-MG044: HTTPRoutes, the Services they send to and the Gateway they attach to.

use serde_json::json;

use super::{Objects, assert_fires, assert_quiet, clean, obj, of, parse, put, remove};

const GATEWAY: &str = "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: app}
spec:
  gatewayClassName: eg
  listeners:
  - name: https
    hostname: app.example.com
    port: 443
    protocol: HTTPS
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: edge-tls}]}
    allowedRoutes: {namespaces: {from: Same}}
  - name: http
    hostname: app.example.com
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: Same}}
";

const ROUTES: &str = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: app}
spec:
  parentRefs: [{name: edge, sectionName: https}]
  hostnames: [app.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: backend, port: 8000}]
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: frontend, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: redirect, namespace: app}
spec:
  parentRefs: [{name: edge, sectionName: http}]
  hostnames: [app.example.com]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
";

/// The clean tree routed by a Gateway of its own, an HTTPRoute and the redirect route.
fn routed(change: impl FnOnce(&mut Objects)) -> Objects {
    let mut set = clean();
    set.extend(parse("gateway.yaml", GATEWAY));
    set.extend(parse("httproute.yaml", ROUTES));
    change(&mut set);
    set
}

#[test]
fn the_routed_clean_tree_has_no_gateway_findings() {
    let set = routed(|_| {});
    for id in ["MG040", "MG041", "MG042", "MG043", "MG044"] {
        assert_quiet(&set, id);
    }
}

#[test]
fn mg040_flags_a_route_that_does_not_carry_the_body_limit_over() {
    let key = "magnetiq.voltaic.systems/request-body-size-not-carried-over";
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/metadata/annotations",
                json!({key: "50m"}),
            )
        }),
        "MG040",
    );
    assert!(of(&f, "MG040")[0].message.contains("50m"));
    // Naming what enforces it instead is no finding.
    let enforced = "magnetiq.voltaic.systems/request-body-size-enforced-by";
    assert_quiet(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/metadata/annotations",
                json!({enforced: "50m (ClientTrafficPolicy)"}),
            )
        }),
        "MG040",
    );
}

#[test]
fn mg041_flags_a_route_to_a_missing_service_or_port() {
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/spec/rules/0/backendRefs/0/name",
                json!("api"),
            )
        }),
        "MG041",
    );
    assert!(of(&f, "MG041")[0].message.contains("api is not in the set"));
    // The container port (targetPort) is not the Service's port.
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/spec/rules/1/backendRefs/0/port",
                json!(9036),
            )
        }),
        "MG041",
    );
    assert!(of(&f, "MG041")[0].message.contains("no port 9036"));
}

#[test]
fn mg042_flags_a_route_host_that_its_listener_does_not_serve() {
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/spec/hostnames",
                json!(["www.example.com"]),
            )
        }),
        "MG042",
    );
    assert!(of(&f, "MG042")[0].message.contains("www.example.com"));
    // A wildcard listener serves the host below it.
    assert_quiet(
        &routed(|s| {
            put(
                obj(s, "Gateway", "edge"),
                "/spec/listeners/0/hostname",
                json!("*.example.com"),
            )
        }),
        "MG042",
    );
}

#[test]
fn mg043_flags_an_https_listener_without_a_certificate() {
    let f = assert_fires(
        &routed(|s| remove(obj(s, "Gateway", "edge"), "/spec/listeners/0/tls")),
        "MG043",
    );
    assert!(of(&f, "MG043")[0].message.contains("HTTPS listener https"));
}

#[test]
fn mg043_flags_a_plain_http_listener_serving_the_app_beside_https() {
    // The application route on the HTTP listener, instead of the redirect.
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/spec/parentRefs/0/sectionName",
                json!("http"),
            )
        }),
        "MG043",
    );
    assert!(of(&f, "MG043")[0].message.contains("plain HTTP"));
}

#[test]
fn mg044_flags_a_route_the_listener_does_not_admit() {
    // A route of another namespace, on listeners that admit their own namespace only.
    let moved = |s: &mut Objects| {
        let route = obj(s, "HTTPRoute", "app");
        put(route, "/metadata/namespace", json!("web"));
        put(route, "/spec/parentRefs/0/namespace", json!("app"));
    };
    let f = assert_fires(&routed(moved), "MG044");
    assert!(of(&f, "MG044")[0].message.contains("from: Same"));
    // allowedRoutes.namespaces.from: All admits it.
    assert_quiet(
        &routed(|s| {
            moved(s);
            put(
                obj(s, "Gateway", "edge"),
                "/spec/listeners/0/allowedRoutes/namespaces/from",
                json!("All"),
            );
        }),
        "MG044",
    );
    // A sectionName that names no listener.
    let f = assert_fires(
        &routed(|s| {
            put(
                obj(s, "HTTPRoute", "app"),
                "/spec/parentRefs/0/sectionName",
                json!("web"),
            )
        }),
        "MG044",
    );
    assert!(of(&f, "MG044")[0].message.contains("no listener named web"));
}

#[test]
fn a_route_to_a_gateway_outside_the_set_is_not_checked_against_it() {
    let set = routed(|s| {
        let route = obj(s, "HTTPRoute", "app");
        put(route, "/spec/parentRefs/0/name", json!("platform"));
        put(route, "/spec/hostnames", json!(["other.example.org"]));
    });
    assert_quiet(&set, "MG042");
    assert_quiet(&set, "MG044");
}
