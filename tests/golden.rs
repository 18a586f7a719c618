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
fn shipped_profiles_are_production_staging_dev_and_example() {
    let names = deployable(&store());
    for expected in ["dev", "example", "production", "staging"] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        !names.contains(&"base".to_string()),
        "base is abstract and must not be deployable"
    );
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
    for name in &profiles {
        let files = rendered(name);
        let dir = golden.join(name);
        if update {
            output::write_tree(&dir, &files, true, true).expect("write golden tree");
            continue;
        }
        let mut on_disk = read_tree(&dir);
        for (path, text) in &files {
            match on_disk.remove(path) {
                None => problems.push_str(&format!("missing: golden/{name}/{path}\n")),
                Some(old) if old != *text => {
                    let diff = similar::TextDiff::from_lines(&old, text)
                        .unified_diff()
                        .header(
                            &format!("golden/{name}/{path}"),
                            &format!("rendered/{name}/{path}"),
                        )
                        .to_string();
                    problems.push_str(&format!("changed: golden/{name}/{path}\n{diff}\n"));
                }
                Some(_) => {}
            }
        }
        for extra in on_disk.keys() {
            problems.push_str(&format!(
                "extra: golden/{name}/{extra} (no longer rendered)\n"
            ));
        }
    }
    if let Ok(entries) = std::fs::read_dir(&golden) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if !profiles.contains(&n) {
                problems.push_str(&format!(
                    "extra: golden/{n}/ belongs to no deployable profile\n"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the rendered output differs from golden/:\n\n{problems}\n\
         If every change above is intended, update the goldens and review the diff:\n    \
         MAGNETIQ_UPDATE_GOLDEN=1 cargo test --test golden\n"
    );
}

#[test]
fn every_golden_file_parses_back_into_the_typed_objects_it_came_from() {
    for name in deployable(&store()) {
        let manifest = magnetiq_gen::render(&store(), &name).unwrap();
        for file in &manifest.files {
            let path = repo().join("golden").join(&name).join(file.path);
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

#[test]
fn rendering_twice_is_byte_identical() {
    for name in deployable(&store()) {
        assert_eq!(rendered(&name), rendered(&name), "{name}");
        let m = magnetiq_gen::render(&store(), &name).unwrap();
        assert_eq!(
            output::stream(&m),
            output::stream(&magnetiq_gen::render(&store(), &name).unwrap())
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
        let pos = |kind: &str| docs.iter().position(|d| d["kind"] == kind);
        assert!(
            pos("ConfigMap") < pos("Deployment") && pos("Secret") < pos("Deployment"),
            "{name}: configuration after workloads"
        );
        let mut ids: Vec<String> = m.objects_in_apply_order().iter().map(|o| o.id()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{name}: duplicate (kind, namespace, name)");
    }
}
