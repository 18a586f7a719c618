//! Error reporting: every problem with a profile, each at its file, line and column.

use std::fmt;

use crate::source::{Loc, Sources};

/// One problem in a profile.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where it was written, when known.
    pub loc: Option<Loc>,
    /// Dotted key path (`backend.replicas`); empty for the file as a whole.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
    /// How to fix it, when there is something more to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at a key.
    pub fn new(loc: Option<Loc>, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            loc,
            path: path.into(),
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A profile that cannot be used, with every problem found in it.
#[derive(Debug)]
pub struct ProfileError {
    /// The profile the user asked for.
    pub profile: String,
    /// The files read, to show positions and excerpts.
    pub sources: Sources,
    /// The problems, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::error::Error for ProfileError {}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        writeln!(
            f,
            "profile {} has {} problem{}",
            self.profile,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.diagnostics {
            writeln!(f)?;
            render(f, &self.sources, d)?;
        }
        Ok(())
    }
}

fn render(f: &mut fmt::Formatter<'_>, sources: &Sources, d: &Diagnostic) -> fmt::Result {
    // Everything shown here may come from a profile: escaped, so that no control sequence
    // in a file reaches the terminal.
    let message = sanitize(&d.message);
    if d.path.is_empty() {
        writeln!(f, "  {message}")?;
    } else {
        writeln!(f, "  {}: {message}", sanitize(&d.path))?;
    }
    if let Some(loc) = &d.loc {
        let at = sources.position(loc);
        let gutter = at.line.to_string().len();
        writeln!(
            f,
            "  {:gutter$}--> {}:{}:{}",
            "",
            sanitize(at.file),
            at.line,
            at.column
        )?;
        writeln!(f, "  {:gutter$} |", "")?;
        let width = caret_width(sources, loc, at.line_text, at.column);
        let (shown, pad, width) = excerpt(at.line_text, at.column - 1, width);
        writeln!(f, "  {} | {shown}", at.line)?;
        writeln!(f, "  {:gutter$} | {:pad$}{}", "", "", "^".repeat(width))?;
    }
    if let Some(help) = &d.help {
        writeln!(f, "  = help: {}", sanitize(help))?;
    }
    Ok(())
}

/// `text` with control characters (ESC, BEL, CR, ...) and bidirectional overrides escaped
/// (`\u{1b}`, `\r`), so that text from a profile cannot move the cursor, recolour or hide
/// part of a message on the terminal that shows it.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

/// Multi-line `text` (a drift report, an error with its causes) made safe like [`sanitize`],
/// line by line: the line breaks stay, everything else that could drive a terminal or
/// rewrite earlier lines of a CI log is escaped.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let lines: Vec<_> = text.split('\n').map(sanitize).collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

fn needs_escape(c: char) -> bool {
    // U+202A..U+202E and U+2066..U+2069 reorder text ("Trojan Source"); U+200E/F and
    // U+061C are invisible direction marks.
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn push_escaped(out: &mut String, c: char) {
    use fmt::Write as _;
    match c {
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Columns `c` takes once escaped.
fn shown_width(c: char) -> usize {
    let mut s = String::new();
    push_escaped(&mut s, c);
    s.chars().count()
}

/// Longest excerpt of a source line shown under an error.
const EXCERPT_CHARS: usize = 100;

/// The part of `line` to show (escaped), the caret's offset in it and the caret's width
/// (`width` characters of the line from `column`, as shown): long lines (a minified table,
/// a generated file) are cut to a window around the column, marked with "...".
fn excerpt(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let (start, end) = if chars.len() <= EXCERPT_CHARS {
        (0, chars.len())
    } else {
        let start = column
            .saturating_sub(EXCERPT_CHARS / 2)
            .min(chars.len().saturating_sub(EXCERPT_CHARS));
        (start, (start + EXCERPT_CHARS).min(chars.len()))
    };
    let mut shown = String::new();
    let mut pad = 0;
    if start > 0 {
        shown.push_str("...");
        pad += 3;
    }
    for (i, &c) in chars.iter().enumerate().take(end).skip(start) {
        if i < column {
            pad += shown_width(c);
        }
        push_escaped(&mut shown, c);
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    let column = column.min(chars.len());
    // Not cut at the window's end: the caret has always run on under a cut-off "...".
    let caret_end = (column + width).min(chars.len());
    let mut shown_caret: usize = chars[column..caret_end]
        .iter()
        .map(|&c| shown_width(c))
        .sum();
    if shown_caret == 0 {
        shown_caret = 1;
    }
    (shown, pad, shown_caret.min(EXCERPT_CHARS))
}

/// Underline the span, but no further than the end of its first line.
fn caret_width(sources: &Sources, loc: &Loc, line_text: &str, column: usize) -> usize {
    let text = &sources.file(loc.file).text;
    let start = loc.span.start.min(text.len());
    let end = loc.span.end.clamp(start, text.len());
    let spanned = text.get(start..end).unwrap_or("");
    let on_line = spanned.split('\n').next().unwrap_or("").chars().count();
    let rest = line_text.chars().count().saturating_sub(column - 1);
    on_line.min(rest).max(1)
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    // An abbreviation ("prod" for "production") is as likely as a typo.
    if word.len() >= 3
        && let Some(c) = candidates
            .iter()
            .find(|c| c.len() > word.len() && c.to_lowercase().starts_with(&word.to_lowercase()))
    {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment),
/// case-insensitive.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    let mut prev2 = prev.clone();
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            // A swap of two neighbours ("bsae" for "base") is one typo, not two.
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                cur[j + 1] = cur[j + 1].min(prev2[j - 1] + 1);
            }
        }
        prev2.clone_from(&prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_to_a_window_around_the_column() {
        let line = format!("x = {}", "[".repeat(500));
        let (shown, pad, _) = excerpt(&line, 300, 1);
        assert!(shown.starts_with("...") && shown.ends_with("..."));
        assert!(shown.chars().count() <= EXCERPT_CHARS + 6);
        assert_eq!(shown.chars().nth(pad), Some('['));
        assert_eq!(excerpt("short = 1", 8, 1), ("short = 1".to_string(), 8, 1));
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_still_points_at_the_column() {
        let (shown, pad, width) = excerpt("a = \"\u{1b}[2J\tx\" # \u{7}", 10, 1);
        assert_eq!(shown, "a = \"\\u{1b}[2J\\tx\" # \\u{7}");
        assert_eq!(&shown[pad..pad + width], "x");
        assert_eq!(sanitize("plain é"), "plain é");
        assert_eq!(sanitize("\u{202e}\r"), "\\u{202e}\\r");
    }

    #[test]
    fn did_you_mean_finds_one_letter_typos_and_ignores_strangers() {
        let keys = ["replicas", "resources", "probes"];
        assert_eq!(did_you_mean("replica", keys), Some("replicas"));
        assert_eq!(did_you_mean("prbes", keys), Some("probes"));
        assert_eq!(did_you_mean("bsae", ["base", "dev"]), Some("base"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(
            did_you_mean("prod", ["staging", "production"]),
            Some("production")
        );
    }
}
