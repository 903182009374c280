//! The bundle `init` writes: upstream's `pacto init` scaffold in the 1.1 shapes (a
//! `configurations` list, an owner object, named dependencies in the commented example), the same
//! under 1.2, or the 2.0 shapes of upstream's v3 CLI (top-level `workload` and `state`, an interface
//! by spec `ref`, capabilities bound to it, a readiness assessment of claims).

use crate::core::bundle::CONTRACT_FILE;
use crate::core::schema::SchemaVersion;

/// The formats `init --version` scaffolds; 1.0 has nothing 1.1 lacks.
pub const VERSIONS: [SchemaVersion; 3] = [SchemaVersion::V1_1, SchemaVersion::V1_2, SchemaVersion::V2_0];

/// The pattern of `service.name` in the 1.1 schema, which also makes a safe folder name.
fn is_service_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |it: &u8| it.is_ascii_lowercase() || it.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            allowed(first) && allowed(last) && bytes.iter().all(|it| allowed(it) || *it == b'-')
        }
        _ => false,
    }
}

/// Checks a name for `init`: it becomes both the folder and `service.name`.
pub fn check_name(name: &str) -> Result<(), String> {
    match is_service_name(name) {
        true => Ok(()),
        false => Err(format!(
            "`{}` is not a valid service name: use lowercase letters, digits and hyphens, starting and ending \
             with a letter or digit (for example `payments-api`)",
            crate::core::text::excerpt(name)
        )),
    }
}

/// The folders of the scaffold, parents first.
pub const DIRS: [&str; 2] = ["interfaces", "configuration"];

/// The files of the 1.1 scaffold for service `name` (which passed [`check_name`]): (bundle path, text).
pub fn files(name: &str) -> Vec<(&'static str, String)> {
    files_for(name, SchemaVersion::V1_1)
}

/// The files of the scaffold for service `name` (which passed [`check_name`]) in format `version`
/// (one of [`VERSIONS`]; 1.0 is written as 1.1): (bundle path, text).
pub fn files_for(name: &str, version: SchemaVersion) -> Vec<(&'static str, String)> {
    let contract = match version {
        SchemaVersion::V2_0 => CONTRACT_2_0.to_string(),
        // 1.2 is 1.1 without the per-check readiness, which the scaffold does not write.
        SchemaVersion::V1_2 => CONTRACT.replacen("pactoVersion: \"1.1\"", "pactoVersion: \"1.2\"", 1),
        SchemaVersion::V1_0 | SchemaVersion::V1_1 => CONTRACT.to_string(),
    };
    vec![
        (CONTRACT_FILE, contract.replace("{name}", name)),
        ("interfaces/openapi.yaml", OPENAPI.replace("{name}", name)),
        ("configuration/schema.json", CONFIG_SCHEMA.to_string()),
    ]
}

const CONTRACT: &str = r#"pactoVersion: "1.1"

service:
  name: {name}
  version: 0.1.0
  owner:
    team: my-team
  image:
    ref: ghcr.io/my-org/{name}:0.1.0
    private: false

interfaces:
  - name: api
    type: http
    port: 8080
    visibility: internal
    contract: interfaces/openapi.yaml

configurations:
  - name: default
    schema: configuration/schema.json

# dependencies:
#   - name: other-service
#     ref: oci://ghcr.io/my-org/other-service-pacto:1.0.0
#     required: true
#     compatibility: "^1.0.0"

runtime:
  workload: service

  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low

  lifecycle:
    upgradeStrategy: rolling
    gracefulShutdownSeconds: 30

  health:
    interface: api
    path: /health
    initialDelaySeconds: 5

scaling:
  min: 1
  max: 3

metadata:
  team: my-team
  tier: standard
"#;

const CONTRACT_2_0: &str = r#"pactoVersion: "2.0"

service:
  name: {name}
  version: 0.1.0
  owner:
    team: my-team

interfaces:
  - name: api
    type: openapi
    ref: interfaces/openapi.yaml
    visibility: internal

configurations:
  - name: default
    schema: configuration/schema.json
    required: true

# dependencies:
#   - name: other-service
#     ref: oci://ghcr.io/my-org/other-service-pacto:1.0.0
#     required: true
#     compatibility: "^1.0.0"

workload: service

state:
  type: stateless
  persistence:
    scope: local
    durability: ephemeral
  dataCriticality: low

capabilities:
  - type: health
    binding:
      type: http
      interface: api
      path: /health

readiness:
  minScore: 80
  expires: "2099-12-31"
  claims:
    - id: runbook
      type: document
      category: documentation
      status: not-done
      evidence: docs/runbook.md
      weight: 40
    - id: security-review
      type: ticket
      category: security
      status: not-done
      evidence: SEC-0000
      weight: 60

metadata:
  team: my-team
  tier: standard
"#;

const OPENAPI: &str = r#"openapi: "3.0.0"
info:
  title: {name}
  version: 0.1.0
paths:
  /health:
    get:
      summary: Health check
      responses:
        "200":
          description: OK
"#;

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {},
  "additionalProperties": false
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scaffold checks clean against the files it writes (the readiness gate is off, as in `check`).
    #[test]
    fn every_scaffold_is_a_valid_bundle() {
        use crate::core::bundle::{BundleRef, MemoryBundle};
        use crate::core::check::{Environment, Options, analyze};
        for version in VERSIONS {
            let files = files_for("orders-api", version);
            let bundle = files.iter().fold(MemoryBundle::new(), |bundle, (path, text)| bundle.with(path, text));
            let bundle = BundleRef { id: "memory://scaffold".into(), files: std::sync::Arc::new(bundle) };
            let options = Options {
                today: crate::core::date::parse_strict("2026-11-22").unwrap(),
                readiness_gate: false,
                warn_days: 14,
                compatibility: Default::default(),
            };
            let analysis = analyze(&files[0].1, &options, &Environment { bundle: Some(&bundle), resolver: None });
            assert_eq!(analysis.version, Some(version));
            assert!(analysis.findings.is_empty(), "{version:?}: {:#?}", analysis.findings);
        }
    }

    #[test]
    fn names_follow_the_service_name_pattern() {
        for ok in ["a", "payments-api", "0", "a1-b2"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a/b", "..", ".", "a b", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
