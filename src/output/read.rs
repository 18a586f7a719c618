//! Reading a tree back for `plan`: the files a render would replace or remove, read without
//! following links (through [`Dir`]), under a shared lock like the drift check.

use std::path::Path;

use super::drift::{is_ignored, read_ignore_list};
use super::safe_fs::{Dir, Entry, Kind, is_temp_name};
use super::write::{argocd_would_apply, read_owned};

/// The manifest files of a tree as (relative path, text), sorted by path, and the files that
/// could not be read as text, each with why.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OldTree {
    /// Readable files: (relative path, UTF-8 text).
    pub files: Vec<(String, String)>,
    /// Files that should have been read and were not: (relative path, why).
    pub unreadable: Vec<(String, String)>,
    /// The profile its ownership list names, if it has one.
    pub profile: Option<String>,
}

/// Reads the tree in `dir` for `plan`. A missing directory is an empty tree. With an ownership
/// list, the files it names are read (what a render replaces or removes); without one (a tree
/// written by hand, e.g. from the design document), every file ArgoCD would apply, except
/// those in `.magnetiq-gen-ignore` and temporary files.
pub fn read_tree(dir: &Path) -> crate::Result<OldTree> {
    match Dir::open_root(dir, false)? {
        None => Ok(OldTree::default()),
        Some((root, _)) => read_dir(&root),
    }
}

pub(super) fn read_dir(root: &Dir) -> crate::Result<OldTree> {
    root.lock(false, &mut || {})?;
    let mut tree = OldTree::default();
    let paths: Vec<String> = match read_owned(root)? {
        Some(owned) => {
            tree.profile = owned.profile;
            owned.paths.into_iter().collect()
        }
        None => {
            let ignored = read_ignore_list(root)?;
            root.walk()?
                .into_iter()
                .filter(|f| {
                    let name = f.path.rsplit('/').next().unwrap_or(&f.path);
                    f.kind != Kind::Other
                        && argocd_would_apply(&f.path)
                        && !is_temp_name(name)
                        && !is_ignored(&ignored, &f.path)
                })
                .map(|f| f.path)
                .collect()
        }
    };
    for path in paths {
        // Jsonnet is not YAML: ArgoCD evaluates it; plan cannot.
        if path.to_ascii_lowercase().ends_with(".jsonnet") {
            tree.unreadable
                .push((path, "Jsonnet (plan reads YAML and JSON only)".into()));
            continue;
        }
        let why = match root.read(&path)? {
            Entry::Missing => continue,
            Entry::File(Some(bytes), _) => match String::from_utf8(bytes) {
                Ok(text) => {
                    tree.files.push((path, text));
                    continue;
                }
                Err(_) => "not UTF-8",
            },
            Entry::File(None, _) => "too large, or hard-linked from elsewhere",
            Entry::Link => "a symbolic link (never followed)",
            Entry::Dir | Entry::Other => "not a regular file",
        };
        tree.unreadable.push((path, why.to_string()));
    }
    tree.files.sort();
    Ok(tree)
}
