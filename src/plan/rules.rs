//! What a change does to the cluster: the rules behind `plan`'s consequences.
//!
//! Every rule cites its section of `shared/reference/immutable-fields.md` (researched from
//! the Kubernetes, Longhorn and ArgoCD sources). The rules cover the kinds magnetiq-gen
//! renders; a tree with other kinds still gets create/update/delete, without consequences.

use serde_json::Value;

use super::diff::{quantity, under};
use super::{Class, Consequence, Key, Trees};

const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
/// The label prefix by which a claim joins a Longhorn recurring-job group.
const BACKUP_GROUP_LABEL: &str = "recurring-job-group.longhorn.io/";

fn consequence(class: Class, message: String, instead: Option<&str>) -> Consequence {
    Consequence {
        class,
        message,
        instead: instead.map(str::to_string),
    }
}

fn rejected(message: String, instead: &str) -> Consequence {
    consequence(Class::Rejected, message, Some(instead))
}

fn data(message: String, instead: &str) -> Consequence {
    consequence(Class::Data, message, Some(instead))
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn shown(v: Option<&str>) -> &str {
    v.unwrap_or("(unset)")
}

/// Consequences of changing an object in place.
pub(super) fn updated(
    key: &Key,
    old: &Value,
    new: &Value,
    fields: &[String],
    trees: &Trees,
) -> Vec<Consequence> {
    let mut out = Vec::new();
    guard_dropped(key, old, new, trees, &mut out);
    match (key.group.as_str(), key.kind.as_str()) {
        ("", "PersistentVolumeClaim") => claim(key, old, new, fields, &mut out),
        ("storage.k8s.io", "StorageClass") => storage_class(fields, &mut out),
        ("apps", "Deployment") => deployment(key, old, new, fields, trees, &mut out),
        ("", "Service") => service(old, new, fields, &mut out),
        // §RoleBinding / ClusterRoleBinding: roleRef is immutable ("cannot change roleRef").
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding")
            if fields.iter().any(|f| under(f, "roleRef")) =>
        {
            out.push(rejected(
                "roleRef cannot change: the API server refuses the update".into(),
                "delete the binding and let the sync create it again (ArgoCD: sync option Replace=true on it); the permissions lapse for that moment",
            ));
        }
        ("", "Secret" | "ConfigMap") => frozen(key, old, fields, &mut out),
        _ => {}
    }
    out
}

/// ArgoCD's guards on one object: which of `Prune=false` and `Delete=false` its sync-options
/// annotation carries (options are comma-separated, argo-cd `docs/user-guide/sync-options.md`).
fn guards(v: &Value) -> Vec<&'static str> {
    let options = v
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(SYNC_OPTIONS))
        .and_then(Value::as_str)
        .unwrap_or("");
    ["Prune=false", "Delete=false"]
        .into_iter()
        .filter(|g| options.split(',').any(|o| o.trim() == *g))
        .collect()
}

/// §Changes that strand data, 5: deleting an Application cascades to every object it manages
/// unless the object carries `Delete=false`, and pruning spares only `Prune=false`. An object
/// that loses a guard (`argocd.keep_on_delete` true → false) changes nothing on the cluster
/// today, but the next Application deletion (or prune) takes it with it: for a claim, a
/// namespace or a Secret that is the data itself, so it is a data change, not a plain update.
fn guard_dropped(key: &Key, old: &Value, new: &Value, trees: &Trees, out: &mut Vec<Consequence>) {
    let kept = guards(new);
    let lost: Vec<&str> = guards(old)
        .into_iter()
        .filter(|g| !kept.contains(g))
        .collect();
    if lost.is_empty() {
        return;
    }
    // An ExternalSecret or SealedSecret that goes is re-created from its store or from Git;
    // a claim, the namespace or a plain Secret is the data itself.
    let what = match key.kind.as_str() {
        "PersistentVolumeClaim" => {
            " with its volume (reclaimPolicy Delete, the default, destroys the data)".to_string()
        }
        "Namespace" => {
            let claims = trees.old_claims(|k, _| k.namespace.as_deref() == Some(&key.name));
            if claims.is_empty() {
                " with everything in it".to_string()
            } else {
                format!(
                    " with everything in it, the claims {} and their data included",
                    claims.join(", ")
                )
            }
        }
        "Secret" if key.group.is_empty() => " with its values".to_string(),
        _ => return,
    };
    let when = match (
        lost.contains(&"Delete=false"),
        lost.contains(&"Prune=false"),
    ) {
        (true, true) => "deleting the Application, or removing it from the tree, now deletes it",
        (true, false) => "deleting the Application now deletes it",
        _ => "removing it from the tree now deletes it",
    };
    out.push(data(
        format!(
            "{} {} loses ArgoCD's {}: {when}{what}",
            key.kind,
            key.name,
            lost.join(" and ")
        ),
        "keep argocd.keep_on_delete = true for an environment whose data must outlive its Application; accept only for a throwaway environment",
    ));
}

/// §PersistentVolumeClaim: the spec is immutable after creation except
/// `resources.requests.storage` (grow only) and `volumeAttributesClassName`.
fn claim(key: &Key, old: &Value, new: &Value, fields: &[String], out: &mut Vec<Consequence>) {
    const STORAGE: &str = "spec.resources.requests.storage";
    let frozen: Vec<&String> = fields
        .iter()
        .filter(|f| under(f, "spec"))
        .filter(|f| !under(f, STORAGE) && !under(f, "spec.volumeAttributesClassName"))
        .collect();
    if !frozen.is_empty() {
        let class = (
            text(old, "/spec/storageClassName"),
            text(new, "/spec/storageClassName"),
        );
        let what = if frozen.iter().any(|f| under(f, "spec.storageClassName")) {
            format!("storageClassName {} -> {}", shown(class.0), shown(class.1))
        } else {
            frozen
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(rejected(
            format!("{what}: a claim's spec is immutable after creation (except its storage request)"),
            "keep the claim as it is, or create a claim under a new name and copy the data (README: Plan runbooks)",
        ));
        out.push(data(
            format!(
                "applying it means deleting {} and creating it again: a new, empty volume",
                key.name
            ),
            "back up the volume (Longhorn backup), create the new claim, restore into it, then switch",
        ));
    }
    let (before, after) = (
        text(old, "/spec/resources/requests/storage"),
        text(new, "/spec/resources/requests/storage"),
    );
    if fields.iter().any(|f| under(f, STORAGE)) {
        match (before.and_then(quantity), after.and_then(quantity)) {
            (Some(b), Some(a)) if a >= b => {}
            (Some(_), Some(_)) => out.push(rejected(
                format!(
                    "storage {} -> {}: a claim cannot shrink",
                    shown(before),
                    shown(after)
                ),
                "keep the size; to really use less space, create a smaller claim under a new name and copy the data",
            )),
            _ => out.push(rejected(
                format!(
                    "storage {} -> {}: plan cannot tell whether this shrinks the claim",
                    shown(before),
                    shown(after)
                ),
                "write both sizes as quantities (e.g. 10Gi)",
            )),
        }
    }
    let groups = |v: &Value| -> Vec<String> {
        v.pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.strip_prefix(BACKUP_GROUP_LABEL))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let after_groups = groups(new);
    for g in groups(old).iter().filter(|g| !after_groups.contains(g)) {
        out.push(data(
            format!(
                "{} leaves the backup group {g}: it is no longer backed up",
                key.name
            ),
            "keep [backup] enabled, or back the volume up another way before merging",
        ));
    }
}

/// §StorageClass: provisioner, parameters, reclaimPolicy and volumeBindingMode are immutable.
fn storage_class(fields: &[String], out: &mut Vec<Consequence>) {
    let frozen: Vec<&str> = [
        "provisioner",
        "parameters",
        "reclaimPolicy",
        "volumeBindingMode",
    ]
    .into_iter()
    .filter(|p| fields.iter().any(|f| under(f, p)))
    .collect();
    if frozen.is_empty() {
        return;
    }
    let detail: Vec<String> = fields
        .iter()
        .filter(|f| frozen.iter().any(|p| under(f, p)))
        .map(|f| f.to_string())
        .collect();
    out.push(rejected(
        format!(
            "{} changed: a StorageClass cannot be updated once created",
            detail.join(", ")
        ),
        "give the class a new name (storage.longhorn.class_name) and migrate the volumes to it through a Longhorn backup and restore (README: Plan runbooks)",
    ));
}

/// §Deployment: `spec.selector` is immutable; §What restarts pods: any change of
/// `spec.template` rolls the pods, and the one-pod Recreate backend is down meanwhile.
fn deployment(
    key: &Key,
    old: &Value,
    new: &Value,
    fields: &[String],
    trees: &Trees,
    out: &mut Vec<Consequence>,
) {
    let selector = fields.iter().any(|f| under(f, "spec.selector"));
    if selector {
        out.push(rejected(
            "spec.selector changed: a Deployment's selector is immutable".into(),
            "delete the Deployment with `kubectl delete deployment --cascade=orphan`, sync, then delete the old ReplicaSet (or sync it with ArgoCD Replace=true)",
        ));
    }
    let template: Vec<&String> = fields
        .iter()
        .filter(|f| under(f, "spec.template"))
        .collect();
    if template.is_empty() && !selector {
        return;
    }
    let mut why = Vec::new();
    let images = |v: &Value| -> Vec<(String, String)> {
        v.pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| {
                        Some((
                            c.get("name")?.as_str()?.to_string(),
                            c.get("image")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = images(old);
    for (name, image) in images(new) {
        match before.iter().find(|(n, _)| *n == name) {
            Some((_, was)) if *was != image => {
                why.push(format!("image of {name} {was} -> {image}"))
            }
            _ => {}
        }
    }
    for f in &template {
        if let Some(rest) = f.strip_prefix("spec.template.metadata.annotations[\"checksum/") {
            let what = rest.trim_end_matches("\"]");
            why.push(format!("the {what} checksum changed (its content changed)"));
        }
    }
    let other: Vec<&str> = template
        .iter()
        .filter(|f| {
            let checksum = f.starts_with("spec.template.metadata.annotations[\"checksum/");
            let image = under(f, "spec.template.spec.containers") && f.ends_with(".image");
            !checksum && !image
        })
        .map(|f| f.strip_prefix("spec.template.").unwrap_or(f))
        .collect();
    if !other.is_empty() {
        why.push(format!("pod template: {}", other.join(", ")));
    }
    if selector {
        why.push("replacing the Deployment starts new pods".into());
    }
    if let Some(note) = import_added(old, new) {
        why.push(note);
    }
    restart(key, new, &why.join("; "), out);
    claim_switch(old, new, trees, out);
    database_switch(old, new, out);
    restore_added(old, new, out);
}

/// What creating an object does to data: a backend Deployment that is new (the app or the
/// namespace renamed) but restores a SQLite copy before its first start, into a tree that
/// held an environment before.
pub(super) fn created(new: &Value, trees: &Trees) -> Vec<Consequence> {
    let mut out = Vec::new();
    if !trees.old.is_empty() && text(new, "/kind") == Some("Deployment") {
        restore_added(&Value::Null, new, &mut out);
    }
    out
}

/// magnetiq-gen's own: a SQLite restore (`restore_from`) newly set or pointed at another
/// copy. The backend's next start swaps that copy in for the database: what was written
/// since the copy is no longer the live data (the replaced files are kept beside it).
fn restore_added(old: &Value, new: &Value, out: &mut Vec<Consequence>) {
    let from = |v: &Value| -> Option<String> {
        v.pointer("/spec/template/spec/initContainers")?
            .as_array()?
            .iter()
            .find(|c| {
                c.get("name").and_then(Value::as_str)
                    == Some(crate::rules::SQLITE_RESTORE_CONTAINER)
            })?
            .get("env")?
            .as_array()?
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some("FROM"))?
            .get("value")?
            .as_str()
            .map(str::to_string)
    };
    if let Some(copy) = from(new)
        && from(old).as_ref() != Some(&copy)
    {
        out.push(data(
            format!("the backend's next start restores the SQLite copy {copy} over the database: whatever was written since that copy is no longer the live data (the replaced files are kept beside it as *.before-restore-<time>)"),
            "check the copy first (the restore drill's log), sync when a restart is acceptable, then remove restore_from (README: SQLite: backups, restore, import)",
        ));
    }
}

/// magnetiq-gen's own: the SQLite import init container appearing on an environment that
/// may already have data. It acts only when the database file is absent, so an existing
/// database is left as it is: said so, since "import" next to a live database alarms.
fn import_added(old: &Value, new: &Value) -> Option<String> {
    let has = |v: &Value| {
        v.pointer("/spec/template/spec/initContainers")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("name").and_then(Value::as_str)
                        == Some(crate::rules::SQLITE_IMPORT_CONTAINER)
                })
            })
    };
    (has(new) && !has(old)).then(|| {
        "the SQLite import init container is added: it downloads the file only when the database does not exist yet, so an existing database is left as it is".to_string()
    })
}

/// §Changes that strand data, 3 (magnetiq-gen's own): a Deployment whose `DATABASE_URL` now
/// names PostgreSQL where it used SQLite (or nothing in its own env) starts on the other
/// database: what is only in the SQLite file is no longer used. The URL is read from the
/// containers' literal env; a SQLite URL lives in the ConfigMap, so "no literal URL before"
/// counts as the old engine.
fn database_switch(old: &Value, new: &Value, out: &mut Vec<Consequence>) {
    let url = |v: &Value| -> Option<String> {
        v.pointer("/spec/template/spec/containers")?
            .as_array()?
            .iter()
            .filter_map(|c| c.get("env")?.as_array())
            .flatten()
            .find(|e| e.get("name").and_then(Value::as_str) == Some("DATABASE_URL"))
            .and_then(|e| e.get("value")?.as_str())
            .map(str::to_string)
    };
    let postgres = |u: &Option<String>| {
        u.as_deref()
            .is_some_and(|u| u.starts_with("postgresql") || u.starts_with("postgres:"))
    };
    let (before, after) = (url(old), url(new));
    if postgres(&after) && !postgres(&before) {
        out.push(data(
            "DATABASE_URL switches the backend from SQLite to PostgreSQL: it starts on the PostgreSQL database, and rows only in the SQLite file are no longer used".into(),
            "copy the data first with the migration Job and compare row counts (README: Migrating from SQLite to PostgreSQL), keeping the SQLite claim until verified",
        ));
    }
}

fn restart(key: &Key, new: &Value, why: &str, out: &mut Vec<Consequence>) {
    if text(new, "/spec/strategy/type") == Some("Recreate") {
        out.push(consequence(
            Class::Downtime,
            format!(
                "{} restarts ({why}); Recreate stops the running pod before the new one starts: down until it is ready",
                key.name
            ),
            None,
        ));
    } else {
        out.push(consequence(
            Class::Restart,
            format!("{} rolls its pods one at a time ({why})", key.name),
            None,
        ));
    }
}

/// §Changes that strand data, 2: a Deployment that mounts another claim starts on its data.
fn claim_switch(old: &Value, new: &Value, trees: &Trees, out: &mut Vec<Consequence>) {
    let claims = |v: &Value| -> Vec<(String, String)> {
        v.pointer("/spec/template/spec/volumes")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| {
                        Some((
                            v.get("name")?.as_str()?.to_string(),
                            text(v, "/persistentVolumeClaim/claimName")?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = claims(old);
    for (volume, claim) in claims(new) {
        if let Some((_, was)) = before.iter().find(|(v, c)| *v == volume && *c != claim) {
            let fresh = if trees.is_new_claim(&claim) {
                " (a new, empty claim)"
            } else {
                ""
            };
            out.push(data(
                format!("volume {volume} mounts {claim}{fresh} instead of {was}: the data in {was} is no longer used"),
                "copy the data into the new claim before the pods restart (README: Plan runbooks)",
            ));
        }
    }
}

/// §Service: clusterIP may not change once set (omitting it is not a change).
fn service(old: &Value, new: &Value, fields: &[String], out: &mut Vec<Consequence>) {
    let set = |v: &Value| {
        v.pointer("/spec/clusterIP").is_some() || v.pointer("/spec/clusterIPs").is_some()
    };
    if set(old)
        && set(new)
        && fields
            .iter()
            .any(|f| under(f, "spec.clusterIP") || under(f, "spec.clusterIPs"))
    {
        out.push(rejected(
            "spec.clusterIP changed: a Service's cluster IP cannot change once set".into(),
            "leave clusterIP out (the server keeps the allocated one), or delete and recreate the Service",
        ));
    }
}

/// §ConfigMap and Secret: a Secret's type is immutable; `immutable: true` freezes the data
/// and cannot be undone.
fn frozen(key: &Key, old: &Value, fields: &[String], out: &mut Vec<Consequence>) {
    if key.kind == "Secret" && fields.iter().any(|f| under(f, "type")) {
        out.push(rejected(
            "type changed: a Secret's type is immutable".into(),
            "delete the Secret and let the sync create it again",
        ));
    }
    if old.get("immutable") == Some(&Value::Bool(true)) {
        let touched: Vec<&String> = fields
            .iter()
            .filter(|f| {
                ["data", "binaryData", "stringData", "immutable"]
                    .iter()
                    .any(|p| under(f, p))
            })
            .collect();
        if !touched.is_empty() {
            out.push(rejected(
                format!(
                    "{} of an immutable {} changed: its content is frozen",
                    touched
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    key.kind
                ),
                "give the object a new name, or delete it and let the sync create it again",
            ));
        }
    }
}

/// Consequences of an object no longer rendered.
pub(super) fn deleted(key: &Key, old: &Value, trees: &Trees) -> Vec<Consequence> {
    match (key.group.as_str(), key.kind.as_str()) {
        // §Changes that strand data, 1 and 7.
        ("", "PersistentVolumeClaim") => vec![data(
            format!(
                "claim {} is no longer rendered: {}{}",
                key.name,
                fate(old),
                trees.new_claims_note()
            ),
            "keep the claim's name (README: Plan runbooks: renamed app or namespace), or copy its data into the new claim first",
        )],
        // §Changes that strand data, 5: deleting a namespace deletes every claim in it.
        ("", "Namespace") => {
            let claims = trees.old_claims(|k, _| k.namespace.as_deref() == Some(&key.name));
            if claims.is_empty() {
                return Vec::new();
            }
            vec![data(
                format!(
                    "namespace {} is no longer rendered; it holds the claims {}: {}",
                    key.name,
                    claims.join(", "),
                    fate(old)
                ),
                "keep app.namespace, or move the data first (README: Plan runbooks: renamed app or namespace)",
            )]
        }
        // §Longhorn RecurringJob: the claims in its groups stop being backed up.
        ("longhorn.io", "RecurringJob") => {
            let groups: Vec<&str> = old
                .pointer("/spec/groups")
                .and_then(Value::as_array)
                .map(|g| g.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let claims = trees.old_claims(|_, v| {
                groups.iter().any(|g| {
                    v.pointer("/metadata/labels")
                        .and_then(|l| l.get(format!("{BACKUP_GROUP_LABEL}{g}")))
                        .is_some()
                })
            });
            vec![data(
                format!(
                    "backup job {} is removed: {} no longer backed up",
                    key.name,
                    if claims.is_empty() {
                        "its groups are".to_string()
                    } else {
                        format!("{} are", claims.join(", "))
                    }
                ),
                "keep [backup] enabled, or take a last backup and set up another before merging",
            )]
        }
        // magnetiq-gen's own: the SQLite backup CronJob removed, so no new app-consistent
        // copies are made (the claim it wrote to is reported on its own).
        ("batch", "CronJob") => {
            let written = |v: &Value| -> Vec<String> {
                v.pointer("/spec/jobTemplate/spec/template/spec/volumes")
                    .and_then(Value::as_array)
                    .map(|vs| {
                        vs.iter()
                            .filter(|v| {
                                v.pointer("/persistentVolumeClaim/readOnly")
                                    .and_then(Value::as_bool)
                                    != Some(true)
                            })
                            .filter_map(|v| text(v, "/persistentVolumeClaim/claimName"))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            // A CronJob renamed with the app still writes there: only claims no CronJob of
            // the new tree (in the same namespace) writes to any more count.
            let still: Vec<String> = trees
                .new
                .iter()
                .filter(|(k, _)| {
                    k.group == "batch" && k.kind == "CronJob" && k.namespace == key.namespace
                })
                .flat_map(|(_, p)| written(&p.value))
                .collect();
            // The database's own claim, which the backup also mounts read-write (for the
            // WAL index), stays the backend's: only the claims the copies went to count.
            let served: Vec<String> = trees
                .new
                .iter()
                .filter(|(k, _)| {
                    k.group == "apps" && k.kind == "Deployment" && k.namespace == key.namespace
                })
                .flat_map(|(_, p)| {
                    p.value
                        .pointer("/spec/template/spec/volumes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|v| text(v, "/persistentVolumeClaim/claimName"))
                        .map(str::to_string)
                })
                .collect();
            let claims: Vec<String> = written(old)
                .into_iter()
                .filter(|c| !still.contains(c) && !served.contains(c))
                .collect();
            if claims.is_empty() {
                return Vec::new();
            }
            vec![data(
                format!(
                    "CronJob {} is removed: it no longer writes to {}, so no new copies are made there",
                    key.name,
                    claims.join(", ")
                ),
                "keep [database.sqlite.backup] enabled, or copy the newest backup somewhere safe before merging (README: SQLite: backups, restore, import)",
            )]
        }
        ("apps", "Deployment") => vec![consequence(
            Class::Downtime,
            format!(
                "{} is no longer rendered: its pods stop when it is pruned",
                key.name
            ),
            None,
        )],
        // The end of a migration to the Gateway API (README: Migrating to the Gateway API):
        // the hosts stay reachable only where DNS already points at the Gateway.
        ("networking.k8s.io", "Ingress") => ingress_deleted(key, old, trees),
        _ => Vec::new(),
    }
}

/// The hosts of an Ingress or HTTPRoute (`spec.rules[].host`, `spec.hostnames`).
fn hosts(v: &Value) -> Vec<&str> {
    let rules = v.pointer("/spec/rules").and_then(Value::as_array);
    let from_rules = rules
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("host").and_then(Value::as_str));
    let names = v.pointer("/spec/hostnames").and_then(Value::as_array);
    from_rules
        .chain(names.into_iter().flatten().filter_map(Value::as_str))
        .collect()
}

/// An Ingress that leaves the tree: its hosts go unrouted when it is pruned, unless another
/// Ingress of the new tree serves them (a rename: nothing to say), or an HTTPRoute does and
/// DNS already sends clients to its Gateway. Gateway API objects themselves have no
/// immutable fields (HTTPRoute: none; Gateway: `gatewayClassName` is mutable, §Gateway API),
/// so no update of theirs is classified.
fn ingress_deleted(key: &Key, old: &Value, trees: &Trees) -> Vec<Consequence> {
    let lost = hosts(old);
    let serving = |kind: &str| -> Vec<String> {
        trees
            .new
            .iter()
            .filter(|(k, p)| k.kind == kind && hosts(&p.value).iter().any(|h| lost.contains(h)))
            .map(|(k, _)| k.name.clone())
            .collect()
    };
    if lost.is_empty() || !serving("Ingress").is_empty() {
        return Vec::new();
    }
    let routes = serving("HTTPRoute");
    let (hosts, one) = (lost.join(", "), lost.len() == 1);
    // Downtime carries no `instead` (README: rejected and data changes only); the way out is
    // in the message.
    let message = if routes.is_empty() {
        let lose = if one { "loses its" } else { "lose their" };
        format!(
            "Ingress {} is no longer rendered: {hosts} {lose} route when it is pruned",
            key.name
        )
    } else {
        let stay = if one { "stays" } else { "stay" };
        format!(
            "Ingress {} is no longer rendered: {hosts} {stay} reachable through HTTPRoute {} only if DNS already points at its Gateway; keep it until DNS resolves to the Gateway everywhere",
            key.name,
            routes.join(", ")
        )
    };
    vec![consequence(Class::Downtime, message, None)]
}

/// What ArgoCD does with a data-holding object that left the tree.
fn fate(old: &Value) -> String {
    let options = old
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(SYNC_OPTIONS))
        .and_then(Value::as_str)
        .unwrap_or("");
    if options.contains("Prune=false") {
        "ArgoCD keeps it (Prune=false), but nothing uses it any more: the data is stranded there"
            .into()
    } else {
        "ArgoCD prune deletes it, and with reclaimPolicy Delete (the default of dynamic provisioning) the volume and its data are destroyed".into()
    }
}

impl Trees<'_> {
    /// The names of the old tree's claims that `pick` selects.
    fn old_claims(&self, pick: impl Fn(&Key, &Value) -> bool) -> Vec<String> {
        self.old
            .iter()
            .filter(|(k, p)| {
                k.group.is_empty() && k.kind == "PersistentVolumeClaim" && pick(k, &p.value)
            })
            .map(|(k, _)| k.name.clone())
            .collect()
    }

    fn new_claims(&self) -> Vec<String> {
        self.new
            .keys()
            .filter(|k| {
                k.group.is_empty()
                    && k.kind == "PersistentVolumeClaim"
                    && !self.old.contains_key(*k)
            })
            .map(|k| format!("{}/{}", k.namespace.as_deref().unwrap_or(""), k.name))
            .collect()
    }

    fn is_new_claim(&self, name: &str) -> bool {
        self.new_claims()
            .iter()
            .any(|c| c.ends_with(&format!("/{name}")))
    }

    /// ` ; the new claims ... start empty`, when the plan creates claims.
    fn new_claims_note(&self) -> String {
        let fresh = self.new_claims();
        if fresh.is_empty() {
            String::new()
        } else {
            format!(
                "; the claims this plan creates ({}) start empty",
                fresh.join(", ")
            )
        }
    }
}
