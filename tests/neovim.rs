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

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Neovim is killed after this long; a healthy run takes well under a second.
const TIMEOUT: Duration = Duration::from_secs(60);

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
fn nvim_version() -> Option<String> {
    let output = Command::new("nvim").arg("--version").stdin(Stdio::null()).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_string())
}

fn run_neovim(scenario: &Scenario, encoding: &str) {
    let Some(version) = nvim_version() else {
        if std::env::var_os("CI").is_some() {
            panic!("`nvim` is not installed, but CI is set: CI must install Neovim (Debian: apt-get install neovim)");
        }
        eprintln!("notice: `nvim` is not installed; skipping the Neovim end-to-end test");
        return;
    };

    let temp = tempfile::tempdir().expect("temporary directory");
    // Canonical, so the file URI Neovim sends is the path the server sees (no symlinked /tmp).
    let root = temp.path().canonicalize().expect("canonical temporary directory");
    let example = Path::new(scenario.example);
    let bundle = root.join(example.file_name().expect("example directory name"));
    copy_dir(example, &bundle);
    let xdg = root.join("xdg");
    std::fs::create_dir_all(&xdg).expect("XDG directory");

    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n"])
        .args(["-c", "execute 'luafile ' . fnameescape($PACTO_NVIM_SCRIPT)"])
        .env("PACTO_NVIM_SCRIPT", scenario.script)
        .env("PACTO_LSP_BIN", env!("CARGO_BIN_EXE_pacto-lsp"))
        .env("PACTO_TEST_DIR", &bundle)
        .env("PACTO_TEST_ENCODING", encoding)
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

    let script = Path::new(scenario.script).file_name().unwrap_or_default().to_string_lossy();
    let report = || {
        let log = std::fs::read_to_string(xdg.join("cache/nvim/lsp.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        format!(
            "{script}: {version}, encoding {encoding}, after {elapsed:?}, status {status:?}\n\
             --- nvim stdout ---\n{stdout}\n--- nvim stderr ---\n{stderr}\n--- lsp.log (tail) ---\n{}",
            tail.join("\n")
        )
    };
    let Some(status) = status else {
        panic!("nvim did not finish within {TIMEOUT:?} and was killed\n{}", report());
    };
    assert!(stdout.lines().any(|it| it.trim() == "NVIM-LSP-OK"), "the Neovim test did not pass\n{}", report());
    assert!(status.success(), "nvim exited with {status}\n{}", report());
    eprintln!("{script}, {version} ({encoding}): NVIM-LSP-OK in {elapsed:?}");
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
