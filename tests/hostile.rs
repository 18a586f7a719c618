//! Tests that attack: every class of abuse from issue 10, each reproduced against the tool.
//!
//! Each module owns one surface: the output tree (links, crashes, races, drift), profile input
//! (files, templates, references, overrides), rendered objects the API server would refuse or
//! alter, and the plugin and process edges (environment, secrets in messages).

#[path = "hostile/edges.rs"]
mod edges;
#[path = "hostile/input.rs"]
mod input;
#[path = "hostile/objects.rs"]
mod objects;
#[path = "hostile/tree.rs"]
mod tree;
