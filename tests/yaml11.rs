//! Every string a profile sets must reach the cluster as exactly that string. Kubernetes
//! tooling reads YAML with 1.1 rules (`yes`, `on`, `n`, `0755`, `12:30` are not strings
//! there), so the output is read back here by a YAML 1.1 reader: plain scalars are resolved
//! with the YAML 1.1 type regular expressions (bool, null, int, float, timestamp), and the
//! result must equal the objects as rendered.

use magnetiq_gen::profile::MemStore;
use magnetiq_gen::yaml::to_yaml;
use regex::Regex;
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

/// Resolves a plain scalar under YAML 1.1 (yaml.org/type, as PyYAML and go-yaml v2 do).
fn resolve_plain(s: &str) -> Value {
    let re = |r: &str| Regex::new(&format!("^(?:{r})$")).unwrap();
    if re("y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON").is_match(s) {
        return Value::Bool(true);
    }
    if re("n|N|no|No|NO|false|False|FALSE|off|Off|OFF").is_match(s) {
        return Value::Bool(false);
    }
    if re("~|null|Null|NULL|").is_match(s) {
        return Value::Null;
    }
    let int = r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+";
    if re(int).is_match(s) {
        // Only plain decimal integers are ever emitted on purpose; any other spelling that
        // resolves to an int is reported as a non-string that cannot be compared.
        return s
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(format!("<int {s}>")));
    }
    let float = r"[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+";
    if re(float).is_match(s) {
        return Value::String(format!("<float {s}>"));
    }
    let timestamp = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?";
    if re(timestamp).is_match(s) {
        return Value::String(format!("<timestamp {s}>"));
    }
    Value::String(s.to_string())
}

/// Reads one YAML document into JSON with YAML 1.1 scalar resolution.
fn read_yaml11(text: &str) -> Value {
    let events: Vec<Event> = Parser::new_from_str(text)
        .map(|r| r.expect("valid YAML").0)
        .collect();
    let mut pos = 0;
    while !matches!(events[pos], Event::DocumentStart(_)) {
        pos += 1;
    }
    pos += 1;
    node(&events, &mut pos)
}

fn node(events: &[Event], pos: &mut usize) -> Value {
    let e = &events[*pos];
    *pos += 1;
    match e {
        Event::Scalar(v, style, _, tag) => {
            assert!(tag.is_none(), "no tags are expected in the output");
            if *style == ScalarStyle::Plain {
                resolve_plain(v)
            } else {
                Value::String(v.to_string())
            }
        }
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            while !matches!(events[*pos], Event::SequenceEnd) {
                items.push(node(events, pos));
            }
            *pos += 1;
            Value::Array(items)
        }
        Event::MappingStart(..) => {
            let mut map = Map::new();
            while !matches!(events[*pos], Event::MappingEnd) {
                let key = match node(events, pos) {
                    Value::String(s) => s,
                    other => panic!("a YAML 1.1 reader sees the key {other} as a non-string"),
                };
                map.insert(key, node(events, pos));
            }
            *pos += 1;
            Value::Object(map)
        }
        other => panic!("unexpected event {other:?}"),
    }
}

const AWKWARD: [&str; 44] = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "NO",
    "Yes",
    "ON",
    "true",
    "False",
    "~",
    "null",
    "",
    "0755",
    "0x1F",
    "0b101",
    "1e3",
    "1_000",
    "12:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "+1",
    "-1",
    ".inf",
    "-.Inf",
    ".NaN",
    "3.0",
    "1.",
    "-",
    "'quoted'",
    "\"double\"",
    "# hash",
    "a: b",
    "- item",
    "@at",
    "*star",
    "&amp",
    "!bang",
    "%pct",
    "{x}",
    " leading",
    "trailing ",
];

fn awkward_profile() -> MemStore {
    let base = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/base.toml")).unwrap();
    let mut child = String::from(
        "extends = \"base\"\n\n[app.labels]\nflag = \"yes\"\nmode = \"0755\"\nn = \"n\"\n\n[ingress.annotations]\n\"example.com/on\" = \"on\"\n\"example.com/time\" = \"12:30\"\n\n[backend.env]\nFEATURE_X = \"off\"\n\n[config]\n",
    );
    for (i, v) in AWKWARD
        .iter()
        .chain(["multi\nline", "tab\there", "back\\slash", "ünïcödé"].iter())
        .enumerate()
    {
        child.push_str(&format!("AWKWARD_{i:02} = {}\n", toml_string(v)));
    }
    MemStore {
        files: vec![
            ("base".into(), base),
            ("awkward".into(), child.into_bytes()),
        ],
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn awkward_strings_read_back_as_the_same_strings_under_yaml_1_1() {
    let manifest =
        magnetiq_gen::render(&awkward_profile(), "awkward").unwrap_or_else(|e| panic!("{e}"));
    let mut checked = 0;
    for object in manifest.objects_in_apply_order() {
        let expected = serde_json::to_value(object).unwrap();
        let yaml = to_yaml(object);
        let read = read_yaml11(&yaml);
        assert_eq!(
            read,
            expected,
            "{} reads differently under YAML 1.1:\n{yaml}",
            object.id()
        );
        checked += 1;
    }
    assert!(checked > 10);
    // The test would be worthless if the values never reached the output.
    let cm = manifest
        .objects_in_apply_order()
        .into_iter()
        .find(|o| o.kind() == "ConfigMap")
        .unwrap();
    let data = serde_json::to_value(cm).unwrap()["data"].clone();
    for (i, v) in AWKWARD.iter().enumerate() {
        assert_eq!(
            data[format!("AWKWARD_{i:02}")],
            Value::String(v.to_string())
        );
    }
}

#[test]
fn the_yaml_1_1_reader_is_not_fooled_by_plain_scalars() {
    // The check above is only as good as this reader: it must see these as non-strings.
    for s in [
        "yes",
        "NO",
        "on",
        "y",
        "~",
        "0755",
        "12:30",
        "1e3",
        "2024-01-01",
        ".inf",
    ] {
        assert_ne!(resolve_plain(s), Value::String(s.to_string()), "{s}");
    }
    assert_eq!(
        read_yaml11("a: yes\nb: 'yes'\n"),
        serde_json::json!({"a": true, "b": "yes"})
    );
}
