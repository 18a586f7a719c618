//! One container at a time: mounts, resources, image and security context.

use serde_json::Value;

use super::value::{as_int, cname, get, get_arr, get_str};
use super::{Out, Rule};
use crate::profile::types::mount_point;

#[derive(Debug, PartialEq)]
enum ImageTag<'a> {
    Digest,
    Tag(&'a str),
    None,
}

/// Whether a tag names one release, so that it is never overwritten: a version number
/// (`2.0.0`, `v2.0.0`, `1.25-alpine`, `20240101`) or a commit hash (`3f2a9c1`, `sha-3f2a9c1`).
/// Anything else (`dev`, `main`, `edge`, `nightly`, `pr-12`) is taken as a moving tag that a
/// build overwrites, for which `imagePullPolicy: Always` is what fetches the new build.
fn is_version_tag(tag: &str) -> bool {
    let digit_first = |t: &str| t.starts_with(|c: char| c.is_ascii_digit());
    let hash = |t: &str| {
        (7..=40).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && t.bytes().any(|b| b.is_ascii_digit())
    };
    digit_first(tag)
        || tag.strip_prefix(['v', 'V']).is_some_and(digit_first)
        || hash(tag.strip_prefix("sha-").unwrap_or(tag))
}

fn image_tag(image: &str) -> ImageTag<'_> {
    if image.contains('@') {
        return ImageTag::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if !tag.is_empty() => ImageTag::Tag(tag),
        _ => ImageTag::None,
    }
}

/// Every per-container rule: MG015, MG017-MG019, MG021, MG022, MG034, MG048.
pub(super) fn check_container(c: &Value, pod_sc: Option<&Value>, out: &mut Out) {
    let name = cname(c);
    check_vite_env(c, name, out);
    check_mounts(c, name, out);
    check_resources(c, name, out);
    check_image(c, name, out);
    check_security(c, name, pod_sc, out);
}

/// MG048: `VITE_*` variables in a running container's environment (values or references).
fn check_vite_env(c: &Value, name: &str, out: &mut Out) {
    let vite: Vec<&str> = get_arr(c, &["env"])
        .iter()
        .filter_map(|e| get_str(e, &["name"]))
        .filter(|n| n.starts_with("VITE_"))
        .collect();
    if !vite.is_empty() {
        out.push((
            Rule::ViteVariableAtRunTime,
            format!(
                "container {name} gets {}: Vite compiled the bundle's values in when it was built, so these change nothing",
                vite.join(", ")
            ),
        ));
    }
}

/// MG034: two volumes at one directory, however the paths are spelt.
fn check_mounts(c: &Value, name: &str, out: &mut Out) {
    let mut mounts = std::collections::BTreeMap::new();
    for m in c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(path) = get_str(m, &["mountPath"]) {
            let dir = mount_point(path);
            if let Some(first) = mounts.insert(dir.clone(), path) {
                out.push((
                    Rule::DuplicateMountPath,
                    format!(
                        "container {name} mounts two volumes at {dir} (as {first:?} and {path:?})"
                    ),
                ));
            }
        }
    }
}

/// MG015.
fn check_resources(c: &Value, name: &str, out: &mut Out) {
    let mut absent = Vec::new();
    for (path, label) in [
        (["requests", "cpu"], "requests.cpu"),
        (["requests", "memory"], "requests.memory"),
        (["limits", "memory"], "limits.memory"),
    ] {
        if c.get("resources").and_then(|r| get(r, &path)).is_none() {
            absent.push(label);
        }
    }
    if !absent.is_empty() {
        out.push((
            Rule::MissingResources,
            format!(
                "container {name} has no resources.{}",
                absent.join(", resources.")
            ),
        ));
    }
}

/// MG021 and MG022.
fn check_image(c: &Value, name: &str, out: &mut Out) {
    if let Some(image) = get_str(c, &["image"]) {
        match image_tag(image) {
            ImageTag::None => out.push((
                Rule::LatestImage,
                format!("container {name} image {image} has no tag, so it means :latest"),
            )),
            ImageTag::Tag("latest") => out.push((
                Rule::LatestImage,
                format!("container {name} image {image} uses the moving tag latest"),
            )),
            // A moving tag (dev, main): Always is how a rebuilt image reaches the node.
            ImageTag::Tag(tag) if !is_version_tag(tag) => {}
            ImageTag::Tag(_) | ImageTag::Digest => {
                if get_str(c, &["imagePullPolicy"]) == Some("Always") {
                    out.push((
                        Rule::AlwaysPullVersioned,
                        format!(
                            "container {name} pulls the versioned image {image} on every start"
                        ),
                    ));
                }
            }
        }
    }
}

/// MG017, MG018 and MG019. The container's security context wins over the pod's.
fn check_security(c: &Value, name: &str, pod_sc: Option<&Value>, out: &mut Out) {
    let csc = c.get("securityContext");
    let eff = |key: &str| {
        csc.and_then(|s| s.get(key))
            .or_else(|| pod_sc.and_then(|s| s.get(key)))
    };
    let non_root = eff("runAsNonRoot").and_then(Value::as_bool) == Some(true);
    let uid0 = eff("runAsUser").and_then(as_int) == Some(0);
    if uid0 {
        out.push((
            Rule::MayRunAsRoot,
            format!("container {name} runs with runAsUser: 0 (root)"),
        ));
    } else if !non_root {
        out.push((
            Rule::MayRunAsRoot,
            format!("container {name} does not set runAsNonRoot: true (on itself or the pod)"),
        ));
    }
    let mut weak = Vec::new();
    if csc
        .and_then(|s| s.get("privileged"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        weak.push("runs privileged");
    }
    if csc
        .and_then(|s| s.get("allowPrivilegeEscalation"))
        .and_then(Value::as_bool)
        != Some(false)
    {
        weak.push("does not set allowPrivilegeEscalation: false");
    }
    let drops_all = csc
        .map(|s| get_arr(s, &["capabilities", "drop"]))
        .unwrap_or(&[])
        .iter()
        .any(|d| d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("ALL")));
    if !drops_all {
        weak.push("does not drop ALL capabilities");
    }
    let seccomp = eff("seccompProfile").and_then(|s| get_str(s, &["type"]));
    if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
        weak.push("has no RuntimeDefault seccomp profile");
    }
    if !weak.is_empty() {
        out.push((
            Rule::PrivilegeEscalation,
            format!("container {name} {}", weak.join(", ")),
        ));
    }
    if csc
        .and_then(|s| s.get("readOnlyRootFilesystem"))
        .and_then(Value::as_bool)
        != Some(true)
    {
        out.push((
            Rule::WritableRootFilesystem,
            format!("container {name} does not set readOnlyRootFilesystem: true"),
        ));
    }
}
