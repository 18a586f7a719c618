//! ServiceAccounts, the operator Role and its RoleBinding.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};

use super::meta;
use crate::labels::{self, Component};
use crate::manifest::Object;
use crate::names::Names;
use crate::profile::Profile;

fn service_account(
    name: &str,
    namespace: &str,
    labels: std::collections::BTreeMap<String, String>,
) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(name, Some(namespace), labels),
        // Tokens are mounted only where a pod asks for one; none of ours does.
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let v = |s: &[&str]| Some(s.iter().map(|x| x.to_string()).collect());
    PolicyRule {
        api_groups: v(groups),
        resources: v(resources),
        verbs: v(verbs).unwrap_or_default(),
        ..Default::default()
    }
}

/// The workloads' ServiceAccounts, and (when enabled) the operator Role bound to the
/// profile's groups. The design document's Role is bound to nobody, so it grants nothing; and
/// no ServiceAccount is made for people to borrow a token from (a shared credential that
/// outlives whoever used it).
///
/// The Role holds what the README's runbook needs and nothing it does not: reading the
/// workloads, their logs and events, the claims and the Jobs, and deleting a stuck pod (its
/// Deployment makes a new one, which ArgoCD does not see as drift). No Secrets (their values
/// live in the secret store), no `exec` (the runbook's data work runs as Jobs in Git), no
/// `deployments/scale` or `patch`: ArgoCD's self-heal reverts a manual scale or edit at the
/// next sync, so the runbook changes the profile instead.
pub fn objects(p: &Profile, names: &Names) -> Vec<Object> {
    let ns = names.namespace.as_str();
    let mut out = vec![
        Object::ServiceAccount(service_account(
            &names.backend,
            ns,
            labels::component(p, Component::Backend),
        )),
        Object::ServiceAccount(service_account(
            &names.frontend,
            ns,
            labels::component(p, Component::Frontend),
        )),
    ];
    let Some(rbac) = &p.rbac else {
        return out;
    };
    let read = ["get", "list", "watch"];
    let role = Role {
        metadata: meta(&names.operator, Some(ns), labels::common(p)),
        rules: Some(vec![
            rule(
                &[""],
                &[
                    "pods",
                    "services",
                    "endpoints",
                    "configmaps",
                    "persistentvolumeclaims",
                    "events",
                ],
                &read,
            ),
            // `kubectl logs`; deleting a stuck pod.
            rule(&[""], &["pods/log"], &["get"]),
            rule(&[""], &["pods"], &["delete"]),
            rule(&["apps"], &["deployments", "replicasets"], &read),
            rule(&["batch"], &["jobs", "cronjobs"], &read),
            rule(&["autoscaling"], &["horizontalpodautoscalers"], &read),
        ]),
    };
    let subjects = rbac
        .operator_groups
        .iter()
        .map(|g| Subject {
            kind: "Group".into(),
            name: g.clone(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            ..Default::default()
        })
        .collect();
    let binding = RoleBinding {
        metadata: meta(&names.operator, Some(ns), labels::common(p)),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: names.operator.clone(),
        },
        subjects: Some(subjects),
    };
    out.push(Object::Role(role));
    out.push(Object::RoleBinding(binding));
    out
}
