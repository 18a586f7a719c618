//! Feeds arbitrary bytes to the profile loader and renderer; any panic is a bug (an error
//! is the expected answer to bad input).
//!
//! The first byte chooses the entry path:
//! - even: the rest is profile "fuzz" next to the real base.toml, so `extends = "base"`
//!   merges with real defaults and reaches validation and rendering;
//! - odd: the rest is profile "fuzz" alone, so it is its own base (and `extends` of a
//!   missing or self-referencing profile is exercised).

#![no_main]

use libfuzzer_sys::fuzz_target;
use magnetiq_gen::profile::MemStore;

const BASE: &[u8] = include_bytes!("../../profiles/base.toml");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, profile)) = data.split_first() else {
        return;
    };
    let mut files = vec![("fuzz".to_string(), profile.to_vec())];
    if mode % 2 == 0 {
        files.push(("base".to_string(), BASE.to_vec()));
    }
    let store = MemStore { files };
    if let Ok(manifest) = magnetiq_gen::render(&store, "fuzz") {
        // What renders must also serialize: the YAML writer has `expect`s of its own.
        let _ = magnetiq_gen::output::stream(&manifest);
        let _ = magnetiq_gen::output::tree(&manifest);
    }
});
