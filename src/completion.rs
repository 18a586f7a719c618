//! Shell completion through clap_complete's engine: the shell calls the binary back (with
//! [`ENV_VAR`] set) for every completion, so `--profile` completes to the profiles that
//! exist now, in the profiles directory the command line names.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate, PathCompleter};
use clap_complete::env::Shells;

use crate::profile::{DirStore, ProfileStore as _};

/// The environment variable that turns a run of the binary into a completion request.
/// Not clap_complete's default `COMPLETE`, which is too common a name: set for another
/// reason in a CI job or the ArgoCD sidecar, it would hijack every run.
pub const ENV_VAR: &str = "MAGNETIQ_GEN_COMPLETE";

/// The command the shell completes, as the completion engine sees it: the CLI, with every
/// `--profile` completed from the profiles directory. `args` are the binary's arguments
/// during a completion request (the words of the command line follow the first `--`); the
/// last `--profiles-dir` among them is used, else `profiles`, as when the command runs.
pub fn command(args: impl IntoIterator<Item = OsString>) -> clap::Command {
    let completer = ArgValueCompleter::new({
        let dir = profiles_dir(args);
        move |current: &OsStr| profile_candidates(&dir, current)
    });
    with_profile_completer(crate::cli::Cli::command(), &completer)
}

/// The script that registers completion with `shell`: sourced by the shell, it calls
/// `magnetiq-gen` back for every completion.
pub fn registration(shell: clap_complete::Shell) -> crate::Result<String> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let Some(completer) = shells.completer(&name) else {
        crate::fail!(Input, "completion for {name} is not supported");
    };
    let mut buf = Vec::new();
    completer
        .write_registration(
            ENV_VAR,
            "magnetiq-gen",
            "magnetiq-gen",
            "magnetiq-gen",
            &mut buf,
        )
        .map_err(|e| crate::Error::io("cannot write the completion script", e))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// What `--profile` completes to: the names of the profiles in `dir` that start with
/// `current`, or, once `current` looks like a path (`./`, `../`, `~/`, a `/`), `.toml` files
/// and directories, since `--profile` takes a path too.
pub fn profile_candidates(dir: &Path, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    if typed.contains('/') || typed.starts_with('.') || typed.starts_with('~') {
        return clap_complete::engine::ValueCompleter::complete(
            &PathCompleter::any()
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml")),
            current,
        );
    }
    DirStore::new(dir)
        .names()
        .into_iter()
        .filter(|name| name.starts_with(typed))
        .map(CompletionCandidate::new)
        .collect()
}

/// The value of the last `--profiles-dir` on the command line being completed.
fn profiles_dir(args: impl IntoIterator<Item = OsString>) -> PathBuf {
    let words: Vec<OsString> = args.into_iter().skip_while(|a| a != "--").skip(1).collect();
    let mut dir = PathBuf::from("profiles");
    for (i, w) in words.iter().enumerate() {
        let Some(w) = w.to_str() else { continue };
        if w == "--profiles-dir" {
            if let Some(next) = words.get(i + 1) {
                dir = PathBuf::from(next);
            }
        } else if let Some(value) = w.strip_prefix("--profiles-dir=") {
            dir = PathBuf::from(value);
        }
    }
    dir
}

/// `cmd` with `completer` on its `--profile` and on that of every subcommand.
fn with_profile_completer(cmd: clap::Command, completer: &ArgValueCompleter) -> clap::Command {
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let cmd = if cmd.get_arguments().any(|a| a.get_id() == "profile") {
        cmd.mut_arg("profile", |a| a.add(completer.clone()))
    } else {
        cmd
    };
    subcommands.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |s| with_profile_completer(s, completer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        ["magnetiq-gen", "--"]
            .iter()
            .chain(words)
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_last_profiles_dir_on_the_command_line_wins() {
        assert_eq!(
            profiles_dir(args(&["magnetiq-gen", "render", "--profile", ""])),
            PathBuf::from("profiles")
        );
        assert_eq!(
            profiles_dir(args(&[
                "magnetiq-gen",
                "render",
                "--profiles-dir",
                "a",
                "--profiles-dir=b",
                "-p",
                ""
            ])),
            PathBuf::from("b")
        );
    }

    #[test]
    fn every_profile_option_gets_the_completer() {
        let completer = ArgValueCompleter::new(|_: &OsStr| Vec::new());
        let cmd = with_profile_completer(crate::cli::Cli::command(), &completer);
        let mut with = Vec::new();
        for sub in cmd.get_subcommands() {
            if let Some(arg) = sub.get_arguments().find(|a| a.get_id() == "profile") {
                assert!(
                    arg.get::<ArgValueCompleter>().is_some(),
                    "{}",
                    sub.get_name()
                );
                with.push(sub.get_name());
            }
        }
        assert!(
            with.contains(&"render") && with.contains(&"show"),
            "{with:?}"
        );
    }
}
