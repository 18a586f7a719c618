//! `[config]`: the ConfigMap entries, derived ones included, and the size limit of the API server.

use std::collections::BTreeMap;

use super::Checker;
use crate::profile::model::RawProfile;
use crate::profile::node::join;
use crate::profile::types;
use crate::rules::{CONTAINER_ENV, DERIVED_CONFIG};

pub(super) fn check_config(
    c: &mut Checker<'_>,
    raw: &RawProfile,
    database_url: Option<Option<String>>,
) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in &raw.config {
        let path = join("config", k);
        if let Some((_, from)) = DERIVED_CONFIG.iter().find(|(d, _)| d == k) {
            c.err(
                &path,
                format!("{k} is derived from {from}; set that instead"),
            );
            continue;
        }
        if let Some((_, from)) = CONTAINER_ENV.iter().find(|(d, _)| d == k) {
            c.err(
                &path,
                format!("{k} is set on each container from {from}, and that entry wins over the ConfigMap's; set those instead"),
            );
            continue;
        }
        if let Err(e) = types::check_env_name(k) {
            c.err(&path, e);
        }
        // Keys whose names say what they hold are checked as such: the backend would
        // otherwise fail at its first e-mail or request, long after the deploy.
        let shape = if k.ends_with("_EMAIL") || k.starts_with("BUSINESS_EMAIL") {
            types::check_email(v)
        } else if k.ends_with("_URL") {
            types::check_http_url(v)
        } else if k == "ALLOWED_ORIGINS" {
            types::check_origins(v)
        } else {
            Ok(())
        };
        if let Err(e) = shape {
            c.err(&path, e);
        }
        out.insert(k.clone(), v.clone());
    }
    out.insert("APP_NAME".into(), raw.app.display_name.clone());
    out.insert("VERSION".into(), raw.app.version.clone());
    out.insert("ENVIRONMENT".into(), raw.app.environment.as_str().into());
    out.insert("DEBUG".into(), raw.app.debug.to_string());
    out.insert("BACKEND_PORT".into(), raw.backend.port.to_string());
    out.insert("FRONTEND_PORT".into(), raw.frontend.port.to_string());
    // With PostgreSQL the URL holds the password: the backend builds it from the operator's
    // Secret (resources::database), so it is not in the ConfigMap.
    if let Some(url) = database_url? {
        out.insert("DATABASE_URL".into(), url);
    }
    if let Some((total, largest)) = oversized(out.iter().map(|(k, v)| (k.as_str(), v.len()))) {
        let path = match largest[0].0 {
            "APP_NAME" => "app.display_name".to_string(),
            "VERSION" => "app.version".to_string(),
            "DATABASE_URL" => "storage.data.mount_path".to_string(),
            k => join("config", k),
        };
        c.err_help(
            &path,
            format!(
                "the ConfigMap's values would total {total} bytes, above the {MAX_DATA_BYTES} (1 MiB) the API server accepts; the largest: {}",
                sizes(&largest)
            ),
            "keep large content out of [config]: mount it from a volume or fetch it at start-up",
        );
    }
    Some(out)
}

/// The most a ConfigMap's or a Secret's values may total, in bytes (`MaxSecretSize` in the
/// API server's validation, which counts values only, not keys).
pub(super) const MAX_DATA_BYTES: usize = 1024 * 1024;

/// When the values total more than [`MAX_DATA_BYTES`]: the total, and the largest entries
/// (at most five), largest first, which together bring the total over the limit.
pub(super) fn oversized<'a>(
    values: impl Iterator<Item = (&'a str, usize)>,
) -> Option<(usize, Vec<(&'a str, usize)>)> {
    let mut all: Vec<(&str, usize)> = values.collect();
    let total: usize = all.iter().map(|(_, n)| n).sum();
    if total <= MAX_DATA_BYTES {
        return None;
    }
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut rest = total;
    let largest = all
        .into_iter()
        .take_while(|(_, n)| {
            let over = rest > MAX_DATA_BYTES;
            rest -= n;
            over
        })
        .take(5)
        .collect();
    Some((total, largest))
}

/// `KEY (n bytes), ...`: key names and sizes, never a value.
pub(super) fn sizes(entries: &[(&str, usize)]) -> String {
    entries
        .iter()
        .map(|(k, n)| format!("{k} ({n} bytes)"))
        .collect::<Vec<_>>()
        .join(", ")
}
