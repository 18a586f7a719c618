//! Role and Application.

use serde_json::Value as Json;
use toml::Value;

use super::{Draft, of_kind, s};

/// The operator Role: `[rbac]`.
pub(super) fn rbac(draft: &mut Draft, objects: &[(String, Json)]) {
    if of_kind(objects, "Role").next().is_some() {
        draft.found.insert("rbac");
        draft.set("rbac.operator", Value::Boolean(true));
        draft.differences.push("RBAC: the operator Role is bound to its own ServiceAccount (and rbac.operator_groups) and gains pods/log, pods/exec and deployments/scale".into());
    }
}

/// The Application: `[argocd]`.
pub(super) fn application(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, app) in of_kind(objects, "Application") {
        draft.found.insert("argocd");
        let src = &app["spec"]["source"];
        for (field, key) in [
            ("repoURL", "repo_url"),
            ("targetRevision", "target_revision"),
            ("path", "path"),
        ] {
            if let Some(v) = s(src, &[field]) {
                draft.set(&format!("argocd.{key}"), Value::String(v));
            }
        }
        for (path, key) in [
            (&["metadata", "name"][..], "app_name"),
            (&["metadata", "namespace"][..], "namespace"),
            (&["spec", "project"][..], "project"),
            (&["spec", "destination", "server"][..], "destination_server"),
        ] {
            if let Some(v) = s(app, path) {
                draft.set(&format!("argocd.{key}"), Value::String(v));
            }
        }
        let auto = &app["spec"]["syncPolicy"]["automated"];
        draft.set("argocd.automated", Value::Boolean(auto.is_object()));
        draft.set("argocd.prune", Value::Boolean(auto["prune"] == true));
        draft.set("argocd.self_heal", Value::Boolean(auto["selfHeal"] == true));
        draft.differences.push("Application: syncs subdirectories (directory.recurse) and excludes its own file and kustomization.yaml".into());
    }
}
