//! Load + validate + render of each shipped profile, and of 1,000 generated profiles.

use criterion::{Criterion, criterion_group, criterion_main};
use magnetiq_gen::profile::{DirStore, MemStore, load::deployable};
use std::hint::black_box;

fn profiles_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/profiles").to_string()
}

fn shipped(c: &mut Criterion) {
    let store = DirStore::new(profiles_dir());
    // Read once, so the benchmark measures the work, not the page cache.
    let files = deployable(&store)
        .into_iter()
        .chain(["base".to_string()])
        .map(|n| {
            let bytes = std::fs::read(format!("{}/{n}.toml", profiles_dir())).unwrap();
            (n, bytes)
        })
        .collect();
    let mem = MemStore { files };
    for name in deployable(&store) {
        c.bench_function(
            &format!("render {name} (load, validate, build, YAML)"),
            |b| {
                b.iter(|| {
                    let m = magnetiq_gen::render(&mem, black_box(&name)).unwrap();
                    black_box(magnetiq_gen::output::tree(&m))
                })
            },
        );
    }
}

/// 1,000 environments that differ in namespace, domain and size, all extending base.
fn generated(c: &mut Criterion) {
    let base = std::fs::read(format!("{}/base.toml", profiles_dir())).unwrap();
    let mut files = vec![("base".to_string(), base)];
    for i in 0..1000 {
        let text = format!(
            "extends = \"base\"\n[app]\nnamespace = \"tenant-{i}\"\ndomain = \"t{i}.magnetiq.example.com\"\n[frontend]\nreplicas = {}\n",
            1 + i % 5
        );
        files.push((format!("tenant-{i}"), text.into_bytes()));
    }
    let mem = MemStore { files };
    let names: Vec<String> = (0..1000).map(|i| format!("tenant-{i}")).collect();
    let mut group = c.benchmark_group("1000 profiles");
    group.sample_size(10);
    group.bench_function("render all, one thread", |b| {
        b.iter(|| {
            for n in &names {
                black_box(magnetiq_gen::output::tree(
                    &magnetiq_gen::render(&mem, n).unwrap(),
                ));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, shipped, generated);
criterion_main!(benches);
