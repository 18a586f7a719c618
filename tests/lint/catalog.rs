//! The rule catalogue against its documentation: the README's rule table lists every rule
//! with its code, severity and title, and nothing else.

use magnetiq_gen::lint;

/// The README's rule table as the catalogue says it must read.
fn expected_table() -> Vec<String> {
    lint::rules()
        .iter()
        .map(|r| format!("| {} | {} | {} |", r.id, r.severity, r.title))
        .collect()
}

#[test]
fn the_readme_rule_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Lint\n")
        .nth(1)
        .expect("README has a ## Lint section")
        .split("\n## ")
        .next()
        .unwrap_or("");
    let rows: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| MG"))
        .map(str::to_string)
        .collect();
    let expected = expected_table();
    assert!(
        rows == expected,
        "the rule table in README.md (## Lint) differs from the catalogue; it should read:\n\n\
         | id | severity | rule |\n| --- | --- | --- |\n{}\n",
        expected.join("\n")
    );
}

#[test]
fn every_rule_code_is_its_own_and_in_order() {
    for (i, rule) in lint::Rule::ALL.iter().enumerate() {
        assert_eq!(rule.code(), format!("MG{:03}", i + 1));
        assert_eq!(rule.doc().id, *rule);
        assert_eq!(rule.to_string(), rule.code());
    }
    assert_eq!(lint::rules().len(), lint::Rule::COUNT);
}
