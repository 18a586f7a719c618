//! `render --all`: every deployable profile of a directory, each into `DIR/<profile>/`, and
//! the app-of-apps tree `DIR/_argocd/`.
//!
//! Profiles are rendered on every core, and each tree is staged (or, with `--check`,
//! compared) as soon as it is rendered and then dropped, so memory does not grow with the
//! number of profiles beyond a few names per tree. Nothing becomes visible until every
//! profile has rendered and staged: a failure anywhere changes nothing (see
//! [`output::Batch`]).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Outcome, RenderCommand, refuse_plaintext};
use crate::manifest::GITOPS_DIR;
use crate::output::{self, Drift, gitops};
use crate::profile::{DirStore, ProfileStore, environments, load, load::deployable};
use crate::resources::argocd::PluginSettings;
use crate::{Request, Result};

/// Where the trees go: compared with what is there, or staged to be written.
enum Sink {
    Check(output::Check),
    Write(output::Batch),
}

/// What became of one profile.
#[derive(Default)]
struct Done {
    name: String,
    /// The render failed: why (the profile's own error, with its file and line).
    failed: Option<String>,
    /// It failed for want of file descriptors.
    out_of_descriptors: bool,
    /// It renders `inline` secret values, which a tree refuses without
    /// `--allow-plaintext-secrets`.
    plaintext: bool,
    /// Its Application, for the `_argocd` tree.
    application: Option<gitops::Child>,
    /// With `--check`: how the tree differs from the rendered one.
    drift: Option<Drift>,
    /// Refused without `--accept`: the plan excerpt and the flags needed.
    blocked: Option<(String, Vec<&'static str>)>,
    /// Comparing or staging failed.
    error: Option<crate::Error>,
    /// The names it claims on the cluster (see [`environments::check`]).
    claims: Vec<environments::Named>,
    /// Profile settings its objects cannot carry, as notes naming the profile.
    not_carried: Vec<String>,
}

/// Runs `render --all --out-dir out_dir` (with or without `--check`). Running out of file
/// descriptors anywhere (a staged tree holds one until the commit) says what to do about it.
pub(super) fn run(cmd: &RenderCommand<'_>, out_dir: &Path) -> Result<Outcome> {
    run_all(cmd, out_dir).map_err(|e| {
        if out_of_descriptors(&e) {
            crate::Error::Input(format!("{}{DESCRIPTORS_HINT}", with_causes(&e)))
        } else {
            e
        }
    })
}

fn run_all(cmd: &RenderCommand<'_>, out_dir: &Path) -> Result<Outcome> {
    let store = DirStore::new(cmd.profiles_dir);
    let names = deployable(&store);
    if names.is_empty() {
        crate::fail!(
            Input,
            "no deployable profiles in {}",
            cmd.profiles_dir.display()
        );
    }
    let settings = gitops::plugin_settings(None, cmd.profiles_dir, cmd.overrides)?;
    let sink = if cmd.check {
        Sink::Check(output::Check::open(out_dir)?)
    } else {
        Sink::Write(output::Batch::open(out_dir, cmd.force, cmd.quiet)?)
    };

    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(names.len()));
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(names.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(name) = names.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let done = one(cmd, &store, settings.as_ref(), &sink, name);
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(done);
                }
            });
        }
    });
    let mut done = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by(|a, b| a.name.cmp(&b.name));
    // Two environments claiming one name: an error before anything is committed (the batch
    // is dropped, so what was staged goes).
    let claims = done
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.claims.iter().map(move |c| (i, c)));
    if environments::any_collision(claims) {
        // The rare path: load every profile again for the report of who set what where.
        environments::check(&store, cmd.overrides, None)?;
    }
    for d in &mut done {
        d.claims = Vec::new();
    }

    let failed: Vec<String> = done
        .iter()
        .filter_map(|d| Some(format!("{}: {}", d.name, d.failed.as_ref()?)))
        .collect();
    if !failed.is_empty() {
        let hint = if done.iter().any(|d| d.out_of_descriptors) {
            DESCRIPTORS_HINT
        } else {
            ""
        };
        crate::fail!(
            Input,
            "{} of {} profiles cannot be rendered:\n\n{}{hint}",
            failed.len(),
            names.len(),
            failed.join("\n")
        );
    }
    if !cmd.check && !cmd.allow_plaintext_secrets {
        let plain: Vec<&str> = done
            .iter()
            .filter(|d| d.plaintext)
            .map(|d| d.name.as_str())
            .collect();
        refuse_plaintext(&plain)?;
    }

    // The app-of-apps tree, from every environment's Application.
    let children: Vec<(String, gitops::Child)> = done
        .iter_mut()
        .filter_map(|d| Some((d.name.clone(), d.application.take()?)))
        .collect();
    let mut rendered: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    if let Some((name, files)) = gitops::root_tree(out_dir, children)? {
        done.push(one_tree(cmd, &sink, &name, &files));
        rendered.insert(GITOPS_DIR);
    }
    if let Some(e) = done.iter_mut().find_map(|d| d.error.take()) {
        return Err(e);
    }

    match sink {
        Sink::Check(check) => {
            let mut drifts: Vec<Drift> = done.into_iter().filter_map(|d| d.drift).collect();
            drifts.push(check.rest(&rendered)?);
            cmd.drift(out_dir, &drifts)
        }
        Sink::Write(batch) => {
            let mut excerpt = String::new();
            let mut needed = Vec::new();
            for (text, flags) in done.iter().filter_map(|d| d.blocked.as_ref()) {
                excerpt.push_str(text);
                needed.extend(flags);
            }
            // A profile that is gone takes its tree with it: every object in it is deleted,
            // claims included.
            for (name, old) in batch.stale(&rendered)? {
                let blocked = crate::plan::plan(&old.files, &[]).blocked(cmd.accept);
                if blocked.changes.is_empty() {
                    continue;
                }
                excerpt.push_str(&format!(
                    "{name} (no such profile any more: its tree is removed):\n"
                ));
                excerpt.push_str(&crate::plan::to_text(&blocked, false));
                needed.extend(blocked.needed());
            }
            if !excerpt.is_empty() {
                return Err(cmd.refusal(out_dir, &excerpt, &needed));
            }
            let not_carried: Vec<String> = done
                .iter_mut()
                .flat_map(|d| std::mem::take(&mut d.not_carried))
                .collect();
            let mut notes = not_carried;
            notes.extend(notes_of(out_dir, &batch.commit(&rendered)?));
            notes.extend(gitops::ignored_by_git(out_dir));
            Ok(Outcome {
                notes,
                ..Outcome::default()
            })
        }
    }
}

/// Renders one profile and hands its tree to the sink.
fn one(
    cmd: &RenderCommand<'_>,
    store: &DirStore,
    settings: Option<&PluginSettings>,
    sink: &Sink,
    name: &str,
) -> Done {
    let request = Request::new(store as &dyn ProfileStore, name)
        .overrides(cmd.overrides)
        .env(cmd.env);
    // Loaded once: for the names it claims (checked against every other profile's before
    // anything is committed) and for the render.
    let mut claims = Vec::new();
    let rendered = load::load_with(store, name, cmd.overrides).and_then(|loaded| {
        claims = environments::claimed(&loaded);
        request.render_loaded(loaded)
    });
    let mut rendered = match rendered {
        Ok(r) => r,
        Err(e) => {
            return Done {
                name: name.to_string(),
                failed: Some(with_causes(&e)),
                out_of_descriptors: out_of_descriptors(&e),
                claims,
                ..Done::default()
            };
        }
    };
    if let Some(s) = settings {
        gitops::apply_plugin_settings(&mut rendered, s);
    }
    let application = gitops::application(&rendered);
    let not_carried: Vec<String> = rendered
        .manifest
        .not_carried_over
        .iter()
        .map(|n| format!("{name}: {}", n.note()))
        .collect();
    if rendered.plaintext_secrets && !cmd.check && !cmd.allow_plaintext_secrets {
        return Done {
            name: name.to_string(),
            plaintext: true,
            claims,
            ..Done::default()
        };
    }
    let files = output::tree(&rendered.manifest);
    drop(rendered);
    Done {
        application,
        claims,
        not_carried,
        ..one_tree(cmd, sink, name, &files)
    }
}

/// Compares or stages one tree.
fn one_tree(cmd: &RenderCommand<'_>, sink: &Sink, name: &str, files: &[(String, String)]) -> Done {
    let mut done = Done {
        name: name.to_string(),
        ..Done::default()
    };
    let result = match sink {
        // Only a drift is kept: a thousand up-to-date trees cost nothing until the report.
        Sink::Check(check) => check
            .tree(name, files)
            .map(|d| done.drift = (!d.is_empty()).then_some(d)),
        Sink::Write(batch) => batch.read_old(name).and_then(|old| {
            done.blocked = cmd.blocked(name, &old, files);
            // A blocked tree is not staged: the render fails anyway, with every refusal.
            match done.blocked {
                Some(_) => Ok(()),
                None => batch.stage(name, files),
            }
        }),
    };
    if let Err(e) = result {
        done.error = Some(e);
    }
    done
}

/// What `render --all` tells the user: a line for each tree that changed (or holds files it
/// did not write), then one line for all of them, so a thousand unchanged trees are one line.
fn notes_of(out_dir: &Path, reports: &[output::Report]) -> Vec<String> {
    let changed = |r: &&output::Report| {
        !r.written.is_empty() || !r.removed.is_empty() || !r.foreign.is_empty() || r.tree_removed
    };
    let mut notes: Vec<String> = reports
        .iter()
        .filter(changed)
        .map(output::Report::summary)
        .collect();
    let written: usize = reports.iter().map(|r| r.written.len()).sum();
    let removed: usize = reports.iter().map(|r| r.removed.len()).sum();
    let unchanged: usize = reports.iter().map(|r| r.unchanged).sum();
    let trees_changed = reports.iter().filter(changed).count();
    notes.push(if written + removed == 0 {
        format!(
            "{} is up to date ({} trees, {unchanged} files unchanged)",
            out_dir.display(),
            reports.len()
        )
    } else {
        format!(
            "{}: {trees_changed} of {} trees changed ({written} files written, {removed} removed, {unchanged} unchanged)",
            out_dir.display(),
            reports.len()
        )
    });
    notes
}

/// What to do when the open files run out.
const DESCRIPTORS_HINT: &str = "\n\nrender --all keeps each profile's directory open, and locked, until it commits them \
     all; it raised its open-file limit as far as the hard limit allows: raise the hard limit \
     (ulimit -Hn, or LimitNOFILE for a service) or render fewer profiles per directory";

/// Whether `e` (or a cause) is the operating system's "too many open files".
fn out_of_descriptors(e: &crate::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
            == Some(rustix::io::Errno::MFILE.raw_os_error())
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An error with the causes `main` would print below it (such as the operating system's
/// "Too many open files"), on one line: it is one entry of a list of failing profiles.
fn with_causes(e: &crate::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}
