//! Where registry credentials come from, in upstream's order (upstream-facts §E.6): the environment, pacto's
//! own `config.json`, the Docker config (credential helpers, then `auths`), else none. Also the pacto config
//! file `login` writes and `logout` edits. No secret is ever put into a message.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::Auth;

/// The longest a Docker credential helper may run.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a credential helper may print (bytes).
const HELPER_MAX_OUTPUT: u64 = 64 * 1024;
/// The largest config file read (bytes).
const MAX_CONFIG: u64 = 1 << 20;

/// Where the credentials for a registry were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Environment,
    PactoConfig,
    DockerHelper,
    DockerConfig,
    Anonymous,
}

/// The credentials for `registry` (`host` or `host:port`) and where they came from, in upstream's order.
pub fn lookup(registry: &str) -> (Auth, Source) {
    let env = Auth::from_env();
    if !matches!(env, Auth::Anonymous) {
        return (env, Source::Environment);
    }
    if let Some(path) = pacto_config_path()
        && let Some(auth) = read_json(&path).and_then(|config| from_auths(&config, registry))
    {
        return (auth, Source::PactoConfig);
    }
    if let Some(path) = docker_config_path()
        && let Some(config) = read_json(&path)
    {
        let helper = config
            .get("credHelpers")
            .and_then(Value::as_object)
            .and_then(|helpers| helpers.iter().find(|(host, _)| same_registry(host, registry)))
            .and_then(|(_, name)| name.as_str())
            .or_else(|| config.get("credsStore").and_then(Value::as_str))
            .filter(|name| !name.is_empty());
        if let Some(auth) = helper.and_then(|name| run_helper(name, registry)) {
            return (auth, Source::DockerHelper);
        }
        if let Some(auth) = from_auths(&config, registry) {
            return (auth, Source::DockerConfig);
        }
    }
    (Auth::Anonymous, Source::Anonymous)
}

/// `$XDG_CONFIG_HOME/pacto/config.json`, else `~/.config/pacto/config.json`.
pub fn pacto_config_path() -> Option<PathBuf> {
    let base = non_empty("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("pacto").join("config.json"))
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn docker_config_path() -> Option<PathBuf> {
    let base = non_empty("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".docker")))?;
    Some(base.join("config.json"))
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|it| !it.is_empty())
}

/// A config file as a JSON object; `None` when it is missing, too large or not a JSON object.
fn read_json(path: &Path) -> Option<Map<String, Value>> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_CONFIG {
        return None;
    }
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Whether a config key (`host`, `host:port`, or a URL such as `https://host/v1/`) names `registry`.
fn same_registry(key: &str, registry: &str) -> bool {
    let key = key.split_once("://").map_or(key, |(_, rest)| rest);
    let key = key.split('/').next().unwrap_or(key);
    key.eq_ignore_ascii_case(registry)
}

/// The `auths` entry for `registry`: `auth` (base64 of `user:password`), else `username` and `password`.
fn from_auths(config: &Map<String, Value>, registry: &str) -> Option<Auth> {
    let auths = config.get("auths")?.as_object()?;
    let entry = auths
        .get(registry)
        .or_else(|| auths.iter().find(|(key, _)| same_registry(key, registry)).map(|(_, entry)| entry))?;
    if let Some(encoded) = entry.get("auth").and_then(Value::as_str).filter(|it| !it.is_empty()) {
        let decoded = STANDARD.decode(encoded.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(Auth::Basic { username: username.to_string(), password: password.to_string() });
    }
    let username = entry.get("username").and_then(Value::as_str)?;
    let password = entry.get("password").and_then(Value::as_str)?;
    Some(Auth::Basic { username: username.to_string(), password: password.to_string() })
}

/// Runs `docker-credential-NAME get` with the registry on stdin, under [`HELPER_TIMEOUT`]. `None` when the
/// helper is missing, fails, runs too long or knows no credentials.
fn run_helper(name: &str, registry: &str) -> Option<Auth> {
    // A helper name is one word; anything else is not run.
    if !name.chars().all(|it| it.is_ascii_alphanumeric() || it == '-' || it == '_' || it == '.') {
        return None;
    }
    let mut child = Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(registry.as_bytes());
    }
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.take(HELPER_MAX_OUTPUT).read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let bytes = reader.join().ok()?;
    if !status.success() {
        return None;
    }
    let answer: Value = serde_json::from_slice(&bytes).ok()?;
    let username = answer.get("Username").and_then(Value::as_str)?;
    let secret = answer.get("Secret").and_then(Value::as_str).filter(|it| !it.is_empty())?;
    Some(Auth::Basic { username: username.to_string(), password: secret.to_string() })
}

/// Stores `username:password` for `registry` in pacto's config file, keeping its other entries. The folders are
/// created as needed and the file is written with mode 0600 (replaced atomically).
pub fn store(registry: &str, username: &str, password: &str) -> Result<PathBuf, String> {
    let path = pacto_config_path().ok_or("cannot find the config folder: set `XDG_CONFIG_HOME` or `HOME`")?;
    let mut config = read_existing(&path)?;
    let auths = config.entry("auths").or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    let encoded = STANDARD.encode(format!("{username}:{password}"));
    if let Some(auths) = auths.as_object_mut() {
        auths.insert(registry.to_string(), serde_json::json!({ "auth": encoded }));
    }
    write_config(&path, &config)?;
    Ok(path)
}

/// Removes the entry for `registry` from pacto's config file; `Ok(false)` when there was none.
pub fn remove(registry: &str) -> Result<bool, String> {
    let path = pacto_config_path().ok_or("cannot find the config folder: set `XDG_CONFIG_HOME` or `HOME`")?;
    if !path.exists() {
        return Ok(false);
    }
    let mut config = read_existing(&path)?;
    let removed = config.get_mut("auths").and_then(Value::as_object_mut).and_then(|auths| auths.remove(registry));
    if removed.is_none() {
        return Ok(false);
    }
    write_config(&path, &config)?;
    Ok(true)
}

/// The config file's object, or an empty one when there is no file; a file that is not a JSON object is an error
/// (it is not overwritten).
fn read_existing(path: &Path) -> Result<Map<String, Value>, String> {
    if !path.exists() {
        return Ok(Map::new());
    }
    read_json(path).ok_or_else(|| format!("`{}` is not a JSON object; fix or remove it", path.display()))
}

fn write_config(path: &Path, config: &Map<String, Value>) -> Result<(), String> {
    let failed = |error: std::io::Error| format!("cannot write `{}`: {}", path.display(), error.kind());
    let dir = path.parent().ok_or_else(|| format!("`{}` has no folder", path.display()))?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(failed)?;
    let mut text = serde_json::to_vec_pretty(config).map_err(|error| format!("cannot write the config: {error}"))?;
    text.push(b'\n');
    let temporary = dir.join(format!(".config.json.{}", std::process::id()));
    // A leftover of a crashed run with the same process id would block `create_new`.
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&temporary).and_then(|mut file| {
        file.write_all(&text)?;
        file.sync_all()
    });
    let result = result.and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_match_with_or_without_scheme_and_path() {
        for key in ["ghcr.io", "https://ghcr.io", "https://GHCR.io/v1/", "http://ghcr.io/"] {
            assert!(same_registry(key, "ghcr.io"), "{key}");
        }
        for key in ["ghcr.io:443", "ghcr.io.evil", "https://evil/ghcr.io", ""] {
            assert!(!same_registry(key, "ghcr.io"), "{key}");
        }
        assert!(same_registry("localhost:5000", "localhost:5000"));
    }

    #[test]
    fn auths_entries_decode_or_are_ignored() {
        let config = |entry: Value| match serde_json::json!({ "auths": { "r.io": entry } }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let basic = |auth: Option<Auth>| match auth {
            Some(Auth::Basic { username, password }) => Some((username, password)),
            _ => None,
        };
        let encoded = STANDARD.encode("me:pa:ss");
        assert_eq!(
            basic(from_auths(&config(serde_json::json!({ "auth": encoded })), "r.io")),
            Some(("me".into(), "pa:ss".into()))
        );
        let fields = serde_json::json!({ "username": "me", "password": "pw" });
        assert_eq!(basic(from_auths(&config(fields), "r.io")), Some(("me".into(), "pw".into())));
        for broken in [
            serde_json::json!({ "auth": "not base64!" }),
            serde_json::json!({ "auth": STANDARD.encode("no colon") }),
            serde_json::json!({}),
            serde_json::json!("text"),
        ] {
            assert!(from_auths(&config(broken.clone()), "r.io").is_none(), "{broken}");
        }
        assert!(from_auths(&config(serde_json::json!({ "auth": encoded })), "other.io").is_none());
    }
}
