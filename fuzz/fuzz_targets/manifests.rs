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
    // The shipped profiles, as `init` writes them: the imported profile extends base.
    let mut files: Vec<(String, Vec<u8>)> = magnetiq_gen::init::FILES
        .iter()
        .filter_map(|(name, text)| Some((name.strip_suffix(".toml")?.to_string(), text.as_bytes().to_vec())))
        .collect();
    let Ok(imported) = magnetiq_gen::import::import(&objects, &MemStore { files: files.clone() }, "base") else {
        panic!("base is there, so import cannot fail");
    };
    // The imported profile must load and render or be refused, never panic.
    files.push(("imported".to_string(), imported.profile.into_bytes()));
    let store = MemStore { files };
    if let Ok(manifest) = magnetiq_gen::render(&store, "imported") {
        let _ = magnetiq_gen::output::stream(&manifest);
    }
});
