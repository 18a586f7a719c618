//! crd-check: checks rendered custom resources against types generated from their upstream
//! CRDs, the way an API server with strict field validation (`kubectl apply --validate=strict`)
//! would, and fails closed.
//!
//!   crd-check FILE.json...   one object per file; exit 0 all valid, 1 any invalid, 2 bad input
//!   crd-check --list         the (apiVersion, kind) pairs it has an upstream schema for
//!
//! The types come from the kcr_* crates (kube-custom-resources-rs: kopium output of each
//! project's CRD, pinned in Cargo.toml). Serde ignores unknown fields, but an API server drops
//! them (or, with strict validation, refuses them), so a misspelt field would vanish silently.
//! serde_ignored reports every key the types have no field for: an object schema with
//! properties is a struct here, so it is closed; `additionalProperties` became a map and
//! `x-kubernetes-preserve-unknown-fields` (without properties) a `serde_json::Value`, which
//! keep every key, exactly where the CRD allows unknown keys.
//!
//! Caveat, towards failing: where a CRD sets preserve-unknown-fields on an object that also
//! lists properties, kopium emits a closed struct; such paths are in PRESERVED below.

use std::process::ExitCode;

use kube::Resource;
use serde::de::DeserializeOwned;
use serde_ignored::Path;
use serde_json::Value;

/// Checks one object against one generated type; returns what is wrong with it.
type Check = fn(&Value) -> Vec<String>;

/// Every custom resource magnetiq-gen may render, keyed by the type's own apiVersion and kind
/// (stated once, by the generated type). An object whose pair is not here has no upstream
/// schema and fails. CI requires every kind here to appear in a rendered stream, so list only
/// what magnetiq-gen renders. To add a kind: its kcr_* crate in Cargo.toml (exact version, with
/// the upstream comment) and one line here.
fn kinds() -> Vec<(String, String, &'static str, Check)> {
    fn entry<T: Resource<DynamicType = ()> + DeserializeOwned>()
    -> (String, String, &'static str, Check) {
        let krate = std::any::type_name::<T>()
            .split("::")
            .next()
            .unwrap_or_default();
        (
            T::api_version(&()).into_owned(),
            T::kind(&()).into_owned(),
            krate,
            check::<T>,
        )
    }
    vec![
        entry::<kcr_argoproj_io::v1alpha1::applications::Application>(),
        entry::<kcr_barmancloud_cnpg_io::v1::objectstores::ObjectStore>(),
        entry::<kcr_bitnami_com::v1alpha1::sealedsecrets::SealedSecret>(),
        entry::<kcr_external_secrets_io::v1::externalsecrets::ExternalSecret>(),
        entry::<kcr_gateway_networking_k8s_io::v1::gateways::Gateway>(),
        entry::<kcr_gateway_networking_k8s_io::v1::httproutes::HttpRoute>(),
        entry::<kcr_longhorn_io::v1beta2::recurringjobs::RecurringJob>(),
        entry::<kcr_monitoring_coreos_com::v1::podmonitors::PodMonitor>(),
        entry::<kcr_monitoring_coreos_com::v1::prometheusrules::PrometheusRule>(),
        entry::<kcr_monitoring_coreos_com::v1::servicemonitors::ServiceMonitor>(),
        entry::<kcr_postgresql_cnpg_io::v1::clusters::Cluster>(),
        entry::<kcr_postgresql_cnpg_io::v1::poolers::Pooler>(),
        entry::<kcr_postgresql_cnpg_io::v1::scheduledbackups::ScheduledBackup>(),
        entry::<kcr_traefik_io::v1alpha1::middlewares::Middleware>(),
        entry::<kcr_traefik_io::v1alpha1::serverstransports::ServersTransport>(),
    ]
}

/// (kind, path prefix) where the upstream CRD sets x-kubernetes-preserve-unknown-fields on an
/// object that also lists properties, so unknown keys below it are kept by the API server.
const PRESERVED: &[(&str, &str)] = &[
    // sealed-secrets CRD: spec.template.metadata lists annotations, finalizers, labels, name,
    // namespace and preserves the rest.
    ("SealedSecret", "spec.template.metadata."),
];

/// Deserializes `doc` into `T`, collecting every key `T` has no field for and the first
/// type error (serde stops there), each with its path.
fn check<T: DeserializeOwned>(doc: &Value) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut note = |p: Path| unknown.push(path(&p));
    let result: Result<T, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(doc, &mut note));
    let kind = doc["kind"].as_str().unwrap_or_default();
    let mut problems: Vec<String> = unknown
        .into_iter()
        // The derived root type reads apiVersion and kind as unknown keys; both were matched
        // against the type before it was chosen.
        .filter(|p| p != "apiVersion" && p != "kind")
        .filter(|p| {
            !PRESERVED
                .iter()
                .any(|(k, prefix)| *k == kind && p.starts_with(prefix))
        })
        .map(|p| format!("{p}: unknown field (not in the upstream CRD)"))
        .collect();
    if let Err(e) = result {
        problems.push(format!("{}: {}", e.path(), e.inner()));
    }
    problems
}

/// `spec.endpoints[0].portName`, as kubectl names fields.
fn path(p: &Path) -> String {
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path(parent)),
        Path::Map { parent, key } => match path(parent) {
            s if s.is_empty() => key.clone(),
            s => format!("{s}.{key}"),
        },
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path(parent),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kinds = kinds();
    if args.is_empty() {
        eprintln!("usage: crd-check FILE.json... | crd-check --list");
        return ExitCode::from(2);
    }
    if args == ["--list"] {
        for (api_version, kind, krate, _) in &kinds {
            println!("{api_version} {kind} {krate}");
        }
        return ExitCode::SUCCESS;
    }
    let mut failed = false;
    for file in &args {
        let doc: Value = match std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(doc) => doc,
            Err(e) => {
                eprintln!("error: cannot read {file}: {e}");
                return ExitCode::from(2);
            }
        };
        let api_version = doc["apiVersion"].as_str().unwrap_or("<none>");
        let kind = doc["kind"].as_str().unwrap_or("<none>");
        let name = doc["metadata"]["name"].as_str().unwrap_or("<none>");
        let what = format!("{kind}/{name} ({api_version})");
        let Some((_, _, krate, check)) = kinds
            .iter()
            .find(|(a, k, _, _)| a == api_version && k == kind)
        else {
            failed = true;
            println!("FAIL {what}: no upstream CRD schema for this apiVersion and kind");
            continue;
        };
        let problems = check(&doc);
        if problems.is_empty() {
            println!("ok   {what}: upstream CRD schema from {krate}");
        } else {
            failed = true;
            println!("FAIL {what} against {krate}:");
            for p in problems {
                println!("       {p}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
