//! `[secrets]`: the declared keys and how their values reach the cluster.

use std::collections::{BTreeMap, BTreeSet};

use super::Checker;
use super::config::{MAX_DATA_BYTES, oversized, sizes};
use crate::profile::model;
use crate::profile::node::join;
use crate::profile::types;
use crate::profile::*;
use crate::rules::is_placeholder;

pub(super) fn check_secrets(
    c: &mut Checker<'_>,
    s: &model::Secrets,
    config: &BTreeSet<String>,
    environment: Environment,
    env: &BTreeMap<String, String>,
) -> Option<Secrets> {
    let mut seen = BTreeSet::new();
    for (list, keys) in [("required", &s.required), ("optional", &s.optional)] {
        for (i, k) in keys.iter().enumerate() {
            let path = format!("secrets.{list}[{i}]");
            if let Err(e) = types::check_env_name(k) {
                c.err(&path, e);
            } else if !seen.insert(k.clone()) {
                c.err(&path, format!("{k} is declared twice"));
            } else if config.contains(k) {
                c.err(
                    &format!("config.{k}"),
                    format!("{k} is declared secret (in secrets.{list}); a value is either secret or not, so remove it from [config]"),
                );
            }
        }
    }
    // A table for another mode is not an error: a profile that extends production may
    // switch modes while production's [secrets.external] is still inherited.
    let source = match s.mode {
        model::SecretsMode::Existing => SecretSource::Existing,
        model::SecretsMode::ExternalSecrets => external(c, s)?,
        model::SecretsMode::Sealed => sealed(c, s, &seen)?,
        model::SecretsMode::Inline => inline(c, s, environment != Environment::Development, env),
    };
    Some(Secrets {
        required: s.required.clone(),
        optional: s.optional.clone(),
        source,
        reloader: s.reloader,
    })
}

/// `mode = "external-secrets"`: the ExternalSecret's store and entry.
fn external(c: &mut Checker<'_>, s: &model::Secrets) -> Option<SecretSource> {
    let Some(x) = &s.external else {
        c.err_help(
            "secrets.mode",
            "mode \"external-secrets\" needs a [secrets.external] table",
            "add [secrets.external] with store (the SecretStore or ClusterSecretStore) and remote_key",
        );
        return None;
    };
    c.check("secrets.external.store", types::check_subdomain(&x.store));
    if x.remote_key.trim().is_empty() {
        c.err(
            "secrets.external.remote_key",
            "must name the entry in the secret store",
        );
    }
    let duration_ok = !x.refresh_interval.is_empty()
        && x.refresh_interval
            .chars()
            .all(|ch| ch.is_ascii_digit() || "hms".contains(ch))
        && x.refresh_interval.ends_with(['h', 'm', 's'])
        && x.refresh_interval
            .starts_with(|ch: char| ch.is_ascii_digit());
    if !duration_ok {
        c.err(
            "secrets.external.refresh_interval",
            format!(
                "{:?} is not a duration such as 1h, 15m or 1h30m",
                x.refresh_interval
            ),
        );
    }
    Some(SecretSource::External {
        store: x.store.clone(),
        store_kind: x.store_kind,
        remote_key: x.remote_key.clone(),
        refresh_interval: x.refresh_interval.clone(),
    })
}

/// `mode = "sealed"`: one ciphertext per declared key, each one kubeseal's output.
fn sealed(
    c: &mut Checker<'_>,
    s: &model::Secrets,
    seen: &BTreeSet<String>,
) -> Option<SecretSource> {
    let Some(x) = &s.sealed else {
        c.err_help(
            "secrets.mode",
            "mode \"sealed\" needs a [secrets.sealed] table",
            "add [secrets.sealed.encrypted] with one `kubeseal --raw` value per key",
        );
        return None;
    };
    for k in &s.required {
        if !x.encrypted.contains_key(k) {
            c.err(
                "secrets.sealed.encrypted",
                format!("required key {k} has no encrypted value"),
            );
        }
    }
    for (k, v) in &x.encrypted {
        let path = join("secrets.sealed.encrypted", k);
        if !seen.contains(k) {
            c.err(
                &path,
                format!("{k} is not declared in secrets.required or secrets.optional"),
            );
        } else if v.trim().is_empty() {
            c.err(
                &path,
                format!("the value of {k} is empty; seal the real value with kubeseal --raw"),
            );
        } else if !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            || v.len() < 16
        {
            c.err(
                &path,
                format!("the value of {k} is not a kubeseal --raw output (base64 ciphertext)"),
            );
        }
    }
    Some(SecretSource::Sealed {
        scope: x.scope,
        encrypted: x
            .encrypted
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

/// `mode = "inline"`: the values from the environment, real ones outside development
/// (`strict`), within the API server's size limit.
fn inline(
    c: &mut Checker<'_>,
    s: &model::Secrets,
    strict: bool,
    env: &BTreeMap<String, String>,
) -> SecretSource {
    let mut values = BTreeMap::new();
    for (list, keys) in [("required", &s.required), ("optional", &s.optional)] {
        for (i, k) in keys.iter().enumerate() {
            let var = format!("{SECRET_ENV_PREFIX}{k}");
            match env.get(&var) {
                Some(v) if strict && is_placeholder(v) && list == "required" => c.err(
                    &format!("secrets.{list}[{i}]"),
                    format!("${var} is empty or a placeholder; outside development every required secret needs its real value"),
                ),
                Some(v) if strict && !v.is_empty() && is_placeholder(v) => c.err(
                    &format!("secrets.{list}[{i}]"),
                    format!("${var} holds a placeholder; set the real value or leave it unset"),
                ),
                Some(v) => {
                    values.insert(k.clone(), v.clone());
                }
                None if list == "required" => c.err(
                    &format!("secrets.{list}[{i}]"),
                    format!("mode \"inline\" reads {k} from ${var}, which is not set"),
                ),
                None => {}
            }
        }
    }
    if let Some((total, largest)) = oversized(values.iter().map(|(k, v)| (k.as_str(), v.len()))) {
        let key = largest[0].0;
        let path = s
            .required
            .iter()
            .position(|k| k == key)
            .map(|i| format!("secrets.required[{i}]"))
            .or_else(|| {
                s.optional
                    .iter()
                    .position(|k| k == key)
                    .map(|i| format!("secrets.optional[{i}]"))
            })
            .unwrap_or_else(|| "secrets.mode".into());
        c.err(
            &path,
            format!(
                "the Secret's values (from ${SECRET_ENV_PREFIX}<KEY>) would total {total} bytes, above the {MAX_DATA_BYTES} (1 MiB) the API server accepts; the largest: {}",
                sizes(&largest)
            ),
        );
    }
    SecretSource::Inline(SecretValues(values))
}
