//! Feeds arbitrary text to `lint --dir` and `import` as a tree of manifest files: the YAML
//! loader, every lint rule, the report, the importer, and the renderer on the imported
//! profile. Any panic is a bug; an error is the right answer to bad input.
//!
//! Input format: files separated by NUL bytes; in each, the first line is the file's path
//! relative to the tree (e.g. `argocd-application.yaml` or `backend/deployment.yaml`, which
//! the ArgoCD rules look at) and the rest is its YAML text. Bytes that are not UTF-8 are
//! replaced, as a file that `load_dir` could not read never reaches the rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use magnetiq_gen::profile::MemStore;

fuzz_target!(|data: &[u8]| {
    let files: Vec<(String, String)> = data
        .split(|&b| b == 0)
        .map(|chunk| {
            let text = String::from_utf8_lossy(chunk);
            match text.split_once('\n') {
                Some((path, yaml)) => (path.to_string(), yaml.to_string()),
                None => ("manifest.yaml".to_string(), text.into_owned()),
            }
        })
        .collect();
    let Ok(objects) = magnetiq_gen::lint::load_texts(&files) else {
        return;
    };
    let findings = magnetiq_gen::lint::lint(&objects);
    let _ = magnetiq_gen::lint::report(&findings);
    let imported = magnetiq_gen::import::import(&objects);
    // The imported profile stands alone; it must load and render or be refused, never panic.
    let store = MemStore {
        files: vec![("imported".to_string(), imported.profile.into_bytes())],
    };
    if let Ok(manifest) = magnetiq_gen::render(&store, "imported") {
        let _ = magnetiq_gen::output::stream(&manifest);
    }
});
