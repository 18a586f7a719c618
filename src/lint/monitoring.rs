//! Prometheus Operator: a ServiceMonitor selects Services by their own labels, in its
//! namespaces (MG035), and scrapes them by the name of a Service port (MG036).

use super::value::{
    Obj, get, get_arr, get_bool, get_map, get_str, label_selector_matches, same_ns,
};
use super::{Linter, Out, Rule};

/// Whether a Service in namespace `ns` is among the namespaces a ServiceMonitor looks in:
/// its own unless `spec.namespaceSelector` says `any: true` or lists `matchNames`.
fn in_namespaces(sm: &Obj<'_>, ns: &str) -> bool {
    if get_bool(sm.v, &["spec", "namespaceSelector", "any"]) == Some(true) {
        return true;
    }
    let names: Vec<&str> = get_arr(sm.v, &["spec", "namespaceSelector", "matchNames"])
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    if names.is_empty() {
        same_ns(sm.ns, ns)
    } else {
        names.iter().any(|n| same_ns(n, ns))
    }
}

/// `k=v,...` for a selector's matchLabels, for messages.
fn show_selector(sm: &Obj<'_>) -> String {
    let shown: Vec<String> = get_map(sm.v, &["spec", "selector", "matchLabels"])
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
        .collect();
    if shown.is_empty() {
        "spec.selector".to_string()
    } else {
        format!("selector {}", shown.join(","))
    }
}

impl<'a> Linter<'a> {
    /// MG035 and MG036 for a ServiceMonitor.
    pub(super) fn check_service_monitor(&self, o: &Obj<'a>, out: &mut Out) {
        let empty = serde_json::Value::Null;
        let selector = get(o.v, &["spec", "selector"]).unwrap_or(&empty);
        let selected: Vec<&Obj<'a>> = self
            .of_kind("Service")
            .filter(|s| in_namespaces(o, s.ns))
            .filter(|s| label_selector_matches(selector, get_map(s.v, &["metadata", "labels"])))
            .collect();
        if selected.is_empty() {
            out.push((
                Rule::ServiceMonitorSelectsNoService,
                format!(
                    "{} matches the metadata.labels of no Service in the namespaces it looks in",
                    show_selector(o)
                ),
            ));
            return;
        }
        for port in get_arr(o.v, &["spec", "endpoints"])
            .iter()
            .filter_map(|e| get_str(e, &["port"]))
        {
            let named = selected.iter().any(|s| {
                get_arr(s.v, &["spec", "ports"])
                    .iter()
                    .any(|p| get_str(p, &["name"]) == Some(port))
            });
            if !named {
                let names: Vec<&str> = selected.iter().map(|s| s.name).collect();
                out.push((
                    Rule::ServiceMonitorPortUnnamed,
                    format!(
                        "endpoint port {port:?} is not the name of a port of Service {}",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
}
