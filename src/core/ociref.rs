//! OCI references (`registry/repository[:tag][@digest]`) parsed as the v1.x Pacto CLI parses them, plus the
//! stricter grammar a registry enforces.
//!
//! Upstream's `ParseOCIReference` is lenient: it splits the text and checks only that a registry and a
//! repository are present. [`parse`] follows it exactly, so its verdict is the v1.x CLI's.
//! [`strict_problem`] names what upstream lets through but no registry could serve (whitespace, an empty tag
//! or digest, a tag or digest outside the OCI grammar that later upstream versions enforce); the checker
//! reports it as a warning, so the verdict stays the same as the v1.x CLI's.

use std::fmt;

/// A parsed OCI reference, without the `oci://` scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OciRef {
    /// The registry host, with its port if any (`ghcr.io`, `localhost:5000`).
    pub registry: String,
    /// Everything between the first `/` and the tag or digest (`acme/postgres-pacto`).
    pub repository: String,
    /// The text after the last `:` that follows the last `/`, when there is one.
    pub tag: Option<String>,
    /// The text after the first `@`, when there is one.
    pub digest: Option<String>,
}

/// Parses the part of a reference after `oci://` (callers strip the scheme; `service.image.ref` has none).
///
/// The digest is everything after the first `@`. Of what remains, the tag is the text after the last `:` when
/// that colon comes after the last `/` (so `localhost:5000/repo` has no tag). The rest must be
/// `registry/repository`, split at the first `/`, with both parts non-empty.
pub fn parse(reference: &str) -> Result<OciRef, String> {
    if reference.is_empty() {
        return Err("empty OCI reference; expected `registry/repository[:tag][@digest]`".to_string());
    }
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((before, after)) => (before, Some(after)),
        None => (reference, None),
    };
    let (name, tag) = match name_and_tag.rsplit_once(':') {
        Some((before, after)) if !after.contains('/') => (before, Some(after)),
        _ => (name_and_tag, None),
    };
    if name.is_empty() {
        return Err("missing `registry/repository` before the tag or digest".to_string());
    }
    let Some((registry, repository)) = name.split_once('/') else {
        return Err(format!(
            "missing repository: `{}` has no `/`; an OCI reference is `registry/repository[:tag][@digest]`, \
             for example `ghcr.io/acme/{}`",
            name.escape_debug(),
            name.escape_debug()
        ));
    };
    if registry.is_empty() {
        return Err(format!("missing registry before the first `/` in `{}`", name.escape_debug()));
    }
    if repository.is_empty() {
        return Err(format!("missing repository after `{}/`", registry.escape_debug()));
    }
    Ok(OciRef {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// Says why a registry would refuse the reference's tag or digest, or `None` if both are well formed.
///
/// A tag must match `^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`. A digest must be `sha256:` followed by 64 lowercase
/// hex digits, or `sha512:` followed by 128 (the two algorithms later upstream versions accept). When both are
/// malformed, the tag is reported.
pub fn strict_problem(r: &OciRef) -> Option<String> {
    let text = r.to_string();
    if text.chars().any(char::is_whitespace) {
        return Some(format!("whitespace in `{}`; a registry would refuse it", text.escape_debug()));
    }
    if r.tag.as_deref() == Some("") {
        return Some("empty tag after `:`; write a tag such as `:1.0.0` or remove the `:`".to_string());
    }
    if r.digest.as_deref() == Some("") {
        return Some("empty digest after `@`; write `@sha256:<64 hex digits>` or remove the `@`".to_string());
    }
    if let Some(tag) = r.tag.as_deref().filter(|tag| !is_valid_tag(tag)) {
        return Some(format!(
            "tag `{}` is not a valid OCI tag (a letter, digit or `_`, then at most 127 letters, digits, `_`, `.` \
             or `-`); a registry would refuse it",
            tag.escape_debug()
        ));
    }
    if let Some(digest) = r.digest.as_deref().filter(|digest| !is_valid_digest(digest)) {
        return Some(format!(
            "digest `{}` is not sha256: followed by 64 hex digits; a registry would refuse it",
            digest.escape_debug()
        ));
    }
    None
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`.
fn is_valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    first_ok && tag.len() <= 128 && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `^sha256:[0-9a-f]{64}$` or `^sha512:[0-9a-f]{128}$`.
fn is_valid_digest(digest: &str) -> bool {
    let is_hex =
        |text: &str, len: usize| text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if let Some(hex) = digest.strip_prefix("sha256:") {
        is_hex(hex, 64)
    } else if let Some(hex) = digest.strip_prefix("sha512:") {
        is_hex(hex, 128)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn oci(registry: &str, repository: &str, tag: Option<&str>, digest: Option<&str>) -> OciRef {
        OciRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        }
    }

    #[test]
    fn parses_like_upstream() {
        let digest = format!("sha256:{HEX64}");
        let with_port = format!("localhost:5000/team/svc:2.1.0@{digest}");
        let tag_and_digest = format!("ghcr.io/acme/service-pacto:1.0.0@{digest}");
        let cases: Vec<(&str, OciRef)> = vec![
            (
                "ghcr.io/acme/rabbitmq-pacto@sha256:abc123",
                oci("ghcr.io", "acme/rabbitmq-pacto", None, Some("sha256:abc123")),
            ),
            ("ghcr.io/acme/postgres-pacto:1.0.0", oci("ghcr.io", "acme/postgres-pacto", Some("1.0.0"), None)),
            (&with_port, oci("localhost:5000", "team/svc", Some("2.1.0"), Some(&digest))),
            (&tag_and_digest, oci("ghcr.io", "acme/service-pacto", Some("1.0.0"), Some(&digest))),
            ("docker.io/library/nginx:1.27", oci("docker.io", "library/nginx", Some("1.27"), None)),
            ("localhost:5000/repo:1.0", oci("localhost:5000", "repo", Some("1.0"), None)),
            ("localhost:5000/repo", oci("localhost:5000", "repo", None, None)),
            ("ghcr.io/acme/service", oci("ghcr.io", "acme/service", None, None)),
            ("reg/repo", oci("reg", "repo", None, None)),
            ("a/b/c/d:e", oci("a", "b/c/d", Some("e"), None)),
            // The digest is everything after the first `@`, colons and `@` included.
            ("reg/repo@sha256:a@b", oci("reg", "repo", None, Some("sha256:a@b"))),
            ("reg/repo:tag@x:y/z", oci("reg", "repo", Some("tag"), Some("x:y/z"))),
            // The lenient parser accepts malformed tags; `strict_problem` reports them.
            ("reg/repo:-bad", oci("reg", "repo", Some("-bad"), None)),
            ("reg/repo:a:b", oci("reg", "repo:a", Some("b"), None)),
            ("reg:5000/repo:tag", oci("reg:5000", "repo", Some("tag"), None)),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn rejects_incomplete_references() {
        let cases = [
            ("", "empty OCI reference; expected `registry/repository[:tag][@digest]`"),
            (
                "nginx:1.27",
                "missing repository: `nginx` has no `/`; an OCI reference is \
                 `registry/repository[:tag][@digest]`, for example `ghcr.io/acme/nginx`",
            ),
            (
                "redis",
                "missing repository: `redis` has no `/`; an OCI reference is \
                 `registry/repository[:tag][@digest]`, for example `ghcr.io/acme/redis`",
            ),
            (
                "localhost:5000",
                "missing repository: `localhost` has no `/`; an OCI reference is \
                 `registry/repository[:tag][@digest]`, for example `ghcr.io/acme/localhost`",
            ),
            ("/repo", "missing registry before the first `/` in `/repo`"),
            ("/repo:1.0.0", "missing registry before the first `/` in `/repo`"),
            ("reg/", "missing repository after `reg/`"),
            ("ghcr.io/:1.0.0", "missing repository after `ghcr.io/`"),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected.to_string()), "input {input:?}");
        }
        for input in ["@sha256:abc", ":tag"] {
            assert_eq!(parse(input), Err("missing `registry/repository` before the tag or digest".to_string()));
        }
        for input in ["/", "reg", "a:b@c", "@", ":"] {
            assert!(parse(input).is_err(), "{input:?} should be rejected");
        }
    }

    /// Upstream's lenient parser accepts these; a registry would not, so they are warnings.
    #[test]
    fn lenient_inputs_parse_but_are_strict_problems() {
        let cases = [
            ("reg/repo:", "empty tag after `:`; write a tag such as `:1.0.0` or remove the `:`"),
            ("reg/repo:@sha256:abc", "empty tag after `:`; write a tag such as `:1.0.0` or remove the `:`"),
            ("reg/repo@", "empty digest after `@`; write `@sha256:<64 hex digits>` or remove the `@`"),
            (
                "ghcr.io/acme/service-pacto:bad tag",
                "whitespace in `ghcr.io/acme/service-pacto:bad tag`; a registry would refuse it",
            ),
            (" reg/repo", "whitespace in ` reg/repo`; a registry would refuse it"),
            ("reg/re\u{a0}po", "whitespace in `reg/re\\u{a0}po`; a registry would refuse it"),
        ];
        for (input, expected) in cases {
            let parsed = parse(input).unwrap_or_else(|error| panic!("{input:?}: {error}"));
            assert_eq!(strict_problem(&parsed).as_deref(), Some(expected), "input {input:?}");
        }
    }

    #[test]
    fn reports_what_a_registry_would_refuse() {
        let long_tag = "a".repeat(128);
        let too_long_tag = "a".repeat(129);
        let sha512 = format!("sha512:{}", HEX64.repeat(2));
        let cases: Vec<(OciRef, Option<&str>)> = vec![
            (oci("r", "p", None, None), None),
            (oci("r", "p", Some("1.0.0"), None), None),
            (oci("r", "p", Some("_x"), None), None),
            (oci("r", "p", Some("v1.2.3-rc.1_build"), None), None),
            (oci("r", "p", Some(&long_tag), None), None),
            (oci("r", "p", None, Some(&format!("sha256:{HEX64}"))), None),
            (oci("r", "p", Some("latest"), Some(&format!("sha256:{HEX64}"))), None),
            (oci("r", "p", None, Some(&sha512)), None),
            (
                oci("r", "p", None, Some("sha256:abc123")),
                Some("digest `sha256:abc123` is not sha256: followed by 64 hex digits; a registry would refuse it"),
            ),
            (
                oci("r", "p", None, Some(&format!("sha256:{}", HEX64.to_uppercase()))),
                Some(
                    "digest `sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF` is not \
                     sha256: followed by 64 hex digits; a registry would refuse it",
                ),
            ),
            (
                oci("r", "p", None, Some(&format!("md5:{HEX64}"))),
                Some(
                    "digest `md5:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef` is not \
                     sha256: followed by 64 hex digits; a registry would refuse it",
                ),
            ),
            (
                oci("r", "p", Some("-bad"), None),
                Some(
                    "tag `-bad` is not a valid OCI tag (a letter, digit or `_`, then at most 127 letters, digits, \
                     `_`, `.` or `-`); a registry would refuse it",
                ),
            ),
            (
                oci("r", "p", Some(".x"), Some("sha256:abc")),
                Some(
                    "tag `.x` is not a valid OCI tag (a letter, digit or `_`, then at most 127 letters, digits, \
                     `_`, `.` or `-`); a registry would refuse it",
                ),
            ),
        ];
        for (reference, expected) in cases {
            assert_eq!(strict_problem(&reference).as_deref(), expected, "reference {reference}");
        }
        for tag in [too_long_tag.as_str(), "", "a+b", "a/b", "tag!", "é"] {
            assert!(strict_problem(&oci("r", "p", Some(tag), None)).is_some(), "tag {tag:?} should be flagged");
        }
        let hex63 = format!("sha256:{}", HEX64.get(1..).unwrap_or_default());
        let hex65 = format!("sha256:{HEX64}0");
        for digest in [hex63.as_str(), hex65.as_str(), "sha256:", "", "sha512:abc", "SHA256:abc"] {
            let reference = oci("r", "p", None, Some(digest));
            assert!(strict_problem(&reference).is_some(), "digest {digest:?} should be flagged");
        }
    }

    #[test]
    fn displays_without_scheme() {
        let cases = [
            (oci("ghcr.io", "acme/svc", Some("1.0.0"), None), "ghcr.io/acme/svc:1.0.0"),
            (oci("ghcr.io", "acme/svc", None, Some("sha256:abc")), "ghcr.io/acme/svc@sha256:abc"),
            (oci("ghcr.io", "acme/svc", Some("1.0"), Some("sha256:abc")), "ghcr.io/acme/svc:1.0@sha256:abc"),
            (oci("localhost:5000", "repo", None, None), "localhost:5000/repo"),
        ];
        for (reference, expected) in cases {
            assert_eq!(reference.to_string(), expected);
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        let inputs = [
            "ghcr.io/acme/postgres-pacto:1.0.0",
            "ghcr.io/acme/rabbitmq-pacto@sha256:abc123",
            "localhost:5000/team/svc:2.1.0@sha256:0123",
            "reg/a/b/c",
        ];
        for input in inputs {
            let parsed = parse(input).map(|r| r.to_string());
            assert_eq!(parsed.as_deref(), Ok(input));
        }
    }
}
