//! magnetiq-gen renders the Kubernetes deployment of Magnetiq v2 from a profile.
//!
//! The flow: profile TOML → [`profile::model::RawProfile`] → [`profile::Profile`]
//! (validated) → [`resources::all`] (typed k8s-openapi objects, pure) → [`extend::apply`]
//! (patches and templates, read back strictly) → [`output`].

pub mod cli;
pub mod cmp;
pub mod commands;
pub mod completion;
pub mod crds;
pub mod error;
pub mod extend;
pub mod graph;
pub mod import;
pub mod init;
pub mod inspect;
pub mod labels;
pub mod lint;
pub mod manifest;
pub mod manual;
pub mod names;
pub mod output;
pub mod plan;
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

/// The profiles directory when `--profiles-dir` is not given.
pub const DEFAULT_PROFILES_DIR: &str = "profiles";

/// Whether a `--profile` argument is a path to a file rather than a profile name.
fn is_path(arg: &str) -> bool {
    arg.ends_with(".toml") || arg.contains('/') || arg.contains(std::path::MAIN_SEPARATOR)
}

/// The profiles directory a command reads: `--profiles-dir` when given, else
/// [`DEFAULT_PROFILES_DIR`]. A `--profile` that is a path brings its own directory (the one
/// its `extends` are read from), so `--profiles-dir` naming another one is refused rather
/// than ignored; naming the same directory is fine.
pub fn profiles_dir<'a>(profile: Option<&str>, given: Option<&'a Path>) -> Result<&'a Path> {
    let Some(given) = given else {
        return Ok(Path::new(DEFAULT_PROFILES_DIR));
    };
    let Some(file) = profile.filter(|p| is_path(p)) else {
        return Ok(given);
    };
    let file_dir = match Path::new(file).parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (file_dir.canonicalize(), given.canonicalize()) {
        (Ok(a), Ok(b)) if a == b => Ok(given),
        // A missing file is reported by the read, with its own message.
        (Err(_), _) => Ok(given),
        _ => crate::fail!(
            Input,
            "--profile {} is a file, read with the profiles next to it in {} (its extends are looked up there), but --profiles-dir names {}; give a profile name with --profiles-dir, or the file alone",
            report::sanitize(file),
            report::sanitize(&file_dir.display().to_string()),
            report::sanitize(&given.display().to_string()),
        ),
    }
}

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
    /// else names a profile in `profiles_dir`, which must exist. A named file is read under
    /// the rules of [`profile::DirStore`] for its directory: a regular file, or a link to one
    /// next to it.
    pub fn resolve(arg: &str, profiles_dir: &Path) -> crate::Result<Self> {
        let as_path = Path::new(arg);
        if is_path(arg) {
            let name = as_path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| as_path.extension().is_some_and(|e| e == "toml") && !s.is_empty())
                .ok_or_else(|| {
                    crate::Error::Input(format!(
                        "{arg:?} is not a profile: a profile path must end in .toml"
                    ))
                })?;
            // Not `is_file`, which follows links: whether the entry is a profile (a regular
            // file, or a link to one next to it) is for `DirStore::read` to judge, on the
            // file it opens, with a message that says why not.
            if std::fs::symlink_metadata(as_path).is_err() {
                crate::fail!(
                    Input,
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
            profile::DirStore::new(profiles_dir).require("--profiles-dir")?;
            Ok(ProfileRef {
                dir: profiles_dir.to_path_buf(),
                name: arg.to_string(),
            })
        }
    }
}

/// One render: which profile, from which store, with which overrides and secret environment.
/// The one entry point for rendering (the binary, the plugin, `lint --profile`, tests).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// Where the profile and the profiles it extends are read from.
    pub store: &'a dyn profile::ProfileStore,
    /// The profile's name in the store.
    pub profile: &'a str,
    /// `--set key.path=value` overrides, applied after `extends` and before references.
    pub overrides: &'a [String],
    /// The `MAGNETIQ_SECRET_*` variables that `inline` secrets are read from.
    pub env: &'a std::collections::BTreeMap<String, String>,
}

/// What a render produced.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The typed objects, by file.
    pub manifest: Manifest,
    /// Whether the objects hold plain secret values (`secrets.mode = "inline"`), which must
    /// not be written to a tree.
    pub plaintext_secrets: bool,
}

static NO_ENV: std::sync::LazyLock<std::collections::BTreeMap<String, String>> =
    std::sync::LazyLock::new(Default::default);

impl<'a> Request<'a> {
    /// Profile `profile` from `store`, with no overrides and no secret environment.
    pub fn new(store: &'a dyn profile::ProfileStore, profile: &'a str) -> Self {
        Request {
            store,
            profile,
            overrides: &[],
            env: &NO_ENV,
        }
    }

    /// With `--set` overrides.
    pub fn overrides(self, overrides: &'a [String]) -> Self {
        Request { overrides, ..self }
    }

    /// With the environment `inline` secrets are read from.
    pub fn env(self, env: &'a std::collections::BTreeMap<String, String>) -> Self {
        Request { env, ..self }
    }

    /// Loads and validates the profile.
    pub fn load(&self) -> Result<Profile> {
        profile::load_full(self.store, self.profile, self.overrides, self.env)
    }

    /// Loads, validates and renders the profile.
    pub fn render(&self) -> Result<Rendered> {
        let p = self.load()?;
        Ok(Rendered {
            manifest: extend::apply(&p, resources::all(&p))?,
            plaintext_secrets: resources::secrets::holds_plaintext(&p),
        })
    }

    /// Validates and renders a profile already loaded from this request's store, name and
    /// overrides (for a caller that also reads its raw values, such as the names it claims).
    pub fn render_loaded(&self, loaded: profile::load::Loaded) -> Result<Rendered> {
        let p = profile::validate_loaded(loaded, self.env)?;
        Ok(Rendered {
            manifest: extend::apply(&p, resources::all(&p))?,
            plaintext_secrets: resources::secrets::holds_plaintext(&p),
        })
    }
}

/// Loads, validates and renders a profile from a store: `Request::new(store, name).render()`
/// without the secret flag.
pub fn render(store: &dyn profile::ProfileStore, name: &str) -> Result<Manifest> {
    Ok(Request::new(store, name).render()?.manifest)
}
