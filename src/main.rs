//! The magnetiq-gen binary: parse flags, call the library, map the outcome to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use magnetiq_gen::cli::{Cli, Command, RenderArgs};
use magnetiq_gen::profile::DirStore;
use magnetiq_gen::{ProfileRef, output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "error: {e}");
            if !format!("{e}").ends_with('\n') {
                let _ = writeln!(stderr);
            }
            for cause in e.chain().skip(1) {
                let _ = writeln!(stderr, "caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn render(args: &RenderArgs) -> anyhow::Result<()> {
    let target = ProfileRef::resolve(&args.profile, &args.profiles_dir)?;
    let store = DirStore::new(&target.dir);
    let manifest = magnetiq_gen::render(&store, &target.name)?;
    match &args.out_dir {
        Some(dir) => output::write_tree(dir, &output::tree(&manifest), args.force),
        None => {
            let text = output::stream(&manifest);
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`| head`) is the reader's choice, not our failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(Into::into),
            }
        }
    }
}
