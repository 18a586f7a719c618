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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a profile: to stdout as one YAML stream, or as a tree of files with --out-dir.
    Render(RenderArgs),
}

/// `render` options.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Profile name (from the profiles directory) or path to a .toml file.
    #[arg(long, short = 'p', value_name = "NAME|FILE")]
    pub profile: String,
    /// Directory holding the profiles.
    #[arg(long, value_name = "DIR", default_value = "profiles")]
    pub profiles_dir: PathBuf,
    /// Write the k8s/ tree into DIR instead of printing one stream.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write into a directory magnetiq-gen did not create (its other files are kept).
    #[arg(long, requires = "out_dir")]
    pub force: bool,
}
