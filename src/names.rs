//! The one owner of every derived object name.
//!
//! Names are `<app.name><suffix>`. The suffixes are fixed here, and `MAX_APP_NAME_LEN` is
//! computed from the longest one, so a validated `app.name` gives names that always fit
//! the 63-character limit of a Service name (an RFC 1035 label); a compile-time check
//! keeps the arithmetic honest when a suffix is added.

const SUFFIXES: [&str; 26] = [
    "-config",
    "-secrets",
    "-backend",
    "-frontend",
    "-data-pvc",
    "-media-pvc",
    "-ingress",
    "-tls",
    "-operator",
    "-route",
    "-redirect",
    "-gateway",
    "-gw-tls",
    "-body-size",
    "-timeouts",
    "-smoke",
    "-db",
    "-db-rw",
    "-db-app",
    "-db-pooler",
    "-db-store",
    "-migrate",
    "-alerts",
    "-backups",
    "-db-backup",
    "-db-drill",
];

const fn longest_suffix() -> usize {
    let mut i = 0;
    let mut max = 0;
    while i < SUFFIXES.len() {
        if SUFFIXES[i].len() > max {
            max = SUFFIXES[i].len();
        }
        i += 1;
    }
    max
}

/// Longest `app.name` whose derived names all fit in 63 characters.
pub const MAX_APP_NAME_LEN: usize = 63 - longest_suffix();

const _: () = assert!(
    MAX_APP_NAME_LEN >= 20,
    "suffixes leave too little room for app.name"
);

/// Longest `app.environment_name`: room for it in `magnetiq-v2-<name>-backup` (Longhorn's
/// 40-character job names) and `longhorn-ssd-<name>`.
pub const MAX_ENVIRONMENT_NAME_LEN: usize = 20;

/// The name of the app-of-apps root Application of `render --all`, from the repository it
/// reads (`repo_url`, may be empty) and the output directory (relative to the repository,
/// "." for its root): `magnetiq-gen-<repository>-<directory>`, lowercase, other characters as
/// `-`. Two `render --all` outputs on one cluster (another directory, another repository)
/// get roots of their own instead of replacing each other's. At most 63 characters (ArgoCD
/// writes the name into a label): a longer one keeps its start and ends in a hash of the
/// whole, so it stays unique and the same on every machine.
pub fn root_application(repo_url: &str, out_dir: &str) -> String {
    let repo = repo_url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit(['/', ':'])
        .next()
        .unwrap_or_default();
    let mut raw = String::from("magnetiq-gen");
    for part in [repo, out_dir] {
        if !part.is_empty() && part != "." {
            raw.push('-');
            raw.push_str(part);
        }
    }
    let mut name = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    let name = name.trim_end_matches('-').to_string();
    if name.len() <= 63 {
        return name;
    }
    // FNV-1a: stable across machines and Rust versions, unlike std's hasher.
    let hash = raw.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let suffix = format!("-{:08x}", hash as u32);
    format!(
        "{}{suffix}",
        name[..63 - suffix.len()].trim_end_matches('-')
    )
}

/// Every name derived from a profile.
#[derive(Debug, Clone)]
pub struct Names {
    /// The namespace.
    pub namespace: String,
    /// The ConfigMap.
    pub config: String,
    /// The Secret.
    pub secrets: String,
    /// Backend Deployment, Service, ServiceAccount, NetworkPolicy.
    pub backend: String,
    /// Frontend Deployment, Service, ServiceAccount, NetworkPolicy, HPA.
    pub frontend: String,
    /// Database PVC.
    pub data_pvc: String,
    /// Media PVC.
    pub media_pvc: String,
    /// The Ingress.
    pub ingress: String,
    /// The TLS Secret cert-manager fills.
    pub tls: String,
    /// Operator Role, RoleBinding and ServiceAccount.
    pub operator: String,
    /// The HTTPRoute to the workloads.
    pub route: String,
    /// The redirect from HTTP to HTTPS: the HTTPRoute that does it (with an own Gateway), or
    /// with Traefik the Middleware and the plain-HTTP Ingress that uses it (other kinds, so
    /// one name serves).
    pub redirect: String,
    /// The Gateway this deployment owns, if it owns one.
    pub gateway: String,
    /// The TLS Secret of that Gateway's HTTPS listener: not the Ingress's, since cert-manager
    /// names the Certificate after the Secret, and the Ingress and the Gateway live side by
    /// side during a migration.
    pub gateway_tls: String,
    /// Traefik: the body-size Middleware.
    pub body_size: String,
    /// Traefik: the ServersTransport with the Services' forwarding timeouts.
    pub timeouts: String,
    /// The PostSync smoke test Job.
    pub smoke: String,
    /// The CloudNativePG Cluster, its PodMonitor, ScheduledBackup and NetworkPolicy (kinds
    /// differ, so one name serves); the operator names its pods `<cluster>-<n>`.
    pub db: String,
    /// The read-write Service CloudNativePG creates for the Cluster (`<cluster>-rw`, its
    /// naming: pkg/specs/services.go), always pointing at the primary.
    pub db_rw: String,
    /// The Secret CloudNativePG generates for the application owner (`<cluster>-app`).
    pub db_app_secret: String,
    /// The PgBouncer Pooler, and its Service (CloudNativePG names the Service after it).
    pub db_pooler: String,
    /// The barman-cloud ObjectStore.
    pub db_store: String,
    /// The SQLite-to-PostgreSQL migration Job.
    pub migrate: String,
    /// The PrometheusRule with the alerts.
    pub alerts: String,
    /// The claim the SQLite backup copies live on.
    pub sqlite_backups: String,
    /// The SQLite backup CronJob and the NetworkPolicy of its and the drill's pods.
    pub sqlite_backup: String,
    /// The SQLite restore drill Job.
    pub restore_drill: String,
}

impl Names {
    /// Derives all names from a validated `app.name` (at most [`MAX_APP_NAME_LEN`]
    /// characters) and `app.namespace`.
    pub fn new(base: &str, namespace: &str) -> Self {
        let n = |suffix: &str| {
            debug_assert!(
                SUFFIXES.contains(&suffix),
                "suffix {suffix} is not registered"
            );
            format!("{base}{suffix}")
        };
        Names {
            namespace: namespace.to_string(),
            config: n("-config"),
            secrets: n("-secrets"),
            backend: n("-backend"),
            frontend: n("-frontend"),
            data_pvc: n("-data-pvc"),
            media_pvc: n("-media-pvc"),
            ingress: n("-ingress"),
            tls: n("-tls"),
            operator: n("-operator"),
            route: n("-route"),
            redirect: n("-redirect"),
            gateway: n("-gateway"),
            gateway_tls: n("-gw-tls"),
            body_size: n("-body-size"),
            timeouts: n("-timeouts"),
            smoke: n("-smoke"),
            db: n("-db"),
            db_rw: n("-db-rw"),
            db_app_secret: n("-db-app"),
            db_pooler: n("-db-pooler"),
            db_store: n("-db-store"),
            migrate: n("-migrate"),
            alerts: n("-alerts"),
            sqlite_backups: n("-backups"),
            sqlite_backup: n("-db-backup"),
            restore_drill: n("-db-drill"),
        }
    }
}
