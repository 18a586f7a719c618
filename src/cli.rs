//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Render the Kubernetes deployment of Magnetiq v2 from a profile.
#[derive(Debug, Parser)]
#[command(
    name = "magnetiq-gen",
    version,
    about,
    after_help = "Exit codes: 0 success; 1 findings (drift, lint); 2 bad input or an I/O failure."
)]
pub struct Cli {
    /// Print nothing but data and errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a profile: to stdout as one YAML stream, or as a tree of files with --out-dir.
    #[command(
        after_help = "Exit codes: 0 success (with --check: the tree is up to date); \
                            1 with --check: the tree differs from a fresh render; 2 bad input or an I/O failure."
    )]
    Render(RenderArgs),
    /// Show what rendering a profile into DIR does to the cluster: each object created,
    /// updated, replaced or deleted, with what the API server rejects, which data is at risk
    /// and which workloads restart.
    #[command(
        after_help = "Exit codes: 0 nothing rejected and no data at risk; 1 rejected or data-at-risk \
                      changes; 2 bad input or an I/O failure."
    )]
    Plan(PlanArgs),
    /// ArgoCD Config Management Plugin commands (run by the plugin sidecar).
    #[command(subcommand)]
    Cmp(CmpCommand),
    /// Print the JSON Schema of the profile format (for editors: Taplo, Even Better TOML).
    Schema,
    /// Describe a profile key: its meaning, type, default and allowed values.
    Explain {
        /// Dotted key path, e.g. backend.replicas; empty for the top level.
        #[arg(default_value = "")]
        key: String,
    },
    /// Print a profile fully resolved as TOML: every value, defaults included, extends merged,
    /// references filled in. Saved as a profile of the same name, it renders the same tree.
    Show {
        /// The profile.
        #[command(flatten)]
        target: ProfileArgs,
        /// Follow each value with the file and line it comes from, or `default`.
        #[arg(long)]
        origin: bool,
    },
    /// Print a diagram of what a profile deploys (Mermaid, or Graphviz with --format dot).
    Graph {
        /// The profile.
        #[command(flatten)]
        target: ProfileArgs,
        /// Diagram language.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: crate::graph::Format,
    },
    /// Check manifests against rules that know this deployment (exit 1 on findings).
    #[command(after_help = "Exit codes: 0 no findings; 1 findings; 2 bad input or an I/O failure.")]
    // One of --profile, --dir or --rules: without any, the error names all three.
    #[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["profile", "dir", "rules"]))]
    Lint {
        /// Lint what this profile renders.
        #[arg(long, short = 'p', value_name = "NAME|FILE", conflicts_with = "dir")]
        profile: Option<String>,
        /// Lint an existing tree of YAML manifests (e.g. one written from the design document).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Directory holding the profiles [default: profiles]. With --profile FILE, leave it
        /// out or name the file's directory.
        #[arg(long, value_name = "DIR")]
        profiles_dir: Option<PathBuf>,
        /// Override a profile value: --set app.version=2.0.1 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Only report errors, not warnings.
        #[arg(long)]
        errors_only: bool,
        /// List the rules with their explanations instead.
        #[arg(long)]
        rules: bool,
    },
    /// Print a profile that renders the deployment an existing manifest tree describes.
    ///
    /// The profile extends a profile of the profiles directory (base unless --extends says
    /// otherwise) and sets only what differs from it.
    Import {
        /// A tree of YAML manifests shaped like the design document's k8s/.
        dir: PathBuf,
        /// The profile to extend (a name in the profiles directory).
        #[arg(long, value_name = "NAME", default_value = "base")]
        extends: String,
        /// Directory holding the profiles.
        #[arg(long, value_name = "DIR", default_value = "profiles")]
        profiles_dir: PathBuf,
    },
    /// List the profiles with their extends chains.
    Profiles {
        /// Directory holding the profiles.
        #[arg(long, value_name = "DIR", default_value = "profiles")]
        profiles_dir: PathBuf,
    },
    /// Write a profiles directory (base, production, staging, dev, example, schema) to start with.
    Init {
        /// Where to create `profiles/`.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the script that sets up completion for a shell: commands, options and, for
    /// --profile, the names of the profiles (see the README to install it).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command with --out-dir.
    Man {
        /// Write magnetiq-gen.1, magnetiq-gen-render.1, ... (one page per command) into DIR,
        /// e.g. ~/.local/share/man/man1; pages already there are replaced.
        #[arg(long, short = 'o', value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// `render` options.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Profile name (from the profiles directory) or path to a .toml file.
    #[arg(
        long,
        short = 'p',
        value_name = "NAME|FILE",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub profile: Option<String>,
    /// Render every deployable profile of the profiles directory into OUT_DIR/<profile>/.
    #[arg(long, requires = "out_dir")]
    pub all: bool,
    /// Directory holding the profiles [default: profiles]. With --profile FILE, leave it out
    /// or name the file's directory.
    #[arg(long, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,
    /// Write the k8s/ tree into DIR instead of printing one stream.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write nothing; exit 1 if DIR differs from a fresh render (for CI and pre-commit).
    #[arg(long, requires = "out_dir")]
    pub check: bool,
    /// Override a profile value, typed like the file: --set app.version=2.0.1 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Allow `inline` secret values (from MAGNETIQ_SECRET_* variables) into --out-dir.
    #[arg(long, requires = "out_dir")]
    pub allow_plaintext_secrets: bool,
    /// Write into a directory magnetiq-gen did not create (its other files are kept).
    #[arg(long, requires = "out_dir", conflicts_with = "check")]
    pub force: bool,
    /// Write a change that `plan` finds rejected by the API server (`replace`) or putting data
    /// at risk (`data-loss`), after following the README's runbook (repeatable).
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        requires = "out_dir",
        conflicts_with = "check"
    )]
    pub accept: Vec<crate::plan::Accept>,
}

/// `plan` options.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The profile, its directory and overrides.
    #[command(flatten)]
    pub target: ProfileArgs,
    /// The tree to compare with (the committed or deployed one); missing or empty means
    /// everything is created.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

/// How `plan` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// For people: grouped, coloured on a terminal.
    Text,
    /// For bots: a stable JSON document with a `version` field (see the README).
    Json,
}

/// `cmp` subcommands.
#[derive(Debug, Subcommand)]
pub enum CmpCommand {
    /// Print the objects for ArgoCD. Runs in the application's source directory; the profile
    /// comes from the plugin parameter `profile` (PARAM_PROFILE or ARGOCD_APP_PARAMETERS),
    /// else ARGOCD_ENV_PROFILE; the array parameter `set` overrides values.
    Generate,
}

/// Which profile, where the profiles are, and overrides: shared by `show` and `graph`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Profile name or path to a .toml file.
    #[arg(long, short = 'p', value_name = "NAME|FILE")]
    pub profile: String,
    /// Directory holding the profiles [default: profiles]. With --profile FILE, leave it out
    /// or name the file's directory.
    #[arg(long, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,
    /// Override a profile value: --set app.version=2.0.1 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}
