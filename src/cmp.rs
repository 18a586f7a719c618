//! The ArgoCD Config Management Plugin (v2, sidecar) contract: what `cmp generate` reads
//! from the environment the cmp-server sets.
//!
//! Parameters set on the Application reach the command twice: as `ARGOCD_APP_PARAMETERS`
//! (a JSON array of `{"name": ..., "string"|"array"|"map": ...}`) and as `PARAM_<NAME>`
//! variables (arrays as `PARAM_<NAME>_<i>`). `spec.source.plugin.env` entries arrive with
//! an `ARGOCD_ENV_` prefix. Unset values may arrive as empty or as the literal `null`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// What to render, as read from the plugin environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The profile name.
    pub profile: String,
    /// `key.path=value` overrides from the `set` parameter.
    pub overrides: Vec<String>,
    /// The profiles directory, relative to the application's source directory.
    pub profiles_dir: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<serde_json::Value>,
}

fn present(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s != "null")
}

/// Reads the request from the plugin's environment variables.
pub fn request(env: &BTreeMap<String, String>) -> crate::Result<Request> {
    let params: Vec<Parameter> = match present(env.get("ARGOCD_APP_PARAMETERS")) {
        Some(json) => serde_json::from_str(&json).map_err(|e| crate::Error::Context {
            message: "ARGOCD_APP_PARAMETERS is not the JSON array of parameters ArgoCD sends"
                .into(),
            source: Box::new(crate::Error::Input(e.to_string())),
        })?,
        None => Vec::new(),
    };
    for p in &params {
        match (p.name.as_str(), p.string.is_some(), p.array.is_some()) {
            ("profile", true, false) | ("set", false, true) if p.map.is_none() => {}
            ("profile", ..) => {
                crate::fail!(
                    Input,
                    "plugin parameter `profile` must be a string (\"string\": \"production\")"
                )
            }
            ("set", ..) => crate::fail!(
                Input,
                "plugin parameter `set` must be an array of key.path=value (\"array\": [...])"
            ),
            (other, ..) => {
                crate::fail!(
                    Input,
                    "unknown plugin parameter `{other}`; the plugin takes `profile` and `set`"
                )
            }
        }
        if params.iter().filter(|q| q.name == p.name).count() > 1 {
            crate::fail!(Input, "plugin parameter `{}` is given twice", p.name);
        }
    }
    let param = |name: &str| params.iter().find(|p| p.name == name);
    let profile = param("profile")
        .and_then(|p| present(p.string.as_ref()))
        .or_else(|| present(env.get("PARAM_PROFILE")))
        .or_else(|| present(env.get("ARGOCD_ENV_PROFILE")));
    let Some(profile) = profile else {
        crate::fail!(
            Input,
            "no profile to render: set the plugin parameter `profile` on the Application \
             (spec.source.plugin.parameters) or the plugin env entry PROFILE (spec.source.plugin.env)"
        );
    };
    let overrides = match param("set").and_then(|p| p.array.clone()) {
        Some(list) => list,
        None => (0..)
            .map_while(|i| env.get(&format!("PARAM_SET_{i}")).cloned())
            .collect(),
    };
    let overrides = overrides
        .into_iter()
        .filter(|s| !s.trim().is_empty() && s != "null")
        .collect();
    let profiles_dir =
        present(env.get("ARGOCD_ENV_PROFILES_DIR")).unwrap_or_else(|| "profiles".into());
    // The repo-server checks other applications' repositories out next to this one: a
    // profiles directory must stay inside the application's own source directory.
    let inside = std::path::Path::new(&profiles_dir).components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if !inside {
        crate::fail!(
            Input,
            "plugin env entry PROFILES_DIR must be a relative path inside the application's source directory, \
             found {profiles_dir:?}"
        );
    }
    Ok(Request {
        profile,
        overrides,
        profiles_dir: PathBuf::from(profiles_dir),
    })
}

/// The sidecar's setting (an env entry on the sidecar container, which Applications cannot
/// set: theirs arrive prefixed `ARGOCD_ENV_`) listing the namespaces that may receive `inline`
/// secrets from the sidecar's own `MAGNETIQ_SECRET_*` variables.
pub const INLINE_NAMESPACES_ENV: &str = "MAGNETIQ_PLUGIN_INLINE_NAMESPACES";

/// Whether an environment variable is one `cmp generate` reads.
pub fn is_plugin_variable(name: &str) -> bool {
    name.starts_with("ARGOCD_") || name.starts_with("PARAM_") || name == INLINE_NAMESPACES_ENV
}

/// Refuses a render that carries `inline` secret values unless every namespace they go to is
/// on the sidecar's allow-list.
///
/// The plugin serves every Application that names it, and any of them can pass
/// `set: [secrets.mode=inline, app.namespace=theirs]`: without this check, the values in the
/// sidecar's environment would be rendered into whichever namespace asked. ArgoCD's own advice
/// is to keep secrets out of generated manifests; the allow-list exists for a sidecar that
/// serves one team, and it relies on AppProject destinations to stop other teams deploying
/// into those namespaces.
pub fn check_inline_allowed(
    env: &BTreeMap<String, String>,
    manifest: &crate::Manifest,
) -> crate::Result<()> {
    let allowed: Vec<&str> = env
        .get(INLINE_NAMESPACES_ENV)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut namespaces: Vec<&str> = manifest
        .objects_in_apply_order()
        .into_iter()
        .filter(|o| o.kind() == "Secret")
        .filter_map(|o| o.metadata().namespace.as_deref())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let refused: Vec<&str> = namespaces
        .iter()
        .copied()
        .filter(|ns| !allowed.contains(ns))
        .collect();
    if !refused.is_empty() {
        crate::fail!(
            Input,
            "refusing to render inline secret values into namespace {} through the plugin: the plugin serves every \
             Application that names it, so any of them could ask for the sidecar's secrets. Use secrets.mode \
             \"external-secrets\" or \"sealed\", or list the namespace in {INLINE_NAMESPACES_ENV} on the sidecar \
             container (only for a sidecar that serves one team, with AppProject destinations fencing that namespace)",
            refused.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_profile_parameter_wins_over_the_env_entry() {
        let r = request(&env(&[
            ("ARGOCD_APP_PARAMETERS", r#"[{"name":"profile","string":"staging"},{"array":["app.version=2.0.1"],"name":"set"}]"#),
            ("ARGOCD_ENV_PROFILE", "production"),
        ]))
        .unwrap();
        assert_eq!(r.profile, "staging");
        assert_eq!(r.overrides, vec!["app.version=2.0.1"]);
        assert_eq!(r.profiles_dir, PathBuf::from("profiles"));
    }

    #[test]
    fn null_and_empty_parameters_fall_back_to_the_env_entry() {
        let r = request(&env(&[
            ("ARGOCD_APP_PARAMETERS", "null"),
            ("PARAM_PROFILE", ""),
            ("ARGOCD_ENV_PROFILE", "dev"),
        ]))
        .unwrap();
        assert_eq!(r.profile, "dev");
        let r = request(&env(&[
            ("PARAM_PROFILE", "null"),
            ("ARGOCD_ENV_PROFILE", "dev"),
            ("PARAM_SET_0", "a.b=1"),
            ("PARAM_SET_1", "c=2"),
        ]))
        .unwrap();
        assert_eq!((r.profile.as_str(), r.overrides.len()), ("dev", 2));
    }

    #[test]
    fn malformed_parameters_are_refused_not_ignored() {
        for params in [
            r#"[{"name":"set","string":"app.version=3"}]"#,
            r#"[{"name":"profile","array":["x"]}]"#,
            r#"[{"name":"prfile","string":"x"}]"#,
            r#"[{"name":"profile","string":"a"},{"name":"profile","string":"b"}]"#,
        ] {
            assert!(
                request(&env(&[("ARGOCD_APP_PARAMETERS", params)])).is_err(),
                "{params}"
            );
        }
    }

    #[test]
    fn a_profiles_dir_outside_the_source_directory_is_refused() {
        for dir in ["../other-app/profiles", "/etc", "profiles/../../x"] {
            let e = request(&env(&[
                ("ARGOCD_ENV_PROFILE", "dev"),
                ("ARGOCD_ENV_PROFILES_DIR", dir),
            ]))
            .unwrap_err()
            .to_string();
            assert!(e.contains("PROFILES_DIR"), "{dir}: {e}");
        }
        let ok = request(&env(&[
            ("ARGOCD_ENV_PROFILE", "dev"),
            ("ARGOCD_ENV_PROFILES_DIR", "deploy/profiles"),
        ]));
        assert!(ok.is_ok());
    }

    #[test]
    fn no_profile_anywhere_is_an_error_that_says_where_to_set_it() {
        let e = request(&env(&[("ARGOCD_APP_NAME", "magnetiq")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("spec.source.plugin.parameters"), "{e}");
    }
}
