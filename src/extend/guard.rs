//! What a patch may not change: what identifies an object, what selects pods, and the
//! SQLite single-writer rules. Judged on the object before and after the patch, so it holds
//! whichever way (merge or `remove`) the change was attempted.

use serde_json::Value;

use super::strict::Step;
use crate::names::Names;
use crate::rules::SINGLE_WRITER_WHY;

/// A refused change: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The changed field.
    pub path: Vec<Step>,
    /// Why it may not change.
    pub why: String,
}

fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn steps(path: &[&str]) -> Vec<Step> {
    path.iter().map(|k| Step::Key((*k).to_string())).collect()
}

/// Why objects of `kind` may not be patched at all, if they may not.
pub fn refused_kind(kind: &str) -> Option<&'static str> {
    match kind {
        // Patched values would sit in the profile, in Git, in plain text.
        "Secret" => Some(
            "a Secret's values come from [secrets] (an ExternalSecret, a SealedSecret, a Secret created out of band, or inline from MAGNETIQ_SECRET_* variables), never from the profile, which is committed to Git; change [secrets] instead",
        ),
        _ => None,
    }
}

/// What the rest of the rendered set says about the patched object.
pub struct Context<'a> {
    /// The derived names.
    pub names: &'a Names,
    /// Whether the database is SQLite.
    pub sqlite: bool,
    /// Names of the Deployments a HorizontalPodAutoscaler scales.
    pub autoscaled: Vec<String>,
}

/// Every change from `before` to `after` that a patch may not make.
pub fn check(before: &Value, after: &Value, cx: &Context<'_>) -> Vec<Refused> {
    let (names, sqlite) = (cx.names, cx.sqlite);
    let mut out = Vec::new();
    let mut same = |path: &[&str], why: &str| {
        if at(before, path) != at(after, path) {
            out.push(Refused {
                path: steps(path),
                why: why.to_string(),
            });
        }
    };
    const IDENTITY: &str = "it identifies the object: other objects, the tree's files and `plan` refer to it by kind, name and namespace; change the profile key the name derives from instead (app.name, app.namespace)";
    same(&["kind"], IDENTITY);
    same(&["apiVersion"], IDENTITY);
    same(&["metadata", "name"], IDENTITY);
    same(&["metadata", "namespace"], IDENTITY);
    const SELECTOR: &str = "selectors are immutable on a live Deployment (a change fails the sync) and the Services, the PodDisruptionBudget and the NetworkPolicies select the same pods; they are derived from app.name";
    same(&["spec", "selector"], SELECTOR);
    same(&["spec", "podSelector"], SELECTOR);
    let kind = after.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = at(after, &["metadata", "name"]).and_then(Value::as_str);
    if let Some(Value::Object(selector)) = at(before, &["spec", "selector", "matchLabels"])
        && at(before, &["spec", "template"]).is_some()
    {
        for (k, v) in selector {
            let path = ["spec", "template", "metadata", "labels", k.as_str()];
            if at(after, &path) != Some(v) {
                out.push(Refused {
                    path: steps(&path),
                    why: format!("the pods must keep the label the selector matches ({k}); without it the workload owns no pods"),
                });
            }
        }
    }
    if kind == "Deployment"
        && name.is_some_and(|n| cx.autoscaled.iter().any(|a| a == n))
        && at(before, &["spec", "replicas"]) != at(after, &["spec", "replicas"])
    {
        out.push(Refused {
            path: steps(&["spec", "replicas"]),
            why: "the HorizontalPodAutoscaler owns the replica count (replicas is left out on purpose: a value here would reset the scale on every sync); set autoscaling.min_replicas and max_replicas instead".into(),
        });
    }
    if sqlite && kind == "Deployment" && name == Some(names.backend.as_str()) {
        let why = format!(
            "with SQLite the backend is a single writer: {SINGLE_WRITER_WHY}; one replica, rolled out with Recreate, is what keeps the database whole"
        );
        let mut same = |path: &[&str]| {
            if at(before, path) != at(after, path) {
                out.push(Refused {
                    path: steps(path),
                    why: why.clone(),
                });
            }
        };
        same(&["spec", "replicas"]);
        same(&["spec", "strategy"]);
        if claim_wiring(before, &names.data_pvc) != claim_wiring(after, &names.data_pvc) {
            out.push(Refused {
                path: steps(&["spec", "template", "spec"]),
                why: format!(
                    "the database claim {} is mounted where the backend's DATABASE_URL points, by the one volume and mount the profile's [storage.data] derives; change storage.data instead ({why})",
                    names.data_pvc
                ),
            });
        }
    }
    out
}

/// The volumes that mount claim `claim` and every container's mounts of them, in order.
fn claim_wiring(deployment: &Value, claim: &str) -> Vec<Value> {
    let spec = at(deployment, &["spec", "template", "spec"]);
    let volumes: Vec<&Value> = spec
        .and_then(|s| s.get("volumes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| {
            at(v, &["persistentVolumeClaim", "claimName"]).and_then(Value::as_str) == Some(claim)
        })
        .collect();
    let mut out: Vec<Value> = volumes.iter().map(|v| (*v).clone()).collect();
    let volume_names: Vec<&str> = volumes
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .collect();
    for list in ["initContainers", "containers"] {
        for c in spec
            .and_then(|s| s.get(list))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for m in c
                .get("volumeMounts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if m.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| volume_names.contains(&n))
                {
                    out.push(serde_json::json!([c.get("name"), m]));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backend() -> Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "magnetiq-backend", "namespace": "ns"},
        "spec": {"replicas": 1, "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app": "b"}},
            "template": {"metadata": {"labels": {"app": "b"}}, "spec": {
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "magnetiq-data-pvc"}}],
                "containers": [{"name": "backend", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]
            }}}})
    }

    #[test]
    fn identity_selectors_and_single_writer_rules_are_guarded() {
        let names = Names::new("magnetiq", "ns");
        let cx = |sqlite| Context {
            names: &names,
            sqlite,
            autoscaled: Vec::new(),
        };
        let before = backend();
        assert!(check(&before, &before, &cx(true)).is_empty());
        let mut after = before.clone();
        after["spec"]["replicas"] = json!(2);
        after["metadata"]["name"] = json!("other");
        after["spec"]["template"]["metadata"]["labels"]["app"] = json!("c");
        let refused: Vec<String> = check(&before, &after, &cx(true))
            .into_iter()
            .map(|r| super::super::strict::path_text(&r.path))
            .collect();
        assert_eq!(
            refused,
            ["metadata.name", "spec.template.metadata.labels.app"],
            "the backend is found by its new name, so only what identifies it is refused"
        );
        let mut after = before.clone();
        after["spec"]["replicas"] = json!(2);
        after["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] =
            json!("/x");
        assert_eq!(check(&before, &after, &cx(true)).len(), 2);
        assert!(
            check(&before, &after, &cx(false)).is_empty(),
            "only SQLite has the rule"
        );
    }
}
