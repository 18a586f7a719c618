//! Role and Application.

use serde_json::Value as Json;
use toml::Value;

use super::{Draft, of_kind, s};

/// The operator Role: `[rbac]`, with the groups its RoleBindings name.
pub(super) fn rbac(draft: &mut Draft, objects: &[(String, Json)]) {
    if of_kind(objects, "Role").next().is_none() {
        return;
    }
    draft.found.insert("rbac");
    let mut groups: Vec<Value> = Vec::new();
    for (_, b) in of_kind(objects, "RoleBinding") {
        for subject in b["subjects"].as_array().into_iter().flatten() {
            if let Some(g) = s(subject, &["name"]).filter(|_| subject["kind"] == "Group")
                && !groups.contains(&Value::String(g.clone()))
            {
                groups.push(Value::String(g));
            }
        }
    }
    if groups.is_empty() {
        draft.set("rbac.operator", Value::Boolean(false));
        draft.differences.push("RBAC: the tree's Role is bound to no group, so it is not rendered; to keep an operator Role, name the on-call groups in rbac.operator_groups and set rbac.operator = true".into());
    } else {
        draft.set("rbac.operator", Value::Boolean(true));
        draft.set("rbac.operator_groups", Value::Array(groups));
        draft.differences.push("RBAC: the operator Role is bound to rbac.operator_groups only (no ServiceAccount) and grants what the README's Operations section needs: read access, pod logs, deleting a pod; no Secrets, exec or scaling".into());
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

/// The PostSync smoke test: `[smoke_test]`, from a Job the tree marks as ArgoCD's `PostSync`
/// hook (its image, and `public` when it calls an https URL).
pub(super) fn smoke_test(draft: &mut Draft, objects: &[(String, Json)]) {
    let hook = of_kind(objects, "Job").find(|(_, j)| {
        s(j, &["metadata", "annotations", "argocd.argoproj.io/hook"]).as_deref() == Some("PostSync")
            && !super::sqlite::is_drill(j)
    });
    let Some((_, job)) = hook else {
        return;
    };
    draft.found.insert("smoke_test");
    draft.set("smoke_test.enabled", Value::Boolean(true));
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    if let Some(image) = s(c, &["image"]) {
        draft.set("smoke_test.image", Value::String(image));
    }
    let public = c["args"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a.as_str().is_some_and(|a| a.starts_with("https://")));
    draft.set("smoke_test.public", Value::Boolean(public));
    if let Some(d) = job["spec"]["activeDeadlineSeconds"].as_i64() {
        draft.set("smoke_test.deadline_seconds", Value::Integer(d));
    }
}
