//! The registry questions behind the editor features on `oci://` refs (hover, tag completion, "Pin to digest",
//! go to definition), each asked from async code and bounded by the registry timeout of the settings: a
//! registry that is slow or down makes the feature answer without it, never hang.
//!
//! Lookups and tag lists go through [`Remotes`](crate::server::registry::Remotes), so a cached answer returns at
//! once and a question in flight is shared. The question runs in its own task: when the request stops waiting
//! at the timeout, the question still finishes and its answer is kept for the next request.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::core::ociref::OciRef;
use crate::core::registry::{Lookup, Remote, Wanted};
use crate::oci::Registry;
use crate::oci::lookup::Registries;
use crate::server::session::Session;

/// How long a request waits for a registry: the registry timeout of the settings.
fn limit(session: &Session) -> Duration {
    Duration::from_millis(session.settings().timeout_ms)
}

/// The host of an `oci://` ref, for messages.
fn host(reference: &str) -> &str {
    let rest = reference.strip_prefix("oci://").unwrap_or(reference);
    rest.split('/').next().unwrap_or(rest)
}

fn too_slow(session: &Session, registry: &str) -> String {
    format!("registry `{registry}` did not answer within {} ms", session.settings().timeout_ms)
}

/// What the registry says about `wanted`, waiting at most the registry timeout.
pub async fn resolve(session: &Arc<Session>, wanted: Wanted) -> Lookup {
    let registry = host(&wanted.reference).to_string();
    let asking = session.clone();
    let question = tokio::spawn(async move { asking.remotes.resolve(&wanted).await });
    match tokio::time::timeout(limit(session), question).await {
        Ok(Ok(lookup)) => lookup,
        Ok(Err(_)) => Lookup::Unreachable(format!("the question to registry `{registry}` failed")),
        Err(_) => Lookup::Unreachable(too_slow(session, &registry)),
    }
}

/// The repository's tags, waiting at most the registry timeout.
pub async fn tags(session: &Arc<Session>, repository: OciRef) -> Result<Vec<String>, String> {
    let registry = repository.registry.clone();
    let asking = session.clone();
    let question = tokio::spawn(async move { asking.remotes.tags(&repository).await });
    match tokio::time::timeout(limit(session), question).await {
        Ok(Ok(tags)) => tags,
        Ok(Err(_)) => Err(format!("the question to registry `{registry}` failed")),
        Err(_) => Err(too_slow(session, &registry)),
    }
}

/// How long a tag's digest is trusted by "Pin to digest", like the pull cache's tags.
const DIGEST_FRESH: Duration = crate::oci::cache::TAG_TTL;
/// How long a registry that could not say is not asked again by "Pin to digest".
const DIGEST_RETRY: Duration = Duration::from_secs(30);
/// The most digests kept; past it the answers are forgotten all at once.
const DIGESTS_KEPT: usize = 1024;

/// Recent answers of [`manifest_digest`] by ref, with the registries that gave them (a settings change makes new
/// ones; the `Weak` keeps their address from being reused). Code actions are asked on every cursor move: a tag's
/// digest is asked once a minute, and a registry that could not say is not asked again for 30 s.
static DIGESTS: LazyLock<DashMap<String, DigestAnswer>> = LazyLock::new(DashMap::new);

struct DigestAnswer {
    registries: Weak<Registries>,
    digest: Option<String>,
    at: Instant,
}

/// The digest of the manifest a tagged ref names, as the registry serves it (asked at most once a minute);
/// `None` when the registry cannot say (offline, unreachable, no such tag, or no answer within the timeout).
pub async fn manifest_digest(session: &Arc<Session>, reference: OciRef) -> Option<String> {
    let registries = session.remotes.registries();
    if registries.offline {
        return None;
    }
    let key = reference.to_string();
    if let Some(known) = DIGESTS.get(&key) {
        let fresh = if known.digest.is_some() { DIGEST_FRESH } else { DIGEST_RETRY };
        if std::ptr::eq(known.registries.as_ptr(), Arc::as_ptr(&registries)) && known.at.elapsed() < fresh {
            return known.digest.clone();
        }
    }
    let asked = Arc::downgrade(&registries);
    let question = async move {
        // Making the client may run a Docker credential helper, which must not hold an async worker.
        let host = reference.registry.clone();
        let client = tokio::task::spawn_blocking(move || registries.get(&host)).await.ok()?;
        client.manifest_digest(&reference).await.ok().flatten()
    };
    let digest = tokio::time::timeout(limit(session), tokio::spawn(question)).await.ok().and_then(Result::ok).flatten();
    if DIGESTS.len() >= DIGESTS_KEPT {
        DIGESTS.clear();
    }
    DIGESTS.insert(key, DigestAnswer { registries: asked, digest: digest.clone(), at: Instant::now() });
    digest
}

/// Writes a remote contract to `<cache>/contracts/<digest hex>/pacto.yaml` (once: a file already there is
/// kept, since the digest names its content) as a read-only file, through a temporary file renamed into place.
/// Returns the file. Blocking.
pub fn remote_contract_file(cache: &Path, remote: &Remote) -> Option<PathBuf> {
    let hex = remote.digest.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.bytes().all(|it| it.is_ascii_digit() || (b'a'..=b'f').contains(&it)) {
        return None;
    }
    let folder = cache.join("contracts").join(hex);
    let file = folder.join("pacto.yaml");
    if std::fs::symlink_metadata(&file).is_ok_and(|it| it.is_file()) {
        return Some(file);
    }
    std::fs::create_dir_all(&folder).ok()?;
    // Two requests in this process may write at once: each has its own temporary file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = folder.join(format!(".pacto.yaml.{}.{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let written = write_read_only(&temp, remote.contract.as_bytes()).and_then(|()| std::fs::rename(&temp, &file));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        tracing::warn!(%error, "could not write a remote contract to the cache");
        return None;
    }
    Some(file)
}

fn write_read_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    let mut permissions = file.metadata()?.permissions();
    permissions.set_readonly(true);
    file.set_permissions(permissions)
}
