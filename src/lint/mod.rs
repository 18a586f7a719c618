//! `magnetiq-gen lint`: rules that know this deployment.
//!
//! The rules read plain `serde_json::Value` objects (not typed structs) so that any YAML a
//! person writes can be checked: missing fields and wrong types are treated as "not set",
//! never as a panic. Each rule checks one object, or the relation between objects of the
//! same set (a Service and the pods it selects, a Deployment and its volume claims, an
//! ArgoCD Application and the tree it syncs). Only [`load_dir`] touches the filesystem.
//!
//! The rooms: [`catalog`] (every rule's typed id and documentation), `value` (reading JSON
//! safely), `load` (input), and one module per family of checks: `workloads`
//! (single-writer, selectors, tokens), `containers`, `autoscaling`, `storage`, `backups`
//! (Longhorn), `secrets`, `network` (Service, Ingress, NetworkPolicy), `gateway` (HTTPRoute, Gateway), `monitoring`
//! (ServiceMonitor), `gitops` (ArgoCD), `database` (CloudNativePG Cluster) and `references`
//! (objects that name others).

use std::fmt;

use serde_json::Value;

mod autoscaling;
mod backups;
pub mod catalog;
mod containers;
mod database;
mod gateway;
mod gitops;
mod glob;
mod load;
mod monitoring;
mod network;
mod references;
mod secrets;
mod storage;
mod value;
mod workloads;

pub use catalog::{Rule, RuleDoc, rules};
pub use load::{load_dir, load_texts, manifest_objects};
pub use secrets::decode_secret_data;

use value::{CLUSTER_SCOPED, Obj, get_str, same_ns};

use crate::manifest::{Acknowledged, Manifest, OutOfBand};

/// How bad a finding is: errors break the deployment or lose data; warnings weaken it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The deployment does not work as written, or can lose data.
    Error,
    /// Works, but is fragile, insecure or surprising.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in one object.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it, with its documentation.
    pub rule: &'static RuleDoc,
    /// The file the object came from (relative path), or "rendered".
    pub source: String,
    /// `Kind/namespace/name`, or `Kind/name` for objects without a namespace.
    pub object: String,
    /// What is wrong with this object in particular. Never holds a Secret's value.
    pub message: String,
}

/// What the checks of one object report: the rule and the object's own message.
type Out = Vec<(Rule, String)>;

/// The linted set; the family modules add their checks to it.
struct Linter<'a> {
    objs: Vec<Obj<'a>>,
    /// Objects not in the set that are known to be created out of band (a profile's
    /// `secrets.mode = "existing"`): references to them are not findings.
    out_of_band: &'a [OutOfBand],
    /// What the profile accepts on purpose (`lint --profile` only): not findings.
    acknowledged: &'a [Acknowledged],
}

impl<'a> Linter<'a> {
    /// The object of this kind and name in (or without) namespace `ns`.
    fn find(&self, kind: &str, ns: &str, name: &str) -> Option<&Obj<'a>> {
        self.objs
            .iter()
            .find(|o| o.kind == kind && o.name == name && same_ns(o.ns, ns))
    }

    /// Every object of this kind.
    fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Obj<'a>> + 's {
        self.objs.iter().filter(move |o| o.kind == kind)
    }

    fn run(&self) -> Vec<Finding> {
        let tree_has_subdirs = self
            .objs
            .iter()
            .any(|o| o.source.contains('/') && o.source != "rendered");
        let mut findings = Vec::new();
        for o in &self.objs {
            let mut out = Out::new();
            self.check_object(o, tree_has_subdirs, &mut out);
            findings.extend(out.into_iter().map(|(rule, message)| Finding {
                rule: rule.doc(),
                source: o.source.to_string(),
                object: o.id(),
                message,
            }));
        }
        findings
    }

    fn check_object(&self, o: &Obj<'a>, tree_has_subdirs: bool, out: &mut Out) {
        if CLUSTER_SCOPED.contains(&o.kind)
            && let Some(ns) = get_str(o.v, &["metadata", "namespace"])
        {
            out.push((
                Rule::ClusterScopedNamespace,
                format!(
                    "{} is cluster-scoped; metadata.namespace {ns:?} is ignored",
                    o.kind
                ),
            ));
        }
        match o.kind {
            "Ingress" => self.check_ingress(o, out),
            "HTTPRoute" => self.check_http_route(o, out),
            "Gateway" => self.check_gateway(o, out),
            "NetworkPolicy" => network::check_network_policy(o, out),
            "Application" => self.check_application(o, tree_has_subdirs, out),
            "Role" => self.check_role(o, out),
            "RoleBinding" => self.check_role_binding(o, out),
            "Secret" => {
                secrets::check_secret(o, out);
                self.check_secret_owners(o, out);
            }
            "ConfigMap" => storage::check_config_map(o, out),
            "PersistentVolumeClaim" => {
                self.check_pvc(o, out);
                self.check_pvc_backup_groups(o, out);
            }
            "Namespace" => self.check_namespace(o, out),
            "Service" => self.check_service(o, out),
            "HorizontalPodAutoscaler" => self.check_hpa(o, out),
            "RecurringJob" => self.check_recurring_job(o, out),
            "ServiceMonitor" => self.check_service_monitor(o, out),
            "Cluster" => database::check_cnpg_cluster(o, out),
            _ => {}
        }
        if o.pod().is_some() {
            self.check_workload(o, out);
            self.check_secret_order(o, out);
        }
    }
}

/// Lints `(source, object)` pairs: each object alone and the relations between them.
///
/// Findings come sorted by source, then object, then rule.
pub fn lint(objects: &[(String, Value)]) -> Vec<Finding> {
    lint_with(objects, &[], &[])
}

/// Lints what a profile renders (`lint --profile`): the objects of `manifest`, taking the
/// objects its profile leaves to be created out of band as present, and what it
/// acknowledges as accepted.
pub fn lint_rendered(manifest: &Manifest) -> Vec<Finding> {
    lint_with(
        &manifest_objects(manifest),
        &manifest.out_of_band,
        &manifest.acknowledged,
    )
}

fn lint_with(
    objects: &[(String, Value)],
    out_of_band: &[OutOfBand],
    acknowledged: &[Acknowledged],
) -> Vec<Finding> {
    let objs = objects
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(source, v)| Obj {
            source,
            v,
            kind: get_str(v, &["kind"]).unwrap_or(""),
            ns: get_str(v, &["metadata", "namespace"]).unwrap_or(""),
            name: get_str(v, &["metadata", "name"]).unwrap_or(""),
        })
        .collect();
    let mut findings = Linter {
        objs,
        out_of_band,
        acknowledged,
    }
    .run();
    findings.sort_by(|a, b| {
        (a.source.as_str(), a.object.as_str(), a.rule.id).cmp(&(
            b.source.as_str(),
            b.object.as_str(),
            b.rule.id,
        ))
    });
    findings
}

/// Human-readable findings, one block each, and a summary line.
pub fn report(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!(
            "{}[{}] {} ({}): {}\n  why: {}\n  fix: {}\n  see: {}\n\n",
            f.rule.severity,
            f.rule.id,
            f.object,
            f.source,
            f.message,
            f.rule.explanation,
            f.rule.fix,
            f.rule.link
        ));
    }
    let errors = findings
        .iter()
        .filter(|f| f.rule.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    s.push_str(&format!(
        "{}, {}\n",
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    s
}
