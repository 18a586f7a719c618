//! Reading the templates a profile uses (`templates.use`) from its store, into the sources
//! that errors quote.

use super::ProfileStore;
use crate::profile::extensions::{TemplateFile, is_template_name};
use crate::profile::node::{Node, Segment, lookup};
use crate::report::{Diagnostic, did_you_mean};
use crate::source::Sources;

/// Reads each template named in `uses`; every one missing or unreadable is a problem at the
/// place the profile names it. Names that are no template names are validation's to report.
pub(super) fn read(
    store: &dyn ProfileStore,
    sources: &mut Sources,
    root: &Node,
    uses: &[String],
) -> Result<Vec<TemplateFile>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, name) in uses.iter().enumerate() {
        let segs = [
            Segment::Key("templates".into()),
            Segment::Key("use".into()),
            Segment::Index(i),
        ];
        let loc = lookup(root, &segs).0.loc.clone();
        let path = format!("templates.use[{i}]");
        if !is_template_name(name) {
            continue;
        }
        if uses[..i].contains(name) {
            problems.push(Diagnostic::new(
                Some(loc),
                path,
                format!("template {name} is listed twice"),
            ));
            continue;
        }
        match store.read_template(name) {
            Ok(Some((display, bytes))) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let file = sources.add(display, text);
                    out.push(TemplateFile {
                        name: name.clone(),
                        file,
                        named_at: loc,
                    });
                }
                Err(_) => problems.push(Diagnostic::new(
                    Some(loc),
                    path,
                    format!("template {display} is not UTF-8 text"),
                )),
            },
            Ok(None) => {
                let known = store.template_names();
                let mut d = Diagnostic::new(
                    Some(loc),
                    path,
                    format!(
                        "no template {name}: the file templates/{name}{} does not exist next to the profiles directory or in the working directory{}",
                        super::TEMPLATE_SUFFIX,
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (templates there: {})", known.join(", "))
                        }
                    ),
                );
                if let Some(s) = did_you_mean(name, known.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean {s:?}?"));
                }
                problems.push(d);
            }
            Err(e) => problems.push(Diagnostic::new(Some(loc), path, e.to_string())),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
