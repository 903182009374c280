//! Hostile repositories: whatever a cloned bundle holds (FIFOs, links to devices, to the
//! server's own stdin or out of the bundle, huge files, policy graphs), `check` and the language
//! server finish promptly with a finding on the reference, in bounded memory, and never show
//! what lies outside the bundle.

#![cfg(unix)]

mod support;

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pacto_lsp::core::check::{Environment, Options, analyze};
use pacto_lsp::core::date;
use pacto_lsp::core::finding::Code;
use serde_json::{Value, json};
use support::lsp::{Server, file_uri};

const SECRET: &str = "TOP-SECRET-CONTENT";

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

/// A bundle whose references are all hostile, inside `dir/bundle`; `dir/secret.yaml` lies outside.
fn hostile_bundle(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("bundle");
    for sub in ["interfaces", "configuration", "policy"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(dir.join("secret.yaml"), format!("{SECRET}: [\n")).unwrap();
    mkfifo(&root.join("interfaces/fifo.yaml"));
    symlink("/dev/zero", root.join("interfaces/zero.yaml")).unwrap();
    symlink("/proc/self/fd/0", root.join("interfaces/stdin.yaml")).unwrap();
    symlink("../../secret.yaml", root.join("interfaces/outside.yaml")).unwrap();
    symlink("/dev/zero", root.join("configuration/schema.json")).unwrap();
    mkfifo(&root.join("policy/schema.json"));
    let contract = "pactoVersion: \"1.1\"
service:
  name: hostile
  version: 1.0.0
interfaces:
  - name: fifo
    type: http
    port: 8080
    contract: interfaces/fifo.yaml
  - name: zero
    type: http
    port: 8081
    contract: interfaces/zero.yaml
  - name: stdin
    type: http
    port: 8082
    contract: interfaces/stdin.yaml
  - name: outside
    type: http
    port: 8083
    contract: interfaces/outside.yaml
configurations:
  - name: default
    schema: configuration/schema.json
policies:
  - name: fifo
    schema: policy/schema.json
";
    std::fs::write(root.join("pacto.yaml"), contract).unwrap();
    root
}

/// The findings the hostile bundle must produce, as `CODE path | message`.
const HOSTILE_FINDINGS: [&str; 6] = [
    "FILE_UNREADABLE interfaces[0].contract | `interfaces/fifo.yaml` is not a regular file (it is a named pipe)",
    "FILE_UNREADABLE interfaces[1].contract | `interfaces/zero.yaml` leads outside the bundle (through a symbolic link)",
    "FILE_UNREADABLE interfaces[2].contract | `interfaces/stdin.yaml` leads outside the bundle (through a symbolic link)",
    "FILE_UNREADABLE interfaces[3].contract | `interfaces/outside.yaml` leads outside the bundle (through a symbolic link)",
    "FILE_UNREADABLE configurations[0].schema | `configuration/schema.json` leads outside the bundle (through a symbolic link)",
    "FILE_UNREADABLE policies[0].schema | `policy/schema.json` is not a regular file (it is a named pipe)",
];

/// Runs the binary with a stdin that stays open (reading it would hang), killing it after `limit`.
fn run_bounded(dir: &Path, args: &[&str], limit: Duration) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env("PACTO_TODAY", "2026-11-22")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`pacto-lsp {}` did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), out, err, elapsed)
}

/// The largest resident set of any child this process has waited for, in KiB.
fn max_child_rss_kib() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss
}

#[test]
fn check_reports_every_hostile_file_promptly_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    hostile_bundle(dir.path());
    let (code, out, err, elapsed) =
        run_bounded(dir.path(), &["check", "--format", "json", "bundle"], Duration::from_secs(20));
    assert_eq!(code, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    let findings: Vec<Value> = serde_json::from_str(&out).unwrap();
    let rendered: Vec<String> = findings
        .iter()
        .map(|it| {
            format!(
                "{} {} | {}",
                it["code"].as_str().unwrap(),
                it["path"].as_str().unwrap(),
                it["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(rendered, HOSTILE_FINDINGS);
    assert!(!out.contains(SECRET) && !err.contains(SECRET), "the outside file's content leaked");
    let canonical = dir.path().canonicalize().unwrap();
    assert!(!out.contains(&*canonical.to_string_lossy()), "a resolved path leaked:\n{out}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(max_child_rss_kib() < 200 * 1024, "RSS {} KiB", max_child_rss_kib());
}

#[test]
fn check_refuses_a_contract_that_is_not_a_regular_file_in_its_bundle() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["fifo", "zero", "stdin", "outside", "big"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("secret.yaml"), SECRET).unwrap();
    mkfifo(&dir.path().join("fifo/pacto.yaml"));
    symlink("/dev/zero", dir.path().join("zero/pacto.yaml")).unwrap();
    symlink("/proc/self/fd/0", dir.path().join("stdin/pacto.yaml")).unwrap();
    symlink("../secret.yaml", dir.path().join("outside/pacto.yaml")).unwrap();
    let big = std::fs::File::create(dir.path().join("big/pacto.yaml")).unwrap();
    big.set_len(pacto_lsp::fs::MAX_FILE + 1).unwrap();
    let args = ["check", "fifo", "zero", "stdin/pacto.yaml", "outside", "big"];
    let (code, out, err, elapsed) = run_bounded(dir.path(), &args, Duration::from_secs(20));
    assert_eq!(code, Some(2));
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "error: fifo: the contract is not a regular file (it is a named pipe)",
            "error: zero: the contract leads outside the bundle (through a symbolic link)",
            "error: stdin/pacto.yaml: the contract leads outside the bundle (through a symbolic link)",
            "error: outside: the contract leads outside the bundle (through a symbolic link)",
            "error: big: the contract is larger than 16 MiB",
        ]
    );
    // Nothing was checked: the summary must not say "no problems".
    assert_eq!(out, "checked no contracts; 5 paths could not be checked\n");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

fn options() -> Options {
    Options {
        today: date::parse_strict("2026-11-22").unwrap(),
        readiness_gate: false,
        warn_days: 14,
        compatibility: Default::default(),
    }
}

/// Checks `root/pacto.yaml` as the CLI does, with `workspace` as the folder refs may reach.
fn check_dir(root: &Path, workspace: &Path) -> Vec<(Code, String, String)> {
    let text = std::fs::read_to_string(root.join("pacto.yaml")).unwrap();
    let (bundle, resolver) = pacto_lsp::fs::local(root, workspace);
    let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
    analyze(&text, &options(), &env).findings.into_iter().map(|it| (it.code, it.path.to_string(), it.message)).collect()
}

fn contract_with_policy_refs(refs: &[String]) -> String {
    let mut text = String::from("pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\npolicies:\n");
    for (index, reference) in refs.iter().enumerate() {
        text.push_str(&format!("  - name: p{index}\n    ref: {reference}\n"));
    }
    text
}

#[test]
fn a_policy_that_cannot_be_loaded_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let svc = ws.join("svc");
    std::fs::create_dir_all(&svc).unwrap();
    let policy = |name: &str| {
        let root = ws.join(name).join("policy");
        std::fs::create_dir_all(&root).unwrap();
        root.join("schema.json")
    };
    std::fs::create_dir(policy("folder")).unwrap();
    mkfifo(&policy("fifo"));
    symlink("/dev/zero", policy("zero")).unwrap();
    std::fs::File::create(policy("big")).unwrap().set_len(pacto_lsp::fs::MAX_FILE + 1).unwrap();
    std::fs::create_dir_all(dir.path().join("elsewhere/policy")).unwrap();
    std::fs::write(dir.path().join("elsewhere/policy/schema.json"), "{}").unwrap();
    symlink(dir.path().join("elsewhere"), ws.join("linked")).unwrap();
    symlink(dir.path().join("gone"), ws.join("dangling")).unwrap();
    let refs: Vec<String> = ["folder", "fifo", "zero", "big", "linked", "dangling", "absent"]
        .iter()
        .map(|it| format!("../{it}"))
        .chain(["../../elsewhere".to_string(), "file:///etc".to_string()])
        .collect();
    std::fs::write(svc.join("pacto.yaml"), contract_with_policy_refs(&refs)).unwrap();
    let findings = check_dir(&svc, &ws);
    let expected: Vec<(Code, String, String)> = [
        "../folder`: policy/schema.json is a directory, not a file",
        "../fifo`: policy/schema.json is not a regular file (it is a named pipe)",
        "../zero`: policy/schema.json leads outside the bundle (through a symbolic link)",
        "../big`: policy/schema.json is larger than 16 MiB",
        // Out of the workspace through a link or by the path itself: one message, whether or not it exists.
        "../linked`: it leads outside the workspace",
        "../dangling`: it leads outside the workspace",
        "../absent`: it holds neither pacto.yaml with policies nor policy/schema.json",
        "../../elsewhere`: it leads outside the workspace",
        "file:///etc`: it leads outside the workspace",
    ]
    .iter()
    .enumerate()
    .map(|(index, tail)| {
        (Code::POLICY_REF_UNRESOLVED, format!("policies[{index}].ref"), format!("cannot resolve policy ref `{tail}"))
    })
    .collect();
    assert_eq!(findings, expected);
}

#[test]
fn a_policy_graph_is_resolved_once_per_bundle() {
    // Eight levels of eight bundles, each referring to all eight of the next level: 8^8 paths,
    // 64 bundles. Each last-level bundle requires a key of its own.
    const FAN: usize = 8;
    const DEPTH: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    for level in 0..DEPTH {
        for index in 0..FAN {
            let root = dir.path().join(format!("l{level}-{index}"));
            std::fs::create_dir_all(root.join("policy")).unwrap();
            if level + 1 == DEPTH {
                let schema = json!({"type": "object", "required": [format!("key{index}")]});
                std::fs::write(root.join("policy/schema.json"), schema.to_string()).unwrap();
                continue;
            }
            let refs: Vec<String> = (0..FAN).map(|next| format!("../l{}-{next}", level + 1)).collect();
            std::fs::write(root.join("pacto.yaml"), contract_with_policy_refs(&refs)).unwrap();
        }
    }
    let svc = dir.path().join("svc");
    std::fs::create_dir(&svc).unwrap();
    std::fs::write(svc.join("pacto.yaml"), contract_with_policy_refs(&["../l0-0".to_string()])).unwrap();
    let started = Instant::now();
    let findings = check_dir(&svc, dir.path());
    let elapsed = started.elapsed();
    let violations: Vec<&str> =
        findings.iter().filter(|it| it.0 == Code::POLICY_VIOLATION).map(|it| it.2.as_str()).collect();
    assert_eq!(violations.len(), FAN, "{findings:#?}");
    for index in 0..FAN {
        assert!(violations.iter().any(|it| it.contains(&format!("`key{index}`"))), "{violations:#?}");
    }
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn policy_chains_deeper_than_sixteen_refs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = |length: usize| {
        let base = dir.path().join(format!("chain{length}"));
        for level in 0..length {
            let root = base.join(format!("p{level}"));
            std::fs::create_dir_all(root.join("policy")).unwrap();
            match level + 1 == length {
                true => std::fs::write(root.join("policy/schema.json"), r#"{"required": ["nope"]}"#).unwrap(),
                false => {
                    std::fs::write(root.join("pacto.yaml"), contract_with_policy_refs(&[format!("../p{}", level + 1)]))
                        .unwrap()
                }
            }
        }
        std::fs::create_dir_all(base.join("svc")).unwrap();
        std::fs::write(base.join("svc/pacto.yaml"), contract_with_policy_refs(&["../p0".to_string()])).unwrap();
        check_dir(&base.join("svc"), &base)
    };
    let sixteen = chain(16);
    assert_eq!(sixteen.iter().map(|it| it.0).collect::<Vec<_>>(), [Code::POLICY_VIOLATION]);
    let seventeen = chain(17);
    assert_eq!(
        seventeen,
        [(
            Code::POLICY_REF_UNRESOLVED,
            "policies[0].ref".to_string(),
            "policy refs nest deeper than 16 levels".to_string()
        )]
    );
}

/// A number from a live process's procfs status (`Threads:`, `VmHWM:` in KiB).
fn status(pid: u32, field: &str) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let value = status.lines().find_map(|it| it.strip_prefix(field)).unwrap();
    value.trim().trim_end_matches(" kB").parse().unwrap()
}

#[test]
fn the_server_reports_hostile_files_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let root = hostile_bundle(dir.path());
    let file = root.join("pacto.yaml");
    let uri = file_uri(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut server = Server::start();
    server.initialize(json!({}), json!({}));
    server.open(&uri, &text, 1);
    let diagnostics = server.diagnostics(&uri, 1);
    let mut codes: Vec<&str> = diagnostics.iter().map(|it| it["code"].as_str().unwrap()).collect();
    codes.dedup();
    assert_eq!(codes, ["FILE_UNREADABLE"], "{diagnostics:#?}");
    assert_eq!(diagnostics.len(), HOSTILE_FINDINGS.len());
    // Typing: every version is checked against the same hostile files; no thread may be left behind.
    for version in 2..=60 {
        let line = version as u64 + 40;
        server.change(&uri, version, json!([{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": format!("# edit {version}\n")}]));
        if version % 10 == 0 {
            assert_eq!(server.diagnostics(&uri, version).len(), HOSTILE_FINDINGS.len());
        }
    }
    let threads = status(server.pid(), "Threads:");
    assert!(threads < 24, "{threads} threads after 60 edits");
    let peak_kib = status(server.pid(), "VmHWM:");
    assert!(peak_kib < 200 * 1024, "peak RSS {peak_kib} KiB");
    let hover = server
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 4}}));
    assert!(hover.expect("hover answers")["contents"]["value"].as_str().is_some_and(|it| !it.is_empty()));
    assert!(!server.stderr.lock().unwrap().contains(SECRET));
    assert!(server.shutdown_and_exit().success());
}
