//! Storage: volume claims (their class, access mode and fate under ArgoCD) and where the
//! SQLite database file really lives.

use super::value::{Obj, as_int, get, get_arr, get_map, get_str, same_ns};
use super::{Linter, Out, Rule};
use crate::rules::is_sqlite_url;

/// `Some(path)` when a SQLAlchemy SQLite URL names a relative file path.
pub(super) fn relative_sqlite_path(url: &str) -> Option<&str> {
    let url = url.trim();
    let (_, rest) = url.split_once("://")?;
    if !is_sqlite_url(url) {
        return None;
    }
    // rest starts after "//"; the database path follows the next '/'.
    let path = rest.strip_prefix('/')?;
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with('/') || path == ":memory:" {
        return None;
    }
    Some(path)
}

/// MG005 in a ConfigMap's values.
pub(super) fn check_config_map(o: &Obj<'_>, out: &mut Out) {
    if let Some(data) = get_map(o.v, &["data"]) {
        for (k, v) in data {
            if let Some(p) = v.as_str().and_then(relative_sqlite_path) {
                out.push((
                    Rule::RelativeSqlitePath,
                    format!("{k} names the relative path {p:?}: it resolves against the working directory, not \"/{p}\""),
                ));
            }
        }
    }
}

impl<'a> Linter<'a> {
    /// MG024, MG028 (storage class) and MG031 for a claim.
    pub(super) fn check_pvc(&self, o: &Obj<'a>, out: &mut Out) {
        if let Some(app) = self.unguarded_against_app_delete(o) {
            out.push((
                Rule::DeletedWithApplication,
                format!("Application {} has the resources finalizer and this claim lacks the sync option Delete=false: deleting the Application deletes the volume's data", app.name),
            ));
        }
        let class = get_str(o.v, &["spec", "storageClassName"]).filter(|c| !c.is_empty());
        if let Some(c) = class {
            match self.find("StorageClass", "", c) {
                None => out.push((
                    Rule::MissingReference,
                    format!("storageClassName {c} is not in the set"),
                )),
                Some(sc) => {
                    let rwx = get_arr(o.v, &["spec", "accessModes"])
                        .iter()
                        .any(|m| m.as_str() == Some("ReadWriteMany"));
                    if rwx
                        && get_str(sc.v, &["provisioner"]) == Some("driver.longhorn.io")
                        && !self.mounted_by_several_pods(o)
                    {
                        out.push((
                            Rule::LonghornReadWriteMany,
                            format!("ReadWriteMany on Longhorn class {c} is served over NFSv4 and needs an NFS client on every node"),
                        ));
                    }
                }
            }
        }
    }

    /// Whether a workload in the set that can run several pods (more than one replica, or
    /// scaled by an HPA) mounts this claim: then ReadWriteMany is what it needs, and MG031's
    /// advice (ReadWriteOnce) would break it.
    fn mounted_by_several_pods(&self, claim: &Obj<'_>) -> bool {
        self.objs.iter().any(|w| {
            let Some((_, spec)) = w.pod() else {
                return false;
            };
            let mounts = get_arr(spec, &["volumes"])
                .iter()
                .any(|v| get_str(v, &["persistentVolumeClaim", "claimName"]) == Some(claim.name));
            let several = get(w.v, &["spec", "replicas"])
                .and_then(as_int)
                .is_some_and(|r| r > 1)
                || self.of_kind("HorizontalPodAutoscaler").any(|h| {
                    same_ns(h.ns, w.ns)
                        && get_str(h.v, &["spec", "scaleTargetRef", "kind"]) == Some(w.kind)
                        && get_str(h.v, &["spec", "scaleTargetRef", "name"]) == Some(w.name)
                });
            same_ns(w.ns, claim.ns) && mounts && several
        })
    }
}
