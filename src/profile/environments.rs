//! Environments side by side: every deployable profile of a directory is one environment on
//! a shared cluster, so names that must be unique per environment are checked across all of
//! them at once. `render --all`, `lint --profile` and `profiles` all call [`check`].

use std::collections::BTreeMap;

use super::load::{self, ProfileStore, deployable};
use super::model::{RawProfile, SecretsMode, StorageProvider};
use super::node::{self, Node};
use crate::source::Sources;

/// One name an environment claims, with where it was set.
pub struct Claim {
    profile: String,
    file: String,
    key: &'static str,
    set_at: String,
}

/// The names `raw` claims on the cluster (and in Git): what, value, key that sets it.
fn claims(raw: &RawProfile) -> Vec<(&'static str, String, &'static str)> {
    let mut out = vec![
        ("namespace", raw.app.namespace.clone(), "app.namespace"),
        (
            "environment name",
            raw.app.environment_name.clone().unwrap_or_default(),
            "app.environment_name",
        ),
    ];
    if raw.argocd.enabled {
        out.push((
            "ArgoCD Application",
            format!("{}/{}", raw.argocd.namespace, raw.argocd.app_name),
            "argocd.app_name",
        ));
        out.push(("ArgoCD path", raw.argocd.path.clone(), "argocd.path"));
    }
    // The host is claimed by whatever routes it: the Ingress, the HTTPRoute, or both.
    if raw.ingress.enabled || raw.gateway.enabled {
        out.push(("host", raw.ingress.host.clone(), "ingress.host"));
    }
    if raw.storage.provider == StorageProvider::Longhorn
        && let Some(l) = &raw.storage.longhorn
    {
        out.push((
            "StorageClass (cluster-scoped)",
            l.class_name.clone(),
            "storage.longhorn.class_name",
        ));
    }
    if raw.backup.enabled {
        out.push((
            "Longhorn RecurringJob",
            format!("{}-backup", raw.app.namespace),
            "app.namespace",
        ));
        out.push(("backup group", raw.backup.group.clone(), "backup.group"));
    }
    if raw.secrets.mode == SecretsMode::ExternalSecrets
        && let Some(e) = &raw.secrets.external
    {
        out.push((
            "secret-store key",
            format!("{}/{}", e.store, e.remote_key),
            "secrets.external.remote_key",
        ));
    }
    out
}

fn set_at(root: &Node, sources: &Sources, key: &str) -> String {
    let (n, _, depth) = node::lookup(root, &node::parse_path(key));
    if depth < key.split('.').count() {
        return "a default".to_string();
    }
    sources.position(&n.loc).to_string()
}

/// The names profile `name` (loaded as `loaded`) claims, each with where it was set: what
/// [`collisions`] compares across profiles.
pub fn claims_of(name: &str, loaded: &load::Loaded) -> Vec<(Named, Claim)> {
    let file = loaded.sources.file(0).name.clone();
    claims(&loaded.raw)
        .into_iter()
        .map(|(what, value, key)| {
            (
                (what, value),
                Claim {
                    profile: name.to_string(),
                    file: file.clone(),
                    key,
                    set_at: set_at(&loaded.root, &loaded.sources, key),
                },
            )
        })
        .collect()
}

/// A claimed name: what kind of name, and the name.
pub type Named = (&'static str, String);

/// The names profile `loaded` claims, without where each was set: what `render --all` keeps
/// per profile while it renders the others (a few bytes a name). When two profiles share one,
/// [`check`] reloads them all to say where each set it.
pub fn claimed(loaded: &load::Loaded) -> Vec<Named> {
    claims(&loaded.raw)
        .into_iter()
        .map(|(what, value, _)| (what, value))
        .collect()
}

/// Whether two different profiles (by index) claim one name.
pub fn any_collision<'a>(claims: impl IntoIterator<Item = (usize, &'a Named)>) -> bool {
    let mut first: std::collections::HashMap<&Named, usize> = std::collections::HashMap::new();
    claims
        .into_iter()
        .any(|(profile, named)| *first.entry(named).or_insert(profile) != profile)
}

/// Checks that no two deployable profiles in `store` claim the same namespace, ArgoCD
/// Application or path, host, StorageClass, Longhorn job or group, or secret-store key.
/// Profiles that do not load are left to the command that renders them. `overrides` apply to
/// the profile `to` names (`lint --profile P --set ...` checks P as it would render next to
/// the others as they are), or to every profile with `None` (`render --all --set ...`).
pub fn check(
    store: &dyn ProfileStore,
    overrides: &[String],
    to: Option<&str>,
) -> crate::Result<()> {
    let mut all = Vec::new();
    for name in deployable(store) {
        let applied = match to {
            Some(one) if one != name => &[][..],
            _ => overrides,
        };
        if let Ok(loaded) = load::load_with(store, &name, applied) {
            all.extend(claims_of(&name, &loaded));
        }
    }
    collisions(all)
}

/// Fails when two profiles claim one name, naming both and where each set it.
pub fn collisions(all: impl IntoIterator<Item = (Named, Claim)>) -> crate::Result<()> {
    let mut by_name: BTreeMap<Named, Vec<Claim>> = BTreeMap::new();
    for (named, claim) in all {
        by_name.entry(named).or_default().push(claim);
    }
    let mut report = String::new();
    let mut count = 0;
    for ((what, value), claims) in by_name.iter().filter(|(_, c)| c.len() > 1) {
        count += 1;
        report.push_str(&format!("  {what} {value:?} is claimed by\n"));
        for c in claims {
            report.push_str(&format!(
                "    {} ({}): {} set at {}\n",
                c.profile, c.file, c.key, c.set_at
            ));
        }
    }
    if count == 0 {
        return Ok(());
    }
    crate::fail!(
        Input,
        "environments collide: {count} names are claimed by more than one profile, so one environment would take over another's objects\n{}\
         give each profile its own app.environment_name (the names above derive from it unless a profile sets them), or set the keys named",
        crate::report::printable(&report)
    )
}
