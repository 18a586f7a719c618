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

/// The workloads' ServiceAccounts, and (when enabled) the operator Role bound to its own
/// ServiceAccount and to the profile's groups. The design document's Role is bound to
/// nobody, so it grants nothing.
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
    let rw = [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    let role = Role {
        metadata: meta(&names.operator, Some(ns), labels::common(p)),
        rules: Some(vec![
            rule(&[""], &["pods", "services", "configmaps", "secrets"], &rw),
            // The runbook's `kubectl logs`, `kubectl exec` and `kubectl cp` need these
            // subresources, which the design document's Role does not grant.
            rule(&[""], &["pods/log"], &["get"]),
            // kubectl 1.30+ opens exec over a WebSocket, an HTTP GET that RBAC checks as `get`.
            rule(&[""], &["pods/exec"], &["get", "create"]),
            rule(
                &[""],
                &["persistentvolumeclaims", "events"],
                &["get", "list", "watch"],
            ),
            rule(&["apps"], &["deployments", "replicasets"], &rw),
            // `kubectl scale` and `kubectl rollout restart`.
            rule(
                &["apps"],
                &["deployments/scale"],
                &["get", "update", "patch"],
            ),
        ]),
    };
    let mut subjects = vec![Subject {
        kind: "ServiceAccount".into(),
        name: names.operator.clone(),
        namespace: Some(ns.into()),
        ..Default::default()
    }];
    subjects.extend(rbac.operator_groups.iter().map(|g| Subject {
        kind: "Group".into(),
        name: g.clone(),
        api_group: Some("rbac.authorization.k8s.io".into()),
        ..Default::default()
    }));
    let binding = RoleBinding {
        metadata: meta(&names.operator, Some(ns), labels::common(p)),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: names.operator.clone(),
        },
        subjects: Some(subjects),
    };
    out.push(Object::ServiceAccount(service_account(
        &names.operator,
        ns,
        labels::common(p),
    )));
    out.push(Object::Role(role));
    out.push(Object::RoleBinding(binding));
    out
}
