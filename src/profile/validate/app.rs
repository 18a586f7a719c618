//! `[app]`: the name every derived name starts with, the namespace, version and labels.

use std::collections::BTreeMap;

use super::Checker;
use crate::names::MAX_APP_NAME_LEN;
use crate::profile::model;
use crate::profile::node::join;
use crate::profile::types::{self, DnsLabel};
use crate::profile::*;
use crate::rules::{LABELS_WRITTEN_BY_OTHERS, RESERVED_LABELS};

use crate::names::MAX_ENVIRONMENT_NAME_LEN;

/// An environment's identity: a DNS label of at most [`MAX_ENVIRONMENT_NAME_LEN`] characters
/// that starts with a letter (names derived from it are RFC 1035 labels).
pub(crate) fn check_environment_name(name: &str) -> Result<DnsLabel, String> {
    DnsLabel::parse_max(name, MAX_ENVIRONMENT_NAME_LEN)
        .map_err(|e| {
            format!("{e} (the namespace and other names of the environment derive from it)")
        })
        .and_then(|l| {
            if name.starts_with(|ch: char| ch.is_ascii_digit()) {
                Err(format!("{name:?} must start with a letter"))
            } else {
                Ok(l)
            }
        })
}

pub(super) fn check_app(c: &mut Checker<'_>, app: &model::App) -> Option<App> {
    let name = c.check(
        "app.name",
        DnsLabel::parse_max(&app.name, MAX_APP_NAME_LEN).map_err(|e| {
            format!(
                "{e} (names derived from it, such as {}-media-pvc, must fit in 63)",
                app.name
            )
        }),
    );
    if app.name.starts_with(|ch: char| ch.is_ascii_digit()) {
        c.err(
            "app.name",
            format!(
                "{:?} must start with a letter: Service names derived from it are RFC 1035 labels",
                app.name
            ),
        );
    }
    // Load sets the file name when no profile of the chain does, so `None` only reaches
    // here from a caller that built a raw profile by hand.
    let environment_name = app.environment_name.as_deref().unwrap_or(&app.name);
    let environment_name = c.check(
        "app.environment_name",
        check_environment_name(environment_name),
    );
    let namespace = c.check("app.namespace", DnsLabel::parse(&app.namespace));
    if [
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "argocd",
        "longhorn-system",
    ]
    .contains(&app.namespace.as_str())
    {
        c.err_help(
            "app.namespace",
            format!("{} belongs to the cluster or its tooling; the app would share it, and its Namespace object would be managed (and guarded) by this deployment", app.namespace),
            "use a namespace of the application's own, such as magnetiq-v2",
        );
    }
    let version = c.check(
        "app.version",
        types::check_label_value(&app.version).and_then(|()| {
            if app.version.is_empty() {
                Err("must not be empty".to_string())
            } else {
                Ok(())
            }
        }),
    );
    c.check("app.domain", types::check_host(&app.domain));
    if app.display_name.trim().is_empty() {
        c.err("app.display_name", "must not be empty");
    }
    let mut labels = BTreeMap::new();
    for (k, v) in &app.labels {
        let path = join("app.labels", k);
        if RESERVED_LABELS.contains(&k.as_str()) {
            c.err(
                &path,
                format!("{k} is set by magnetiq-gen and cannot be overridden"),
            );
            continue;
        }
        if let Some((_, who)) = LABELS_WRITTEN_BY_OTHERS.iter().find(|(key, _)| key == k) {
            c.err(
                &path,
                format!("{k} is written by {who}, which would replace this value"),
            );
            continue;
        }
        if let Err(e) = types::check_label_key(k).and_then(|()| types::check_label_value(v)) {
            c.err(&path, e);
        }
        labels.insert(k.clone(), v.clone());
    }
    Some(App {
        name: name?,
        namespace: namespace?,
        version: version.map(|()| app.version.clone())?,
        environment: app.environment,
        environment_name: environment_name?,
        labels,
    })
}
