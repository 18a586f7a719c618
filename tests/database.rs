//! PostgreSQL on CloudNativePG, as a user runs it: what production-ha renders (the Cluster,
//! backups, the Pooler, the migration Job), how the backend connects and scales, what the
//! NetworkPolicy admits, what validation refuses, what plan and lint say.

mod common;

use std::process::Output;

use common::{of_kind, repo, text};
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    common::run_env(&repo(), args, &[("NO_COLOR", "1")])
}

/// The rendered stream's objects.
fn render(profile: &str, sets: &[&str]) -> Vec<Value> {
    let mut args = vec!["render", "--profile", profile];
    for s in sets {
        args.extend(["--set", s]);
    }
    common::stream_objects(&args)
}

fn one<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn backend_env<'a>(objects: &'a [Value], name: &str) -> Option<&'a Value> {
    one(objects, "Deployment", "magnetiq-backend")["spec"]["template"]["spec"]["containers"][0]
        ["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
}

#[test]
fn production_ha_renders_a_cloudnativepg_cluster_with_superuser_access_off() {
    let objects = render("production-ha", &[]);
    let cluster = one(&objects, "Cluster", "magnetiq-db");
    assert_eq!(cluster["apiVersion"], "postgresql.cnpg.io/v1");
    let spec = &cluster["spec"];
    assert_eq!(spec["instances"], 3);
    assert_eq!(spec["enableSuperuserAccess"], false);
    assert_eq!(spec["enablePDB"], true);
    assert_eq!(spec["imageName"], "ghcr.io/cloudnative-pg/postgresql:17.6");
    assert_eq!(spec["storage"]["storageClass"], "longhorn-ssd-ha");
    assert_eq!(spec["walStorage"]["size"], "5Gi");
    assert_eq!(spec["bootstrap"]["initdb"]["database"], "magnetiq");
    assert_eq!(spec["bootstrap"]["initdb"]["owner"], "magnetiq");
    assert_eq!(spec["affinity"]["topologyKey"], "kubernetes.io/hostname");
    assert_eq!(spec["plugins"][0]["name"], "barman-cloud.cloudnative-pg.io");
    assert_eq!(spec["plugins"][0]["isWALArchiver"], true);
    assert_eq!(
        spec["plugins"][0]["parameters"]["barmanObjectName"],
        "magnetiq-db-store"
    );
    // It holds the data: ArgoCD never prunes or cascade-deletes it.
    assert_eq!(
        cluster["metadata"]["annotations"]["argocd.argoproj.io/sync-options"],
        "Prune=false,Delete=false"
    );
    // [monitoring] is on in production: the instances are scraped.
    let pm = one(&objects, "PodMonitor", "magnetiq-db");
    assert_eq!(
        pm["spec"]["selector"]["matchLabels"]["cnpg.io/cluster"],
        "magnetiq-db"
    );
}

#[test]
fn a_single_instance_cluster_leaves_the_operator_budgets_off_and_dev_storage_to_the_default_class()
{
    let objects = render(
        "production-ha",
        &[
            "database.postgresql.instances=1",
            "storage.provider=cluster-default",
            "backup.enabled=false",
        ],
    );
    let spec = &one(&objects, "Cluster", "magnetiq-db")["spec"];
    assert_eq!(spec["enablePDB"], false);
    assert!(spec["storage"].get("storageClass").is_none(), "{spec}");
}

#[test]
fn the_backend_reads_its_url_from_the_operator_secret_through_the_pooler() {
    let objects = render("production-ha", &[]);
    let url = backend_env(&objects, "DATABASE_URL").unwrap();
    assert_eq!(
        url["value"],
        "postgresql+asyncpg://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@magnetiq-db-pooler:5432/magnetiq"
    );
    for (var, key) in [
        ("DATABASE_USERNAME", "username"),
        ("DATABASE_PASSWORD", "password"),
    ] {
        let r = &backend_env(&objects, var).unwrap()["valueFrom"]["secretKeyRef"];
        assert_eq!(r["name"], "magnetiq-db-app", "{var}");
        assert_eq!(r["key"], key, "{var}");
    }
    // The URL with its password is not in the ConfigMap.
    let cm = one(&objects, "ConfigMap", "magnetiq-config");
    assert!(cm["data"].get("DATABASE_URL").is_none(), "{cm}");
    let pooler = one(&objects, "Pooler", "magnetiq-db-pooler");
    assert_eq!(pooler["spec"]["cluster"]["name"], "magnetiq-db");
    assert_eq!(pooler["spec"]["type"], "rw");
    assert_eq!(pooler["spec"]["pgbouncer"]["poolMode"], "session");
}

#[test]
fn without_a_pooler_the_backend_connects_to_the_read_write_service() {
    let objects = render("production-ha", &["database.postgresql.pooler_instances=0"]);
    assert!(of_kind(&objects, "Pooler").is_empty());
    let url = backend_env(&objects, "DATABASE_URL").unwrap()["value"]
        .as_str()
        .unwrap();
    assert!(url.contains("@magnetiq-db-rw:5432/"), "{url}");
    let policy = one(&objects, "NetworkPolicy", "magnetiq-backend");
    let to_db = policy["spec"]["egress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ports"][0]["port"] == 5432)
        .expect("an egress rule to the database");
    assert_eq!(
        to_db["to"][0]["podSelector"]["matchLabels"]["cnpg.io/cluster"],
        "magnetiq-db"
    );
}

#[test]
fn a_scaled_backend_rolls_with_a_surge_spreads_over_nodes_and_has_a_budget() {
    let objects = render("production-ha", &[]);
    let d = one(&objects, "Deployment", "magnetiq-backend");
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 1);
    assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
    // The HPA owns the count.
    assert!(d["spec"].get("replicas").is_none());
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(
        pod["topologySpreadConstraints"][0]["topologyKey"],
        "kubernetes.io/hostname"
    );
    // The SQLite claim is no longer mounted; media is.
    let claims: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .collect();
    assert_eq!(claims, ["magnetiq-media-pvc"]);
    let hpa = one(&objects, "HorizontalPodAutoscaler", "magnetiq-backend");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    assert_eq!(hpa["spec"]["maxReplicas"], 6);
    let pdb = one(&objects, "PodDisruptionBudget", "magnetiq-backend");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
}

#[test]
fn one_postgres_backend_pod_on_read_write_once_media_keeps_recreate() {
    let objects = render(
        "production-ha",
        &[
            "backend.replicas=1",
            "autoscaling.backend_max_replicas=0",
            "storage.media.access_mode=ReadWriteOnce",
        ],
    );
    let d = one(&objects, "Deployment", "magnetiq-backend");
    assert_eq!(d["spec"]["strategy"]["type"], "Recreate");
    assert_eq!(d["spec"]["replicas"], 1);
    assert!(
        of_kind(&objects, "PodDisruptionBudget")
            .iter()
            .all(|p| p["metadata"]["name"] != "magnetiq-backend")
    );
}

#[test]
fn a_scaled_backend_on_read_write_once_media_is_refused_with_the_reason() {
    let out = run(&[
        "render",
        "--profile",
        "production-ha",
        "--set",
        "storage.media.access_mode=ReadWriteOnce",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("storage.media.access_mode"), "{err}");
    assert!(err.contains("Multi-Attach"), "{err}");
    assert!(err.contains("ReadWriteMany"), "{err}");
}

#[test]
fn sqlite_keeps_one_recreate_backend_on_its_database_claim_and_no_database_objects() {
    let objects = render("production", &[]);
    let d = one(&objects, "Deployment", "magnetiq-backend");
    assert_eq!(d["spec"]["strategy"]["type"], "Recreate");
    assert_eq!(d["spec"]["replicas"], 1);
    for kind in [
        "Cluster",
        "Pooler",
        "ScheduledBackup",
        "ObjectStore",
        "PodMonitor",
    ] {
        assert!(of_kind(&objects, kind).is_empty(), "{kind}");
    }
    // No Job but the PostSync smoke test: no migration.
    assert!(
        of_kind(&objects, "Job")
            .iter()
            .all(|j| j["metadata"]["name"] == "magnetiq-smoke"),
        "a Job besides the smoke test"
    );
    let cm = one(&objects, "ConfigMap", "magnetiq-config");
    assert!(
        cm["data"]["DATABASE_URL"]
            .as_str()
            .unwrap()
            .starts_with("sqlite+aiosqlite:////"),
        "{cm}"
    );
    // And it may still not scale.
    let out = run(&[
        "render",
        "--profile",
        "production",
        "--set",
        "backend.replicas=2",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_database_admits_only_the_backend_the_migration_the_operator_and_its_instances() {
    let objects = render("production-ha", &[]);
    let policy = one(&objects, "NetworkPolicy", "magnetiq-db");
    let spec = &policy["spec"];
    assert_eq!(spec["policyTypes"], serde_json::json!(["Ingress"]));
    let rules = spec["ingress"].as_array().unwrap();
    let ports = |r: &Value| -> Vec<i64> {
        r["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_i64().unwrap())
            .collect()
    };
    // Clients on 5432 only: the backend, the migration Job, the PgBouncer pods.
    let components: Vec<&str> = rules[0]["from"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["podSelector"]["matchLabels"]["app.kubernetes.io/component"].as_str())
        .collect();
    assert_eq!(components, ["backend", "migration"]);
    assert_eq!(
        rules[0]["from"][2]["podSelector"]["matchLabels"]["cnpg.io/poolerName"],
        "magnetiq-db-pooler"
    );
    assert_eq!(ports(&rules[0]), [5432]);
    // The operator, from its namespace and pods.
    let op = &rules[1]["from"][0];
    assert_eq!(
        op["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "cnpg-system"
    );
    assert_eq!(
        op["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
        "cloudnative-pg"
    );
    assert_eq!(ports(&rules[1]), [8000, 5432]);
    // The instances among themselves (replication), then Prometheus on the exporter.
    assert_eq!(
        rules[2]["from"][0]["podSelector"]["matchLabels"]["cnpg.io/cluster"],
        "magnetiq-db"
    );
    assert_eq!(ports(&rules[3]), [9187]);
    assert_eq!(rules.len(), 4);
}

#[test]
fn backups_go_to_the_object_store_by_reference_with_the_profiles_retention() {
    let objects = render("production-ha", &[]);
    let store = one(&objects, "ObjectStore", "magnetiq-db-store");
    assert_eq!(store["apiVersion"], "barmancloud.cnpg.io/v1");
    let conf = &store["spec"]["configuration"];
    assert_eq!(
        conf["destinationPath"],
        "s3://magnetiq-backups/production-ha"
    );
    assert_eq!(
        conf["s3Credentials"]["accessKeyId"]["name"],
        "magnetiq-backup-s3"
    );
    assert_eq!(store["spec"]["retentionPolicy"], "30d");
    let sb = one(&objects, "ScheduledBackup", "magnetiq-db");
    assert_eq!(sb["spec"]["schedule"], "0 0 2 * * *");
    assert_eq!(sb["spec"]["method"], "plugin");
    assert_eq!(
        sb["spec"]["pluginConfiguration"]["name"],
        "barman-cloud.cloudnative-pg.io"
    );
    let retention = render(
        "production-ha",
        &["database.postgresql.backup.retention=7d"],
    );
    assert_eq!(
        one(&retention, "ObjectStore", "magnetiq-db-store")["spec"]["retentionPolicy"],
        "7d"
    );
}

#[test]
fn the_migration_job_reads_the_sqlite_claim_read_only_and_refuses_a_filled_target() {
    let objects = render("production-ha", &[]);
    let job = one(&objects, "Job", "magnetiq-migrate");
    assert_eq!(job["spec"]["backoffLimit"], 0);
    let pod = &job["spec"]["template"]["spec"];
    let data = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "data")
        .unwrap();
    assert_eq!(
        data["persistentVolumeClaim"]["claimName"],
        "magnetiq-data-pvc"
    );
    assert_eq!(data["persistentVolumeClaim"]["readOnly"], true);
    let script = pod["containers"][0]["args"][0].as_str().unwrap();
    assert!(script.contains("information_schema.tables"), "{script}");
    assert!(script.contains("--on-error-stop"), "{script}");
    assert!(script.contains("sqlite:///data/magnetiq.db"), "{script}");
    assert!(script.contains("@magnetiq-db-rw:5432/magnetiq"), "{script}");
    // The claim it reads is kept while it is on ...
    assert!(
        of_kind(&objects, "PersistentVolumeClaim")
            .iter()
            .any(|c| c["metadata"]["name"] == "magnetiq-data-pvc")
    );
    // ... and both go once it is off.
    let off = render(
        "production-ha",
        &["database.postgresql.migration.enabled=false"],
    );
    assert!(
        of_kind(&off, "Job")
            .iter()
            .all(|j| j["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"),
        "the migration Job is still rendered"
    );
    assert!(
        of_kind(&off, "PersistentVolumeClaim")
            .iter()
            .all(|c| c["metadata"]["name"] != "magnetiq-data-pvc")
    );
}

/// A copy of the shipped profiles with production switched to PostgreSQL in place.
fn switched_profiles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("profiles")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("switch.toml"),
        r#"extends = "production"
[app]
environment_name = "production"
[database]
engine = "postgresql"
driver = "postgresql+asyncpg"
[database.postgresql]
instances = 3
image = "ghcr.io/cloudnative-pg/postgresql:17.6"
size = "20Gi"
database = "magnetiq"
owner = "magnetiq"
resources = { requests = { cpu = "500m", memory = "1Gi" }, limits = { cpu = "1", memory = "2Gi" } }
[database.postgresql.migration]
enabled = true
image = "ghcr.io/dimitri/pgloader:v3.6.9"
# PostgreSQL has its own backups: the SQLite copies are refused with it.
[database.sqlite.backup]
enabled = false
"#,
    )
    .unwrap();
    dir
}

#[test]
fn plan_shows_the_switch_from_sqlite_as_a_data_change() {
    let profiles = switched_profiles();
    let dir = profiles.path().to_str().unwrap();
    // `command` of the switched profile into `out_dir`.
    let switched = |command: &str, out_dir: &str| {
        run(&[
            command,
            "--profile",
            "switch",
            "--profiles-dir",
            dir,
            "--out-dir",
            out_dir,
        ])
    };
    let golden = repo().join("golden/production");
    let out = switched("plan", golden.to_str().unwrap());
    let plan = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{plan}{}", text(&out.stderr));
    assert!(
        plan.contains("data: DATABASE_URL switches the backend from SQLite to PostgreSQL"),
        "{plan}"
    );
    assert!(plan.contains("+ Cluster magnetiq-v2/magnetiq-db"), "{plan}");
    // Rendering the switched profile onto itself plans nothing.
    let tree = tempfile::tempdir().unwrap();
    let target = tree.path().join("k8s");
    let target = target.to_str().unwrap();
    let out = switched("render", target);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = switched("plan", target);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

fn lint_cluster(spec: Value) -> Vec<String> {
    let cluster = serde_json::json!({
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": { "name": "db", "namespace": "app" },
        "spec": spec,
    });
    magnetiq_gen::lint::lint(&[("cluster.yaml".to_string(), cluster)])
        .into_iter()
        .map(|f| f.rule.id.code().to_string())
        .collect()
}

#[test]
fn lint_flags_superuser_access_and_a_one_instance_cluster_that_blocks_drains() {
    let found = lint_cluster(serde_json::json!({
        "instances": 1, "enableSuperuserAccess": true, "storage": { "size": "1Gi" }
    }));
    assert_eq!(found, ["MG046", "MG047"]);
    let clean = lint_cluster(serde_json::json!({
        "instances": 1, "enablePDB": false, "storage": { "size": "1Gi" }
    }));
    assert!(clean.is_empty(), "{clean:?}");
    let replicated = lint_cluster(serde_json::json!({
        "instances": 3, "storage": { "size": "1Gi" }
    }));
    assert!(replicated.is_empty(), "{replicated:?}");
    // What production-ha renders passes both.
    let out = run(&["lint", "--profile", "production-ha"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn autoscaling_off_turns_the_backend_hpa_off_and_pins_its_replicas() {
    let objects = render("production-ha", &["autoscaling.enabled=false"]);
    assert!(of_kind(&objects, "HorizontalPodAutoscaler").is_empty());
    let d = one(&objects, "Deployment", "magnetiq-backend");
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
}

#[test]
fn an_app_name_too_long_for_a_cloudnativepg_cluster_is_refused() {
    let name = "a".repeat(48);
    let set = format!("app.name={name}");
    let out = run(&["render", "--profile", "production-ha", "--set", &set]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("CloudNativePG accepts at most 50"), "{err}");
    let ok = format!("app.name={}", "a".repeat(47));
    assert_eq!(
        run(&["render", "--profile", "production-ha", "--set", &ok])
            .status
            .code(),
        Some(0)
    );
}
