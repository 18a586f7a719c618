//! Where profiles are read from: a directory on disk (refusing links out of it, FIFOs,
//! devices and oversized files without blocking), or memory (tests, fuzzing).

use std::path::{Path, PathBuf};

use super::MAX_PROFILE_BYTES;
use crate::error::{Context as _, Error};
use crate::report::sanitize;

/// Where profiles are read from: a directory on disk, or memory (tests, fuzzing).
pub trait ProfileStore {
    /// Reads profile `name` (a plain name, no `.toml`). `Ok(None)` when it does not exist.
    fn read(&self, name: &str) -> crate::Result<Option<(String, Vec<u8>)>>;
    /// Names of all profiles, sorted.
    fn names(&self) -> Vec<String>;
    /// Where profile `name` is looked for, for messages (`profiles/qa.toml`).
    fn path_of(&self, name: &str) -> String {
        format!("{name}.toml")
    }
    /// Names that look like profiles but that [`read`](Self::read) refuses (a FIFO or a link
    /// out of the directory named `x.toml`), sorted; `render --all` renders them too, so
    /// that it fails on them instead of skipping them silently.
    fn refused(&self) -> Vec<String> {
        Vec::new()
    }
    /// Reads template `name` (`templates/NAME.yaml.j2` next to the profiles directory), as
    /// (the path shown in messages, the bytes). `Ok(None)` when it does not exist.
    fn read_template(&self, _name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        Ok(None)
    }
    /// Names of the templates there, sorted (for "did you mean").
    fn template_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What a template file's name ends with.
pub const TEMPLATE_SUFFIX: &str = ".yaml.j2";

/// Profiles in a directory: `NAME.toml`.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    /// A store over `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DirStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Fails, naming the directory, when it does not exist or cannot be listed: an empty
    /// list of profiles would hide the real problem. `set_with` says how to give another
    /// directory (`--profiles-dir`, or the plugin's `PROFILES_DIR`).
    pub fn require(&self, set_with: &str) -> crate::Result<()> {
        let shown = sanitize(&self.dir.display().to_string()).into_owned();
        match std::fs::read_dir(&self.dir) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Input(format!(
                "profiles directory {shown} does not exist (give the directory with {set_with})"
            ))),
            Err(_) if self.dir.exists() && !self.dir.is_dir() => Err(Error::Input(format!(
                "profiles directory {shown} is not a directory (give the directory with {set_with})"
            ))),
            Err(e) => Err(e).with_context(|| format!("cannot list profiles directory {shown}")),
        }
    }
}

impl ProfileStore for DirStore {
    /// Reads `NAME.toml` as a regular file of the directory, refusing anything else with a
    /// message that names the file and why, never its content:
    ///
    /// - a symbolic link is followed one step, and only to a `.toml` file next to it
    ///   (`prod.toml -> production.toml`, an alias a team may keep); a link anywhere else
    ///   (`/proc/self/environ`, `../secrets.toml`) is refused;
    /// - FIFOs, devices, sockets and directories are refused without blocking: the file is
    ///   opened with `O_NONBLOCK | O_NOFOLLOW` and checked on the open handle, so nothing can
    ///   be swapped in between a check and the read;
    /// - a file over [`MAX_PROFILE_BYTES`] is refused from its size, before reading.
    fn read(&self, name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        let path = self.dir.join(format!("{name}.toml"));
        let display = sanitize(&path.display().to_string()).into_owned();
        let refuse = |why: String| -> crate::Result<Option<(String, Vec<u8>)>> {
            Err(Error::Input(format!(
                "cannot read profile {display}: {why}"
            )))
        };
        let entry = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read profile {display}")),
        };
        let open_path = if entry.file_type().is_symlink() {
            let target = std::fs::read_link(&path)
                .with_context(|| format!("cannot read profile {display}"))?;
            match sibling_profile(&target) {
                Some(file) => self.dir.join(file),
                None => {
                    return refuse(format!(
                        "it is a symbolic link to {}; a profile must be a regular file in {}, or a link to a .toml file next to it",
                        sanitize(&target.display().to_string()),
                        sanitize(&self.dir.display().to_string()),
                    ));
                }
            }
        } else if !entry.is_file() {
            // Refused before opening: opening a device can have effects of its own.
            return refuse(format!("it is {}, not a regular file", kind_of(&entry)));
        } else {
            path.clone()
        };
        let file = match open_regular(&open_path) {
            Ok(f) => f,
            Err(_) if std::fs::symlink_metadata(&open_path).is_ok_and(|m| m.is_symlink()) => {
                return refuse(
                    "it is a symbolic link to another link; links are followed one step only"
                        .into(),
                );
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read profile {display}")),
        };
        // Checked on the open handle: this is the file that will be read.
        let meta = file
            .metadata()
            .with_context(|| format!("cannot read profile {display}"))?;
        if !meta.is_file() {
            return refuse(format!("it is {}, not a regular file", kind_of(&meta)));
        }
        if meta.len() > MAX_PROFILE_BYTES as u64 {
            return refuse(format!(
                "it is larger than {} KiB, which no profile needs",
                MAX_PROFILE_BYTES / 1024
            ));
        }
        let mut bytes = Vec::new();
        use std::io::Read as _;
        // Read one byte past the limit so a file that grew since is noticed.
        file.take(MAX_PROFILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read profile {display}"))?;
        Ok(Some((display, bytes)))
    }

    /// Profiles [`read`](Self::read) accepts: regular `.toml` files and links to one next to
    /// them. Other `.toml` entries are left out here and listed by
    /// [`refused`](ProfileStore::refused).
    fn names(&self) -> Vec<String> {
        self.entries(true)
    }

    fn path_of(&self, name: &str) -> String {
        sanitize(&self.dir.join(format!("{name}.toml")).display().to_string()).into_owned()
    }

    fn refused(&self) -> Vec<String> {
        self.entries(false)
    }

    /// Reads `templates/NAME.yaml.j2` from the first of [`DirStore::templates_dirs`] that
    /// has it: a regular file (no link, no FIFO or device), at most [`MAX_PROFILE_BYTES`].
    fn read_template(&self, name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        for dir in self.templates_dirs() {
            if let Some(found) = read_template_in(&dir, name)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn template_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .templates_dirs()
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(TEMPLATE_SUFFIX).map(str::to_string)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Reads `dir/NAME.yaml.j2`; `Ok(None)` when there is no such entry.
fn read_template_in(dir: &Path, name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
    let path = dir.join(format!("{name}{TEMPLATE_SUFFIX}"));
    let display = sanitize(&path.display().to_string()).into_owned();
    let entry = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read template {display}")),
    };
    if !entry.is_file() {
        return Err(Error::Input(format!(
            "cannot read template {display}: it is {}, not a regular file",
            if entry.file_type().is_symlink() {
                "a symbolic link"
            } else {
                kind_of(&entry)
            }
        )));
    }
    let file = open_regular(&path).with_context(|| format!("cannot read template {display}"))?;
    let mut bytes = Vec::new();
    use std::io::Read as _;
    file.take(MAX_PROFILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read template {display}"))?;
    if bytes.len() > MAX_PROFILE_BYTES {
        return Err(Error::Input(format!(
            "cannot read template {display}: it is larger than {} KiB",
            MAX_PROFILE_BYTES / 1024
        )));
    }
    Ok(Some((display, bytes)))
}

impl DirStore {
    /// Where templates are looked for, in order: the `templates/` folder next to the
    /// profiles directory (`profiles/` and `templates/` side by side at the top of the
    /// repository), then `templates/` in the working directory (for a profile given as a
    /// file elsewhere, rendered from the repository's top).
    pub fn templates_dirs(&self) -> Vec<PathBuf> {
        let sibling = match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join("templates"),
            _ if self.dir.as_os_str().is_empty() || self.dir == Path::new(".") => {
                PathBuf::from("../templates")
            }
            _ => PathBuf::from("templates"),
        };
        let here = PathBuf::from("templates");
        if sibling == here {
            vec![here]
        } else {
            vec![sibling, here]
        }
    }

    /// Stems of the `*.toml` entries that are (`readable`) or are not profiles `read` accepts,
    /// sorted. Judged from the entries without opening them (`read` checks again).
    fn entries(&self, readable: bool) -> Vec<String> {
        let accepted = |p: &Path| {
            let Ok(m) = std::fs::symlink_metadata(p) else {
                return false;
            };
            if m.is_symlink() {
                std::fs::read_link(p)
                    .ok()
                    .and_then(|t| sibling_profile(&t).map(|f| self.dir.join(f)))
                    .is_some_and(|f| std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file()))
            } else {
                m.is_file()
            }
        };
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let p = e.path();
                let stem = (p.extension()? == "toml").then(|| p.file_stem()?.to_str())??;
                (accepted(&p) == readable).then(|| stem.to_string())
            })
            .collect();
        names.sort();
        names
    }
}

/// The file a profile link may point to: a `.toml` file in the same directory, named by a
/// relative path of one component.
fn sibling_profile(target: &Path) -> Option<&std::ffi::OsStr> {
    let mut parts = target.components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(file)), None)
            if Path::new(file).extension().is_some_and(|e| e == "toml") =>
        {
            Some(file)
        }
        _ => None,
    }
}

/// What kind of file `meta` describes, for "it is a FIFO, not a regular file".
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Opens `path` for reading without following a link in its last component and without
/// blocking on a FIFO (the caller checks the kind on the handle).
#[cfg(unix)]
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        // std does not export the flags; rustix has them for every Unix target.
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32)
        .open(path)
}

/// Without `O_NOFOLLOW`, the link check before opening and the kind check after it remain.
#[cfg(not(unix))]
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Profiles held in memory, for tests and fuzzing.
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    /// (name, text) pairs.
    pub files: Vec<(String, Vec<u8>)>,
}

impl ProfileStore for MemStore {
    fn read(&self, name: &str) -> crate::Result<Option<(String, Vec<u8>)>> {
        Ok(self
            .files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(n, b)| (format!("{n}.toml"), b.clone())))
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.files.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags are written out by hand (no `libc`): prove on this platform that the open
    /// itself refuses a link and does not wait for a FIFO's writer.
    #[cfg(unix)]
    #[test]
    fn the_open_itself_refuses_links_and_does_not_block_on_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "a = 1\n").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(open_regular(&real).is_ok());
        assert!(open_regular(&link).is_err(), "O_NOFOLLOW is wrong here");

        let fifo = dir.path().join("fifo.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Would block forever without O_NONBLOCK: nobody writes.
            let f = open_regular(&fifo).expect("a FIFO opens at once");
            assert!(!f.metadata().unwrap().is_file());
        }
    }

    #[test]
    fn a_link_may_name_only_a_toml_file_next_to_it() {
        assert!(sibling_profile(Path::new("production.toml")).is_some());
        for bad in [
            "/proc/self/environ",
            "../x.toml",
            "sub/x.toml",
            "./x.toml",
            "x.txt",
        ] {
            assert!(sibling_profile(Path::new(bad)).is_none(), "{bad}");
        }
    }
}
