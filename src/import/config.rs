//! ConfigMap and Secret.

use serde_json::Value as Json;
use toml::{Table, Value};

use super::{Draft, of_kind, s};
use crate::rules::{CONTAINER_ENV, DERIVED_CONFIG};

const NOT_SECRET: [&str; 3] = [
    "ALGORITHM",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "REFRESH_TOKEN_EXPIRE_DAYS",
];

/// One key of a Secret, as the cluster would hold it.
enum SecretEntry {
    /// The value, decoded (from base64 for `data`).
    Text(String),
    /// Why the value cannot be read (never the value itself).
    Invalid(&'static str),
}

/// A Secret's keys and values as the API server stores them: `data` decoded from base64, then
/// `stringData` on top (the API server folds `stringData` into `data`, and its keys win).
fn secret_entries(sec: &Json) -> indexmap::IndexMap<String, SecretEntry> {
    // In the order written, so the declared keys read like the tree.
    let mut out = indexmap::IndexMap::new();
    for (k, v) in sec["data"].as_object().into_iter().flatten() {
        let entry = match v {
            Json::Null => SecretEntry::Text(String::new()),
            Json::String(b64) => match crate::lint::decode_secret_data(b64) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => SecretEntry::Text(text),
                    Err(_) => SecretEntry::Invalid("is binary, not text"),
                },
                None => SecretEntry::Invalid(
                    "in data is not valid base64 (the API server would refuse the Secret)",
                ),
            },
            _ => SecretEntry::Invalid("in data is not a base64 string"),
        };
        out.insert(k.clone(), entry);
    }
    for (k, v) in sec["stringData"].as_object().into_iter().flatten() {
        let entry = match v {
            Json::Null => SecretEntry::Text(String::new()),
            Json::String(text) => SecretEntry::Text(text.clone()),
            Json::Number(n) => SecretEntry::Text(n.to_string()),
            Json::Bool(b) => SecretEntry::Text(b.to_string()),
            _ => SecretEntry::Invalid("in stringData is not a string"),
        };
        out.insert(k.clone(), entry);
    }
    out
}

/// The ConfigMap: `[config]`, with the derived keys mapped back to the settings they come from.
pub(super) fn config_map(draft: &mut Draft, objects: &[(String, Json)]) {
    for (_, cm) in of_kind(objects, "ConfigMap") {
        // The frontend's runtime configuration file, taken by the Deployments' import.
        let name = s(cm, &["metadata", "name"]).unwrap_or_default();
        if draft.runtime_config_maps.contains(&name) {
            continue;
        }
        draft.found.insert("configmap");
        let data = cm["data"].as_object().cloned().unwrap_or_default();
        if cm["binaryData"].as_object().is_some_and(|b| !b.is_empty()) {
            draft.unmapped.push(format!(
                "ConfigMap {}: binaryData (profiles hold text settings only)",
                s(cm, &["metadata", "name"]).unwrap_or_default()
            ));
        }
        let mut config = Table::new();
        for (k, v) in &data {
            // An unquoted number or boolean in the tree is meant as its text.
            let v = match v {
                Json::String(x) => x.clone(),
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            // Derived keys go back to the setting `rules::DERIVED_CONFIG` says they come from;
            // only how each value is read is said here.
            let source = DERIVED_CONFIG
                .iter()
                .find(|(d, _)| *d == k.as_str())
                .map(|(_, from)| *from);
            match (k.as_str(), source) {
                ("APP_NAME" | "VERSION", Some(from)) => draft.set(from, Value::String(v)),
                ("ENVIRONMENT", Some(from)) => draft.set(
                    from,
                    Value::String(if v == "dev" { "development".into() } else { v }),
                ),
                ("DEBUG", Some(from)) => draft.set(from, Value::Boolean(v == "true")),
                ("DATABASE_URL", Some(_)) => {
                    if let Some((driver, path)) = v.split_once(":///") {
                        let file = path.rsplit('/').next().unwrap_or("magnetiq.db").to_string();
                        draft.set("database.driver", Value::String(driver.to_string()));
                        draft.set("database.file", Value::String(file));
                        if !path.starts_with('/') {
                            draft.differences.push(format!(
                                "DATABASE_URL: {v:?} is relative to the working directory (three slashes); magnetiq-gen derives an absolute one inside the data volume (four slashes)"
                            ));
                        }
                    }
                }
                // The ports come from the Deployments.
                (_, Some(_)) => {}
                // Set on the containers from their ports; a profile cannot hold it.
                (k, None) if CONTAINER_ENV.iter().any(|(c, _)| *c == k) => {
                    draft.differences.push(format!(
                        "ConfigMap key {k}: not kept; magnetiq-gen sets {k} on each container from its port"
                    ));
                }
                (k, None) if k.starts_with(super::workloads::VITE_PREFIX) => {
                    draft.differences.push(format!(
                        "ConfigMap key {k}: not kept; Vite compiles VITE_* values into the bundle when it is built, so the running container never read it. The bundle gets frontend.runtime_config (/config.json with a same-host apiUrl) instead"
                    ));
                }
                (_, None) => {
                    config.insert(k.clone(), Value::String(v));
                }
            }
        }
        if !config.is_empty() {
            draft.p.insert("config".into(), Value::Table(config));
        }
    }
}

/// The application's Opaque Secret: the declared keys (never the values).
pub(super) fn secrets(draft: &mut Draft, objects: &[(String, Json)]) {
    let mut required: Vec<Value> = Vec::new();
    let mut optional: Vec<Value> = Vec::new();
    for (src, sec) in of_kind(objects, "Secret") {
        let name = s(sec, &["metadata", "name"]).unwrap_or_default();
        let type_ = s(sec, &["type"]).unwrap_or_else(|| "Opaque".into());
        if type_ != "Opaque" {
            // Registry credentials, TLS certificates and the like are not the application's
            // settings; they stay Secrets created out of band.
            draft.unmapped.push(format!(
                "{src}: Secret {name} of type {type_} (only the application's Opaque Secret maps to [secrets])"
            ));
            continue;
        }
        draft.found.insert("secrets");
        for (k, value) in secret_entries(sec) {
            let value = match value {
                SecretEntry::Text(v) => v,
                SecretEntry::Invalid(why) => {
                    draft.differences.push(format!(
                        "Secret {name}: the value of {k} {why}, so it was not read; set it where the secret values live"
                    ));
                    if NOT_SECRET.contains(&k.as_str()) {
                        continue;
                    }
                    // Declared all the same: the application reads the key, and its value has
                    // to be set again anyway.
                    required.retain(|x| x.as_str() != Some(k.as_str()));
                    optional.retain(|x| x.as_str() != Some(k.as_str()));
                    required.push(Value::String(k));
                    continue;
                }
            };
            if NOT_SECRET.contains(&k.as_str()) {
                draft.set(&format!("config.{k}"), Value::String(value));
                draft.differences.push(format!(
                    "{k} is not secret: it moves from the Secret to the ConfigMap"
                ));
                continue;
            }
            // Secret values themselves never reach the profile: only whether one is set.
            required.retain(|x| x.as_str() != Some(k.as_str()));
            optional.retain(|x| x.as_str() != Some(k.as_str()));
            if value.is_empty() {
                optional.push(Value::String(k));
            } else {
                required.push(Value::String(k));
            }
        }
    }
    if draft.found.contains("secrets") {
        draft.set("secrets.required", Value::Array(required));
        draft.set("secrets.optional", Value::Array(optional));
        draft.set("secrets.mode", Value::String("existing".into()));
        draft.differences.push(
            "secret values are not imported and never rendered: with mode = \"existing\" create the Secret out of band, or switch to external-secrets or sealed (see README)".into(),
        );
    }
}
