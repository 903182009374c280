//! A real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1,
//! on a free port, storing into a temporary folder; killed when dropped. Also a tiny HTTP GET on `std::net`,
//! so tests read what the registry holds without going through our client. Shared by the tests and
//! `benches/oci.rs` (each includes it with `#[path]`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The registry binary (Debian's package installs it here).
pub const BINARY: &str = "/usr/bin/docker-registry";

/// Whether the registry binary is installed (no `CI` check: for callers that skip on their own terms).
pub fn installed() -> bool {
    PathBuf::from(BINARY).is_file()
}

/// A running registry.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _storage: tempfile::TempDir,
}

/// Whether the registry binary (and `htpasswd`, which tests of authentication need) is installed. Without it the tests pass with a notice, unless `CI` is set:
/// CI installs it, so there a missing binary is a failure.
pub fn available(what: &str) -> bool {
    let htpasswd = Command::new("htpasswd").arg("-h").stdin(Stdio::null()).output().is_ok();
    let found = installed() && htpasswd;
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{BINARY}` or `htpasswd` is not installed, but CI is set: CI must install it (Debian: apt-get install docker-registry apache2-utils)"
        );
        eprintln!("notice: `{BINARY}` or `htpasswd` is not installed; skipping {what}");
    }
    found
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

impl Registry {
    /// Starts a registry and waits until `/v2/` answers.
    pub fn start() -> Registry {
        Registry::launch(None)
    }

    /// Starts a registry that requires HTTP basic authentication with this user and password (an `htpasswd`
    /// file made with `htpasswd -Bbn`), and waits until `/v2/` answers 401.
    pub fn start_with_user(user: &str, password: &str) -> Registry {
        Registry::launch(Some((user, password)))
    }

    fn launch(user: Option<(&str, &str)>) -> Registry {
        let storage = tempfile::tempdir().expect("temporary storage");
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let root = storage.path().join("data");
        let config = storage.path().join("config.yml");
        let text = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            root.display()
        );
        let mut text = text;
        let mut ready = 200;
        if let Some((user, password)) = user {
            let made = Command::new("htpasswd").args(["-Bbn", user, password]).output().expect("run htpasswd");
            assert!(made.status.success(), "htpasswd failed");
            let file = storage.path().join("htpasswd");
            std::fs::write(&file, made.stdout).expect("write the htpasswd file");
            text.push_str(&format!("auth:\n  htpasswd:\n    realm: pacto-test\n    path: {}\n", file.display()));
            ready = 401;
        }
        std::fs::write(&config, text).expect("write the registry config");
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = Registry { child, addr, _storage: storage };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = get(&registry.addr, "/v2/", None)
                && response.status == ready
            {
                return registry;
            }
            assert!(Instant::now() < deadline, "the registry did not answer `/v2/` within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the registry now (as a crash would).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An HTTP response.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// `GET path` over HTTP/1.0 (so the body is neither chunked nor kept alive), with an optional `Accept`.
pub fn get(addr: &str, path: &str, accept: Option<&str>) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let accept = accept.map(|it| format!("Accept: {it}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}\r\n")?;
    read_response(stream)
}

/// Sends one request with a body over HTTP/1.0 and reads the response.
pub fn send(addr: &str, method: &str, path: &str, content_type: &str, body: &[u8]) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    read_response(stream)
}

fn read_response(mut stream: TcpStream) -> std::io::Result<Response> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|it| it == b"\r\n\r\n").ok_or(std::io::ErrorKind::InvalidData)?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect();
    Ok(Response { status, headers, body: raw[split + 4..].to_vec() })
}

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// Uploads a blob (the distribution API's upload session: `POST`, then one `PUT` with the bytes and the digest)
/// and returns its digest.
pub fn put_blob(addr: &str, repository: &str, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let started = send(addr, "POST", &format!("/v2/{repository}/blobs/uploads/"), "application/octet-stream", b"")
        .expect("start an upload");
    assert_eq!(started.status, 202, "{}", String::from_utf8_lossy(&started.body));
    let location = started.header("Location").expect("an upload location");
    // The location may be absolute (`http://host/v2/...`); the request needs its path.
    let path = match location.split_once("://") {
        Some((_, rest)) => &rest[rest.find('/').unwrap_or(rest.len())..],
        None => location,
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    let path = format!("{path}{separator}digest={digest}");
    let response = send(addr, "PUT", &path, "application/octet-stream", bytes).expect("upload a blob");
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
    digest
}

/// Publishes a manifest by hand: a config and layers (media type, bytes), under `tag`.
pub fn put_manifest(
    addr: &str,
    repository: &str,
    tag: &str,
    manifest_type: &str,
    config: (&str, &[u8]),
    layers: &[(&str, &[u8])],
) {
    let descriptor = |(media_type, bytes): (&str, &[u8])| serde_json::json!({ "mediaType": media_type, "digest": put_blob(addr, repository, bytes), "size": bytes.len() });
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": descriptor(config),
        "layers": layers.iter().map(|it| descriptor(*it)).collect::<Vec<_>>(),
    });
    put_raw_manifest(addr, repository, tag, &manifest);
}

/// Publishes a manifest as given (its blobs must be uploaded already).
pub fn put_raw_manifest(addr: &str, repository: &str, tag: &str, manifest: &serde_json::Value) {
    let body = serde_json::to_vec(manifest).unwrap();
    let manifest_type = manifest["mediaType"].as_str().unwrap_or_default();
    let response = send(addr, "PUT", &format!("/v2/{repository}/manifests/{tag}"), manifest_type, &body)
        .expect("upload a manifest");
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
}
