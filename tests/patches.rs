//! `[[patches]]` and `[templates]` on the shipped profiles: the README's worked examples
//! (in profiles/example.toml) pinned as golden files, what a patch may touch, and the
//! property that a patch restating what is there changes nothing.
//! Error messages of bad patches are pinned with the other bad profiles (tests/errors.rs,
//! fixtures `patch_*`); those of bad templates in tests/templates.rs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use magnetiq_gen::Manifest;
use magnetiq_gen::manifest::Object;
use magnetiq_gen::output;
use magnetiq_gen::profile::{DirStore, MemStore};
use proptest::prelude::*;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the worked examples' files are pinned.
fn golden_dir() -> PathBuf {
    repo().join("tests/fixtures/extend/golden")
}

/// The marker in example.toml after which the patches and templates are written.
const BEYOND: &str = "# Beyond the profile:";

/// Every shipped profile, plus `extra`.
fn shipped_with(extra: &[(&str, String)]) -> MemStore {
    let mut files = Vec::new();
    for e in std::fs::read_dir(repo().join("profiles"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read(&p).unwrap()));
        }
    }
    for (name, text) in extra {
        files.push((name.to_string(), text.clone().into_bytes()));
    }
    MemStore { files }
}

fn tree(m: &Manifest) -> BTreeMap<String, String> {
    output::tree(m).into_iter().collect()
}

fn example() -> Manifest {
    // The template is read from templates/ next to profiles/.
    magnetiq_gen::render(&DirStore::new(repo().join("profiles")), "example")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// example.toml without its patches and templates.
fn example_without_extensions() -> Manifest {
    let text = std::fs::read_to_string(repo().join("profiles/example.toml")).unwrap();
    let cut = text
        .find(BEYOND)
        .expect("example.toml has the patches section");
    let store = shipped_with(&[("plain", text[..cut].to_string())]);
    magnetiq_gen::render(&store, "plain").unwrap_or_else(|e| panic!("{e}"))
}

/// The files the worked examples change or add, each pinned under golden_dir().
const WORKED: [(&str, &str); 3] = [
    ("backend/deployment.yaml", "a toleration for the backend"),
    (
        "frontend/deployment.yaml",
        "a sidecar container for the frontend",
    ),
    ("uptime-check.yaml", "a CronJob from a template"),
];

#[test]
fn the_worked_examples_render_as_pinned() {
    let rendered = tree(&example());
    let update = std::env::var_os("MAGNETIQ_UPDATE_GOLDEN").is_some();
    assert!(
        !(update && std::env::var_os("CI").is_some()),
        "refusing to update golden files in CI"
    );
    let mut failures = Vec::new();
    for (file, what) in WORKED {
        let path = golden_dir().join(file);
        let got = rendered
            .get(file)
            .unwrap_or_else(|| panic!("example renders no {file} ({what})"));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if &want != got {
            let diff = similar::TextDiff::from_lines(&want, got)
                .unified_diff()
                .header(&format!("golden {file}"), "rendered")
                .to_string();
            failures.push(format!("{file} ({what}):\n{diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nupdate with: MAGNETIQ_UPDATE_GOLDEN=1 cargo test --test patches",
        failures.join("\n")
    );
}

#[test]
fn the_worked_examples_change_only_their_objects() {
    let with = tree(&example());
    let without = tree(&example_without_extensions());
    let mut changed: Vec<&str> = with
        .keys()
        .chain(without.keys())
        .filter(|k| with.get(*k) != without.get(*k))
        .map(String::as_str)
        .collect();
    changed.sort_unstable();
    changed.dedup();
    // The kustomization and the ownership list name the template's file; the headers name
    // the profile.
    let expected_changes: Vec<&str> = {
        let mut v: Vec<&str> = WORKED.iter().map(|(f, _)| *f).collect();
        v.extend([".magnetiq-gen-owned", "kustomization.yaml"]);
        v
    };
    let unexpected: Vec<&&str> = changed
        .iter()
        .filter(|c| !expected_changes.contains(c))
        .collect();
    // Every file differs in its header (profile "plain" against "example"); compare the rest.
    let body = |t: &BTreeMap<String, String>, f: &str| {
        t.get(f).map(|s| {
            s.replace("\"plain\"", "\"example\"")
                .replace("profile plain", "profile example")
        })
    };
    let really: Vec<&&&str> = unexpected
        .iter()
        .filter(|f| body(&with, f) != body(&without, f))
        .collect();
    assert!(really.is_empty(), "the patches changed {really:?} too");
    let backend = &with["backend/deployment.yaml"];
    assert!(backend.contains("tolerations:") && backend.contains("value: magnetiq"));
    let frontend = &with["frontend/deployment.yaml"];
    assert!(frontend.contains("name: nginx-exporter"));
    // The frontend's own container is still there, merged by name rather than replaced.
    assert!(frontend.matches("- name: ").count() >= 2, "{frontend}");
    assert!(with["kustomization.yaml"].contains("- uptime-check.yaml"));
}

#[test]
fn patched_and_added_objects_take_part_in_lint_and_graph() {
    let m = example();
    let objects = magnetiq_gen::lint::manifest_objects(&m);
    assert!(
        objects
            .iter()
            .any(|(file, o)| file == "uptime-check.yaml" && o["kind"] == "CronJob")
    );
    let graph = magnetiq_gen::graph::render(&m, magnetiq_gen::graph::Format::Mermaid);
    assert!(graph.contains("CronJob magnetiq-uptime-check"), "{graph}");
}

#[test]
fn patches_are_inherited_through_extends_and_show_names_their_file() {
    let parent = "extends = \"production\"\n\
        abstract = true\n\
        [[patches]]\n\
        kind = \"Deployment\"\n\
        name = \"magnetiq-frontend\"\n\
        patch = { spec = { template = { spec = { nodeSelector = { disktype = \"{{ app.name }}-ssd\" } } } } }\n";
    let child = "extends = \"ssd\"\n";
    let store = shipped_with(&[("ssd", parent.into()), ("child", child.into())]);
    let m = magnetiq_gen::render(&store, "child").unwrap_or_else(|e| panic!("{e}"));
    let frontend = &tree(&m)["frontend/deployment.yaml"];
    assert!(frontend.contains("disktype: magnetiq-ssd"), "{frontend}");
    let shown = magnetiq_gen::inspect::show(&store, "child", &[], true).unwrap();
    let line = shown
        .lines()
        .find(|l| l.contains("nodeSelector"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(line.ends_with("# ssd.toml:3"), "{line}");
}

#[test]
fn a_patch_may_remove_a_field_and_set_it_anew() {
    let profile = "extends = \"production\"\n\
        [[patches]]\n\
        kind = \"Deployment\"\n\
        name = \"magnetiq-frontend\"\n\
        remove = [\"spec.template.spec.securityContext\", \"spec.template.spec.containers[frontend].resources.limits\"]\n\
        patch = { spec = { template = { spec = { securityContext = { runAsNonRoot = true } } } } }\n";
    let store = shipped_with(&[("p", profile.into())]);
    let m = magnetiq_gen::render(&store, "p").unwrap_or_else(|e| panic!("{e}"));
    let d = m
        .files
        .iter()
        .flat_map(|f| &f.objects)
        .find_map(|o| match o {
            Object::Deployment(d) if d.metadata.name.as_deref() == Some("magnetiq-frontend") => {
                Some(d)
            }
            _ => None,
        })
        .unwrap();
    let pod = d.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    let sc = pod.security_context.as_ref().unwrap();
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.run_as_user, None, "the removed table is not merged into");
    let c = &pod.containers[0];
    assert!(c.resources.as_ref().unwrap().limits.is_none());
    assert!(c.resources.as_ref().unwrap().requests.is_some());
}

#[test]
fn every_rendered_object_reads_back_strictly() {
    // A patch's result is read back strictly, so a rendered object that did not would make
    // every patch of it fail.
    let store = DirStore::new(repo().join("profiles"));
    for name in ["production", "staging", "dev", "example"] {
        let m = magnetiq_gen::render(&store, name).unwrap();
        for o in m.files.iter().flat_map(|f| &f.objects) {
            let v = serde_json::to_value(o).unwrap();
            if let Err(e) = Object::read_with(v, &mut magnetiq_gen::extend::Strict) {
                panic!("{name}: {} does not read back: {e:?}", o.id());
            }
        }
    }
}

/// A patch of `kind`/`name` with `patch` (JSON), as a profile extending `parent`.
fn patched_profile(parent: &str, kind: &str, name: &str, patch: &Value) -> String {
    #[derive(serde::Serialize)]
    struct P<'a> {
        extends: &'a str,
        patches: Vec<E<'a>>,
    }
    #[derive(serde::Serialize)]
    struct E<'a> {
        kind: &'a str,
        name: &'a str,
        patch: &'a Value,
    }
    toml::to_string(&P {
        extends: parent,
        patches: vec![E { kind, name, patch }],
    })
    .unwrap()
}

/// The JSON leaves of `v` (scalars), each with its path.
fn leaves(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                at.push(Step::Key(k.clone()));
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Step::Index(i));
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::Null => {}
        _ => out.push(at.clone()),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The smallest patch that restates the value at `path` of `object`: tables down to it; a
/// named list as the one item of that name (holding its name); any other list whole.
fn restating(object: &Value, path: &[Step]) -> Value {
    match path.split_first() {
        None => object.clone(),
        Some((Step::Key(k), rest)) => {
            let child = &object[k.as_str()];
            let inner = match (child, rest.first()) {
                (Value::Array(items), Some(Step::Index(i))) => {
                    let item = &items[*i];
                    match item.get("name") {
                        Some(n)
                            if magnetiq_gen::extend::merge::NAMED_LISTS.contains(&k.as_str()) =>
                        {
                            let mut one = restating(item, &rest[1..]);
                            if let Value::Object(m) = &mut one {
                                m.insert("name".into(), n.clone());
                            } else {
                                one = item.clone();
                            }
                            Value::Array(vec![one])
                        }
                        _ => child.clone(),
                    }
                }
                _ => restating(child, rest),
            };
            serde_json::json!({ k.clone(): inner })
        }
        Some((Step::Index(_), _)) => object.clone(),
    }
}

/// (profile, kind, name, the object's JSON) of every object of the deployable profiles
/// that TOML can restate (TOML has no null and no empty key).
fn targets() -> Vec<(String, String, String, Value)> {
    let store = shipped_with(&[]);
    let mut out = Vec::new();
    for profile in ["production", "staging", "dev"] {
        let m = magnetiq_gen::render(&store, profile).unwrap();
        // A Secret is never patched (its values would sit in the profile).
        for o in m
            .files
            .iter()
            .flat_map(|f| &f.objects)
            .filter(|o| o.kind() != "Secret")
        {
            let v = serde_json::to_value(o).unwrap();
            out.push((
                profile.to_string(),
                o.kind().to_string(),
                o.metadata().name.clone().unwrap(),
                v,
            ));
        }
    }
    out
}

fn assert_unchanged(profile: &str, kind: &str, name: &str, patch: &Value) {
    let text = patched_profile(profile, kind, name, patch);
    let store = shipped_with(&[("patched", text.clone())]);
    let before = magnetiq_gen::render(&store, profile).unwrap();
    let after = magnetiq_gen::render(&store, "patched").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let strip = |t: BTreeMap<String, String>, p: &str| -> BTreeMap<String, String> {
        t.into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.replace(&format!("\"{p}\""), "\"P\"")
                        .replace(&format!("profile {p} "), "profile P "),
                )
            })
            .collect()
    };
    assert_eq!(
        strip(tree(&before), profile),
        strip(tree(&after), "patched"),
        "{text}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn an_empty_patch_changes_nothing(pick in any::<prop::sample::Index>()) {
        let all = targets();
        let (profile, kind, name, _) = &all[pick.index(all.len())];
        assert_unchanged(profile, kind, name, &serde_json::json!({}));
    }

    #[test]
    fn a_patch_restating_a_value_changes_nothing(
        pick in any::<prop::sample::Index>(),
        leaf in any::<prop::sample::Index>(),
    ) {
        let all = targets();
        let (profile, kind, name, object) = &all[pick.index(all.len())];
        let mut found = Vec::new();
        leaves(object, &mut Vec::new(), &mut found);
        // Keys TOML cannot write as given (empty) are left out.
        found.retain(|p| p.iter().all(|s| !matches!(s, Step::Key(k) if k.is_empty())));
        prop_assume!(!found.is_empty());
        let path = &found[leaf.index(found.len())];
        assert_unchanged(profile, kind, name, &restating(object, path));
    }
}

#[test]
fn init_writes_every_shipped_template() {
    let dir = repo().join("templates");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = magnetiq_gen::init::TEMPLATES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(on_disk, embedded);
    for (name, text) in magnetiq_gen::init::TEMPLATES {
        assert_eq!(&std::fs::read_to_string(dir.join(name)).unwrap(), text);
    }
}
