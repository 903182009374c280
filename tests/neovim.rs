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
//!   code lens.
//!
//! Without `nvim` on the `PATH` the tests print a notice and pass, unless `CI` is set: CI installs
//! Neovim, so there a missing `nvim` is a failure.

mod support;

use std::path::Path;

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

/// The first line of `nvim --version`, or `None` when Neovim cannot be run.
fn run_neovim(scenario: &Scenario, encoding: &str) {
    let Some(version) = require_nvim("the Neovim end-to-end test") else { return };
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
}
