//! The rules magnetiq-gen enforces in more than one place, each stated once: validation
//! (profile input), lint (rendered or foreign manifests), import (a tree turned into a
//! profile) and the builders all call these. A leaf module: it uses nothing else of the
//! crate, so every other module may use it. (Derived object names and their length limit
//! are the same kind of rule; their owner is `names.rs`, also a leaf.)

/// Whether a secret value is obviously not a real one: empty, or a placeholder such as the
/// design document's `change-this-...` and `your-...`. The one rule for validation (inline
/// secrets), lint (Secret manifests) and import.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || [
            "change-this",
            "change_this",
            "changethis",
            "changeme",
            "change-me",
            "change_me",
            "your-",
            "your_",
            "replace-me",
            "replaceme",
            "placeholder",
            "<",
        ]
        .iter()
        .any(|p| v.contains(p))
}

/// ConfigMap keys magnetiq-gen derives from other settings, and where they come from.
pub const DERIVED_CONFIG: [(&str, &str); 7] = [
    ("APP_NAME", "app.display_name"),
    ("VERSION", "app.version"),
    ("ENVIRONMENT", "app.environment"),
    ("DEBUG", "app.debug"),
    ("BACKEND_PORT", "backend.port"),
    ("FRONTEND_PORT", "frontend.port"),
    ("DATABASE_URL", "[database] and storage.data.mount_path"),
];

/// The environment variable every container gets from its own port setting.
pub const PORT_ENV: &str = "PORT";

/// Environment variables magnetiq-gen sets on the containers itself, and the profile keys
/// they come from. A `[config]` entry of one of these names would reach a container through
/// `envFrom` and lose to the container's own entry without a word, so it is refused.
pub const CONTAINER_ENV: [(&str, &str); 1] = [(PORT_ENV, "backend.port and frontend.port")];

/// Label keys that something other than the profile writes on the objects that carry
/// `app.labels`, and who writes them: a profile value would be replaced without a word.
pub const LABELS_WRITTEN_BY_OTHERS: [(&str, &str); 2] = [
    (
        "app.kubernetes.io/instance",
        "ArgoCD's label tracking (with the Application's name, on every object it syncs)",
    ),
    (
        "kubernetes.io/metadata.name",
        "the API server (on the Namespace, with the namespace's name)",
    ),
];

/// The label keys magnetiq-gen sets itself; a profile cannot override them.
pub const RESERVED_LABELS: [&str; 5] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
];

pub const PROXY_BODY_SIZE: &str = "nginx.ingress.kubernetes.io/proxy-body-size";
pub const PROXY_READ_TIMEOUT: &str = "nginx.ingress.kubernetes.io/proxy-read-timeout";
pub const PROXY_SEND_TIMEOUT: &str = "nginx.ingress.kubernetes.io/proxy-send-timeout";
pub const CLUSTER_ISSUER: &str = "cert-manager.io/cluster-issuer";
pub const SSL_REDIRECT: &str = "nginx.ingress.kubernetes.io/ssl-redirect";
/// Traefik's Ingress annotations (Traefik v3, "Traefik & Kubernetes with Ingress",
/// doc.traefik.io/traefik/v3.8/reference/routing-configuration/kubernetes/ingress/).
pub const TRAEFIK_ENTRYPOINTS: &str = "traefik.ingress.kubernetes.io/router.entrypoints";
pub const TRAEFIK_TLS: &str = "traefik.ingress.kubernetes.io/router.tls";
pub const TRAEFIK_MIDDLEWARES: &str = "traefik.ingress.kubernetes.io/router.middlewares";
/// Service annotation: the ServersTransport Traefik uses for the Service's servers.
pub const TRAEFIK_SERVERS_TRANSPORT: &str =
    "traefik.ingress.kubernetes.io/service.serverstransport";

/// The prefix of every ingress-nginx annotation: an Ingress carrying one is written for the
/// retired ingress-nginx controller.
pub const INGRESS_NGINX_ANNOTATION_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// Whether an Ingress is written for ingress-nginx, which Kubernetes SIG Network retired in
/// March 2026: its class is `nginx` (the class ingress-nginx's chart installs) or it carries
/// an ingress-nginx annotation. The one rule for lint (MG045) and the builders' tests.
pub fn is_ingress_nginx<'a>(
    class_name: Option<&str>,
    mut annotation_keys: impl Iterator<Item = &'a str>,
) -> bool {
    class_name == Some("nginx")
        || annotation_keys.any(|k| k.starts_with(INGRESS_NGINX_ANNOTATION_PREFIX))
}

/// Ingress annotation keys a profile's `ingress.annotations` may not set, each with the
/// profile setting that controls it: the ones magnetiq-gen writes itself (a user value would
/// be replaced), `kubernetes.io/ingress.class`, which the API server refuses unless it
/// equals `spec.ingressClassName` (always set, from `ingress.class_name`), and
/// `cert-manager.io/issuer`, since cert-manager issues nothing for an Ingress that names
/// both an Issuer and a ClusterIssuer. Traefik's router annotations are reserved whatever
/// the controller: with Traefik magnetiq-gen writes them, and with ingress-nginx they do
/// nothing.
pub const RESERVED_INGRESS_ANNOTATIONS: [(&str, &str); 10] = [
    (PROXY_BODY_SIZE, "ingress.proxy_body_size"),
    (PROXY_READ_TIMEOUT, "ingress.proxy_timeout_seconds"),
    (PROXY_SEND_TIMEOUT, "ingress.proxy_timeout_seconds"),
    (
        CLUSTER_ISSUER,
        "ingress.cluster_issuer (with ingress.tls = true)",
    ),
    (SSL_REDIRECT, "ingress.tls"),
    ("kubernetes.io/ingress.class", "ingress.class_name"),
    (
        "cert-manager.io/issuer",
        "ingress.cluster_issuer (with ingress.tls = true)",
    ),
    (
        TRAEFIK_ENTRYPOINTS,
        "ingress.controller = \"traefik\" and ingress.tls",
    ),
    (
        TRAEFIK_TLS,
        "ingress.controller = \"traefik\" and ingress.tls",
    ),
    (
        TRAEFIK_MIDDLEWARES,
        "ingress.controller = \"traefik\", ingress.proxy_body_size and ingress.tls",
    ),
];

/// The value of both [`backup_label_keys`] labels on a PVC that joins a backup group.
pub const BACKUP_LABEL_VALUE: &str = "enabled";

/// The labels a PVC carries to join Longhorn backup group `group`: the builder sets them
/// (`resources::ops::backup_labels`), validation refuses profile labels under these keys, and
/// lint checks that the RecurringJob's groups match them. Longhorn copies a PVC's recurring-job
/// labels to its volume only when the PVC also has `recurring-job.longhorn.io/source`.
pub fn backup_label_keys(group: &str) -> [String; 2] {
    [
        "recurring-job.longhorn.io/source".to_string(),
        format!("recurring-job-group.longhorn.io/{group}"),
    ]
}

/// The single-writer rule: a workload whose database is SQLite on a ReadWriteOnce volume
/// runs exactly this many pods and rolls out with the Recreate strategy. Validation refuses
/// other `backend.replicas`, import corrects them, lint flags manifests that break it.
pub const SINGLE_WRITER_REPLICAS: i32 = 1;

/// Why [`SINGLE_WRITER_REPLICAS`] holds, in the words every message uses.
pub const SINGLE_WRITER_WHY: &str =
    "SQLite allows one writer, and the database's ReadWriteOnce volume attaches to one node";

/// Whether a CloudNativePG Cluster of `instances` should keep the operator's
/// PodDisruptionBudgets (`spec.enablePDB`): only with a replica to keep serving. With one
/// instance the primary's budget (minAvailable 1) forbids every eviction and blocks node
/// drains. The builder sets it, lint (MG047) checks hand-written Clusters against it.
pub fn cnpg_keeps_budgets(instances: i64) -> bool {
    instances > 1
}

/// Whether a database URL is a SQLAlchemy SQLite URL (`sqlite://`, `sqlite+aiosqlite://`).
pub fn is_sqlite_url(url: &str) -> bool {
    url.trim()
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme == "sqlite" || scheme.starts_with("sqlite+"))
}

/// The annotation that marks an object deliberately deleted with its Application (a
/// throwaway environment, `argocd.keep_on_delete = false`) instead of carrying ArgoCD's
/// `Delete=false`: the builders write it, and lint accepts it in place of the guard.
pub const EPHEMERAL_ANNOTATION: (&str, &str) = ("magnetiq.voltaic.systems/ephemeral", "true");

/// HTTPRoute annotation: the request body limit (`ingress.proxy_body_size`) the route does
/// not enforce, since the Gateway API has no field for it. The builder writes it; lint warns
/// on it unless [`BODY_SIZE_ENFORCED_BY`] names what enforces the limit instead.
pub const BODY_SIZE_NOT_CARRIED_OVER: &str =
    "magnetiq.voltaic.systems/request-body-size-not-carried-over";

/// HTTPRoute annotation: what enforces the request body limit (`gateway.body_size_enforced_by`).
pub const BODY_SIZE_ENFORCED_BY: &str = "magnetiq.voltaic.systems/request-body-size-enforced-by";

/// The listener names of a Gateway magnetiq-gen renders (what routes' `sectionName` names).
pub const HTTPS_LISTENER: &str = "https";
/// See [`HTTPS_LISTENER`].
pub const HTTP_LISTENER: &str = "http";

/// The name of the backend's init container that imports the initial SQLite database
/// (`[database.sqlite.import]`): rendered by `resources::sqlite`, recognised by `plan`.
pub const SQLITE_IMPORT_CONTAINER: &str = "import-database";

/// The name of the backend's init container that restores a SQLite copy
/// (`[database.sqlite.backup] restore_from`): rendered by `resources::sqlite`, recognised by
/// `plan` and `import`.
pub const SQLITE_RESTORE_CONTAINER: &str = "restore-database";

/// Where that init container mounts the copies' claim: out of the way of the backend's own
/// mounts (validation refuses a data or media mount path here).
pub const SQLITE_RESTORE_SOURCE_DIR: &str = "/mnt/sqlite-backups";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_caught_whatever_their_spelling() {
        for v in [
            "",
            "  ",
            "change-this-key",
            "CHANGEME",
            "replace-me",
            "changethis",
            "change_this",
            "your-secret",
            "<set me>",
        ] {
            assert!(is_placeholder(v), "{v:?}");
        }
        for v in ["s3cr3t-4f9a", "production-db-password-7"] {
            assert!(!is_placeholder(v), "{v:?}");
        }
    }

    #[test]
    fn sqlite_urls_are_told_from_others() {
        assert!(is_sqlite_url("sqlite:////app/data/magnetiq.db"));
        assert!(is_sqlite_url(" sqlite+aiosqlite:///x.db"));
        assert!(!is_sqlite_url("postgresql://db/magnetiq"));
        assert!(!is_sqlite_url("sqlitefoo"));
    }

    #[test]
    fn backup_label_keys_name_the_group_and_the_source_label() {
        let [source, group] = backup_label_keys("nightly");
        assert_eq!(source, "recurring-job.longhorn.io/source");
        assert_eq!(group, "recurring-job-group.longhorn.io/nightly");
    }
}
