//! The pull cache: bundle layers stored by digest (checked again on every read) and an index from refs to the
//! manifest they resolved to, with the time of that resolution. `--offline` pulls are served from it only; other
//! pulls use an entry while it is fresh ([`TAG_TTL`]; a digest ref never goes stale) and ask the registry
//! otherwise. Writing the cache is best effort: a pull never fails because the cache cannot be written.
//! The blobs are kept within a size ([`DEFAULT_MAX_BYTES`] unless set): after a blob is written the least
//! recently used ones (by modification time, which every read of a blob updates) are removed until the rest
//! fit. An index entry whose blob is gone is a miss.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use oci_client::manifest::OciDescriptor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Manifest, Pulled, Registry, RegistryError, sha256_digest};
use crate::core::ociref::OciRef;
use crate::core::text::excerpt;
use crate::pack::{MAX_STREAM, read_archive};

/// How long a tag's resolution is trusted before the registry is asked again.
pub const TAG_TTL: Duration = Duration::from_secs(60);
/// The largest index entry read (bytes).
const MAX_ENTRY: u64 = 1 << 20;
/// The most bytes of blobs a cache keeps by default (1 GiB).
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// A cache folder.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
    /// The most bytes of blobs kept.
    max_bytes: u64,
}

/// What the index records for a ref.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// The ref as asked for.
    reference: String,
    /// The ref it resolved to (with its tag or digest).
    resolved: String,
    /// Seconds since the Unix epoch when it was resolved.
    fetched: u64,
    digest: String,
    media_type: Option<String>,
    config: OciDescriptor,
    layers: Vec<OciDescriptor>,
    labels: BTreeMap<String, String>,
}

impl Cache {
    /// A cache rooted at `root` (created on first write), keeping at most [`DEFAULT_MAX_BYTES`] of blobs.
    pub fn new(root: PathBuf) -> Cache {
        Cache { root, max_bytes: DEFAULT_MAX_BYTES }
    }

    /// The same cache keeping at most `max_bytes` of blobs (the blob just written is kept even when it alone is
    /// larger).
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Cache {
        self.max_bytes = max_bytes;
        self
    }

    /// The limit `PACTO_CACHE_MAX_BYTES` sets (a whole number of bytes), `None` when it is unset or empty.
    pub fn max_bytes_from_env() -> Result<Option<u64>, String> {
        match std::env::var("PACTO_CACHE_MAX_BYTES") {
            Err(std::env::VarError::NotPresent) => Ok(None),
            Ok(text) if text.is_empty() => Ok(None),
            Ok(text) => text.trim().parse().map(Some).map_err(|_| {
                format!("`PACTO_CACHE_MAX_BYTES` takes a whole number of bytes, not `{}`", excerpt(&text))
            }),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err("`PACTO_CACHE_MAX_BYTES` takes a whole number of bytes".to_string())
            }
        }
    }

    /// The default folder: `$PACTO_CACHE_DIR`, else `$XDG_CACHE_HOME/pacto-lsp`, else `~/.cache/pacto-lsp`.
    pub fn default_dir() -> Option<PathBuf> {
        let get = |name: &str| std::env::var_os(name).filter(|it| !it.is_empty()).map(PathBuf::from);
        get("PACTO_CACHE_DIR")
            .or_else(|| get("XDG_CACHE_HOME").map(|it| it.join("pacto-lsp")))
            .or_else(|| get("HOME").map(|it| it.join(".cache").join("pacto-lsp")))
    }

    /// The cache's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of the blob with this digest (`sha256:HEX`), or `None` for a digest that is not a sha256.
    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        let valid = hex.len() == 64 && hex.bytes().all(|it| it.is_ascii_digit() || (b'a'..=b'f').contains(&it));
        valid.then(|| self.root.join("blobs").join("sha256").join(hex))
    }

    fn entry_path(&self, reference: &str) -> PathBuf {
        let key: String = Sha256::digest(reference.as_bytes()).iter().map(|it| format!("{it:02x}")).collect();
        self.root.join("index").join(format!("{key}.json"))
    }

    /// The blob's bytes if it is stored and its sha256 matches; a blob that does not match is removed.
    fn read_blob(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let file = std::fs::File::open(&path).ok()?;
        let mut bytes = Vec::new();
        (&file).take(MAX_STREAM + 1).read_to_end(&mut bytes).ok()?;
        if sha256_digest(&bytes) != digest {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        // The modification time records the last use, for eviction; a cache that cannot be touched still serves.
        let _ = file.set_modified(SystemTime::now());
        Some(bytes)
    }

    /// Removes the least recently used blobs until the blobs take at most the limit; `keep` (the blob just
    /// written) is never removed. Errors are ignored: a blob that cannot be removed is still counted.
    fn evict(&self, keep: &Path) {
        let Ok(entries) = std::fs::read_dir(self.root.join("blobs").join("sha256")) else { return };
        let mut blobs: Vec<(SystemTime, u64, PathBuf)> = entries
            .filter_map(|entry| {
                let entry = entry.ok()?;
                // Temporary files (`.NAME.PID`) belong to writes under way.
                if entry.file_name().to_string_lossy().starts_with('.') {
                    return None;
                }
                let meta = entry.metadata().ok().filter(|it| it.is_file())?;
                Some((meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len(), entry.path()))
            })
            .collect();
        let mut total: u64 = blobs.iter().map(|it| it.1).sum();
        if total <= self.max_bytes {
            return;
        }
        blobs.sort();
        for (_, size, path) in blobs {
            if total <= self.max_bytes {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                total -= size;
                tracing::debug!("evicted {} from the pull cache", path.display());
            }
        }
    }

    fn read_entry(&self, reference: &str) -> Option<Entry> {
        let file = std::fs::File::open(self.entry_path(reference)).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_ENTRY + 1).read_to_end(&mut bytes).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        (entry.reference == reference).then_some(entry)
    }

    /// The cached bundle for `reference` and the ref it resolved to, if the entry and its layer are intact;
    /// `max_age` bounds the entry's age (`None`: any age).
    fn get(&self, reference: &OciRef, max_age: Option<Duration>, now: SystemTime) -> Option<(OciRef, Pulled)> {
        let key = reference.to_string();
        let entry = self.read_entry(&key)?;
        if let Some(max_age) = max_age {
            let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
            if now.saturating_sub(entry.fetched) > max_age.as_secs() || entry.fetched > now {
                return None;
            }
        }
        let [layer] = entry.layers.as_slice() else { return None };
        let bytes = self.read_blob(&layer.digest)?;
        let archive = read_archive(&bytes).ok()?;
        let resolved = crate::core::ociref::parse(&entry.resolved).ok()?;
        let manifest = Manifest {
            digest: entry.digest,
            media_type: entry.media_type,
            config: entry.config,
            layers: entry.layers,
            labels: entry.labels,
        };
        Some((resolved, Pulled { manifest, bytes, archive }))
    }

    /// Records a pull of `reference` that resolved to `resolved`; errors are ignored (the cache is best effort).
    fn put(&self, reference: &OciRef, resolved: &OciRef, pulled: &Pulled, now: SystemTime) {
        let _ = self.try_put(reference, resolved, pulled, now);
    }

    fn try_put(&self, reference: &OciRef, resolved: &OciRef, pulled: &Pulled, now: SystemTime) -> std::io::Result<()> {
        let [layer] = pulled.manifest.layers.as_slice() else { return Ok(()) };
        let Some(blob) = self.blob_path(&layer.digest) else { return Ok(()) };
        if self.read_blob(&layer.digest).is_none() {
            write_new(&blob, &pulled.bytes)?;
            self.evict(&blob);
        }
        let fetched = now.duration_since(SystemTime::UNIX_EPOCH).map(|it| it.as_secs()).unwrap_or(0);
        for key in [reference.to_string(), resolved.to_string()] {
            let entry = Entry {
                reference: key.clone(),
                resolved: resolved.to_string(),
                fetched,
                digest: pulled.manifest.digest.clone(),
                media_type: pulled.manifest.media_type.clone(),
                config: pulled.manifest.config.clone(),
                layers: pulled.manifest.layers.clone(),
                labels: pulled.manifest.labels.clone(),
            };
            let text = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
            write_new(&self.entry_path(&key), &text)?;
        }
        Ok(())
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or(std::io::ErrorKind::InvalidInput)?;
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().ok_or(std::io::ErrorKind::InvalidInput)?.to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}", std::process::id()));
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Pulls `reference` (resolving a tagless ref to its highest semver tag) through the cache: with `offline`
/// only from the cache ([`RegistryError::NotCached`] when it is not there); otherwise from a fresh cache entry
/// (a digest ref: any age; else younger than [`TAG_TTL`]), else from the registry, recording the result.
pub async fn pull<R: Registry>(
    registry: &R,
    cache: Option<&Cache>,
    reference: &OciRef,
    offline: bool,
) -> Result<(OciRef, Pulled), RegistryError> {
    let now = SystemTime::now();
    if offline {
        return cache
            .and_then(|cache| cache.get(reference, None, now))
            .ok_or_else(|| RegistryError::NotCached { reference: reference.to_string() });
    }
    let max_age = if reference.digest.is_some() { None } else { Some(TAG_TTL) };
    if let Some(hit) = cache.and_then(|cache| cache.get(reference, max_age, now)) {
        return Ok(hit);
    }
    let resolved = registry.resolve(reference, None).await?;
    let pulled = registry.pull_bundle(&resolved).await?;
    if let Some(cache) = cache {
        cache.put(reference, &resolved, &pulled, now);
    }
    Ok((resolved, pulled))
}
