//! ArgoCD directory include/exclude globs: `*`, `?` and nested `{a,b}` alternatives,
//! matched in linear time per item and with a bounded nesting depth.

/// How deep `{...}` alternatives may nest in an include/exclude glob. Deeper globs are
/// reported as unreadable rather than matched (matching recurses once per level).
const MAX_GLOB_NESTING: usize = 32;

/// One element of a parsed glob.
#[derive(Debug)]
enum GlobItem {
    /// A byte that must match itself.
    Byte(u8),
    /// `*`: any run of bytes without '/'.
    Star,
    /// `?`: one byte other than '/'.
    One,
    /// `{a,b,...}`: any one of the alternatives (each a sequence, possibly with groups).
    Alt(Vec<Vec<GlobItem>>),
}

/// Parses a glob: `*` (not across '/'), `?`, and `{a,b}` alternatives, which may nest. A
/// brace without its partner is a literal byte. Errors when alternatives nest deeper than
/// [`MAX_GLOB_NESTING`].
fn parse_glob(pattern: &str) -> Result<Vec<GlobItem>, String> {
    let p = pattern.as_bytes();
    // Pair the braces first (innermost pairs, like brackets), so parsing never has to try a
    // group and back off: every '{' either has its '}' or is a literal.
    let mut partner = vec![None; p.len()];
    let mut open = Vec::new();
    for (i, &c) in p.iter().enumerate() {
        match c {
            b'{' => open.push(i),
            b'}' => {
                if let Some(o) = open.pop() {
                    partner[o] = Some(i);
                    partner[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    fn seq(
        p: &[u8],
        partner: &[Option<usize>],
        range: std::ops::Range<usize>,
        depth: usize,
    ) -> Result<Vec<GlobItem>, String> {
        let mut items = Vec::new();
        let mut i = range.start;
        while i < range.end {
            match (p[i], partner[i]) {
                (b'{', Some(close)) => {
                    if depth >= MAX_GLOB_NESTING {
                        return Err(format!(
                            "its {{...}} alternatives nest deeper than {MAX_GLOB_NESTING} levels"
                        ));
                    }
                    // Split the group's inside at the commas that are not inside a
                    // nested group.
                    let mut alts = Vec::new();
                    let mut start = i + 1;
                    let mut j = i + 1;
                    while j < close {
                        match (p[j], partner[j]) {
                            (b'{', Some(c)) => j = c + 1,
                            (b',', _) => {
                                alts.push(seq(p, partner, start..j, depth + 1)?);
                                start = j + 1;
                                j += 1;
                            }
                            _ => j += 1,
                        }
                    }
                    alts.push(seq(p, partner, start..close, depth + 1)?);
                    items.push(GlobItem::Alt(alts));
                    i = close + 1;
                    continue;
                }
                (b'*', _) => items.push(GlobItem::Star),
                (b'?', _) => items.push(GlobItem::One),
                (c, _) => items.push(GlobItem::Byte(c)),
            }
            i += 1;
        }
        Ok(items)
    }
    seq(p, &partner, 0..p.len(), 0)
}

/// Where a match of `items` can end in `s`, given where it can start (`starts[i]`: a match
/// may start at byte `i`). Sets of positions rather than backtracking: each item costs
/// O(len(s)) however many alternatives and stars the glob holds, so a glob such as `{a,b}`
/// repeated 26 times is matched in linear time instead of trying 2^26 expansions.
fn glob_ends(items: &[GlobItem], s: &[u8], starts: Vec<bool>) -> Vec<bool> {
    let n = s.len();
    let mut cur = starts;
    for item in items {
        if !cur.contains(&true) {
            break;
        }
        let mut next = vec![false; n + 1];
        match item {
            GlobItem::Byte(c) => {
                for i in 0..n {
                    next[i + 1] = cur[i] && s[i] == *c;
                }
            }
            GlobItem::One => {
                for i in 0..n {
                    next[i + 1] = cur[i] && s[i] != b'/';
                }
            }
            GlobItem::Star => {
                let mut reach = false;
                for j in 0..=n {
                    reach |= cur[j];
                    next[j] = reach;
                    if j < n && s[j] == b'/' {
                        reach = false;
                    }
                }
            }
            GlobItem::Alt(alts) => {
                for alt in alts {
                    for (k, end) in glob_ends(alt, s, cur.clone()).into_iter().enumerate() {
                        next[k] |= end;
                    }
                }
            }
        }
        cur = next;
    }
    cur
}

/// Whether `path` matches the glob `pattern` (see [`parse_glob`]); an error when the glob
/// cannot be read.
pub(super) fn glob_matches(pattern: &str, path: &str) -> Result<bool, String> {
    let items = parse_glob(pattern)?;
    let s = path.as_bytes();
    let mut starts = vec![false; s.len() + 1];
    starts[0] = true;
    Ok(glob_ends(&items, s, starts)[s.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(g: &str, p: &str) -> bool {
        glob_matches(g, p).unwrap()
    }

    #[test]
    fn globs_match_stars_questions_and_alternatives() {
        assert!(m("argocd-*.yaml", "argocd-application.yaml"));
        assert!(m("*.yaml", "a.yaml") && !m("*.yaml", "dir/a.yaml"));
        assert!(m("*/*.yaml", "dir/a.yaml"));
        assert!(m("a?c", "abc") && !m("a?c", "a/c") && !m("a?c", "ac"));
        assert!(m(
            "{argocd-application.yaml,kustomization.yaml}",
            "kustomization.yaml"
        ));
        assert!(!m("{a,b}.yaml", "c.yaml"));
        assert!(m("{a,{b,c}}.yaml", "c.yaml") && !m("{a,{b,c}}.yaml", "d.yaml"));
        assert!(m("{,x}y", "y") && m("{,x}y", "xy"));
        assert!(m("", "") && !m("", "a"));
    }

    #[test]
    fn braces_without_a_partner_are_literal() {
        assert!(m("{a", "{a") && m("a}", "a}") && m("a,b", "a,b"));
        assert!(m("{a{b,c}", "{ab") && m("{{a,b}", "{b"));
    }

    #[test]
    fn many_alternatives_and_unpaired_braces_match_in_polynomial_time() {
        let start = std::time::Instant::now();
        let g = "{a,b}".repeat(26);
        assert!(!m(&g, "argocd-application.yaml"));
        assert!(m(&g, &"ab".repeat(13)));
        assert!(!m(&"{".repeat(100_000), "argocd-application.yaml"));
        assert!(m(&"*{a,*}".repeat(5_000), "argocd-application.yaml"));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn deeply_nested_alternatives_are_an_error_not_a_stack_overflow() {
        let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
        assert!(glob_matches(&deep, "x").is_err());
        let ok = format!(
            "{}x{}",
            "{".repeat(MAX_GLOB_NESTING),
            "}".repeat(MAX_GLOB_NESTING)
        );
        assert!(m(&ok, "x"));
    }
}
