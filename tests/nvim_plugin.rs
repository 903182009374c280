//! End-to-end test of the Neovim plugin in `editors/nvim`: headless Neovim (the distribution's
//! `neovim` package, 0.7 or newer) gets the plugin on its runtimepath, and
//! `tests/nvim_plugin/plugin.lua` uses it like a user: `require('pacto').setup(…)` with this
//! build's `pacto-lsp`, `:edit` of a copy of `examples/broken-api`, then the plugin's filetype
//! detection, client, diagnostics, `:PactoValidate` / `:PactoPack` / `:PactoPush` / `:PactoDiff`
//! and `:checkhealth pacto`. No hand-made LSP client is involved: the plugin starts the server.
//!
//! Without `nvim` on the `PATH` the test prints a notice and passes, unless `CI` is set: CI installs
//! Neovim, so there a missing `nvim` is a failure.

mod support;

use std::path::Path;

use support::nvim::{Sandbox, TIMEOUT, require_nvim, run};

const PLUGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/nvim");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim_plugin/plugin.lua");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/broken-api");

/// What a Lua error that escaped the plugin looks like on Neovim's stderr.
const LUA_ERRORS: [&str; 3] = ["E5108", "Error executing", "stack traceback"];

#[test]
fn neovim_plugin_starts_the_server_and_runs_its_commands() {
    let Some(version) = require_nvim("the Neovim plugin test") else { return };
    let sandbox = Sandbox::with_copy_of(Path::new(EXAMPLE));
    let mut command = sandbox.command(&[
        // Like a plugin manager: on the runtimepath before startup, so plugin/ and ftdetect/ load.
        "--cmd",
        "let &runtimepath .= ',' . escape($PACTO_NVIM_PLUGIN, '\\,')",
        "-c",
        "execute 'luafile ' . fnameescape($PACTO_NVIM_SCRIPT)",
    ]);
    command.env("PACTO_NVIM_PLUGIN", PLUGIN).env("PACTO_NVIM_SCRIPT", SCRIPT);
    let finished = run(command);

    let report = || sandbox.report(&version, &finished);
    let Some(status) = finished.status else {
        panic!("nvim did not finish within {TIMEOUT:?} and was killed\n{}", report());
    };
    assert!(
        finished.stdout.lines().any(|it| it.trim() == "NVIM-PLUGIN-OK"),
        "the Neovim plugin test did not pass\n{}",
        report()
    );
    assert!(status.success(), "nvim exited with {status}\n{}", report());
    let escaped: Vec<&str> = LUA_ERRORS.into_iter().filter(|it| finished.stderr.contains(it)).collect();
    assert!(escaped.is_empty(), "a Lua error escaped the plugin ({escaped:?})\n{}", report());
    eprintln!("nvim_plugin.lua, {version}: NVIM-PLUGIN-OK in {:?}\n{}", finished.elapsed, finished.stdout.trim_end());
}
