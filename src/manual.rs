//! Manual pages, one per command: `magnetiq-gen.1`, `magnetiq-gen-render.1`, ...,
//! `magnetiq-gen-cmp-generate.1`, all from the clap definitions in [`crate::cli`].

use clap::CommandFactory as _;
use clap_mangen::roff::{Roff, bold, roman};

/// The manual section every page is in (user commands).
const SECTION: &str = "1";

/// One manual page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The command's page name, e.g. `magnetiq-gen-render`.
    pub name: String,
    /// The roff source.
    pub text: String,
}

impl Page {
    /// The file name the page is installed as, e.g. `magnetiq-gen-render.1`.
    pub fn file_name(&self) -> String {
        format!("{}.{SECTION}", self.name)
    }
}

/// The command tree the pages describe: built, so every subcommand knows its full name and
/// inherits the global options, and without clap's `help` subcommands, which have no page
/// (`--help` is listed on each page instead).
pub fn command() -> clap::Command {
    fn without_help(cmd: clap::Command) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        names
            .iter()
            .fold(cmd, |cmd, name| cmd.mut_subcommand(name, without_help))
            .disable_help_subcommand(true)
    }
    let mut cmd = without_help(crate::cli::Cli::command());
    cmd.build();
    cmd
}

/// The page of `magnetiq-gen` itself (what `man` prints without `--out-dir`).
pub fn main_page() -> Page {
    page(&command(), &[])
}

/// Every page: the main one first, then each subcommand's, depth first in the order of the
/// help text.
pub fn pages() -> Vec<Page> {
    fn walk<'a>(cmd: &'a clap::Command, parents: &mut Vec<&'a clap::Command>, out: &mut Vec<Page>) {
        out.push(page(cmd, parents));
        parents.push(cmd);
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, parents, out);
        }
        parents.pop();
    }
    let cmd = command();
    let mut out = Vec::new();
    walk(&cmd, &mut Vec::new(), &mut out);
    out
}

/// The page name of a built command: `magnetiq-gen-cmp-generate`.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// One command's page; `parents` (outermost first) are named under SEE ALSO.
fn page(cmd: &clap::Command, parents: &[&clap::Command]) -> Page {
    let name = page_name(cmd);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(&name)
        .section(SECTION)
        .source(format!("magnetiq-gen {}", env!("CARGO_PKG_VERSION")))
        .manual("magnetiq-gen manual")
        .render(&mut buf)
        .expect("rendering into memory cannot fail");
    let mut text = String::from_utf8(buf).expect("clap_mangen writes UTF-8");
    if !parents.is_empty() {
        let mut see_also = Roff::new();
        see_also.control("SH", ["SEE ALSO"]);
        let mut line = Vec::new();
        for (i, p) in parents.iter().rev().enumerate() {
            if i > 0 {
                line.push(roman(", "));
            }
            line.push(bold(page_name(p)));
            line.push(roman(format!("({SECTION})")));
        }
        see_also.text(line);
        text.push_str(&see_also.to_roff());
    }
    Page { name, text }
}
