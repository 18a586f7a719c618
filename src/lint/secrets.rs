//! Secrets: values in manifests (placeholders, plain values), and the objects that write a
//! Secret (a manifest, an ExternalSecret, a SealedSecret) and must not compete for it.

use serde_json::Value;

use super::value::{Obj, get_arr, get_map, get_str, same_ns};
use super::{Linter, Out, Rule};
use crate::rules::is_placeholder;

/// Decodes a Secret's `data` value as the API server does (Go's standard base64 with
/// padding, line breaks ignored); None when it is not valid base64, which the API server
/// would refuse. The one decoder for lint and import.
pub fn decode_secret_data(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    // Go's decoder ignores leftover bits in the last character; so does this one.
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let compact: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    GO_STD.decode(compact).ok()
}

/// MG013 and MG014: a Secret's values, by key name only.
pub(super) fn check_secret(o: &Obj<'_>, out: &mut Out) {
    let mut keys: Vec<&str> = Vec::new();
    let mut placeholders: Vec<&str> = Vec::new();
    if let Some(m) = get_map(o.v, &["stringData"]) {
        for (k, v) in m {
            keys.push(k);
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            if is_placeholder(&s) {
                placeholders.push(k);
            }
        }
    }
    if let Some(m) = get_map(o.v, &["data"]) {
        for (k, v) in m {
            keys.push(k);
            let decoded = v
                .as_str()
                .and_then(decode_secret_data)
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            if v.is_null() || decoded.is_some_and(|d| is_placeholder(&d)) {
                placeholders.push(k);
            }
        }
    }
    // Key names only: a finding must never carry a Secret's value.
    if !placeholders.is_empty() {
        out.push((
            Rule::PlaceholderSecret,
            format!(
                "{} key(s) hold a placeholder or empty value: {}",
                placeholders.len(),
                placeholders.join(", ")
            ),
        ));
    }
    if !keys.is_empty() {
        out.push((
            Rule::SecretValuesInManifest,
            format!(
                "the manifest carries values for {} key(s): {}",
                keys.len(),
                keys.join(", ")
            ),
        ));
    }
}

/// The name of the Secret an ExternalSecret or SealedSecret writes, when it writes one. An
/// ExternalSecret's `spec.target.name` defaults to its own name; with `creationPolicy`
/// `Merge` or `None` it writes into a Secret someone else creates, so it creates none.
fn written_secret<'o>(o: &Obj<'o>) -> Option<&'o str> {
    match o.kind {
        "ExternalSecret" => {
            let policy = get_str(o.v, &["spec", "target", "creationPolicy"]);
            (!matches!(policy, Some("Merge" | "None")))
                .then(|| get_str(o.v, &["spec", "target", "name"]).unwrap_or(o.name))
        }
        "SealedSecret" => {
            Some(get_str(o.v, &["spec", "template", "metadata", "name"]).unwrap_or(o.name))
        }
        _ => None,
    }
}

impl<'a> Linter<'a> {
    /// A Secret is in the set when declared, or when an ExternalSecret or SealedSecret in
    /// the set creates it, or when it is the application Secret a CloudNativePG Cluster in
    /// the set generates (`<cluster>-app`, for its `bootstrap.initdb` owner).
    pub(super) fn has_secret(&self, ns: &str, name: &str) -> bool {
        self.objs.iter().any(|o| {
            same_ns(o.ns, ns)
                && match o.kind {
                    "Secret" => o.name == name,
                    "Cluster"
                        if get_str(o.v, &["apiVersion"])
                            .is_some_and(|a| a.starts_with("postgresql.cnpg.io/")) =>
                    {
                        name.strip_suffix("-app") == Some(o.name)
                    }
                    _ => written_secret(o) == Some(name),
                }
        })
    }

    /// MG039: a declared Secret that an ExternalSecret or SealedSecret also writes.
    pub(super) fn check_secret_owners(&self, o: &Obj<'a>, out: &mut Out) {
        for w in &self.objs {
            if same_ns(w.ns, o.ns) && written_secret(w) == Some(o.name) {
                out.push((
                    Rule::SecretWithTwoOwners,
                    format!(
                        "{} {} also writes Secret {}: the manifest and the controller compete for it",
                        w.kind, w.name, o.name
                    ),
                ));
            }
        }
    }
}

/// An object's ArgoCD sync wave (`argocd.argoproj.io/sync-wave`; 0 when absent, as ArgoCD
/// takes it).
fn sync_wave(o: &Obj<'_>) -> i64 {
    get_str(
        o.v,
        &["metadata", "annotations", "argocd.argoproj.io/sync-wave"],
    )
    .and_then(|w| w.trim().parse().ok())
    .unwrap_or(0)
}

impl<'a> Linter<'a> {
    /// MG050: a workload reads (by `secretKeyRef` or `envFrom`) a Secret that an
    /// ExternalSecret, SealedSecret or CloudNativePG Cluster in the set makes in the same or a
    /// later sync wave. Hooks (a PostSync Job) run after every wave and are left out.
    pub(super) fn check_secret_order(&self, o: &Obj<'a>, out: &mut Out) {
        if get_str(o.v, &["metadata", "annotations", "argocd.argoproj.io/hook"]).is_some() {
            return;
        }
        let Some((_, spec)) = o.pod() else {
            return;
        };
        let mut read: Vec<&str> = Vec::new();
        for c in super::value::containers(spec, true) {
            let by_key = get_arr(c, &["env"])
                .iter()
                .filter_map(|e| get_str(e, &["valueFrom", "secretKeyRef", "name"]));
            let whole = get_arr(c, &["envFrom"])
                .iter()
                .filter_map(|e| get_str(e, &["secretRef", "name"]));
            for name in by_key.chain(whole) {
                if !read.contains(&name) {
                    read.push(name);
                }
            }
        }
        let wave = sync_wave(o);
        for name in read {
            let maker = self.objs.iter().find(|w| {
                same_ns(w.ns, o.ns)
                    && (written_secret(w) == Some(name)
                        || (w.kind == "Cluster"
                            && get_str(w.v, &["apiVersion"])
                                .is_some_and(|a| a.starts_with("postgresql.cnpg.io/"))
                            && name.strip_suffix("-app") == Some(w.name)))
            });
            if let Some(m) = maker
                && sync_wave(m) >= wave
            {
                out.push((
                    Rule::SecretMadeInSameWave,
                    format!(
                        "reads Secret {name}, which {} {} makes in sync wave {} (this {} is in wave {wave}): on an empty cluster the pods start before the Secret exists",
                        m.kind,
                        m.name,
                        sync_wave(m),
                        o.kind
                    ),
                ));
            }
        }
    }
}
