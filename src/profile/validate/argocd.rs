//! `[argocd]`: the Application.

use super::Checker;
use crate::profile::model;
use crate::profile::types::{self, DnsLabel, RepoUrl};
use crate::profile::*;

pub(super) fn check_argocd(c: &mut Checker<'_>, a: &model::Argocd) -> Option<Argocd> {
    c.check("argocd.app_name", types::check_subdomain(&a.app_name));
    c.check(
        "argocd.namespace",
        DnsLabel::parse(&a.namespace).map(|_| ()),
    );
    if a.project.is_empty() {
        c.err(
            "argocd.project",
            "must name an ArgoCD project (default is \"default\")",
        );
    }
    let repo_url = c.check("argocd.repo_url", RepoUrl::parse(&a.repo_url));
    if a.target_revision.trim().is_empty() {
        c.err(
            "argocd.target_revision",
            "must name a branch, tag or commit",
        );
    }
    if a.path.is_empty() || a.path.starts_with('/') || a.path.split('/').any(|p| p == "..") {
        c.err(
            "argocd.path",
            format!(
                "{:?} must be a path inside the repository (relative, no '..')",
                a.path
            ),
        );
    }
    if !a.destination_server.starts_with("https://") {
        c.err(
            "argocd.destination_server",
            format!(
                "{:?} must be an https:// API server URL",
                a.destination_server
            ),
        );
    }
    Some(Argocd {
        mode: a.mode,
        app_name: a.app_name.clone(),
        namespace: a.namespace.clone(),
        project: a.project.clone(),
        repo_url: repo_url?,
        target_revision: a.target_revision.clone(),
        path: a.path.trim_end_matches('/').to_string(),
        destination_server: a.destination_server.clone(),
        automated: a.automated,
        prune: a.prune,
        self_heal: a.self_heal,
        keep_on_delete: a.keep_on_delete,
    })
}
