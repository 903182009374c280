//! Benchmarks of pushing and pulling a bundle against a real registry: Debian's `docker-registry` (the CNCF
//! distribution registry) started on 127.0.0.1 by `tests/support/registry.rs`, storing into a temporary folder.
//! The bundle is `examples/payments-api`, packed once before the benchmarks.
//!
//! - `push`: `Registry::push` of the packed bundle under one tag, again and again (two blob uploads and the
//!   manifest; the registry already holds the blobs after the first).
//! - `pull_cold`: `cache::pull` of the tag into an empty cache folder: resolve nothing (the ref has a tag), fetch
//!   the manifest and config, download and check the layer, read the archive, write the cache.
//! - `pull_warm`: `cache::pull` of the bundle by digest from a filled cache: no network at all (a digest ref never
//!   goes stale), the layer read back and checked against its digest, the archive read.
//!
//! Without `/usr/bin/docker-registry` the benchmark prints a line saying it was skipped and exits 0.
//! Run with `cargo bench --bench oci`.

#[allow(dead_code)]
#[path = "../tests/support/registry.rs"]
mod registry;

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use pacto_lsp::core::check::Options as CheckOptions;
use pacto_lsp::core::{date, ociref};
use pacto_lsp::oci::cache::{self, Cache};
use pacto_lsp::oci::{OciRegistry, Registry as _, Settings};
use pacto_lsp::pack::{self, Options, Output, Packed};

/// The running registry, stopped when `main` ends.
static REGISTRY: Mutex<Option<registry::Registry>> = Mutex::new(None);
/// What every benchmark needs: the registry's address, the packed bundle and its manifest digest.
static FIXTURE: OnceLock<Fixture> = OnceLock::new();

struct Fixture {
    addr: String,
    packed: Packed,
    digest: String,
}

fn main() {
    if !registry::installed() {
        println!("skipped: `{}` is not installed (Debian: apt-get install docker-registry)", registry::BINARY);
        return;
    }
    let started = registry::Registry::start();
    let addr = started.addr.clone();
    *REGISTRY.lock().expect("the registry lock") = Some(started);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api");
    let options = Options {
        check: CheckOptions {
            today: date::parse_strict("2026-11-22").expect("a valid date"),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        },
        workspace: example.clone(),
        policies: Default::default(),
        output: Output::Memory,
    };
    let packed = pack::pack(&example, &options).expect("the example packs");
    println!("bundle: examples/payments-api, {} files, {} bytes packed", packed.files.len(), packed.size);
    let digest = runtime().block_on(client().push(&at(&addr, ":1.0.0"), &packed)).expect("the first push");
    let _ = FIXTURE.set(Fixture { addr, packed, digest });
    divan::main();
    // The registry process ends with the benchmark.
    drop(REGISTRY.lock().expect("the registry lock").take());
}

fn fixture() -> &'static Fixture {
    FIXTURE.get().expect("main sets the fixture")
}

fn client() -> OciRegistry {
    OciRegistry::new(Settings { timeout: Duration::from_secs(30), ..Settings::default() })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

/// `ADDR/acme/payments-api` with `suffix` (`:TAG` or `@DIGEST`).
fn at(addr: &str, suffix: &str) -> pacto_lsp::core::ociref::OciRef {
    ociref::parse(&format!("{addr}/acme/payments-api{suffix}")).expect("a valid ref")
}

#[divan::bench(sample_count = 30)]
fn push(bencher: divan::Bencher) {
    let fixture = fixture();
    let (client, runtime) = (client(), runtime());
    let reference = at(&fixture.addr, ":1.0.0");
    bencher.bench_local(|| {
        let digest = runtime.block_on(client.push(&reference, &fixture.packed)).expect("a push");
        assert_eq!(digest, fixture.digest);
    });
}

#[divan::bench(sample_count = 30)]
fn pull_cold(bencher: divan::Bencher) {
    let fixture = fixture();
    let (client, runtime) = (client(), runtime());
    let reference = at(&fixture.addr, ":1.0.0");
    bencher.with_inputs(|| tempfile::tempdir().expect("a temporary folder")).bench_local_refs(|dir| {
        let cache = Cache::new(dir.path().to_path_buf());
        let (_, pulled) = runtime.block_on(cache::pull(&client, Some(&cache), &reference, false)).expect("a cold pull");
        assert_eq!(pulled.bytes.len() as u64, fixture.packed.size);
    });
}

#[divan::bench(sample_count = 100)]
fn pull_warm(bencher: divan::Bencher) {
    let fixture = fixture();
    let (client, runtime) = (client(), runtime());
    let reference = at(&fixture.addr, &format!("@{}", fixture.digest));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cache = Cache::new(dir.path().to_path_buf());
    runtime.block_on(cache::pull(&client, Some(&cache), &reference, false)).expect("the pull that fills the cache");
    bencher.bench_local(|| {
        let (_, pulled) = runtime.block_on(cache::pull(&client, Some(&cache), &reference, false)).expect("a warm pull");
        assert_eq!(pulled.bytes.len() as u64, fixture.packed.size);
    });
}
