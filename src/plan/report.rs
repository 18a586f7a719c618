//! A plan as text for people (grouped like a Terraform plan, coloured on request) and as a
//! JSON document for bots. The JSON schema is documented in the README ("Plan: what a change
//! does to the cluster"); `version` changes whenever a field changes meaning or goes away.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Action, Change, Class, Plan, Unreadable};

/// The version of the JSON document's schema.
pub const JSON_VERSION: u32 = 1;

const RESET: &str = "\x1b[0m";

fn paint(colour: bool, code: &str, s: &str) -> String {
    if colour {
        format!("\x1b[{code}m{s}{RESET}")
    } else {
        s.to_string()
    }
}

impl Action {
    fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    fn sign(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
        }
    }
}

impl Class {
    fn word(self) -> &'static str {
        match self {
            Class::Rejected => "rejected",
            Class::Data => "data",
            Class::Downtime => "downtime",
            Class::Restart => "restart",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Class::Rejected | Class::Data => "1;31",
            Class::Downtime => "33",
            Class::Restart => "2",
        }
    }
}

fn counts(plan: &Plan) -> (BTreeMap<Action, usize>, BTreeMap<Class, usize>) {
    let mut actions = BTreeMap::new();
    let mut classes = BTreeMap::new();
    for c in &plan.changes {
        *actions.entry(c.action).or_insert(0) += 1;
        for k in &c.consequences {
            *classes.entry(k.class).or_insert(0) += 1;
        }
    }
    (actions, classes)
}

/// The plan for people: a summary line, then the changes grouped by action, each with its
/// changed fields and consequences. ANSI colours only when `colour` (the binary decides:
/// a terminal, and no `NO_COLOR`).
pub fn to_text(plan: &Plan, colour: bool) -> String {
    if plan.is_empty() {
        return "No changes: the tree matches a fresh render.\n".into();
    }
    let (actions, classes) = counts(plan);
    let n = |a: Action| actions.get(&a).copied().unwrap_or(0);
    let mut out = format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete.\n",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    );
    if !classes.is_empty() {
        let parts: Vec<String> = classes
            .iter()
            .map(|(c, k)| format!("{k} {}", c.word()))
            .collect();
        out.push_str(&format!("Consequences: {}.\n", parts.join(", ")));
    }
    let mut current = None;
    for change in &plan.changes {
        if current != Some(change.action) {
            current = Some(change.action);
            out.push('\n');
            out.push_str(&paint(colour, change.action.colour(), change.action.word()));
            out.push_str(":\n");
        }
        change_text(change, colour, &mut out);
    }
    if !plan.unreadable.is_empty() {
        out.push_str("\nnot read (plan cannot tell what they hold):\n");
        for Unreadable { file, reason } in &plan.unreadable {
            out.push_str(&format!("  ? {file}: {reason}\n"));
        }
    }
    if plan.is_blocking() {
        out.push_str(&format!(
            "\n{}: some changes are rejected by the API server or put data at risk; \
             see the runbooks in the README (\"Plan: what a change does to the cluster\").\n",
            paint(colour, "1;31", "blocking")
        ));
    }
    crate::report::printable(&out).into_owned()
}

fn change_text(change: &Change, colour: bool, out: &mut String) {
    let sign = paint(colour, change.action.colour(), change.action.sign());
    out.push_str(&format!("  {sign} {} ({})\n", change.key, change.file));
    for f in &change.fields {
        out.push_str(&format!("      changed: {f}\n"));
    }
    for c in &change.consequences {
        let label = paint(colour, c.class.colour(), c.class.word());
        out.push_str(&format!("      {label}: {}\n", c.message));
        if let Some(instead) = &c.instead {
            out.push_str(&format!("        instead: {instead}\n"));
        }
    }
}

/// The JSON document's top level.
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    blocking: bool,
    summary: Summary,
    changes: &'a [Change],
    unreadable: &'a [Unreadable],
}

#[derive(Serialize)]
struct Summary {
    create: usize,
    update: usize,
    replace: usize,
    delete: usize,
    rejected: usize,
    data: usize,
    downtime: usize,
    restart: usize,
}

/// The plan as a JSON document (schema version [`JSON_VERSION`], see the README).
pub fn to_json(plan: &Plan) -> String {
    let (actions, classes) = counts(plan);
    let a = |x: Action| actions.get(&x).copied().unwrap_or(0);
    let c = |x: Class| classes.get(&x).copied().unwrap_or(0);
    let doc = Document {
        version: JSON_VERSION,
        blocking: plan.is_blocking(),
        summary: Summary {
            create: a(Action::Create),
            update: a(Action::Update),
            replace: a(Action::Replace),
            delete: a(Action::Delete),
            rejected: c(Class::Rejected),
            data: c(Class::Data),
            downtime: c(Class::Downtime),
            restart: c(Class::Restart),
        },
        changes: &plan.changes,
        unreadable: &plan.unreadable,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a plan serializes");
    s.push('\n');
    s
}
