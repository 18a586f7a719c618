//! Profile source files and positions inside them.
//!
//! Every value read from a profile remembers where it was written ([`Loc`]), so an error
//! found long after loading (in validation, after `extends` merged several files) still
//! points at the file, line and column the user has to edit.

use std::fmt;
use std::ops::Range;

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file the value was written in.
    pub file: FileId,
    /// Byte range of the value (or key) in that file.
    pub span: Range<usize>,
}

/// One profile file as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user would type it (relative to where they run the tool).
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// All files read while loading one profile (the profile and its `extends` chain).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

/// A resolved position: file name, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position<'a> {
    /// File name as shown to the user.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The text of that line, without its line break.
    pub line_text: &'a str,
}

impl fmt::Display for Position<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, text: String) -> FileId {
        self.files.push(SourceFile { name, text });
        self.files.len() - 1
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// Resolves a location to file, line and column.
    pub fn position(&self, loc: &Loc) -> Position<'_> {
        let file = &self.files[loc.file];
        let start = floor_char_boundary(&file.text, loc.span.start.min(file.text.len()));
        let before = &file.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = file.text[line_start..start].chars().count() + 1;
        let line_end = file.text[start..]
            .find('\n')
            .map_or(file.text.len(), |i| start + i);
        let line_text = file.text[line_start..line_end].trim_end_matches('\r');
        Position {
            file: &file.name,
            line,
            column,
            line_text,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters_from_one() {
        let mut sources = Sources::default();
        let id = sources.add("p.toml".into(), "a = 1\n[é]\nkey = 2\n".into());
        let at = sources.position(&Loc {
            file: id,
            span: 17..18,
        });
        assert_eq!((at.line, at.column, at.line_text), (3, 7, "key = 2"));
        assert_eq!(at.to_string(), "p.toml:3:7");
    }
}
