//! The magnetiq-gen binary: parse flags, read the environment, call the library, print,
//! and map the outcome to an exit code. Everything else is in the library
//! ([`magnetiq_gen::commands`]).

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use magnetiq_gen::cli::{Cli, CmpCommand, Command, PlanFormat, ProfileArgs, RenderArgs};
use magnetiq_gen::commands::{self, LintCommand, Outcome, PlanCommand, RenderCommand};
use magnetiq_gen::profile::DirStore;
use magnetiq_gen::{ProfileRef, Request};

fn main() -> ExitCode {
    // A completion request from the shell (see `completions`): answered, then exit.
    clap_complete::CompleteEnv::with_factory(|| {
        magnetiq_gen::completion::command(std::env::args_os())
    })
    .var(magnetiq_gen::completion::ENV_VAR)
    .complete();
    let cli = Cli::parse();
    match run(&cli.command, cli.quiet).and_then(|o| print(o, cli.quiet)) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Runs one command: a library call per subcommand.
fn run(command: &Command, quiet: bool) -> anyhow::Result<Outcome> {
    let print = |text: String| Outcome {
        stdout: text,
        ..Outcome::default()
    };
    Ok(match command {
        Command::Render(args) => render_command(args, quiet, &secret_env()?)?.run()?,
        Command::Plan(args) => PlanCommand {
            profile: &args.target.profile,
            profiles_dir: dir_of(&args.target)?,
            out_dir: &args.out_dir,
            overrides: &args.target.set,
            json: args.format == PlanFormat::Json,
            colour: colour(std::io::stdout().is_terminal()),
            env: &secret_env()?,
        }
        .run()?,
        Command::Cmp(CmpCommand::Generate) => {
            // Only ArgoCD's variables and the plugin's own settings; the sidecar's other
            // variables (which may be anything, and not UTF-8) never reach the request.
            let plugin_env = utf8_env(magnetiq_gen::cmp::is_plugin_variable)?;
            commands::cmp_generate(&plugin_env, &secret_env()?)?
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&magnetiq_gen::profile::schema::generate())
                .expect("the schema is JSON");
            print(format!("{text}\n"))
        }
        Command::Explain { key } => print(magnetiq_gen::inspect::explain(key)?),
        Command::Show { target, origin } => {
            let t = ProfileRef::resolve(&target.profile, dir_of(target)?)?;
            print(magnetiq_gen::inspect::show(
                &DirStore::new(&t.dir),
                &t.name,
                &target.set,
                *origin,
            )?)
        }
        Command::Graph { target, format } => {
            let t = ProfileRef::resolve(&target.profile, dir_of(target)?)?;
            let store = DirStore::new(&t.dir);
            let m = Request::new(&store, &t.name)
                .overrides(&target.set)
                .render()?
                .manifest;
            print(magnetiq_gen::graph::render(&m, *format))
        }
        Command::Lint {
            profile,
            dir,
            profiles_dir,
            set,
            errors_only,
            rules,
        } => LintCommand {
            profile: profile.as_deref(),
            dir: dir.as_deref(),
            profiles_dir: magnetiq_gen::profiles_dir(profile.as_deref(), profiles_dir.as_deref())?,
            overrides: set,
            errors_only: *errors_only,
            list_rules: *rules,
        }
        .run()?,
        Command::Import {
            dir,
            extends,
            profiles_dir,
        } => {
            commands::require_dir(profiles_dir)?;
            let imported = magnetiq_gen::import::import(
                &magnetiq_gen::lint::load_dir(dir)?,
                &DirStore::new(profiles_dir),
                extends,
            )?;
            // The profile on stdout; the notes (also comments in the profile) on stderr.
            Outcome {
                notes: vec![format!(
                    "imported: extends {extends} and sets {} values; {} things not mapped, {} that render differently (listed at the top of the profile)",
                    imported.written,
                    imported.unmapped.len(),
                    imported.differences.len()
                )],
                ..print(imported.profile)
            }
        }
        Command::Profiles { profiles_dir } => {
            commands::require_dir(profiles_dir)?;
            magnetiq_gen::profile::environments::check(&DirStore::new(profiles_dir), &[], None)?;
            print(magnetiq_gen::inspect::profiles(&DirStore::new(
                profiles_dir,
            )))
        }
        Command::Init { dir } => commands::init(dir)?,
        Command::Completions { shell } => print(magnetiq_gen::completion::registration(*shell)?),
        Command::Man { out_dir: None } => print(magnetiq_gen::manual::main_page().text),
        Command::Man { out_dir: Some(dir) } => commands::man(dir, quiet)?,
    })
}

/// `--profiles-dir` of a command that takes one profile (see [`magnetiq_gen::profiles_dir`]).
fn dir_of(target: &ProfileArgs) -> anyhow::Result<&std::path::Path> {
    Ok(magnetiq_gen::profiles_dir(
        Some(&target.profile),
        target.profiles_dir.as_deref(),
    )?)
}

fn render_command<'a>(
    args: &'a RenderArgs,
    quiet: bool,
    env: &'a BTreeMap<String, String>,
) -> anyhow::Result<RenderCommand<'a>> {
    Ok(RenderCommand {
        profile: args.profile.as_deref(),
        profiles_dir: magnetiq_gen::profiles_dir(
            args.profile.as_deref(),
            args.profiles_dir.as_deref(),
        )?,
        out_dir: args.out_dir.as_deref(),
        check: args.check,
        overrides: &args.set,
        allow_plaintext_secrets: args.allow_plaintext_secrets,
        force: args.force,
        quiet,
        env,
        accept: &args.accept,
    })
}

/// Whether to colour a stream: only a terminal, and never with NO_COLOR set.
fn colour(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints an outcome: its result on stdout, its notes on stderr (unless quiet). Returns
/// whether there were findings.
fn print(o: Outcome, quiet: bool) -> anyhow::Result<bool> {
    if !quiet {
        let mut stderr = std::io::stderr().lock();
        for n in &o.notes {
            let _ = writeln!(stderr, "{n}");
        }
    }
    write_stdout(&o.stdout)?;
    Ok(o.findings)
}

/// Prints an error and its causes on stderr; "error:" in red only on a terminal and never
/// with NO_COLOR set.
fn report_error(e: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let label = if colour(stderr.is_terminal()) {
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
