//! Registry credentials against a real registry behind htpasswd (Debian's `docker-registry`, started by
//! `support/registry.rs`): each source (environment, pacto's config file, the Docker config's `auths`, a Docker
//! credential helper), upstream's order between them, `login`/`logout`, and that no secret is ever printed.
//!
//! Every run gets its own `HOME` with no `XDG_CONFIG_HOME` or `DOCKER_CONFIG` unless a test sets them, so the
//! machine's own configuration is never read.

// Not every helper of the shared support module is used here.
#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use registry::{Registry, available};

const USER: &str = "pacto";
const PASSWORD: &str = "pw-Good-7f3q";
const WRONG: &str = "pw-Wrong-k2z9";

/// A test's world: a temporary folder holding `home`, `bin` (first on `PATH`) and the work folder.
struct World {
    temp: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let temp = tempfile::tempdir().unwrap();
        for dir in ["home", "bin", "work"] {
            std::fs::create_dir_all(temp.path().join(dir)).unwrap();
        }
        World { temp }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.temp.path().join(relative)
    }

    /// Runs pacto-lsp in `work` with only these variables set among the credential ones, and `stdin`.
    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        let path = format!("{}:{}", self.path("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
            .args(args)
            .current_dir(self.path("work"))
            .env_remove("PACTO_REGISTRY_TOKEN")
            .env_remove("PACTO_REGISTRY_USERNAME")
            .env_remove("PACTO_REGISTRY_PASSWORD")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("DOCKER_CONFIG")
            .env("HOME", self.path("home"))
            // Pulls must reach the registry each time, so the cache is somewhere that cannot exist.
            .env("PACTO_CACHE_DIR", "/dev/null/cache")
            .env("PATH", path)
            .env("PACTO_TODAY", "2026-01-01")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pacto-lsp");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        for secret in [PASSWORD, WRONG, "tok-Secret-91x", &basic(USER, PASSWORD), &basic(USER, WRONG)] {
            assert!(!all.contains(secret), "a secret was printed: {all}");
        }
        output
    }

    /// Writes a JSON config file (creating its folders).
    fn write(&self, relative: &str, json: serde_json::Value) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(&json).unwrap()).unwrap();
    }

    /// Installs `docker-credential-test` on `PATH`: it answers `user:password` for `host` and fails for others.
    fn helper(&self, host: &str, user: &str, password: &str) {
        let path = self.path("bin/docker-credential-test");
        let script = format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r host\nif [ \"$host\" = \"{host}\" ]; then\n  \
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}' \"$host\"\nelse\n  \
             echo 'credentials not found in native keychain'\n  exit 1\nfi\n"
        );
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

fn auths(host: &str, user: &str, password: &str) -> serde_json::Value {
    serde_json::json!({ "auths": { host: { "auth": basic(user, password) } } })
}

/// A registry behind htpasswd holding `acme/orders:0.1.0`, pushed with credentials from the environment.
fn registry_with_bundle(world: &World) -> (Registry, String) {
    let registry = Registry::start_with_user(USER, PASSWORD);
    let init = world.run(&["init", "orders"], &[], "");
    assert_eq!(init.status.code(), Some(0), "{}", text(&init.stderr));
    let reference = format!("oci://{}/acme/orders:0.1.0", registry.addr);
    let env = [("PACTO_REGISTRY_USERNAME", USER), ("PACTO_REGISTRY_PASSWORD", PASSWORD)];
    let pushed = world.run(&["push", &reference, "-p", "orders"], &env, "");
    assert_eq!(pushed.status.code(), Some(0), "{}", text(&pushed.stderr));
    (registry, reference)
}

/// Pulls into a fresh folder and says whether it worked; a failure must be the authentication error.
fn pulls(world: &World, reference: &str, env: &[(&str, &str)]) -> bool {
    let out = world.path(&format!("work/out-{}", rand_suffix()));
    let pulled = world.run(&["pull", reference, "-o", &out.display().to_string()], env, "");
    if pulled.status.code() == Some(0) {
        assert!(out.join("pacto.yaml").is_file());
        return true;
    }
    let message = text(&pulled.stderr);
    assert_eq!(pulled.status.code(), Some(2), "{message}");
    assert!(message.starts_with("error: authentication failed for registry `127.0.0.1:"), "{message}");
    assert!(message.contains("`pacto-lsp login`"), "{message}");
    false
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn each_source_authenticates_and_upstreams_order_is_kept() {
    if !available("the credential sources") {
        return;
    }
    let world = World::new();
    let (registry, reference) = registry_with_bundle(&world);
    let host = registry.addr.as_str();
    let good_env = [("PACTO_REGISTRY_USERNAME", USER), ("PACTO_REGISTRY_PASSWORD", PASSWORD)];
    let wrong_env = [("PACTO_REGISTRY_USERNAME", USER), ("PACTO_REGISTRY_PASSWORD", WRONG)];

    // Nothing anywhere: anonymous, refused.
    assert!(!pulls(&world, &reference, &[]));
    // The environment.
    assert!(pulls(&world, &reference, &good_env));
    assert!(!pulls(&world, &reference, &wrong_env));

    // Pacto's config file, at `~/.config` by default and at `$XDG_CONFIG_HOME`.
    world.write("home/.config/pacto/config.json", auths(host, USER, PASSWORD));
    assert!(pulls(&world, &reference, &[]));
    // The environment comes first: a user and password, or a token (which this registry does not take).
    assert!(!pulls(&world, &reference, &wrong_env));
    assert!(!pulls(&world, &reference, &[("PACTO_REGISTRY_TOKEN", "tok-Secret-91x")]));
    let xdg = world.path("xdg").display().to_string();
    world.write("xdg/pacto/config.json", auths(host, USER, WRONG));
    assert!(!pulls(&world, &reference, &[("XDG_CONFIG_HOME", &xdg)]));
    world.write("xdg/pacto/config.json", auths(host, USER, PASSWORD));
    assert!(pulls(&world, &reference, &[("XDG_CONFIG_HOME", &xdg)]));
    std::fs::remove_file(world.path("home/.config/pacto/config.json")).unwrap();

    // The Docker config's `auths` (`~/.docker` by default, `$DOCKER_CONFIG`), keyed by host or URL.
    world.write("home/.docker/config.json", auths(&format!("https://{host}/v1/"), USER, PASSWORD));
    assert!(pulls(&world, &reference, &[]));
    let docker = world.path("docker").display().to_string();
    world.write("docker/config.json", auths(host, USER, WRONG));
    assert!(!pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    // Pacto's config file comes before the Docker config.
    world.write("home/.config/pacto/config.json", auths(host, USER, WRONG));
    assert!(!pulls(&world, &reference, &[]));
    // An entry for another registry is not used.
    world.write("home/.config/pacto/config.json", auths("other.example:5000", USER, WRONG));
    assert!(pulls(&world, &reference, &[]));

    // A credential helper: `credHelpers` for the host, and `credsStore`; both come before `auths`.
    world.helper(host, USER, PASSWORD);
    let mut config = auths(host, USER, WRONG);
    config["credHelpers"] = serde_json::json!({ host: "test" });
    world.write("docker/config.json", config.clone());
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    config["credHelpers"] = serde_json::json!({});
    config["credsStore"] = serde_json::json!("test");
    world.write("docker/config.json", config.clone());
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    // A helper that knows nothing for this host falls through to `auths`.
    world.helper("elsewhere.example", USER, PASSWORD);
    assert!(!pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    world.write(
        "docker/config.json",
        serde_json::json!({ "credsStore": "test", "auths": auths(host, USER, PASSWORD)["auths"] }),
    );
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    // A helper that is not installed is skipped too.
    world.write(
        "docker/config.json",
        serde_json::json!({ "credsStore": "missing", "auths": auths(host, USER, PASSWORD)["auths"] }),
    );
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    // A helper giving wrong credentials is used before `auths`.
    world.helper(host, USER, WRONG);
    world.write(
        "docker/config.json",
        serde_json::json!({ "credsStore": "test", "auths": auths(host, USER, PASSWORD)["auths"] }),
    );
    assert!(!pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    // A helper that hangs is given up after 10 s, and `auths` is used.
    let path = world.path("bin/docker-credential-test");
    std::fs::write(&path, "#!/bin/sh\nexec sleep 60\n").unwrap();
    let started = std::time::Instant::now();
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker)]));
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_secs(9) && took < std::time::Duration::from_secs(30), "{took:?}");
    world.helper(host, USER, WRONG);
    // The environment still comes first of all.
    assert!(pulls(&world, &reference, &[("DOCKER_CONFIG", &docker), good_env[0], good_env[1]]));
}

#[test]
fn login_checks_the_credentials_and_logout_removes_them() {
    if !available("login and logout") {
        return;
    }
    let world = World::new();
    let (registry, reference) = registry_with_bundle(&world);
    let host = registry.addr.as_str();
    let file = world.path("home/.config/pacto/config.json");
    world.write("home/.config/pacto/config.json", auths("other.example:5000", "someone", "kept"));
    let other = serde_json::json!({ "auth": basic("someone", "kept") });

    // The password comes from stdin only.
    let refused = world.run(&["login", host, "-u", USER], &[], "");
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(text(&refused.stderr), "error: `login` reads the password from stdin: pass `--password-stdin`\n");
    let refused = world.run(&["login", host, "-u", USER, "-p", PASSWORD], &[], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("use `--password-stdin`"), "{}", text(&refused.stderr));

    // Wrong credentials: a clear error, nothing stored.
    let wrong = world.run(&["login", host, "-u", USER, "--password-stdin"], &[], &format!("{WRONG}\n"));
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(
        text(&wrong.stderr),
        format!(
            "error: authentication failed for registry `{host}` (the registry answered 401): wrong user name or \
             password; nothing was stored\n"
        )
    );
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored, serde_json::json!({ "auths": { "other.example:5000": other } }));

    // Right credentials: stored next to the other entry, mode 0600; pulls then work with no environment.
    let login = world.run(&["login", &format!("oci://{host}"), "-u", USER, "--password-stdin"], &[], PASSWORD);
    assert_eq!(login.status.code(), Some(0), "{}", text(&login.stderr));
    assert_eq!(text(&login.stdout), format!("logged in to {host} as {USER} (stored in {})\n", file.display()));
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let expected = serde_json::json!({ "auths": {
        "other.example:5000": other,
        host: { "auth": basic(USER, PASSWORD) },
    } });
    assert_eq!(stored, expected);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(pulls(&world, &reference, &[]));

    // Logout removes only that entry; pulls are anonymous again; a second logout has nothing to remove.
    let logout = world.run(&["logout", host], &[], "");
    assert_eq!(logout.status.code(), Some(0), "{}", text(&logout.stderr));
    assert_eq!(text(&logout.stdout), format!("logged out of {host}\n"));
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored, serde_json::json!({ "auths": { "other.example:5000": other } }));
    assert!(!pulls(&world, &reference, &[]));
    let again = world.run(&["logout", host], &[], "");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(text(&again.stderr), format!("warning: not logged in to {host}; nothing was removed\n"));
}

#[test]
fn login_writes_a_new_config_folder_and_refuses_a_broken_file() {
    if !available("login into a new folder") {
        return;
    }
    let world = World::new();
    let registry = Registry::start_with_user(USER, PASSWORD);
    let host = registry.addr.as_str();
    let xdg = world.path("fresh/config");
    let env = [("XDG_CONFIG_HOME", xdg.to_str().unwrap())];
    let login = world.run(&["login", host, "-u", USER, "--password-stdin"], &env, PASSWORD);
    assert_eq!(login.status.code(), Some(0), "{}", text(&login.stderr));
    let file: &Path = &xdg.join("pacto/config.json");
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(stored, auths(host, USER, PASSWORD));

    // A file that is not a JSON object is left alone.
    std::fs::write(file, "not json").unwrap();
    let broken = world.run(&["login", host, "-u", USER, "--password-stdin"], &env, PASSWORD);
    assert_eq!(broken.status.code(), Some(2));
    assert_eq!(text(&broken.stderr), format!("error: `{}` is not a JSON object; fix or remove it\n", file.display()));
    assert_eq!(std::fs::read(file).unwrap(), b"not json");

    // An unreachable registry is named, and nothing is stored.
    std::fs::remove_file(file).unwrap();
    let port = registry::free_port();
    let down = world.run(&["login", &format!("127.0.0.1:{port}"), "-u", USER, "--password-stdin"], &env, PASSWORD);
    assert_eq!(down.status.code(), Some(2));
    assert!(
        text(&down.stderr).starts_with(&format!("error: registry `127.0.0.1:{port}` is unreachable: ")),
        "{}",
        text(&down.stderr)
    );
    assert!(!file.exists());
}
