//! Validated values: once one of these exists, it is valid for Kubernetes.
//!
//! Each `parse` returns a sentence saying what is wrong and what is allowed.

use std::fmt;

/// An RFC 1123 DNS label: lowercase letters, digits and '-', starting and ending with an
/// alphanumeric, at most 63 characters (Namespace, Service and most object names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DnsLabel(String);

impl DnsLabel {
    /// Longest label Kubernetes accepts.
    pub const MAX_LEN: usize = 63;

    /// Checks `s` against RFC 1123 label rules and `max` characters.
    pub fn parse_max(s: &str, max: usize) -> Result<Self, String> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.len() > max {
            return Err(format!(
                "{s:?} is {} characters long; at most {max} are allowed",
                s.len()
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "{s:?} contains {c:?}; only lowercase letters, digits and '-' are allowed (RFC 1123 label)"
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(format!("{s:?} must start and end with a letter or digit"));
        }
        Ok(DnsLabel(s.to_string()))
    }

    /// Checks `s` as a label of at most 63 characters.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::parse_max(s, Self::MAX_LEN)
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DnsLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an RFC 1123 subdomain (dot-separated labels, at most 253 characters): host names,
/// most object names.
pub fn check_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("{s:?} is longer than 253 characters"));
    }
    for label in s.split('.') {
        DnsLabel::parse(label).map_err(|e| {
            if label.is_empty() {
                format!("{s:?} has an empty part between dots")
            } else {
                e
            }
        })?;
    }
    Ok(())
}

/// Checks a host name for an Ingress rule: a subdomain with at least two labels.
pub fn check_host(s: &str) -> Result<(), String> {
    check_subdomain(s)?;
    if !s.contains('.') {
        return Err(format!(
            "{s:?} is not a fully qualified host name (like magnetiq.example.com)"
        ));
    }
    Ok(())
}

/// Checks a label value: at most 63 characters of `[A-Za-z0-9._-]`, beginning and ending
/// with an alphanumeric; empty is allowed.
pub fn check_label_value(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!(
            "{s:?} is longer than 63 characters, the limit for a label value"
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{s:?} contains {c:?}; a label value may hold letters, digits, '.', '_' and '-'"
        ));
    }
    let ends_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !ends_ok(s.chars().next()) || !ends_ok(s.chars().last()) {
        return Err(format!("{s:?} must begin and end with a letter or digit"));
    }
    Ok(())
}

/// Checks a label key: an optional DNS-subdomain prefix and '/', then a name of at most 63
/// characters.
pub fn check_label_key(s: &str) -> Result<(), String> {
    let name = match s.split_once('/') {
        Some((prefix, name)) => {
            check_subdomain(prefix).map_err(|e| format!("label key prefix: {e}"))?;
            name
        }
        None => s,
    };
    if name.is_empty() {
        return Err(format!("{s:?} has an empty name"));
    }
    check_label_value(name)
}

/// Checks an environment variable name as the backend's settings use them (C identifier).
pub fn check_env_name(s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{s:?} is not an environment variable name (letters, digits and '_', not starting with a digit)"
        ));
    }
    Ok(())
}

/// Checks an IPv4 or IPv6 CIDR as a NetworkPolicy `ipBlock` takes it: an address, `/`, a
/// prefix length within the family's bits, and no host bits set (`10.0.0.0/24`, not
/// `10.0.0.7/24`, which the API server warns about and readers misread as one host).
pub fn check_cidr(s: &str) -> Result<(), String> {
    use std::net::IpAddr;
    let Some((addr, len)) = s.split_once('/') else {
        return Err(format!(
            "{s:?} is not a CIDR; write an address and a prefix length, like 10.0.0.0/24"
        ));
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not a CIDR: {addr:?} is not an IPv4 or IPv6 address"))?;
    let bits: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let len: u32 = match len.parse() {
        Ok(n) if n <= bits && !len.starts_with('+') => n,
        _ => {
            return Err(format!(
                "{s:?} is not a CIDR: the prefix length must be 0 to {bits}"
            ));
        }
    };
    let host_bits = match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)) & ((1u128 << (32 - len)) - 1),
        IpAddr::V6(a) => u128::from(a) & u128::MAX.checked_shr(len).unwrap_or(0),
    };
    if host_bits != 0 {
        return Err(format!(
            "{s:?} has host bits set after the /{len} prefix; write the network address"
        ));
    }
    Ok(())
}

/// A TCP port, 1 to 65535.
pub fn parse_port(n: i64) -> Result<i32, String> {
    if (1..=65535).contains(&n) {
        Ok(n as i32)
    } else {
        Err(format!("{n} is not a port; use 1 to 65535"))
    }
}

/// A count or duration within `lo..=hi`.
pub fn parse_range(n: i64, lo: i64, hi: i64, what: &str) -> Result<i32, String> {
    if (lo..=hi).contains(&n) {
        Ok(n as i32)
    } else {
        Err(format!("{n} is out of range; {what} must be {lo} to {hi}"))
    }
}

/// A Kubernetes resource quantity (`250m`, `512Mi`, `1.5`, `2e3`), with its value for
/// comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    text: String,
    value: f64,
}

impl Quantity {
    /// Parses the Kubernetes quantity grammar: a decimal number and an optional suffix.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{s:?} is not a Kubernetes quantity; write a number with an optional suffix, \
                 like 250m, 1, 512Mi or 2Gi (no spaces; binary suffixes Ki Mi Gi Ti Pi Ei, \
                 decimal suffixes m k M G T P E)"
            )
        };
        let num_end = s
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '+' || *c == '-')))
            })
            .map_or(s.len(), |(i, _)| i);
        let (num, suffix) = s.split_at(num_end);
        let digits = num.trim_start_matches(['+', '-']);
        if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
            return Err(bad());
        }
        let number: f64 = num.parse().map_err(|_| bad())?;
        let factor = match suffix {
            "" => 1.0,
            "n" => 1e-9,
            "u" => 1e-6,
            "m" => 1e-3,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "E" => 1e18,
            "Ki" => 1024f64,
            "Mi" => 1024f64.powi(2),
            "Gi" => 1024f64.powi(3),
            "Ti" => 1024f64.powi(4),
            "Pi" => 1024f64.powi(5),
            "Ei" => 1024f64.powi(6),
            e if (e.starts_with('e') || e.starts_with('E')) && e.len() > 1 => {
                let exp = e[1..].trim_start_matches(['+', '-']);
                if exp.is_empty() || !exp.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let exp: i32 = e[1..].parse().map_err(|_| bad())?;
                10f64.powi(exp)
            }
            _ => return Err(bad()),
        };
        if number < 0.0 {
            return Err(format!(
                "{s:?} is negative; a resource quantity must not be"
            ));
        }
        Ok(Quantity {
            text: s.to_string(),
            value: number * factor,
        })
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Numeric value in base units (cores, bytes).
    pub fn value(&self) -> f64 {
        self.value
    }
}

/// An OCI image reference: `[host[:port]/]path[:tag][@sha256:digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image(String);

impl Image {
    /// Checks the reference grammar (lowercase repository path, tag and digest forms).
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "{s:?} contains {c:?}; an image reference has no spaces"
            ));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (s, None),
        };
        if let Some(d) = digest {
            let ok = d.strip_prefix("sha256:").is_some_and(|h| {
                h.len() == 64
                    && h.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            });
            if !ok {
                return Err(format!(
                    "{s:?} has a malformed digest; expected @sha256: and 64 lowercase hex digits"
                ));
            }
        }
        // A tag is what follows the last ':' after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(tag) = tag {
            let ok = !tag.is_empty()
                && tag.len() <= 128
                && tag
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !ok {
                return Err(format!(
                    "{s:?} has an invalid tag {tag:?}; a tag is up to 128 letters, digits, '_', '.' and '-'"
                ));
            }
        }
        if tag.is_none() && digest.is_none() {
            return Err(format!(
                "{s:?} has neither a tag nor a digest; pin a version (for example :v2.0.0) so every render deploys the same image"
            ));
        }
        let mut parts: Vec<&str> = name.split('/').collect();
        // The first part is a registry host when it has a '.' or ':' or is localhost.
        if parts.len() > 1
            && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
        {
            let host = parts.remove(0);
            let hostname = host.split(':').next().unwrap_or("");
            if check_subdomain(&hostname.to_ascii_lowercase()).is_err() {
                return Err(format!("{s:?} has an invalid registry host {host:?}"));
            }
        }
        for part in parts {
            let ok = !part.is_empty()
                && part.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                })
                && part
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                && part
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric());
            if !ok {
                return Err(format!(
                    "{s:?} has an invalid repository part {part:?}; use lowercase letters, digits and '.', '_', '-'"
                ));
            }
        }
        Ok(Image(s.to_string()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An HTTP path for probes and ingress rules: starts with '/', and holds no whitespace,
/// control characters, query, fragment, braces, backslashes or quotes. Reads as a `&str`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpPath(String);

impl HttpPath {
    /// Checks `s` as a path; the error says what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        if !s.starts_with('/') {
            return Err(format!("{s:?} must start with '/'"));
        }
        if let Some(c) = s.chars().find(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '{' | '}' | '\\' | '"')
        }) {
            return Err(format!(
                "{s:?} contains {c:?}, which has no place in a path"
            ));
        }
        Ok(HttpPath(s.to_string()))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for HttpPath {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HttpPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<HttpPath> for String {
    fn from(p: HttpPath) -> String {
        p.0
    }
}

/// Checks a Git repository URL as ArgoCD accepts it.
pub fn check_repo_url(s: &str) -> Result<(), String> {
    let ok = ["https://", "http://", "ssh://", "git@"]
        .iter()
        .any(|p| s.starts_with(p))
        && s.len() > 8
        && !s.chars().any(|c| c.is_whitespace());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a Git repository URL (https://..., ssh://... or git@host:path)"
        ))
    }
}

/// Checks an e-mail address: one `@`, a non-empty local part, a host name after it.
pub fn check_email(s: &str) -> Result<(), String> {
    let ok = s.split_once('@').is_some_and(|(local, host)| {
        !local.is_empty()
            && !local.contains(char::is_whitespace)
            && !host.contains('@')
            && check_host(&host.to_ascii_lowercase()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not an e-mail address such as noreply@example.com"
        ))
    }
}

/// Checks an absolute http(s) URL with a host.
pub fn check_http_url(s: &str) -> Result<(), String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        let host = host
            .rsplit_once(':')
            .filter(|(_, p)| p.parse::<u16>().is_ok())
            .map_or(host, |(h, _)| h);
        !host.is_empty()
            && !r.contains(char::is_whitespace)
            && check_subdomain(&host.to_ascii_lowercase()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not an http(s) URL such as https://example.com/api"
        ))
    }
}

/// Checks CORS origins as the backend reads them: a JSON array of `scheme://host[:port]`.
pub fn check_origins(s: &str) -> Result<(), String> {
    let list: Vec<String> = serde_json::from_str(s).map_err(|_| {
        format!("{s:?} is not a JSON array of origins such as [\"https://example.com\"]")
    })?;
    for o in &list {
        check_http_url(o)?;
        let after_scheme = o.split_once("://").map_or("", |(_, r)| r);
        if after_scheme.contains('/') {
            return Err(format!(
                "origin {o:?} has a path; an origin is scheme://host[:port] only"
            ));
        }
    }
    Ok(())
}

/// The directory a mount path names, as the container runtime sees it: `/app//data/.` and
/// `/app/data/` are both `/app/data`. The API server compares mount paths as strings, so two
/// spellings of one directory pass it and then clash (or shadow each other) in the runtime.
/// The one rule for validation and lint (MG034).
pub fn mount_point(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

pub use super::cron::check_cron;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_follow_the_kubernetes_grammar() {
        for ok in ["250m", "1", "0.5", "512Mi", "1Gi", "2e3", "1.5G", "100k"] {
            assert!(Quantity::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "512 MB", "512MB", "", "Mi", "1..2", "-1", "1e", "1mi", "abc",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Quantity::parse("1Gi").unwrap().value(), 1073741824.0);
        assert!(Quantity::parse("250m").unwrap().value() < Quantity::parse("1").unwrap().value());
    }

    #[test]
    fn image_references_need_a_tag_or_digest_and_lowercase_paths() {
        assert!(Image::parse("registry.voltaic.systems/magnetiq-backend:v2.0.0").is_ok());
        assert!(Image::parse("localhost:5000/app:1").is_ok());
        let digest = format!("ghcr.io/a/b@sha256:{}", "a".repeat(64));
        assert!(Image::parse(&digest).is_ok());
        assert!(Image::parse("registry.voltaic.systems/magnetiq-backend").is_err());
        assert!(Image::parse("registry.voltaic.systems/Magnetiq:v1").is_err());
        assert!(Image::parse("reg/app:v 1").is_err());
        assert!(Image::parse("reg/app@sha256:abc").is_err());
    }

    #[test]
    fn emails_urls_and_origins_are_checked_for_shape() {
        assert!(check_email("noreply@voltaic.systems").is_ok());
        assert!(
            check_email("noreply").is_err()
                && check_email("a@b").is_err()
                && check_email("a b@c.de").is_err()
        );
        assert!(check_http_url("https://magnetiq.voltaic.systems/api").is_ok());
        assert!(check_http_url("http://magnetiq.localhost:8080/api").is_ok());
        assert!(check_http_url("magnetiq.voltaic.systems/api").is_err());
        assert!(check_origins(r#"["https://magnetiq.voltaic.systems"]"#).is_ok());
        assert!(check_origins("https://magnetiq.voltaic.systems").is_err());
        assert!(check_origins(r#"["https://a.example.com/path"]"#).is_err());
    }

    #[test]
    fn dns_labels_reject_uppercase_edges_and_length() {
        assert!(DnsLabel::parse("magnetiq-v2").is_ok());
        assert!(DnsLabel::parse("Magnetiq").is_err());
        assert!(DnsLabel::parse("-a").is_err());
        assert!(DnsLabel::parse(&"a".repeat(64)).is_err());
        assert!(check_host("magnetiq.voltaic.systems").is_ok());
        assert!(check_host("localhost").is_err());
        assert!(check_host("a..b").is_err());
    }

    #[test]
    fn cron_accepts_what_robfig_standard_parser_accepts() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 0 1 1 0",
            "59 23 31 12 6",
            "0 2 * * 1-5",
            "0 2 * * MON-FRI",
            "0 2 * * mon,wed,Fri",
            "0 2 * JAN-mar sun",
            "0 0-23/2 * * *",
            "5/10 * * * *",
            "0 2 ? * *",
            "00 02 01 01 00",
            "0,30 8-18 * * 1-5",
            "  0   2 * * *  ",
            "0	2 * * *",
            "@daily",
            "@midnight",
            "@hourly",
            "@weekly",
            "@monthly",
            "@yearly",
            "@annually",
        ] {
            assert!(check_cron(ok).is_ok(), "{ok}: {:?}", check_cron(ok));
        }
    }

    #[test]
    fn cron_refuses_what_robfig_standard_parser_refuses() {
        for bad in [
            "",
            "0 2 * *",
            "0 2 * * * *",
            "1-2-3 * * * *",
            "0 2 * * 7",
            "0 2 * * 0-7",
            "60 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "0 0 32 * *",
            "0 0 * 0 *",
            "0 0 * 13 *",
            "5-1 * * * *",
            "*/0 * * * *",
            "1/2/3 * * * *",
            "a * * * *",
            "0 2 * * MONDAY",
            "0 2 JAN * *",
            "0 2 * * -1",
            "-5 * * * *",
            "1- * * * *",
            "@reboot",
            "@Daily",
            "@daily ",
        ] {
            assert!(check_cron(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn cron_refuses_a_documented_subset_robfig_would_take() {
        for bad in [
            "@every 1h",
            "CRON_TZ=Europe/Berlin 0 2 * * *",
            "TZ=UTC 0 2 * * *",
            "+5 * * * *",
            "1,,2 * * * *",
            ", * * * *",
            "*-5 * * * *",
            "*/+2 * * * *",
        ] {
            assert!(check_cron(bad).is_err(), "{bad:?} passed");
        }
    }
}

/// A string that passed `$check` at validation: holding one proves it did, so the builders
/// never see an unchecked value.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks `s`; the error says what is wrong.
            pub fn parse(s: &str) -> Result<Self, String> {
                $check(s)?;
                Ok($name(s.to_string()))
            }

            /// The checked text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// A DNS host name (RFC 1123 subdomain, no wildcard): the Ingress host.
    Host,
    check_host
);
checked_string!(
    /// A five-field cron schedule Longhorn's parser accepts.
    CronSchedule,
    check_cron
);
checked_string!(
    /// A Git repository URL ArgoCD can clone (https://, ssh:// or git@host:path).
    RepoUrl,
    check_repo_url
);
checked_string!(
    /// A DNS-1123 subdomain (at most 253 characters): a claim or other object name.
    DnsSubdomain,
    check_subdomain
);
