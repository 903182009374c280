//! Push and pull against a real registry: Debian's `docker-registry` (the CNCF distribution registry),
//! started on 127.0.0.1 by `support/registry.rs`. What the registry holds is read with plain HTTP
//! requests, not through our client. Error statuses (404, 403, 429, 500) come from a tiny server in the test,
//! and a registry that hangs from a listener that never answers.
//!
//! Without `/usr/bin/docker-registry` the tests print a notice and pass, unless `CI` is set: CI installs
//! it, so there a missing binary is a failure.

#[path = "support/registry.rs"]
mod registry;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use registry::{Registry, available, get};

fn run(dir: &Path, args: &[&str]) -> Output {
    run_with(dir, args, &[])
}

/// Runs with these environment variables (the registry credentials are removed first; the config files and the
/// cache point at a place that cannot exist, so nothing is read from or written to this machine's).
fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env_remove("PACTO_REGISTRY_TOKEN")
        .env_remove("PACTO_REGISTRY_USERNAME")
        .env_remove("PACTO_REGISTRY_PASSWORD")
        .env("XDG_CONFIG_HOME", "/dev/null/config")
        .env("DOCKER_CONFIG", "/dev/null/docker")
        .env("PACTO_CACHE_DIR", "/dev/null/cache")
        .envs(env.iter().copied())
        .env("PACTO_TODAY", "2026-01-01")
        .output()
        .expect("run pacto-lsp")
}

fn stdout(run: &Output) -> String {
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// The bundle `dir/NAME` validated and packed in memory.
fn packed_in_memory(dir: &Path, name: &str) -> pacto_lsp::pack::Packed {
    use pacto_lsp::core::check::Options as CheckOptions;
    use pacto_lsp::core::date;
    use pacto_lsp::pack::{Options, Output, pack};
    let options = Options {
        check: CheckOptions {
            today: date::parse_strict("2026-01-01").unwrap(),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        },
        workspace: dir.to_path_buf(),
        policies: Default::default(),
        output: Output::Memory,
    };
    pack(&dir.join(name), &options).unwrap()
}

/// A bundle scaffolded by `init` in `dir/NAME`, with an extra nested file.
fn bundle(dir: &Path, name: &str) {
    let init = run(dir, &["init", name]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    std::fs::create_dir_all(dir.join(name).join("docs/deep")).unwrap();
    std::fs::write(dir.join(name).join("docs/deep/notes.md"), "# notes\n\nbytes: \u{e9}\u{1F600}\n").unwrap();
}

/// The digest printed as the last line of stdout.
fn digest(run: &Output) -> String {
    let text = stdout(run);
    let last = text.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("sha256:") && last.len() == 71, "no digest in {text:?}");
    last
}

/// Every file under `root`, relative, with its bytes, in path order.
fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let path = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            found.push((path, std::fs::read(entry.path()).unwrap()));
        }
    }
    found
}

#[test]
fn push_then_pull_gives_the_same_files_and_the_artifact_has_upstreams_layout() {
    if !available("the push/pull round trip") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders", registry.addr);

    // No tag: the tag is `service.version`.
    let pushed = run(temp.path(), &["push", &reference, "-p", "orders"]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    let pushed_digest = digest(&pushed);
    assert!(stdout(&pushed).starts_with(&format!("pushed orders@0.1.0 -> {reference}:0.1.0\n")), "{}", stdout(&pushed));

    // The manifest, read without our client.
    let accept = "application/vnd.oci.image.manifest.v1+json";
    let manifest = get(&registry.addr, "/v2/acme/orders/manifests/0.1.0", Some(accept)).unwrap();
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.header("Docker-Content-Digest"), Some(pushed_digest.as_str()));
    let json: serde_json::Value = serde_json::from_slice(&manifest.body).unwrap();
    assert_eq!(json["schemaVersion"], 2);
    assert_eq!(json["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert!(json.get("artifactType").is_none() && json.get("annotations").is_none(), "{json}");
    assert_eq!(json["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/vnd.pacto.bundle.layer.v1.tar+gzip");

    // The config's labels.
    let config_digest = json["config"]["digest"].as_str().unwrap();
    let config = get(&registry.addr, &format!("/v2/acme/orders/blobs/{config_digest}"), None).unwrap();
    assert_eq!(config.status, 200);
    let config: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    let labels = &config["config"]["Labels"];
    assert_eq!(labels["io.pacto.name"], "orders");
    assert_eq!(labels["io.pacto.version"], "0.1.0");
    assert_eq!(labels["io.pacto.pactoVersion"], "1.1");

    // The layer is exactly what `pack` writes.
    let layer_digest = layers[0]["digest"].as_str().unwrap();
    let layer = get(&registry.addr, &format!("/v2/acme/orders/blobs/{layer_digest}"), None).unwrap();
    let packed = run(temp.path(), &["pack", "orders", "-o", "orders.tar.gz"]);
    assert_eq!(packed.status.code(), Some(0), "{}", stderr(&packed));
    assert_eq!(layer.body, std::fs::read(temp.path().join("orders.tar.gz")).unwrap());

    // Pull, by tag and tagless (the highest semver tag): the same files, byte for byte.
    for (source, target) in [(format!("{reference}:0.1.0"), "pulled"), (reference.clone(), "tagless")] {
        let pulled = run(temp.path(), &["pull", &source, "-o", target]);
        assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
        assert_eq!(digest(&pulled), pushed_digest);
        assert_eq!(files(&temp.path().join(target)), files(&temp.path().join("orders")));
    }

    // Pulling into a folder that is not empty is refused, and it is left as it was.
    let again = run(temp.path(), &["pull", &reference, "-o", "pulled"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("`pulled` is not empty"), "{}", stderr(&again));
    assert_eq!(files(&temp.path().join("pulled")), files(&temp.path().join("orders")));
}

#[test]
fn an_existing_tag_is_kept_without_force_and_replaced_with_it() {
    if !available("the `--force` test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders:1.0.0", registry.addr);
    let first = run(temp.path(), &["push", &reference, "-p", "orders"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let first_digest = digest(&first);

    // A changed bundle under the same tag: kept without `--force` (a warning, exit 0, the old digest).
    std::fs::write(temp.path().join("orders/docs/deep/notes.md"), "changed\n").unwrap();
    let second = run(temp.path(), &["push", &reference, "-p", "orders"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stderr(&second).contains("warning: artifact already exists"), "{}", stderr(&second));
    assert!(stderr(&second).contains("--force"), "{}", stderr(&second));
    assert_eq!(digest(&second), first_digest);
    let path = "/v2/acme/orders/manifests/1.0.0";
    let accept = Some("application/vnd.oci.image.manifest.v1+json");
    let served = get(&registry.addr, path, accept).unwrap();
    assert_eq!(served.header("Docker-Content-Digest"), Some(first_digest.as_str()));

    // With `--force` it is replaced.
    let forced = run(temp.path(), &["push", &reference, "-p", "orders", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let forced_digest = digest(&forced);
    assert_ne!(forced_digest, first_digest);
    let served = get(&registry.addr, path, accept).unwrap();
    assert_eq!(served.header("Docker-Content-Digest"), Some(forced_digest.as_str()));
    let pulled = run(temp.path(), &["pull", &reference, "-o", "pulled"]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(std::fs::read(temp.path().join("pulled/docs/deep/notes.md")).unwrap(), b"changed\n");
}

/// A TCP proxy in front of `target` that keeps every byte clients send (the request lines are read from it).
fn recording_proxy(target: String) -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = sent.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(&target) else { continue };
            let (mut client_in, mut server_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut server_in, mut client_out) = (server, client);
            let record = record.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n @ 1..) = client_in.read(&mut buf) {
                    record.lock().unwrap().extend_from_slice(&buf[..n]);
                    if server_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = server_out.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server_in, &mut client_out);
                let _ = client_out.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (addr, sent)
}

/// How many requests in `sent` start with `line` (a method and a path prefix).
fn requests(sent: &std::sync::Mutex<Vec<u8>>, line: &str) -> usize {
    let sent = sent.lock().unwrap();
    String::from_utf8_lossy(&sent).matches(&format!("\r\n{line}")).count()
        + usize::from(sent.starts_with(line.as_bytes()))
}

#[test]
fn blobs_the_repository_holds_are_not_uploaded_again() {
    if !available("the blob reuse test") {
        return;
    }
    let registry = Registry::start();
    let (proxy, sent) = recording_proxy(registry.addr.clone());
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let uploads = "POST /v2/acme/orders/blobs/uploads/";
    let first = run(temp.path(), &["push", &format!("oci://{proxy}/acme/orders:1.0.0"), "-p", "orders"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(requests(&sent, uploads), 2, "the layer and the config are uploaded once each");
    // The same bundle under another tag: the registry is asked about both blobs, and neither is sent again.
    let second = run(temp.path(), &["push", &format!("oci://{proxy}/acme/orders:copy"), "-p", "orders"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(requests(&sent, uploads), 2, "nothing uploaded for the second tag");
    assert!(requests(&sent, "HEAD /v2/acme/orders/blobs/sha256:") >= 4);
    assert_eq!(digest(&second), digest(&first));
    let pulled = run(temp.path(), &["pull", &format!("oci://{}/acme/orders:copy", registry.addr), "-o", "copy"]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(files(&temp.path().join("copy")), files(&temp.path().join("orders")));
}

#[test]
fn a_missing_tag_is_a_clear_error_naming_the_registry() {
    if !available("the missing-tag test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    for reference in
        [format!("oci://{}/acme/nothing:9.9.9", registry.addr), format!("oci://{}/acme/nothing", registry.addr)]
    {
        let pulled = run(temp.path(), &["pull", &reference, "-o", "out"]);
        assert_eq!(pulled.status.code(), Some(2));
        let message = stderr(&pulled);
        assert!(message.starts_with("error: artifact not found in registry `"), "{message}");
        assert!(message.contains(&registry.addr), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(!temp.path().join("out").exists());
    }
}

#[test]
fn a_stopped_registry_is_a_clear_error_within_the_timeout() {
    if !available("the stopped-registry test") {
        return;
    }
    let mut registry = Registry::start();
    registry.stop();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders", registry.addr);
    for args in
        [vec!["push", &reference, "-p", "orders", "--timeout", "2000"], vec!["pull", &reference, "--timeout", "2000"]]
    {
        let started = Instant::now();
        let result = run(temp.path(), &args);
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
        assert_eq!(result.status.code(), Some(2));
        let message = stderr(&result);
        assert!(message.starts_with(&format!("error: registry `{}` is unreachable", registry.addr)), "{message}");
    }

    // A listener that accepts and never answers: the timeout ends the wait.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().to_string();
    let reference = format!("oci://{silent}/acme/orders:1.0.0");
    let started = Instant::now();
    let result = run(temp.path(), &["pull", &reference, "--timeout", "500"]);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(stderr(&result), format!("error: registry `{silent}` did not answer within 500 ms\n"));
    drop(listener);
}

#[test]
fn check_diff_and_pull_take_the_timeout_and_name_the_silent_registry() {
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    // A listener that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().to_string();
    let reference = format!("oci://{silent}/acme/orders:1.0.0");
    let cases: [&[&str]; 3] = [
        &["check", &reference, "--timeout", "300"],
        &["diff", "orders", &reference, "--timeout", "300"],
        &["pull", &reference, "--timeout=300", "-o", "out"],
    ];
    for args in cases {
        let started = Instant::now();
        let result = run(temp.path(), args);
        assert!(started.elapsed() < Duration::from_secs(3), "{args:?} took {:?}", started.elapsed());
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        let expected = match args[0] {
            "pull" => format!("error: registry `{silent}` did not answer within 300 ms\n"),
            _ => format!("error: {reference}: registry `{silent}` did not answer within 300 ms\n"),
        };
        assert_eq!(stderr(&result), expected, "{args:?}");
    }
    // The flags are checked like any other.
    for (args, expected) in [
        (vec!["check", &reference, "--timeout", "0"], "error: `--timeout` takes milliseconds, not `0`\n"),
        (vec!["diff", "a", "b", "--timeout"], "error: missing argument for option '--timeout'\n"),
        (vec!["push", &reference, "--offline"], "error: invalid option '--offline'\n"),
        (vec!["pull", &reference, "--plain-http=a/b"], "error: `a/b` is not a registry (`host` or `host:port`)\n"),
    ] {
        let result = run(temp.path(), &args);
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&result), expected, "{args:?}");
    }
    drop(listener);
}

#[test]
fn plain_http_names_the_hosts_spoken_to_without_tls() {
    if !available("the `--plain-http HOST` test") {
        return;
    }
    let registry = Registry::start();
    // The registry's own address as an IPv4-mapped IPv6 address: not a loopback name, so HTTPS by default.
    let port = registry.addr.rsplit_once(':').unwrap().1;
    let host = format!("[::ffff:127.0.0.1]:{port}");
    if std::net::TcpStream::connect(format!("[::ffff:127.0.0.1]:{port}")).is_err() {
        eprintln!("notice: IPv4-mapped IPv6 addresses are not reachable here; skipping the `--plain-http HOST` test");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{host}/acme/orders:0.1.0");

    // Without the flag the client speaks TLS to a plain HTTP registry, and fails naming it.
    let refused = run(temp.path(), &["push", &reference, "-p", "orders", "--timeout", "5000"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).starts_with(&format!("error: registry `{host}` is unreachable")), "{}", stderr(&refused));

    // Named with `--plain-http HOST` (among others) it works for push, pull, check and diff.
    let pushed =
        run(temp.path(), &["push", &reference, "-p", "orders", "--plain-http", "other:5000", "--plain-http", &host]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    let cache = temp.path().join("cache").display().to_string();
    let pulled = run(temp.path(), &["pull", &reference, "-o", "out", "--plain-http", &host, "--cache-dir", &cache]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(files(&temp.path().join("out")), files(&temp.path().join("orders")));
    let checked = run(temp.path(), &["check", "--format", "concise", "--plain-http", &host, &reference]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert_eq!(stdout(&checked), "checked 1 contract: no problems\n");
    // A bare `--plain-http` covers every registry the command reaches.
    let diffed = run(temp.path(), &["diff", "--plain-http", &reference, "orders"]);
    assert_eq!(diffed.status.code(), Some(0), "{}", stderr(&diffed));
    assert_eq!(stdout(&diffed), "Classification: NON_BREAKING\nNo changes detected.\n");
}

#[test]
fn refs_that_are_not_oci_or_not_taggable_are_usage_errors() {
    let temp = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["push", "./orders"], "error: `push` needs an OCI reference (`oci://...`), not `./orders`\n"),
        (&["pull"], "error: `pull` needs an OCI reference (`oci://REGISTRY/REPOSITORY[:TAG]`)\n"),
        (&["pull", "oci://redis"], "error: invalid OCI reference: missing repository"),
        (
            &["push", "oci://localhost:1/a/b@sha256:0000000000000000000000000000000000000000000000000000000000000000"],
            "error: `push` needs a tag, not a digest",
        ),
    ];
    for (args, expected) in cases {
        let result = run(temp.path(), args);
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        assert!(stderr(&result).starts_with(expected), "{args:?}: {}", stderr(&result));
    }
}

/// A tar entry written by hand, as Go's `archive/tar` writes one (directories end in `/`, 0755; files 0644).
fn entry(name: &str, kind: tar::EntryType, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(if kind.is_dir() { 0o755 } else { 0o644 });
    header.set_cksum();
    let mut out = header.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}

fn tar_gz(entries: &[Vec<u8>]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for part in entries {
        encoder.write_all(part).unwrap();
    }
    encoder.write_all(&[0u8; 1024]).unwrap();
    encoder.finish().unwrap()
}

/// Layers of a hand-published manifest: (media type, bytes).
type Layers<'a> = Vec<(&'a str, &'a [u8])>;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const LAYER: &str = "application/vnd.pacto.bundle.layer.v1.tar+gzip";

#[test]
fn an_artifact_published_in_upstreams_layout_pulls() {
    if !available("the upstream-layout test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let contract = std::fs::read(temp.path().join("orders/pacto.yaml")).unwrap();
    let tar = [
        entry("pacto.yaml", tar::EntryType::Regular, &contract),
        entry("docs/", tar::EntryType::Directory, b""),
        entry("docs/readme.md", tar::EntryType::Regular, b"hello\n"),
    ];
    let layer = tar_gz(&tar);
    let mut uncompressed = tar.concat();
    uncompressed.extend_from_slice(&[0u8; 1024]);
    // What upstream pushes (pkg/oci/bundle.go: `empty.Image`, `mutate.Config`, `mutate.AppendLayers`, then
    // `mutate.MediaType(img, types.OCIManifestSchema1)`, go-containerregistry v0.21.7): an OCI manifest whose config
    // keeps the empty image's Docker config media type, with go-containerregistry's config fields, one history
    // entry per layer, the layer's uncompressed digest and the labels in `config.Labels`.
    let config = format!(
        r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{{"created":"0001-01-01T00:00:00Z"}}],"os":"","rootfs":{{"type":"layers","diff_ids":["{}"]}},"config":{{"Labels":{{"io.pacto.name":"orders","io.pacto.pactoVersion":"1.1","io.pacto.version":"0.1.0"}}}}}}"#,
        registry::sha256(&uncompressed)
    );
    let config = config.as_bytes();
    registry::put_manifest(
        &registry.addr,
        "up/orders",
        "0.1.0",
        OCI_MANIFEST,
        (DOCKER_CONFIG, config),
        &[(LAYER, &layer)],
    );
    // A non-semver tag and a lower version: the tagless pull takes 0.1.0.
    registry::put_manifest(
        &registry.addr,
        "up/orders",
        "latest",
        OCI_MANIFEST,
        (DOCKER_CONFIG, config),
        &[(LAYER, b"x")],
    );
    registry::put_manifest(
        &registry.addr,
        "up/orders",
        "0.0.9",
        OCI_MANIFEST,
        (DOCKER_CONFIG, config),
        &[(LAYER, b"x")],
    );

    let here = temp.path().join("elsewhere");
    std::fs::create_dir(&here).unwrap();
    let pulled = run(&here, &["pull", &format!("oci://{}/up/orders", registry.addr)]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert!(stdout(&pulled).starts_with("pulled orders@0.1.0 ("), "{}", stdout(&pulled));
    assert!(stdout(&pulled).contains("/up/orders:0.1.0) -> orders\n"), "{}", stdout(&pulled));
    // Without `-o` the folder is named after the service, as upstream names it.
    let expected = vec![("docs/readme.md".to_string(), b"hello\n".to_vec()), ("pacto.yaml".to_string(), contract)];
    assert_eq!(files(&here.join("orders")), expected);

    // The labels are read whatever the config's media type; ours is the OCI one, which upstream's pull never looks
    // at (it reads the manifest's layers only).
    use pacto_lsp::oci::{OciRegistry, Registry as _, Settings};
    let client = OciRegistry::new(Settings { timeout: Duration::from_secs(10), ..Settings::default() });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let reference = pacto_lsp::core::ociref::parse(&format!("{}/up/orders:0.1.0", registry.addr)).unwrap();
    let manifest = runtime.block_on(client.fetch_manifest(&reference)).unwrap();
    assert_eq!(manifest.config.media_type, DOCKER_CONFIG);
    assert_eq!(manifest.labels.get("io.pacto.name").map(String::as_str), Some("orders"));
    assert_eq!(manifest.labels.get("io.pacto.version").map(String::as_str), Some("0.1.0"));
    // `diff` reads it like any version: the same contract, no changes.
    let diffed = run(temp.path(), &["diff", &format!("oci://{}/up/orders:0.1.0", registry.addr), "orders"]);
    assert_eq!(diffed.status.code(), Some(0), "{}", stderr(&diffed));
    assert_eq!(stdout(&diffed), "Classification: NON_BREAKING\nNo changes detected.\n");
}

#[test]
fn artifacts_that_are_not_bundles_are_refused_and_nothing_is_written() {
    if !available("the hostile-artifact test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let contract = b"pactoVersion: \"1.1\"\n";
    let good = tar_gz(&[entry("pacto.yaml", tar::EntryType::Regular, contract)]);
    let escaping = tar_gz(&[
        entry("pacto.yaml", tar::EntryType::Regular, contract),
        entry("../escaped.txt", tar::EntryType::Regular, b"x"),
    ]);
    let link =
        tar_gz(&[entry("pacto.yaml", tar::EntryType::Regular, contract), entry("l", tar::EntryType::Symlink, b"")]);
    let no_contract = tar_gz(&[entry("readme.md", tar::EntryType::Regular, b"x")]);
    let config: &[u8] = b"{}";
    let image_layer = "application/vnd.oci.image.layer.v1.tar+gzip";
    let cases: [(&str, Layers<'_>, &str); 6] = [
        (
            "media",
            vec![(image_layer, &good)],
            "its layer has the media type `application/vnd.oci.image.layer.v1.tar+gzip`",
        ),
        ("two", vec![(LAYER, &good), (LAYER, &good)], "it has 2 layers; a bundle has exactly one"),
        ("none", vec![], "it has 0 layers"),
        ("escaping", vec![(LAYER, &escaping)], "unsafe entry"),
        ("link", vec![(LAYER, &link)], "only regular files and folders"),
        ("nocontract", vec![(LAYER, &no_contract)], "pacto.yaml"),
    ];
    for (repository, layers, expected) in cases {
        let repository = format!("bad/{repository}");
        registry::put_manifest(&registry.addr, &repository, "1.0.0", OCI_MANIFEST, (DOCKER_CONFIG, config), &layers);
        let reference = format!("{}/{repository}:1.0.0", registry.addr);
        let pulled = run(temp.path(), &["pull", &format!("oci://{reference}"), "-o", "out/x"]);
        assert_eq!(pulled.status.code(), Some(2), "{repository}");
        // The download was reported (`pulling …`) before the archive was read and refused.
        let message = stderr(&pulled).lines().last().unwrap_or_default().to_string();
        assert!(message.starts_with(&format!("error: `oci://{reference}` is not a pacto bundle: ")), "{message}");
        assert!(message.contains(expected), "{repository}: {message}");
        assert!(!temp.path().join("out").exists(), "{repository}");
        assert!(!temp.path().join("escaped.txt").exists());
    }
}

#[test]
fn push_refuses_local_dependency_refs_and_invalid_bundles() {
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let contract = temp.path().join("orders/pacto.yaml");
    let text = std::fs::read_to_string(&contract).unwrap();
    let local =
        format!("{text}dependencies:\n  - name: billing\n    ref: file://../billing\n    compatibility: ^1.0.0\n");
    std::fs::write(&contract, local).unwrap();
    // Refused before any registry is contacted (nothing listens on this port).
    let pushed = run(temp.path(), &["push", "oci://127.0.0.1:9/acme/orders", "-p", "orders"]);
    assert_eq!(pushed.status.code(), Some(1), "{}", stderr(&pushed));
    assert_eq!(
        stderr(&pushed),
        "error: a pushed bundle cannot depend on local folders: `dependencies[0].ref` is `file://../billing`; \
         publish them and use `oci://` refs\n"
    );
    std::fs::write(&contract, "pactoVersion: \"1.1\"\nservice: {}\n").unwrap();
    let invalid = run(temp.path(), &["push", "oci://127.0.0.1:9/acme/orders", "-p", "orders"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stderr(&invalid).contains("nothing was pushed"), "{}", stderr(&invalid));
    assert!(stdout(&invalid).contains("SCHEMA_VIOLATION"), "{}", stdout(&invalid));
}

#[test]
fn basic_auth_credentials_from_the_environment_and_wrong_ones_never_shown() {
    if !available("the authentication test") {
        return;
    }
    let password = "pw-Zq8v1-secret";
    let registry = Registry::start_with_user("pacto", password);
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders:1.0.0", registry.addr);
    let good = [("PACTO_REGISTRY_USERNAME", "pacto"), ("PACTO_REGISTRY_PASSWORD", password)];
    let pushed = run_with(temp.path(), &["push", &reference, "-p", "orders"], &good);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    let pulled = run_with(temp.path(), &["pull", &reference, "-o", "pulled"], &good);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(files(&temp.path().join("pulled")), files(&temp.path().join("orders")));

    let wrong_password = "wrong-Kx93-password";
    let wrong = [("PACTO_REGISTRY_USERNAME", "pacto"), ("PACTO_REGISTRY_PASSWORD", wrong_password)];
    // A token is sent as a bearer token, which a basic-auth registry refuses.
    let token = [("PACTO_REGISTRY_TOKEN", "tok-Vb71-secret")];
    let anonymous: [(&str, &str); 0] = [];
    for env in [&wrong[..], &token[..], &anonymous[..]] {
        for args in [vec!["push", &reference, "-p", "orders", "--force"], vec!["pull", &reference, "-o", "denied"]] {
            let result = run_with(temp.path(), &args, env);
            assert_eq!(result.status.code(), Some(2), "{args:?}");
            // A push with credentials the registry refuses starts its upload (`pushing …`) before the refusal.
            let message = stderr(&result).lines().last().unwrap_or_default().to_string();
            let prefix = format!("error: authentication failed for registry `{}`", registry.addr);
            assert!(message.starts_with(&prefix), "{args:?} {env:?}: {message}");
            assert!(message.contains("PACTO_REGISTRY_USERNAME"), "{message}");
            let everything = format!("{}{}", stderr(&result), stdout(&result));
            for secret in [wrong_password, password, "tok-Vb71-secret"] {
                assert!(!everything.contains(secret), "{everything}");
            }
            assert!(!temp.path().join("denied").exists());
        }
    }
}

/// A server that answers every request with `status` and a short plain-text body, on a thread that ends with
/// the test process.
fn answering(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = "no\x1b[31m such thing";
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn error_statuses_are_clear_errors_naming_the_registry() {
    let temp = tempfile::tempdir().unwrap();
    let cases = [
        ("500 Internal Server Error", "is unreachable: the registry answered 500: no\\u{1b}[31m such thing"),
        ("429 Too Many Requests", "is unreachable: the registry answered 429"),
        ("404 Not Found", ""),
        ("403 Forbidden", ""),
    ];
    for (status, expected) in cases {
        let addr = answering(status);
        let result = run(temp.path(), &["pull", &format!("oci://{addr}/acme/orders:1.0.0"), "--timeout", "5000"]);
        assert_eq!(result.status.code(), Some(2), "{status}");
        let message = stderr(&result);
        let prefix = match &status[..3] {
            "404" => format!("error: artifact not found in registry `{addr}`: `oci://{addr}/acme/orders:1.0.0`\n"),
            "403" => format!("error: authentication failed for registry `{addr}` (the registry answered 403)"),
            _ => format!("error: registry `{addr}` {expected}"),
        };
        assert!(message.starts_with(&prefix), "{status}: {message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(!message.contains('\x1b'), "{message}");
    }
}

#[test]
fn the_registry_api_lists_resolves_and_reads_labels() {
    use pacto_lsp::core::{ociref, semver::Constraints};
    use pacto_lsp::oci::{OciRegistry, Registry as _, RegistryError, Settings};
    if !available("the registry API test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let packed = packed_in_memory(temp.path(), "orders");
    let client = OciRegistry::new(Settings { timeout: Duration::from_secs(10), ..Settings::default() });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let at = |tag: &str| ociref::parse(&format!("{}/acme/orders{tag}", registry.addr)).unwrap();
    runtime.block_on(async {
        let mut digests = Vec::new();
        for tag in ["1.0.0", "1.2.0", "2.0.0", "latest", "1.3.0-rc.1"] {
            digests.push(client.push(&at(&format!(":{tag}")), &packed).await.unwrap());
        }
        // The same bundle gives the same manifest whatever its tag.
        assert!(digests.windows(2).all(|it| it[0] == it[1]), "{digests:?}");

        let mut tags = client.list_tags(&at("")).await.unwrap();
        tags.sort();
        assert_eq!(tags, ["1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0", "latest"]);
        let range = Constraints::parse("^1.0").unwrap();
        assert_eq!(client.resolve(&at(""), Some(&range)).await.unwrap().tag.as_deref(), Some("1.2.0"));
        assert_eq!(client.resolve(&at(""), None).await.unwrap().tag.as_deref(), Some("2.0.0"));
        // A ref with a tag is used as is, without asking the registry.
        assert_eq!(client.resolve(&at(":9.9.9"), Some(&range)).await.unwrap(), at(":9.9.9"));
        let none = Constraints::parse(">=3").unwrap();
        let missing = client.resolve(&at(""), Some(&none)).await.unwrap_err();
        assert!(matches!(&missing, RegistryError::NotFound { registry: it, .. } if *it == registry.addr), "{missing}");
        assert!(missing.to_string().contains("satisfies `>=3`"), "{missing}");

        let manifest = client.fetch_manifest(&at(":1.2.0")).await.unwrap();
        assert_eq!(manifest.digest, digests[0]);
        assert_eq!(manifest.labels.get("io.pacto.name").map(String::as_str), Some("orders"));
        assert_eq!(manifest.labels.get("io.pacto.version").map(String::as_str), Some("0.1.0"));
        assert_eq!(manifest.labels.get("io.pacto.pactoVersion").map(String::as_str), Some("1.1"));
        assert_eq!(client.manifest_digest(&at(":2.0.0")).await.unwrap(), Some(digests[0].clone()));
        assert_eq!(client.manifest_digest(&at(":7.0.0")).await.unwrap(), None);

        let by_digest = at(&format!("@{}", digests[0]));
        let pulled = client.pull_bundle(&by_digest).await.unwrap();
        assert_eq!(pulled.bytes, packed.bytes);
        assert_eq!(pulled.archive.contract(), packed.contract.as_bytes());
    });
}

#[test]
fn tag_lists_are_read_page_by_page_from_a_registry_that_ignores_pages() {
    use pacto_lsp::core::ociref;
    use pacto_lsp::oci::{OciRegistry, Registry as _, Settings};
    if !available("tag list pages") {
        return;
    }
    // Debian's registry (distribution 2.8) answers every tag list whole, whatever `n` and `last` say: the second
    // page brings nothing new, which ends the listing.
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let packed = packed_in_memory(temp.path(), "orders");
    let settings = Settings { timeout: Duration::from_secs(10), ..Settings::default() };
    let client = OciRegistry::new(settings).with_tag_page_size(2);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let at = |tag: &str| ociref::parse(&format!("{}/acme/orders{tag}", registry.addr)).unwrap();
    let tags = ["0.1.0", "0.2.0", "1.0.0", "0.9.0", "0.10.0", "latest", "main"];
    runtime.block_on(async {
        for tag in tags {
            client.push(&at(&format!(":{tag}")), &packed).await.unwrap();
        }
        let mut listed = client.list_tags(&at("")).await.unwrap();
        listed.sort();
        assert_eq!(listed, ["0.1.0", "0.10.0", "0.2.0", "0.9.0", "1.0.0", "latest", "main"]);
        assert_eq!(client.resolve(&at(""), None).await.unwrap().tag.as_deref(), Some("1.0.0"));
    });
    // Through the CLI: a tagless pull takes the highest version.
    let pulled = run(temp.path(), &["pull", &format!("oci://{}/acme/orders", registry.addr), "-o", "out"]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert!(stdout(&pulled).contains("/acme/orders:1.0.0) -> out\n"), "{}", stdout(&pulled));
}

/// A registry's tag list endpoint that pages as the distribution spec says (`n` tags after `last`, in lexical
/// order), or with `pages` off answers every request whole; every other request is a 404. Returns its address and
/// the `n`/`last` query of each tag list request.
fn tag_lister(tags: Vec<String>, pages: bool) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = asked.clone();
    let mut tags = tags;
    tags.sort();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 8192];
            let read = stream.read(&mut buffer).unwrap_or(0);
            let head = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let target = head.split(' ').nth(1).unwrap_or_default().to_string();
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let (status, body) = if path.ends_with("/tags/list") {
                record.lock().unwrap().push(query.to_string());
                let param = |name: &str| {
                    query.split('&').find_map(|it| it.strip_prefix(&format!("{name}=")).map(str::to_string))
                };
                let page: Vec<&String> = match pages {
                    true => {
                        let n: usize = param("n").and_then(|it| it.parse().ok()).unwrap_or(usize::MAX);
                        let last = param("last");
                        tags.iter().filter(|tag| last.as_ref().is_none_or(|last| *tag > last)).take(n).collect()
                    }
                    false => tags.iter().collect(),
                };
                ("200 OK", serde_json::json!({ "name": "acme/orders", "tags": page }).to_string())
            } else {
                ("404 Not Found", "{}".to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, asked)
}

#[test]
fn tag_lists_follow_n_and_last_and_stop_on_a_short_page_or_a_repeat() {
    use pacto_lsp::core::ociref;
    use pacto_lsp::oci::{OciRegistry, Registry as _, Settings};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let settings = Settings { timeout: Duration::from_secs(5), ..Settings::default() };
    let tags: Vec<String> = ["0.1.0", "0.2.0", "1.0.0", "0.9.0", "0.10.0", "latest", "main"].map(String::from).to_vec();

    // Pages of two: 0.1.0 0.10.0 | 0.2.0 0.9.0 | 1.0.0 latest | main (short: the end).
    let (addr, asked) = tag_lister(tags.clone(), true);
    let client = OciRegistry::new(settings.clone()).with_tag_page_size(2);
    let reference = ociref::parse(&format!("{addr}/acme/orders")).unwrap();
    let listed = runtime.block_on(client.list_tags(&reference)).unwrap();
    assert_eq!(listed, ["0.1.0", "0.10.0", "0.2.0", "0.9.0", "1.0.0", "latest", "main"]);
    assert_eq!(*asked.lock().unwrap(), ["n=2", "n=2&last=0.10.0", "n=2&last=0.9.0", "n=2&last=latest"]);
    let resolved = runtime.block_on(client.resolve(&reference, None)).unwrap();
    assert_eq!(resolved.tag.as_deref(), Some("1.0.0"));

    // A last page of exactly the page size is followed by an empty one.
    let (addr, asked) = tag_lister(tags.clone(), true);
    let client = OciRegistry::new(settings.clone()).with_tag_page_size(7);
    let reference = ociref::parse(&format!("{addr}/acme/orders")).unwrap();
    assert_eq!(runtime.block_on(client.list_tags(&reference)).unwrap().len(), 7);
    assert_eq!(*asked.lock().unwrap(), ["n=7", "n=7&last=main"]);

    // The default page size asks once for a short list.
    let (addr, asked) = tag_lister(tags.clone(), true);
    let reference = ociref::parse(&format!("{addr}/acme/orders")).unwrap();
    assert_eq!(runtime.block_on(OciRegistry::new(settings.clone()).list_tags(&reference)).unwrap().len(), 7);
    assert_eq!(*asked.lock().unwrap(), ["n=1000"]);

    // A registry that ignores `last` repeats itself: the repeat ends the listing.
    let (addr, asked) = tag_lister(tags, false);
    let client = OciRegistry::new(settings).with_tag_page_size(2);
    let reference = ociref::parse(&format!("{addr}/acme/orders")).unwrap();
    assert_eq!(runtime.block_on(client.list_tags(&reference)).unwrap().len(), 7);
    assert_eq!(asked.lock().unwrap().len(), 2);
}

#[test]
fn tag_lists_stop_at_ten_thousand_tags() {
    use pacto_lsp::core::ociref;
    use pacto_lsp::oci::{MAX_TAGS, OciRegistry, Registry as _, Settings};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let tags: Vec<String> = (0..MAX_TAGS + 500).map(|it| format!("1.0.{it}")).collect();
    let (addr, asked) = tag_lister(tags, true);
    let client = OciRegistry::new(Settings { timeout: Duration::from_secs(20), ..Settings::default() });
    let reference = ociref::parse(&format!("{addr}/acme/orders")).unwrap();
    let listed = runtime.block_on(client.list_tags(&reference)).unwrap();
    assert_eq!(listed.len(), MAX_TAGS);
    // Ten full pages; the eleventh is not asked for.
    assert_eq!(asked.lock().unwrap().len(), 10);
}

#[test]
fn a_layer_larger_than_the_limit_is_refused_before_it_is_read() {
    if !available("the oversized-layer test") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let layer = tar_gz(&[entry("pacto.yaml", tar::EntryType::Regular, b"pactoVersion: \"1.1\"\n")]);
    let config = registry::put_blob(&registry.addr, "big/one", b"{}");
    let digest = registry::put_blob(&registry.addr, "big/one", &layer);
    // The descriptor claims 61 MiB: more than the 60 MiB a bundle may inflate to, so it is not even downloaded.
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": DOCKER_CONFIG, "digest": config, "size": 2 },
        "layers": [{ "mediaType": LAYER, "digest": digest, "size": 61u64 << 20 }],
    });
    registry::put_raw_manifest(&registry.addr, "big/one", "1.0.0", &manifest);
    let reference = format!("{}/big/one:1.0.0", registry.addr);
    let pulled = run(temp.path(), &["pull", &format!("oci://{reference}"), "-o", "out"]);
    assert_eq!(pulled.status.code(), Some(2));
    assert_eq!(
        stderr(&pulled),
        format!("error: `oci://{reference}` is not a pacto bundle: its layer is larger than 60 MiB\n")
    );
    assert!(!temp.path().join("out").exists());
}

/// The files under `cache/blobs/sha256` and under `cache/index`.
fn cached(cache: &Path) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let list = |dir: &Path| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.map(|it| it.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        found.sort();
        found
    };
    (list(&cache.join("blobs/sha256")), list(&cache.join("index")))
}

#[test]
fn pull_fills_the_cache_and_offline_pulls_work_with_the_registry_stopped() {
    if !available("the pull cache") {
        return;
    }
    let mut registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let cache = temp.path().join("cache");
    let cache_arg = cache.display().to_string();
    let tagged = format!("oci://{}/acme/orders:0.1.0", registry.addr);
    let tagless = format!("oci://{}/acme/orders", registry.addr);
    let pushed = run(temp.path(), &["push", &tagged, "-p", "orders"]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    let pushed_digest = digest(&pushed);

    // Pulls fill the cache: the layer once, by digest, and one index entry per ref.
    for (reference, out) in [(&tagged, "a"), (&tagless, "b")] {
        let pulled = run(temp.path(), &["pull", reference, "-o", out, "--cache-dir", &cache_arg]);
        assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    }
    let (blobs, index) = cached(&cache);
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    let layer = std::fs::read(&blobs[0]).unwrap();
    assert_eq!(blobs[0].file_name().unwrap().to_string_lossy(), registry::sha256(&layer)["sha256:".len()..]);
    let packed = run(temp.path(), &["pack", "orders", "-o", "orders.tar.gz"]);
    assert_eq!(packed.status.code(), Some(0), "{}", stderr(&packed));
    assert_eq!(layer, std::fs::read(temp.path().join("orders.tar.gz")).unwrap());
    assert_eq!(index.len(), 2, "{index:?}");

    // With the registry gone, `--offline` pulls (tagged and tagless) give the same files and digest.
    registry.stop();
    for (reference, out) in [(&tagged, "c"), (&tagless, "d")] {
        let pulled = run(temp.path(), &["pull", reference, "-o", out, "--cache-dir", &cache_arg, "--offline"]);
        assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
        assert_eq!(
            stdout(&pulled),
            format!("pulled orders@0.1.0 ({tagged}) -> {out}\n{pushed_digest}\n"),
            "{reference}"
        );
        assert_eq!(files(&temp.path().join(out)), files(&temp.path().join("orders")));
    }
    // `diff` and `check` read the cache too with `--offline`.
    let cache_env = [("PACTO_CACHE_DIR", cache_arg.as_str())];
    let diffed = run_with(temp.path(), &["diff", "--offline", &tagged, "orders"], &cache_env);
    assert_eq!(diffed.status.code(), Some(0), "{}", stderr(&diffed));
    assert_eq!(stdout(&diffed), "Classification: NON_BREAKING\nNo changes detected.\n");
    let checked = run_with(temp.path(), &["check", "--format", "concise", &tagless, "--offline"], &cache_env);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert_eq!(stdout(&checked), "checked 1 contract: no problems\n");
    let elsewhere = run(temp.path(), &["check", &tagless, "--offline"]);
    assert_eq!(elsewhere.status.code(), Some(2));
    assert!(stderr(&elsewhere).contains("is not in the cache"), "{}", stderr(&elsewhere));
    // Without `--offline` a fresh entry is used too (the tag was resolved less than 60 s ago).
    let pulled = run(temp.path(), &["pull", &tagged, "-o", "e", "--cache-dir", &cache_arg]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));

    // What was never pulled is a clear error, and nothing is written.
    let missing = format!("oci://{}/acme/orders:9.9.9", registry.addr);
    let offline = run(temp.path(), &["pull", &missing, "-o", "f", "--cache-dir", &cache_arg, "--offline"]);
    assert_eq!(offline.status.code(), Some(2));
    assert_eq!(
        stderr(&offline),
        format!(
            "error: `{missing}` is not in the cache (or its cached copy is damaged); pull it once without `--offline`\n"
        )
    );
    assert!(!temp.path().join("f").exists());
}

#[test]
fn a_damaged_cached_layer_is_not_used_and_a_stale_tag_is_asked_again() {
    if !available("the pull cache's checks") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let cache = temp.path().join("cache");
    let cache_arg = cache.display().to_string();
    let tagged = format!("oci://{}/acme/orders:0.1.0", registry.addr);
    let pushed = run(temp.path(), &["push", &tagged, "-p", "orders"]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    let pulled = run(temp.path(), &["pull", &tagged, "-o", "a", "--cache-dir", &cache_arg]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    let (blobs, _) = cached(&cache);
    let good = std::fs::read(&blobs[0]).unwrap();

    // A flipped byte: the offline pull refuses the copy (and drops it); an online pull fetches it again.
    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    std::fs::write(&blobs[0], &damaged).unwrap();
    let offline = run(temp.path(), &["pull", &tagged, "-o", "b", "--cache-dir", &cache_arg, "--offline"]);
    assert_eq!(offline.status.code(), Some(2));
    assert!(stderr(&offline).contains("is not in the cache (or its cached copy is damaged)"), "{}", stderr(&offline));
    assert!(!temp.path().join("b").exists());
    assert!(!blobs[0].exists());
    let online = run(temp.path(), &["pull", &tagged, "-o", "c", "--cache-dir", &cache_arg]);
    assert_eq!(online.status.code(), Some(0), "{}", stderr(&online));
    assert_eq!(files(&temp.path().join("c")), files(&temp.path().join("orders")));
    assert_eq!(std::fs::read(&blobs[0]).unwrap(), good);

    // The tag is replaced in the registry: a fresh entry still gives the old bundle, a stale one (its time stamp
    // set back past the 60 s) is resolved again.
    std::fs::write(temp.path().join("orders/docs/added.md"), "added\n").unwrap();
    let forced = run(temp.path(), &["push", &tagged, "-p", "orders", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let fresh = run(temp.path(), &["pull", &tagged, "-o", "d", "--cache-dir", &cache_arg]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert!(!temp.path().join("d/docs/added.md").exists());
    for entry in cached(&cache).1 {
        let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
        json["fetched"] = serde_json::json!(json["fetched"].as_u64().unwrap() - 61);
        std::fs::write(&entry, serde_json::to_vec(&json).unwrap()).unwrap();
    }
    let stale = run(temp.path(), &["pull", &tagged, "-o", "e", "--cache-dir", &cache_arg]);
    assert_eq!(stale.status.code(), Some(0), "{}", stderr(&stale));
    assert_eq!(digest(&stale), digest(&forced));
    assert_eq!(files(&temp.path().join("e")), files(&temp.path().join("orders")));
}

#[test]
fn the_cache_keeps_its_size_by_evicting_the_least_recently_used_bundles() {
    if !available("cache eviction") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let cache = temp.path().join("cache");
    let cache_arg = cache.display().to_string();
    // Three bundles of about the same size; the limit holds the two largest layers but not all three.
    let mut sizes = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        bundle(temp.path(), name);
        let reference = format!("oci://{}/acme/{name}:0.1.0", registry.addr);
        let pushed = run(temp.path(), &["push", &reference, "-p", name]);
        assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
        let packed = run(temp.path(), &["pack", name, "-o", &format!("{name}.tar.gz")]);
        assert_eq!(packed.status.code(), Some(0), "{}", stderr(&packed));
        sizes.push(std::fs::metadata(temp.path().join(format!("{name}.tar.gz"))).unwrap().len());
    }
    let mut sorted = sizes.clone();
    sorted.sort();
    let limit = (sorted[1] + sorted[2]).to_string();
    let env = [("PACTO_CACHE_MAX_BYTES", limit.as_str())];
    let pull = |name: &str, out: &str, offline: bool| {
        let reference = format!("oci://{}/acme/{name}:0.1.0", registry.addr);
        let mut args = vec!["pull", &reference, "-o", out, "--cache-dir", &cache_arg];
        if offline {
            args.push("--offline");
        }
        run_with(temp.path(), &args, &env)
    };
    let blob_of = |name: &str| {
        let layer = std::fs::read(temp.path().join(format!("{name}.tar.gz"))).unwrap();
        cache.join("blobs/sha256").join(&registry::sha256(&layer)["sha256:".len()..])
    };

    for (name, out) in [("alpha", "a1"), ("beta", "b1")] {
        let pulled = pull(name, out, false);
        assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    }
    assert_eq!(cached(&cache).0, sorted_paths(&[blob_of("alpha"), blob_of("beta")]));
    // Reading alpha from the cache makes it the most recently used: pulling gamma evicts beta.
    std::thread::sleep(Duration::from_millis(20));
    let read = pull("alpha", "a2", true);
    assert_eq!(read.status.code(), Some(0), "{}", stderr(&read));
    std::thread::sleep(Duration::from_millis(20));
    let pulled = pull("gamma", "g1", false);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(cached(&cache).0, sorted_paths(&[blob_of("alpha"), blob_of("gamma")]));

    // Offline, the evicted bundle is a clear miss (its index entry is still there, its blob is not).
    let offline = pull("beta", "b2", true);
    assert_eq!(offline.status.code(), Some(2));
    assert_eq!(
        stderr(&offline),
        format!(
            "error: `oci://{}/acme/beta:0.1.0` is not in the cache (or its cached copy is damaged); pull it once \
             without `--offline`\n",
            registry.addr
        )
    );
    assert!(!temp.path().join("b2").exists());
    // Online it is fetched again (the fresh index entry without its blob is a miss), evicting alpha now.
    let again = pull("beta", "b3", false);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(files(&temp.path().join("b3")), files(&temp.path().join("beta")));
    assert_eq!(cached(&cache).0, sorted_paths(&[blob_of("beta"), blob_of("gamma")]));

    // A limit smaller than one bundle keeps just the one written last; a limit that is not a number is an error.
    let tiny = [("PACTO_CACHE_MAX_BYTES", "1")];
    let reference = format!("oci://{}/acme/alpha:0.1.0", registry.addr);
    let pulled = run_with(temp.path(), &["pull", &reference, "-o", "a3", "--cache-dir", &cache_arg], &tiny);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    assert_eq!(cached(&cache).0, vec![blob_of("alpha")]);
    let wrong = [("PACTO_CACHE_MAX_BYTES", "1GiB")];
    let refused = run_with(temp.path(), &["check", &reference, "--cache-dir", &cache_arg], &wrong);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(stderr(&refused), "error: `PACTO_CACHE_MAX_BYTES` takes a whole number of bytes, not `1GiB`\n");
}

fn sorted_paths(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut paths = paths.to_vec();
    paths.sort();
    paths
}

#[test]
fn diff_and_check_read_oci_refs_through_the_registry() {
    if !available("diff and check of `oci://` refs") {
        return;
    }
    let registry = Registry::start_with_user("pacto", "pw-Diff-4t8");
    let creds = [("PACTO_REGISTRY_USERNAME", "pacto"), ("PACTO_REGISTRY_PASSWORD", "pw-Diff-4t8")];
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders:0.1.0", registry.addr);
    let pushed = run_with(temp.path(), &["push", &reference, "-p", "orders"], &creds);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));

    // A local copy whose port changed: BREAKING, as between two folders.
    let old = temp.path().join("orders/pacto.yaml");
    std::fs::create_dir_all(temp.path().join("changed")).unwrap();
    for entry in walkdir::WalkDir::new(temp.path().join("orders")) {
        let entry = entry.unwrap();
        let target = temp.path().join("changed").join(entry.path().strip_prefix(temp.path().join("orders")).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    let text = std::fs::read_to_string(&old).unwrap().replace("port: 8080", "port: 9090");
    std::fs::write(temp.path().join("changed/pacto.yaml"), text).unwrap();
    let diffed = run_with(temp.path(), &["diff", &reference, "changed"], &creds);
    assert_eq!(diffed.status.code(), Some(1), "{}", stderr(&diffed));
    assert_eq!(
        stdout(&diffed),
        "Classification: BREAKING\nChanges (1):\n  [BREAKING] interfaces[api].port (modified): interfaces[api].port \
         modified [8080 -> 9090]\n"
    );
    // The pushed version against its own folder, and a tagless ref (the highest semver tag): no changes.
    let tagless = format!("oci://{}/acme/orders", registry.addr);
    let same = run_with(temp.path(), &["diff", "orders", &tagless], &creds);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    // Without credentials: the registry's refusal, naming the ref.
    let refused = run(temp.path(), &["diff", &reference, "changed"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused)
            .starts_with(&format!("error: {reference}: authentication failed for registry `{}`", registry.addr)),
        "{}",
        stderr(&refused)
    );

    // `check` of the pushed version, and of a hand-published bundle whose contract has an error.
    let checked = run_with(temp.path(), &["check", "--format", "concise", &reference], &creds);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert_eq!(stdout(&checked), "checked 1 contract: no problems\n");
    let broken = std::fs::read_to_string(&old).unwrap().replace("version: 0.1.0\n", "version: not-a-version\n");
    let layer = tar_gz(&[entry("pacto.yaml", tar::EntryType::Regular, broken.as_bytes())]);
    let config = br#"{"architecture":"","os":"","config":{"Labels":{}},"rootfs":{"type":"layers","diff_ids":[]}}"#;
    let open = Registry::start();
    registry::put_manifest(&open.addr, "up/broken", "1.0.0", OCI_MANIFEST, (DOCKER_CONFIG, config), &[(LAYER, &layer)]);
    let broken_ref = format!("oci://{}/up/broken:1.0.0", open.addr);
    let checked = run(temp.path(), &["check", "--format", "concise", &broken_ref]);
    assert_eq!(checked.status.code(), Some(1), "{}", stdout(&checked));
    // The bundle's own files are looked up in the pulled archive: the two the contract names are missing.
    assert_eq!(
        stdout(&checked),
        format!(
            "{broken_ref}:5:12: error[INVALID_SEMVER] `not-a-version` is not a semantic version (e.g. `1.2.3`): \
             `not-a-version` is not a version; expected something like `1.2.3`, `v1.2` or `1.2.3-rc.1` \
             (service.version)\n\
             {broken_ref}:17:15: error[FILE_NOT_FOUND] `interfaces/openapi.yaml` does not exist in the bundle \
             (interfaces[0].contract)\n\
             {broken_ref}:21:13: error[FILE_NOT_FOUND] `configuration/schema.json` does not exist in the bundle \
             (configurations[0].schema)\n\
             checked 1 contract: 3 errors\n"
        )
    );
    // A ref with nothing behind it is an I/O error naming it.
    let missing = format!("oci://{}/up/none:1.0.0", open.addr);
    let checked = run(temp.path(), &["check", &missing]);
    assert_eq!(checked.status.code(), Some(2));
    assert!(stderr(&checked).starts_with(&format!("error: {missing}: artifact not found")), "{}", stderr(&checked));
}

#[test]
fn check_follows_oci_policy_refs_and_fails_closed_when_they_cannot_be_pulled() {
    if !available("`oci://` policy refs in check") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/policy-ref-local/org-policies");
    std::fs::create_dir_all(temp.path().join("org/policy")).unwrap();
    std::fs::copy(fixture.join("policy/owner.json"), temp.path().join("org/policy/owner.json")).unwrap();
    // The policy bundle obeys its own policy, or it could not be pushed.
    let own = std::fs::read_to_string(fixture.join("pacto.yaml"))
        .unwrap()
        .replace("  version: 1.0.0\n", "  version: 1.0.0\n  owner: platform\n");
    assert!(own.contains("owner: platform"));
    std::fs::write(temp.path().join("org/pacto.yaml"), own).unwrap();
    let policy = format!("oci://{}/acme/org-policies:1.0.0", registry.addr);
    let pushed = run(temp.path(), &["push", &policy, "-p", "org"]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));

    let contract = |reference: &str| {
        format!(
            "pactoVersion: \"1.1\"\nservice:\n  name: policy-ref\n  version: 1.0.0\npolicies:\n  - name: org\n    ref: {reference}\n"
        )
    };
    std::fs::create_dir_all(temp.path().join("svc")).unwrap();
    std::fs::write(temp.path().join("svc/pacto.yaml"), contract(&policy)).unwrap();
    let checked = run(temp.path(), &["check", "--format", "concise", "svc"]);
    assert_eq!(checked.status.code(), Some(1), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains(&format!(
            "svc/pacto.yaml:2:1: error[POLICY_VIOLATION] policy policies[\"org\"] -> {policy} policies[\"owner-required\"]: `service` is missing the required key `owner` (service)\n"
        )),
        "{}",
        stdout(&checked)
    );

    let unreachable = "oci://127.0.0.1:1/acme/org-policies:1.0.0";
    std::fs::write(temp.path().join("svc/pacto.yaml"), contract(unreachable)).unwrap();
    let checked = run(temp.path(), &["check", "--format", "concise", "svc"]);
    assert_eq!(checked.status.code(), Some(1), "{}", stderr(&checked));
    let text = stdout(&checked);
    assert!(text.contains("error[POLICY_REF_UNRESOLVED] cannot resolve policy ref `oci://127.0.0.1:1/acme/org-policies:1.0.0`: registry `127.0.0.1:1` is unreachable"), "{text}");
    assert!(!text.contains("POLICY_VIOLATION"), "{text}");
}

/// A size as the progress lines show it: bytes below 1 KiB, else KiB with two decimals (bundles here are small).
fn human(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        _ => format!("{:.2} KiB", bytes as f64 / 1024.0),
    }
}

#[test]
fn push_and_pull_report_progress_as_plain_lines_without_a_terminal() {
    if !available("progress lines") {
        return;
    }
    let registry = Registry::start();
    let temp = tempfile::tempdir().unwrap();
    bundle(temp.path(), "orders");
    let reference = format!("oci://{}/acme/orders:0.1.0", registry.addr);
    let cache = temp.path().join("cache").display().to_string();
    let pushed = run(temp.path(), &["push", &reference, "-p", "orders"]);
    assert_eq!(pushed.status.code(), Some(0), "{}", stderr(&pushed));
    // The push moves the layer and the config: their sizes, from the manifest.
    let accept = Some("application/vnd.oci.image.manifest.v1+json");
    let manifest = get(&registry.addr, "/v2/acme/orders/manifests/0.1.0", accept).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).unwrap();
    let layer = manifest["layers"][0]["size"].as_u64().unwrap();
    let config = manifest["config"]["size"].as_u64().unwrap();
    let size = human(layer + config);
    assert_eq!(stderr(&pushed), format!("pushing {reference} ({size})\npushed {reference} ({size})\n"));
    assert!(stdout(&pushed).starts_with("pushed orders@0.1.0 -> "), "{}", stdout(&pushed));

    let pulled = run(temp.path(), &["pull", &reference, "-o", "a", "--cache-dir", &cache]);
    assert_eq!(pulled.status.code(), Some(0), "{}", stderr(&pulled));
    let size = human(layer);
    assert_eq!(stderr(&pulled), format!("pulling {reference} ({size})\npulled {reference} ({size})\n"));
    // From the cache nothing moves and nothing is reported; a push that keeps the tag moves nothing either.
    let cached = run(temp.path(), &["pull", &reference, "-o", "b", "--cache-dir", &cache]);
    assert_eq!(cached.status.code(), Some(0), "{}", stderr(&cached));
    assert_eq!(stderr(&cached), "");
    let kept = run(temp.path(), &["push", &reference, "-p", "orders"]);
    assert_eq!(kept.status.code(), Some(0), "{}", stderr(&kept));
    assert!(stderr(&kept).starts_with("warning: artifact already exists"), "{}", stderr(&kept));
    assert_eq!(stderr(&kept).lines().count(), 1, "{}", stderr(&kept));
    // A pull that fails reports only the error.
    let damaged = format!("oci://{}/acme/none:1.0.0", registry.addr);
    let failed = run(temp.path(), &["pull", &damaged, "-o", "c"]);
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(stderr(&failed).lines().count(), 1, "{}", stderr(&failed));

    // On a terminal (`script` runs the command on a pseudo-terminal) the plain lines are not printed.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("notice: `script` is not installed; skipping the terminal half of the progress test");
        return;
    }
    let binary = env!("CARGO_BIN_EXE_pacto-lsp");
    let command = format!("{binary} pull {reference} -o d --cache-dir {}/other", temp.path().display());
    let on_terminal = run_script(temp.path(), &command);
    assert!(on_terminal.contains("pulled orders@0.1.0"), "{on_terminal}");
    assert!(!on_terminal.contains(&format!("pulling {reference} (")), "{on_terminal}");
    assert!(!on_terminal.contains(&format!("pulled {reference} (")), "{on_terminal}");
}

/// Runs a shell command on a pseudo-terminal and returns what it printed there.
fn run_script(dir: &Path, command: &str) -> String {
    let output = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", "/dev/null/config")
        .env("DOCKER_CONFIG", "/dev/null/docker")
        .env_remove("PACTO_REGISTRY_TOKEN")
        .env_remove("PACTO_REGISTRY_USERNAME")
        .env_remove("PACTO_REGISTRY_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
