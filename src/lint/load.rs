//! Lint's input: a tree of YAML files, YAML texts, or a rendered manifest, each turned into
//! `(source, object)` pairs. The only part of lint that touches the filesystem.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Context as _, Error};
use crate::manifest::Manifest;

/// Reads every `*.yaml`/`*.yml` under `dir` (recursively, sorted by path, skipping hidden
/// directories and `kustomization.yaml`), one entry per non-empty document, with the path
/// relative to `dir` (using '/') as the source.
pub fn load_dir(dir: &Path) -> crate::Result<Vec<(String, Value)>> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        texts.push((rel, text));
    }
    load_texts(&texts).with_context(|| format!("cannot load the manifests in {}", dir.display()))
}

/// Collects the manifest files under `dir` into `files`.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> crate::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read directory {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ft = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if ft.is_dir() {
            if !name.starts_with('.') {
                walk(&path, files)?;
            }
        } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
            && name != "kustomization.yaml"
            && name != "kustomization.yml"
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Parses `(relative path, YAML text)` pairs, in the order given, as [`load_dir`] reads a
/// tree's files: one entry per non-empty document, with the path as its source. This is
/// where untrusted YAML enters lint and import (the fuzz target feeds it directly).
pub fn load_texts(files: &[(String, String)]) -> crate::Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text)
            .map_err(|e| Error::Input(e.to_string()))
            .with_context(|| format!("cannot parse {rel} as YAML"))?;
        out.extend(
            docs.into_iter()
                .filter(|d| !d.is_null())
                .map(|d| (rel.clone(), d)),
        );
    }
    Ok(out)
}

/// The objects of a rendered manifest as lint reads them, each with its file's path as the
/// source (what `lint --profile` checks).
pub fn manifest_objects(m: &Manifest) -> Vec<(String, Value)> {
    m.files
        .iter()
        .flat_map(|f| {
            f.objects.iter().map(|o| {
                (
                    f.path.to_string(),
                    // Typed k8s-openapi and CR structs: serializing them cannot fail.
                    serde_json::to_value(o).expect("objects serialize"),
                )
            })
        })
        .collect()
}
