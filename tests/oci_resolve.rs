//! Registry-aware checks against a real registry (Debian's `docker-registry` on 127.0.0.1, see
//! `support/registry.rs`): `check --resolve` and its warnings about dependency and configuration refs (without
//! `--resolve` no registry is asked about them; with it, each answer is a warning and never changes the exit
//! code), and `oci://` policy refs applied by `pack` and `push` before anything is written.

#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;

use std::path::Path;
use std::process::{Command, Output};

use registry::{Registry, available};

/// Runs the binary with no credentials or config from this machine, and a fresh cache in `dir`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env_remove("PACTO_REGISTRY_TOKEN")
        .env_remove("PACTO_REGISTRY_USERNAME")
        .env_remove("PACTO_REGISTRY_PASSWORD")
        .env("XDG_CONFIG_HOME", "/dev/null/config")
        .env("DOCKER_CONFIG", "/dev/null/docker")
        .env("PACTO_CACHE_DIR", dir.join("cache"))
        .env("PACTO_TODAY", "2026-01-01")
        .envs(env.iter().copied())
        .output()
        .expect("run pacto-lsp")
}

fn text(output: &[u8]) -> String {
    String::from_utf8_lossy(output).into_owned()
}

/// Scaffolds `dir/NAME` with this `service.version` and pushes it to `oci://ADDR/acme/NAME:VERSION`.
fn publish(dir: &Path, addr: &str, name: &str, version: &str, env: &[(&str, &str)]) {
    let folder = dir.join(format!("{name}-{version}"));
    std::fs::create_dir_all(&folder).unwrap();
    let init = run(&folder, &["init", name], env);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init.stderr));
    let contract = folder.join(name).join("pacto.yaml");
    let source = std::fs::read_to_string(&contract).unwrap();
    std::fs::write(&contract, source.replace("version: 0.1.0", &format!("version: {version}"))).unwrap();
    let target = format!("oci://{addr}/acme/{name}");
    let pushed = run(&folder, &["push", &target, "-p", name], env);
    assert_eq!(pushed.status.code(), Some(0), "{}", text(&pushed.stderr));
}

/// A contract with these dependencies (`name`, `ref`, `compatibility`) in `dir/svc`.
fn service(dir: &Path, dependencies: &[(&str, &str, Option<&str>)]) {
    let mut contract = String::from("pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\ndependencies:\n");
    for (name, reference, compatibility) in dependencies {
        contract.push_str(&format!("  - name: {name}\n    ref: {reference}\n"));
        if let Some(range) = compatibility {
            contract.push_str(&format!("    compatibility: \"{range}\"\n"));
        }
    }
    std::fs::create_dir_all(dir.join("svc")).unwrap();
    std::fs::write(dir.join("svc/pacto.yaml"), contract).unwrap();
}

/// The `code path` pairs of the registry codes in `check --format json` output.
fn registry_findings(output: &Output) -> Vec<(String, String, String)> {
    let items: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let registry = ["DEPENDENCY_NOT_FOUND", "DEPENDENCY_INCOMPATIBLE", "REGISTRY_UNREACHABLE", "REGISTRY_AUTH_FAILED"];
    items
        .as_array()
        .unwrap()
        .iter()
        .filter(|it| registry.contains(&it["code"].as_str().unwrap()))
        .map(|it| {
            let field = |key: &str| it[key].as_str().unwrap().to_string();
            (field("code"), field("path"), field("severity"))
        })
        .collect()
}

#[test]
fn resolve_reports_what_the_registry_says_about_each_dependency() {
    if !available("`check --resolve`") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let addr = registry.addr.as_str();
    publish(temp.path(), addr, "db", "1.0.0", &[]);
    publish(temp.path(), addr, "db", "1.2.0", &[]);
    let db = format!("oci://{addr}/acme/db");
    service(
        temp.path(),
        &[
            ("pinned-old", &format!("{db}:1.0.0"), Some("^1.1.0")),
            ("tagless", &db, Some("^1.0.0")),
            ("missing-tag", &format!("{db}:9.9.9"), Some("^9.0.0")),
            ("no-match", &db, Some("^5")),
            ("down", "oci://127.0.0.1:1/acme/gone:1.0.0", Some("^1.0.0")),
            ("local", "./local", Some("^1.0.0")),
        ],
    );

    let plain = run(temp.path(), &["check", "svc", "--format", "json"], &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    assert_eq!(registry_findings(&plain), vec![], "without --resolve no registry is asked");

    let resolved = run(temp.path(), &["check", "svc", "--format", "json", "--resolve"], &[]);
    assert_eq!(resolved.status.code(), Some(0), "warnings never fail the check: {}", text(&resolved.stderr));
    let warning = |code: &str, path: &str| (code.to_string(), path.to_string(), "warning".to_string());
    assert_eq!(
        registry_findings(&resolved),
        vec![
            warning("DEPENDENCY_INCOMPATIBLE", "dependencies[0].compatibility"),
            warning("DEPENDENCY_NOT_FOUND", "dependencies[2].ref"),
            warning("DEPENDENCY_INCOMPATIBLE", "dependencies[3].compatibility"),
            warning("REGISTRY_UNREACHABLE", "dependencies[4].ref"),
        ]
    );

    let lines = run(temp.path(), &["check", "svc", "--format", "concise", "--resolve"], &[]);
    let out = text(&lines.stdout);
    assert!(
        out.contains(&format!(
            "svc/pacto.yaml:8:20: warning[DEPENDENCY_INCOMPATIBLE] `{db}:1.0.0` resolved to version `1.0.0`, which \
             does not satisfy `^1.1.0` (dependencies[0].compatibility)"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "warning[DEPENDENCY_INCOMPATIBLE] no published version of `{db}` satisfies `^5` (published: `1.2.0`, \
             `1.0.0`) (dependencies[3].compatibility)"
        )),
        "{out}"
    );
    assert!(out.contains("warning[REGISTRY_UNREACHABLE] registry `127.0.0.1:1` is unreachable"), "{out}");
}

#[test]
fn resolve_reports_refused_credentials_and_never_prints_the_password() {
    if !available("`check --resolve` with authentication") {
        return;
    }
    let registry = Registry::start_with_user("ci", "s3cret-pass");
    let temp = tempfile::tempdir().unwrap();
    let addr = registry.addr.as_str();
    let credentials = [("PACTO_REGISTRY_USERNAME", "ci"), ("PACTO_REGISTRY_PASSWORD", "s3cret-pass")];
    publish(temp.path(), addr, "db", "1.0.0", &credentials);
    service(temp.path(), &[("db", &format!("oci://{addr}/acme/db:1.0.0"), Some("^1.0.0"))]);

    let anonymous = run(temp.path(), &["check", "svc", "--format", "json", "--resolve"], &[]);
    assert_eq!(
        registry_findings(&anonymous),
        vec![("REGISTRY_AUTH_FAILED".into(), "dependencies[0].ref".into(), "warning".into())]
    );
    let wrong = [("PACTO_REGISTRY_USERNAME", "ci"), ("PACTO_REGISTRY_PASSWORD", "wrong-pass")];
    let refused = run(temp.path(), &["check", "svc", "--format", "concise", "--resolve"], &wrong);
    let out = text(&refused.stdout) + &text(&refused.stderr);
    assert!(
        out.contains(&format!("warning[REGISTRY_AUTH_FAILED] authentication failed for registry `{addr}`")),
        "{out}"
    );
    assert!(!out.contains("wrong-pass"), "{out}");

    let allowed = run(temp.path(), &["check", "svc", "--format", "json", "--resolve"], &credentials);
    assert_eq!(registry_findings(&allowed), vec![], "{}", text(&allowed.stderr));
}

/// Pushes the policy bundle of the `policy-ref-local` fixture (its policy: `service.owner` is required) to
/// `oci://ADDR/acme/org-policies:1.0.0` and returns that ref.
fn publish_policy(dir: &Path, addr: &str) -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/policy-ref-local/org-policies");
    std::fs::create_dir_all(dir.join("org/policy")).unwrap();
    std::fs::copy(fixture.join("policy/owner.json"), dir.join("org/policy/owner.json")).unwrap();
    let own = std::fs::read_to_string(fixture.join("pacto.yaml"))
        .unwrap()
        .replace("  version: 1.0.0\n", "  version: 1.0.0\n  owner: platform\n");
    std::fs::write(dir.join("org/pacto.yaml"), own).unwrap();
    let policy = format!("oci://{addr}/acme/org-policies:1.0.0");
    let pushed = run(dir, &["push", &policy, "-p", "org"], &[]);
    assert_eq!(pushed.status.code(), Some(0), "{}", text(&pushed.stderr));
    policy
}

#[test]
fn pack_and_push_apply_oci_policy_refs_before_anything_is_written() {
    if !available("`oci://` policy refs in pack and push") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let policy = publish_policy(temp.path(), &registry.addr);
    let contract = |owner: &str, reference: &str| {
        format!(
            "pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\n{owner}policies:\n  - name: org\n    ref: {reference}\n"
        )
    };
    std::fs::create_dir_all(temp.path().join("svc")).unwrap();
    std::fs::write(temp.path().join("svc/pacto.yaml"), contract("", &policy)).unwrap();

    let packed = run(temp.path(), &["pack", "svc"], &[]);
    assert_eq!(packed.status.code(), Some(1), "{}", text(&packed.stderr));
    let violation = format!(
        "svc/pacto.yaml:2:1: error[POLICY_VIOLATION] policy policies[\"org\"] -> {policy} policies[\"owner-required\"]: \
         `service` is missing the required key `owner` (service)\n"
    );
    assert!(text(&packed.stdout).contains(&violation), "{}", text(&packed.stdout));
    assert!(!temp.path().join("svc-1.0.0.tar.gz").exists());
    let target = format!("oci://{}/acme/svc", registry.addr);
    let pushed = run(temp.path(), &["push", &target, "-p", "svc"], &[]);
    assert_eq!(pushed.status.code(), Some(1), "{}", text(&pushed.stderr));
    assert!(text(&pushed.stdout).contains(&violation), "{}", text(&pushed.stdout));
    assert_eq!(registry::get(&registry.addr, "/v2/acme/svc/tags/list", None).unwrap().status, 404);

    let unreachable = "oci://127.0.0.1:1/acme/org-policies:1.0.0";
    std::fs::write(temp.path().join("svc/pacto.yaml"), contract("  owner: team\n", unreachable)).unwrap();
    let packed = run(temp.path(), &["pack", "svc"], &[]);
    assert_eq!(packed.status.code(), Some(1), "fails closed: {}", text(&packed.stdout));
    assert!(text(&packed.stdout).contains("error[POLICY_REF_UNRESOLVED]"), "{}", text(&packed.stdout));

    std::fs::write(temp.path().join("svc/pacto.yaml"), contract("  owner: team\n", &policy)).unwrap();
    let packed = run(temp.path(), &["pack", "svc"], &[]);
    assert_eq!(packed.status.code(), Some(0), "{}{}", text(&packed.stdout), text(&packed.stderr));
    let pushed = run(temp.path(), &["push", &target, "-p", "svc"], &[]);
    assert_eq!(pushed.status.code(), Some(0), "{}", text(&pushed.stderr));
}
