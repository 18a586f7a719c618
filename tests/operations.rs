//! Day-2 operations as code: who may do what on call (the operator Role), and what the
//! runbook relies on.

mod common;

use common::{of_kind, render_shipped as render};
use serde_json::Value;

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

#[test]
fn every_sync_ends_with_a_hardened_smoke_test_that_calls_both_services() {
    let objects = render("production", &[]).unwrap();
    let jobs = of_kind(&objects, "Job");
    assert_eq!(jobs.len(), 1);
    let job = jobs[0];
    let a = &job["metadata"]["annotations"];
    assert_eq!(a["argocd.argoproj.io/hook"], "PostSync");
    assert_eq!(
        a["argocd.argoproj.io/hook-delete-policy"],
        "BeforeHookCreation,HookSucceeded"
    );
    assert_eq!(job["spec"]["backoffLimit"], 0);
    let pod = &job["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.contains(&"--fail-early"), "{args:?}");
    assert!(
        args.contains(&"http://magnetiq-backend:4036/health"),
        "{args:?}"
    );
    assert!(args.contains(&"http://magnetiq-frontend:9036/"), "{args:?}");
    assert!(!args.iter().any(|a| a.starts_with("https://")), "{args:?}");
    // Both workloads admit it through their NetworkPolicies; its own admits nothing in
    // and lets it reach only DNS and the two workloads' pods.
    let smoke_policy = |objects: &[serde_json::Value]| {
        of_kind(objects, "NetworkPolicy")
            .into_iter()
            .find(|p| p["metadata"]["name"] == "magnetiq-smoke")
            .expect("the smoke test's NetworkPolicy")
            .clone()
    };
    for policy in of_kind(&objects, "NetworkPolicy") {
        // The SQLite backup's pods admit nothing at all.
        if policy["metadata"]["name"] == "magnetiq-smoke"
            || policy["metadata"]["name"] == "magnetiq-db-backup"
        {
            continue;
        }
        let admitted = serde_json::to_string(&policy["spec"]["ingress"][0]["from"]).unwrap();
        assert!(admitted.contains("smoke-test"), "{admitted}");
    }
    let own = smoke_policy(&objects);
    assert_eq!(own["spec"]["ingress"], serde_json::json!([]), "{own}");
    assert_eq!(
        own["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "smoke-test"
    );
    let egress = serde_json::to_string(&own["spec"]["egress"]).unwrap();
    assert!(
        egress.contains("\"app.kubernetes.io/component\":\"backend\""),
        "{egress}"
    );
    assert!(
        egress.contains("\"app.kubernetes.io/component\":\"frontend\""),
        "{egress}"
    );
    assert!(!egress.contains("ipBlock"), "{egress}");
    // With `public`, the health path through the public host too, which only an ipBlock
    // reaches.
    let public = render("production", &["smoke_test.public=true"]).unwrap();
    let egress = serde_json::to_string(&smoke_policy(&public)["spec"]["egress"]).unwrap();
    assert!(egress.contains("\"cidr\":\"0.0.0.0/0\""), "{egress}");
    assert!(egress.contains("\"port\":443"), "{egress}");
    // ... or, short-circuited inside the cluster, the edge's pods on their own ports.
    assert!(
        egress.contains("\"kubernetes.io/metadata.name\":\"ingress-nginx\""),
        "{egress}"
    );
    // A host-network edge's node addresses only on 80 and 443, never on any port (the
    // kubelet and the API server listen there).
    let hosted = render(
        "production",
        &[
            "smoke_test.public=true",
            "network_policy.edge_node_cidrs=[\"10.0.0.0/24\"]",
        ],
    )
    .unwrap();
    for rule in smoke_policy(&hosted)["spec"]["egress"].as_array().unwrap() {
        let to = serde_json::to_string(&rule["to"]).unwrap();
        if rule.get("ports").is_none() {
            assert!(!to.contains("ipBlock"), "any port to addresses: {rule}");
        }
    }
    let args = serde_json::to_string(&of_kind(&public, "Job")[0]["spec"]).unwrap();
    assert!(
        args.contains("https://magnetiq.voltaic.systems/health"),
        "{args}"
    );
}

#[test]
fn the_smoke_test_needs_argocd_and_stays_out_of_the_kustomization() {
    let err = render("staging", &["argocd.enabled=false"]).unwrap_err();
    assert!(
        err.contains("smoke_test.enabled: the smoke test is an ArgoCD PostSync hook"),
        "{err}"
    );
    // dev has no ArgoCD and no smoke test.
    assert!(of_kind(&render("dev", &[]).unwrap(), "Job").is_empty());
    let kustomization = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/golden/production/kustomization.yaml"
    ))
    .unwrap();
    assert!(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/golden/production/smoke-test.yaml"
        ))
        .exists()
    );
    assert!(
        !kustomization.contains("smoke-test.yaml"),
        "{kustomization}"
    );
}
