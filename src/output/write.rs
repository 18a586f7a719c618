//! Writing `k8s/` trees so that no failure, interruption or race leaves a wrong tree.
//!
//! # The protocol
//!
//! 1. **Lock.** The output directory's advisory lock (`flock` on the directory itself, so no
//!    lock file is left in a committed tree) is taken exclusively; a second render into the same
//!    directory waits for the first. `render --all` locks the top directory, then each
//!    profile's directory in name order, so a single-profile render into one of them waits too.
//! 2. **Plan, read-only.** The tree is walked without following links; every path to write is
//!    checked (a link on the way is refused, a file magnetiq-gen does not own is refused without
//!    `--force`). Nothing has changed if this fails.
//! 3. **Stage.** Every changed file, and two versions of the ownership list, are written to
//!    temporary files created exclusively (`O_EXCL | O_NOFOLLOW`) next to their targets. A
//!    failure removes them and the directories created for them: the tree is as it was. With
//!    `--all`, every profile is staged before any is committed; each is staged as soon as it
//!    is rendered, so only the names of its files stay in memory until the commit.
//! 4. **Commit.** First the *intent* ownership list is moved into place: it lists every file the
//!    old tree owned *and* every file the new one renders, and is marked as interrupted. Then the
//!    files are renamed into place, stale files are removed, and the final ownership list
//!    (exactly the new tree) replaces the intent.
//!
//! An interruption (kill -9, OOM, power cut of a process) before step 4 leaves only temporary
//! files, which the next run removes (it holds the lock, so they are dead). One during step 4
//! leaves the intent list, which claims every file either tree has: the next render overwrites
//! what it renders and removes the rest, without `--force`, and `--check` reports the
//! interruption until then. Files are not fsynced: renames make each file appear whole to any
//! reader, and a tree in Git can be rendered again after a power loss.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::read::{OldTree, read_dir};
use super::safe_fs::{Dir, Entry, Found, Kind, is_temp_name};
use super::{OWNED_LIST, holds_secret, owned_header, profile_in_header};

/// The second line of an intent ownership list.
pub(super) const INTERRUPTED: &str =
    "# INTERRUPTED: a render did not finish; the next render completes it.";

/// What writing one tree did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// The directory written.
    pub dir: PathBuf,
    /// Files written (new or changed), ownership list excluded.
    pub written: Vec<String>,
    /// Files left as they were.
    pub unchanged: usize,
    /// Files removed because the profile no longer renders them.
    pub removed: Vec<String>,
    /// Files in the directory that magnetiq-gen did not write and kept, which ArgoCD would
    /// sync (YAML and JSON) or which are links or special files.
    pub foreign: Vec<String>,
    /// Whether this was the tree of a profile that no longer exists, removed whole.
    pub tree_removed: bool,
}

impl Report {
    /// One line for the user.
    pub fn summary(&self) -> String {
        if self.tree_removed {
            return format!(
                "removed {} (its profile no longer exists): {} files",
                self.dir.display(),
                self.removed.len()
            );
        }
        let mut s = if self.written.is_empty() && self.removed.is_empty() {
            format!(
                "{} is up to date ({} files unchanged)",
                self.dir.display(),
                self.unchanged
            )
        } else {
            let mut s = format!(
                "wrote {} files to {} ({} unchanged",
                self.written.len(),
                self.dir.display(),
                self.unchanged
            );
            if !self.removed.is_empty() {
                s.push_str(&format!(
                    ", removed {}: {}",
                    self.removed.len(),
                    self.removed.join(", ")
                ));
            }
            s.push(')');
            s
        };
        if !self.foreign.is_empty() {
            s.push_str(&format!(
                "\nkept {} files magnetiq-gen did not write (render --check reports them): {}",
                self.foreign.len(),
                self.foreign.join(", ")
            ));
        }
        crate::report::printable(&s).into_owned()
    }
}

/// Whether ArgoCD's directory source would read a file with this name as manifests.
pub(super) fn argocd_would_apply(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".yaml", ".yml", ".json", ".jsonnet"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// A relative path with no `..`, no root and no empty parts.
pub(super) fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 4096
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The ownership list of a directory: its paths and whether it is an intent list.
pub(super) struct Owned {
    pub paths: BTreeSet<String>,
    pub profile: Option<String>,
    pub interrupted: bool,
}

/// Reads the ownership list of `dir` (`None` when there is none).
pub(super) fn read_owned(dir: &Dir) -> crate::Result<Option<Owned>> {
    let shown = dir.show(OWNED_LIST);
    let bytes = match dir.read(OWNED_LIST)? {
        Entry::Missing => return Ok(None),
        Entry::File(Some(bytes), _) => bytes,
        Entry::File(None, _) => crate::fail!(
            Tree,
            "{} is too large to be an ownership list",
            shown.display()
        ),
        _ => crate::fail!(
            Tree,
            "{} is not a regular file; refusing to trust it as magnetiq-gen's ownership list",
            shown.display()
        ),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        crate::fail!(
            Tree,
            "{} is not UTF-8; refusing to trust it",
            shown.display()
        );
    };
    let mut paths = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if !is_safe_relative(line) {
            crate::fail!(
                Tree,
                "{} lists {:?}, which is not a path inside the directory; refusing to touch it",
                shown.display(),
                line
            );
        }
        paths.insert(line.to_string());
    }
    Ok(Some(Owned {
        paths,
        profile: text.lines().next().and_then(profile_in_header),
        interrupted: text.lines().any(|l| l == INTERRUPTED),
    }))
}

/// One file to write.
struct Change<'a> {
    path: String,
    text: &'a str,
    mode: u32,
}

/// Everything one tree's write will do, decided before anything changes.
struct Plan<'a> {
    dir: Dir,
    report: Report,
    changes: Vec<Change<'a>>,
    chmods: Vec<(String, u32)>,
    prune: Vec<String>,
    leftovers: Vec<String>,
    /// The intent and final ownership lists (`Some("")`: the tree is removed whole).
    intent: String,
    owned: Option<String>,
}

/// The permission bits for a file: secrets are private (0600); other files 0644. A mode the
/// user tightened on the existing file is kept.
fn mode_for(text: &str, existing: Option<u32>) -> u32 {
    let base = if holds_secret(text) { 0o600 } else { 0o644 };
    match existing {
        Some(m) => base & (m | 0o600),
        None => base,
    }
}

/// Plans writing `files` (the rendered tree, ownership list included) into the locked `dir`.
/// `files` empty with `remove_tree` plans removing a stale tree whole.
fn plan<'a>(dir: Dir, files: &'a [(String, String)], force: bool) -> crate::Result<Plan<'a>> {
    let found = dir.walk()?;
    let owned = read_owned(&dir)?;
    let new_profile = files
        .iter()
        .find(|(p, _)| p == OWNED_LIST)
        .and_then(|(_, t)| profile_in_header(t.lines().next()?));
    if let (
        Some(Owned {
            profile: Some(previous),
            ..
        }),
        Some(new),
    ) = (&owned, &new_profile)
        && previous != new
        && !force
    {
        crate::fail!(
            Tree,
            "refusing to write profile {new:?} into {}: it holds profile {previous:?}, and replacing one environment's \
             tree with another's would, once committed, make ArgoCD prune the first; use another directory, or --force",
            dir.shown().display()
        );
    }
    let leftovers: Vec<String> = found
        .iter()
        .filter(|f| f.kind != Kind::Other && is_temp_name(file_name(&f.path)))
        .map(|f| f.path.clone())
        .collect();
    if owned.is_none() && !force && found.iter().any(|f| !is_temp_name(file_name(&f.path))) {
        crate::fail!(
            Tree,
            "refusing to write into {}: it is not empty and was not written by magnetiq-gen (no {OWNED_LIST}); \
             use --force to write into it anyway (files magnetiq-gen does not render are kept)",
            dir.shown().display()
        );
    }
    let old: BTreeSet<String> = owned.map(|o| o.paths).unwrap_or_default();
    let rendered: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();

    let mut report = Report {
        dir: dir.shown().to_path_buf(),
        ..Report::default()
    };
    let mut changes = Vec::new();
    let mut chmods = Vec::new();
    let mut owned_text = None;
    for (path, text) in files {
        if !is_safe_relative(path) {
            crate::fail!(
                Tree,
                "internal error: output path {path:?} would leave the output directory"
            );
        }
        let shown = dir.show(path);
        let entry = dir.read(path)?;
        if path == OWNED_LIST {
            match &entry {
                Entry::File(Some(b), _) if b == text.as_bytes() => {}
                Entry::Missing | Entry::File(..) => owned_text = Some(text.clone()),
                _ => crate::fail!(
                    Tree,
                    "cannot write {}: something other than a file is in the way",
                    shown.display()
                ),
            }
            continue;
        }
        let ours = old.contains(path) || force;
        let existing_mode = match &entry {
            Entry::Missing => None,
            Entry::File(bytes, mode) => {
                let want = mode_for(text, Some(*mode));
                if bytes.as_deref() == Some(text.as_bytes()) && old.contains(path) {
                    report.unchanged += 1;
                    if want != *mode {
                        chmods.push((path.clone(), want));
                    }
                    continue;
                }
                if !ours {
                    crate::fail!(
                        Tree,
                        "refusing to overwrite {}: magnetiq-gen did not write it; move it away or use --force",
                        shown.display()
                    );
                }
                Some(*mode)
            }
            Entry::Dir => crate::fail!(
                Tree,
                "cannot write {}: a directory is in the way",
                shown.display()
            ),
            Entry::Link if ours => None,
            Entry::Link => crate::fail!(
                Tree,
                "refusing to replace {}: it is a symbolic link magnetiq-gen did not write; remove it or use --force \
                 (the link is replaced, never followed)",
                shown.display()
            ),
            Entry::Other if ours => None,
            Entry::Other => crate::fail!(
                Tree,
                "refusing to replace {}: it is not a regular file (a FIFO, socket or device); remove it",
                shown.display()
            ),
        };
        changes.push(Change {
            path: path.clone(),
            text,
            mode: mode_for(text, existing_mode),
        });
    }
    let mut prune = Vec::new();
    for path in old.iter().filter(|p| !rendered.contains(p.as_str())) {
        match dir.read(path)? {
            Entry::Missing | Entry::Dir => {}
            _ => prune.push(path.clone()),
        }
    }
    report.foreign = found
        .iter()
        .filter(|f| {
            !rendered.contains(f.path.as_str())
                && !old.contains(&f.path)
                && !is_temp_name(file_name(&f.path))
                && f.path != OWNED_LIST
                && (f.kind != Kind::File || argocd_would_apply(&f.path))
        })
        .map(|f: &Found| f.path.clone())
        .collect();
    // The intent list: every path either tree has, so an interruption anywhere in the commit
    // leaves nothing unclaimed.
    let mut all: BTreeSet<&str> = old.iter().map(String::as_str).collect();
    all.extend(rendered.iter().copied().filter(|p| *p != OWNED_LIST));
    let mut intent = owned_header(new_profile.as_deref().unwrap_or(""));
    intent.push_str(INTERRUPTED);
    intent.push('\n');
    for p in all {
        intent.push_str(p);
        intent.push('\n');
    }
    let something_changes = !changes.is_empty() || !prune.is_empty() || owned_text.is_some();
    Ok(Plan {
        dir,
        report,
        changes,
        chmods,
        prune,
        leftovers,
        intent: if something_changes {
            intent
        } else {
            String::new()
        },
        // A stale tree loses its list; a live one always ends with the final list when the
        // intent was written.
        owned: if something_changes {
            Some(
                files
                    .iter()
                    .find(|(p, _)| p == OWNED_LIST)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default(),
            )
        } else {
            None
        },
    })
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

/// A plan whose files are all staged: what is left is renames and removals.
pub(super) struct Staged {
    dir: Dir,
    report: Report,
    /// (temporary file, target) for every changed file.
    renames: Vec<(String, String)>,
    chmods: Vec<(String, u32)>,
    prune: Vec<String>,
    leftovers: Vec<String>,
    intent_temp: Option<String>,
    owned_temp: Option<String>,
    /// The tree of a profile that is gone: its ownership list goes too.
    removal: bool,
    /// Directories created while staging (relative, parents first), removed on abort.
    created: Vec<String>,
}

impl Plan<'_> {
    /// Writes every temporary file; on failure removes what it wrote. The rendered texts are
    /// not needed afterwards: only names stay in memory.
    fn stage(self) -> crate::Result<Staged> {
        // Dropping the partly staged plan removes what it wrote.
        let (staged, result) = self.stage_keeping();
        result.map(|()| staged)
    }

    /// Writes every temporary file and returns what was staged with the outcome, also on
    /// failure: the caller decides when to drop (and so remove) a partly staged plan. A
    /// batch staging trees on several threads keeps it until every thread is done: a failure
    /// for lack of file descriptors would otherwise also fail the clean-up, which needs one
    /// per directory, while the other threads still hold theirs.
    fn stage_keeping(self) -> (Staged, crate::Result<()>) {
        let removal = self.owned.as_deref() == Some("");
        let mut staged = Staged {
            dir: self.dir,
            report: self.report,
            renames: Vec::with_capacity(self.changes.len()),
            chmods: self.chmods,
            prune: self.prune,
            leftovers: self.leftovers,
            intent_temp: None,
            owned_temp: None,
            removal,
            created: Vec::new(),
        };
        let result = (|| {
            for c in &self.changes {
                let parent = c.path.rsplit_once('/').map_or("", |(p, _)| p);
                staged.dir.subdir(parent, true, &mut staged.created)?;
                let temp = staged.dir.write_temp(&c.path, c.text.as_bytes(), c.mode)?;
                staged.renames.push((temp, c.path.clone()));
            }
            if !self.intent.is_empty() {
                staged.intent_temp = Some(staged.dir.write_temp(
                    OWNED_LIST,
                    self.intent.as_bytes(),
                    0o644,
                )?);
            }
            if let Some(owned) = &self.owned
                && !owned.is_empty()
            {
                staged.owned_temp =
                    Some(staged.dir.write_temp(OWNED_LIST, owned.as_bytes(), 0o644)?);
            }
            Ok(())
        })();
        (staged, result)
    }
}

impl Staged {
    /// Removes what [`Plan::stage`] wrote.
    fn abort(&self) {
        let temps = self
            .renames
            .iter()
            .map(|(t, _)| t.as_str())
            .chain(self.intent_temp.as_deref())
            .chain(self.owned_temp.as_deref());
        for t in temps {
            let _ = self.dir.remove(t);
        }
        for d in self.created.iter().rev() {
            self.dir.remove_empty_dirs(d);
        }
    }

    /// Moves everything into place (see the module documentation for the order).
    fn commit(mut self) -> crate::Result<Report> {
        for l in &self.leftovers {
            self.dir.remove(l)?;
        }
        if let Some(t) = self.intent_temp.take() {
            self.dir.rename(&t, OWNED_LIST)?;
        }
        // Renamed files leave the list as they go, so a failure half-way leaves only the
        // temporary files not yet renamed for `drop` to remove.
        let renames = std::mem::take(&mut self.renames);
        for (i, (temp, path)) in renames.iter().enumerate() {
            if let Err(e) = self.dir.rename(temp, path) {
                self.renames = renames[i..].to_vec();
                return Err(e);
            }
            self.report.written.push(path.clone());
        }
        for (path, mode) in &self.chmods {
            self.dir.chmod(path, *mode)?;
        }
        for p in &self.prune {
            if self.dir.remove(p)? {
                self.report.removed.push(p.clone());
            }
            if let Some((parent, _)) = p.rsplit_once('/') {
                self.dir.remove_empty_dirs(parent);
            }
        }
        if let Some(t) = self.owned_temp.take() {
            self.dir.rename(&t, OWNED_LIST)?;
        } else if self.removal {
            self.dir.remove(OWNED_LIST)?;
            self.report.tree_removed = true;
        }
        self.created.clear();
        Ok(std::mem::take(&mut self.report))
    }
}

impl Drop for Staged {
    /// A staged plan that is dropped without being committed (an error elsewhere, or a failed
    /// commit half-way) leaves no temporary file behind. After a commit there is nothing left.
    fn drop(&mut self) {
        self.abort();
    }
}

pub(super) fn lock(dir: &Dir, exclusive: bool, quiet: bool) -> crate::Result<()> {
    let shown = dir.shown().to_path_buf();
    dir.lock(exclusive, &mut || {
        if !quiet {
            let _ = writeln!(
                std::io::stderr(),
                "waiting for another magnetiq-gen run writing {}",
                shown.display()
            );
        }
    })
}

/// Writes one profile's tree into `dir` (see the module documentation). A non-empty directory
/// without an ownership list, or one holding another profile's tree, is refused unless `force`.
pub fn write_tree(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
    quiet: bool,
) -> crate::Result<Report> {
    let (root, created) = Dir::open_root(dir, true)?
        .ok_or_else(|| crate::Error::Tree(format!("cannot create directory {}", dir.display())))?;
    let result = lock(&root, true, quiet)
        .and_then(|()| plan(root.try_clone()?, files, force)?.stage()?.commit());
    if result.is_err() && created && root.is_empty().unwrap_or(false) {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// The trees of `render --all` written into `top/<name>`, one at a time as they are rendered,
/// and committed together: each [`Batch::stage`] plans and stages one tree (its texts can be
/// dropped right after, so memory does not grow with the number of trees beyond their file
/// names), and [`Batch::commit`] moves them all into place. Until then nothing visible has
/// changed: dropping the batch (any error) removes every staged file and every directory it
/// created. `top` is magnetiq-gen's: the tree of a profile that no longer exists (a
/// subdirectory whose ownership list names a profile of the same name) is removed.
///
/// `stage` may be called from several threads at once, for different names.
pub struct Batch {
    root: Dir,
    top: PathBuf,
    created_top: bool,
    force: bool,
    quiet: bool,
    /// Subdirectories of `top` created for trees (relative), removed if nothing is committed.
    made: Mutex<Vec<String>>,
    staged: Mutex<Vec<(String, Staged)>>,
    /// Trees whose staging failed half-way, removed when the batch is dropped, after the
    /// staged ones have given back their descriptors.
    failed: Mutex<Vec<Staged>>,
    committed: bool,
}

impl Batch {
    /// Opens (creating it if needed) and locks `top` exclusively.
    pub fn open(top: &Path, force: bool, quiet: bool) -> crate::Result<Batch> {
        raise_open_file_limit();
        let (root, created_top) = Dir::open_root(top, true)?.ok_or_else(|| {
            crate::Error::Tree(format!("cannot create directory {}", top.display()))
        })?;
        let batch = Batch {
            root,
            top: top.to_path_buf(),
            created_top,
            force,
            quiet,
            made: Mutex::new(Vec::new()),
            staged: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
            committed: false,
        };
        lock(&batch.root, true, quiet)?;
        Ok(batch)
    }

    /// The tree now in `top/<name>` (empty when there is none), read under a shared lock of
    /// that directory: what staging `name` will replace.
    pub fn read_old(&self, name: &str) -> crate::Result<OldTree> {
        match self.root.subdir(name, false, &mut Vec::new())? {
            Some(dir) => read_dir(&dir),
            None => Ok(OldTree::default()),
        }
    }

    /// Plans and stages the tree `name` (see [`write_tree`] for what is refused).
    pub fn stage(&self, name: &str, files: &[(String, String)]) -> crate::Result<()> {
        let mut made = Vec::new();
        let dir = self.root.subdir(name, true, &mut made);
        lock_ignoring_poison(&self.made).extend(made);
        let dir = dir?.expect("created when missing");
        lock(&dir, true, self.quiet)?;
        let (staged, result) = plan(dir, files, self.force)?.stage_keeping();
        match result {
            Ok(()) => lock_ignoring_poison(&self.staged).push((name.to_string(), staged)),
            Err(e) => {
                lock_ignoring_poison(&self.failed).push(staged);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The trees of profiles that are gone (not in `rendered`), each as it is now: what
    /// [`Batch::commit`] removes.
    pub fn stale(&self, rendered: &BTreeSet<&str>) -> crate::Result<Vec<(String, OldTree)>> {
        let mut out = Vec::new();
        for name in stale_trees(&self.root, rendered)? {
            if let Some(dir) = self.root.subdir(&name, false, &mut Vec::new())? {
                out.push((name, read_dir(&dir)?));
            }
        }
        Ok(out)
    }

    /// Stages the removal of the trees of profiles not in `rendered`, then commits every
    /// staged tree, in name order. One report per tree.
    pub fn commit(mut self, rendered: &BTreeSet<&str>) -> crate::Result<Vec<Report>> {
        for name in stale_trees(&self.root, rendered)? {
            let dir = self
                .root
                .subdir(&name, false, &mut Vec::new())?
                .expect("listed");
            lock(&dir, true, self.quiet)?;
            let mut p = plan(dir, &[], true)?;
            p.owned = Some(String::new());
            p.intent.clear();
            let staged = p.stage()?;
            lock_ignoring_poison(&self.staged).push((name, staged));
        }
        let mut staged = std::mem::take(&mut *lock_ignoring_poison(&self.staged));
        staged.sort_by(|a, b| a.0.cmp(&b.0));
        // From the first rename on, directories made for trees are part of the result.
        self.committed = true;
        let mut reports = Vec::with_capacity(staged.len());
        for (name, s) in staged {
            let report = s.commit()?;
            if report.tree_removed {
                self.root.remove_empty_dirs(&name);
            }
            reports.push(report);
        }
        Ok(reports)
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Staged trees abort themselves when dropped; then what was made for them goes.
        // The trees that failed go last: each staged tree dropped gives back its directory's
        // descriptor, which their clean-up may need.
        lock_ignoring_poison(&self.staged).clear();
        lock_ignoring_poison(&self.failed).clear();
        if self.committed {
            return;
        }
        for d in lock_ignoring_poison(&self.made).iter().rev() {
            self.root.remove_empty_dirs(d);
        }
        if self.created_top && self.root.is_empty().unwrap_or(false) {
            let _ = std::fs::remove_dir(&self.top);
        }
    }
}

/// Each staged tree keeps its directory open, and locked, until the commit: one descriptor
/// per profile. The soft limit is often 1,024 while the hard limit is far higher; like the Go
/// runtime, take what the hard limit allows, so thousands of profiles do not fail with "too
/// many open files". A failure leaves the limit as it was.
fn raise_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return;
    }
    // An unlimited hard limit is refused for open files (the kernel caps them at
    // fs.nr_open, 1,048,576 by default): then try that, and a modest fallback.
    for current in [limit.maximum, Some(1 << 20), Some(1 << 16)] {
        if current.is_some_and(|c| limit.current.is_some_and(|now| c <= now)) {
            return;
        }
        let wanted = Rlimit {
            current,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, wanted).is_ok() {
            return;
        }
    }
}

/// A mutex's data even if a thread panicked holding it (the data is a list that stays valid).
fn lock_ignoring_poison<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Subdirectories of `top` holding the tree of a profile that is not rendered any more.
pub(super) fn stale_trees(top: &Dir, rendered: &BTreeSet<&str>) -> crate::Result<Vec<String>> {
    let mut out = Vec::new();
    for name in top.subdirs()? {
        if rendered.contains(name.as_str()) {
            continue;
        }
        let Some(dir) = top.subdir(&name, false, &mut Vec::new())? else {
            continue;
        };
        if let Ok(Some(Owned {
            profile: Some(p), ..
        })) = read_owned(&dir)
            && p == name
        {
            out.push(name);
        }
    }
    Ok(out)
}
