//! Writing a flat set of named files (the manual pages) into a directory the user chose,
//! such as `~/.local/share/man/man1`, which holds other people's files too.
//!
//! The tree writer's safeguards, without its ownership list (a man directory is not
//! magnetiq-gen's): the directory is locked, every name is checked before anything is
//! written (a link, directory or special file at a page's name is refused, never written
//! through), each page is staged in a temporary file created exclusively and renamed into
//! place, so a reader or a crash never sees half a page. Temporary files an interrupted run
//! left behind are removed by the next one.

use std::path::Path;

use super::safe_fs::{Dir, Entry, TEMP_MARKER};
use super::write::{Report, lock};

/// Writes `files` (file name, text) into `dir`, creating it if needed; a file whose content
/// is already right is left alone. Nothing is written when any name is taken by something
/// other than a regular file.
pub fn write_files(dir: &Path, files: &[(String, String)], quiet: bool) -> crate::Result<Report> {
    let (root, created) = Dir::open_root(dir, true)?
        .ok_or_else(|| crate::Error::Tree(format!("cannot create directory {}", dir.display())))?;
    let result = lock(&root, true, quiet).and_then(|()| write_locked(&root, files));
    if result.is_err() && created && root.is_empty().unwrap_or(false) {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn write_locked(root: &Dir, files: &[(String, String)]) -> crate::Result<Report> {
    remove_leftovers(root, files)?;
    let mut report = Report {
        dir: root.shown().to_path_buf(),
        ..Report::default()
    };
    let mut changes = Vec::new();
    for (name, text) in files {
        if name.is_empty() || name.starts_with('.') || name.contains('/') {
            crate::fail!(Tree, "internal error: {name:?} is not a plain file name");
        }
        let shown = root.show(name);
        match root.read(name)? {
            Entry::File(Some(bytes), _) if bytes == text.as_bytes() => report.unchanged += 1,
            Entry::Missing | Entry::File(..) => changes.push((name, text)),
            Entry::Link => crate::fail!(
                Tree,
                "refusing to replace {}: it is a symbolic link (magnetiq-gen never writes through \
                 links); remove it and run again",
                shown.display()
            ),
            Entry::Dir => crate::fail!(
                Tree,
                "cannot write {}: a directory is in the way",
                shown.display()
            ),
            Entry::Other => crate::fail!(
                Tree,
                "refusing to replace {}: it is not a regular file (a FIFO, socket or device); remove it",
                shown.display()
            ),
        }
    }
    let mut staged = Vec::new();
    for (name, text) in changes {
        match root.write_temp(name, text.as_bytes(), 0o644) {
            Ok(temp) => staged.push((temp, name)),
            Err(e) => {
                for (temp, _) in &staged {
                    let _ = root.remove(temp);
                }
                return Err(e);
            }
        }
    }
    for (temp, name) in staged {
        root.rename(&temp, name)?;
        report.written.push(name.clone());
    }
    Ok(report)
}

/// Removes the temporary files of `files` that an interrupted run left in `root` (it holds
/// the lock, so no live run owns them). Other files are never looked at twice.
fn remove_leftovers(root: &Dir, files: &[(String, String)]) -> crate::Result<()> {
    let Ok(entries) = std::fs::read_dir(root.shown()) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let Some(found) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let ours = files
            .iter()
            .any(|(name, _)| found.starts_with(&format!(".{name}{TEMP_MARKER}-")));
        if ours {
            root.remove(&found)?;
        }
    }
    Ok(())
}
