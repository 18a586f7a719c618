//! The SQLite backup CronJob, its claim and the restore drill: `[database.sqlite.backup]`;
//! the backend's import init container: `[database.sqlite.import]`.
//! Recognised by what they do (a CronJob whose script runs `sqlite3 ... .backup`), not by
//! name, so a tree written by hand maps too.

use serde_json::Value as Json;
use toml::Value;

use super::{Draft, of_kind, s};

/// The CronJobs that make SQLite copies, with the claim each writes them to.
fn backup_jobs(objects: &[(String, Json)]) -> Vec<(&Json, Option<String>)> {
    of_kind(objects, "CronJob")
        .map(|(_, c)| c)
        .filter(|c| {
            let pod = &c["spec"]["jobTemplate"]["spec"]["template"]["spec"];
            pod["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["args"].as_array().into_iter().flatten())
                .any(|a| a.as_str().is_some_and(|a| a.contains(".backup '")))
        })
        .map(|c| {
            let claim = c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|v| v["name"] == "backups")
                .and_then(|v| s(v, &["persistentVolumeClaim", "claimName"]));
            (c, claim)
        })
        .collect()
}

/// The claims the copies live on: `[database.sqlite.backup]`'s, not `[storage]`'s.
pub(super) fn backup_claims(objects: &[(String, Json)]) -> Vec<String> {
    backup_jobs(objects)
        .into_iter()
        .filter_map(|(_, claim)| claim)
        .collect()
}

/// Whether `o` is one of the objects this step maps (so not listed as unmapped).
pub(super) fn is_mapped(o: &Json, objects: &[(String, Json)]) -> bool {
    let name = s(o, &["metadata", "name"]);
    match o.get("kind").and_then(Json::as_str) {
        Some("CronJob") => backup_jobs(objects)
            .iter()
            .any(|(c, _)| s(c, &["metadata", "name"]) == name),
        Some("Job") => is_drill(o),
        _ => false,
    }
}

/// The restore drill: a PostSync hook whose container is the drill.
pub(super) fn is_drill(job: &Json) -> bool {
    s(job, &["metadata", "annotations", "argocd.argoproj.io/hook"]).as_deref() == Some("PostSync")
        && job["spec"]["template"]["spec"]["containers"][0]["name"] == "restore-drill"
}

/// `[database.sqlite.backup]` from the backup CronJob, its claim and the drill.
pub(super) fn backup(draft: &mut Draft, objects: &[(String, Json)]) {
    let Some((cron, claim)) = backup_jobs(objects).into_iter().next() else {
        return;
    };
    let at = "database.sqlite.backup";
    draft.found.insert("sqlite_backup");
    draft.set(&format!("{at}.enabled"), Value::Boolean(true));
    if let Some(schedule) = s(cron, &["spec", "schedule"]) {
        draft.set(&format!("{at}.schedule"), Value::String(schedule));
    }
    let c = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    if let Some(image) = s(c, &["image"]) {
        draft.set(&format!("{at}.image"), Value::String(image));
    }
    let keep = c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "KEEP")
        .and_then(|e| s(e, &["value"]))
        .and_then(|v| v.parse::<i64>().ok());
    if let Some(keep) = keep {
        draft.set(&format!("{at}.keep"), Value::Integer(keep));
    }
    if let Some(claim) = claim {
        let pvc = of_kind(objects, "PersistentVolumeClaim")
            .find(|(_, p)| s(p, &["metadata", "name"]).as_deref() == Some(claim.as_str()));
        if let Some(size) =
            pvc.and_then(|(_, p)| s(p, &["spec", "resources", "requests", "storage"]))
        {
            draft.set(&format!("{at}.size"), Value::String(size));
        }
        let derived = draft
            .app_name
            .as_ref()
            .map(|a| crate::names::Names::new(a, "").sqlite_backups);
        if derived.as_deref() != Some(claim.as_str()) {
            draft.set(&format!("{at}.claim_name"), Value::String(claim));
        }
    }
    let drill = of_kind(objects, "Job").any(|(_, j)| is_drill(j));
    draft.set(&format!("{at}.restore_drill"), Value::Boolean(drill));
    // A restore in progress: the copy the backend's restore init container names.
    if let Some(from) = init_env(objects, crate::rules::SQLITE_RESTORE_CONTAINER, "FROM") {
        draft.set(&format!("{at}.restore_from"), Value::String(from));
    }
}

/// The value of `var` in the environment of the backend's init container `container`.
fn init_env(objects: &[(String, Json)], container: &str, var: &str) -> Option<String> {
    let c = of_kind(objects, "Deployment")
        .flat_map(|(_, d)| {
            d["spec"]["template"]["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .find(|c| c["name"] == container)?;
    c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == var)
        .and_then(|e| s(e, &["value"]))
}

/// Whether `parent` turns the SQLite backup on (a parent that cannot be read does not).
pub(super) fn parent_backs_up(store: &dyn crate::profile::ProfileStore, parent: &str) -> bool {
    crate::profile::load::load_with(store, parent, &[]).is_ok_and(|l| {
        l.raw
            .database
            .sqlite
            .as_ref()
            .and_then(|q| q.backup.as_ref())
            .is_some_and(|b| b.enabled)
    })
}

/// `[database.sqlite.import]` from the backend's import init container (its image, and the
/// URL and checksum its environment carries).
pub(super) fn import(draft: &mut Draft, objects: &[(String, Json)]) {
    let init = of_kind(objects, "Deployment")
        .flat_map(|(_, d)| {
            d["spec"]["template"]["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .find(|c| c["name"] == crate::rules::SQLITE_IMPORT_CONTAINER);
    let Some(c) = init else {
        return;
    };
    let env = |name: &str| init_env(objects, crate::rules::SQLITE_IMPORT_CONTAINER, name);
    let at = "database.sqlite.import";
    for (key, value) in [
        ("url", env("URL")),
        ("sha256", env("SHA256")),
        ("image", s(c, &["image"])),
    ] {
        if let Some(v) = value {
            draft.set(&format!("{at}.{key}"), Value::String(v));
        }
    }
}
