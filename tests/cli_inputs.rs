//! The binary as a user runs it, on where its input comes from: the profiles directory and
//! `extends` (`--profiles-dir` in every command), what `show` prints (every effective value,
//! usable as a profile), and `--set` on keys the profile does not have yet.

mod common;

use common::{error_of, error_of_env, put, repo, run, run_env, stdout_of, text, workspace};

/// The shipped profiles, by name.
fn shipped() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("profiles"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
}

// --- --profiles-dir and extends ---------------------------------------------------------

#[test]
fn every_command_names_a_missing_profiles_directory() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 8] = [
        &["render", "--profile", "production"],
        &["render", "--all", "--out-dir", "k8s"],
        &["render", "--all", "--out-dir", "k8s", "--check"],
        &["plan", "--profile", "production", "--out-dir", "k8s"],
        &["show", "--profile", "production"],
        &["lint", "--profile", "production"],
        &["graph", "--profile", "production"],
        &["profiles"],
    ];
    for args in commands {
        // The default directory, then one given on the command line.
        let e = error_of(dir.path(), args);
        assert!(
            e.contains("profiles directory profiles does not exist")
                && e.contains("--profiles-dir"),
            "{args:?}: {e}"
        );
        let mut with_dir = args.to_vec();
        with_dir.extend(["--profiles-dir", "ops/envs"]);
        let e = error_of(dir.path(), &with_dir);
        assert!(
            e.contains("profiles directory ops/envs does not exist"),
            "{with_dir:?}: {e}"
        );
    }
    // The plugin is told its directory by an env entry on the Application, not a flag.
    let e = error_of_env(
        dir.path(),
        &["cmp", "generate"],
        &[
            ("ARGOCD_ENV_PROFILE", "production"),
            ("ARGOCD_ENV_PROFILES_DIR", "deploy/envs"),
        ],
    );
    assert!(
        e.contains("profiles directory deploy/envs does not exist") && e.contains("PROFILES_DIR"),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_a_directory_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profiles"), "not a directory\n").unwrap();
    let e = error_of(dir.path(), &["show", "--profile", "production"]);
    assert!(
        e.contains("profiles directory profiles is not a directory"),
        "{e}"
    );
}

#[test]
fn a_profile_path_with_another_profiles_dir_is_refused_and_with_its_own_accepted() {
    let ws = workspace();
    std::fs::create_dir(ws.path().join("other")).unwrap();
    for command in ["render", "show", "graph", "lint"] {
        let e = error_of(
            ws.path(),
            &[
                command,
                "--profile",
                "profiles/dev.toml",
                "--profiles-dir",
                "other",
            ],
        );
        assert!(
            e.contains("--profile profiles/dev.toml is a file")
                && e.contains("in profiles")
                && e.contains("--profiles-dir names other"),
            "{command}: {e}"
        );
    }
    let e = error_of(
        ws.path(),
        &[
            "plan",
            "--profile",
            "profiles/dev.toml",
            "--profiles-dir",
            "other",
            "--out-dir",
            "k8s",
        ],
    );
    assert!(e.contains("--profiles-dir names other"), "{e}");
    // The same directory, spelt differently, is no contradiction.
    let alone = stdout_of(ws.path(), &["render", "--profile", "profiles/dev.toml"]);
    let both = stdout_of(
        ws.path(),
        &[
            "render",
            "--profile",
            "profiles/dev.toml",
            "--profiles-dir",
            "./profiles/",
        ],
    );
    assert_eq!(alone, both);
    assert!(alone.contains("kind: Deployment"));
}

#[test]
fn a_missing_profile_names_the_file_looked_for_and_what_exists() {
    let ws = workspace();
    let e = error_of(ws.path(), &["render", "--profile", "prodution"]);
    assert!(
        e.contains("profile \"prodution\" does not exist: there is no profiles/prodution.toml")
            && e.contains("did you mean \"production\"?")
            && e.contains("available: base, dev, example, production, production-ha, staging"),
        "{e}"
    );
}

#[test]
fn a_missing_parent_says_where_extends_looked() {
    let ws = workspace();
    std::fs::create_dir(ws.path().join("ops")).unwrap();
    // A profile outside the profiles directory extends a name that only exists there:
    // extends is looked up next to the file, not in --profiles-dir.
    put(
        ws.path(),
        "ops/qa.toml",
        "extends = \"stagin\"\n[app]\nenvironment_name = \"qa\"\n",
    );
    std::fs::write(ws.path().join("ops/shared.toml"), "abstract = true\n").unwrap();
    let e = error_of(ws.path(), &["render", "--profile", "ops/qa.toml"]);
    assert!(
        e.contains(
            "extends: profile \"stagin\" does not exist: extends names a profile in the same directory, and there is no ops/stagin.toml"
        ) && e.contains("ops/qa.toml:1:11")
            && e.contains("available: qa, shared"),
        "{e}"
    );
    // In the profiles directory, the suggestion comes from the profiles next to it.
    put(
        ws.path(),
        "profiles/qa.toml",
        "extends = \"stagin\"\n[app]\nenvironment_name = \"qa\"\n",
    );
    let e = error_of(ws.path(), &["show", "--profile", "qa"]);
    assert!(
        e.contains("there is no profiles/stagin.toml") && e.contains("did you mean \"staging\"?"),
        "{e}"
    );
}

// --- show -------------------------------------------------------------------------------

/// Every profile's `show`, saved as a profile of the same name in another directory,
/// renders byte for byte what the original renders (or fails the same way, for the
/// abstract base).
#[test]
fn show_output_renders_the_same_stream_as_the_profile_for_every_shipped_profile() {
    let saved = tempfile::tempdir().unwrap();
    for name in shipped() {
        for origin in [false, true] {
            let mut args = vec!["show", "--profile", &name];
            if origin {
                args.push("--origin");
            }
            let shown = stdout_of(&repo(), &args);
            assert!(
                !shown.lines().any(|l| l.starts_with("extends")),
                "{name}: {shown}"
            );
            let file = saved.path().join(format!("{name}.toml"));
            std::fs::write(&file, &shown).unwrap();
            let original = run(&repo(), &["render", "--profile", &name]);
            let copy = run(&repo(), &["render", "--profile", file.to_str().unwrap()]);
            assert_eq!(
                original.status.code(),
                copy.status.code(),
                "{name}: {}\n{}",
                text(&original.stderr),
                text(&copy.stderr)
            );
            if original.status.success() {
                let (before, after) = (text(&original.stdout), text(&copy.stdout));
                assert!(
                    original.stdout == copy.stdout,
                    "{name} (origin: {origin}): the shown profile renders differently:\n{}",
                    similar::TextDiff::from_lines(before.as_str(), after.as_str()).unified_diff()
                );
            } else {
                assert!(text(&copy.stderr).contains("abstract"), "{name}");
            }
        }
    }
}

/// The keys of the profile format, in schema order, each with whether it may be left unset
/// (its type allows null: an optional table or name without a default).
fn schema_keys() -> Vec<(String, bool)> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("profiles/schema.json")).unwrap(),
    )
    .unwrap();
    fn walk(
        schema: &serde_json::Value,
        at: &serde_json::Value,
        path: &str,
        out: &mut Vec<(String, bool)>,
    ) {
        let mut at = at;
        let mut nullable = false;
        loop {
            if let Some(r) = at.get("$ref").and_then(|r| r.as_str()) {
                at = &schema["$defs"][r.trim_start_matches("#/$defs/")];
            } else if let Some(any) = at.get("anyOf").and_then(|a| a.as_array()) {
                nullable |= any.iter().any(|b| b["type"] == "null");
                at = any.iter().find(|b| b["type"] != "null").unwrap();
            } else {
                break;
            }
        }
        nullable |= at["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "null"));
        if !path.is_empty() {
            out.push((path.to_string(), nullable));
        }
        if let Some(props) = at.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(schema, v, &child, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&schema, &schema, "", &mut out);
    out
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for p in parts {
        value = value.as_table()?.get(p)?;
    }
    Some(value)
}

#[test]
fn show_prints_every_key_of_the_schema_with_its_default() {
    let keys = schema_keys();
    assert!(keys.len() > 100, "{}", keys.len());
    for name in shipped() {
        let shown = stdout_of(&repo(), &["show", "--profile", &name]);
        let table: toml::Table = shown
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}\n{shown}"));
        for (key, nullable) in &keys {
            if key == "extends" {
                assert!(table.get("extends").is_none(), "{name}");
                continue;
            }
            // An optional key left unset is named in a comment; every other key has a value.
            let parent_present = key
                .rsplit_once('.')
                .is_none_or(|(parent, _)| lookup(&table, parent).is_some());
            if !parent_present {
                continue;
            }
            let last = key.rsplit('.').next().unwrap();
            assert!(
                lookup(&table, key).is_some()
                    || (*nullable && shown.contains(&format!("{last} is not set"))),
                "{name}: show leaves out {key}\n{shown}"
            );
        }
    }
    // The values the issue found missing, from their defaults.
    let dev = stdout_of(&repo(), &["show", "--profile", "dev"]);
    let dev: toml::Table = dev.parse().unwrap();
    for (key, value) in [
        ("argocd.mode", toml::Value::from("directory")),
        ("backend.security.run_as_user", toml::Value::from(10001)),
        ("backend.security.read_only_root_filesystem", true.into()),
        ("backup.longhorn_namespace", "longhorn-system".into()),
    ] {
        assert_eq!(lookup(&dev, key), Some(&value), "{key}");
    }
    let production: toml::Table = stdout_of(&repo(), &["show", "--profile", "production"])
        .parse()
        .unwrap();
    assert_eq!(
        lookup(&production, "secrets.external.refresh_interval"),
        Some(&toml::Value::from("1h"))
    );
}

/// `[table]` headers and the first key of each `key = value` line in the order printed.
fn printed_keys(shown: &str) -> Vec<String> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in shown.lines() {
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = h.to_string();
            out.push(section.clone());
        } else if let Some((key, _)) = line.split_once(" = ")
            && !line.starts_with(['#', ' '])
        {
            let first = key.split('.').next().unwrap();
            let full = if section.is_empty() {
                first.to_string()
            } else {
                format!("{section}.{first}")
            };
            if out.last() != Some(&full) {
                out.push(full);
            }
        }
    }
    out
}

#[test]
fn show_prints_the_keys_in_schema_order() {
    let order: Vec<String> = schema_keys().into_iter().map(|(k, _)| k).collect();
    for name in ["production", "dev", "example"] {
        let shown = stdout_of(&repo(), &["show", "--profile", name]);
        let printed = printed_keys(&shown);
        // Map keys ([config], labels...) are not in the schema; the rest must follow it.
        let positions: Vec<(usize, &String)> = printed
            .iter()
            .filter_map(|k| order.iter().position(|o| o == k).map(|i| (i, k)))
            .collect();
        assert!(positions.len() > 60, "{name}: {printed:?}");
        for w in positions.windows(2) {
            assert!(
                w[0].0 < w[1].0,
                "{name}: {} is printed before {}, against the schema's order",
                w[0].1,
                w[1].1
            );
        }
    }
}

#[test]
fn show_origin_names_files_defaults_and_the_file_name_identity() {
    let ws = workspace();
    put(
        ws.path(),
        "profiles/my_QA.toml",
        "extends = \"staging\"\n[app]\nenvironment_name = \"{{ app.name }}-qa\"\n",
    );
    let t = stdout_of(ws.path(), &["show", "--profile", "my_QA", "--origin"]);
    assert!(
        t.contains("environment_name = \"magnetiq-qa\"  # profiles/my_QA.toml:3"),
        "{t}"
    );
    assert!(t.contains("mode = \"directory\"  # default"), "{t}");
    assert!(t.contains("port = 4036  # profiles/base.toml:"), "{t}");
    // A profile that does not name its environment gets the file name's, and says so.
    put(
        ws.path(),
        "profiles/my_QA.toml",
        "extends = \"base\"\n[app]\nenvironment = \"staging\"\n",
    );
    let t = stdout_of(ws.path(), &["show", "--profile", "my_QA", "--origin"]);
    assert!(
        t.contains("environment_name = \"my-qa\"  # default: from the file name my_QA.toml"),
        "{t}"
    );
}

#[test]
fn a_shown_profile_keeps_its_identity_under_another_file_name() {
    let ws = workspace();
    put(
        ws.path(),
        "profiles/qa.toml",
        "extends = \"staging\"\n[app]\nenvironment_name = \"qa\"\n",
    );
    put(
        ws.path(),
        "profiles/nightly.toml",
        "extends = \"base\"\n[app]\nenvironment = \"staging\"\n",
    );
    for (name, identity) in [("qa", "qa"), ("nightly", "nightly")] {
        let shown = stdout_of(ws.path(), &["show", "--profile", name]);
        assert!(
            shown.contains(&format!("environment_name = \"{identity}\"")),
            "{shown}"
        );
        let copy = ws.path().join("renamed.toml");
        std::fs::write(&copy, &shown).unwrap();
        let rendered = stdout_of(ws.path(), &["render", "--profile", "renamed.toml"]);
        assert!(
            rendered.contains(&format!("namespace: magnetiq-v2-{identity}\n")),
            "{name}: {rendered}"
        );
    }
}

#[test]
fn show_never_prints_a_secret_value() {
    let ws = workspace();
    put(
        ws.path(),
        "profiles/local.toml",
        "extends = \"dev\"\n[app]\nenvironment_name = \"local\"\n[secrets]\nmode = \"inline\"\n",
    );
    let value = "s3cr3t-value-that-must-not-show";
    let env = [
        ("MAGNETIQ_SECRET_SECRET_KEY", value),
        ("MAGNETIQ_SECRET_SMTP_USERNAME", value),
        ("MAGNETIQ_SECRET_SMTP_PASSWORD", value),
    ];
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    // The render does carry it (so the test has a value to look for)...
    let rendered = run_env(ws.path(), &["render", "--profile", "local"], &env);
    assert!(
        text(&rendered.stdout).contains(&encoded),
        "{}",
        text(&rendered.stderr)
    );
    // ...show does not, with or without origins.
    for extra in [None, Some("--origin")] {
        let mut args = vec!["show", "--profile", "local"];
        args.extend(extra);
        let out = run_env(ws.path(), &args, &env);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        for shown in [text(&out.stdout), text(&out.stderr)] {
            assert!(!shown.contains(value) && !shown.contains(&encoded));
        }
        assert!(text(&out.stdout).contains("mode = \"inline\""));
    }
}

#[test]
fn show_refuses_unknown_keys_rather_than_dropping_them() {
    let ws = workspace();
    put(
        ws.path(),
        "profiles/typo.toml",
        "extends = \"dev\"\n[app]\nenvironment_name = \"typo\"\n[backend]\nreplica = 1\n",
    );
    let e = error_of(ws.path(), &["show", "--profile", "typo"]);
    assert!(
        e.contains("backend.replica") && e.contains("profiles/typo.toml:5"),
        "{e}"
    );
}

// --- --set on new keys ------------------------------------------------------------------

#[test]
fn set_adds_a_new_config_key_as_a_string() {
    let without = stdout_of(&repo(), &["render", "--profile", "production"]);
    assert!(!without.contains("FEATURE_FLAG"));
    let with = stdout_of(
        &repo(),
        &[
            "render",
            "--profile",
            "production",
            "--set",
            "config.FEATURE_FLAG=1",
        ],
    );
    assert!(with.contains("\n  FEATURE_FLAG: \"1\"\n"), "{with}");
    // show reads overrides the same way.
    let shown = stdout_of(
        &repo(),
        &[
            "show",
            "--profile",
            "production",
            "--set",
            "config.FEATURE_FLAG=true",
        ],
    );
    assert!(shown.contains("\nFEATURE_FLAG = \"true\"\n"), "{shown}");
    // A new key of another type keeps that type.
    let with = stdout_of(
        &repo(),
        &[
            "render",
            "--profile",
            "production",
            "--set",
            "backend.security.run_as_user=20000",
        ],
    );
    assert!(with.contains("runAsUser: 20000\n"), "{with}");
}

#[test]
fn a_config_key_the_containers_set_themselves_is_refused_in_a_profile_and_in_set() {
    let e = error_of(
        &repo(),
        &[
            "render",
            "--profile",
            "production",
            "--set",
            "config.PORT=8000",
        ],
    );
    assert!(
        e.contains(
            "config.PORT: PORT is set on each container from backend.port and frontend.port"
        ) && e.contains("--> command line:1:19")
            && e.contains("--set config.PORT=8000"),
        "{e}"
    );
    let ws = workspace();
    put(
        ws.path(),
        "profiles/qa.toml",
        "extends = \"staging\"\n[app]\nenvironment_name = \"qa\"\n\n[config]\nPORT = \"8000\"\n",
    );
    let e = error_of(ws.path(), &["render", "--profile", "qa"]);
    assert!(
        e.contains("config.PORT: PORT is set on each container")
            && e.contains("--> profiles/qa.toml:6:8"),
        "{e}"
    );
}
