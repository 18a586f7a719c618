//! Reading a profile: find the file, follow `extends`, merge, resolve `{{ }}` references,
//! and hand the result to serde. Every problem is reported with its position.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::model::RawProfile;
use super::node::{self, Entry, Node, Segment, Value};
use super::schema;
use super::template;
use crate::report::{Diagnostic, ProfileError, did_you_mean, sanitize};
use crate::source::{Loc, Sources};

/// Largest profile file read; anything bigger is surely not a hand-written profile.
pub const MAX_PROFILE_BYTES: usize = 1 << 20;
/// Longest `extends` chain followed.
const MAX_EXTENDS_DEPTH: usize = 16;
/// Most keys in a `--set` key path; the deepest profile key has five.
pub const MAX_SET_DEPTH: usize = 32;

/// Where profiles are read from: a directory on disk, or memory (tests, fuzzing).
pub trait ProfileStore {
    /// Reads profile `name` (a plain name, no `.toml`). `Ok(None)` when it does not exist.
    fn read(&self, name: &str) -> anyhow::Result<Option<(String, Vec<u8>)>>;
    /// Names of all profiles, sorted.
    fn names(&self) -> Vec<String>;
    /// Names that look like profiles but that [`read`](Self::read) refuses (a FIFO or a link
    /// out of the directory named `x.toml`), sorted; `render --all` renders them too, so
    /// that it fails on them instead of skipping them silently.
    fn refused(&self) -> Vec<String> {
        Vec::new()
    }
}

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
    fn read(&self, name: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
        let path = self.dir.join(format!("{name}.toml"));
        let display = sanitize(&path.display().to_string()).into_owned();
        let refuse = |why: String| -> anyhow::Result<Option<(String, Vec<u8>)>> {
            bail!("cannot read profile {display}: {why}")
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

    fn refused(&self) -> Vec<String> {
        self.entries(false)
    }
}

impl DirStore {
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
    fn read(&self, name: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
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

/// A profile read, merged and templated, not yet validated.
#[derive(Debug)]
pub struct Loaded {
    /// The profile's name.
    pub name: String,
    /// Every file read.
    pub sources: Sources,
    /// The merged, templated tree (positions of every value).
    pub root: Node,
    /// The typed form.
    pub raw: RawProfile,
    /// Problems already found (unknown keys, dropped from `raw`), to report with the rest.
    pub pending: Vec<Diagnostic>,
}

/// Whether `name` may name a profile: a plain file name, so `extends` cannot leave the
/// profiles directory.
pub fn is_valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.starts_with('.')
}

/// Reads profile `name` from `store` with its `extends` chain.
pub fn load(store: &dyn ProfileStore, name: &str) -> anyhow::Result<Loaded> {
    load_with(store, name, &[])
}

/// Reads profile `name` with its `extends` chain, then applies `overrides`
/// (`key.path=value`, as given to `--set`) on top, before references are resolved.
pub fn load_with(
    store: &dyn ProfileStore,
    name: &str,
    overrides: &[String],
) -> anyhow::Result<Loaded> {
    if !is_valid_profile_name(name) {
        bail!("{name:?} is not a profile name (letters, digits, '-', '_' and '.'; no path)");
    }
    let mut sources = Sources::default();
    let mut chain: Vec<(String, Node)> = Vec::new();
    let mut next = Some((name.to_string(), None::<Loc>));
    while let Some((current, referenced_at)) = next.take() {
        if chain.iter().any(|(n, _)| *n == current) || chain.len() >= MAX_EXTENDS_DEPTH {
            let mut names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
            names.push(&current);
            let what = if chain.len() >= MAX_EXTENDS_DEPTH {
                format!("extends chain is longer than {MAX_EXTENDS_DEPTH} profiles")
            } else {
                "extends chain is a cycle".to_string()
            };
            return Err(one(
                name,
                sources,
                Diagnostic::new(
                    referenced_at,
                    "extends",
                    format!("{what}: {}", names.join(" -> ")),
                ),
            ));
        }
        let Some((display, bytes)) = store.read(&current)? else {
            let available = store.names();
            let mut d = Diagnostic::new(
                referenced_at.clone(),
                if referenced_at.is_some() {
                    "extends"
                } else {
                    ""
                },
                format!("profile {current:?} does not exist"),
            );
            let hint = match did_you_mean(&current, available.iter().map(String::as_str)) {
                Some(s) => format!("did you mean {s:?}? available: {}", available.join(", ")),
                None if available.is_empty() => {
                    "there are no profiles in the profiles directory".into()
                }
                None => format!("available: {}", available.join(", ")),
            };
            d = d.with_help(hint);
            if referenced_at.is_none() {
                bail!(
                    "profile {current:?} does not exist ({})",
                    d.help.unwrap_or_default()
                );
            }
            return Err(one(name, sources, d));
        };
        let tree = parse_file(&mut sources, name, display, bytes)?;
        let extends = match tree_get(&tree, "extends") {
            None => None,
            Some(Entry {
                node:
                    Node {
                        value: Value::Str(s),
                        loc,
                    },
                ..
            }) => {
                if !is_valid_profile_name(s) {
                    return Err(one(
                        name,
                        sources,
                        Diagnostic::new(
                            Some(loc.clone()),
                            "extends",
                            format!(
                                "{s:?} is not a profile name: extends takes the name of a profile in the same directory, without .toml or a path"
                            ),
                        ),
                    ));
                }
                Some((s.clone(), Some(loc.clone())))
            }
            Some(e) => {
                return Err(one(
                    name,
                    sources,
                    Diagnostic::new(
                        Some(e.node.loc.clone()),
                        "extends",
                        format!(
                            "expected a profile name (string), found {}",
                            e.node.value.type_name()
                        ),
                    ),
                ));
            }
        };
        chain.push((current, tree));
        next = extends;
    }

    // Merge from the root of the chain down to the profile asked for.
    let mut merged: Option<Node> = None;
    for (i, (_, mut tree)) in chain.into_iter().enumerate().rev() {
        if i != 0 {
            // `abstract` marks one file; it is never inherited.
            if let Value::Table(t) = &mut tree.value {
                t.shift_remove("abstract");
            }
        }
        merged = Some(match merged {
            None => tree,
            Some(parent) => node::merge(parent, tree),
        });
    }
    let mut root = merged.expect("the chain holds at least the profile asked for");

    let mut diagnostics = Vec::new();
    for text in overrides {
        if let Err(d) = apply_override(&mut sources, &mut root, text) {
            diagnostics.push(d);
        }
    }
    if !diagnostics.is_empty() {
        return Err(many(name, sources, diagnostics));
    }

    diagnostics = template::resolve(&mut root);
    // A profile serde accepts is structurally sound: the schema is generated from the same
    // types. Only when it does not is the tree walked against the schema, which reports every
    // unknown key, wrong type and missing key at once. Unknown keys alone do not stop the
    // rest of the checks: they are dropped and reported along with what validation finds.
    if diagnostics.is_empty()
        && let Ok(raw) = serde_json::from_value::<RawProfile>(node::to_json(&root))
    {
        return Ok(Loaded {
            name: name.to_string(),
            sources,
            root,
            raw,
            pending: Vec::new(),
        });
    }
    let structure = schema::check(&root);
    let only_unknown = structure.only_unknown_keys;
    if only_unknown {
        schema::drop_keys(&mut root, &structure.unknown);
    }
    let template_problems = diagnostics.len();
    let mut all = structure.diagnostics;
    all.append(&mut diagnostics);
    if !only_unknown || template_problems > 0 {
        return Err(many(name, sources, all));
    }
    match serde_path_to_error::deserialize::<_, RawProfile>(node::to_json(&root)) {
        Ok(raw) => Ok(Loaded {
            name: name.to_string(),
            sources,
            root,
            raw,
            pending: all,
        }),
        Err(e) => {
            all.push(serde_diagnostic(&root, &e));
            Err(many(name, sources, all))
        }
    }
}

/// Applies one `key.path=value` override. The value takes the type of the value it replaces
/// (so `--set app.version=2.0` stays a string); a new key's value is read as a TOML value when
/// it is one, else as a string. Errors point into the override's own text.
fn apply_override(sources: &mut Sources, root: &mut Node, text: &str) -> Result<(), Diagnostic> {
    let source = format!("--set {text}");
    let id = sources.add("command line".into(), source.clone());
    let loc_of = |range: std::ops::Range<usize>| Loc {
        file: id,
        span: range.start + 6..range.end + 6,
    };
    let Some((path, value)) = text.split_once('=') else {
        return Err(Diagnostic::new(
            Some(loc_of(0..text.len())),
            "",
            format!("--set expects key.path=value, found {text:?}"),
        ));
    };
    let key_loc = loc_of(0..path.len());
    let value_loc = loc_of(path.len() + 1..text.len());
    let segments = node::parse_path(path.trim());
    if path.trim().is_empty()
        || segments
            .iter()
            .any(|s| matches!(s, Segment::Key(k) if k.is_empty()))
        || path.trim().starts_with('.')
        || path.trim().ends_with('.')
        || path.contains("..")
    {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set needs a key path such as app.version",
        ));
    }
    // Every walk over the profile tree recurses once per level; a path of thousands of keys
    // overflowed the stack. TOML itself stops nesting at 80 levels.
    if segments.len() > MAX_SET_DEPTH {
        let shown: String = path.chars().take(40).collect();
        return Err(Diagnostic::new(
            Some(key_loc),
            format!("{shown}..."),
            format!(
                "shorten the key path: it has {} keys, more than the {MAX_SET_DEPTH} --set accepts",
                segments.len()
            ),
        ));
    }
    let Some((last, parents)) = segments.split_last() else {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set needs a key path such as app.version",
        ));
    };
    let mut table = &mut *root;
    for seg in parents {
        let Segment::Key(k) = seg else {
            return Err(Diagnostic::new(
                Some(key_loc),
                path,
                "--set cannot index into arrays; set the whole array",
            ));
        };
        let Value::Table(t) = &mut table.value else {
            return Err(Diagnostic::new(
                Some(key_loc),
                path,
                "this path runs through a value that is not a table",
            ));
        };
        table = &mut t
            .entry(k.clone())
            .or_insert_with(|| Entry {
                key_loc: key_loc.clone(),
                node: Node {
                    value: Value::Table(Default::default()),
                    loc: key_loc.clone(),
                },
            })
            .node;
    }
    let (Segment::Key(last), Value::Table(t)) = (last, &mut table.value) else {
        return Err(Diagnostic::new(
            Some(key_loc),
            path,
            "--set can only set keys of tables",
        ));
    };
    let as_toml = || {
        toml::de::DeTable::parse(&format!("v = {value}"))
            .ok()
            .and_then(|t| {
                let (tree, problems) = node::from_toml(id, t.get_ref(), 0..0);
                match tree.value {
                    Value::Table(mut t) if problems.is_empty() => {
                        t.shift_remove("v").map(|e| e.node.value)
                    }
                    _ => None,
                }
            })
    };
    let bad = |what: &str| {
        Diagnostic::new(
            Some(value_loc.clone()),
            path,
            format!("{value:?} is not {what}, which this key takes"),
        )
    };
    let new = match t.get(last).map(|e| &e.node.value) {
        Some(Value::Str(_)) => Value::Str(value.to_string()),
        Some(Value::Int(_)) => Value::Int(value.trim().parse().map_err(|_| bad("an integer"))?),
        Some(Value::Float(_)) => Value::Float(value.trim().parse().map_err(|_| bad("a number"))?),
        Some(Value::Bool(_)) => {
            Value::Bool(value.trim().parse().map_err(|_| bad("true or false"))?)
        }
        Some(Value::Array(_)) => match as_toml() {
            Some(v @ Value::Array(_)) => v,
            _ => return Err(bad("an array such as [\"a\", \"b\"]")),
        },
        Some(Value::Table(_)) => match as_toml() {
            Some(v @ Value::Table(_)) => v,
            _ => return Err(bad("an inline table such as { cpu = \"1\" }")),
        },
        None => as_toml().unwrap_or_else(|| Value::Str(value.to_string())),
    };
    // Keys that already exist keep their position in the file for messages about the key;
    // the value's position is the command line.
    let key_loc = t.get(last).map_or(key_loc, |e| e.key_loc.clone());
    t.insert(
        last.clone(),
        Entry {
            key_loc,
            node: Node {
                value: relocate(new, &value_loc),
                loc: value_loc,
            },
        },
    );
    Ok(())
}

/// Points every node of a value parsed from an override at the override's text.
fn relocate(value: Value, loc: &Loc) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|n| Node {
                    value: relocate(n.value, loc),
                    loc: loc.clone(),
                })
                .collect(),
        ),
        Value::Table(t) => Value::Table(
            t.into_iter()
                .map(|(k, e)| {
                    (
                        k,
                        Entry {
                            key_loc: loc.clone(),
                            node: Node {
                                value: relocate(e.node.value, loc),
                                loc: loc.clone(),
                            },
                        },
                    )
                })
                .collect(),
        ),
        v => v,
    }
}

fn one(profile: &str, sources: Sources, d: Diagnostic) -> anyhow::Error {
    many(profile, sources, vec![d])
}

fn many(profile: &str, sources: Sources, diagnostics: Vec<Diagnostic>) -> anyhow::Error {
    ProfileError {
        profile: profile.to_string(),
        sources,
        diagnostics,
    }
    .into()
}

fn tree_get<'a>(tree: &'a Node, key: &str) -> Option<&'a Entry> {
    match &tree.value {
        Value::Table(t) => t.get(key),
        _ => None,
    }
}

/// Parses one file into a tree, reporting encoding, size and syntax problems at their position.
fn parse_file(
    sources: &mut Sources,
    profile: &str,
    display: String,
    bytes: Vec<u8>,
) -> anyhow::Result<Node> {
    if bytes.len() > MAX_PROFILE_BYTES {
        bail!(
            "cannot read profile {display}: it is larger than {} KiB, which no profile needs",
            MAX_PROFILE_BYTES / 1024
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let id = sources.add(display, valid);
            return Err(one(
                profile,
                std::mem::take(sources),
                Diagnostic::new(
                    Some(Loc {
                        file: id,
                        span: at..at,
                    }),
                    "",
                    format!("the file is not valid UTF-8 (at byte {at}); TOML files must be UTF-8"),
                ),
            ));
        }
    };
    // A file saved with CRLF line endings would keep "\r" in multi-line strings. The
    // normalised text is also the one kept for messages, so spans, lines and columns
    // (counted in it) stay right: only line ends lose a character.
    let text = if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    let id = sources.add(display, text);
    let text = &sources.file(id).text;
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let diagnostics = errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                Diagnostic::new(
                    Some(Loc { file: id, span }),
                    "",
                    format!("TOML syntax error: {}", e.message().trim_end()),
                )
            })
            .collect();
        return Err(many(profile, std::mem::take(sources), diagnostics));
    }
    let span = table.span();
    let (tree, problems) = node::from_toml(id, table.get_ref(), span);
    if !problems.is_empty() {
        let diagnostics = problems
            .into_iter()
            .map(|p| Diagnostic::new(Some(p.loc), p.path, p.message))
            .collect();
        return Err(many(profile, std::mem::take(sources), diagnostics));
    }
    Ok(tree)
}

/// Turns a serde error at a path into a positioned diagnostic, with "did you mean" for
/// unknown keys and enum values.
fn serde_diagnostic(root: &Node, e: &serde_path_to_error::Error<serde_json::Error>) -> Diagnostic {
    let mut segments = Vec::new();
    let mut path = String::new();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Map { key } => {
                path = node::join(&path, key);
                segments.push(Segment::Key(key.clone()));
            }
            serde_path_to_error::Segment::Seq { index } => {
                path = format!("{path}[{index}]");
                segments.push(Segment::Index(*index));
            }
            _ => {}
        }
    }
    let inner = e.inner().to_string();
    // serde_path_to_error ends the path of an unknown key with the key itself; the table
    // that refused it is its parent.
    if let Some(field) = between(&inner, "unknown field `", "`")
        && segments.last() == Some(&Segment::Key(field.to_string()))
    {
        segments.pop();
        path = node::path_string(&segments);
    }
    // serde_json appends " at line N column M" of its own input; that position means nothing here.
    let message = match inner.rfind(" at line ") {
        Some(i) => inner[..i].to_string(),
        None => inner,
    };
    let (node, key_loc, found) = node::lookup(root, &segments);
    let mut d;
    if let Some(field) = between(&message, "unknown field `", "`") {
        // serde reports an unknown key at its parent's path.
        let key_loc = match &node.value {
            Value::Table(t) => t.get(field).map(|en| en.key_loc.clone()),
            _ => None,
        };
        let full = node::join(&path, field);
        let expected = expected_list(&message);
        d = Diagnostic::new(
            key_loc.or(Some(node.loc.clone())),
            full,
            if expected.is_empty() {
                "unknown key; this table takes no keys".to_string()
            } else {
                format!("unknown key; allowed here: {}", expected.join(", "))
            },
        );
        if let Some(s) = did_you_mean(field, expected.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
    } else if let Some(variant) = between(&message, "unknown variant `", "`") {
        let expected = expected_list(&message);
        d = Diagnostic::new(
            Some(node.loc.clone()),
            path,
            format!(
                "{variant:?} is not allowed; use one of: {}",
                expected.join(", ")
            ),
        );
        if let Some(s) = did_you_mean(variant, expected.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean {s:?}?"));
        }
    } else if let Some(field) = between(&message, "missing field `", "`") {
        let loc = if found == segments.len() {
            key_loc.cloned().or(Some(node.loc.clone()))
        } else {
            Some(node.loc.clone())
        };
        d = Diagnostic::new(
            loc,
            node::join(&path, field),
            "required key is missing".to_string(),
        );
        if segments.is_empty() {
            d = d.with_help(format!(
                "add a [{field}] table, or `extends` a profile that has one"
            ));
        }
    } else {
        let message = message
            .replace("invalid type: ", "wrong type: ")
            .replace("map", "table")
            .replace("sequence", "array");
        d = Diagnostic::new(Some(node.loc.clone()), path, message);
    }
    d
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// The names in serde's "expected one of `a`, `b`" tail.
fn expected_list(message: &str) -> Vec<String> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Names of the profiles in `store` that can be rendered: all but those marked
/// `abstract = true`. A profile that cannot be read or parsed (refused ones included) counts
/// as deployable, so that rendering it reports the problem instead of skipping it silently.
pub fn deployable(store: &dyn ProfileStore) -> Vec<String> {
    let mut names: Vec<String> = store
        .names()
        .into_iter()
        .filter(|name| {
            let Ok(Some((_, bytes))) = store.read(name) else {
                return true;
            };
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return true;
            };
            let Ok(table) = toml::de::DeTable::parse(text) else {
                return true;
            };
            table
                .get_ref()
                .get("abstract")
                .is_none_or(|v| v.get_ref().as_bool() != Some(true))
        })
        .collect();
    names.extend(store.refused());
    names.sort();
    names
}

/// The `extends` chain of `name` as written (the profile first), without loading it fully;
/// stops at a missing or unreadable profile or a cycle, which `render` reports.
pub fn chain(store: &dyn ProfileStore, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut current = name.to_string();
    while out.len() <= MAX_EXTENDS_DEPTH {
        let Ok(Some((_, bytes))) = store.read(&current) else {
            break;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            break;
        };
        let Ok(table) = toml::de::DeTable::parse(text) else {
            break;
        };
        let Some(parent) = table
            .get_ref()
            .get("extends")
            .and_then(|v| v.get_ref().as_str().map(str::to_string))
        else {
            break;
        };
        let cycle = out.contains(&parent);
        out.push(parent.clone());
        if cycle || !is_valid_profile_name(&parent) {
            break;
        }
        current = parent;
    }
    out
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
