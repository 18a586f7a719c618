//! `[backend]` and `[frontend]`: image, port, replicas, resources, probes, environment and security context.

use std::collections::BTreeSet;

use super::Checker;
use crate::profile::model::{self, RawProfile};
use crate::profile::node::join;
use crate::profile::types::HttpPath;
use crate::profile::types::{self, Image, Quantity, mount_point};
use crate::profile::*;
use crate::rules::{DERIVED_CONFIG, PORT_ENV};

pub(super) fn check_workload(
    c: &mut Checker<'_>,
    at: &str,
    w: &model::Workload,
    config_keys: &BTreeSet<String>,
    secret_keys: &BTreeSet<String>,
) -> Option<Workload> {
    let image = c.check(&format!("{at}.image"), Image::parse(&w.image));
    let port = c.check(&format!("{at}.port"), types::parse_port(w.port));
    let replicas = c.check(
        &format!("{at}.replicas"),
        types::parse_range(w.replicas, 1, 1000, "replicas"),
    );
    let resources = check_resources(c, at, &w.resources);
    let probe_path = c.check(
        &format!("{at}.probes.path"),
        HttpPath::parse(&w.probes.path),
    );
    let liveness = check_probe(c, &format!("{at}.probes.liveness"), &w.probes.liveness);
    let readiness = check_probe(c, &format!("{at}.probes.readiness"), &w.probes.readiness);
    let startup = check_probe(c, &format!("{at}.probes.startup"), &w.probes.startup);
    // Every name in the container's `env` list must be unique: the API server keeps the last
    // of two entries (the first is silently lost) and server-side apply, which keys the list
    // by name, refuses the object.
    for (i, key) in w.config_keys.iter().enumerate() {
        let path = format!("{at}.config_keys[{i}]");
        if key == PORT_ENV {
            c.err(
                &path,
                format!("PORT is set from {at}.port; exporting the config key too would give the container two PORT variables"),
            );
        } else if !config_keys.contains(key) && !DERIVED_CONFIG.iter().any(|(k, _)| k == key) {
            c.err(&path, format!("{key} is not a key of [config]"));
        } else if w.config_keys[..i].contains(key) {
            c.err(&path, format!("{key} is listed twice"));
        }
    }
    let mut env = Vec::new();
    for (k, v) in &w.env {
        let path = join(&format!("{at}.env"), k);
        if k == PORT_ENV {
            c.err(
                &path,
                format!("PORT is set from {at}.port; set that instead"),
            );
        } else if secret_keys.contains(k) {
            c.err(
                &path,
                format!("{k} is a secret key; a literal value here would shadow the Secret"),
            );
        } else if w.config_keys.contains(k) {
            c.err(
                &path,
                format!("{k} is also exported from the ConfigMap by {at}.config_keys; the container would get two {k} variables and keep only the last, so remove one of them"),
            );
        } else if let Err(e) = types::check_env_name(k) {
            c.err(&path, e);
        }
        env.push((k.clone(), v.clone()));
    }
    let security = check_security(c, at, &w.security);
    let runtime_config = match &w.runtime_config {
        None => Some(None),
        Some(r) => check_runtime_config(c, at, r).map(Some),
    };
    Some(Workload {
        runtime_config: runtime_config?,
        security: security?,
        image: image?,
        pull_policy: w.image_pull_policy,
        port: port?,
        replicas: replicas?,
        requests: resources.clone()?.0,
        limits: resources?.1,
        probe_path: probe_path?,
        liveness: liveness?,
        readiness: readiness?,
        startup: startup?,
        env_from_config: w.env_from_config,
        config_keys: w.config_keys.clone(),
        all_secrets: w.all_secrets,
        env,
    })
}

/// `resources` of a container at `at`: four quantities, requests above zero and not above
/// their limits. Returns (requests, limits).
pub(super) fn check_resources(
    c: &mut Checker<'_>,
    at: &str,
    r: &model::Resources,
) -> Option<(CpuMemory, CpuMemory)> {
    let w = r;
    let q = |c: &mut Checker<'_>, path: String, s: &str| c.check(&path, Quantity::parse(s));
    let requests_cpu = q(c, format!("{at}.resources.requests.cpu"), &w.requests.cpu);
    let requests_mem = q(
        c,
        format!("{at}.resources.requests.memory"),
        &w.requests.memory,
    );
    let limits_cpu = q(c, format!("{at}.resources.limits.cpu"), &w.limits.cpu);
    let limits_mem = q(c, format!("{at}.resources.limits.memory"), &w.limits.memory);
    for (what, req, lim) in [
        ("cpu", &requests_cpu, &limits_cpu),
        ("memory", &requests_mem, &limits_mem),
    ] {
        if let (Some(req), Some(lim)) = (req, lim)
            && req.value() > lim.value()
        {
            c.err(
                &format!("{at}.resources.requests.{what}"),
                format!(
                    "request {} is above the limit {}; Kubernetes rejects a pod whose request exceeds its limit",
                    req.as_str(),
                    lim.as_str()
                ),
            );
        }
    }
    for (what, q) in [("cpu", &requests_cpu), ("memory", &requests_mem)] {
        if let Some(q) = q
            && q.value() <= 0.0
        {
            c.err(
                &format!("{at}.resources.requests.{what}"),
                "must be above zero",
            );
        }
    }
    Some((
        CpuMemory {
            cpu: requests_cpu?,
            memory: requests_mem?,
        },
        CpuMemory {
            cpu: limits_cpu?,
            memory: limits_mem?,
        },
    ))
}

fn check_security(c: &mut Checker<'_>, at: &str, s: &model::Security) -> Option<Security> {
    for (key, id) in [
        ("run_as_user", s.run_as_user),
        ("run_as_group", s.run_as_group),
        ("fs_group", s.fs_group),
    ] {
        let path = format!("{at}.security.{key}");
        if id == 0 {
            c.err_help(
                &path,
                "0 is root; the pods run with runAsNonRoot, which refuses to start a root container",
                "use a fixed high ID such as 10001",
            );
        } else if !(1..=2_147_483_647).contains(&id) {
            c.err(
                &path,
                format!("{id} is not a valid Linux ID (1 to 2147483647)"),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for (i, p) in s.writable_paths.iter().enumerate() {
        let path = format!("{at}.security.writable_paths[{i}]");
        if !p.starts_with('/') || p == "/" || p.split('/').any(|x| x == "..") {
            c.err(
                &path,
                format!("{p:?} must be an absolute directory other than /"),
            );
        } else if !seen.insert(mount_point(p)) {
            c.err(
                &path,
                format!("{p} is listed twice; each entry becomes a volume mount, and a container cannot mount two volumes at one path"),
            );
        }
    }
    Some(Security {
        run_as_user: s.run_as_user,
        run_as_group: s.run_as_group,
        fs_group: s.fs_group,
        read_only_root_filesystem: s.read_only_root_filesystem,
        writable_paths: s
            .writable_paths
            .iter()
            .map(|p| p.trim_end_matches('/').to_string())
            .collect(),
    })
}

/// The backend mounts the data and media volumes; a writable path at either mount path would
/// give its container two volume mounts at one path, which the API server refuses
/// ("must be unique").
pub(super) fn check_backend_mounts(c: &mut Checker<'_>, raw: &RawProfile) {
    let volumes = [
        ("storage.data.mount_path", &raw.storage.data.mount_path),
        ("storage.media.mount_path", &raw.storage.media.mount_path),
    ];
    for (i, p) in raw.backend.security.writable_paths.iter().enumerate() {
        for (key, mount) in volumes {
            if mount_point(p) == mount_point(mount) {
                c.err_help(
                    &format!("backend.security.writable_paths[{i}]"),
                    format!("{p} is also the mount path of a volume ({key}); a container cannot mount two volumes at one path"),
                    "remove the entry: the volume is writable already",
                );
            }
        }
    }
}

fn check_probe(c: &mut Checker<'_>, at: &str, p: &model::Probe) -> Option<Probe> {
    let initial_delay_seconds = c.check(
        &format!("{at}.initial_delay_seconds"),
        types::parse_range(p.initial_delay_seconds, 0, 3600, "initial_delay_seconds"),
    );
    let period_seconds = c.check(
        &format!("{at}.period_seconds"),
        types::parse_range(p.period_seconds, 1, 3600, "period_seconds"),
    );
    let timeout_seconds = c.check(
        &format!("{at}.timeout_seconds"),
        types::parse_range(p.timeout_seconds, 1, 3600, "timeout_seconds"),
    );
    let failure_threshold = c.check(
        &format!("{at}.failure_threshold"),
        types::parse_range(p.failure_threshold, 1, 1000, "failure_threshold"),
    );
    Some(Probe {
        initial_delay_seconds: initial_delay_seconds?,
        period_seconds: period_seconds?,
        timeout_seconds: timeout_seconds?,
        failure_threshold: failure_threshold?,
    })
}

/// `[frontend.runtime_config]`: a file the frontend's bundle fetches, stored as one key of a
/// ConfigMap and mounted by `subPath` (so the directory's other files, the bundle, stay).
fn check_runtime_config(
    c: &mut Checker<'_>,
    at: &str,
    r: &model::RuntimeConfig,
) -> Option<RuntimeConfigFile> {
    let here = format!("{at}.runtime_config");
    if at != "frontend" {
        c.err(
            &here,
            "only the frontend, a static bundle, reads a runtime configuration file; the backend reads its settings from the environment ([config], [secrets])",
        );
        return None;
    }
    let path_at = format!("{here}.path");
    let file_name = r.path.rsplit('/').next().unwrap_or_default();
    // A ConfigMap key: letters, digits, '-', '_' and '.' (and not "." or "..").
    let key_ok = !file_name.is_empty()
        && file_name != "."
        && file_name != ".."
        && file_name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
    if !r.path.starts_with('/') || r.path.contains(':') || r.path.split('/').any(|p| p == "..") {
        c.err(
            &path_at,
            format!(
                "{:?} must be an absolute file path (no '..', no ':')",
                r.path
            ),
        );
        return None;
    }
    if !key_ok {
        c.err(
            &path_at,
            format!(
                "the file name {file_name:?} must consist of letters, digits, '-', '_' and '.': it is the key the file is stored under in a ConfigMap"
            ),
        );
        return None;
    }
    let mut ok = true;
    for k in r.values.keys() {
        if k.trim().is_empty() {
            c.err(&here, "a runtime configuration key must not be empty");
            ok = false;
        }
    }
    let json = serde_json::to_string_pretty(&r.values).ok()? + "\n";
    ok.then(|| RuntimeConfigFile {
        path: r.path.clone(),
        file_name: file_name.to_string(),
        json,
    })
}
