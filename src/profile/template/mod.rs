//! `{{ }}` references: every templated string of a profile rendered with minijinja, within
//! limits.
//!
//! A profile (or a `--set` value, or the plugin's `set` parameter) is input from whoever can
//! edit it, so evaluating it is bounded in every direction that would otherwise hang, crash
//! or exhaust memory:
//!
//! - **code size**: at most [`MAX_CODE_CHARS`] characters of template code per value. The
//!   minijinja parser and its analyses recurse once per link of an attribute, filter or call
//!   chain (`a.b.c...`, `x|e|e...`), so a long chain overflows the stack before any limit of
//!   the engine applies; a value's code length bounds that depth.
//! - **time**: [`FUEL_PER_VALUE`] instructions per value and [`FUEL_TOTAL`] for the whole
//!   profile (minijinja's fuel), so nested loops end with an error.
//! - **recursion**: [`RECURSION_LIMIT`] levels of macro calls and nested blocks.
//! - **output**: [`MAX_VALUE_BYTES`] per value and [`MAX_TOTAL_BYTES`] for all templated
//!   values together, enforced while the value is written, so `{{ [1]*100000000 }}` stops at
//!   the limit instead of building the whole string.
//!
//! References are resolved in time linear in their number: a graph over key paths (a
//! template depends on what it names; a table depends on the templates inside it) is sorted
//! once, then each template is rendered once, in dependency order, against a context that
//! holds only the subtrees it names. The previous round-based resolution compared every
//! template with every other and rebuilt the whole context per level: cubic in the length
//! of a chain of references.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::{Environment, ErrorKind, UndefinedBehavior};

mod graph;

use super::node::{self, Node, Segment, Value};
use crate::report::{Diagnostic, did_you_mean};
use crate::source::Loc;
use graph::Graph;

/// Longest value a template may produce. Profile values are names, hosts, URLs and small
/// JSON lists; 64 KiB is far beyond any of them and far below the 1 MiB ConfigMap limit.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Longest output of all templates of one profile together: a ConfigMap cannot hold more.
pub const MAX_TOTAL_BYTES: usize = 1024 * 1024;
/// Evaluation steps (minijinja fuel) one value may take. A reference takes a handful; a loop
/// over a thousand items a few thousand.
pub const FUEL_PER_VALUE: u64 = 100_000;
/// Evaluation steps all templates of one profile may take together (well under a second).
pub const FUEL_TOTAL: u64 = 1_000_000;
/// Longest template code (the text inside `{{ }}` and `{% %}`) in one value.
pub const MAX_CODE_CHARS: usize = 1_000;
/// Deepest nesting of macro calls and blocks while rendering.
pub const RECURSION_LIMIT: usize = 50;

/// Filters a reference may pass its value through: each returns at most what it is given.
const FILTERS: &[&str] = &["lower", "upper", "trim"];

/// Checks that `source` holds only references (`{{ a.b[0] }}`, optionally `|lower`, `|upper`
/// or `|trim`): no statements, comments, literals, operators or calls.
///
/// Profiles (and `--set`, and so every Application using the plugin) only ever need to refer to
/// other values. Everything else minijinja offers is a way to make work without bound: `*` and
/// `~` build strings of any size in one step, before fuel or the output limit can act, and
/// loops and macros burn time. With references alone, a value is at most the sum of the values
/// it names, each bounded by the file size and the output limit.
fn references_only(source: &str) -> Result<(), String> {
    for open in ["{%", "{#"] {
        if source.contains(open) {
            return Err(format!(
                "{open} … is not allowed in a profile value: only {{{{ }}}} references are"
            ));
        }
    }
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("a {{ is never closed with }}".to_string());
        };
        let inner = after[..end]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        if !is_reference(inner) {
            return Err(format!(
                "{{{{ {} }}}} is not a reference",
                inner.chars().take(60).collect::<String>()
            ));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// `path (| filter)*`, where a path is `name(.name | [digits])*`.
fn is_reference(inner: &str) -> bool {
    let mut parts = inner.split('|').map(str::trim);
    let path = parts.next().unwrap_or("");
    let ident = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut segments = path.split('.');
    let path_ok = segments.all(|seg| {
        let (name, mut indexes) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !ident(name) {
            return false;
        }
        while !indexes.is_empty() {
            let Some(close) = indexes.find(']') else {
                return false;
            };
            let digits = &indexes[1..close];
            if !indexes.starts_with('[')
                || digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return false;
            }
            indexes = &indexes[close + 1..];
        }
        true
    });
    path_ok && parts.all(|f| FILTERS.contains(&f))
}

/// One templated string of the profile.
struct Template {
    /// Where it sits in the tree.
    segments: Vec<Segment>,
    /// Its dotted key path, for messages.
    path: String,
    /// The text as written.
    source: String,
    /// Where it was written.
    loc: Loc,
}

/// Resolves `{{ ... }}` references in every string, against the merged profile.
///
/// References to templated values work in any order; a cycle is reported at every value on
/// it. A value that cannot be rendered keeps its text, and is reported.
pub fn resolve(root: &mut Node) -> Vec<Diagnostic> {
    let mut templates = Vec::new();
    collect(root, &mut Vec::new(), &mut templates);
    if templates.is_empty() {
        return Vec::new();
    }
    let env = bounded_environment(FUEL_PER_VALUE);

    // Check references first, so an unknown one gets a precise message with a suggestion.
    let known = known_paths(root);
    let (references, compiled) = match compile_all(&env, &templates, &known) {
        Ok(both) => both,
        Err(diagnostics) => return diagnostics,
    };

    let graph = Graph::new(&templates, &references);
    let order = graph.components();
    let on_cycle: Vec<usize> = (0..templates.len())
        .filter(|&t| graph.on_cycle(t, &order))
        .collect();
    if !on_cycle.is_empty() {
        return on_cycle
            .into_iter()
            .map(|i| cycle_diagnostic(&templates[i]))
            .collect();
    }

    // Render in dependency order. Sorting by level (one more than the highest level read)
    // and then by position keeps the order of messages the round-based resolution had.
    let level = graph.levels(&order);
    let mut sequence: Vec<usize> = (0..templates.len()).collect();
    sequence.sort_by_key(|&i| (level[i], i));

    let mut diagnostics = Vec::new();
    let mut cache: HashMap<String, minijinja::Value> = HashMap::new();
    let mut fuel_used: u64 = 0;
    let mut bytes_used: usize = 0;
    for i in sequence {
        let t = &templates[i];
        let ctx = context(root, &references[i], &mut cache);
        let room = MAX_VALUE_BYTES.min(MAX_TOTAL_BYTES - bytes_used);
        let mut out = Bounded {
            bytes: Vec::new(),
            room,
            overflowed: false,
        };
        let result = compiled[i].render_captured_to(ctx, &mut out);
        let problem = match result {
            Ok(captured) => {
                fuel_used += captured.state().fuel_levels().map_or(0, |(used, _)| used);
                bytes_used += out.bytes.len();
                // Written through fmt, so whole characters: the conversion cannot fail, and
                // a value that somehow is not text is treated as a failed render.
                match String::from_utf8(out.bytes) {
                    Ok(text) => {
                        if let Value::Str(s) = &mut node_mut(root, &t.segments).value {
                            *s = text;
                        }
                        None
                    }
                    Err(_) => Some("the result is not text".to_string()),
                }
            }
            Err(_) if out.overflowed && room < MAX_VALUE_BYTES => {
                // Every later value would fail the same way: one message says it.
                diagnostics.push(Diagnostic::new(
                    Some(t.loc.clone()),
                    t.path.clone(),
                    format!(
                        "stopped resolving references here: all templated values together would be longer than {} KiB; shorten them",
                        MAX_TOTAL_BYTES / 1024
                    ),
                ));
                break;
            }
            Err(_) if out.overflowed => Some(format!(
                "the value would be longer than {} KiB; shorten the template",
                MAX_VALUE_BYTES / 1024
            )),
            Err(e) if e.kind() == ErrorKind::OutOfFuel => {
                fuel_used += FUEL_PER_VALUE;
                Some(format!(
                    "evaluation takes more than {FUEL_PER_VALUE} steps; simplify the template (loops, repetition)"
                ))
            }
            Err(e) => Some(e.detail().unwrap_or(&e.to_string()).to_string()),
        };
        if let Some(why) = problem {
            diagnostics.push(Diagnostic::new(
                Some(t.loc.clone()),
                t.path.clone(),
                format!("cannot resolve {}: {why}", quote_short(&t.source)),
            ));
        }
        if fuel_used > FUEL_TOTAL {
            // Stop here: going on would let many values each take their full share.
            diagnostics.push(Diagnostic::new(
                Some(t.loc.clone()),
                t.path.clone(),
                format!(
                    "stopped resolving references here: the profile's templates take more than {FUEL_TOTAL} evaluation steps together; simplify them"
                ),
            ));
            break;
        }
    }
    diagnostics
}

/// A minijinja environment within the limits of this module: strict undefined values,
/// [`RECURSION_LIMIT`], `fuel` steps, and no printed value longer than [`MAX_VALUE_BYTES`].
/// Profile values and the files of `templates/` both render in one.
pub(crate) fn bounded_environment(fuel: u64) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_fuel(Some(fuel));
    // Printing a sequence walks all of it even after the writer has failed (`[1]*100000000`
    // is lazy and costs nothing until printed), so its size is checked before printing.
    env.set_formatter(|out, state, value| {
        fits(value, MAX_VALUE_BYTES)?;
        minijinja::escape_formatter(out, state, value)
    });
    env
}

/// The references of each template, and the compiled templates, in the same order.
type Compiled<'e> = (Vec<Vec<String>>, Vec<minijinja::Template<'e, 'e>>);

/// Compiles every template and lists the references each makes; every problem (a statement
/// or literal, too much code, a syntax error, an unknown reference) is reported. On success,
/// `compiled[i]` is template `i`.
fn compile_all<'e>(
    env: &'e Environment<'e>,
    templates: &'e [Template],
    known: &BTreeSet<String>,
) -> Result<Compiled<'e>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut references: Vec<Vec<String>> = Vec::with_capacity(templates.len());
    let mut compiled = Vec::with_capacity(templates.len());
    for t in templates {
        if let Err(why) = references_only(&t.source) {
            diagnostics.push(
                Diagnostic::new(Some(t.loc.clone()), t.path.clone(), why).with_help(
                    "a profile value may only refer to other values, like {{ app.domain }}, \
                     optionally with |lower, |upper or |trim",
                ),
            );
            references.push(Vec::new());
            continue;
        }
        let code = code_chars(&t.source);
        if code > MAX_CODE_CHARS {
            diagnostics.push(Diagnostic::new(
                Some(t.loc.clone()),
                t.path.clone(),
                format!(
                    "shorten the template: it has {code} characters of code inside {{{{ }}}} and {{% %}}, more than the {MAX_CODE_CHARS} a value may have"
                ),
            ));
            references.push(Vec::new());
            continue;
        }
        match env.template_from_str(&t.source) {
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    Some(t.loc.clone()),
                    t.path.clone(),
                    format!("invalid template: {}", e.detail().unwrap_or(&e.to_string())),
                ));
                references.push(Vec::new());
            }
            Ok(compiled_template) => {
                let mut vars: Vec<String> = compiled_template
                    .undeclared_variables(true)
                    .into_iter()
                    .collect();
                vars.sort();
                for var in &vars {
                    if !known.contains(var.as_str()) {
                        let mut d = Diagnostic::new(
                            Some(t.loc.clone()),
                            t.path.clone(),
                            format!("unknown reference `{var}` in {}", quote_short(&t.source)),
                        );
                        if let Some(s) = did_you_mean(var, known.iter().map(String::as_str)) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        diagnostics.push(d);
                    }
                }
                references.push(vars);
                compiled.push(compiled_template);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok((references, compiled))
    } else {
        Err(diagnostics)
    }
}

/// Fails when `value` cannot print in `budget` bytes: every item of a sequence or map prints
/// at least one byte, a string at least its length. Looks at no more than `budget` items.
fn fits(value: &minijinja::Value, budget: usize) -> Result<(), minijinja::Error> {
    use minijinja::value::ValueKind;
    let too_long = || {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "the value would be longer than {} KiB; shorten the template",
                MAX_VALUE_BYTES / 1024
            ),
        )
    };
    let mut left = budget;
    let mut pending = vec![value.clone()];
    while let Some(v) = pending.pop() {
        let cost = match v.kind() {
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
                if v.len().is_some_and(|n| n > left) {
                    return Err(too_long());
                }
                let is_map = v.kind() == ValueKind::Map;
                for item in v.try_iter()? {
                    left = left.checked_sub(1).ok_or_else(too_long)?;
                    if is_map {
                        pending.push(v.get_item(&item)?);
                    }
                    pending.push(item);
                }
                1
            }
            ValueKind::String => v.as_str().map_or(1, str::len),
            _ => 1,
        };
        left = left.checked_sub(cost).ok_or_else(too_long)?;
    }
    Ok(())
}

/// A writer that keeps at most `room` bytes and fails past them, which stops minijinja.
pub(crate) struct Bounded {
    /// What was written.
    pub(crate) bytes: Vec<u8>,
    /// How much may be.
    pub(crate) room: usize,
    /// Whether more was attempted.
    pub(crate) overflowed: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.room {
            self.overflowed = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The context one template is rendered against: the subtrees at the paths it names, each
/// converted once (the cache) since everything a reference covers is final when it is read.
fn context(
    root: &Node,
    references: &[String],
    cache: &mut HashMap<String, minijinja::Value>,
) -> minijinja::Value {
    #[derive(Default)]
    struct Skeleton {
        leaf: Option<minijinja::Value>,
        children: BTreeMap<String, Skeleton>,
    }
    fn build(s: Skeleton) -> minijinja::Value {
        match s.leaf {
            Some(v) => v,
            None => minijinja::Value::from(
                s.children
                    .into_iter()
                    .map(|(k, c)| (k, build(c)))
                    .collect::<BTreeMap<String, minijinja::Value>>(),
            ),
        }
    }
    let mut top = Skeleton::default();
    // Sorted, so a table comes before the keys inside it; a key inside a table already
    // taken whole needs nothing more.
    for reference in references {
        let mut at = &mut top;
        let mut covered = false;
        for key in reference.split('.') {
            if at.leaf.is_some() {
                covered = true;
                break;
            }
            at = at.children.entry(key.to_string()).or_default();
        }
        if covered || at.leaf.is_some() {
            continue;
        }
        let value = cache
            .entry(reference.clone())
            .or_insert_with(|| {
                let segments: Vec<Segment> = reference
                    .split('.')
                    .map(|k| Segment::Key(k.to_string()))
                    .collect();
                let (found, _, depth) = node::lookup(root, &segments);
                if depth == segments.len() {
                    minijinja::Value::from_serialize(node::to_json(found))
                } else {
                    // Unreachable: unknown references are reported before rendering.
                    minijinja::Value::UNDEFINED
                }
            })
            .clone();
        at.leaf = Some(value);
        at.children.clear();
    }
    build(top)
}

fn cycle_diagnostic(t: &Template) -> Diagnostic {
    Diagnostic::new(
        Some(t.loc.clone()),
        t.path.clone(),
        format!(
            "{} never settles: it refers, directly or through other values, to itself",
            quote_short(&t.source)
        ),
    )
}

/// Longest template text quoted in a message; a longer one is cut (the excerpt under the
/// message shows where it is).
const QUOTE_CHARS: usize = 80;

/// `text` quoted as Rust would (control characters escaped), cut to [`QUOTE_CHARS`].
fn quote_short(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return format!("{text:?}");
    }
    let cut: String = text.chars().take(QUOTE_CHARS).collect();
    format!("{cut:?}...")
}

/// Characters of template code in `source`: inside `{{ }}` and `{% %}`, strings and
/// brackets taken into account so that a `}}` inside them does not end the count early
/// (counting too much is safe; counting too little would let a long chain through).
fn code_chars(source: &str) -> usize {
    let chars: Vec<char> = source.chars().collect();
    let mut count = 0;
    let mut i = 0;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('{', '{' | '%') => {
                i += 2;
                let mut quote: Option<char> = None;
                let mut depth = 0usize;
                while i < chars.len() {
                    let c = chars[i];
                    let next = chars.get(i + 1).copied();
                    match quote {
                        Some(q) => {
                            if c == '\\' {
                                count += 1;
                                i += 1;
                            } else if c == q {
                                quote = None;
                            }
                        }
                        None => match c {
                            '"' | '\'' => quote = Some(c),
                            '(' | '[' | '{' => depth += 1,
                            ')' | ']' => depth = depth.saturating_sub(1),
                            '}' if depth > 0 => depth -= 1,
                            '}' | '%' if next == Some('}') && depth == 0 => {
                                i += 2;
                                break;
                            }
                            _ => {}
                        },
                    }
                    count += 1;
                    i += 1;
                }
            }
            ('{', '#') => {
                // A comment: not evaluated, not counted.
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '#' && chars[i + 1] == '}') {
                    i += 1;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    count
}

fn collect(node: &Node, segments: &mut Vec<Segment>, out: &mut Vec<Template>) {
    match &node.value {
        Value::Str(s) if s.contains("{{") || s.contains("{%") || s.contains("{#") => {
            out.push(Template {
                segments: segments.clone(),
                path: node::path_string(segments),
                source: s.clone(),
                loc: node.loc.clone(),
            });
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                segments.push(Segment::Index(i));
                collect(item, segments, out);
                segments.pop();
            }
        }
        Value::Table(t) => {
            for (k, e) in t {
                segments.push(Segment::Key(k.clone()));
                collect(&e.node, segments, out);
                segments.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(mut node: &'a mut Node, segments: &[Segment]) -> &'a mut Node {
    for seg in segments {
        node = match (seg, &mut node.value) {
            (Segment::Key(k), Value::Table(t)) => {
                &mut t.get_mut(k).expect("collected path exists").node
            }
            (Segment::Index(i), Value::Array(a)) => &mut a[*i],
            _ => unreachable!("templating never changes the shape of the tree"),
        };
    }
    node
}

/// Every dotted path through tables in the profile (`app`, `app.domain`, ...).
fn known_paths(root: &Node) -> BTreeSet<String> {
    fn walk(node: &Node, prefix: &str, out: &mut BTreeSet<String>) {
        if let Value::Table(t) = &node.value {
            for (k, e) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                walk(&e.node, &p, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, "", &mut out);
    out
}

#[cfg(test)]
mod grammar_tests {
    use super::references_only;

    #[test]
    fn references_with_safe_filters_are_accepted() {
        for ok in [
            "{{ app.domain }}",
            "https://{{app.domain}}/api",
            "{{- registry.host -}}/{{ app.version | lower }}",
            "{{ backend.config_keys[0] | upper | trim }}",
            "plain {{ a_b.c1 }} text",
        ] {
            assert_eq!(references_only(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn statements_operators_literals_and_calls_are_refused() {
        for bad in [
            "{% for i in range(10) %}x{% endfor %}",
            "{# comment #}",
            "{{ [1]*100000000 }}",
            "{{ a ~ a }}",
            "{{ 'x' }}",
            "{{ app.domain | replace('a', 'aaaa') }}",
            "{{ range(5) }}",
            "{{ app..domain }}",
            "{{ app.domain[x] }}",
            "{{ app.domain",
            "{{ }}",
        ] {
            assert!(references_only(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_counted_inside_delimiters_only() {
        assert_eq!(code_chars("plain {text}"), 0);
        assert_eq!(code_chars("{{ a }}/x"), 3);
        assert_eq!(code_chars("{# a long comment #}{%x%}"), 1);
        // A `}}` inside a string or a dict literal does not end the code.
        assert_eq!(code_chars("{{ '}}' ~ a.b }}"), 12);
        assert_eq!(code_chars("{{ {'a': {'b': 1}} }}"), 17);
    }
}
