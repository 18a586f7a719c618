//! What ArgoCD needs to manage every environment's Application from Git: the app-of-apps tree
//! `render --all` writes into `<out-dir>/_argocd/`, and the settings a plugin-mode
//! Application takes from the render's command line.
//!
//! Both name paths inside the Git repository, which only the filesystem knows: the directory
//! is found relative to the enclosing Git work tree (or, outside one, taken as given).

use std::path::{Component, Path, PathBuf};

use super::{OWNED_LIST, owned_header};
use crate::manifest::{GITOPS_APPS_DIR, GITOPS_DIR, Object, ROOT_APPLICATION_FILE};
use crate::resources::argocd::{self, PluginSettings, RootChild};
use crate::yaml::to_yaml;
use crate::{ProfileRef, Rendered};

/// A tree of `render --all`: its directory name and its files (relative path, text).
pub type NamedTree = (String, Vec<(String, String)>);

/// `path` relative to the root of the Git work tree holding it, '/'-separated ("." for the
/// root itself); outside a work tree, `path` itself when it is relative and stays inside the
/// current directory; else `None`.
pub fn repo_relative(path: &Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let mut abs = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::ParentDir => {
                abs.pop();
            }
            Component::CurDir => {}
            other => abs.push(other),
        }
    }
    let inside_repo = abs
        .ancestors()
        .find(|a| a.join(".git").exists())
        .and_then(|root| abs.strip_prefix(root).ok().map(Path::to_path_buf));
    let rel = match inside_repo {
        Some(rel) => rel,
        None if path.is_relative() => abs.strip_prefix(&cwd).ok()?.to_path_buf(),
        None => return None,
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect::<Option<_>>()?;
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

/// A warning when `dir` is inside a Git work tree that ignores it (a `.gitignore` rule): a
/// tree written there is meant to be committed (ArgoCD's directory mode and the drift check
/// read it from Git), and `git add` would silently skip it. `None` outside a work tree, when
/// Git is not installed, or when it is not ignored: this is advice, never a failure.
pub fn ignored_by_git(dir: &Path) -> Option<String> {
    let abs = std::env::current_dir().ok()?.join(dir);
    abs.ancestors().find(|a| a.join(".git").exists())?;
    // `--no-index` reads only the ignore rules; fsmonitor is off so no configured program runs.
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "core.fsmonitor=false",
            "check-ignore",
            "-q",
            "--no-index",
            "--",
        ])
        .arg(&abs)
        .current_dir(abs.parent().unwrap_or(&abs))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| {
        format!(
            "note: Git ignores {} here (see `git check-ignore -v {}`): commit the tree for ArgoCD's directory mode and the drift check, or render through the plugin instead",
            dir.display(),
            dir.display()
        )
    })
}

/// Points every plugin-mode Application in `rendered` at the folder holding the profiles
/// directory the render read, carrying its name and `overrides` (see
/// [`argocd::carry_plugin_settings`]). A profiles directory outside the repository (and
/// outside the current directory) leaves them as the profile says.
pub fn carry_plugin_settings(
    rendered: &mut [Rendered],
    profile: Option<&str>,
    profiles_dir: &Path,
    overrides: &[String],
) -> crate::Result<()> {
    if let Some(settings) = plugin_settings(profile, profiles_dir, overrides)? {
        for r in rendered {
            apply_plugin_settings(r, &settings);
        }
    }
    Ok(())
}

/// What a plugin-mode Application rendered from `profile` (or every profile of `profiles_dir`
/// with `None`) must carry; `None` when the profiles directory is outside the repository.
pub fn plugin_settings(
    profile: Option<&str>,
    profiles_dir: &Path,
    overrides: &[String],
) -> crate::Result<Option<PluginSettings>> {
    let dir = match profile {
        Some(p) => ProfileRef::resolve(p, profiles_dir)?.dir,
        None => profiles_dir.to_path_buf(),
    };
    let Some(rel) = repo_relative(&dir) else {
        return Ok(None);
    };
    let (source_path, name) = match rel.rsplit_once('/') {
        Some((parent, name)) => (parent.to_string(), name.to_string()),
        None if rel == "." => (".".to_string(), String::new()),
        None => (".".to_string(), rel.clone()),
    };
    Ok(Some(PluginSettings {
        source_path,
        profiles_dir: (name != "profiles" && !name.is_empty()).then_some(name),
        overrides: overrides.to_vec(),
    }))
}

/// Applies `settings` to every plugin-mode Application of `rendered`.
pub fn apply_plugin_settings(rendered: &mut Rendered, settings: &PluginSettings) {
    for f in &mut rendered.manifest.files {
        for o in &mut f.objects {
            if let Object::Application(app) = o {
                argocd::carry_plugin_settings(app, settings);
            }
        }
    }
}

/// One environment's entry in the `_argocd` tree: what the root shares with its Application,
/// and the text of the file `apps/<profile>.yaml` that holds it.
pub type Child = (RootChild, String);

/// The environment's Application of `rendered`, if it has one, as the `_argocd` tree of
/// `render --all` needs it: the text of its file there (the whole object is not kept while
/// the others render).
pub fn application(rendered: &Rendered) -> Option<Child> {
    let profile = &rendered.manifest.profile;
    rendered
        .manifest
        .files
        .iter()
        .flat_map(|f| &f.objects)
        .find_map(|o| match o {
            Object::Application(a) => Some((
                RootChild::from(a),
                format!(
                    "# Generated by magnetiq-gen from profile \"{profile}\" (render --all). Do not edit by hand.\n\
                     # Synced by the root Application ({ROOT_APPLICATION_FILE}).\n{}",
                    to_yaml(a)
                ),
            )),
            _ => None,
        })
}

/// The `_argocd` tree of `render --all` into `out_dir`: `apps/<profile>.yaml` holding each
/// environment's Application, the root Application that syncs `apps/`, and the ownership
/// list, as (name, files) like a profile's tree. `None` when no profile renders an
/// Application.
pub fn root_tree(
    out_dir: &Path,
    children: Vec<(String, Child)>,
) -> crate::Result<Option<NamedTree>> {
    if children.is_empty() {
        return Ok(None);
    }
    // Outside a Git work tree, and for an absolute --out-dir, the directory's own name is the
    // best guess; the README asks for renders inside the work tree.
    let base = repo_relative(out_dir).unwrap_or_else(|| {
        out_dir
            .file_name()
            .map_or_else(|| ".".into(), |n| n.to_string_lossy().into_owned())
    });
    let apps_path = if base == "." {
        format!("{GITOPS_DIR}/{GITOPS_APPS_DIR}")
    } else {
        format!("{base}/{GITOPS_DIR}/{GITOPS_APPS_DIR}")
    };
    let apps: Vec<&RootChild> = children.iter().map(|(_, (c, _))| c).collect();
    let root = argocd::root(&apps, &apps_path, &base)
        .map_err(|e| crate::Error::Input(format!("cannot write the ArgoCD root: {e}")))?;
    drop(apps);
    let mut files: Vec<(String, String)> = children
        .into_iter()
        .map(|(profile, (_, text))| (format!("{GITOPS_APPS_DIR}/{profile}.yaml"), text))
        .collect();
    files.push((
        ROOT_APPLICATION_FILE.to_string(),
        format!(
            "# Generated by magnetiq-gen (render --all). Do not edit by hand.\n\
             # The app-of-apps root: apply it once, by hand (kubectl apply -f {ROOT_APPLICATION_FILE});\n\
             # it syncs {GITOPS_APPS_DIR}/ and never itself.\n{}",
            to_yaml(&root)
        ),
    ));
    let mut owned = owned_header(GITOPS_DIR);
    for (path, _) in &files {
        owned.push_str(path);
        owned.push('\n');
    }
    files.push((OWNED_LIST.to_string(), owned));
    files.sort();
    Ok(Some((GITOPS_DIR.to_string(), files)))
}
