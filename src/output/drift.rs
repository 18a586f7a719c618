//! The drift check: how an output directory differs from a fresh render.
//!
//! It sees what ArgoCD would sync, not only what magnetiq-gen wrote: any YAML or JSON file in
//! the tree that the render does not produce, any link or special file, and anything an
//! interrupted render left, is drift. Files the user keeps there on purpose are listed in
//! `.magnetiq-gen-ignore` (one path a line; a line ending in '/' covers a directory). Secret
//! values never appear in the report: in files holding a Secret, every value under `data` and
//! `stringData` is shown as `<hidden>` (or `<hidden: committed>`/`<hidden: rendered>` where
//! it changed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::safe_fs::{Dir, Entry, Kind, is_temp_name};
use super::write::{argocd_would_apply, read_owned, stale_trees};
use super::{OWNED_LIST, holds_secret};

/// The file in an output directory listing the user's own files that `--check` accepts.
pub const IGNORE_LIST: &str = ".magnetiq-gen-ignore";

/// How an output directory differs from a fresh render.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// The directory checked.
    pub dir: PathBuf,
    /// Files the render has and the directory lacks.
    pub missing: Vec<String>,
    /// Files magnetiq-gen wrote before and no longer renders.
    pub extra: Vec<String>,
    /// Files whose content differs, with a unified diff (secret values masked) each.
    pub changed: Vec<(String, String)>,
    /// Files the render does not produce that ArgoCD would sync, or that are links, special
    /// files or temporary files, each with why it is drift.
    pub unexpected: Vec<(String, &'static str)>,
    /// Trees of profiles that no longer exist (`render --all` only).
    pub stale_trees: Vec<String>,
    /// Whether the last render into the directory was interrupted.
    pub interrupted: bool,
}

impl Drift {
    /// Whether the directory is up to date.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.changed.is_empty()
            && self.unexpected.is_empty()
            && self.stale_trees.is_empty()
            && !self.interrupted
    }

    /// A report listing every difference, ending with `fix` (the command that fixes it).
    pub fn report(&self, fix: &str) -> String {
        let mut out = format!("{} is out of date:\n", self.dir.display());
        if self.interrupted {
            out.push_str("  interrupted: the last render into it did not finish\n");
        }
        for m in &self.missing {
            out.push_str(&format!("  missing: {m}\n"));
        }
        for e in &self.extra {
            out.push_str(&format!("  extra:   {e} (no longer rendered)\n"));
        }
        for t in &self.stale_trees {
            out.push_str(&format!(
                "  extra tree: {t}/ (profile {t} no longer exists)\n"
            ));
        }
        for (u, why) in &self.unexpected {
            out.push_str(&format!("  unexpected: {u} ({why})\n"));
        }
        for (c, _) in &self.changed {
            out.push_str(&format!("  changed: {c}\n"));
        }
        for (_, diff) in &self.changed {
            out.push('\n');
            out.push_str(diff);
        }
        if !self.unexpected.is_empty() {
            out.push_str(&format!(
                "\nfiles that are yours on purpose can be listed in {}\n",
                self.dir.join(IGNORE_LIST).display()
            ));
        }
        out.push_str(&format!("\nto update it, run:\n  {fix}\n"));
        crate::report::printable(&out).into_owned()
    }
}

/// Compares `dir` with `files` without writing anything.
pub fn check_tree(dir: &Path, files: &[(String, String)]) -> crate::Result<Drift> {
    let Some((root, _)) = Dir::open_root(dir, false)? else {
        return Ok(Drift {
            dir: dir.to_path_buf(),
            missing: files.iter().map(|(p, _)| p.clone()).collect(),
            ..Drift::default()
        });
    };
    check_dir(&root, files, &BTreeSet::new())
}

/// `render --all --check`: the trees of `top` compared one at a time as they are rendered
/// (under a shared lock of `top`), so memory does not grow with the number of trees.
/// [`Check::tree`] may be called from several threads at once.
pub struct Check {
    top: PathBuf,
    root: Option<Dir>,
}

impl Check {
    /// Opens and locks `top` for reading; a missing `top` makes every tree missing.
    pub fn open(top: &Path) -> crate::Result<Check> {
        let root = match Dir::open_root(top, false)? {
            Some((root, _)) => {
                root.lock(false, &mut || {})?;
                Some(root)
            }
            None => None,
        };
        Ok(Check {
            top: top.to_path_buf(),
            root,
        })
    }

    /// The drift of `top/<name>` from `files`.
    pub fn tree(&self, name: &str, files: &[(String, String)]) -> crate::Result<Drift> {
        match self
            .root
            .as_ref()
            .map(|r| r.subdir(name, false, &mut Vec::new()))
            .transpose()?
            .flatten()
        {
            Some(dir) => check_dir(&dir, files, &BTreeSet::new()),
            None => Ok(Drift {
                dir: self.top.join(name),
                missing: files.iter().map(|(p, _)| p.clone()).collect(),
                ..Drift::default()
            }),
        }
    }

    /// The drift of `top` itself: trees of profiles not in `rendered`, stray files.
    pub fn rest(&self, rendered: &BTreeSet<&str>) -> crate::Result<Drift> {
        let Some(root) = &self.root else {
            return Ok(Drift {
                dir: self.top.clone(),
                ..Drift::default()
            });
        };
        let stale = stale_trees(root, rendered)?;
        let mut skip: BTreeSet<String> = rendered.iter().map(|s| s.to_string()).collect();
        skip.extend(stale.iter().cloned());
        let mut top_drift = check_dir(root, &[], &skip)?;
        top_drift.stale_trees = stale;
        Ok(top_drift)
    }
}

/// Compares one locked-for-reading directory with `files`; paths under the top-level names in
/// `skip` belong to other checks.
fn check_dir(
    root: &Dir,
    files: &[(String, String)],
    skip: &BTreeSet<String>,
) -> crate::Result<Drift> {
    root.lock(false, &mut || {})?;
    let owned = read_owned(root)?;
    let ignored = read_ignore_list(root)?;
    let mut drift = Drift {
        dir: root.shown().to_path_buf(),
        interrupted: owned.as_ref().is_some_and(|o| o.interrupted),
        ..Drift::default()
    };
    let old: BTreeSet<String> = owned.map(|o| o.paths).unwrap_or_default();
    for (path, text) in files {
        match root.read(path)? {
            Entry::File(Some(bytes), _) if bytes == text.as_bytes() => {}
            Entry::File(Some(bytes), _) => {
                let old_text = String::from_utf8_lossy(&bytes);
                drift
                    .changed
                    .push((path.clone(), diff(root, path, &old_text, text)));
            }
            Entry::File(None, _) => drift.changed.push((
                path.clone(),
                format!(
                    "{} is far larger than any rendered file or hard-linked from elsewhere; a render replaces it\n",
                    root.show(path).display()
                ),
            )),
            Entry::Missing => drift.missing.push(path.clone()),
            Entry::Link => drift.changed.push((
                path.clone(),
                format!(
                    "{} is a symbolic link; a render replaces it with the file\n",
                    root.show(path).display()
                ),
            )),
            Entry::Dir | Entry::Other => drift.changed.push((
                path.clone(),
                format!("{} is not a regular file\n", root.show(path).display()),
            )),
        }
    }
    let rendered: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for found in root.walk_except(skip)? {
        let path = found.path.as_str();
        let top = path.split('/').next().unwrap_or(path);
        if rendered.contains(path)
            || skip.contains(top)
            || path == OWNED_LIST
            || path == IGNORE_LIST
        {
            continue;
        }
        let name = path.rsplit_once('/').map_or(path, |(_, n)| n);
        if is_temp_name(name) {
            drift.unexpected.push((
                found.path.clone(),
                "left by an interrupted render; a render removes it",
            ));
            continue;
        }
        if old.contains(path) {
            drift.extra.push(found.path.clone());
            continue;
        }
        if is_ignored(&ignored, path) {
            continue;
        }
        let why = match found.kind {
            Kind::Link => "a symbolic link magnetiq-gen did not write",
            Kind::Other => "not a regular file",
            Kind::File if argocd_would_apply(path) => {
                "not rendered by magnetiq-gen, but ArgoCD would apply it"
            }
            Kind::File => continue,
        };
        drift.unexpected.push((found.path.clone(), why));
    }
    Ok(drift)
}

pub(super) fn read_ignore_list(root: &Dir) -> crate::Result<Vec<String>> {
    Ok(match root.read(IGNORE_LIST)? {
        Entry::File(Some(bytes), _) => String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    })
}

pub(super) fn is_ignored(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('/') {
        Some(dir) => path.starts_with(dir) && path[dir.len()..].starts_with('/'),
        None => p == path,
    })
}

/// A unified diff of a changed file, with secret values masked on both sides.
fn diff(root: &Dir, path: &str, old: &str, new: &str) -> String {
    let shown = root.show(path).display().to_string();
    let (old, new) = if holds_secret(old) || holds_secret(new) {
        let (a, b) = (secret_values(old), secret_values(new));
        (
            mask(old, &a, &b, "committed"),
            mask(new, &b, &a, "rendered"),
        )
    } else {
        (old.to_string(), new.to_string())
    };
    similar::TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (committed)"),
            &format!("{shown} (rendered)"),
        )
        .to_string()
}

/// A line of a Secret's `data`/`stringData` block: (secret document ordinal, key), or `None`
/// for lines outside such blocks. Continuation lines of a value share their key.
fn classify(text: &str) -> Vec<Option<(usize, String)>> {
    let mut out = Vec::new();
    let docs = split_docs(text);
    let mut secret_index = 0;
    for doc in docs {
        let is_secret = doc.iter().any(|l| l.trim_end() == "kind: Secret");
        let mut block: Option<String> = None;
        let mut key_indent: Option<usize> = None;
        let mut key: Option<String> = None;
        for line in &doc {
            let indent = line.len() - line.trim_start().len();
            if !is_secret {
                out.push(None);
                continue;
            }
            if indent == 0 && !line.trim().is_empty() {
                key = None;
                key_indent = None;
                block = ["data:", "stringData:"]
                    .iter()
                    .find(|b| line.starts_with(*b))
                    .map(|b| b.trim_end_matches(':').to_string());
                match &block {
                    // A flow mapping on the block line itself (`data: {a: b}`): all of it is secret.
                    Some(b)
                        if !line[b.len() + 1..].trim().is_empty()
                            && line[b.len() + 1..].trim() != "{}" =>
                    {
                        out.push(Some((secret_index, b.clone())));
                    }
                    _ => out.push(None),
                }
                continue;
            }
            let Some(b) = &block else {
                out.push(None);
                continue;
            };
            let ki = *key_indent.get_or_insert(indent);
            if indent == ki && !line.trim().is_empty() {
                let k = line
                    .trim_start()
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .to_string();
                key = Some(format!("{b}.{k}"));
            }
            out.push(key.clone().map(|k| (secret_index, k)));
        }
        if is_secret {
            secret_index += 1;
        }
    }
    out
}

fn split_docs(text: &str) -> Vec<Vec<&str>> {
    let mut docs = vec![Vec::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            docs.push(vec![line]);
        } else {
            docs.last_mut().expect("one at least").push(line);
        }
    }
    docs
}

/// The value text of every secret key, for telling changed values from unchanged ones.
fn secret_values(text: &str) -> BTreeMap<(usize, String), String> {
    let mut out: BTreeMap<(usize, String), String> = BTreeMap::new();
    for (line, class) in text.lines().zip(classify(text)) {
        if let Some(k) = class {
            let v = out.entry(k).or_default();
            v.push_str(line);
            v.push('\n');
        }
    }
    out
}

/// `text` with every secret value replaced: `<hidden>` where both sides agree, else
/// `<hidden: side>`; continuation lines of a value are dropped.
fn mask(
    text: &str,
    own: &BTreeMap<(usize, String), String>,
    other: &BTreeMap<(usize, String), String>,
    side: &str,
) -> String {
    let mut out = String::new();
    let mut last: Option<(usize, String)> = None;
    for (line, class) in text.lines().zip(classify(text)) {
        match class {
            None => {
                out.push_str(line);
                out.push('\n');
                last = None;
            }
            Some(k) if last.as_ref() == Some(&k) => {}
            Some(k) => {
                let same = own.get(&k) == other.get(&k);
                let marker = if same {
                    "<hidden>".to_string()
                } else {
                    format!("<hidden: {side}>")
                };
                let head = line.split(':').next().unwrap_or("");
                out.push_str(&format!("{head}: {marker}\n"));
                last = Some(k);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "kind: Secret\nmetadata:\n  name: s\ndata:\n  password: c2VjcmV0\n  token: |\n    bGluZTE=\n    bGluZTI=\n  same: YQ==\n";
    const NEW: &str = "kind: Secret\nmetadata:\n  name: s\ndata:\n  password: b3RoZXI=\n  token: |\n    bGluZTE=\n  same: YQ==\n";

    #[test]
    fn masking_hides_every_secret_value_and_marks_changed_ones() {
        let (a, b) = (secret_values(OLD), secret_values(NEW));
        let old = mask(OLD, &a, &b, "committed");
        let new = mask(NEW, &b, &a, "rendered");
        for value in ["c2VjcmV0", "b3RoZXI=", "bGluZTE=", "bGluZTI=", "YQ=="] {
            assert!(
                !old.contains(value) && !new.contains(value),
                "{value} leaked"
            );
        }
        assert!(old.contains("  password: <hidden: committed>"));
        assert!(new.contains("  password: <hidden: rendered>"));
        assert!(old.contains("  token: <hidden: committed>"));
        assert!(new.contains("  same: <hidden>"));
        assert!(
            new.contains("  name: s"),
            "non-secret lines are kept: {new}"
        );
    }

    #[test]
    fn flow_style_secret_data_is_hidden_whole() {
        let text = "kind: Secret\ndata: {password: c2VjcmV0}\n";
        let v = secret_values(text);
        let masked = mask(text, &v, &BTreeMap::new(), "committed");
        assert!(!masked.contains("c2VjcmV0"), "{masked}");
    }

    #[test]
    fn ignore_list_matches_paths_and_directories() {
        let pats = vec!["extra/".to_string(), "mine.yaml".to_string()];
        assert!(is_ignored(&pats, "extra/a.yaml"));
        assert!(is_ignored(&pats, "mine.yaml"));
        assert!(!is_ignored(&pats, "extras/a.yaml"));
        assert!(!is_ignored(&pats, "other/mine.yaml"));
    }
}
