//! What a newcomer reads besides the README: the manual pages, shell completion, `explain`
//! and the JSON Schema, checked through the binary as a user runs it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use clap::CommandFactory as _;
use common::{bin, run, text};
use serde_json::Value as Json;

// ---------------------------------------------------------------- manual pages

/// Every command of the CLI as (page name, its options as a user writes them), derived
/// from clap's definitions: `--long`, `-s` and positional `VALUE` names, global options
/// included on every page.
fn commands_and_options() -> Vec<(String, Vec<String>)> {
    fn spell(arg: &clap::Arg) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(l) = arg.get_long() {
            out.push(format!("--{l}"));
        }
        if let Some(s) = arg.get_short() {
            out.push(format!("-{s}"));
        }
        if arg.is_positional() {
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
                .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
            out.push(value);
        }
        out
    }
    fn walk(
        cmd: &clap::Command,
        name: String,
        globals: &[String],
        out: &mut Vec<(String, Vec<String>)>,
    ) {
        let mut options: Vec<String> = globals.to_vec();
        let mut inherited = globals.to_vec();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            options.extend(spell(arg));
            if arg.is_global_set() {
                inherited.extend(spell(arg));
            }
        }
        out.push((name.clone(), options));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, format!("{name}-{}", sub.get_name()), &inherited, out);
        }
    }
    let mut out = Vec::new();
    walk(
        &magnetiq_gen::cli::Cli::command(),
        "magnetiq-gen".into(),
        &[],
        &mut out,
    );
    out
}

/// (page name, its parent command's page name) for every subcommand.
fn parent_pages() -> Vec<(String, String)> {
    fn walk(cmd: &clap::Command, name: &str, out: &mut Vec<(String, String)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let child = format!("{name}-{}", sub.get_name());
            out.push((child.clone(), name.to_string()));
            walk(sub, &child, out);
        }
    }
    let mut out = Vec::new();
    walk(&magnetiq_gen::cli::Cli::command(), "magnetiq-gen", &mut out);
    out
}

/// Writes the pages into a fresh directory and returns it with the directory's contents as
/// (file name → text with roff's `\-` read as `-`).
fn written_pages() -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["man", "--out-dir", "man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "pages go to files, not stdout");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(dir.path().join("man"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let body = std::fs::read_to_string(e.path()).unwrap();
            (name, body.replace("\\-", "-"))
        })
        .collect();
    pages.sort();
    (dir, pages)
}

#[test]
fn man_out_dir_writes_a_page_per_command_naming_each_of_its_options() {
    let (_dir, pages) = written_pages();
    let expected = commands_and_options();
    let files: BTreeSet<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    let wanted: BTreeSet<String> = expected.iter().map(|(n, _)| format!("{n}.1")).collect();
    assert_eq!(files, wanted, "one page per command, nothing else");
    assert!(wanted.len() > 10, "{wanted:?}");
    for (name, options) in &expected {
        let page = &pages
            .iter()
            .find(|(n, _)| *n == format!("{name}.1"))
            .unwrap()
            .1;
        assert!(page.contains(&format!(".TH {name} 1")), "{name}: title");
        for option in options {
            assert!(
                page.contains(option.as_str()),
                "{name}.1 does not name {option}"
            );
        }
    }
}

#[test]
fn every_page_a_page_refers_to_is_generated_and_subcommand_pages_refer_back() {
    let (_dir, pages) = written_pages();
    let files: BTreeSet<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    let parents = parent_pages();
    let reference = regex::Regex::new(r"(magnetiq-gen[a-z-]*)(?:\\fR)?\((\d)\)").unwrap();
    let mut seen = 0;
    for (name, page) in &pages {
        for r in reference.captures_iter(page) {
            let target = format!("{}.{}", &r[1], &r[2]);
            assert!(
                files.contains(target.as_str()),
                "{name} refers to {target}, which is not generated"
            );
            seen += 1;
        }
        if name != "magnetiq-gen.1" {
            let see_also = page
                .split(".SH \"SEE ALSO\"")
                .nth(1)
                .unwrap_or_else(|| panic!("{name} has no SEE ALSO section"));
            let parent = parents
                .iter()
                .find(|(child, _)| format!("{child}.1") == *name)
                .map(|(_, parent)| parent.as_str())
                .unwrap_or_else(|| panic!("{name} is no subcommand's page"));
            assert!(
                see_also.contains(&format!("{parent}\\fR(1)")),
                "{name}: SEE ALSO lacks its parent {parent}(1):\n{see_also}"
            );
        }
    }
    assert!(seen >= pages.len(), "only {seen} references found");
}

#[test]
fn man_without_out_dir_prints_the_main_page_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let printed = run(dir.path(), &["man"]);
    assert_eq!(printed.status.code(), Some(0));
    assert!(!dir.path().join("magnetiq-gen.1").exists());
    assert!(run(dir.path(), &["man", "-o", "."]).status.success());
    assert_eq!(
        text(&printed.stdout),
        std::fs::read_to_string(dir.path().join("magnetiq-gen.1")).unwrap()
    );
}

#[test]
fn man_out_dir_refuses_a_link_at_a_page_name_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("man");
    std::fs::create_dir(&man).unwrap();
    std::fs::write(dir.path().join("victim"), "keep me\n").unwrap();
    std::os::unix::fs::symlink("../victim", man.join("magnetiq-gen-render.1")).unwrap();
    let out = run(dir.path(), &["man", "--out-dir", "man"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("man/magnetiq-gen-render.1") && err.contains("symbolic link"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("victim")).unwrap(),
        "keep me\n"
    );
    let left: Vec<_> = std::fs::read_dir(&man).unwrap().flatten().collect();
    assert_eq!(
        left.len(),
        1,
        "only the link: nothing written, no temporary file"
    );
}

#[test]
fn man_out_dir_again_changes_nothing_repairs_a_page_and_keeps_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("man");
    std::fs::create_dir(&man).unwrap();
    std::fs::write(man.join("ls.1"), "someone else's page\n").unwrap();
    // What a run killed between staging and renaming leaves behind.
    let leftover = man.join(".magnetiq-gen.1.magnetiq-gen-tmp-999999-0");
    std::fs::write(&leftover, "half a pa").unwrap();
    let first = run(dir.path(), &["man", "--out-dir", "man"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        !leftover.exists(),
        "the interrupted run's temporary file is removed"
    );
    let main = std::fs::read_to_string(man.join("magnetiq-gen.1")).unwrap();

    let again = run(dir.path(), &["man", "--out-dir", "man"]);
    assert!(
        text(&again.stderr).contains("up to date"),
        "{}",
        text(&again.stderr)
    );

    std::fs::write(man.join("magnetiq-gen.1"), "edited\n").unwrap();
    let repair = run(dir.path(), &["man", "--out-dir", "man"]);
    assert!(
        text(&repair.stderr).contains("wrote 1 "),
        "{}",
        text(&repair.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(man.join("magnetiq-gen.1")).unwrap(),
        main
    );
    assert_eq!(
        std::fs::read_to_string(man.join("ls.1")).unwrap(),
        "someone else's page\n"
    );
}

// ---------------------------------------------------------------- completion

/// A directory with `profiles/` (two profiles, a file that is not one, a subdirectory) and
/// `other/` (one profile).
fn completion_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for d in ["profiles/drafts", "other"] {
        std::fs::create_dir_all(p.join(d)).unwrap();
    }
    for f in [
        "profiles/alpha.toml",
        "profiles/beta.toml",
        "profiles/notes.txt",
        "other/gamma.toml",
    ] {
        std::fs::write(p.join(f), "").unwrap();
    }
    dir
}

/// What bash offers at the end of `line` (the last word being completed), with the script
/// `completions bash` prints sourced as the README says.
fn bash_complete(dir: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <(magnetiq-gen completions bash) || exit 3\n\
         COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9\n\
         _clap_complete_magnetiq_gen magnetiq-gen '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cword = words.len() - 1,
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let bin = bin();
    let bin_dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove(magnetiq_gen::completion::ENV_VAR)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_profile_with_the_profile_names() {
    let ws = completion_workspace();
    let dir = ws.path();
    assert_eq!(
        bash_complete(dir, &["magnetiq-gen", "render", "--profile", ""]),
        ["alpha", "beta"]
    );
    assert_eq!(
        bash_complete(dir, &["magnetiq-gen", "show", "-p", "b"]),
        ["beta"]
    );
    assert_eq!(
        bash_complete(
            dir,
            &[
                "magnetiq-gen",
                "lint",
                "--profiles-dir",
                "other",
                "--profile",
                ""
            ]
        ),
        ["gamma"]
    );
    // Subcommands still complete.
    assert!(bash_complete(dir, &["magnetiq-gen", "ren"]).contains(&"render".to_string()));
}

/// The answer to a completion request made as `shell`'s script makes it.
fn request(dir: &Path, shell: &str, words: &[&str]) -> Vec<String> {
    let mut cmd = Command::new(bin());
    cmd.arg("--")
        .args(words)
        .current_dir(dir)
        .env(magnetiq_gen::completion::ENV_VAR, shell);
    if shell != "fish" {
        cmd.env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("_CLAP_IFS", "\n");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

#[test]
fn zsh_and_fish_requests_complete_profile_with_the_profile_names() {
    let ws = completion_workspace();
    for shell in ["zsh", "fish"] {
        let script = run(ws.path(), &["completions", shell]);
        assert!(
            text(&script.stdout).contains(&format!(
                "{}={}",
                magnetiq_gen::completion::ENV_VAR,
                if shell == "zsh" { "\"zsh\"" } else { "fish" }
            )),
            "{shell}: the script must call the binary back"
        );
        assert_eq!(
            request(ws.path(), shell, &["magnetiq-gen", "plan", "--profile", ""]),
            ["alpha", "beta"],
            "{shell}"
        );
        assert_eq!(
            request(
                ws.path(),
                shell,
                &["magnetiq-gen", "graph", "--profiles-dir=other", "-p", "g"]
            ),
            ["gamma"],
            "{shell}"
        );
    }
}

#[test]
fn a_profile_that_looks_like_a_path_completes_to_toml_files() {
    let ws = completion_workspace();
    let got = request(
        ws.path(),
        "bash",
        &["magnetiq-gen", "render", "--profile", "./profiles/"],
    );
    assert_eq!(
        got,
        [
            "./profiles/alpha.toml",
            "./profiles/beta.toml",
            "./profiles/drafts/"
        ]
    );
}

#[test]
fn an_unrelated_complete_variable_does_not_hijack_a_run() {
    let out = Command::new(bin())
        .args(["explain", "app.name"])
        .env("COMPLETE", "bash")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("app.name\n"));
}

// ---------------------------------------------------------------- explain and the schema

/// Whitespace collapsed to single spaces.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn explain_prints_every_description_whole() {
    use magnetiq_gen::profile::schema::{profile_schema, resolve_in};
    let schema = profile_schema();
    let defs = schema["$defs"].as_object().unwrap();
    let mut tables = vec![(String::new(), schema)];
    let mut checked = 0;
    while let Some((path, s)) = tables.pop() {
        let mut s = resolve_in(defs, s);
        if let Some(items) = s.get("items") {
            s = resolve_in(defs, items);
        }
        let Some(props) = s.get("properties").and_then(Json::as_object) else {
            continue;
        };
        let listing = flat(&magnetiq_gen::inspect::explain(&path).unwrap());
        for (key, prop) in props {
            let full = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let description = prop
                .get("description")
                .or_else(|| resolve_in(defs, prop).get("description"))
                .and_then(Json::as_str)
                .unwrap_or_else(|| panic!("{full} has no description"));
            let description = flat(description);
            assert!(
                listing.contains(&format!("{key} {description}")),
                "`explain {path}` cuts the description of {key}:\n{listing}"
            );
            let own = flat(&magnetiq_gen::inspect::explain(&full).unwrap());
            assert!(own.contains(&description), "`explain {full}`:\n{own}");
            checked += 1;
            tables.push((full, prop));
        }
    }
    assert!(checked > 150, "only {checked} keys walked");
}

#[test]
fn explain_lines_stay_within_the_terminal_width() {
    for key in ["", "app", "secrets.mode", "storage.data.claim_name"] {
        let out = run(Path::new("."), &["explain", key]);
        assert_eq!(out.status.code(), Some(0));
        for line in text(&out.stdout).lines() {
            // A single word longer than the width is the only excuse.
            assert!(
                line.chars().count() <= 100 || !line.trim().contains(' '),
                "`explain {key}`: {line}"
            );
        }
    }
}

#[test]
fn explain_monitoring_port_says_what_the_number_is_for() {
    let out = run(Path::new("."), &["explain", "monitoring.port"]);
    let got = flat(&text(&out.stdout));
    for needle in [
        "backend Service",
        "`metrics` port",
        "container_port",
        "ServiceMonitor",
    ] {
        assert!(got.contains(needle), "{needle}: {got}");
    }
}

#[test]
fn the_schema_is_titled_for_users_and_states_the_real_name_limit() {
    let committed: Json = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("profiles/schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(committed["title"], "magnetiq-gen profile");
    let name = committed["$defs"]["App"]["properties"]["environment_name"]["description"]
        .as_str()
        .unwrap();
    let limit = format!(
        "at most {} characters",
        magnetiq_gen::names::MAX_ENVIRONMENT_NAME_LEN
    );
    assert!(flat(name).contains(&limit), "{name}");
}
