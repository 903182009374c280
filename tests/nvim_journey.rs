//! The user's journey in Neovim, end to end: `pacto-lsp init svc`, then headless Neovim with the plugin
//! in `editors/nvim` (loaded as `tests/nvim_plugin.rs` loads it) walks `tests/nvim_journey/journey.lua`:
//! mistakes fixed with the offered quick fixes, the "Add readiness section" source action, `:PactoPack`,
//! `:PactoPush` to a real registry on loopback (Debian's `docker-registry`), a changed port and
//! `:PactoDiff` against the pushed reference, BREAKING shown live at the port. Afterwards the registry is
//! read with plain HTTP: it holds the tag, with the digest the plugin showed.
//!
//! Without `nvim` or the registry the test prints a notice and passes, unless `CI` is set.
//!
//! With `PACTO_SCREENSHOTS=1` a second test walks the same journey in Neovim's real terminal interface
//! under tmux, captures the screen at three moments (a diagnostic, the quick-fix menu, the live
//! BREAKING diff) and renders them to `docs/images/nvim-*.png` with `tools/screenshots/ansi2png.py`
//! (Pillow). `tools/screenshots/nvim.sh` runs it.

// Only some of the registry helpers are used here.
#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;
mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use registry::{Registry, available, get};
use support::nvim::{Sandbox, TIMEOUT, require_nvim, run};

const PLUGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/nvim");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim_journey/journey.lua");
const RENDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/screenshots/ansi2png.py");
const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/images");

/// What a Lua error that escaped the plugin looks like on Neovim's stderr.
const LUA_ERRORS: [&str; 3] = ["E5108", "Error executing", "stack traceback"];

/// Neovim's arguments after the mode: the plugin on the runtimepath before startup (like a plugin
/// manager), then the journey script.
const ARGS: [&str; 4] = [
    "--cmd",
    "let &runtimepath .= ',' . escape($PACTO_NVIM_PLUGIN, '\\,')",
    "-c",
    "execute 'luafile ' . fnameescape($PACTO_NVIM_SCRIPT)",
];

/// The rest of the environment: the plugin, the script, the registry, and credentials and cache kept
/// out of this machine's.
fn environment(sandbox: &Sandbox, registry: &Registry) -> Vec<(&'static str, OsString)> {
    vec![
        ("PACTO_NVIM_PLUGIN", PLUGIN.into()),
        ("PACTO_NVIM_SCRIPT", SCRIPT.into()),
        ("PACTO_REGISTRY", registry.addr.clone().into()),
        ("DOCKER_CONFIG", sandbox.xdg.join("docker").into()),
        ("PACTO_CACHE_DIR", sandbox.xdg.join("pacto-cache").into()),
    ]
}

/// The scaffold and the registry the journey starts from, or `None` to skip.
fn start(what: &str) -> Option<(String, Sandbox, Registry)> {
    let version = require_nvim(what)?;
    if !available(what) {
        return None;
    }
    let registry = Registry::start();
    let (sandbox, printed) = Sandbox::with_init("svc");
    assert!(printed.starts_with("created svc/\n"), "`pacto-lsp init svc` printed {printed:?}");
    assert!(sandbox.bundle.join("pacto.yaml").is_file(), "`pacto-lsp init svc` wrote no svc/pacto.yaml");
    Some((version, sandbox, registry))
}

/// Checks what the registry holds after the push the script reported (`PUSHED REF DIGEST`).
fn assert_pushed(registry: &Registry, log: &str, report: &dyn Fn() -> String) {
    let line =
        log.lines().find_map(|it| it.strip_prefix("PUSHED ")).unwrap_or_else(|| panic!("no PUSHED line\n{}", report()));
    let (reference, digest) = line.split_once(' ').expect("PUSHED REF DIGEST");
    assert_eq!(reference, format!("oci://{}/acme/svc:0.1.0", registry.addr));
    let tags = get(&registry.addr, "/v2/acme/svc/tags/list", None).expect("the registry answers");
    assert_eq!(tags.status, 200);
    let tags: serde_json::Value = serde_json::from_slice(&tags.body).expect("a JSON tag list");
    assert_eq!(tags["tags"], serde_json::json!(["0.1.0"]), "{tags}");
    let manifest =
        get(&registry.addr, "/v2/acme/svc/manifests/0.1.0", Some("application/vnd.oci.image.manifest.v1+json"))
            .expect("the registry answers");
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.header("docker-content-digest"), Some(digest), "the digest shown is not the registry's");
    assert_eq!(registry::sha256(&manifest.body), digest);
}

#[test]
fn neovim_users_journey_from_init_to_a_live_breaking_diff() {
    let Some((version, sandbox, registry)) = start("the Neovim journey test") else { return };
    let mut command = sandbox.command(&ARGS);
    command.envs(environment(&sandbox, &registry));
    let finished = run(command);

    let report = || sandbox.report(&version, &finished);
    let Some(status) = finished.status else {
        panic!("nvim did not finish within {TIMEOUT:?} and was killed\n{}", report());
    };
    assert!(
        finished.stdout.lines().any(|it| it.trim() == "NVIM-JOURNEY-OK"),
        "the Neovim journey did not pass\n{}",
        report()
    );
    assert!(status.success(), "nvim exited with {status}\n{}", report());
    let escaped: Vec<&str> = LUA_ERRORS.into_iter().filter(|it| finished.stderr.contains(it)).collect();
    assert!(escaped.is_empty(), "a Lua error escaped the plugin ({escaped:?})\n{}", report());
    assert_pushed(&registry, &finished.stdout, &report);
    eprintln!("journey.lua, {version}: NVIM-JOURNEY-OK in {:?}\n{}", finished.elapsed, finished.stdout.trim_end());
}

/// The moments the script stops at for a capture, in order, and the image each becomes.
const MOMENTS: [(&str, &str); 3] =
    [("diagnostic", "nvim-diagnostic.png"), ("quickfix-menu", "nvim-quickfix.png"), ("breaking", "nvim-breaking.png")];

/// The terminal's size.
const COLUMNS: u16 = 120;
const ROWS: u16 = 40;

/// A tmux server of its own (a socket in the sandbox), killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.arg("-S").arg(&self.socket).stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> String {
        let output = self.command().args(args).output().expect("run tmux");
        assert!(output.status.success(), "tmux {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The screen as text, with colours (`-e`) or without.
    fn capture(&self, colours: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "journey"];
        if colours {
            args.push("-e");
        }
        self.run(&args)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

/// Where `python3` with Pillow is: `PACTO_PYTHON`, else Debian's (a pyenv shim earlier on the `PATH`
/// would not see `python3-pil`).
fn python() -> String {
    std::env::var("PACTO_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

fn wait_until(what: &str, log: &Path, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(!text.contains("NVIM-JOURNEY-FAIL"), "the journey failed while waiting for {what}:\n{text}");
        assert!(Instant::now() < deadline, "timed out waiting for {what}; journey.log:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn neovim_screenshots_when_asked() {
    if std::env::var_os("PACTO_SCREENSHOTS").is_none() {
        eprintln!("notice: PACTO_SCREENSHOTS is not set; not taking the Neovim screenshots");
        return;
    }
    let tmux = Command::new("tmux").arg("-V").stdin(Stdio::null()).output();
    assert!(tmux.is_ok_and(|it| it.status.success()), "PACTO_SCREENSHOTS needs tmux (Debian: apt-get install tmux)");
    let pillow = Command::new(python()).args(["-c", "import PIL"]).stdin(Stdio::null()).output();
    assert!(
        pillow.is_ok_and(|it| it.status.success()),
        "PACTO_SCREENSHOTS needs {} with Pillow (Debian: apt-get install python3-pil fonts-dejavu-core)",
        python()
    );
    let Some((_, sandbox, registry)) = start("the Neovim screenshots") else { return };
    let shots = sandbox.xdg.join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let log = shots.join("journey.log");
    let config = shots.join("tmux.conf");
    std::fs::write(&config, "set -g default-terminal screen-256color\nset -g status off\n").unwrap();
    let tmux = Tmux { socket: shots.join("tmux.socket") };

    let mut new_session = vec![
        "-f".to_string(),
        config.display().to_string(),
        "new-session".into(),
        "-d".into(),
        "-s".into(),
        "journey".into(),
        "-x".into(),
        COLUMNS.to_string(),
        "-y".into(),
        ROWS.to_string(),
        "-c".into(),
        sandbox.bundle.parent().unwrap().display().to_string(),
    ];
    let mut variables = sandbox.environment();
    variables.extend(environment(&sandbox, &registry));
    variables.push(("PACTO_SCREENSHOT_DIR", shots.clone().into()));
    for (name, value) in variables {
        new_session.push("-e".into());
        new_session.push(format!("{name}={}", value.to_string_lossy()));
    }
    new_session.extend(["nvim", "--clean", "-i", "NONE", "-n"].map(String::from));
    new_session.extend(ARGS.map(String::from));
    let args: Vec<&str> = new_session.iter().map(String::as_str).collect();
    tmux.run(&args);

    for (moment, image) in MOMENTS {
        let ready = shots.join(format!("{moment}.ready"));
        wait_until(&format!("the moment {moment}"), &log, || ready.exists());
        let screen = if moment == "quickfix-menu" {
            // The real menu (`inputlist()`): wait for it on the screen, capture it, then type the
            // number of the entry the script asked for.
            let title = std::fs::read_to_string(&ready).unwrap().trim().to_string();
            wait_until("the code-action menu on the screen", &log, || tmux.capture(false).contains("Code actions:"));
            std::thread::sleep(Duration::from_millis(300));
            let screen = tmux.capture(true);
            let plain = tmux.capture(false);
            let entry = plain
                .lines()
                .find_map(|line| line.trim().strip_suffix(&format!(": {title}")).map(str::to_string))
                .unwrap_or_else(|| panic!("the menu has no entry {title:?}:\n{plain}"));
            tmux.run(&["send-keys", "-t", "journey", &entry, "Enter"]);
            screen
        } else {
            std::thread::sleep(Duration::from_millis(300));
            let screen = tmux.capture(true);
            std::fs::write(shots.join(format!("{moment}.done")), "").unwrap();
            screen
        };
        let capture = shots.join(format!("{moment}.ans"));
        std::fs::write(&capture, &screen).unwrap();
        let target = Path::new(IMAGES).join(image);
        let rendered = Command::new(python())
            .arg(RENDER)
            .arg(&capture)
            .arg(&target)
            .args([COLUMNS.to_string(), ROWS.to_string()])
            .output()
            .expect("run ansi2png.py");
        assert!(rendered.status.success(), "ansi2png.py failed: {}", String::from_utf8_lossy(&rendered.stderr));
        eprintln!("wrote {}", target.display());
    }
    wait_until("the end of the journey", &log, || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("NVIM-JOURNEY-OK")
    });
    let text = std::fs::read_to_string(&log).unwrap();
    assert_pushed(&registry, &text, &|| text.clone());
}
