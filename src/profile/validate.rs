//! From a [`RawProfile`] to a [`Profile`]: every value checked, every problem collected.

use std::collections::{BTreeMap, BTreeSet};

use super::load::Loaded;
use super::model::{self, DatabaseEngine, RawProfile, StorageProvider};
use super::node::{Node, lookup, parse_path};
use super::types::{self, DnsLabel, Image, Quantity, mount_point};
use super::*;
use crate::names::MAX_APP_NAME_LEN;
use crate::report::{Diagnostic, ProfileError};
use crate::rules::{
    DERIVED_CONFIG, LABELS_WRITTEN_BY_OTHERS, RESERVED_INGRESS_ANNOTATIONS, RESERVED_LABELS,
    SINGLE_WRITER_REPLICAS, SINGLE_WRITER_WHY, backup_label_keys, is_placeholder,
};
use crate::source::Loc;

/// The most the API server accepts for one object's annotations, keys and values together.
const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

struct Checker<'a> {
    root: &'a Node,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn loc(&self, path: &str) -> Option<Loc> {
        let (node, _, _) = lookup(self.root, &parse_path(path));
        Some(node.loc.clone())
    }

    fn err(&mut self, path: &str, message: impl Into<String>) {
        let loc = self.loc(path);
        self.diagnostics.push(Diagnostic::new(loc, path, message));
    }

    fn err_help(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        let loc = self.loc(path);
        self.diagnostics
            .push(Diagnostic::new(loc, path, message).with_help(help));
    }

    /// Records the error of `r`, if any, at `path`.
    fn check<T>(&mut self, path: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(path, e);
                None
            }
        }
    }
}

/// Validates a loaded profile.
pub fn validate(loaded: Loaded, env: &BTreeMap<String, String>) -> anyhow::Result<Profile> {
    let Loaded {
        name,
        sources,
        root,
        raw,
        pending,
    } = loaded;
    let mut c = Checker {
        root: &root,
        diagnostics: pending,
    };
    let profile = check_profile(&mut c, &name, raw, env);
    // Report in reading order: file by file (the profile first, then what it extends), top
    // to bottom.
    c.diagnostics
        .sort_by_key(|d| d.loc.as_ref().map(|l| (l.file, l.span.start)));
    if c.diagnostics.is_empty() {
        Ok(profile.expect("a profile with no diagnostics is complete"))
    } else {
        Err(ProfileError {
            profile: name,
            sources,
            diagnostics: c.diagnostics,
        }
        .into())
    }
}

fn check_profile(
    c: &mut Checker<'_>,
    name: &str,
    raw: RawProfile,
    env: &BTreeMap<String, String>,
) -> Option<Profile> {
    if raw.is_abstract {
        c.err_help(
            "abstract",
            format!("profile {name} is abstract: it exists to be extended and cannot be rendered"),
            "render a profile that extends it, such as production, staging or dev",
        );
    }
    let app = check_app(c, &raw.app);
    let pull_secret = if raw.registry.pull_secret.is_empty() {
        Some(None)
    } else {
        c.check(
            "registry.pull_secret",
            types::check_subdomain(&raw.registry.pull_secret),
        )
        .map(|()| Some(raw.registry.pull_secret.clone()))
    };
    if raw.registry.host.is_empty() || raw.registry.host.contains(char::is_whitespace) {
        c.err(
            "registry.host",
            "must be a registry host name such as registry.example.com",
        );
    }

    let sqlite = raw.database.engine == DatabaseEngine::Sqlite;
    let config_keys: BTreeSet<String> = raw.config.keys().cloned().collect();
    let secret_keys: BTreeSet<String> = raw
        .secrets
        .required
        .iter()
        .chain(&raw.secrets.optional)
        .cloned()
        .collect();
    let backend = check_workload(c, "backend", &raw.backend, &config_keys, &secret_keys);
    let frontend = check_workload(c, "frontend", &raw.frontend, &config_keys, &secret_keys);
    if sqlite && raw.backend.replicas != i64::from(SINGLE_WRITER_REPLICAS) {
        c.err_help(
            "backend.replicas",
            format!(
                "must be {SINGLE_WRITER_REPLICAS} with SQLite (found {}): {SINGLE_WRITER_WHY}, so \
                 a second pod would either fail to start (Multi-Attach error) or corrupt the \
                 database",
                raw.backend.replicas
            ),
            "set backend.replicas = 1; the backend is rolled out with the Recreate strategy",
        );
    }

    let storage = check_storage(c, &raw.storage, sqlite);
    check_backend_mounts(c, &raw);
    let database_url = check_database(c, &raw.database, &raw.storage.data.mount_path);
    let secrets = check_secrets(c, &raw.secrets, &config_keys, raw.app.environment, env);
    let config = check_config(c, &raw, database_url);
    let ingress = if raw.ingress.enabled {
        check_ingress(c, &raw.ingress)
    } else {
        Some(None)
    };
    let autoscaling = if raw.autoscaling.enabled {
        check_autoscaling(c, &raw.autoscaling).map(Some)
    } else {
        Some(None)
    };
    let backup = if raw.backup.enabled {
        check_backup(c, &raw).map(Some)
    } else {
        Some(None)
    };
    let monitoring = if raw.monitoring.enabled {
        check_monitoring(c, &raw).map(Some)
    } else {
        Some(None)
    };
    let network_policy = if raw.network_policy.enabled {
        check_network_policy(c, &raw.network_policy).map(Some)
    } else {
        Some(None)
    };
    let rbac = if raw.rbac.operator {
        for (i, g) in raw.rbac.operator_groups.iter().enumerate() {
            if g.trim().is_empty() {
                c.err(
                    &format!("rbac.operator_groups[{i}]"),
                    "a group name must not be empty",
                );
            }
        }
        Some(Rbac {
            operator_groups: raw.rbac.operator_groups.clone(),
        })
    } else {
        None
    };
    let argocd = if raw.argocd.enabled {
        check_argocd(c, &raw.argocd).map(Some)
    } else {
        Some(None)
    };

    Some(Profile {
        name: name.to_string(),
        app: app?,
        pull_secret: pull_secret?,
        backend: backend?,
        frontend: frontend?,
        storage: storage?,
        config: config?,
        secrets: secrets?,
        ingress: ingress?,
        autoscaling: autoscaling?,
        backup: backup?,
        monitoring: monitoring?,
        network_policy: network_policy?,
        rbac,
        argocd: argocd?,
    })
}

fn check_app(c: &mut Checker<'_>, app: &model::App) -> Option<App> {
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
        let path = format!("app.labels.{}", super::node::join("", k));
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
        labels,
    })
}

fn check_workload(
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
    let q = |c: &mut Checker<'_>, path: String, s: &str| c.check(&path, Quantity::parse(s));
    let requests_cpu = q(
        c,
        format!("{at}.resources.requests.cpu"),
        &w.resources.requests.cpu,
    );
    let requests_mem = q(
        c,
        format!("{at}.resources.requests.memory"),
        &w.resources.requests.memory,
    );
    let limits_cpu = q(
        c,
        format!("{at}.resources.limits.cpu"),
        &w.resources.limits.cpu,
    );
    let limits_mem = q(
        c,
        format!("{at}.resources.limits.memory"),
        &w.resources.limits.memory,
    );
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
    c.check(
        &format!("{at}.probes.path"),
        types::check_http_path(&w.probes.path),
    );
    let liveness = check_probe(c, &format!("{at}.probes.liveness"), &w.probes.liveness);
    let readiness = check_probe(c, &format!("{at}.probes.readiness"), &w.probes.readiness);
    let startup = check_probe(c, &format!("{at}.probes.startup"), &w.probes.startup);
    // Every name in the container's `env` list must be unique: the API server keeps the last
    // of two entries (the first is silently lost) and server-side apply, which keys the list
    // by name, refuses the object.
    for (i, key) in w.config_keys.iter().enumerate() {
        let path = format!("{at}.config_keys[{i}]");
        if !config_keys.contains(key) && !DERIVED_CONFIG.iter().any(|(k, _)| k == key) {
            c.err(&path, format!("{key} is not a key of [config]"));
        } else if key == "PORT" {
            c.err(
                &path,
                format!("PORT is set from {at}.port; exporting the config key too would give the container two PORT variables"),
            );
        } else if w.config_keys[..i].contains(key) {
            c.err(&path, format!("{key} is listed twice"));
        }
    }
    let mut env = Vec::new();
    for (k, v) in &w.env {
        let path = format!("{at}.env.{}", super::node::join("", k));
        if k == "PORT" {
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
    Some(Workload {
        security: security?,
        image: image?,
        pull_policy: w.image_pull_policy,
        port: port?,
        replicas: replicas?,
        requests: CpuMemory {
            cpu: requests_cpu?,
            memory: requests_mem?,
        },
        limits: CpuMemory {
            cpu: limits_cpu?,
            memory: limits_mem?,
        },
        probe_path: w.probes.path.clone(),
        liveness: liveness?,
        readiness: readiness?,
        startup: startup?,
        env_from_config: w.env_from_config,
        config_keys: w.config_keys.clone(),
        all_secrets: w.all_secrets,
        env,
    })
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
fn check_backend_mounts(c: &mut Checker<'_>, raw: &RawProfile) {
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

fn check_storage(c: &mut Checker<'_>, s: &model::Storage, sqlite: bool) -> Option<Storage> {
    let longhorn = match (s.provider, &s.longhorn) {
        (StorageProvider::ClusterDefault, _) => Some(None),
        (StorageProvider::Longhorn, None) => {
            c.err_help(
                "storage.provider",
                "provider \"longhorn\" needs a [storage.longhorn] table",
                "add [storage.longhorn] with class_name, number_of_replicas, stale_replica_timeout_minutes, reclaim_policy and volume_binding_mode",
            );
            None
        }
        (StorageProvider::Longhorn, Some(l)) => check_longhorn(c, l).map(Some),
    };
    let data = check_volume(c, "storage.data", &s.data);
    let media = check_volume(c, "storage.media", &s.media);
    if sqlite && s.data.access_mode == model::AccessMode::ReadWriteMany {
        c.err(
            "storage.data.access_mode",
            "SQLite must not live on a ReadWriteMany volume: Longhorn serves those over NFS, where SQLite's file locks are unreliable and the database can be corrupted; use ReadWriteOnce",
        );
    }
    let (d, m) = (
        mount_point(&s.data.mount_path),
        mount_point(&s.media.mount_path),
    );
    if d == m || d.starts_with(&format!("{m}/")) || m.starts_with(&format!("{d}/")) {
        c.err(
            "storage.media.mount_path",
            format!(
                "{m} overlaps the data volume's mount path {d}; give each volume its own directory"
            ),
        );
    }
    Some(Storage {
        longhorn: longhorn?,
        data: data?,
        media: media?,
    })
}

fn check_longhorn(c: &mut Checker<'_>, l: &model::Longhorn) -> Option<Longhorn> {
    let class = c.check(
        "storage.longhorn.class_name",
        types::check_subdomain(&l.class_name),
    );
    let replicas = c.check(
        "storage.longhorn.number_of_replicas",
        types::parse_range(l.number_of_replicas, 1, 20, "number_of_replicas"),
    );
    let stale = c.check(
        "storage.longhorn.stale_replica_timeout_minutes",
        types::parse_range(
            l.stale_replica_timeout_minutes,
            1,
            525_600,
            "stale_replica_timeout_minutes",
        ),
    );
    for (field, tags) in [
        ("disk_selector", &l.disk_selector),
        ("node_selector", &l.node_selector),
        ("recurring_job_groups", &l.recurring_job_groups),
    ] {
        for (i, t) in tags.iter().enumerate() {
            if t.is_empty() || t.contains([',', '"', '\\']) || t.contains(char::is_whitespace) {
                c.err(
                    &format!("storage.longhorn.{field}[{i}]"),
                    format!(
                        "{t:?} is not a Longhorn tag or group name (no spaces, commas or quotes)"
                    ),
                );
            }
        }
    }
    Some(Longhorn {
        class_name: class.map(|()| l.class_name.clone())?,
        number_of_replicas: replicas?,
        stale_replica_timeout_minutes: stale?,
        disk_selector: l.disk_selector.clone(),
        node_selector: l.node_selector.clone(),
        recurring_job_groups: l.recurring_job_groups.clone(),
        reclaim_policy: l.reclaim_policy,
        volume_binding_mode: l.volume_binding_mode,
        allow_volume_expansion: l.allow_volume_expansion,
    })
}

fn check_volume(c: &mut Checker<'_>, at: &str, v: &model::Volume) -> Option<Volume> {
    let size = c.check(&format!("{at}.size"), Quantity::parse(&v.size));
    if let Some(s) = &size
        && s.value() < 1.0
    {
        c.err(
            &format!("{at}.size"),
            format!("{} is not a usable volume size", s.as_str()),
        );
    }
    let path_ok = v.mount_path.starts_with('/')
        && v.mount_path != "/"
        && !v.mount_path.contains(':')
        && !v.mount_path.split('/').any(|p| p == "..");
    if !path_ok {
        c.err(
            &format!("{at}.mount_path"),
            format!(
                "{:?} must be an absolute directory other than / (no '..', no ':')",
                v.mount_path
            ),
        );
    }
    Some(Volume {
        size: size?,
        access_mode: v.access_mode,
        mount_path: v.mount_path.trim_end_matches('/').to_string(),
    })
}

fn check_database(c: &mut Checker<'_>, db: &model::Database, data_mount: &str) -> Option<String> {
    let driver_ok = db.driver == "sqlite" || db.driver.starts_with("sqlite+");
    if !driver_ok {
        c.err("database.driver", format!("{:?} is not a SQLAlchemy SQLite driver (sqlite, sqlite+aiosqlite, sqlite+pysqlite)", db.driver));
    }
    let file_ok =
        !db.file.is_empty() && !db.file.contains(['/', '\\']) && db.file != "." && db.file != "..";
    if !file_ok {
        c.err(
            "database.file",
            format!(
                "{:?} must be a plain file name; it is placed in the data volume",
                db.file
            ),
        );
    }
    // SQLAlchemy reads the path after the third slash, so an absolute path needs four:
    // `sqlite+aiosqlite:////app/data/magnetiq.db`. The design document's three-slash URL is
    // relative to the working directory and lands outside the volume.
    (driver_ok && file_ok).then(|| {
        format!(
            "{}:///{}/{}",
            db.driver,
            data_mount.trim_end_matches('/'),
            db.file
        )
    })
}

fn check_secrets(
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
    let strict = environment != Environment::Development;
    let mode = s.mode;
    // A table for another mode is not an error: a profile that extends production may
    // switch modes while production's [secrets.external] is still inherited.
    let source = match mode {
        model::SecretsMode::Existing => SecretSource::Existing,
        model::SecretsMode::ExternalSecrets => {
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
            SecretSource::External {
                store: x.store.clone(),
                store_kind: x.store_kind,
                remote_key: x.remote_key.clone(),
                refresh_interval: x.refresh_interval.clone(),
            }
        }
        model::SecretsMode::Sealed => {
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
                let path = format!("secrets.sealed.encrypted.{}", super::node::join("", k));
                if !seen.contains(k) {
                    c.err(
                        &path,
                        format!("{k} is not declared in secrets.required or secrets.optional"),
                    );
                } else if v.trim().is_empty() {
                    c.err(
                        &path,
                        format!(
                            "the value of {k} is empty; seal the real value with kubeseal --raw"
                        ),
                    );
                } else if !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
                    || v.len() < 16
                {
                    c.err(
                        &path,
                        format!(
                            "the value of {k} is not a kubeseal --raw output (base64 ciphertext)"
                        ),
                    );
                }
            }
            SecretSource::Sealed {
                scope: x.scope,
                encrypted: x
                    .encrypted
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            }
        }
        model::SecretsMode::Inline => {
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
            if let Some((total, largest)) =
                oversized(values.iter().map(|(k, v)| (k.as_str(), v.len())))
            {
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
    };
    Some(Secrets {
        required: s.required.clone(),
        optional: s.optional.clone(),
        source,
        reloader: s.reloader,
    })
}

fn check_config(
    c: &mut Checker<'_>,
    raw: &RawProfile,
    database_url: Option<String>,
) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in &raw.config {
        let path = format!("config.{}", super::node::join("", k));
        if let Some((_, from)) = DERIVED_CONFIG.iter().find(|(d, _)| d == k) {
            c.err(
                &path,
                format!("{k} is derived from {from}; set that instead"),
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
    out.insert("DATABASE_URL".into(), database_url?);
    if let Some((total, largest)) = oversized(out.iter().map(|(k, v)| (k.as_str(), v.len()))) {
        let path = match largest[0].0 {
            "APP_NAME" => "app.display_name".to_string(),
            "VERSION" => "app.version".to_string(),
            "DATABASE_URL" => "storage.data.mount_path".to_string(),
            k => format!("config.{}", super::node::join("", k)),
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
const MAX_DATA_BYTES: usize = 1024 * 1024;

/// When the values total more than [`MAX_DATA_BYTES`]: the total, and the largest entries
/// (at most five), largest first, which together bring the total over the limit.
fn oversized<'a>(
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
fn sizes(entries: &[(&str, usize)]) -> String {
    entries
        .iter()
        .map(|(k, n)| format!("{k} ({n} bytes)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_ingress(c: &mut Checker<'_>, i: &model::Ingress) -> Option<Option<Ingress>> {
    c.check(
        "ingress.class_name",
        DnsLabel::parse(&i.class_name).map(|_| ()),
    );
    c.check("ingress.host", types::check_host(&i.host));
    let tls_issuer = if i.tls {
        if i.cluster_issuer.is_empty() {
            c.err(
                "ingress.cluster_issuer",
                "TLS is on, so a cert-manager ClusterIssuer must be named",
            );
        } else {
            c.check(
                "ingress.cluster_issuer",
                types::check_subdomain(&i.cluster_issuer),
            );
        }
        Some(i.cluster_issuer.clone())
    } else {
        None
    };
    let size_ok = {
        let digits = i
            .proxy_body_size
            .trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && i.proxy_body_size.len() - digits.len() <= 1
    };
    if !size_ok {
        c.err("ingress.proxy_body_size", format!("{:?} is not an nginx size; write a number with an optional k, m or g suffix, like 50m", i.proxy_body_size));
    }
    let timeout = c.check(
        "ingress.proxy_timeout_seconds",
        types::parse_range(i.proxy_timeout_seconds, 1, 3600, "proxy_timeout_seconds"),
    );
    let mut seen = BTreeSet::new();
    for (n, p) in i.backend_paths.iter().enumerate() {
        let path = format!("ingress.backend_paths[{n}].path");
        if let Err(e) = types::check_http_path(&p.path) {
            c.err(&path, e);
        } else if p.path == "/" {
            c.err(
                &path,
                "\"/\" belongs to the frontend; route only the backend's own paths here",
            );
        } else if !seen.insert(p.path.clone()) {
            c.err(&path, format!("{} is routed twice", p.path));
        }
    }
    let mut annotations = BTreeMap::new();
    for (k, v) in &i.annotations {
        let path = format!("ingress.annotations.{}", super::node::join("", k));
        if k == "nginx.ingress.kubernetes.io/rewrite-target" {
            c.err_help(
                &path,
                "rewrite-target applies to every path of the Ingress: with \"/\" every API call and every frontend asset would reach the pods as \"/\"",
                "remove it; the backend serves /api, /docs and /health under their own paths",
            );
            continue;
        }
        if let Some((_, setting)) = RESERVED_INGRESS_ANNOTATIONS
            .iter()
            .find(|(key, _)| key == k)
        {
            c.err_help(
                &path,
                format!("{k} conflicts with what magnetiq-gen renders from {setting}; a value here would be replaced or refused"),
                format!("remove it and set {setting} instead"),
            );
            continue;
        }
        if let Err(e) = types::check_label_key(k) {
            c.err(&path, format!("not an annotation key: {e}"));
        }
        annotations.insert(k.clone(), v.clone());
    }
    // The API server refuses an object whose annotations, keys and values together, exceed
    // 256 KiB. Counting every reserved key with its longest value over-counts by a few bytes.
    let generated: usize = RESERVED_INGRESS_ANNOTATIONS
        .iter()
        .map(|(k, _)| k.len())
        .sum::<usize>()
        + i.proxy_body_size.len()
        + 2 * i.proxy_timeout_seconds.to_string().len()
        + i.cluster_issuer.len()
        + i.class_name.len()
        + "true".len();
    let total = generated
        + annotations
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
    if total > MAX_ANNOTATIONS_BYTES
        && let Some((largest, _)) = annotations.iter().max_by_key(|(k, v)| k.len() + v.len())
    {
        c.err(
            &format!("ingress.annotations.{}", super::node::join("", largest)),
            format!(
                "the Ingress's annotations would take {total} bytes, above the {MAX_ANNOTATIONS_BYTES} the API server accepts; {largest} is the largest"
            ),
        );
    }
    Some(Some(Ingress {
        class_name: i.class_name.clone(),
        host: i.host.clone(),
        tls_issuer,
        proxy_body_size: i.proxy_body_size.clone(),
        proxy_timeout_seconds: timeout?,
        backend_paths: i
            .backend_paths
            .iter()
            .map(|p| (p.path.clone(), p.path_type))
            .collect(),
        annotations,
    }))
}

fn check_backup(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Backup> {
    let b = &raw.backup;
    if raw.storage.provider != StorageProvider::Longhorn {
        c.err(
            "backup.enabled",
            "backups are Longhorn RecurringJobs; storage.provider is not \"longhorn\"",
        );
    }
    c.check("backup.cron", types::check_cron(&b.cron));
    let retain = c.check(
        "backup.retain",
        types::parse_range(b.retain, 1, 100, "retain (backups kept)"),
    );
    c.check("backup.group", DnsLabel::parse(&b.group).map(|_| ()));
    c.check(
        "backup.longhorn_namespace",
        DnsLabel::parse(&b.longhorn_namespace).map(|_| ()),
    );
    // The claims carry these labels to join the backup group; a profile label of the same
    // key on every object would be replaced on the claims.
    for key in backup_label_keys(&b.group) {
        if raw.app.labels.contains_key(&key) {
            c.err(
                &format!("app.labels.{}", super::node::join("", &key)),
                format!("{key} is written on the volume claims by magnetiq-gen from [backup]; a value here would conflict with it"),
            );
        }
    }
    let name = format!("{}-backup", raw.app.namespace);
    if name.len() > 40 {
        c.err("app.namespace", format!("the backup job's name {name} is longer than the 40 characters Longhorn allows; shorten the namespace or disable [backup]"));
    }
    Some(Backup {
        name,
        cron: b.cron.clone(),
        retain: retain?,
        group: b.group.clone(),
        longhorn_namespace: b.longhorn_namespace.clone(),
    })
}

fn check_monitoring(c: &mut Checker<'_>, raw: &RawProfile) -> Option<Monitoring> {
    let m = &raw.monitoring;
    c.check("monitoring.path", types::check_http_path(&m.path));
    let port = c.check("monitoring.port", types::parse_port(m.port));
    if m.port == raw.backend.port {
        c.err("monitoring.port", format!("{} is also the backend Service's http port; a Service cannot expose one port number twice", m.port));
    }
    let container_port = if m.container_port == 0 {
        Some(None)
    } else {
        let p = c.check(
            "monitoring.container_port",
            types::parse_port(m.container_port),
        );
        if p == Some(raw.backend.port as i32) {
            c.err(
                "monitoring.container_port",
                "this is the backend's own port; use 0 to scrape it there",
            );
        }
        p.map(Some)
    };
    let interval_ok = m.interval.ends_with(['s', 'm'])
        && m.interval[..m.interval.len() - 1]
            .parse::<u32>()
            .is_ok_and(|n| n > 0);
    if !interval_ok {
        c.err(
            "monitoring.interval",
            format!(
                "{:?} is not a scrape interval such as 30s or 1m",
                m.interval
            ),
        );
    }
    c.check(
        "monitoring.prometheus_namespace",
        DnsLabel::parse(&m.prometheus_namespace).map(|_| ()),
    );
    for (k, v) in &m.labels {
        let path = format!("monitoring.labels.{}", super::node::join("", k));
        if RESERVED_LABELS.contains(&k.as_str()) {
            // The ServiceMonitor's labels are the backend's plus these: a value here would
            // silently replace the one magnetiq-gen derives from [app].
            c.err(
                &path,
                format!("{k} is set by magnetiq-gen from [app] and cannot be overridden"),
            );
        } else if let Err(e) = types::check_label_key(k).and_then(|()| types::check_label_value(v))
        {
            c.err(&path, e);
        }
    }
    Some(Monitoring {
        path: m.path.clone(),
        container_port: container_port?,
        port: port?,
        interval: m.interval.clone(),
        prometheus_namespace: m.prometheus_namespace.clone(),
        labels: m
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

fn check_autoscaling(c: &mut Checker<'_>, a: &model::Autoscaling) -> Option<Autoscaling> {
    let min = c.check(
        "autoscaling.min_replicas",
        types::parse_range(a.min_replicas, 1, 1000, "min_replicas"),
    );
    let max = c.check(
        "autoscaling.max_replicas",
        types::parse_range(a.max_replicas, 1, 1000, "max_replicas"),
    );
    let target = c.check(
        "autoscaling.target_cpu_utilization",
        types::parse_range(
            a.target_cpu_utilization,
            1,
            1000,
            "target_cpu_utilization (percent of the CPU request)",
        ),
    );
    if let (Some(min), Some(max)) = (min, max)
        && max < min
    {
        c.err(
            "autoscaling.max_replicas",
            format!("{max} is below min_replicas ({min})"),
        );
    }
    Some(Autoscaling {
        min_replicas: min?,
        max_replicas: max?,
        target_cpu_utilization: target?,
    })
}

fn check_network_policy(c: &mut Checker<'_>, n: &model::NetworkPolicy) -> Option<NetworkPolicy> {
    c.check(
        "network_policy.ingress_controller_namespace",
        DnsLabel::parse(&n.ingress_controller_namespace).map(|_| ()),
    );
    c.check(
        "network_policy.dns_namespace",
        DnsLabel::parse(&n.dns_namespace).map(|_| ()),
    );
    let mut ports = Vec::new();
    for (i, p) in n.backend_egress_ports.iter().enumerate() {
        if let Some(p) = c.check(
            &format!("network_policy.backend_egress_ports[{i}]"),
            types::parse_port(*p),
        ) {
            ports.push(p);
        }
    }
    Some(NetworkPolicy {
        ingress_controller_namespace: n.ingress_controller_namespace.clone(),
        dns_namespace: n.dns_namespace.clone(),
        backend_egress_ports: ports,
    })
}

fn check_argocd(c: &mut Checker<'_>, a: &model::Argocd) -> Option<Argocd> {
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
    c.check("argocd.repo_url", types::check_repo_url(&a.repo_url));
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
        repo_url: a.repo_url.clone(),
        target_revision: a.target_revision.clone(),
        path: a.path.trim_end_matches('/').to_string(),
        destination_server: a.destination_server.clone(),
        automated: a.automated,
        prune: a.prune,
        self_heal: a.self_heal,
    })
}
