//! Label sets. Selector labels are a stable subset of the common labels: they never hold a
//! value that changes between releases (a Deployment's selector is immutable).
//!
//! `app.kubernetes.io/instance` is deliberately absent: ArgoCD's default label tracking
//! writes that label with the Application's name on every object it manages, and a
//! different value from us would make the two fight over it.

use std::collections::BTreeMap;

use crate::profile::Profile;

/// Which workload a label set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The FastAPI backend.
    Backend,
    /// The React frontend.
    Frontend,
    /// The PostgreSQL cluster and what belongs to it.
    Database,
    /// The one-shot SQLite-to-PostgreSQL migration.
    Migration,
    /// The smoke test ArgoCD runs after every sync.
    SmokeTest,
    /// The scheduled SQLite backup.
    SqliteBackup,
    /// The SQLite restore drill.
    RestoreDrill,
}

impl Component {
    /// The `app.kubernetes.io/component` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Backend => "backend",
            Component::Frontend => "frontend",
            Component::Database => "database",
            Component::Migration => "migration",
            Component::SmokeTest => "smoke-test",
            Component::SqliteBackup => "sqlite-backup",
            Component::RestoreDrill => "restore-drill",
        }
    }
}

/// Labels on every object. No version: a release must change only the objects that
/// actually roll (see [`workload`]), so that its diff is the release and nothing else. A
/// version on the Namespace, StorageClass, claims, policies and the Application would rewrite
/// 17 of 18 files on every bump and teach reviewers to skim.
pub fn common(p: &Profile) -> BTreeMap<String, String> {
    let mut labels = p.app.labels.clone();
    labels.insert("app.kubernetes.io/name".into(), p.app.name.to_string());
    labels.insert("app.kubernetes.io/part-of".into(), p.app.name.to_string());
    labels.insert("app.kubernetes.io/managed-by".into(), "magnetiq-gen".into());
    labels
}

/// Labels on a workload's objects and pods.
pub fn component(p: &Profile, c: Component) -> BTreeMap<String, String> {
    let mut labels = common(p);
    labels.insert("app.kubernetes.io/component".into(), c.as_str().into());
    labels
}

/// Labels on a Deployment and its pods: [`component`] plus `app.kubernetes.io/version`. The
/// pods change with every release anyway (the image), so the version costs no extra diff
/// there, and it tells which release a running pod belongs to. Never in a selector.
pub fn workload(p: &Profile, c: Component) -> BTreeMap<String, String> {
    let mut labels = component(p, c);
    labels.insert("app.kubernetes.io/version".into(), p.app.version.clone());
    labels
}

/// The selector of a workload: stable across releases.
pub fn selector(p: &Profile, c: Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), p.app.name.to_string()),
        (
            "app.kubernetes.io/component".to_string(),
            c.as_str().to_string(),
        ),
    ])
}
