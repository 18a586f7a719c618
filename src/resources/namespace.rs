//! The Namespace.

use k8s_openapi::api::core::v1::Namespace;

use super::{data_annotations, meta};
use crate::labels;
use crate::names::Names;
use crate::profile::Profile;

/// The Pod Security Standard the namespace's admission enforces (Kubernetes 1.25+, Pod
/// Security Admission GA), and the version of its rules: pinned to the oldest Kubernetes the
/// output supports, so a cluster upgrade never starts rejecting pods by itself. `warn` and
/// `audit` check the newest rules and every workload template (Deployments, Jobs), so a rule
/// added in a later release shows up as a warning on `kubectl apply` before it enforces.
pub const POD_SECURITY_VERSION: &str = "v1.25";

/// The level enforced: `restricted`, which every pod magnetiq-gen renders meets (non-root,
/// no privilege escalation, all capabilities dropped, RuntimeDefault seccomp). With
/// PostgreSQL, CloudNativePG creates the instance and PgBouncer pods from its own templates,
/// which magnetiq-gen does not render and so cannot vouch for: `baseline` is enforced there,
/// and `restricted` still warns and audits.
pub fn pod_security_level(p: &Profile) -> &'static str {
    if p.postgres.is_some() {
        "baseline"
    } else {
        "restricted"
    }
}

/// The namespace everything lives in. It holds the database's volume claims, so ArgoCD must
/// never delete it: deleting a namespace deletes every claim in it.
pub fn namespace(p: &Profile, names: &Names) -> Namespace {
    let mut labels = labels::common(p);
    let psa = "pod-security.kubernetes.io";
    for (mode, level, version) in [
        ("enforce", pod_security_level(p), POD_SECURITY_VERSION),
        ("warn", "restricted", "latest"),
        ("audit", "restricted", "latest"),
    ] {
        labels.insert(format!("{psa}/{mode}"), level.to_string());
        labels.insert(format!("{psa}/{mode}-version"), version.to_string());
    }
    let mut metadata = meta(&names.namespace, None, labels);
    metadata.annotations = Some(data_annotations(p));
    Namespace {
        metadata,
        ..Default::default()
    }
}
