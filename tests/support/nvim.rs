//! Runs headless Neovim for the end-to-end tests: a scratch bundle, a hard timeout, captured output.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::lsp::copy_dir;

/// Neovim is killed after this long; a healthy run takes well under a second.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The first line of `nvim --version`. `None` means skip: without `nvim` a developer's run passes
/// with a notice, but under `CI` (which installs Neovim) a missing `nvim` is a failure.
pub fn require_nvim(what: &str) -> Option<String> {
    let version = Command::new("nvim")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|it| it.status.success())
        .map(|it| String::from_utf8_lossy(&it.stdout).lines().next().unwrap_or_default().to_string());
    if version.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`nvim` is not installed, but CI is set: CI must install Neovim (Debian: apt-get install neovim)"
        );
        eprintln!("notice: `nvim` is not installed; skipping {what}");
    }
    version
}

/// A scratch copy of a bundle, and a private XDG home so Neovim's state stays out of the user's.
pub struct Sandbox {
    _temp: tempfile::TempDir,
    pub bundle: PathBuf,
    pub xdg: PathBuf,
}

impl Sandbox {
    pub fn with_copy_of(example: &Path) -> Sandbox {
        let temp = tempfile::tempdir().expect("temporary directory");
        // Canonical, so the file URI Neovim sends is the path the server sees (no symlinked /tmp).
        let root = temp.path().canonicalize().expect("canonical temporary directory");
        let bundle = root.join(example.file_name().expect("example directory name"));
        copy_dir(example, &bundle);
        let xdg = root.join("xdg");
        std::fs::create_dir_all(&xdg).expect("XDG directory");
        Sandbox { _temp: temp, bundle, xdg }
    }

    /// A scratch folder in which `pacto-lsp init NAME` (this build's binary) scaffolded a bundle, as a
    /// user starts; `bundle` is the new folder. Returns the sandbox and what `init` printed.
    pub fn with_init(name: &str) -> (Sandbox, String) {
        let temp = tempfile::tempdir().expect("temporary directory");
        let root = temp.path().canonicalize().expect("canonical temporary directory");
        let output = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
            .args(["init", name])
            .current_dir(&root)
            .stdin(Stdio::null())
            .output()
            .expect("run pacto-lsp init");
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "pacto-lsp init {name} failed: {printed}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let xdg = root.join("xdg");
        std::fs::create_dir_all(&xdg).expect("XDG directory");
        (Sandbox { _temp: temp, bundle: root.join(name), xdg }, printed)
    }

    /// The environment [`Sandbox::command`] gives Neovim (the server, the bundle, the pinned date, the
    /// private XDG home), for a Neovim started some other way (in a terminal under tmux).
    pub fn environment(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("PACTO_LSP_BIN", env!("CARGO_BIN_EXE_pacto-lsp").into()),
            ("PACTO_TEST_DIR", self.bundle.clone().into()),
            ("PACTO_TODAY", "2026-01-15".into()),
            ("XDG_CACHE_HOME", self.xdg.join("cache").into()),
            ("XDG_STATE_HOME", self.xdg.join("state").into()),
            ("XDG_DATA_HOME", self.xdg.join("data").into()),
            ("XDG_CONFIG_HOME", self.xdg.join("config").into()),
        ]
    }

    /// `nvim --headless --clean -i NONE -n` with `args`, the server, the bundle, a pinned date and
    /// the private XDG home.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("nvim");
        command
            .args(["--headless", "--clean", "-i", "NONE", "-n"])
            .args(args)
            .env("PACTO_LSP_BIN", env!("CARGO_BIN_EXE_pacto-lsp"))
            .env("PACTO_TEST_DIR", &self.bundle)
            // Readiness findings depend on the date; pin it.
            .env("PACTO_TODAY", "2026-01-15")
            // The example contracts name real registries: the server asks none on its own.
            .env("PACTO_LSP_NO_REGISTRY", "1")
            .env("XDG_CACHE_HOME", self.xdg.join("cache"))
            .env("XDG_STATE_HOME", self.xdg.join("state"))
            .env("XDG_DATA_HOME", self.xdg.join("data"))
            .env("XDG_CONFIG_HOME", self.xdg.join("config"))
            .env_remove("NVIM_LISTEN_ADDRESS")
            .env_remove("NVIM");
        command
    }

    /// Everything needed to understand a failed run: `header`, status, output, and the end of
    /// Neovim's LSP log.
    pub fn report(&self, header: &str, finished: &Finished) -> String {
        let log = std::fs::read_to_string(self.xdg.join("cache/nvim/lsp.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        format!(
            "{header}, after {:?}, status {:?}\n--- nvim stdout ---\n{}\n--- nvim stderr ---\n{}\n--- lsp.log (tail) ---\n{}",
            finished.elapsed,
            finished.status,
            finished.stdout,
            finished.stderr,
            tail.join("\n")
        )
    }
}

pub struct Finished {
    /// `None` when Neovim had to be killed after `TIMEOUT`.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs the command to its end (or kills it after `TIMEOUT`), reading its output as it comes.
pub fn run(mut command: Command) -> Finished {
    let mut child =
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start nvim");
    let stdout = read_in_background(child.stdout.take().expect("stdout"));
    let stderr = read_in_background(child.stderr.take().expect("stderr"));
    let started = Instant::now();
    let status = loop {
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
    Finished { status, stdout: collect(stdout), stderr: collect(stderr), elapsed }
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

fn collect(receiver: mpsc::Receiver<String>) -> String {
    receiver.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| "<output not available>".into())
}
