//! Golden trees: `golden/<profile>/` holds exactly what `render --out-dir` writes for every
//! shipped profile. Any difference fails with a diff and the command that updates them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use magnetiq_gen::manifest::Object;
use magnetiq_gen::output;
use magnetiq_gen::profile::{DirStore, load::deployable};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn store() -> DirStore {
    DirStore::new(repo().join("profiles"))
}

/// Every file under `dir`, as relative '/'-separated path → text.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(
                    rel,
                    std::fs::read_to_string(&p).unwrap_or_else(|e| format!("<unreadable: {e}>")),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn rendered(name: &str) -> Vec<(String, String)> {
    let manifest = magnetiq_gen::render(&store(), name)
        .unwrap_or_else(|e| panic!("profile {name} does not render:\n{e}"));
    output::tree(&manifest)
}

#[test]
fn shipped_deployable_profiles_are_dev_production_production_ha_and_staging() {
    let names = deployable(&store());
    assert_eq!(names, ["dev", "production", "production-ha", "staging"]);
    // base is abstract; example is a reference (`reference = true`), validated by
    // tests/schema.rs but never deployed: it would be production under production's names.
}

#[test]
fn golden_trees_match_a_fresh_render() {
    let update = std::env::var("MAGNETIQ_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    if update && std::env::var_os("CI").is_some() {
        panic!(
            "refusing to update golden files with CI set: goldens are reviewed changes, made on a developer's machine"
        );
    }
    let golden = repo().join("golden");
    let profiles = deployable(&store());
    let mut problems = String::new();
    let mut summary: Vec<String> = Vec::new();
    let rendered_trees: Vec<(String, Vec<(String, String)>)> =
        profiles.iter().map(|n| (n.clone(), rendered(n))).collect();
    for (name, files) in &rendered_trees {
        let dir = golden.join(name);
        let mut on_disk = read_tree(&dir);
        for (path, text) in files {
            match on_disk.remove(path) {
                None => {
                    summary.push(format!("added    golden/{name}/{path}"));
                    problems.push_str(&format!("missing: golden/{name}/{path}\n"));
                }
                Some(old) if old != *text => {
                    let diff = similar::TextDiff::from_lines(&old, text);
                    let (mut plus, mut minus) = (0, 0);
                    for c in diff.iter_all_changes() {
                        match c.tag() {
                            similar::ChangeTag::Insert => plus += 1,
                            similar::ChangeTag::Delete => minus += 1,
                            similar::ChangeTag::Equal => {}
                        }
                    }
                    summary.push(format!("changed  golden/{name}/{path} (+{plus} -{minus})"));
                    let unified = diff
                        .unified_diff()
                        .header(
                            &format!("golden/{name}/{path}"),
                            &format!("rendered/{name}/{path}"),
                        )
                        .to_string();
                    problems.push_str(&format!("changed: golden/{name}/{path}\n{unified}\n"));
                }
                Some(_) => {}
            }
        }
        for extra in on_disk.keys() {
            summary.push(format!("removed  golden/{name}/{extra}"));
            problems.push_str(&format!(
                "extra: golden/{name}/{extra} (no longer rendered)\n"
            ));
        }
    }
    if let Ok(entries) = std::fs::read_dir(&golden) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if !profiles.contains(&n) {
                summary.push(format!("stale    golden/{n}/ (remove it by hand)"));
                problems.push_str(&format!(
                    "extra: golden/{n}/ belongs to no deployable profile\n"
                ));
            }
        }
    }
    if update {
        for (name, files) in &rendered_trees {
            output::write_tree(&golden.join(name), files, true, true).expect("write golden tree");
        }
        // What changed, so the update is reviewed (then read `git diff golden/`).
        eprintln!(
            "golden update: {} file(s) differ\n{}",
            summary.len(),
            summary.join("\n")
        );
        return;
    }
    assert!(
        problems.is_empty(),
        "the rendered output differs from golden/:\n\n{problems}\n\
         If every change above is intended, update the goldens and review the diff:\n    \
         MAGNETIQ_UPDATE_GOLDEN=1 cargo test --test golden -- --nocapture && git diff golden/\n"
    );
}

#[test]
fn every_golden_file_parses_back_into_the_typed_objects_it_came_from() {
    for name in deployable(&store()) {
        let manifest = magnetiq_gen::render(&store(), &name).unwrap();
        for file in &manifest.files {
            let path = repo().join("golden").join(&name).join(&*file.path);
            // While goldens are being rewritten (by the test above, in parallel), read the
            // fresh render instead of a file that may be half-way through its update.
            let text = if std::env::var("MAGNETIQ_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
                output::file_text(&name, file)
            } else {
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            };
            let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
            assert_eq!(
                docs.len(),
                file.objects.len(),
                "{}: object count",
                path.display()
            );
            for (doc, expected) in docs.into_iter().zip(&file.objects) {
                let parsed =
                    Object::from_value(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    &parsed,
                    expected,
                    "{}: {} does not read back as rendered",
                    path.display(),
                    expected.id()
                );
            }
        }
    }
}

/// The goldens pin bytes across machines; this pins them across the things that differ
/// between two runs on one machine: the working directory, a relative or absolute
/// `--profiles-dir`, locale and time zone, one profile or `--all`. Each run is its own
/// process (hash seeds differ per process).
#[test]
fn a_render_from_elsewhere_with_another_environment_is_byte_identical() {
    let bin = env!("CARGO_BIN_EXE_magnetiq-gen");
    let out = tempfile::tempdir().unwrap();
    let run = |cwd: &Path, profiles: &Path, extra: &[&str], envs: &[(&str, &str)]| {
        let o = std::process::Command::new(bin)
            .current_dir(cwd)
            .arg("render")
            .arg("--profiles-dir")
            .arg(profiles)
            .args(extra)
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let here = run(
        &repo(),
        Path::new("profiles"),
        &["--profile", "production"],
        &[],
    );
    let there = run(
        out.path(),
        &repo().join("profiles"),
        &["--profile", "production"],
        &[("LC_ALL", "tr_TR.UTF-8"), ("TZ", "Pacific/Chatham")],
    );
    assert!(!here.is_empty());
    assert!(
        here == there,
        "the stream depends on where or how it is rendered"
    );

    let all = out.path().join("all");
    run(
        &repo(),
        Path::new("profiles"),
        &["--all", "--out-dir", all.to_str().unwrap()],
        &[],
    );
    for name in deployable(&store()) {
        let single = out.path().join(format!("single-{name}"));
        run(
            out.path(),
            &repo().join("profiles"),
            &["--profile", &name, "--out-dir", single.to_str().unwrap()],
            &[("TZ", "Asia/Kathmandu")],
        );
        assert_eq!(
            read_tree(&all.join(&name)),
            read_tree(&single),
            "{name}: --all and a single render differ"
        );
    }
}

#[test]
fn the_stream_holds_every_object_once_namespace_first_and_cluster_scoped_before_namespaced() {
    for name in deployable(&store()) {
        let m = magnetiq_gen::render(&store(), &name).unwrap();
        let docs: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(&output::stream(&m)).unwrap();
        let total: usize = m.files.iter().map(|f| f.objects.len()).sum();
        assert_eq!(docs.len(), total, "{name}");
        assert_eq!(docs[0]["kind"], "Namespace", "{name}");
        let first_namespaced = docs
            .iter()
            .position(|d| d["metadata"]["namespace"].is_string())
            .unwrap();
        assert!(
            docs[first_namespaced..]
                .iter()
                .all(|d| d["metadata"]["namespace"].is_string()),
            "{name}: a cluster-scoped object comes after a namespaced one"
        );
        assert_configuration_before_workloads(&name, &docs);
        let mut ids: Vec<String> = m.objects_in_apply_order().iter().map(|o| o.id()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{name}: duplicate (kind, namespace, name)");
    }
}

/// Every ConfigMap, Secret (or what makes one) and PVC comes before the first Deployment:
/// pods that start before their configuration exists fail.
fn assert_configuration_before_workloads(name: &str, docs: &[serde_json::Value]) {
    const CONFIGURATION: [&str; 5] = [
        "ConfigMap",
        "Secret",
        "SealedSecret",
        "ExternalSecret",
        "PersistentVolumeClaim",
    ];
    let first_workload = docs
        .iter()
        .position(|d| d["kind"] == "Deployment")
        .unwrap_or_else(|| panic!("{name}: no Deployment"));
    let last_configuration = docs
        .iter()
        .rposition(|d| CONFIGURATION.iter().any(|k| d["kind"] == *k))
        .unwrap_or_else(|| panic!("{name}: no configuration objects"));
    assert!(
        last_configuration < first_workload,
        "{name}: {} comes after a Deployment",
        docs[last_configuration]["kind"]
    );
}

/// No shipped profile renders a Secret (they use secrets created out of band), so the order
/// of a Secret is checked on profiles with each way of delivering one.
#[test]
fn every_kind_of_secret_comes_before_the_workloads() {
    let env: std::collections::BTreeMap<String, String> = [
        ("SECRET_KEY", "k3y-9f8e7d6c"),
        ("SMTP_USERNAME", "mailer"),
        ("SMTP_PASSWORD", "s3cr3t-pw-123"),
    ]
    .iter()
    .map(|(k, v)| (format!("MAGNETIQ_SECRET_{k}"), v.to_string()))
    .collect();
    let modes = [
        ("Secret", vec!["secrets.mode=inline".to_string()]),
        (
            "ExternalSecret",
            vec![
                "secrets.mode=external-secrets".to_string(),
                "secrets.external.store=vault".to_string(),
                "secrets.external.store_kind=ClusterSecretStore".to_string(),
                "secrets.external.remote_key=magnetiq/prod".to_string(),
            ],
        ),
    ];
    for (kind, overrides) in modes {
        let r = magnetiq_gen::Request::new(&store(), "production")
            .overrides(&overrides)
            .env(&env)
            .render()
            .unwrap_or_else(|e| panic!("{kind}: {e:#}"));
        let docs: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(&output::stream(&r.manifest)).unwrap();
        assert!(
            docs.iter().any(|d| d["kind"] == kind),
            "the {kind} profile renders no {kind}"
        );
        assert_configuration_before_workloads(&format!("production with a {kind}"), &docs);
    }
}

/// A release is reviewable: bumping `app.version` changes only the files whose objects roll
/// (the Deployments) or hold the version (the ConfigMap's VERSION); every stable object
/// (Namespace, StorageClass, claims, Services, policies, the Application) keeps its bytes.
#[test]
fn a_version_bump_changes_only_the_deployments_and_the_configmap() {
    for name in deployable(&store()) {
        let before = output::tree(&magnetiq_gen::render(&store(), &name).unwrap());
        let bump = ["app.version=9.9.9-review".to_string()];
        let after = output::tree(
            &magnetiq_gen::Request::new(&store(), &name)
                .overrides(&bump)
                .render()
                .unwrap()
                .manifest,
        );
        let before: BTreeMap<_, _> = before.into_iter().collect();
        let changed: Vec<&str> = after
            .iter()
            .filter(|(path, text)| before.get(path) != Some(text))
            .map(|(path, _)| path.as_str())
            .collect();
        assert_eq!(
            changed,
            [
                "backend/deployment.yaml",
                "configmap.yaml",
                "frontend/deployment.yaml"
            ],
            "{name}: a version bump changed more than the release"
        );
    }
}
