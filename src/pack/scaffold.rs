//! The bundle `init` writes: upstream's `pacto init` scaffold in the 1.1 shapes (a
//! `configurations` list, an owner object, named dependencies in the commented example).

use crate::core::bundle::CONTRACT_FILE;

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

/// The files of the scaffold for service `name` (which passed [`check_name`]): (bundle path, text).
pub fn files(name: &str) -> Vec<(&'static str, String)> {
    vec![
        (CONTRACT_FILE, CONTRACT.replace("{name}", name)),
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
