//! End-to-end test of the Neovim plugin in `editors/nvim`: headless Neovim (the distribution's
//! `neovim` package, 0.7 or newer) gets the plugin on its runtimepath, and
//! `tests/nvim_plugin/plugin.lua` uses it like a user: `require('pacto').setup(…)` with this
//! build's `pacto-lsp`, `:edit` of a copy of `examples/broken-api`, then the plugin's filetype
//! detection, client, diagnostics, `:PactoValidate` / `:PactoPack` / `:PactoPush` / `:PactoDiff`
//! and `:checkhealth pacto`. No hand-made LSP client is involved: the plugin starts the server.
//!
//! Without `nvim` on the `PATH` the test prints a notice and passes, unless `CI` is set: CI installs
//! Neovim, so there a missing `nvim` is a failure.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Neovim is killed after this long; a healthy run takes about a second.
const TIMEOUT: Duration = Duration::from_secs(60);

const PLUGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/nvim");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim_plugin/plugin.lua");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/broken-api");

/// What a Lua error that escaped the plugin looks like on Neovim's stderr.
const LUA_ERRORS: [&str; 3] = ["E5108", "Error executing", "stack traceback"];

#[test]
fn neovim_plugin_starts_the_server_and_runs_its_commands() {
    let Some(version) = nvim_version() else {
        if std::env::var_os("CI").is_some() {
            panic!("`nvim` is not installed, but CI is set: CI must install Neovim (Debian: apt-get install neovim)");
        }
        eprintln!("notice: `nvim` is not installed; skipping the Neovim plugin test");
        return;
    };

    let temp = tempfile::tempdir().expect("temporary directory");
    // Canonical, so the file URI Neovim sends is the path the server sees (no symlinked /tmp).
    let root = temp.path().canonicalize().expect("canonical temporary directory");
    let bundle = root.join("broken-api");
    copy_dir(Path::new(EXAMPLE), &bundle);
    let xdg = root.join("xdg");
    std::fs::create_dir_all(&xdg).expect("XDG directory");

    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-i", "NONE", "-n"])
        // Like a plugin manager: on the runtimepath before startup, so plugin/ and ftdetect/ load.
        .args(["--cmd", "let &runtimepath .= ',' . escape($PACTO_NVIM_PLUGIN, '\\,')"])
        .args(["-c", "execute 'luafile ' . fnameescape($PACTO_NVIM_SCRIPT)"])
        .env("PACTO_NVIM_PLUGIN", PLUGIN)
        .env("PACTO_NVIM_SCRIPT", SCRIPT)
        .env("PACTO_LSP_BIN", env!("CARGO_BIN_EXE_pacto-lsp"))
        .env("PACTO_TEST_DIR", &bundle)
        // Readiness findings depend on the date; pin it.
        .env("PACTO_TODAY", "2026-01-15")
        // Keep Neovim's LSP log and state out of the user's home.
        .env("XDG_CACHE_HOME", xdg.join("cache"))
        .env("XDG_STATE_HOME", xdg.join("state"))
        .env("XDG_DATA_HOME", xdg.join("data"))
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env_remove("NVIM_LISTEN_ADDRESS")
        .env_remove("NVIM")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");

    let stdout = read_in_background(child.stdout.take().expect("stdout"));
    let stderr = read_in_background(child.stderr.take().expect("stderr"));
    let started = Instant::now();
    let status: Option<ExitStatus> = loop {
        match child.try_wait().expect("wait for nvim") {
            Some(status) => break Some(status),
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => thread::sleep(Duration::from_millis(20)),
        }
    };
    let elapsed = started.elapsed();
    let stdout = collect(stdout);
    let stderr = collect(stderr);

    let report = || {
        let log = std::fs::read_to_string(xdg.join("cache/nvim/lsp.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        format!(
            "{version}, after {elapsed:?}, status {status:?}\n\
             --- nvim stdout ---\n{stdout}\n--- nvim stderr ---\n{stderr}\n--- lsp.log (tail) ---\n{}",
            tail.join("\n")
        )
    };
    let Some(status) = status else {
        panic!("nvim did not finish within {TIMEOUT:?} and was killed\n{}", report());
    };
    assert!(
        stdout.lines().any(|it| it.trim() == "NVIM-PLUGIN-OK"),
        "the Neovim plugin test did not pass\n{}",
        report()
    );
    assert!(status.success(), "nvim exited with {status}\n{}", report());
    let escaped: Vec<&str> = LUA_ERRORS.into_iter().filter(|it| stderr.contains(it)).collect();
    assert!(escaped.is_empty(), "a Lua error escaped the plugin ({escaped:?})\n{}", report());
    eprintln!("nvim_plugin.lua, {version}: NVIM-PLUGIN-OK in {elapsed:?}\n{}", stdout.trim_end());
}

/// The first line of `nvim --version`, or `None` when Neovim cannot be run.
fn nvim_version() -> Option<String> {
    let output = Command::new("nvim").arg("--version").stdin(Stdio::null()).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_string())
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn read_in_background(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

/// The pipe's contents; bounded, in case a grandchild still holds the pipe open.
fn collect(receiver: mpsc::Receiver<String>) -> String {
    receiver.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| "<output not available>".into())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|error| panic!("create {}: {error}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|error| panic!("read {}: {error}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|error| panic!("copy {}: {error}", entry.path().display()));
        }
    }
}
