//! The deployment diagram: its edges follow the objects, and the README's copy is current.

use magnetiq_gen::graph::{Format, render};
use magnetiq_gen::profile::DirStore;

fn manifest(name: &str) -> magnetiq_gen::Manifest {
    let store = DirStore::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"));
    magnetiq_gen::render(&store, name).unwrap()
}

#[test]
fn the_readme_embeds_the_current_production_diagram() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let expected = format!(
        "<!-- graph:production -->\n```mermaid\n{}```\n<!-- /graph -->",
        render(&manifest("production"), Format::Mermaid)
    );
    assert!(
        readme.contains(&expected),
        "README.md's diagram is stale; replace the block between the graph markers with the output of:\n    cargo run -- graph --profile production"
    );
}

#[test]
fn staging_s_diagram_routes_through_its_gateway_and_httproute() {
    let g = render(&manifest("staging"), Format::Mermaid);
    for edge in [
        "gateway_magnetiq_gateway -->|\"listener https\"| httproute_magnetiq_route",
        "gateway_magnetiq_gateway -->|\"listener http\"| httproute_magnetiq_redirect",
        "httproute_magnetiq_route -->|\"staging.magnetiq.voltaic.systems /api",
        "httproute_magnetiq_route -->|\"staging.magnetiq.voltaic.systems /\"| service_magnetiq_frontend",
    ] {
        assert!(g.contains(edge), "missing {edge} in\n{g}");
    }
    assert!(
        !g.contains("ingress_magnetiq"),
        "no Ingress in staging: {g}"
    );
}

#[test]
fn the_diagram_shows_routes_storage_config_scaling_and_policy_edges() {
    let g = render(&manifest("production"), Format::Mermaid);
    for edge in [
        "ingress_magnetiq_ingress -->|\"magnetiq.voltaic.systems /api",
        "service_magnetiq_backend -->|\"selects\"| deployment_magnetiq_backend",
        "deployment_magnetiq_backend -->|\"mounts\"| persistentvolumeclaim_magnetiq_data_pvc",
        "persistentvolumeclaim_magnetiq_data_pvc -->|\"class\"| storageclass_longhorn_ssd",
        "deployment_magnetiq_backend -->|\"env\"| secret_magnetiq_secrets",
        "horizontalpodautoscaler_magnetiq_frontend -->|\"scales\"| deployment_magnetiq_frontend",
        "ns_ingress_nginx -->|\"allowed in :4036\"| deployment_magnetiq_backend",
        "deployment_magnetiq_backend -->|\"allowed out :443,587\"| internet",
    ] {
        assert!(g.contains(edge), "missing {edge} in\n{g}");
    }
    // dev has no Longhorn, no autoscaler, no policies: none of those edges may appear.
    let dev = render(&manifest("dev"), Format::Dot);
    assert!(dev.starts_with("digraph \"dev\""));
    assert!(
        !dev.contains("storageclass") && !dev.contains("scales") && !dev.contains("allowed"),
        "{dev}"
    );
}
