//! The subcommands as library calls. Each takes its request and returns what to print and
//! whether there were findings; the binary reads the environment, prints, and maps the
//! outcome to an exit code. Only `output` touches the tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Context as _;
use crate::plan::{self, Accept};
use crate::profile::DirStore;
use crate::{ProfileRef, Request, Result, lint, output};

mod all;

/// What a command produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The command's result, for stdout.
    pub stdout: String,
    /// Progress notes, for stderr (left out with `--quiet`).
    pub notes: Vec<String>,
    /// Whether there were findings (drift, lint): exit 1.
    pub findings: bool,
}

impl Outcome {
    fn print(stdout: String) -> Self {
        Outcome {
            stdout,
            ..Outcome::default()
        }
    }
}

/// `render`: one profile or all of them, to stdout, into a tree, or checked against a tree.
#[derive(Debug, Clone)]
pub struct RenderCommand<'a> {
    /// `--profile`: a name or a `.toml` path; `None` renders every deployable profile.
    pub profile: Option<&'a str>,
    /// `--profiles-dir`.
    pub profiles_dir: &'a Path,
    /// `--out-dir`; `None` prints one stream.
    pub out_dir: Option<&'a Path>,
    /// `--check`: compare with the tree, write nothing.
    pub check: bool,
    /// `--set` overrides.
    pub overrides: &'a [String],
    /// `--allow-plaintext-secrets`.
    pub allow_plaintext_secrets: bool,
    /// `--force`.
    pub force: bool,
    /// `--quiet`: the tree writer says nothing while it waits for a lock.
    pub quiet: bool,
    /// The `MAGNETIQ_SECRET_*` environment.
    pub env: &'a BTreeMap<String, String>,
    /// `--accept`: refused changes the user acknowledged.
    pub accept: &'a [Accept],
}

impl RenderCommand<'_> {
    /// Runs it. One profile is rendered in memory first; `--all` renders and stages each
    /// profile in turn (see [`all`]). On any error, nothing is written.
    pub fn run(&self) -> Result<Outcome> {
        let Some(profile) = self.profile else {
            require_dir(self.profiles_dir)?;
            let Some(out_dir) = self.out_dir else {
                crate::fail!(Input, "render --all needs --out-dir");
            };
            return all::run(self, out_dir);
        };
        let target = ProfileRef::resolve(profile, self.profiles_dir)?;
        let store = DirStore::new(&target.dir);
        let mut rendered = Request::new(&store, &target.name)
            .overrides(self.overrides)
            .env(self.env)
            .render()?;
        output::gitops::carry_plugin_settings(
            std::slice::from_mut(&mut rendered),
            self.profile,
            self.profiles_dir,
            self.overrides,
        )?;
        // Settings the objects cannot carry are said on every render, never dropped quietly.
        let not_carried: Vec<String> = rendered
            .manifest
            .not_carried_over
            .iter()
            .map(|n| n.note())
            .collect();
        let Some(out_dir) = self.out_dir else {
            return Ok(Outcome {
                notes: not_carried,
                ..Outcome::print(output::stream(&rendered.manifest))
            });
        };
        if !self.check && !self.allow_plaintext_secrets && rendered.plaintext_secrets {
            refuse_plaintext(&[rendered.manifest.profile.as_str()])?;
        }
        let files = output::tree(&rendered.manifest);
        if self.check {
            return self.drift(out_dir, &[output::check_tree(out_dir, &files)?]);
        }
        let old = output::read_tree(out_dir)?;
        if let Some((excerpt, needed)) = self.blocked(&rendered.manifest.profile, &old, &files) {
            return Err(self.refusal(out_dir, &excerpt, &needed));
        }
        let r = output::write_tree(out_dir, &files, self.force, self.quiet)?;
        Ok(Outcome {
            notes: not_carried
                .into_iter()
                .chain(std::iter::once(r.summary()))
                .chain(output::gitops::ignored_by_git(out_dir))
                .collect(),
            ..Outcome::default()
        })
    }

    /// What writing `files` over `old` would do that the API server rejects or that puts
    /// data at risk, and is not accepted with `--accept`: the plan excerpt (headed by the
    /// tree's `name` with `--all`) and the `--accept` flags it needs. `None` when nothing is blocked. A
    /// missing or empty directory plans as all-create and is never refused. Files the old
    /// tree holds that plan cannot read do not block: a render replaces them.
    fn blocked(
        &self,
        name: &str,
        old: &output::OldTree,
        files: &[(String, String)],
    ) -> Option<(String, Vec<&'static str>)> {
        // Another profile's tree is refused by the writer (unless --force) with a message
        // that says so; that comes first.
        if !self.force && old.profile.as_deref().is_some_and(|p| p != name) {
            return None;
        }
        // Creating objects is never refused: a new tree needs no plan.
        if old.files.is_empty() {
            return None;
        }
        // The common case, a tree already up to date (or only the ownership list differs),
        // needs no plan.
        let manifests = files.iter().filter(|(p, _)| p != output::OWNED_LIST);
        if old.files.len() == manifests.clone().count()
            && old.files.iter().zip(manifests).all(|(a, b)| a == b)
        {
            return None;
        }
        let blocked = plan::plan(&old.files, files).blocked(self.accept);
        if blocked.changes.is_empty() {
            return None;
        }
        let mut excerpt = if self.profile.is_none() {
            format!("{name}:\n")
        } else {
            String::new()
        };
        excerpt.push_str(&plan::to_text(&blocked, false));
        Some((excerpt, blocked.needed()))
    }

    /// The error that refuses a blocked write: the plan excerpt and the command that writes
    /// it once the runbook has been followed.
    fn refusal(&self, out_dir: &Path, excerpt: &str, needed: &[&str]) -> crate::Error {
        let mut fix = self.fix_command(out_dir);
        for a in self.accept {
            fix.push_str(match a {
                Accept::Replace => " --accept replace",
                Accept::DataLoss => " --accept data-loss",
            });
        }
        let needed: std::collections::BTreeSet<&str> = needed.iter().copied().collect();
        for n in needed {
            fix.push(' ');
            fix.push_str(n);
        }
        crate::Error::Input(format!(
            "refusing to write {}: the change would be rejected by the API server or put data at risk\n\n{excerpt}\n\
             follow the runbook in the README (\"Plan: what a change does to the cluster\"), then write it with:\n  {fix}",
            out_dir.display()
        ))
    }

    /// The drift of every checked directory, each with the command that fixes it.
    fn drift(&self, out_dir: &Path, drifts: &[output::Drift]) -> Result<Outcome> {
        let mut report = String::new();
        for drift in drifts.iter().filter(|d| !d.is_empty()) {
            let mut fix = self.fix_command(out_dir);
            // A directory magnetiq-gen never wrote needs --force to be written at all (not
            // the top level of `--all`, which has no ownership list of its own).
            let top_of_all = self.profile.is_none() && drift.dir == out_dir;
            if !top_of_all
                && drift.dir.is_dir()
                && !drift.dir.join(output::OWNED_LIST).exists()
                && std::fs::read_dir(&drift.dir)
                    .with_context(|| format!("cannot list {}", drift.dir.display()))?
                    .next()
                    .is_some()
            {
                fix.push_str(" --force");
            }
            report.push_str(&drift.report(&fix));
        }
        if report.is_empty() {
            return Ok(Outcome {
                notes: vec![format!("{} is up to date", out_dir.display())],
                ..Outcome::default()
            });
        }
        Ok(Outcome {
            stdout: report,
            findings: true,
            ..Outcome::default()
        })
    }

    /// The command that brings `dir` up to date, for drift reports.
    fn fix_command(&self, dir: &Path) -> String {
        let mut cmd = String::from("magnetiq-gen render");
        match self.profile {
            Some(p) => cmd.push_str(&format!(" --profile {}", shell_quote(p))),
            None => cmd.push_str(" --all"),
        }
        if self.profiles_dir != Path::new("profiles") {
            cmd.push_str(&format!(
                " --profiles-dir {}",
                shell_quote(&self.profiles_dir.to_string_lossy())
            ));
        }
        for s in self.overrides {
            cmd.push_str(&format!(" --set {}", shell_quote(s)));
        }
        cmd.push_str(&format!(
            " --out-dir {}",
            shell_quote(&dir.to_string_lossy())
        ));
        cmd
    }
}

/// `plan`: what rendering a profile into a directory does to the cluster.
#[derive(Debug, Clone)]
pub struct PlanCommand<'a> {
    /// `--profile`: a name or a `.toml` path.
    pub profile: &'a str,
    /// `--profiles-dir`.
    pub profiles_dir: &'a Path,
    /// `--out-dir`: the tree to compare with.
    pub out_dir: &'a Path,
    /// `--set` overrides.
    pub overrides: &'a [String],
    /// `--format json`.
    pub json: bool,
    /// Whether the text may be coloured (the binary decides: a terminal, no `NO_COLOR`).
    pub colour: bool,
    /// The `MAGNETIQ_SECRET_*` environment (so `inline` secrets plan as they render; plan
    /// never prints a value).
    pub env: &'a BTreeMap<String, String>,
}

impl PlanCommand<'_> {
    /// Runs it: rejected or data-at-risk changes are findings (exit 1). A file of the old
    /// tree that cannot be read is an error: plan cannot say what it would do to it.
    pub fn run(&self) -> Result<Outcome> {
        let target = ProfileRef::resolve(self.profile, self.profiles_dir)?;
        let store = DirStore::new(&target.dir);
        let mut rendered = Request::new(&store, &target.name)
            .overrides(self.overrides)
            .env(self.env)
            .render()?;
        // The same Application `render` writes (plugin mode points at the profiles).
        output::gitops::carry_plugin_settings(
            std::slice::from_mut(&mut rendered),
            Some(self.profile),
            self.profiles_dir,
            self.overrides,
        )?;
        let old = output::read_tree(self.out_dir)?;
        let mut plan = plan::plan(&old.files, &output::tree(&rendered.manifest));
        plan.unreadable.extend(
            old.unreadable
                .into_iter()
                .map(|(file, reason)| plan::Unreadable { file, reason }),
        );
        if !plan.unreadable.is_empty() {
            let list: Vec<String> = plan
                .unreadable
                .iter()
                .map(|u| format!("  {}: {}", self.out_dir.join(&u.file).display(), u.reason))
                .collect();
            crate::fail!(
                Input,
                "cannot plan against {}: {} files cannot be read as manifests, so plan cannot say what a sync does to their objects:\n{}",
                self.out_dir.display(),
                list.len(),
                crate::report::printable(&list.join("\n"))
            );
        }
        Ok(Outcome {
            findings: plan.is_blocking(),
            stdout: if self.json {
                plan::to_json(&plan)
            } else {
                plan::to_text(&plan, self.colour)
            },
            ..Outcome::default()
        })
    }
}

/// A tree is meant to be committed: refuse to write `inline` secret values into one.
fn refuse_plaintext(profiles: &[&str]) -> Result<()> {
    if profiles.is_empty() {
        return Ok(());
    }
    crate::fail!(
        Input,
        "refusing to write plain secret values into a tree (profile {}: secrets.mode = \"inline\"): \
         a tree is meant to be committed. Render to stdout or through the ArgoCD plugin, switch \
         to mode \"sealed\" or \"external-secrets\", or pass --allow-plaintext-secrets",
        profiles.join(", ")
    )
}

/// `s` as one POSIX shell word: unchanged when it is plainly safe, else single-quoted (a
/// quote inside becomes '\''), so a copied fix command never runs what a value smuggled in.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `cmp generate`: what the ArgoCD plugin sidecar runs, in the application's source
/// directory. `plugin_env` holds ArgoCD's variables and the plugin's own settings only.
pub fn cmp_generate(
    plugin_env: &BTreeMap<String, String>,
    secret_env: &BTreeMap<String, String>,
) -> Result<Outcome> {
    let request = crate::cmp::request(plugin_env)?;
    let store = DirStore::new(&request.profiles_dir);
    store.require("the plugin env entry PROFILES_DIR, relative to the source directory")?;
    let rendered = Request::new(&store, &request.profile)
        .overrides(&request.overrides)
        .env(secret_env)
        .render()?;
    if rendered.plaintext_secrets {
        crate::cmp::check_inline_allowed(plugin_env, &rendered.manifest)?;
    }
    // The Application that runs this plugin is not part of what the plugin deploys.
    let objects: Vec<_> = rendered
        .manifest
        .objects_in_apply_order()
        .into_iter()
        .filter(|o| o.kind() != "Application")
        .collect();
    // With auto-prune, an empty render would delete the whole application: never succeed
    // with nothing.
    if objects.is_empty() {
        crate::fail!(
            Input,
            "profile {} renders no objects; refusing to hand ArgoCD an empty set",
            request.profile
        );
    }
    Ok(Outcome::print(output::objects_stream(objects)))
}

/// `init`: writes the shipped profiles into DIR/profiles, refusing to overwrite anything.
pub fn init(dir: &Path) -> Result<Outcome> {
    let target: PathBuf = dir.join("profiles");
    output::write_new_files(&target, crate::init::FILES)?;
    let templates: PathBuf = dir.join("templates");
    output::write_new_files(&templates, crate::init::TEMPLATES)?;
    Ok(Outcome {
        notes: vec![format!(
            "wrote {} files to {} and {} to {}; render with: magnetiq-gen render --profile production --profiles-dir {}",
            crate::init::FILES.len(),
            target.display(),
            crate::init::TEMPLATES.len(),
            templates.display(),
            target.display()
        )],
        ..Outcome::default()
    })
}

/// `man --out-dir`: writes one manual page per command into `dir` (see
/// [`output::write_files`] for how an existing page is replaced).
pub fn man(dir: &Path, quiet: bool) -> Result<Outcome> {
    let pages: Vec<(String, String)> = crate::manual::pages()
        .into_iter()
        .map(|p| (p.file_name(), p.text))
        .collect();
    let report = output::write_files(dir, &pages, quiet)?;
    Ok(Outcome {
        notes: vec![report.summary()],
        ..Outcome::default()
    })
}

/// `lint`: what to lint and how.
#[derive(Debug, Clone)]
pub struct LintCommand<'a> {
    /// `--profile`: lint the profile's fresh render.
    pub profile: Option<&'a str>,
    /// `--dir`: lint an existing tree.
    pub dir: Option<&'a Path>,
    /// `--profiles-dir`.
    pub profiles_dir: &'a Path,
    /// `--set` overrides.
    pub overrides: &'a [String],
    /// `--errors-only`.
    pub errors_only: bool,
    /// `--rules`: list the rules instead.
    pub list_rules: bool,
}

impl LintCommand<'_> {
    /// Runs it: findings are the command's result (exit 1).
    pub fn run(&self) -> Result<Outcome> {
        if self.list_rules {
            let mut out = String::new();
            for r in lint::rules() {
                out.push_str(&format!(
                    "{} {} {}\n  why: {}\n  fix: {}\n  see: {}\n\n",
                    r.id, r.severity, r.title, r.explanation, r.fix, r.link
                ));
            }
            return Ok(Outcome::print(out));
        }
        let mut notes = Vec::new();
        let mut findings = match (self.profile, self.dir) {
            (_, Some(dir)) => lint::lint(&lint::load_dir(dir)?),
            (Some(profile), None) => {
                let target = ProfileRef::resolve(profile, self.profiles_dir)?;
                let store = DirStore::new(&target.dir);
                // The profile is one environment among its directory's: a name another
                // one claims is an error, as in `render --all`.
                crate::profile::environments::check(&store, self.overrides, Some(&target.name))?;
                let m = Request::new(&store, &target.name)
                    .overrides(self.overrides)
                    .render()?
                    .manifest;
                notes.extend(m.out_of_band.iter().map(|o| {
                    format!(
                        "assumed to exist: {} {}/{} (created out of band, as {} says)",
                        o.kind, o.namespace, o.name, o.because
                    )
                }));
                notes.extend(m.acknowledged.iter().map(|a| a.note().to_string()));
                notes.extend(m.not_carried_over.iter().map(|n| n.note()));
                lint::lint_rendered(&m)
            }
            (None, None) => crate::fail!(
                Input,
                "lint needs --profile NAME (what a profile renders) or --dir DIR (a tree of manifests)"
            ),
        };
        if self.errors_only {
            findings.retain(|f| f.rule.severity == lint::Severity::Error);
        }
        Ok(Outcome {
            findings: !findings.is_empty(),
            stdout: lint::report(&findings),
            notes,
        })
    }
}

/// A missing profiles directory is an error, not an empty list.
pub fn require_dir(dir: &Path) -> Result<()> {
    DirStore::new(dir).require("--profiles-dir")
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("k8s/prod-1"), "k8s/prod-1");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("x'$(rm -rf ~)'"), "'x'\\''$(rm -rf ~)'\\'''");
        assert_eq!(shell_quote(""), "''");
    }
}
