//! End-to-end tests with a real editor: headless Neovim (the distribution's `neovim` package, 0.7
//! or newer) starts `pacto-lsp --stdio` with its built-in LSP client and a Lua script drives it
//! like a user and asserts what the editor gets:
//!
//! - `tests/nvim/diagnostics.lua` opens a copy of `examples/broken-api`, edits it and checks the
//!   diagnostics it shows;
//! - `tests/nvim/ide.lua` opens a copy of `examples/payments-api` and uses completion, hover, go
//!   to definition, references and rename through Neovim's own LSP functions, applying the
//!   server's edits with Neovim's;
//! - `tests/nvim/code_action.lua` opens a copy of `tests/nvim/ready-svc` (a `pactoVersion: "1.0"`
//!   contract with a readiness section and non-ASCII text), applies the version-bump quick fix and
//!   the expired-check extension the way Neovim applies code actions, and checks the readiness
//!   code lens;
//! - `tests/nvim/migrate.lua` opens a copy of `examples/payments-api` (a 1.1 contract with
//!   readiness, comments and an http interface without `contract`), checks the migration actions,
//!   applies "Migrate to pactoVersion 2.0" the way Neovim applies code actions (creating two spec
//!   files) and writes the buffers; the test then checks the files on disk.
//!
//! Without `nvim` on the `PATH` the tests print a notice and pass, unless `CI` is set: CI installs
//! Neovim, so there a missing `nvim` is a failure.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::nvim::{Sandbox, TIMEOUT, require_nvim, run};

/// A Lua script and the bundle it runs on (copied to a scratch directory first): one of `examples/`
/// or a fixture under `tests/nvim/`.
struct Scenario {
    script: &'static str,
    example: &'static str,
}

const DIAGNOSTICS: Scenario = Scenario {
    script: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/diagnostics.lua"),
    example: concat!(env!("CARGO_MANIFEST_DIR"), "/examples/broken-api"),
};

const IDE: Scenario = Scenario {
    script: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/ide.lua"),
    example: concat!(env!("CARGO_MANIFEST_DIR"), "/examples/payments-api"),
};

const CODE_ACTION: Scenario = Scenario {
    script: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/code_action.lua"),
    example: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/ready-svc"),
};

const MIGRATE: Scenario = Scenario {
    script: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/migrate.lua"),
    example: concat!(env!("CARGO_MANIFEST_DIR"), "/examples/payments-api"),
};

/// The golden migration of `examples/payments-api` (tests/migrate.rs keeps it up to date).
const MIGRATE_GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/migrate/payments-api");

#[test]
fn neovim_utf16_client_sees_diagnostics_and_edits() {
    run_neovim(&DIAGNOSTICS, "utf-16");
}

#[test]
fn neovim_utf8_client_sees_diagnostics_and_edits() {
    run_neovim(&DIAGNOSTICS, "utf-8");
}

#[test]
fn neovim_utf16_client_completes_hovers_navigates_and_renames() {
    run_neovim(&IDE, "utf-16");
}

#[test]
fn neovim_utf8_client_completes_hovers_navigates_and_renames() {
    run_neovim(&IDE, "utf-8");
}

#[test]
fn neovim_utf16_client_applies_code_actions_and_shows_the_readiness_lens() {
    run_neovim(&CODE_ACTION, "utf-16");
}

#[test]
fn neovim_utf8_client_applies_code_actions_and_shows_the_readiness_lens() {
    run_neovim(&CODE_ACTION, "utf-8");
}

#[test]
fn neovim_utf16_client_migrates_to_2_0_and_creates_the_spec_files() {
    run_migration("utf-16");
}

#[test]
fn neovim_utf8_client_migrates_to_2_0_and_creates_the_spec_files() {
    run_migration("utf-8");
}

/// Runs `tests/nvim/migrate.lua`, then checks what Neovim wrote: the contract is the golden
/// `after.yaml` byte for byte, the new spec files are the golden ones (but for the blank line Neovim
/// 0.7 appends, see below), `pacto-lsp check` finds no
/// error and `pacto-lsp migrate` has nothing left to do.
fn run_migration(encoding: &str) {
    let Some(sandbox) = run_neovim(&MIGRATE, encoding) else { return };
    let golden = Path::new(MIGRATE_GOLDEN);
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|it| panic!("{}: {it}", path.display()));
    assert_eq!(read(&sandbox.bundle.join("pacto.yaml")), read(&golden.join("after.yaml")), "the migrated contract");
    let files = new_files(&read(&golden.join("notes.txt")));
    assert_eq!(
        files.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(),
        ["interfaces/ledger.grpc.yaml", "interfaces/admin.openapi.yaml"]
    );
    for (path, content) in &files {
        // Neovim 0.7 loads a created (empty) file as one empty line and inserts the server's text
        // before it, so the buffer keeps that line and `:write` ends the file with a blank line:
        // exactly one `\n` more than the server sent, and nothing else may differ.
        let written = read(&sandbox.bundle.join(path));
        if written != *content {
            assert_eq!(written, format!("{content}\n"), "the created {path}");
            eprintln!("notice: Neovim wrote {path} with one trailing blank line more than the server's text");
        }
    }

    let cli = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
            .args(args)
            .arg(&sandbox.bundle)
            .env("PACTO_TODAY", "2026-01-15")
            .env("PACTO_LSP_NO_REGISTRY", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run pacto-lsp");
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (code, out) = cli(&["check"]);
    assert_eq!(code, Some(0), "pacto-lsp check on the migrated bundle:\n{out}");
    assert!(!out.contains("error"), "pacto-lsp check on the migrated bundle:\n{out}");
    let (code, out) = cli(&["migrate", "--to", "2.0"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("already pactoVersion 2.0\n"), "pacto-lsp migrate after the code action:\n{out}");
}

/// The `new file: PATH` sections of a golden `notes.txt`: each path and the file's content.
fn new_files(notes: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in notes.split_inclusive('\n') {
        match (line.strip_prefix("new file: "), files.last_mut()) {
            (Some(path), _) => files.push((path.trim_end().to_string(), String::new())),
            (None, Some((_, content))) => content.push_str(line),
            (None, None) => {}
        }
    }
    files
}

/// Runs a scenario to `NVIM-LSP-OK`; returns the sandbox for checks on disk, or `None` when Neovim
/// is not installed (see `require_nvim`).
fn run_neovim(scenario: &Scenario, encoding: &str) -> Option<Sandbox> {
    let version = require_nvim("the Neovim end-to-end test")?;
    let sandbox = Sandbox::with_copy_of(Path::new(scenario.example));
    let mut command = sandbox.command(&["-u", "NONE", "-c", "execute 'luafile ' . fnameescape($PACTO_NVIM_SCRIPT)"]);
    command.env("PACTO_NVIM_SCRIPT", scenario.script).env("PACTO_TEST_ENCODING", encoding);
    let finished = run(command);

    let script = Path::new(scenario.script).file_name().unwrap_or_default().to_string_lossy();
    let report = || sandbox.report(&format!("{script}: {version}, encoding {encoding}"), &finished);
    let Some(status) = finished.status else {
        panic!("nvim did not finish within {TIMEOUT:?} and was killed\n{}", report());
    };
    assert!(finished.stdout.lines().any(|it| it.trim() == "NVIM-LSP-OK"), "the Neovim test did not pass\n{}", report());
    assert!(status.success(), "nvim exited with {status}\n{}", report());
    eprintln!("{script}, {version} ({encoding}): NVIM-LSP-OK in {:?}", finished.elapsed);
    Some(sandbox)
}
