//! magnetiq-gen renders the Kubernetes deployment of Magnetiq v2 from a profile.
//!
//! The flow: profile TOML → [`profile::model::RawProfile`] → [`profile::Profile`]
//! (validated) → [`resources::all`] (typed k8s-openapi objects, pure) → [`output`].

pub mod cli;
pub mod cmp;
pub mod crds;
pub mod error;
pub mod graph;
pub mod import;
pub mod init;
pub mod inspect;
pub mod labels;
pub mod lint;
pub mod manifest;
pub mod names;
pub mod output;
pub mod profile;
pub mod report;
pub mod resources;
pub mod rules;
pub mod source;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use error::{Error, Result};
pub use manifest::{Manifest, Object};
pub use profile::Profile;

/// Where a `--profile` argument points: a profile name in a directory, or a `.toml` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRef {
    /// The directory holding the profile and the profiles it extends.
    pub dir: PathBuf,
    /// The profile's name (file stem).
    pub name: String,
}

impl ProfileRef {
    /// Resolves `arg`: a path ending in `.toml` (or containing a '/') names a file; anything
    /// else names a profile in `profiles_dir`. A named file is read under the rules of
    /// [`profile::DirStore`] for its directory: a regular file, or a link to one next to it.
    pub fn resolve(arg: &str, profiles_dir: &Path) -> anyhow::Result<Self> {
        let as_path = Path::new(arg);
        if arg.ends_with(".toml") || arg.contains('/') || arg.contains(std::path::MAIN_SEPARATOR) {
            let name = as_path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| as_path.extension().is_some_and(|e| e == "toml") && !s.is_empty())
                .ok_or_else(|| {
                    anyhow::anyhow!("{arg:?} is not a profile: a profile path must end in .toml")
                })?;
            // Not `is_file`, which follows links: whether the entry is a profile (a regular
            // file, or a link to one next to it) is for `DirStore::read` to judge, on the
            // file it opens, with a message that says why not.
            if std::fs::symlink_metadata(as_path).is_err() {
                anyhow::bail!(
                    "cannot read profile {}: no such file (a name without .toml, like {name}, is looked up in {})",
                    report::sanitize(arg),
                    report::sanitize(&profiles_dir.display().to_string())
                );
            }
            let dir = match as_path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            Ok(ProfileRef {
                dir,
                name: name.to_string(),
            })
        } else {
            Ok(ProfileRef {
                dir: profiles_dir.to_path_buf(),
                name: arg.to_string(),
            })
        }
    }
}

/// Loads, validates and renders a profile from a store.
pub fn render(store: &dyn profile::ProfileStore, name: &str) -> anyhow::Result<Manifest> {
    render_with(store, name, &[])
}

/// Like [`render_with`], with the environment that `inline` secrets are read from. Also
/// says whether the result holds plain secret values (which must not be written to a tree).
pub fn render_full(
    store: &dyn profile::ProfileStore,
    name: &str,
    overrides: &[String],
    env: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<(Manifest, bool)> {
    let p = profile::load_full(store, name, overrides, env)?;
    Ok((resources::all(&p), resources::secrets::holds_plaintext(&p)))
}

/// Like [`render`], with `--set key.path=value` overrides applied to the profile.
pub fn render_with(
    store: &dyn profile::ProfileStore,
    name: &str,
    overrides: &[String],
) -> anyhow::Result<Manifest> {
    let p = profile::load_with(store, name, overrides)?;
    Ok(resources::all(&p))
}
