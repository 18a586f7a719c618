//! The output tree under attack: links, hand-edited ownership lists, kill -9, concurrent runs,
//! `render --all` failures, files ArgoCD would sync that the render does not produce, and
//! secret values in drift reports.

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::Path;

use super::{
    OWNED, bin, cmd, drift_report, ok, owned_list, run, run_with_timeout, snapshot, text,
    workspace, write_owned_list,
};

#[test]
fn a_symlinked_subdirectory_is_never_written_or_pruned_through() {
    let ws = workspace();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("precious.txt"), "keep me\n").unwrap();
    std::fs::write(outside.path().join("deployment.yaml"), "theirs\n").unwrap();
    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    // A teammate replaces k8s/backend with a link (Git stores links) and lists a file behind
    // it in the ownership list.
    let k8s = ws.path().join("k8s");
    std::fs::remove_dir_all(k8s.join("backend")).unwrap();
    symlink(outside.path(), k8s.join("backend")).unwrap();
    let owned = k8s.join(OWNED);
    let mut list = std::fs::read_to_string(&owned).unwrap();
    list.push_str("backend/precious.txt\n");
    std::fs::write(&owned, list).unwrap();
    let before = snapshot(outside.path());

    let out = run(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        ws.path(),
        &["render", "-p", "production", "-o", "k8s", "--force"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "--force never writes through a link either"
    );
    assert_eq!(
        snapshot(outside.path()),
        before,
        "nothing outside the tree changed"
    );
}

#[test]
fn a_link_at_a_temporary_or_rendered_file_name_is_replaced_never_followed() {
    let ws = workspace();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "untouched\n").unwrap();
    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    let k8s = ws.path().join("k8s");
    // The temporary name of the old protocol, and a rendered file (owned) turned into a link.
    symlink(&victim, k8s.join(".ingress.yaml.magnetiq-gen-tmp")).unwrap();
    std::fs::remove_file(k8s.join("namespace.yaml")).unwrap();
    symlink(&victim, k8s.join("namespace.yaml")).unwrap();
    std::fs::write(k8s.join("ingress.yaml"), "changed so it is rewritten\n").unwrap();

    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
    let meta = std::fs::symlink_metadata(k8s.join("namespace.yaml")).unwrap();
    assert!(meta.is_file(), "the link was replaced by the rendered file");
    assert!(
        !k8s.join(".ingress.yaml.magnetiq-gen-tmp").exists()
            && std::fs::symlink_metadata(k8s.join(".ingress.yaml.magnetiq-gen-tmp")).is_err(),
        "the planted temporary link is gone"
    );
    assert_eq!(snapshot(&k8s), snapshot(&fresh(ws.path(), "production")));
}

/// A fresh render of `profile` into a new directory under `ws`.
fn fresh(ws: &Path, profile: &str) -> std::path::PathBuf {
    let dir = ws.join(format!("fresh-{profile}"));
    let _ = std::fs::remove_dir_all(&dir);
    ok(ws, &["render", "-p", profile, "-o", dir.to_str().unwrap()]);
    dir
}

#[test]
fn an_owned_list_naming_paths_outside_the_tree_is_refused() {
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
    let owned = ws.path().join("k8s").join(OWNED);
    std::fs::write(ws.path().join("keep.txt"), "x").unwrap();
    for evil in ["../keep.txt", "/etc/passwd", "a/../../keep.txt"] {
        std::fs::write(
            &owned,
            format!("# Files written by magnetiq-gen (profile \"dev\").\n{evil}\n"),
        )
        .unwrap();
        let out = run(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
        assert_eq!(out.status.code(), Some(2), "{evil}");
        assert!(ws.path().join("keep.txt").exists());
    }
}

#[test]
fn a_fifo_in_the_tree_does_not_hang_render_or_check() {
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
    let fifo = ws.path().join("k8s/namespace.yaml");
    std::fs::remove_file(&fifo).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let out = run_with_timeout(
        cmd(ws.path(), &["render", "-p", "dev", "-o", "k8s", "--check"]),
        20,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let out = run_with_timeout(cmd(ws.path(), &["render", "-p", "dev", "-o", "k8s"]), 20);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().is_file());
}

/// Many profiles, so that a render spends long enough writing for a kill to land mid-way.
fn many_profiles(ws: &Path, n: usize, version: &str) {
    for i in 0..n {
        std::fs::write(
            ws.join(format!("profiles/env{i:03}.toml")),
            // Each its own environment: copies of staging sharing its identity collide.
            format!(
                "extends = \"staging\"\n[app]\nenvironment_name = \"env{i:03}\"\nversion = \"{version}\"\n"
            ),
        )
        .unwrap();
    }
}

#[test]
fn after_kill_9_at_any_moment_the_next_plain_render_converges_to_a_fresh_tree() {
    let ws = workspace();
    // Only generated environments (and what they extend), so `--all` renders just them.
    for e in std::fs::read_dir(ws.path().join("profiles"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !["base.toml", "staging.toml"].contains(&name.as_str()) {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    many_profiles(ws.path(), 12, "1.0.0");
    // Two trees that differ in content and in files (network policies off drops
    // network-policy.yaml), so a kill can strand new files and stale ones.
    let variants = [
        "network_policy.enabled=true",
        "network_policy.enabled=false",
    ];
    // The expected trees are rendered into `out` itself (and later checked to converge back
    // to them): the root Application under `_argocd/` names the output directory's path.
    let expected: Vec<_> = variants
        .iter()
        .map(|set| {
            ok(
                ws.path(),
                &["-q", "render", "--all", "-o", "out", "--set", set],
            );
            snapshot(&ws.path().join("out"))
        })
        .collect();
    ok(
        ws.path(),
        &["-q", "render", "--all", "-o", "out", "--set", variants[1]],
    );
    // How long a render that changes the tree takes here: kills are spread across it, so
    // they land while profiles are rendered, files are staged, renamed and pruned.
    let start = std::time::Instant::now();
    ok(
        ws.path(),
        &["-q", "render", "--all", "-o", "out", "--set", variants[0]],
    );
    let took = start.elapsed();
    ok(
        ws.path(),
        &["-q", "render", "--all", "-o", "out", "--set", variants[1]],
    );
    let mut interrupted = 0;
    for round in 0..16u32 {
        let v = (round % 2) as usize;
        let set = variants[v];
        let mut child = cmd(
            ws.path(),
            &["-q", "render", "--all", "-o", "out", "--set", set],
        )
        .spawn()
        .unwrap();
        std::thread::sleep(took * (round + 1) / 17);
        let _ = child.kill(); // SIGKILL
        if child.wait().unwrap().code().is_none() {
            interrupted += 1;
            let check = run(
                ws.path(),
                &[
                    "-q", "render", "--all", "-o", "out", "--set", set, "--check",
                ],
            );
            assert!(
                matches!(check.status.code(), Some(0 | 1)),
                "check after a kill: {}",
                text(&check.stderr)
            );
        }
        // No --force: the tree the killed run left is still ours.
        ok(
            ws.path(),
            &["-q", "render", "--all", "-o", "out", "--set", set],
        );
        assert_eq!(
            snapshot(&ws.path().join("out")),
            expected[v],
            "round {round}: the tree converged to a fresh render"
        );
        let check = run(
            ws.path(),
            &[
                "-q", "render", "--all", "-o", "out", "--set", set, "--check",
            ],
        );
        assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    }
    assert!(
        interrupted > 0,
        "no kill landed during a render; the test proved nothing"
    );
}

#[test]
fn an_interrupted_commit_is_reported_by_check_and_finished_by_the_next_render() {
    // The state a kill leaves between the intent list and the final list: the intent claims
    // both trees' files, some new files are in place, a stale one is still there.
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    let k8s = ws.path().join("k8s");
    let owned = owned_list(&k8s);
    let mut lines: Vec<&str> = owned.lines().collect();
    lines.insert(
        1,
        "# INTERRUPTED: a render did not finish; the next render completes it.",
    );
    lines.push("backend/stale.yaml");
    write_owned_list(&k8s, &lines);
    std::fs::write(k8s.join("backend/stale.yaml"), "kind: ConfigMap\n").unwrap();
    std::fs::write(k8s.join(".ingress.yaml.magnetiq-gen-tmp-1-0"), "half").unwrap();

    let report = drift_report(ws.path(), "production");
    assert!(report.contains("interrupted"), "{report}");
    assert!(report.contains("backend/stale.yaml"), "{report}");
    assert!(
        report.contains(".ingress.yaml.magnetiq-gen-tmp-1-0"),
        "{report}"
    );

    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    assert_eq!(snapshot(&k8s), snapshot(&fresh(ws.path(), "production")));
}

#[test]
fn two_renders_into_one_directory_never_tear_a_file() {
    let ws = workspace();
    ok(
        ws.path(),
        &[
            "render",
            "-p",
            "production",
            "-o",
            "a",
            "--set",
            "app.version=1.1.1",
        ],
    );
    ok(
        ws.path(),
        &[
            "render",
            "-p",
            "production",
            "-o",
            "b",
            "--set",
            "app.version=2.2.2",
        ],
    );
    let (a, b) = (
        snapshot(&ws.path().join("a")),
        snapshot(&ws.path().join("b")),
    );
    assert_ne!(a, b);
    for round in 0..12 {
        let _ = std::fs::remove_dir_all(ws.path().join("k8s"));
        let children: Vec<_> = ["1.1.1", "2.2.2", "1.1.1", "2.2.2"]
            .iter()
            .map(|v| {
                cmd(
                    ws.path(),
                    &[
                        "-q",
                        "render",
                        "-p",
                        "production",
                        "-o",
                        "k8s",
                        "--set",
                        &format!("app.version={v}"),
                    ],
                )
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                text(&out.stderr)
            );
        }
        let got = snapshot(&ws.path().join("k8s"));
        assert!(
            got == a || got == b,
            "round {round}: the tree mixes two renders"
        );
    }
}

#[test]
fn render_all_is_all_or_nothing_when_a_later_profile_cannot_be_written() {
    let ws = workspace();
    ok(ws.path(), &["-q", "render", "--all", "-o", "out"]);
    let before = snapshot(&ws.path().join("out"));
    // staging's namespace file cannot be replaced: a directory is in the way. production
    // (earlier in name order) would be written first by a naive loop.
    let blocker = ws.path().join("out/staging/namespace.yaml");
    std::fs::remove_file(&blocker).unwrap();
    std::fs::create_dir(&blocker).unwrap();
    let mut before = before;
    before.remove("staging/namespace.yaml");
    let out = run(
        ws.path(),
        &[
            "-q",
            "render",
            "--all",
            "-o",
            "out",
            "--set",
            "app.version=9.9.9",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(snapshot(&ws.path().join("out")), before, "no tree changed");
}

#[test]
fn render_all_prunes_and_check_reports_the_tree_of_a_deleted_profile() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("profiles/qa.toml"),
        "extends = \"staging\"\n[app]\nenvironment_name = \"qa\"\n",
    )
    .unwrap();
    ok(ws.path(), &["-q", "render", "--all", "-o", "out"]);
    assert!(ws.path().join("out/qa/kustomization.yaml").exists());
    std::fs::write(ws.path().join("out/qa/NOTES.md"), "a user's file\n").unwrap();
    std::fs::remove_file(ws.path().join("profiles/qa.toml")).unwrap();

    let check = run(ws.path(), &["render", "--all", "-o", "out", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    assert!(
        text(&check.stdout).contains("qa/"),
        "{}",
        text(&check.stdout)
    );

    // Removing qa's tree deletes its claims: refused until the data loss is acknowledged.
    let refused = run(ws.path(), &["render", "--all", "-o", "out"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("qa (no such profile any more")
            && text(&refused.stderr).contains("--accept data-loss"),
        "{}",
        text(&refused.stderr)
    );
    assert!(ws.path().join("out/qa/kustomization.yaml").exists());

    let out = ok(
        ws.path(),
        &["render", "--all", "-o", "out", "--accept", "data-loss"],
    );
    assert!(
        text(&out.stderr).contains("qa"),
        "the removal is reported: {}",
        text(&out.stderr)
    );
    assert!(!ws.path().join("out/qa/kustomization.yaml").exists());
    assert!(
        ws.path().join("out/qa/NOTES.md").exists(),
        "a file it did not write is kept"
    );
    ok(ws.path(), &["render", "--all", "-o", "out", "--check"]);
}

#[test]
fn check_fails_on_yaml_that_argocd_would_sync_but_the_render_does_not_produce() {
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "production", "-o", "k8s"]);
    let backdoor = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: backdoor\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: magnetiq\n";
    std::fs::write(ws.path().join("k8s/backend/backdoor.yaml"), backdoor).unwrap();
    std::fs::write(ws.path().join("k8s/README.md"), "notes\n").unwrap();
    let report = drift_report(ws.path(), "production");
    assert!(report.contains("backend/backdoor.yaml"), "{report}");
    assert!(
        !report.contains("README.md"),
        "ArgoCD does not read Markdown: {report}"
    );
    // A file the user keeps there on purpose is listed in the ignore file.
    std::fs::write(
        ws.path().join("k8s/.magnetiq-gen-ignore"),
        "# ours\nbackend/backdoor.yaml\n",
    )
    .unwrap();
    ok(
        ws.path(),
        &["render", "-p", "production", "-o", "k8s", "--check"],
    );
}

fn inline_workspace() -> tempfile::TempDir {
    let ws = workspace();
    std::fs::write(
        ws.path().join("profiles/inline.toml"),
        "extends = \"production\"\n[secrets]\nmode = \"inline\"\n",
    )
    .unwrap();
    ws
}

fn with_secrets(mut c: std::process::Command, password: &str) -> std::process::Command {
    c.env("MAGNETIQ_SECRET_SECRET_KEY", "k3y-9f8e7d-0a1b2c3d4e5f")
        .env("MAGNETIQ_SECRET_SMTP_USERNAME", "mailer")
        .env("MAGNETIQ_SECRET_SMTP_PASSWORD", password);
    c
}

/// Renders the inline profile into `k8s` with `password` as the SMTP password.
fn write_inline(ws: &Path, password: &str) {
    let args = [
        "render",
        "-p",
        "inline",
        "-o",
        "k8s",
        "--allow-plaintext-secrets",
    ];
    let out = with_secrets(cmd(ws, &args), password).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn inline_secrets_are_written_private_and_a_tightened_mode_is_kept() {
    let ws = inline_workspace();
    write_inline(ws.path(), "s3cr3t-pw-123");
    let secrets = ws.path().join("k8s/secrets.yaml");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&secrets), 0o600);
    let cm = ws.path().join("k8s/configmap.yaml");
    std::fs::set_permissions(&cm, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_inline(ws.path(), "an0ther-pw-456");
    assert_eq!(mode(&secrets), 0o600, "rewritten, still private");
    assert_eq!(mode(&cm), 0o640, "a mode the user tightened is kept");
}

#[test]
fn the_drift_diff_never_shows_a_secret_value_or_its_encoding() {
    let ws = inline_workspace();
    write_inline(ws.path(), "s3cr3t-pw-123");
    let check = with_secrets(
        cmd(
            ws.path(),
            &["render", "-p", "inline", "-o", "k8s", "--check"],
        ),
        "an0ther-pw-456",
    )
    .output()
    .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let all = format!("{}{}", text(&check.stdout), text(&check.stderr));
    assert!(all.contains("changed: secrets.yaml"), "{all}");
    assert!(
        all.contains("<hidden: rendered>"),
        "the change is shown, masked: {all}"
    );
    for value in [
        "s3cr3t-pw-123",
        "an0ther-pw-456",
        "k3y-9f8e7d-0a1b2c3d4e5f",
        "mailer",
    ] {
        assert!(!all.contains(value), "{value} leaked");
        for encoded in base64_variants(value) {
            assert!(!all.contains(&encoded), "base64 of {value} leaked");
        }
    }
}

/// The base64 encodings of `value` at every alignment, trimmed to characters that do not
/// depend on what surrounds it: any of them in the output means the value leaked encoded.
fn base64_variants(value: &str) -> Vec<String> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..3)
        .map(|pad| {
            let mut bytes = vec![0u8; pad];
            bytes.extend_from_slice(value.as_bytes());
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                for i in 0..4 {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            // Drop the characters mixed with the zero padding at both ends.
            let skip = if pad == 0 { 0 } else { 4 };
            out[skip..out.len().saturating_sub(4)].to_string()
        })
        .filter(|s| s.len() >= 6)
        .collect()
}

#[test]
fn the_fix_command_in_a_drift_report_is_shell_quoted() {
    let ws = workspace();
    let odd = "my profiles $(touch pwned)";
    std::fs::rename(ws.path().join("profiles"), ws.path().join(odd)).unwrap();
    ok(
        ws.path(),
        &["render", "-p", "dev", "--profiles-dir", odd, "-o", "k8s"],
    );
    std::fs::write(ws.path().join("k8s/namespace.yaml"), "edited\n").unwrap();
    let check = run(
        ws.path(),
        &[
            "render",
            "-p",
            "dev",
            "--profiles-dir",
            odd,
            "-o",
            "k8s",
            "--check",
        ],
    );
    assert_eq!(check.status.code(), Some(1));
    let report = text(&check.stdout);
    assert!(
        report.contains("--profiles-dir 'my profiles $(touch pwned)'"),
        "the directory is one quoted word: {report}"
    );
}

#[test]
fn a_planted_file_cannot_drive_the_terminal_through_a_drift_report() {
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
    std::fs::write(
        ws.path().join("k8s/namespace.yaml"),
        "kind: Namespace\n\x1b]0;pwned\x07\x1b[2J\r\n",
    )
    .unwrap();
    std::fs::write(ws.path().join("k8s/\x1b[31mred.yaml"), "kind: x\n").unwrap();
    let report = drift_report(ws.path(), "dev");
    assert!(report.contains("namespace.yaml"), "{report}");
    assert!(
        !report.contains('\x1b') && !report.contains('\x07') && !report.contains('\r'),
        "control characters reach the terminal: {report:?}"
    );
    assert!(
        report.contains("\\u{1b}"),
        "they are shown escaped: {report}"
    );
}

#[test]
fn a_file_hard_linked_from_outside_is_replaced_not_changed_in_place() {
    let ws = workspace();
    ok(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
    let outside = ws.path().join("outside.yaml");
    let inside = ws.path().join("k8s/namespace.yaml");
    std::fs::rename(&inside, &outside).unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o664)).unwrap();
    std::fs::hard_link(&outside, &inside).unwrap();
    let before = std::fs::read(&outside).unwrap();
    // Same content: only its group-write bit differs from what a render would set.
    ok(ws.path(), &["render", "-p", "dev", "-o", "k8s"]);
    assert_eq!(std::fs::read(&outside).unwrap(), before);
    let mode = std::fs::metadata(&outside).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o664, "the outside file's mode is untouched");
}

/// `render --all` under a shell's open-file limits (`ulimit`), as a CI runner or a systemd
/// service may set them.
fn render_all_with_limits(ws: &Path, soft: u32, hard: u32) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -Sn {soft} && ulimit -Hn {hard} && exec \"$0\" render --all -o out"
        ))
        .arg(bin())
        .current_dir(ws)
        .env_remove("CI")
        .output()
        .unwrap()
}

#[test]
fn render_all_raises_a_low_open_file_limit_and_explains_a_hard_one_writing_nothing() {
    let ws = workspace();
    // Far more profiles than a soft limit of 64 descriptors: each staged tree keeps its
    // directory open until the commit.
    many_profiles(ws.path(), 120, "1.0.0");
    let o = render_all_with_limits(ws.path(), 64, 4096);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(ws.path().join("out/env119/namespace.yaml").is_file());

    let ws = workspace();
    many_profiles(ws.path(), 120, "1.0.0");
    let o = render_all_with_limits(ws.path(), 64, 64);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("Too many open files"), "{err}");
    assert!(err.contains("raise the hard limit (ulimit -Hn"), "{err}");
    // All or nothing: no tree, not even the top directory.
    assert!(!ws.path().join("out").exists(), "{err}");
}
