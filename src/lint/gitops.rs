//! ArgoCD: what a directory Application syncs (MG006, MG007), what its deletion takes
//! with it (MG024), and the replica count it may leave to an autoscaler.

use serde_json::Value;

use super::glob::glob_matches;
use super::value::{Obj, comma_list_has, get, get_arr, get_bool, get_str};
use super::{Linter, Out, Rule};

impl<'a> Linter<'a> {
    pub(super) fn check_application(&self, o: &Obj<'a>, tree_has_subdirs: bool, out: &mut Out) {
        let sources: Vec<&Value> = get(o.v, &["spec", "source"])
            .into_iter()
            .chain(get_arr(o.v, &["spec", "sources"]))
            .collect();
        for src in sources {
            let is_directory = ["helm", "kustomize", "plugin", "chart"]
                .iter()
                .all(|k| src.get(*k).is_none());
            if !is_directory || get_str(src, &["path"]).is_none() {
                continue;
            }
            let path = get_str(src, &["path"]).unwrap_or("");
            let recurse = get_bool(src, &["directory", "recurse"]) == Some(true);
            if !recurse && tree_has_subdirs {
                out.push((
                    Rule::ArgoDirectoryNoRecurse,
                    format!("source path {path:?} is synced without directory.recurse: true, so the manifests in subdirectories of the tree are never deployed"),
                ));
            }
            let include = get_str(src, &["directory", "include"]);
            let exclude = get_str(src, &["directory", "exclude"]);
            let synced = if o.source == "rendered" {
                exclude.is_none()
            } else {
                let base = o.source.rsplit('/').next().unwrap_or(o.source);
                let matches = |g: Option<&str>| -> Result<Option<bool>, String> {
                    g.map(|g| Ok(glob_matches(g, o.source)? || glob_matches(g, base)?))
                        .transpose()
                };
                match (matches(include), matches(exclude)) {
                    (Ok(included), Ok(excluded)) => {
                        (recurse || !o.source.contains('/'))
                            && included != Some(false)
                            && excluded != Some(true)
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        // Fail closed: a glob the linter cannot read may well let the
                        // Application's own file through.
                        out.push((
                            Rule::ArgoAppSyncsItself,
                            format!("cannot tell whether the Application's own manifest ({}) is excluded from source path {path:?}: a directory include/exclude glob is unreadable ({e})", o.source),
                        ));
                        continue;
                    }
                }
            };
            if synced {
                out.push((
                    Rule::ArgoAppSyncsItself,
                    format!("the Application's own manifest ({}) is inside source path {path:?} and not excluded, so the Application manages (and can prune) itself", o.source),
                ));
            }
        }
        // MG028-style check is not done for the Application: its destination lives in
        // another cluster scope.
    }

    pub(super) fn finalizing_app(&self) -> Option<&Obj<'a>> {
        self.objs.iter().find(|a| {
            a.is("Application")
                && get_arr(a.v, &["metadata", "finalizers"])
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|f| f.starts_with("resources-finalizer.argocd.argoproj.io"))
        })
    }

    /// The Application whose deletion would cascade to `o`, when `o` lacks `Delete=false`
    /// and is not marked as deliberately deleted with it (a throwaway environment).
    pub(super) fn unguarded_against_app_delete(&self, o: &Obj<'a>) -> Option<&Obj<'a>> {
        let app = self.finalizing_app()?;
        let (key, value) = crate::rules::EPHEMERAL_ANNOTATION;
        (!comma_list_has(
            o.annotation("argocd.argoproj.io/sync-options"),
            "Delete=false",
        ) && o.annotation(key) != Some(value))
        .then_some(app)
    }

    /// MG024 for a Namespace: deleting it deletes every claim in it.
    pub(super) fn check_namespace(&self, o: &Obj<'a>, out: &mut Out) {
        if let Some(app) = self.unguarded_against_app_delete(o) {
            out.push((
                Rule::DeletedWithApplication,
                format!("Application {} has the resources finalizer and this Namespace (with every volume claim in it) lacks the sync option Delete=false", app.name),
            ));
        }
        // MG049.
        let enforce = get_str(
            o.v,
            &["metadata", "labels", "pod-security.kubernetes.io/enforce"],
        );
        match enforce {
            None => out.push((
                Rule::NoPodSecurityEnforced,
                "the Namespace has no pod-security.kubernetes.io/enforce label, so any pod is admitted".into(),
            )),
            Some("privileged") => out.push((
                Rule::NoPodSecurityEnforced,
                "the Namespace enforces the privileged Pod Security Standard, which admits any pod".into(),
            )),
            Some(_) => {}
        }
    }

    pub(super) fn replicas_fought_by_argocd_exempt(&self) -> bool {
        self.objs.iter().any(|a| {
            a.is("Application")
                && get_arr(a.v, &["spec", "syncPolicy", "syncOptions"])
                    .iter()
                    .any(|s| s.as_str() == Some("RespectIgnoreDifferences=true"))
                && get_arr(a.v, &["spec", "ignoreDifferences"])
                    .iter()
                    .any(|d| {
                        get_str(d, &["kind"]) == Some("Deployment")
                            && (get_arr(d, &["jsonPointers"])
                                .iter()
                                .any(|p| p.as_str() == Some("/spec/replicas"))
                                || get_arr(d, &["jqPathExpressions"])
                                    .iter()
                                    .any(|p| p.as_str() == Some(".spec.replicas")))
                    })
        })
    }
}
