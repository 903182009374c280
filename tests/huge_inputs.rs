//! Contracts a cloned repository could carry to hang, exhaust or fool the checker: many findings,
//! huge values and integers beyond 64 bits. Each is checked through `analyze`, as the CLI and the
//! server call it.

use std::time::{Duration, Instant};

use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date;
use pacto_lsp::core::finding::Code;
use pacto_lsp::core::path::Segment;

fn options() -> Options {
    Options {
        today: date::parse_strict("2026-11-22").expect("a valid date"),
        readiness_gate: true,
        warn_days: 14,
        compatibility: Default::default(),
    }
}

fn check(text: &str) -> Analysis {
    analyze(text, &options(), &Environment::default())
}

/// 40,000 unknown keys, half under `service` and half at the top level: one `SCHEMA_VIOLATION` each,
/// on its key, in seconds (locating a finding used to scan its whole mapping).
#[test]
fn forty_thousand_unknown_keys_are_each_reported_on_their_key() {
    let count = 20_000;
    let mut text = String::from("pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\n");
    for index in 0..count {
        text.push_str(&format!("  extra{index:05}: {index}\n"));
    }
    for index in 0..count {
        text.push_str(&format!("extra{index:05}: {index}\n"));
    }
    let started = Instant::now();
    let analysis = check(&text);
    let elapsed = started.elapsed();
    assert_eq!(analysis.findings.len(), 2 * count);
    for finding in &analysis.findings {
        assert_eq!(finding.code, Code::SCHEMA_VIOLATION, "{finding:?}");
        let Some(Segment::Key(key)) = finding.path.segments().last() else { panic!("{finding:?}") };
        assert!(key.starts_with("extra"), "{finding:?}");
        assert_eq!(&text[finding.span.clone()], &**key, "{finding:?}");
    }
    let nested = analysis.findings.iter().filter(|it| it.path.to_string().starts_with("service.extra")).count();
    assert_eq!(nested, count);
    // About a second in a debug build; before the key index it took minutes.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

/// A megabyte-long value in any field gives short messages that still start with the value.
#[test]
fn huge_values_are_quoted_as_short_excerpts() {
    let huge = "z".repeat(1 << 20);
    let text = format!(
        "pactoVersion: \"1.1\"\nservice:\n  name: {huge}\n  version: {huge}\n  ? {huge}\n  : 1\n\
         interfaces:\n  - name: {huge}\n    type: http\n    port: 8080\n  - name: {huge}\n    type: http\n    port: 8081\n\
         runtime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n  health:\n    interface: {huge}x\n\
         dependencies:\n  - name: dep\n    ref: oci://ghcr.io/acme/dep@sha256:{digest}\n    compatibility: \"{huge}\"\n\
         readiness:\n  checks:\n    - id: {huge}\n      type: url\n      evidence: e\n      weight: 1\n      expires: 2000-01-01\n",
        digest = "0".repeat(64)
    );
    let analysis = check(&text);
    let codes: Vec<Code> = analysis.findings.iter().map(|it| it.code).collect();
    for code in [
        Code::SCHEMA_VIOLATION,
        Code::INVALID_SEMVER,
        Code::DUPLICATE_INTERFACE_NAME,
        Code::HEALTH_INTERFACE_NOT_FOUND,
        Code::INVALID_COMPATIBILITY,
        Code::READINESS_CHECK_EXPIRED,
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    for finding in &analysis.findings {
        assert!(finding.message.len() <= 1024, "{} has {} bytes", finding.code, finding.message.len());
        if finding.code != Code::READINESS_GATE_UNMET {
            assert!(finding.message.contains("zzzzzzzzzz"), "{}: {}", finding.code, finding.message);
        }
    }
}

fn scaling_findings(scaling: &str) -> Vec<(Code, String)> {
    let text = format!("pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\nscaling: {scaling}\n");
    check(&text).findings.into_iter().map(|it| (it.code, it.message)).collect()
}

/// Integers beyond 64 bits (floats, as upstream's YAML decoder reads them) are still compared.
#[test]
fn scaling_bounds_beyond_64_bits_are_compared() {
    let exceeds = |findings: &[(Code, String)]| {
        findings.iter().filter(|it| it.0 == Code::SCALING_MIN_EXCEEDS_MAX).map(|it| it.1.clone()).collect::<Vec<_>>()
    };
    let findings = scaling_findings("{min: 99999999999999999999, max: 2}");
    assert_eq!(exceeds(&findings), ["scaling min (1e+20) is greater than max (2)"], "{findings:?}");
    let findings = scaling_findings("{min: 1e40, max: 1e39}");
    assert_eq!(exceeds(&findings), ["scaling min (1e+40) is greater than max (1e+39)"], "{findings:?}");
    let findings = scaling_findings("{min: 18446744073709551615, max: 18446744073709551614}");
    assert_eq!(exceeds(&findings).len(), 1, "{findings:?}");
    for fine in
        ["{min: -1e30, max: 2}", "{min: 2, max: 1e400}", "{min: 2.5, max: 2}", "{replicas: 99999999999999999999}"]
    {
        assert!(exceeds(&scaling_findings(fine)).is_empty(), "{fine}");
    }
}

/// Huge or negative numbers elsewhere (ports, weights, minScore) never panic.
#[test]
fn huge_numbers_elsewhere_do_not_panic() {
    for number in ["99999999999999999999", "-99999999999999999999", "1e400", "-1e30", "9223372036854775807"] {
        let text = format!(
            "pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n    port: {number}\n\
             readiness:\n  minScore: {number}\n  checks:\n    - id: a\n      type: url\n      evidence: e\n      weight: {number}\n      expires: 2099-01-01\n"
        );
        let analysis = check(&text);
        assert!(analysis.findings.iter().any(|it| it.code == Code::SCHEMA_VIOLATION), "{number}");
    }
}
