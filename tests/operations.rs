//! Day-2 operations as code: who may do what on call (the operator Role), and what the
//! runbook relies on.

use magnetiq_gen::profile::DirStore;
use serde_json::Value;

fn render(profile: &str, set: &[&str]) -> Result<Vec<Value>, String> {
    let store = DirStore::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"));
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let r = magnetiq_gen::Request::new(&store, profile)
        .overrides(&set)
        .render()
        .map_err(|e| format!("{e:#}"))?;
    Ok(r.manifest
        .files
        .iter()
        .flat_map(|f| &f.objects)
        .map(|o| serde_json::to_value(o).unwrap())
        .collect())
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// (api group, resource, verb) triples a Role grants.
fn grants(role: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        for g in rule["apiGroups"].as_array().unwrap() {
            for r in rule["resources"].as_array().unwrap() {
                for v in rule["verbs"].as_array().unwrap() {
                    out.push((
                        g.as_str().unwrap().to_string(),
                        r.as_str().unwrap().to_string(),
                        v.as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn the_operator_role_is_bound_to_the_profiles_groups_only_and_grants_what_the_runbook_needs() {
    let objects = render("production", &[]).unwrap();
    let roles = of_kind(&objects, "Role");
    assert_eq!(roles.len(), 1);
    let granted = grants(roles[0]);
    let has = |g: &str, r: &str, v: &str| {
        granted
            .iter()
            .any(|(gg, rr, vv)| gg == g && rr == r && vv == v)
    };
    // What the runbook does: read the workloads, their logs, events, claims and Jobs, and
    // delete a stuck pod.
    for (g, r, v) in [
        ("", "pods", "list"),
        ("", "pods/log", "get"),
        ("", "events", "list"),
        ("", "persistentvolumeclaims", "get"),
        ("apps", "deployments", "get"),
        ("batch", "jobs", "list"),
        ("", "pods", "delete"),
    ] {
        assert!(has(g, r, v), "{g}/{r} {v} missing: {granted:?}");
    }
    // What it must not: Secrets, exec, and changes self-heal would revert.
    for (g, r) in [
        ("", "secrets"),
        ("", "pods/exec"),
        ("apps", "deployments/scale"),
    ] {
        assert!(
            !granted.iter().any(|(gg, rr, _)| gg == g && rr == r),
            "{g}/{r} granted: {granted:?}"
        );
    }
    for write in ["create", "update", "patch"] {
        assert!(
            !granted.iter().any(|(_, _, v)| v == write),
            "{write} granted: {granted:?}"
        );
    }
    let bindings = of_kind(&objects, "RoleBinding");
    assert_eq!(bindings.len(), 1);
    assert_eq!(
        bindings[0]["subjects"],
        serde_json::json!([{"kind": "Group", "name": "magnetiq-operators", "apiGroup": "rbac.authorization.k8s.io"}])
    );
    // No ServiceAccount for people: only the workloads'.
    let accounts: Vec<&str> = of_kind(&objects, "ServiceAccount")
        .iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["magnetiq-backend", "magnetiq-frontend"]);
}

#[test]
fn without_groups_there_is_no_role_and_asking_for_one_is_refused() {
    // Staging takes base's operator = false: nothing to bind, nothing rendered.
    let staging = render("staging", &[]).unwrap();
    assert!(of_kind(&staging, "Role").is_empty());
    assert!(of_kind(&staging, "RoleBinding").is_empty());
    let err = render("staging", &["rbac.operator=true"]).unwrap_err();
    assert!(
        err.contains("rbac.operator: the operator Role would be bound to no one"),
        "{err}"
    );
    let with_group = render(
        "staging",
        &["rbac.operator=true", "rbac.operator_groups=[\"qa\"]"],
    )
    .unwrap();
    assert_eq!(
        of_kind(&with_group, "RoleBinding")[0]["subjects"][0]["name"],
        "qa"
    );
}

#[test]
fn the_namespace_enforces_restricted_and_baseline_where_an_operator_makes_pods() {
    let level = |profile: &str| {
        let objects = render(profile, &[]).unwrap();
        let ns = of_kind(&objects, "Namespace")[0].clone();
        let l = &ns["metadata"]["labels"];
        assert_eq!(l["pod-security.kubernetes.io/enforce-version"], "v1.25");
        assert_eq!(l["pod-security.kubernetes.io/warn"], "restricted");
        assert_eq!(l["pod-security.kubernetes.io/audit"], "restricted");
        l["pod-security.kubernetes.io/enforce"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for profile in ["production", "staging", "dev"] {
        assert_eq!(level(profile), "restricted", "{profile}");
    }
    // CloudNativePG's own pods run in production-ha's namespace.
    assert_eq!(level("production-ha"), "baseline");
}
