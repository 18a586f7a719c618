//! File access below an output directory that never follows a symbolic link.
//!
//! Every path below the output directory is reached from the directory's own descriptor, one
//! component at a time, with `O_NOFOLLOW`: a link planted anywhere in the tree (Git stores
//! them) is seen as a link and never written, read or deleted through, even when it appears
//! between a check and a write. The output directory itself is the one path that is resolved
//! normally: it is the user's own argument.

use std::ffi::OsStr;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustix::fs::{self as rfs, AtFlags, FileType, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use crate::error::Context as _;

/// Largest file read back from a tree: far above anything magnetiq-gen writes, so a huge
/// file planted in the tree cannot exhaust memory; a larger one simply counts as different.
const MAX_READ_BYTES: u64 = 64 << 20;

/// How long a render waits for another one writing the same directory.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// The marker in the names of temporary files (`.NAME.magnetiq-gen-tmp-PID-N`).
pub const TEMP_MARKER: &str = ".magnetiq-gen-tmp";

/// An open directory, with the path shown in messages.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    shown: PathBuf,
}

/// What a name in a directory is, seen without following links.
#[derive(Debug)]
pub enum Entry {
    /// Nothing there.
    Missing,
    /// A regular file: its bytes (`None` when over the read limit or hard-linked elsewhere)
    /// and permission bits.
    File(Option<Vec<u8>>, u32),
    /// A directory.
    Dir,
    /// A symbolic link.
    Link,
    /// A FIFO, socket or device.
    Other,
}

/// What [`Dir::walk`] found: a path relative to the walked directory and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Relative path, '/'-separated.
    pub path: String,
    /// The kind, seen without following links.
    pub kind: Kind,
}

/// The kind of a [`Found`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A symbolic link (never followed).
    Link,
    /// A FIFO, socket or device.
    Other,
}

fn with_path(e: Errno, what: &str, path: &Path) -> crate::Error {
    crate::Error::io(
        format_args!("cannot {what} {}", path.display()),
        std::io::Error::from(e),
    )
}

fn kind_of(mode: u32) -> FileType {
    FileType::from_raw_mode(mode)
}

impl Dir {
    /// Opens (and with `create`, creates) the output directory given by the user.
    /// Returns the directory and whether it was created.
    pub fn open_root(path: &Path, create: bool) -> crate::Result<Option<(Dir, bool)>> {
        let mut created = false;
        if create && !path.exists() {
            std::fs::create_dir_all(path)
                .with_context(|| format!("cannot create directory {}", path.display()))?;
            created = true;
        }
        match rfs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(Some((
                Dir {
                    fd,
                    shown: path.to_path_buf(),
                },
                created,
            ))),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::NOTDIR) => crate::fail!(
                Tree,
                "cannot write to {}: it exists and is not a directory",
                path.display()
            ),
            Err(e) => Err(with_path(e, "open directory", path)),
        }
    }

    /// The path shown in messages.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// The path of `rel` below this directory, for messages.
    pub fn show(&self, rel: &str) -> PathBuf {
        self.shown.join(rel)
    }

    /// Takes the directory's advisory lock: exclusive to write, shared to read. Waits for
    /// another run holding it (saying so once on stderr through `waiting`), up to a limit.
    /// The lock lasts as long as this `Dir`.
    pub fn lock(&self, exclusive: bool, waiting: &mut dyn FnMut()) -> crate::Result<()> {
        let op = if exclusive {
            FlockOperation::NonBlockingLockExclusive
        } else {
            FlockOperation::NonBlockingLockShared
        };
        let start = Instant::now();
        let mut told = false;
        loop {
            match rfs::flock(&self.fd, op) {
                Ok(()) => return Ok(()),
                Err(Errno::WOULDBLOCK) | Err(Errno::INTR) => {
                    if !told {
                        waiting();
                        told = true;
                    }
                    if start.elapsed() > LOCK_WAIT {
                        crate::fail!(
                            Tree,
                            "another magnetiq-gen run has been writing {} for over {} s; \
                             try again when it has finished",
                            self.shown.display(),
                            LOCK_WAIT.as_secs()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(with_path(e, "lock", &self.shown)),
            }
        }
    }

    /// Opens the subdirectory `rel` ('/'-separated). `Ok(None)` when a component is missing
    /// and `create` is false. A component that is a link or not a directory is an error.
    /// Directories created are appended to `created` (relative paths, parents first).
    pub fn subdir(
        &self,
        rel: &str,
        create: bool,
        created: &mut Vec<String>,
    ) -> crate::Result<Option<Dir>> {
        let mut current: Option<Dir> = None;
        let mut so_far = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if !so_far.is_empty() {
                so_far.push('/');
            }
            so_far.push_str(part);
            let parent = current.as_ref().unwrap_or(self);
            let next = match parent.open_child_dir(part) {
                Ok(fd) => fd,
                Err(Errno::NOENT) if create => {
                    match rfs::mkdirat(&parent.fd, part, Mode::from_raw_mode(0o755)) {
                        Ok(()) => created.push(so_far.clone()),
                        Err(Errno::EXIST) => {}
                        Err(e) => {
                            return Err(with_path(e, "create directory", &self.show(&so_far)));
                        }
                    }
                    parent
                        .open_child_dir(part)
                        .map_err(|e| self.explain_dir_error(e, &so_far))?
                }
                Err(Errno::NOENT) => return Ok(None),
                Err(e) => return Err(self.explain_dir_error(e, &so_far)),
            };
            current = Some(Dir {
                fd: next,
                shown: self.show(&so_far),
            });
        }
        Ok(Some(
            current.unwrap_or(Dir {
                fd: self
                    .fd
                    .try_clone()
                    .with_context(|| format!("cannot open {}", self.shown.display()))?,
                shown: self.shown.clone(),
            }),
        ))
    }

    fn open_child_dir(&self, name: &str) -> Result<OwnedFd, Errno> {
        rfs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
    }

    fn explain_dir_error(&self, e: Errno, rel: &str) -> crate::Error {
        let shown = self.show(rel);
        match self.entry_kind(rel) {
            Some(FileType::Symlink) => crate::Error::Tree(format!(
                "refusing to write through {}: it is a symbolic link, and magnetiq-gen never writes, \
                 reads or deletes through links in its tree; replace it with a directory",
                shown.display()
            )),
            Some(t) if t != FileType::Directory => crate::Error::Tree(format!(
                "cannot write into {}: it is not a directory",
                shown.display()
            )),
            _ => with_path(e, "open directory", &shown),
        }
    }

    /// The kind of `rel` (a single name or a path of real directories), not following links.
    fn entry_kind(&self, rel: &str) -> Option<FileType> {
        let (dir, name) = self.split(rel).ok()??;
        rfs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW)
            .ok()
            .map(|st| kind_of(st.st_mode))
    }

    /// The directory holding `rel` and `rel`'s last component; `None` when a parent is missing.
    fn split<'a>(&self, rel: &'a str) -> crate::Result<Option<(Dir, &'a str)>> {
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        Ok(self
            .subdir(parent, false, &mut Vec::new())?
            .map(|d| (d, name)))
    }

    /// What `rel` is, reading a regular file's content without following links and without
    /// blocking on a FIFO.
    pub fn read(&self, rel: &str) -> crate::Result<Entry> {
        let Some((dir, name)) = self.split(rel)? else {
            return Ok(Entry::Missing);
        };
        let st = match rfs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::NOENT) => return Ok(Entry::Missing),
            Err(e) => return Err(with_path(e, "read", &self.show(rel))),
        };
        match kind_of(st.st_mode) {
            FileType::RegularFile => {}
            FileType::Directory => return Ok(Entry::Dir),
            FileType::Symlink => return Ok(Entry::Link),
            _ => return Ok(Entry::Other),
        }
        let fd = match rfs::openat(
            &dir.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => return Ok(Entry::Link),
            Err(Errno::NOENT) => return Ok(Entry::Missing),
            Err(e) => return Err(with_path(e, "read", &self.show(rel))),
        };
        // The name may have been swapped between the stat and the open: trust only the
        // descriptor.
        let st = rfs::fstat(&fd).map_err(|e| with_path(e, "read", &self.show(rel)))?;
        if kind_of(st.st_mode) != FileType::RegularFile {
            return Ok(Entry::Other);
        }
        let mode = st.st_mode & 0o7777;
        // A file hard-linked elsewhere shares its inode with something outside the tree:
        // report it as unreadable so it is replaced by a rename, never changed in place.
        if st.st_size as u64 > MAX_READ_BYTES || st.st_nlink > 1 {
            return Ok(Entry::File(None, mode));
        }
        let mut bytes = Vec::new();
        std::fs::File::from(fd)
            .take(MAX_READ_BYTES)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", self.show(rel).display()))?;
        Ok(Entry::File(Some(bytes), mode))
    }

    /// Writes `bytes` to a new temporary file next to `rel` (created exclusively, never
    /// through a link) and returns its name in that directory.
    pub fn write_temp(&self, rel: &str, bytes: &[u8], mode: u32) -> crate::Result<String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let dir = self
            .subdir(parent, false, &mut Vec::new())?
            .ok_or_else(|| {
                crate::Error::Tree(format!("internal error: {parent} was not created"))
            })?;
        let temp = format!(
            ".{name}{TEMP_MARKER}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let temp_rel = if parent.is_empty() {
            temp.clone()
        } else {
            format!("{parent}/{temp}")
        };
        let fd = rfs::openat(
            &dir.fd,
            temp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        )
        .map_err(|e| with_path(e, "write", &self.show(&temp_rel)))?;
        let mut file = std::fs::File::from(fd);
        if let Err(e) = file.write_all(bytes) {
            let _ = rfs::unlinkat(&dir.fd, temp.as_str(), AtFlags::empty());
            return Err(e)
                .with_context(|| format!("cannot write {}", self.show(&temp_rel).display()));
        }
        Ok(temp_rel)
    }

    /// Renames `from` to `to` (both relative; the same directory). Replaces a file or a link
    /// at `to` (the link itself, never its target).
    pub fn rename(&self, from: &str, to: &str) -> crate::Result<()> {
        let (parent, to_name) = to.rsplit_once('/').unwrap_or(("", to));
        let from_name = from.rsplit_once('/').map_or(from, |(_, n)| n);
        let dir = self
            .subdir(parent, false, &mut Vec::new())?
            .ok_or_else(|| {
                crate::Error::Tree(format!(
                    "cannot move {} into place",
                    self.show(to).display()
                ))
            })?;
        rfs::renameat(&dir.fd, from_name, &dir.fd, to_name)
            .map_err(|e| with_path(e, "move into place", &self.show(to)))
    }

    /// Removes the file or link `rel` (never a directory, never through a link). Returns
    /// whether something was removed.
    pub fn remove(&self, rel: &str) -> crate::Result<bool> {
        let Some((dir, name)) = self.split(rel)? else {
            return Ok(false);
        };
        match rfs::unlinkat(&dir.fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(Errno::ISDIR) | Err(Errno::PERM)
                if self.entry_kind(rel) == Some(FileType::Directory) =>
            {
                Ok(false)
            }
            Err(e) => Err(with_path(e, "remove", &self.show(rel))),
        }
    }

    /// Removes the directory `rel` and then its parents while they are empty, stopping at
    /// this directory.
    pub fn remove_empty_dirs(&self, rel: &str) {
        let mut rel = rel;
        while !rel.is_empty() {
            let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            let Ok(Some(dir)) = self.subdir(parent, false, &mut Vec::new()) else {
                return;
            };
            if rfs::unlinkat(&dir.fd, name, AtFlags::REMOVEDIR).is_err() {
                return;
            }
            rel = parent;
        }
    }

    /// Sets the permission bits of the regular file `rel`, not following links.
    pub fn chmod(&self, rel: &str, mode: u32) -> crate::Result<()> {
        let (dir, name) = self.split(rel)?.ok_or_else(|| {
            crate::Error::Tree(format!(
                "cannot change mode of {}",
                self.show(rel).display()
            ))
        })?;
        let fd = rfs::openat(
            &dir.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| with_path(e, "change mode of", &self.show(rel)))?;
        rfs::fchmod(&fd, Mode::from_raw_mode(mode))
            .map_err(|e| with_path(e, "change mode of", &self.show(rel)))
    }

    /// Every file, link and special file below this directory (directories are walked, never
    /// through a link), sorted by path.
    pub fn walk(&self) -> crate::Result<Vec<Found>> {
        self.walk_except(&std::collections::BTreeSet::new())
    }

    /// [`Dir::walk`], not descending into the top-level directories named in `skip` (the
    /// trees of `render --all`, each checked on its own: walking them again from the top
    /// would hold every file name of every tree at once).
    pub fn walk_except(
        &self,
        skip: &std::collections::BTreeSet<String>,
    ) -> crate::Result<Vec<Found>> {
        let mut out = Vec::new();
        let mut stack: Vec<String> = vec![String::new()];
        while let Some(rel) = stack.pop() {
            let Some(dir) = self.subdir(&rel, false, &mut Vec::new())? else {
                continue;
            };
            let entries = rfs::Dir::read_from(&dir.fd)
                .map_err(|e| with_path(e, "read directory", &self.show(&rel)))?;
            for entry in entries {
                let entry = entry.map_err(|e| with_path(e, "read directory", &self.show(&rel)))?;
                let name = OsStr::from_bytes(entry.file_name().to_bytes());
                if name == "." || name == ".." {
                    continue;
                }
                let name = name.to_string_lossy();
                let path = if rel.is_empty() {
                    name.to_string()
                } else {
                    format!("{rel}/{name}")
                };
                let file_type = match entry.file_type() {
                    FileType::Unknown => {
                        rfs::statat(&dir.fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                            .map(|st| kind_of(st.st_mode))
                            .unwrap_or(FileType::Unknown)
                    }
                    t => t,
                };
                match file_type {
                    FileType::Directory if rel.is_empty() && skip.contains(name.as_ref()) => {}
                    FileType::Directory => stack.push(path),
                    FileType::RegularFile => out.push(Found {
                        path,
                        kind: Kind::File,
                    }),
                    FileType::Symlink => out.push(Found {
                        path,
                        kind: Kind::Link,
                    }),
                    _ => out.push(Found {
                        path,
                        kind: Kind::Other,
                    }),
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// The names of the real subdirectories directly below this directory, sorted.
    pub fn subdirs(&self) -> crate::Result<Vec<String>> {
        let entries = rfs::Dir::read_from(&self.fd)
            .map_err(|e| with_path(e, "read directory", &self.shown))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| with_path(e, "read directory", &self.shown))?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if self.entry_kind(name) == Some(FileType::Directory) {
                out.push(name.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Whether the directory has no entries.
    pub fn is_empty(&self) -> crate::Result<bool> {
        let mut entries = rfs::Dir::read_from(&self.fd)
            .map_err(|e| with_path(e, "read directory", &self.shown))?;
        for entry in entries.by_ref() {
            let entry = entry.map_err(|e| with_path(e, "read directory", &self.shown))?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A second handle on the same directory (it shares the lock of the first).
    pub fn try_clone(&self) -> crate::Result<Dir> {
        Ok(Dir {
            fd: self
                .fd
                .as_fd()
                .try_clone_to_owned()
                .with_context(|| format!("cannot open {}", self.shown.display()))?,
            shown: self.shown.clone(),
        })
    }
}

/// Whether `name` (a file name) is one of magnetiq-gen's temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARKER)
}
