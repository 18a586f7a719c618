//! Gateway API: HTTPRoutes, the Services they send to and the Gateways they attach to
//! (when the Gateway is in the set; a platform team's Gateway elsewhere is not checked).

use serde_json::Value;

use super::value::{Obj, as_int, get_arr, get_str, same_ns};
use super::{Linter, Out, Rule};
use crate::rules::BODY_SIZE_NOT_CARRIED_OVER;

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// Whether a route host and a listener host can both be served: equal, or one a wildcard
/// (`*.example.com`) covering the other. A listener without hostname takes every host.
fn hosts_meet(route: &str, listener: Option<&str>) -> bool {
    let Some(listener) = listener else {
        return true;
    };
    let covers = |wild: &str, host: &str| {
        wild.strip_prefix('*')
            .is_some_and(|suffix| suffix.starts_with('.') && host.ends_with(suffix))
    };
    route.eq_ignore_ascii_case(listener) || covers(listener, route) || covers(route, listener)
}

fn lhost(l: &Value) -> Option<&str> {
    get_str(l, &["hostname"])
}

/// Whether a listener admits an HTTPRoute from namespace `route_ns`, as far as the set
/// tells: `from: Selector` depends on namespace labels and is taken as admitting.
fn admits(listener: &Value, gateway_ns: &str, route_ns: &str) -> Result<(), String> {
    let name = get_str(listener, &["name"]).unwrap_or("?");
    let kinds = get_arr(listener, &["allowedRoutes", "kinds"]);
    let protocol = get_str(listener, &["protocol"]).unwrap_or("");
    if kinds.is_empty() {
        if !matches!(protocol, "HTTP" | "HTTPS") {
            return Err(format!(
                "listener {name} speaks {protocol}, which takes no HTTPRoute"
            ));
        }
    } else if !kinds.iter().any(|k| {
        get_str(k, &["kind"]) == Some("HTTPRoute")
            && get_str(k, &["group"]).is_none_or(|g| g == GATEWAY_GROUP)
    }) {
        return Err(format!(
            "listener {name}'s allowedRoutes.kinds does not list HTTPRoute"
        ));
    }
    match get_str(listener, &["allowedRoutes", "namespaces", "from"]).unwrap_or("Same") {
        "Same" if !same_ns(gateway_ns, route_ns) => Err(format!(
            "listener {name} admits routes from its own namespace {gateway_ns:?} only (allowedRoutes.namespaces.from: Same, the default), not from {route_ns:?}"
        )),
        _ => Ok(()),
    }
}

impl<'a> Linter<'a> {
    /// MG040 to MG044 for one HTTPRoute.
    pub(super) fn check_http_route(&self, o: &Obj<'a>, out: &mut Out) {
        if let Some(size) = o.annotation(BODY_SIZE_NOT_CARRIED_OVER) {
            out.push((
                Rule::RouteBodySizeNotCarriedOver,
                format!(
                    "the request body limit {size} (ingress.proxy_body_size) is not enforced by this route: the Gateway API has no field for it, so the implementation's default applies"
                ),
            ));
        }
        let rules = get_arr(o.v, &["spec", "rules"]);
        let refs = rules.iter().flat_map(|r| get_arr(r, &["backendRefs"]));
        for r in refs {
            let is_service = get_str(r, &["kind"]).is_none_or(|k| k == "Service")
                && get_str(r, &["group"]).is_none_or(str::is_empty);
            let Some(name) = get_str(r, &["name"]).filter(|_| is_service) else {
                continue;
            };
            let ns = get_str(r, &["namespace"]).unwrap_or(o.ns);
            let port = r.get("port").and_then(as_int);
            let problem = match (self.find("Service", ns, name), port) {
                (None, _) => Some(format!("backend Service {name} is not in the set")),
                (Some(_), None) => Some(format!(
                    "backendRef to Service {name} names no port (required for a Service)"
                )),
                (Some(s), Some(port)) => {
                    let ports: Vec<i64> = get_arr(s.v, &["spec", "ports"])
                        .iter()
                        .filter_map(|p| p.get("port").and_then(as_int))
                        .collect();
                    (!ports.contains(&port)).then(|| {
                        format!("Service {name} has no port {port} (its ports: {ports:?})")
                    })
                }
            };
            out.extend(problem.map(|m| (Rule::RouteToMissingBackend, m)));
        }
        let sends = rules
            .iter()
            .any(|r| !get_arr(r, &["backendRefs"]).is_empty());
        let hosts: Vec<&str> = get_arr(o.v, &["spec", "hostnames"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for parent in get_arr(o.v, &["spec", "parentRefs"]) {
            let is_gateway = get_str(parent, &["kind"]).is_none_or(|k| k == "Gateway")
                && get_str(parent, &["group"]).is_none_or(|g| g == GATEWAY_GROUP);
            let Some(name) = get_str(parent, &["name"]).filter(|_| is_gateway) else {
                continue;
            };
            let ns = get_str(parent, &["namespace"]).unwrap_or(o.ns);
            let Some(gw) = self.find("Gateway", ns, name) else {
                continue;
            };
            self.check_attachment(o, gw, parent, &hosts, sends, out);
        }
    }

    /// One parentRef of `route` to `gw`, a Gateway of the set.
    fn check_attachment(
        &self,
        route: &Obj<'a>,
        gw: &Obj<'a>,
        parent: &Value,
        hosts: &[&str],
        sends: bool,
        out: &mut Out,
    ) {
        let listeners = get_arr(gw.v, &["spec", "listeners"]);
        let section = get_str(parent, &["sectionName"]);
        let named: Vec<&Value> = listeners
            .iter()
            .filter(|l| section.is_none_or(|s| get_str(l, &["name"]) == Some(s)))
            .collect();
        if let (Some(s), true) = (section, named.is_empty()) {
            out.push((
                Rule::RouteNotAllowed,
                format!("Gateway {} has no listener named {s}", gw.name),
            ));
            return;
        }
        let mut admitting = Vec::new();
        let mut refusals = Vec::new();
        for l in named {
            match admits(l, gw.ns, route.ns) {
                Ok(()) => admitting.push(l),
                Err(e) => refusals.push(e),
            }
        }
        if admitting.is_empty() {
            out.push((
                Rule::RouteNotAllowed,
                format!(
                    "Gateway {} does not accept it: {}",
                    gw.name,
                    refusals.join("; ")
                ),
            ));
            return;
        }
        if !hosts.is_empty()
            && !admitting
                .iter()
                .any(|l| hosts.iter().any(|h| hosts_meet(h, lhost(l))))
        {
            let served: Vec<&str> = admitting.iter().filter_map(|l| lhost(l)).collect();
            out.push((
                Rule::RouteHostNotOnListener,
                format!(
                    "its hosts {hosts:?} meet no host of the listeners it attaches to on Gateway {} ({served:?})",
                    gw.name
                ),
            ));
        }
        if !sends {
            return;
        }
        // Plain-HTTP listeners this route sends application traffic from, for a host the
        // same Gateway also serves over HTTPS.
        for l in admitting
            .iter()
            .filter(|l| get_str(l, &["protocol"]) == Some("HTTP"))
        {
            let https_too = listeners.iter().any(|other| {
                get_str(other, &["protocol"]) == Some("HTTPS")
                    && hosts
                        .iter()
                        .any(|h| hosts_meet(h, lhost(other)) && hosts_meet(h, lhost(l)))
            });
            if https_too {
                out.push((
                    Rule::ListenerWithoutTls,
                    format!(
                        "it sends requests to the application from listener {} (plain HTTP) of Gateway {}, which serves the same host over HTTPS: redirect instead",
                        get_str(l, &["name"]).unwrap_or("?"),
                        gw.name
                    ),
                ));
            }
        }
    }

    /// MG043 for a Gateway: HTTPS listeners without a certificate.
    pub(super) fn check_gateway(&self, o: &Obj<'a>, out: &mut Out) {
        for l in get_arr(o.v, &["spec", "listeners"]) {
            if get_str(l, &["protocol"]) != Some("HTTPS") {
                continue;
            }
            let terminate = get_str(l, &["tls", "mode"]).is_none_or(|m| m == "Terminate");
            if !terminate || get_arr(l, &["tls", "certificateRefs"]).is_empty() {
                out.push((
                    Rule::ListenerWithoutTls,
                    format!(
                        "HTTPS listener {} has no certificate to terminate TLS with (tls.mode Terminate with tls.certificateRefs)",
                        get_str(l, &["name"]).unwrap_or("?")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hosts_meet;

    #[test]
    fn wildcard_hosts_cover_the_names_below_them_only() {
        assert!(hosts_meet("a.example.com", None));
        assert!(hosts_meet("a.example.com", Some("A.example.com")));
        assert!(hosts_meet("a.example.com", Some("*.example.com")));
        assert!(hosts_meet("*.example.com", Some("a.example.com")));
        assert!(!hosts_meet("example.com", Some("*.example.com")));
        assert!(!hosts_meet("a.example.org", Some("a.example.com")));
        assert!(!hosts_meet("aexample.com", Some("*example.com")));
    }
}
