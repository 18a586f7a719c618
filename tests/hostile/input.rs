//! Hostile tests: see tests/hostile.rs. This module attacks profile input: the files read,
//! `{{ }}` templates and references, `--set` overrides, and what errors print of them.
//!
//! Every run has a deadline, so that an attack that hangs the tool fails its test instead
//! of hanging the suite.

use std::path::Path;
use std::process::Output;

use super::{cmd, repo, run_with_timeout, text, workspace};

/// Runs the binary in `dir` with `env` added, failing the test after `secs` seconds.
fn run_within(secs: u64, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = cmd(dir, args);
    c.envs(env.iter().copied());
    run_with_timeout(c, secs)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_within(30, dir, args, &[])
}

/// Writes `profiles/NAME.toml` extending base with `body` (TOML after `extends`).
fn profile(ws: &Path, name: &str, body: &str) {
    std::fs::write(
        ws.join("profiles").join(format!("{name}.toml")),
        format!("extends = \"base\"\n{body}"),
    )
    .unwrap();
}

/// Requires exit code 2 and every `needle` on stderr; returns stderr.
fn refused(out: &Output, needles: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} missing from: {stderr}");
    }
    stderr
}

// --- Templates and references -----------------------------------------------------------

#[test]
fn ten_nested_loops_in_a_value_stop_with_an_error_at_the_key() {
    let ws = workspace();
    let list = format!("[{}]", ["1"; 10].join(","));
    let mut source = String::new();
    for i in 0..10 {
        source.push_str(&format!("{{% for v{i} in {list} %}}"));
    }
    source.push('x');
    source.push_str(&"{% endfor %}".repeat(10));
    profile(ws.path(), "loops", &format!("[config]\nX = \"{source}\"\n"));
    let out = run(ws.path(), &["render", "--profile", "loops"]);
    refused(
        &out,
        &[
            "config.X",
            "loops.toml:3:5",
            "is not allowed in a profile value",
        ],
    );
}

#[test]
fn a_huge_repeated_list_is_refused_instead_of_rendered() {
    let ws = workspace();
    profile(ws.path(), "big", "[config]\nX = \"{{ [1]*100000000 }}\"\n");
    let out = run(ws.path(), &["render", "--profile", "big"]);
    refused(&out, &["config.X", "big.toml:3:5", "is not a reference"]);
    assert!(out.stdout.is_empty());
}

#[test]
fn a_set_value_alone_cannot_build_a_huge_value() {
    let ws = workspace();
    let out = run(
        ws.path(),
        &[
            "render",
            "--profile",
            "staging",
            "--set",
            "config.HOST={{ [1]*100000000 }}",
        ],
    );
    refused(&out, &["config.HOST", "command line", "is not a reference"]);
}

#[test]
fn forty_doubling_references_stop_at_the_value_limit_instead_of_exhausting_memory() {
    let ws = workspace();
    let mut body = String::from("[config]\nA0 = \"ab\"\n");
    for i in 1..=40 {
        let p = i - 1;
        body.push_str(&format!(
            "A{i} = \"{{{{ config.A{p} }}}}{{{{ config.A{p} }}}}\"\n"
        ));
    }
    profile(ws.path(), "doubling", &body);
    let out = run(ws.path(), &["render", "--profile", "doubling"]);
    // 2 bytes doubled 15 times is 64 KiB: A16 is the first value over the limit.
    refused(
        &out,
        &["config.A16", "doubling.toml:19:7", "longer than 64 KiB"],
    );
}

#[test]
fn a_chain_of_two_thousand_references_resolves_to_the_first_value() {
    // Took about two minutes in a debug build when resolution was cubic; now well under a
    // second. The deadline is generous: the test asserts the result.
    let ws = workspace();
    let mut body = String::from("[config]\nK0 = \"end-of-chain\"\n");
    for i in 1..=2000 {
        body.push_str(&format!("K{i} = \"{{{{ config.K{} }}}}\"\n", i - 1));
    }
    profile(ws.path(), "chain", &body);
    let out = run_within(30, ws.path(), &["render", "--profile", "chain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("  K2000: end-of-chain\n"), "{stdout}");
    assert!(stdout.contains("  K1000: end-of-chain\n"));
}

#[test]
fn many_expensive_values_are_refused_before_any_evaluation() {
    let ws = workspace();
    let mut body = String::from("[config]\n");
    for i in 0..40 {
        body.push_str(&format!(
            "F{i} = \"{{% for a in [1]*120 %}}{{% for b in [1]*120 %}}{{% endfor %}}{{% endfor %}}\"\n"
        ));
    }
    profile(ws.path(), "fuel", &body);
    let out = run(ws.path(), &["render", "--profile", "fuel"]);
    // Loops are not references: every value is refused at its key, none is evaluated (the
    // fuel budget stays as a second line of defence).
    let stderr = refused(
        &out,
        &["has 40 problems", "is not allowed in a profile value"],
    );
    assert!(stderr.contains("config.F39"), "{stderr}");
}

#[test]
fn all_templated_values_share_one_output_budget() {
    let ws = workspace();
    let mut body = format!("[config]\nA0 = \"{}\"\n", "x".repeat(60_000));
    for i in 1..40 {
        body.push_str(&format!("A{i} = \"{{{{ config.A0 }}}}\"\n"));
    }
    profile(ws.path(), "wide", &body);
    let out = run(ws.path(), &["render", "--profile", "wide"]);
    let stderr = refused(&out, &["longer than 1024 KiB", "has 1 problem"]);
    assert!(stderr.len() < 2_000, "one message, not one per value");
}

#[test]
fn a_long_attribute_chain_is_refused_instead_of_overflowing_the_stack() {
    let ws = workspace();
    for (name, code) in [
        ("attrs", format!("app{}", ".a".repeat(20_000))),
        ("filters", format!("app.name{}", "|upper".repeat(20_000))),
    ] {
        profile(
            ws.path(),
            name,
            &format!("[config]\nX = \"{{{{ {code} }}}}\"\n"),
        );
        let out = run(ws.path(), &["render", "--profile", name]);
        refused(
            &out,
            &["config.X", "shorten the template", "characters of code"],
        );
    }
}

// --- --set ------------------------------------------------------------------------------

#[test]
fn a_set_key_path_of_sixteen_thousand_keys_is_refused_without_a_crash() {
    let ws = workspace();
    let path = vec!["a"; 16_000].join(".");
    let set = format!("{path}=1");
    let out = run(
        ws.path(),
        &["render", "--profile", "staging", "--set", &set],
    );
    refused(
        &out,
        &["shorten the key path", "16000 keys", "command line:1:7"],
    );
}

// --- Profile files ----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_profile_linked_outside_its_directory_is_refused_without_echoing_the_target() {
    let ws = workspace();
    // Not TOML: today's reader echoed it in a syntax error.
    std::fs::write(
        ws.path().join("outside.txt"),
        "api_token = hunter2-from-outside\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../outside.txt", ws.path().join("profiles/evil.toml")).unwrap();
    let out = run(ws.path(), &["render", "--profile", "evil"]);
    let stderr = refused(&out, &["profiles/evil.toml", "symbolic link"]);
    assert!(!stderr.contains("hunter2"), "{stderr}");

    // A link to a profile next to it is an alias, and works.
    std::os::unix::fs::symlink("staging.toml", ws.path().join("profiles/stage.toml")).unwrap();
    let out = run(ws.path(), &["render", "--profile", "stage"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[cfg(target_os = "linux")]
#[test]
fn a_profile_linked_to_the_process_environment_leaks_no_secret() {
    let ws = workspace();
    std::os::unix::fs::symlink("/proc/self/environ", ws.path().join("profiles/env.toml")).unwrap();
    let secret = "s3cr3t-value-never-shown";
    let out = run_within(
        30,
        ws.path(),
        &["render", "--profile", "env"],
        &[("MAGNETIQ_SECRET_SECRET_KEY", secret)],
    );
    let stderr = refused(&out, &["profiles/env.toml", "/proc/self/environ"]);
    assert!(!stderr.contains(secret), "{stderr}");
    assert!(
        !out.stdout
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );
}

#[cfg(unix)]
#[test]
fn a_profile_path_given_on_the_command_line_may_not_link_outside_its_directory() {
    let ws = workspace();
    std::fs::copy(
        repo().join("profiles/staging.toml"),
        ws.path().join("elsewhere.toml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../elsewhere.toml", ws.path().join("profiles/away.toml")).unwrap();
    let out = run(ws.path(), &["render", "--profile", "profiles/away.toml"]);
    refused(&out, &["profiles/away.toml", "symbolic link"]);
}

/// Makes a FIFO with mkfifo(1); std has no call for it and libc is no dependency.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_profile_is_refused_without_blocking() {
    let ws = workspace();
    mkfifo(&ws.path().join("profiles/pipe.toml"));
    let out = run_within(10, ws.path(), &["render", "--profile", "pipe"], &[]);
    refused(&out, &["profiles/pipe.toml", "FIFO, not a regular file"]);
    let out = run_within(
        10,
        ws.path(),
        &["render", "--profile", "profiles/pipe.toml"],
        &[],
    );
    refused(&out, &["profiles/pipe.toml", "FIFO, not a regular file"]);
}

#[cfg(unix)]
#[test]
fn listing_profiles_marks_a_fifo_refused_and_render_all_fails_on_it() {
    let ws = workspace();
    mkfifo(&ws.path().join("profiles/pipe.toml"));
    let out = run_within(10, ws.path(), &["profiles"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("staging") && listing.contains("pipe") && listing.contains("refused"),
        "{listing}"
    );

    let out = run_within(10, ws.path(), &["render", "--all", "--out-dir", "k8s"], &[]);
    refused(&out, &["pipe.toml", "FIFO"]);
}

#[cfg(unix)]
#[test]
fn render_all_fails_on_a_profile_linked_outside_instead_of_rendering_it() {
    let ws = workspace();
    std::fs::copy(
        repo().join("profiles/staging.toml"),
        ws.path().join("elsewhere.toml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../elsewhere.toml", ws.path().join("profiles/away.toml")).unwrap();
    let out = run(ws.path(), &["render", "--all", "--out-dir", "k8s"]);
    refused(&out, &["profiles/away.toml", "symbolic link"]);
}

#[test]
fn a_directory_named_like_a_profile_is_refused_by_kind() {
    let ws = workspace();
    std::fs::create_dir(ws.path().join("profiles/folder.toml")).unwrap();
    let out = run(ws.path(), &["render", "--profile", "folder"]);
    refused(
        &out,
        &["profiles/folder.toml", "directory, not a regular file"],
    );
}

// --- Line ends and terminal safety ------------------------------------------------------

#[test]
fn a_profile_saved_with_crlf_line_ends_has_no_carriage_return_in_its_values() {
    let ws = workspace();
    let crlf = "extends = \"base\"\r\n[config]\r\nNOTE = \"\"\"\r\nline one\r\nline two\"\"\"\r\n";
    std::fs::write(ws.path().join("profiles/windows.toml"), crlf).unwrap();
    let out = run(ws.path(), &["render", "--profile", "windows"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("NOTE: \"line one\\nline two\""), "{stdout}");
    assert!(!stdout.contains("\\r"), "{stdout}");

    // Positions in a CRLF file stay right.
    std::fs::write(
        ws.path().join("profiles/windows.toml"),
        "extends = \"base\"\r\n[frontend]\r\nreplicas = \"three\"\r\n",
    )
    .unwrap();
    let out = run(ws.path(), &["render", "--profile", "windows"]);
    let stderr = refused(&out, &["windows.toml:3:12", "3 | replicas = \"three\"\n"]);
    assert!(!stderr.contains('\r'));
}

#[test]
fn control_characters_in_a_profile_never_reach_the_terminal() {
    let ws = workspace();
    // A raw ESC, BEL and CR in a string: a syntax error whose excerpt shows the line.
    std::fs::write(
        ws.path().join("profiles/ansi.toml"),
        "extends = \"base\"\n[app]\nversion = \"\x1b[2J\x07\rx\"\n",
    )
    .unwrap();
    let out = run(ws.path(), &["render", "--profile", "ansi"]);
    let stderr = refused(&out, &["\\u{1b}[2J"]);
    assert!(
        !stderr.bytes().any(|b| b < 0x20 && b != b'\n'),
        "raw control character in: {stderr:?}"
    );
    // The caret stands under the escaped ESC and covers all of it.
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("| version ="))
        .unwrap();
    let excerpt = lines[at];
    let caret = lines[at + 1];
    let column = caret.find('^').unwrap();
    assert_eq!(&excerpt[column..column + 6], "\\u{1b}", "{stderr}");
    assert_eq!(caret.trim_start_matches([' ', '|']).len(), 6, "{stderr}");
}

#[test]
fn a_value_cannot_build_huge_strings_in_variables_before_printing() {
    // `*` and `~` build strings of any size in one step, before fuel or the output limit act:
    // only references are allowed, so this is refused unevaluated.
    let ws = workspace();
    profile(
        ws.path(),
        "grow",
        "[config]\nX = \"{% set a = 'x'*99999999 %}{% set b = a~a %}{{ b|length }}\"\nY = \"{{ 'x'*99999999 ~ 'y' }}\"\n",
    );
    let out = run(ws.path(), &["render", "--profile", "grow"]);
    refused(&out, &["config.X", "config.Y", "has 2 problems"]);
}
