//! Workloads: the single-writer rule, selectors, API tokens and probes, and the entry point
//! that runs every pod-level check of a workload.

use serde_json::{Map, Value};

use super::containers::check_container;
use super::storage::relative_sqlite_path;
use super::value::{
    Obj, as_int, cname, containers, get, get_arr, get_bool, get_map, get_str,
    label_selector_matches,
};
use super::{Linter, Out, Rule};
use crate::rules::{SINGLE_WRITER_REPLICAS, is_sqlite_url};

impl<'a> Linter<'a> {
    /// Every check of an object that has a pod template (or is a Pod).
    pub(super) fn check_workload(&self, o: &Obj<'a>, out: &mut Out) {
        let Some((labels, spec)) = o.pod() else {
            return;
        };
        self.check_single_writer(o, out);
        self.check_scaling(o, labels, out);
        check_selector(o, labels, out);
        self.check_token(o, spec, out);
        self.check_pod_references(o, spec, out);
        let pod_sc = spec.get("securityContext");
        for c in containers(spec, true) {
            check_env_sqlite(c, out);
            check_container(c, pod_sc, out);
        }
        check_probes(o, spec, out);
        check_shutdown_delay(o, spec, out);
    }

    /// MG003: a single-writer Deployment runs one pod and rolls out with Recreate.
    fn check_single_writer(&self, o: &Obj<'a>, out: &mut Out) {
        if !o.is("Deployment") {
            return;
        }
        let claims = self.single_writer_claims(o);
        if claims.is_empty() {
            return;
        }
        let claims = claims.join(", ");
        let replicas = get(o.v, &["spec", "replicas"]).and_then(as_int);
        if let Some(r) = replicas.filter(|r| *r > i64::from(SINGLE_WRITER_REPLICAS)) {
            out.push((
                Rule::SingleWriterReplicas,
                format!("runs {r} replicas but mounts single-writer claim(s) {claims}"),
            ));
        }
        let strategy = get_str(o.v, &["spec", "strategy", "type"]);
        if strategy != Some("Recreate") {
            let how = match strategy {
                Some(s) => format!("strategy {s}"),
                None => "no strategy (the default is RollingUpdate)".to_string(),
            };
            out.push((
                Rule::SingleWriterReplicas,
                format!("has {how} but mounts single-writer claim(s) {claims}: a rollout starts a second pod on the same volume"),
            ));
        }
    }

    /// Claims a workload mounts that are ReadWriteOnce(Pod) in the set, or, when the
    /// workload uses SQLite, any claim it mounts. Empty when the workload is not single-writer.
    pub(super) fn single_writer_claims(&self, o: &Obj<'_>) -> Vec<String> {
        let Some((_, spec)) = o.pod() else {
            return Vec::new();
        };
        let claims: Vec<&str> = get_arr(spec, &["volumes"])
            .iter()
            .filter_map(|v| get_str(v, &["persistentVolumeClaim", "claimName"]))
            .collect();
        let rwo: Vec<String> = claims
            .iter()
            .filter(|c| {
                self.find("PersistentVolumeClaim", o.ns, c)
                    .is_some_and(|pvc| {
                        get_arr(pvc.v, &["spec", "accessModes"]).iter().any(|m| {
                            matches!(m.as_str(), Some("ReadWriteOnce" | "ReadWriteOncePod"))
                        })
                    })
            })
            .map(|c| c.to_string())
            .collect();
        if !rwo.is_empty() {
            return rwo;
        }
        if !claims.is_empty() && self.uses_sqlite(o.ns, spec) {
            return claims.iter().map(|c| c.to_string()).collect();
        }
        Vec::new()
    }

    /// Whether any container sees a `sqlite` URL, directly or through a ConfigMap.
    fn uses_sqlite(&self, ns: &str, spec: &Value) -> bool {
        let cm_has_sqlite = |name: &str, key: Option<&str>| {
            self.find("ConfigMap", ns, name).is_some_and(|cm| {
                get_map(cm.v, &["data"]).is_some_and(|d| {
                    d.iter()
                        .filter(|(k, _)| key.is_none_or(|want| want == k.as_str()))
                        .any(|(_, v)| v.as_str().is_some_and(is_sqlite_url))
                })
            })
        };
        containers(spec, true).any(|c| {
            get_arr(c, &["env"]).iter().any(|e| {
                get_str(e, &["value"]).is_some_and(is_sqlite_url)
                    || get_str(e, &["valueFrom", "configMapKeyRef", "name"]).is_some_and(|n| {
                        cm_has_sqlite(n, get_str(e, &["valueFrom", "configMapKeyRef", "key"]))
                    })
            }) || get_arr(c, &["envFrom"]).iter().any(|ef| {
                get_str(ef, &["configMapRef", "name"]).is_some_and(|n| cm_has_sqlite(n, None))
            })
        })
    }

    /// MG020: the pod or its ServiceAccount opts out of the API token.
    fn check_token(&self, o: &Obj<'a>, spec: &Value, out: &mut Out) {
        if get_bool(spec, &["automountServiceAccountToken"]).is_some() {
            return;
        }
        let sa_name = service_account(spec);
        let sa_off = self
            .find("ServiceAccount", o.ns, sa_name)
            .is_some_and(|sa| get_bool(sa.v, &["automountServiceAccountToken"]) == Some(false));
        if !sa_off {
            out.push((
                Rule::AutomountedToken,
                format!("neither the pod spec nor ServiceAccount {sa_name} sets automountServiceAccountToken: false"),
            ));
        }
    }
}

/// The ServiceAccount a pod runs as.
pub(super) fn service_account(spec: &Value) -> &str {
    get_str(spec, &["serviceAccountName"])
        .or_else(|| get_str(spec, &["serviceAccount"]))
        .unwrap_or("default")
}

/// MG030: the workload's selector matches its own pod template.
fn check_selector(o: &Obj<'_>, labels: Option<&Map<String, Value>>, out: &mut Out) {
    if matches!(
        o.kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
    ) && let Some(sel) = get(o.v, &["spec", "selector"])
        && !label_selector_matches(sel, labels)
    {
        out.push((
            Rule::SelectorMismatch,
            "spec.selector does not match spec.template.metadata.labels".to_string(),
        ));
    }
}

/// MG005 in a container's literal env values.
fn check_env_sqlite(c: &Value, out: &mut Out) {
    for e in get_arr(c, &["env"]) {
        if let Some(p) = get_str(e, &["value"]).and_then(relative_sqlite_path) {
            out.push((
                Rule::RelativeSqlitePath,
                format!(
                    "container {} env {} names the relative path {p:?}",
                    cname(c),
                    get_str(e, &["name"]).unwrap_or("?")
                ),
            ));
        }
    }
}

/// MG016: long-running containers have both probes.
fn check_probes(o: &Obj<'_>, spec: &Value, out: &mut Out) {
    if matches!(o.kind, "Job" | "CronJob") {
        return;
    }
    for c in containers(spec, false) {
        let absent: Vec<&str> = ["readinessProbe", "livenessProbe"]
            .into_iter()
            .filter(|p| c.get(*p).is_none())
            .collect();
        if !absent.is_empty() {
            out.push((
                Rule::MissingProbes,
                format!("container {} has no {}", cname(c), absent.join(" or ")),
            ));
        }
    }
}

/// MG051: a Deployment that runs (or may scale to) more than one pod, whose main (first)
/// container stops the moment it is told: while the edge has not yet learned that the pod
/// is going, it still sends new requests, and a rollout or node drain turns them into errors.
/// A Deployment without `replicas` is taken as scaled by an autoscaler.
fn check_shutdown_delay(o: &Obj<'_>, spec: &Value, out: &mut Out) {
    if o.kind != "Deployment" {
        return;
    }
    let replicas = o.v.pointer("/spec/replicas").and_then(super::value::as_int);
    if replicas.is_some_and(|r| r <= 1) {
        return;
    }
    // The main container (the first): a sidecar such as a metrics exporter takes no traffic
    // from the edge.
    for c in containers(spec, false).take(1) {
        if c.get("ports").is_some() && c.pointer("/lifecycle/preStop").is_none() {
            out.push((
                Rule::NoShutdownDelay,
                format!(
                    "container {} serves a port but has no preStop hook: a rollout or node drain cuts the requests the edge still sends it",
                    cname(c)
                ),
            ));
        }
    }
}
