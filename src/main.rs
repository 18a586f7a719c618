//! The magnetiq-gen binary: parse flags, call the library, map the outcome to an exit code.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use magnetiq_gen::cli::{Cli, CmpCommand, Command, RenderArgs};
use magnetiq_gen::profile::{DirStore, ProfileStore, load::deployable};
use magnetiq_gen::{Manifest, ProfileRef, output};

/// What a successful command found.
enum Outcome {
    /// Nothing to report.
    Clean,
    /// Findings (drift): exit 1.
    Findings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Render(args) => render(args, cli.quiet),
        Command::Cmp(CmpCommand::Generate) => cmp_generate(),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&magnetiq_gen::profile::schema::generate())
                .expect("the schema is JSON");
            write_stdout(&format!("{text}\n")).map(|()| Outcome::Clean)
        }
        Command::Explain { key } => magnetiq_gen::inspect::explain(key)
            .and_then(|t| write_stdout(&t))
            .map(|()| Outcome::Clean),
        Command::Show { target, origin } => ProfileRef::resolve(&target.profile, &target.profiles_dir)
            .and_then(|t| magnetiq_gen::inspect::show(&DirStore::new(&t.dir), &t.name, &target.set, *origin))
            .and_then(|t| write_stdout(&t))
            .map(|()| Outcome::Clean),
        Command::Graph { target, format } => ProfileRef::resolve(&target.profile, &target.profiles_dir)
            .and_then(|t| magnetiq_gen::render_with(&DirStore::new(&t.dir), &t.name, &target.set))
            .and_then(|m| write_stdout(&magnetiq_gen::graph::render(&m, *format)))
            .map(|()| Outcome::Clean),
        Command::Lint {
            profile,
            dir,
            profiles_dir,
            set,
            errors_only,
            rules,
        } => lint(
            profile.as_deref(),
            dir.as_deref(),
            profiles_dir,
            set,
            *errors_only,
            *rules,
        ),
        Command::Import { dir } => magnetiq_gen::lint::load_dir(dir)
            .map(|objects| magnetiq_gen::import::import(&objects))
            .and_then(|imported| {
                // The profile on stdout; the notes (also comments in the profile) on stderr.
                note(
                    cli.quiet,
                    format_args!(
                        "imported: {} things not mapped, {} that render differently (listed at the top of the profile)",
                        imported.unmapped.len(),
                        imported.differences.len()
                    ),
                );
                write_stdout(&imported.profile)
            })
            .map(|()| Outcome::Clean),
        Command::Profiles { profiles_dir } => require_dir(profiles_dir)
            .and_then(|()| write_stdout(&magnetiq_gen::inspect::profiles(&DirStore::new(profiles_dir))))
            .map(|()| Outcome::Clean),
        Command::Init { dir } => init(dir, cli.quiet),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "magnetiq-gen", &mut buf);
            write_stdout(&String::from_utf8_lossy(&buf)).map(|()| Outcome::Clean)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buf)
                .map_err(anyhow::Error::from)
                .and_then(|()| write_stdout(&String::from_utf8_lossy(&buf)))
                .map(|()| Outcome::Clean)
        }
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error and its causes on stderr; "error:" in red only on a terminal and never
/// with NO_COLOR set.
fn report_error(e: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let label = if colour {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    // Messages quote paths, values and file content from the user's tree and profiles:
    // nothing in them may drive the terminal.
    let text = e.to_string();
    let text = magnetiq_gen::report::printable(&text);
    let _ = write!(stderr, "{label}: {text}");
    if !text.ends_with('\n') {
        let _ = writeln!(stderr);
    }
    for cause in e.chain().skip(1) {
        let _ = writeln!(
            stderr,
            "caused by: {}",
            magnetiq_gen::report::printable(&cause.to_string())
        );
    }
}

fn note(quiet: bool, message: std::fmt::Arguments<'_>) {
    if !quiet {
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

/// The command that brings `dir` up to date, for drift reports.
fn fix_command(args: &RenderArgs, dir: &Path) -> String {
    let mut cmd = String::from("magnetiq-gen render");
    match &args.profile {
        Some(p) => cmd.push_str(&format!(" --profile {}", shell_quote(p))),
        None => cmd.push_str(" --all"),
    }
    if args.profiles_dir != Path::new("profiles") {
        cmd.push_str(&format!(
            " --profiles-dir {}",
            shell_quote(&args.profiles_dir.to_string_lossy())
        ));
    }
    for s in &args.set {
        cmd.push_str(&format!(" --set {}", shell_quote(s)));
    }
    cmd.push_str(&format!(
        " --out-dir {}",
        shell_quote(&dir.to_string_lossy())
    ));
    cmd
}

/// `s` as one POSIX shell word: unchanged when it is plainly safe, else single-quoted (a
/// quote inside becomes '\''), so a copied fix command never runs what a value smuggled in.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn render(args: &RenderArgs, quiet: bool) -> anyhow::Result<Outcome> {
    // Render everything in memory first: on any error, nothing is written.
    let env = secret_env()?;
    let (rendered, multi): (Vec<(Manifest, bool)>, bool) = match &args.profile {
        Some(profile) => {
            let target = ProfileRef::resolve(profile, &args.profiles_dir)?;
            let store = DirStore::new(&target.dir);
            (
                vec![magnetiq_gen::render_full(
                    &store,
                    &target.name,
                    &args.set,
                    &env,
                )?],
                false,
            )
        }
        None => {
            require_dir(&args.profiles_dir)?;
            let store = DirStore::new(&args.profiles_dir);
            (render_all(&store, &args.set, &env)?, true)
        }
    };
    if args.out_dir.is_some() && !args.check && !args.allow_plaintext_secrets {
        let plain: Vec<&str> = rendered
            .iter()
            .filter(|(_, p)| *p)
            .map(|(m, _)| m.profile.as_str())
            .collect();
        if !plain.is_empty() {
            anyhow::bail!(
                "refusing to write plain secret values into a tree (profile {}: secrets.mode = \"inline\"): \
                 a tree is meant to be committed. Render to stdout or through the ArgoCD plugin, switch \
                 to mode \"sealed\" or \"external-secrets\", or pass --allow-plaintext-secrets",
                plain.join(", ")
            );
        }
    }
    let manifests: Vec<Manifest> = rendered.into_iter().map(|(m, _)| m).collect();
    let Some(out_dir) = &args.out_dir else {
        let m = manifests
            .first()
            .expect("a single render yields one manifest");
        write_stdout(&output::stream(m))?;
        return Ok(Outcome::Clean);
    };
    if multi {
        let trees: Vec<(String, Vec<(String, String)>)> = manifests
            .iter()
            .map(|m| (m.profile.clone(), output::tree(m)))
            .collect();
        if args.check {
            let drifts = output::check_all(out_dir, &trees)?;
            return report_drift(args, out_dir, &drifts, quiet);
        }
        for r in output::write_all(out_dir, &trees, args.force, quiet)? {
            note(quiet, format_args!("{}", r.summary()));
        }
        return Ok(Outcome::Clean);
    }
    let m = manifests
        .first()
        .expect("a single render yields one manifest");
    let files = output::tree(m);
    if args.check {
        let drift = output::check_tree(out_dir, &files)?;
        return report_drift(args, out_dir, &[drift], quiet);
    }
    let r = output::write_tree(out_dir, &files, args.force, quiet)?;
    note(quiet, format_args!("{}", r.summary()));
    Ok(Outcome::Clean)
}

/// Prints the drift of every checked directory (stdout: it is the command's result, for CI
/// logs and pipes) and says whether there was any.
fn report_drift(
    args: &RenderArgs,
    out_dir: &Path,
    drifts: &[output::Drift],
    quiet: bool,
) -> anyhow::Result<Outcome> {
    let mut report = String::new();
    for drift in drifts.iter().filter(|d| !d.is_empty()) {
        let mut fix = fix_command(args, out_dir);
        // A directory magnetiq-gen never wrote needs --force to be written at all (not the
        // top level of `--all`, which has no ownership list of its own).
        let top_of_all = args.profile.is_none() && drift.dir == out_dir;
        if !top_of_all
            && drift.dir.is_dir()
            && !drift.dir.join(output::OWNED_LIST).exists()
            && std::fs::read_dir(&drift.dir)?.next().is_some()
        {
            fix.push_str(" --force");
        }
        report.push_str(&drift.report(&fix));
    }
    if report.is_empty() {
        note(quiet, format_args!("{} is up to date", out_dir.display()));
        return Ok(Outcome::Clean);
    }
    write_stdout(&report)?;
    Ok(Outcome::Findings)
}

/// Renders every deployable profile, on all cores; reports every failing profile.
fn render_all(
    store: &DirStore,
    overrides: &[String],
    env: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<Vec<(Manifest, bool)>> {
    let names = deployable(store);
    if names.is_empty() {
        anyhow::bail!("no deployable profiles in {}", store.dir().display());
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(names.len());
    let chunk = names.len().div_ceil(workers);
    let results: Vec<(String, anyhow::Result<(Manifest, bool)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|n| {
                            (
                                n.clone(),
                                magnetiq_gen::render_full(
                                    store as &dyn ProfileStore,
                                    n,
                                    overrides,
                                    env,
                                ),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("render threads do not panic"))
            .collect()
    });
    let mut manifests = Vec::new();
    let mut errors = Vec::new();
    for (name, r) in results {
        match r {
            Ok(m) => manifests.push(m),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    if !errors.is_empty() {
        anyhow::bail!(
            "{} of {} profiles cannot be rendered:\n\n{}",
            errors.len(),
            names.len(),
            errors.join("\n")
        );
    }
    Ok(manifests)
}

/// `cmp generate`: what the ArgoCD plugin sidecar runs, in the application's source directory.
fn cmp_generate() -> anyhow::Result<Outcome> {
    // Only ArgoCD's variables and the plugin's own settings; the sidecar's other variables
    // (which may be anything, and not UTF-8) never reach the request.
    let env = utf8_env(magnetiq_gen::cmp::is_plugin_variable)?;
    let request = magnetiq_gen::cmp::request(&env)?;
    let store = DirStore::new(&request.profiles_dir);
    let (manifest, plaintext) =
        magnetiq_gen::render_full(&store, &request.profile, &request.overrides, &secret_env()?)?;
    if plaintext {
        magnetiq_gen::cmp::check_inline_allowed(&env, &manifest)?;
    }
    // The Application that runs this plugin is not part of what the plugin deploys.
    let objects: Vec<_> = manifest
        .objects_in_apply_order()
        .into_iter()
        .filter(|o| o.kind() != "Application")
        .collect();
    // With auto-prune, an empty render would delete the whole application: never succeed
    // with nothing.
    if objects.is_empty() {
        anyhow::bail!(
            "profile {} renders no objects; refusing to hand ArgoCD an empty set",
            request.profile
        );
    }
    write_stdout(&output::objects_stream(objects))?;
    Ok(Outcome::Clean)
}

/// `init`: writes the shipped profiles into DIR/profiles, refusing to overwrite anything.
fn init(dir: &Path, quiet: bool) -> anyhow::Result<Outcome> {
    let target = dir.join("profiles");
    output::write_new_files(&target, magnetiq_gen::init::FILES)?;
    note(
        quiet,
        format_args!(
            "wrote {} files to {}; render with: magnetiq-gen render --profile production --profiles-dir {}",
            magnetiq_gen::init::FILES.len(),
            target.display(),
            target.display()
        ),
    );
    Ok(Outcome::Clean)
}

/// The `MAGNETIQ_SECRET_*` environment variables `inline` secrets are read from; nothing
/// else of the environment reaches the renderer. A variable that is not UTF-8 is named (never
/// its value) in the error.
fn secret_env() -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    utf8_env(|k| k.starts_with(magnetiq_gen::profile::SECRET_ENV_PREFIX))
}

/// The environment variables whose names `keep` accepts. Variables that are not UTF-8 and
/// not kept are ignored (they are none of our business); a kept one is an error that names
/// the variable and never shows its value.
fn utf8_env(
    keep: impl Fn(&str) -> bool,
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in std::env::vars_os() {
        let Some(k) = k.to_str() else { continue };
        if !keep(k) {
            continue;
        }
        match v.into_string() {
            Ok(v) => {
                out.insert(k.to_string(), v);
            }
            Err(_) => anyhow::bail!(
                "environment variable {k} is not valid UTF-8; set it to UTF-8 text (its value is not shown)"
            ),
        }
    }
    Ok(out)
}

/// `lint`: the rendered objects of a profile, or an existing tree, against the rules.
fn lint(
    profile: Option<&str>,
    dir: Option<&Path>,
    profiles_dir: &Path,
    set: &[String],
    errors_only: bool,
    list_rules: bool,
) -> anyhow::Result<Outcome> {
    use magnetiq_gen::lint;
    if list_rules {
        let mut out = String::new();
        for r in lint::rules() {
            out.push_str(&format!(
                "{} {} {}\n  why: {}\n  fix: {}\n  see: {}\n\n",
                r.id, r.severity, r.title, r.explanation, r.fix, r.link
            ));
        }
        write_stdout(&out)?;
        return Ok(Outcome::Clean);
    }
    let objects = match (profile, dir) {
        (_, Some(dir)) => lint::load_dir(dir)?,
        (Some(profile), None) => {
            let target = ProfileRef::resolve(profile, profiles_dir)?;
            let m = magnetiq_gen::render_with(&DirStore::new(&target.dir), &target.name, set)?;
            m.files
                .iter()
                .flat_map(|f| {
                    f.objects.iter().map(|o| {
                        (
                            f.path.to_string(),
                            serde_json::to_value(o).expect("objects serialize"),
                        )
                    })
                })
                .collect()
        }
        (None, None) => anyhow::bail!("lint needs --profile or --dir"),
    };
    let mut findings = lint::lint(&objects);
    if errors_only {
        findings.retain(|f| f.rule.severity == lint::Severity::Error);
    }
    write_stdout(&lint::report(&findings))?;
    Ok(if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// A missing profiles directory is an error, not an empty list.
fn require_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        Ok(())
    } else {
        anyhow::bail!(
            "profiles directory {} does not exist (set it with --profiles-dir)",
            dir.display()
        )
    }
}
