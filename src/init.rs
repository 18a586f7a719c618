//! The profiles `magnetiq-gen init` writes: copies of the shipped ones, embedded in the
//! binary so the tool works outside this repository.

/// (file name, text) of every shipped profile and the schema editors use.
pub const FILES: &[(&str, &str)] = &[
    ("base.toml", include_str!("../profiles/base.toml")),
    (
        "production.toml",
        include_str!("../profiles/production.toml"),
    ),
    (
        "production-ha.toml",
        include_str!("../profiles/production-ha.toml"),
    ),
    ("staging.toml", include_str!("../profiles/staging.toml")),
    ("dev.toml", include_str!("../profiles/dev.toml")),
    ("example.toml", include_str!("../profiles/example.toml")),
    ("schema.json", include_str!("../profiles/schema.json")),
];

/// (file name, text) of every shipped template (`templates/`, next to `profiles/`): the
/// example profile uses them.
pub const TEMPLATES: &[(&str, &str)] = &[(
    "uptime-check.yaml.j2",
    include_str!("../templates/uptime-check.yaml.j2"),
)];
