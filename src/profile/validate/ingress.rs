//! `[ingress]`: host, TLS, proxy settings, backend paths and annotations.

use std::collections::{BTreeMap, BTreeSet};

use super::Checker;
use crate::profile::model;
use crate::profile::node::join;
use crate::profile::types::{self, DnsLabel};
use crate::profile::types::{Host, HttpPath};
use crate::profile::*;
use crate::rules::RESERVED_INGRESS_ANNOTATIONS;

/// The most the API server accepts for one object's annotations, keys and values together.
const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

pub(super) fn check_ingress(c: &mut Checker<'_>, i: &model::Ingress) -> Option<Option<Ingress>> {
    c.check(
        "ingress.class_name",
        DnsLabel::parse(&i.class_name).map(|_| ()),
    );
    if i.controller == Some(IngressController::Traefik)
        && crate::rules::is_ingress_nginx(Some(&i.class_name), std::iter::empty())
    {
        c.err_help(
            "ingress.class_name",
            "\"nginx\" is the IngressClass ingress-nginx installs, but ingress.controller is \"traefik\": Traefik would not serve this Ingress, and ingress-nginx would ignore its Traefik annotations",
            "set ingress.class_name to the IngressClass of your Traefik installation (its Helm chart names it \"traefik\")",
        );
    }
    let host = c.check("ingress.host", Host::parse(&i.host));
    let tls_issuer = if i.tls {
        if i.cluster_issuer.is_empty() {
            c.err(
                "ingress.cluster_issuer",
                "TLS is on, so a cert-manager ClusterIssuer must be named",
            );
        } else {
            c.check(
                "ingress.cluster_issuer",
                types::check_subdomain(&i.cluster_issuer),
            );
        }
        Some(i.cluster_issuer.clone())
    } else {
        None
    };
    let body_bytes = body_size_bytes(&i.proxy_body_size);
    if body_bytes.is_none() {
        c.err("ingress.proxy_body_size", format!("{:?} is not an nginx size; write a number with an optional k, m or g suffix, like 50m", i.proxy_body_size));
    }
    let timeout = c.check(
        "ingress.proxy_timeout_seconds",
        types::parse_range(i.proxy_timeout_seconds, 1, 3600, "proxy_timeout_seconds"),
    );
    let mut seen = BTreeSet::new();
    let mut backend_paths = Vec::new();
    for (n, p) in i.backend_paths.iter().enumerate() {
        let path = format!("ingress.backend_paths[{n}].path");
        match HttpPath::parse(&p.path) {
            Err(e) => c.err(&path, e),
            Ok(_) if p.path == "/" => c.err(
                &path,
                "\"/\" belongs to the frontend; route only the backend's own paths here",
            ),
            Ok(_) if !seen.insert(p.path.clone()) => {
                c.err(&path, format!("{} is routed twice", p.path));
            }
            Ok(parsed) => backend_paths.push((parsed, p.path_type)),
        }
    }
    let mut annotations = BTreeMap::new();
    for (k, v) in &i.annotations {
        let path = join("ingress.annotations", k);
        if k == "nginx.ingress.kubernetes.io/rewrite-target" {
            c.err_help(
                &path,
                "rewrite-target applies to every path of the Ingress: with \"/\" every API call and every frontend asset would reach the pods as \"/\"",
                "remove it; the backend serves /api, /docs and /health under their own paths",
            );
            continue;
        }
        if let Some((_, setting)) = RESERVED_INGRESS_ANNOTATIONS
            .iter()
            .find(|(key, _)| key == k)
        {
            c.err_help(
                &path,
                format!("{k} conflicts with what magnetiq-gen renders from {setting}; a value here would be replaced or refused"),
                format!("remove it and set {setting} instead"),
            );
            continue;
        }
        if let Err(e) = types::check_label_key(k) {
            c.err(&path, format!("not an annotation key: {e}"));
        }
        annotations.insert(k.clone(), v.clone());
    }
    // The API server refuses an object whose annotations, keys and values together, exceed
    // 256 KiB. Counting every reserved key with its longest value over-counts by a few bytes.
    let generated: usize = RESERVED_INGRESS_ANNOTATIONS
        .iter()
        .map(|(k, _)| k.len())
        .sum::<usize>()
        + i.proxy_body_size.len()
        + 2 * i.proxy_timeout_seconds.to_string().len()
        + i.cluster_issuer.len()
        + i.class_name.len()
        + "true".len();
    let total = generated
        + annotations
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
    if total > MAX_ANNOTATIONS_BYTES
        && let Some((largest, _)) = annotations.iter().max_by_key(|(k, v)| k.len() + v.len())
    {
        c.err(
            &join("ingress.annotations", largest),
            format!(
                "the Ingress's annotations would take {total} bytes, above the {MAX_ANNOTATIONS_BYTES} the API server accepts; {largest} is the largest"
            ),
        );
    }
    Some(Some(Ingress {
        controller: i.controller.unwrap_or(IngressController::IngressNginx),
        controller_chosen: i.controller.is_some(),
        class_name: i.class_name.clone(),
        host: host?,
        tls_issuer,
        proxy_body_size: i.proxy_body_size.clone(),
        proxy_body_bytes: body_bytes?,
        proxy_timeout_seconds: timeout?,
        backend_paths,
        annotations,
    }))
}

/// An nginx size (`50m`: digits and an optional k, m or g, any case; nginx's units are
/// powers of 1024) in bytes, the unit Traefik's buffering middleware takes. `None` when it is
/// not such a size or does not fit in 64 bits.
fn body_size_bytes(size: &str) -> Option<i64> {
    let digits = size.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unit: i64 = match &size[digits.len()..] {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        _ => return None,
    };
    digits.parse::<i64>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::body_size_bytes;

    #[test]
    fn nginx_sizes_become_bytes_in_powers_of_1024() {
        assert_eq!(body_size_bytes("50m"), Some(50 * 1024 * 1024));
        assert_eq!(body_size_bytes("8K"), Some(8192));
        assert_eq!(body_size_bytes("1g"), Some(1 << 30));
        assert_eq!(body_size_bytes("0"), Some(0));
        assert_eq!(body_size_bytes("512"), Some(512));
        for bad in ["", "m", "5mb", "-1m", "1.5m", "99999999999999999999g"] {
            assert_eq!(body_size_bytes(bad), None, "{bad}");
        }
    }
}
