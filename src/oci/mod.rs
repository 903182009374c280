//! The registry edge: bundles pushed to and pulled from OCI registries (spec §6, upstream-facts §E.3–E.7).
//!
//! [`Registry`] is the narrow interface the CLI (and later the language server) calls; [`OciRegistry`]
//! implements it on `oci-client`. Refs are parsed by `crate::core::ociref`, versions compared by
//! `crate::core::semver`, and pulled archives read by `crate::pack::read_archive` within the extract limits.
//! Every call is bounded by [`Settings::timeout`]. Plain HTTP is used only for loopback hosts and the hosts
//! the caller lists; credentials never appear in a message or a log.

pub mod cache;
pub mod credentials;
mod error;
pub mod lookup;

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read;
use std::time::Duration;

use futures_util::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest, Sha256};

pub use error::RegistryError;

use crate::core::ociref::{self, OciRef};
use crate::core::semver::{Constraints, compare, parse_version};
use crate::core::text::excerpt;
use crate::pack::{Archive, MAX_STREAM, Packed, read_archive};

/// The manifest media type of a bundle artifact.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The Docker manifest media type go-containerregistry may write; accepted on pull.
pub const DOCKER_MANIFEST_MEDIA_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The config media type of a bundle artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// The media type of the one layer: the packed bundle.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.pacto.bundle.layer.v1.tar+gzip";
/// The labels of the config.
pub const LABEL_NAME: &str = "io.pacto.name";
pub const LABEL_VERSION: &str = "io.pacto.version";
pub const LABEL_PACTO_VERSION: &str = "io.pacto.pactoVersion";

/// The largest manifest or config read (1 MiB).
const MAX_JSON: usize = 1 << 20;
/// How many tags one page of a tag list asks for by default.
pub const TAG_PAGE_SIZE: usize = 1000;
/// The most tags read from one repository; the rest are not looked at.
pub const MAX_TAGS: usize = 10_000;

/// How to reach registries.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Hosts (`host` or `host:port`) spoken to over plain HTTP besides the loopback ones.
    pub plain_http: Vec<String>,
    /// The longest any one registry operation may take.
    pub timeout: Duration,
    /// The credentials sent to the registry.
    pub auth: Auth,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { plain_http: Vec::new(), timeout: Duration::from_secs(30), auth: Auth::Anonymous }
    }
}

/// Registry credentials. `Debug` never shows a secret.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    Token(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Anonymous => f.write_str("Anonymous"),
            Auth::Basic { username, .. } => write!(f, "Basic({username:?}, <redacted>)"),
            Auth::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

impl Auth {
    /// The credentials the environment gives, in upstream's order: `PACTO_REGISTRY_TOKEN`, else
    /// `PACTO_REGISTRY_USERNAME` with `PACTO_REGISTRY_PASSWORD`, else none.
    pub fn from_env() -> Auth {
        let get = |name: &str| std::env::var(name).ok().filter(|it| !it.is_empty());
        if let Some(token) = get("PACTO_REGISTRY_TOKEN") {
            return Auth::Token(token);
        }
        match (get("PACTO_REGISTRY_USERNAME"), get("PACTO_REGISTRY_PASSWORD")) {
            (Some(username), Some(password)) => Auth::Basic { username, password },
            _ => Auth::Anonymous,
        }
    }

    fn to_client(&self) -> RegistryAuth {
        match self {
            Auth::Anonymous => RegistryAuth::Anonymous,
            Auth::Basic { username, password } => RegistryAuth::Basic(username.clone(), password.clone()),
            Auth::Token(token) => RegistryAuth::Bearer(token.clone()),
        }
    }
}

/// Checks `username` and `password` against `registry` (`host` or `host:port`) with a `GET /v2/`, under the
/// settings' timeout. A registry that answers 401 with a `Bearer` challenge is asked for a token with the
/// credentials instead (as Docker Hub and most hosted registries want).
pub async fn verify_login(
    registry: &str,
    settings: &Settings,
    username: &str,
    password: &str,
) -> Result<(), RegistryError> {
    // A provider may already be installed; that one is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let scheme = if uses_plain_http(registry, &settings.plain_http) { "http" } else { "https" };
    let unreachable = |error: reqwest::Error| RegistryError::Unreachable {
        registry: registry.to_string(),
        detail: error::describe(&error.without_url()),
    };
    let refused = |code: u16| RegistryError::Auth {
        registry: registry.to_string(),
        detail: format!("the registry answered {code}"),
    };
    let work = async {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .build()
            .map_err(unreachable)?;
        let response = client
            .get(format!("{scheme}://{registry}/v2/"))
            .basic_auth(username, Some(password))
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        if status == 401
            && let Some(realm) = response
                .headers()
                .get(http::header::WWW_AUTHENTICATE)
                .and_then(|it| it.to_str().ok())
                .and_then(bearer_challenge)
        {
            let (realm, service) = realm;
            let mut request = client.get(realm).basic_auth(username, Some(password));
            if let Some(service) = service {
                request = request.query(&[("service", service)]);
            }
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            return match status {
                200..=299 => Ok(()),
                401 | 403 => Err(refused(status)),
                _ => Err(RegistryError::Unreachable {
                    registry: registry.to_string(),
                    detail: format!("its token service answered {status}"),
                }),
            };
        }
        match status {
            200..=299 => Ok(()),
            401 | 403 => Err(refused(status)),
            _ => Err(RegistryError::Unreachable {
                registry: registry.to_string(),
                detail: format!("the registry answered {status}"),
            }),
        }
    };
    match tokio::time::timeout(settings.timeout, work).await {
        Ok(result) => result,
        Err(_) => {
            Err(RegistryError::Timeout { registry: registry.to_string(), millis: settings.timeout.as_millis() as u64 })
        }
    }
}

/// The `realm` and `service` of a `Bearer` challenge (`Bearer realm="…",service="…",…`).
fn bearer_challenge(header: &str) -> Option<(String, Option<String>)> {
    let rest = header.trim().strip_prefix("Bearer ").or_else(|| header.trim().strip_prefix("bearer "))?;
    let mut realm = None;
    let mut service = None;
    for part in rest.split(',') {
        let Some((key, value)) = part.split_once('=') else { continue };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim() {
            "realm" => realm = Some(value),
            "service" => service = Some(value),
            _ => {}
        }
    }
    Some((realm?, service))
}

/// A manifest with its digest and the labels of its config.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// `sha256:…` of the manifest as the registry serves it.
    pub digest: String,
    /// The manifest's `mediaType`.
    pub media_type: Option<String>,
    /// The config descriptor.
    pub config: OciDescriptor,
    /// The layer descriptors.
    pub layers: Vec<OciDescriptor>,
    /// `config.Labels` of the config blob (empty when it has none).
    pub labels: BTreeMap<String, String>,
}

/// A pulled bundle.
#[derive(Clone, Debug)]
pub struct Pulled {
    /// The manifest it came from.
    pub manifest: Manifest,
    /// The layer's bytes (the `.tar.gz`).
    pub bytes: Vec<u8>,
    /// The archive read within the extract limits.
    pub archive: Archive,
}

/// The registry operations pacto needs. Every ref is the part after `oci://`. Refs given to
/// `fetch_manifest`, `manifest_digest`, `pull_bundle` and `push` name a tag or digest (a ref with neither means
/// the tag `latest`, so callers [`Registry::resolve`] it first). Every call ends within the implementation's
/// timeout.
pub trait Registry: Sync {
    /// The repository's tags (the ref's tag and digest are ignored).
    fn list_tags(&self, reference: &OciRef) -> impl Future<Output = Result<Vec<String>, RegistryError>> + Send;

    /// The manifest the ref names (by digest, else tag), with its digest and config labels.
    fn fetch_manifest(&self, reference: &OciRef) -> impl Future<Output = Result<Manifest, RegistryError>> + Send;

    /// The digest of the manifest the ref names, or `None` when the registry has no such tag or digest.
    fn manifest_digest(&self, reference: &OciRef)
    -> impl Future<Output = Result<Option<String>, RegistryError>> + Send;

    /// Pulls the bundle the ref names: exactly one layer of [`LAYER_MEDIA_TYPE`], read within the extract limits.
    fn pull_bundle(&self, reference: &OciRef) -> impl Future<Output = Result<Pulled, RegistryError>> + Send;

    /// Pushes a packed bundle under the ref's tag and returns the manifest digest.
    fn push(&self, reference: &OciRef, packed: &Packed) -> impl Future<Output = Result<String, RegistryError>> + Send;

    /// The ref as given when it has a tag or digest; otherwise the ref tagged with the highest semver tag
    /// satisfying `range` (non-semver tags ignored), or [`RegistryError::NotFound`] when none does.
    fn resolve(
        &self,
        reference: &OciRef,
        range: Option<&Constraints>,
    ) -> impl Future<Output = Result<OciRef, RegistryError>> + Send {
        async move {
            if reference.tag.is_some() || reference.digest.is_some() {
                return Ok(reference.clone());
            }
            let tags = self.list_tags(reference).await?;
            match highest_tag(&tags, range) {
                Some(tag) => Ok(OciRef { tag: Some(tag), ..reference.clone() }),
                None => Err(RegistryError::NotFound {
                    registry: reference.registry.clone(),
                    what: match range {
                        Some(range) => format!("no semver tag of `oci://{reference}` satisfies `{range}`"),
                        None => format!("no semver tag in `oci://{reference}`"),
                    },
                }),
            }
        }
    }
}

/// The highest tag that parses as a version and satisfies `range` (every version when `None`, prereleases
/// included, as upstream's resolver does; a range admits prereleases only when it names one).
pub fn highest_tag(tags: &[String], range: Option<&Constraints>) -> Option<String> {
    tags.iter()
        .filter_map(|tag| parse_version(tag).ok().map(|version| (version, tag)))
        .filter(|(version, _)| range.is_none_or(|range| range.matches(version)))
        .max_by(|a, b| compare(&a.0, &b.0))
        .map(|(_, tag)| tag.clone())
}

/// Whether a registry is spoken to over plain HTTP: loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) and
/// the listed ones (matched with or without the port).
pub fn uses_plain_http(registry: &str, listed: &[String]) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => registry.rsplit_once(':').map_or(registry, |(host, _)| host),
    };
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback || listed.iter().any(|it| it == registry || it == host)
}

/// Which way a bundle moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Push,
    Pull,
}

/// What [`OciRegistry`] reports while it moves a bundle's blobs, so the CLI can draw a progress bar (or print
/// lines) and the language server can send `$/progress` from the same points. A transfer is `start`, any number
/// of `advance`, then exactly one `finish` (also when the transfer fails or runs out of time). Called on the task
/// doing the transfer, so an implementation must be quick.
pub trait Progress: Send + Sync {
    /// A transfer of about `total` bytes of the bundle `reference` names begins.
    fn start(&self, direction: Direction, reference: &OciRef, total: u64);
    /// `bytes` more bytes have moved.
    fn advance(&self, bytes: u64);
    /// The transfer ended: `ok` when the bundle moved whole, `false` when it failed.
    fn finish(&self, ok: bool);
}

/// One reported transfer: finishes as failed when dropped before [`Transfer::done`] (an error or a timeout).
struct Transfer<'a> {
    progress: Option<&'a dyn Progress>,
    done: bool,
}

impl<'a> Transfer<'a> {
    fn start(progress: Option<&'a dyn Progress>, direction: Direction, reference: &OciRef, total: u64) -> Self {
        if let Some(progress) = progress {
            progress.start(direction, reference, total);
        }
        Transfer { progress, done: false }
    }

    fn advance(&self, bytes: u64) {
        if let Some(progress) = self.progress {
            progress.advance(bytes);
        }
    }

    fn done(mut self) {
        self.done = true;
        if let Some(progress) = self.progress {
            progress.finish(true);
        }
    }
}

impl Drop for Transfer<'_> {
    fn drop(&mut self) {
        if let (false, Some(progress)) = (self.done, self.progress) {
            progress.finish(false);
        }
    }
}

/// The [`Registry`] on `oci-client`. One HTTP client per registry host is made on first use and kept, so its
/// connections and the registry's tokens are reused across calls.
pub struct OciRegistry {
    settings: Settings,
    /// Told about each bundle pushed or pulled.
    progress: Option<std::sync::Arc<dyn Progress>>,
    /// How many tags one page of a tag list asks for.
    page_size: usize,
    clients: std::sync::Mutex<std::collections::HashMap<String, Client>>,
}

impl std::fmt::Debug for OciRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRegistry").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl OciRegistry {
    /// A registry client with these settings. Installs the `ring` TLS provider once per process.
    pub fn new(settings: Settings) -> OciRegistry {
        // A provider may already be installed (a second client, or another part of the program): that one is kept.
        let _ = rustls::crypto::ring::default_provider().install_default();
        OciRegistry { settings, progress: None, page_size: TAG_PAGE_SIZE, clients: Default::default() }
    }

    /// The same client reporting each bundle it pushes or pulls to `progress`.
    pub fn with_progress(mut self, progress: std::sync::Arc<dyn Progress>) -> OciRegistry {
        self.progress = Some(progress);
        self
    }

    /// The same client asking for `size` tags per page of a tag list (at least 1; default [`TAG_PAGE_SIZE`]).
    pub fn with_tag_page_size(mut self, size: usize) -> OciRegistry {
        self.page_size = size.max(1);
        self
    }

    fn client(&self, registry: &str) -> Client {
        // A poisoned lock only means another thread panicked while inserting; the map is still usable.
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.entry(registry.to_string()).or_insert_with(|| self.new_client(registry)).clone()
    }

    fn new_client(&self, registry: &str) -> Client {
        let protocol = match uses_plain_http(registry, &self.settings.plain_http) {
            true => ClientProtocol::HttpsExcept(vec![registry.to_string()]),
            false => ClientProtocol::Https,
        };
        Client::new(ClientConfig {
            protocol,
            connect_timeout: Some(self.settings.timeout),
            read_timeout: Some(self.settings.timeout),
            ..ClientConfig::default()
        })
    }

    /// Runs one operation under the timeout, naming the registry if it runs out.
    async fn bounded<T>(
        &self,
        registry: &str,
        work: impl Future<Output = Result<T, RegistryError>>,
    ) -> Result<T, RegistryError> {
        match tokio::time::timeout(self.settings.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(RegistryError::Timeout {
                registry: registry.to_string(),
                millis: self.settings.timeout.as_millis() as u64,
            }),
        }
    }

    async fn manifest(&self, client: &Client, reference: &OciRef) -> Result<Manifest, RegistryError> {
        let image = to_reference(reference)?;
        let auth = self.settings.auth.to_client();
        let failed = |error| RegistryError::from_client(reference, error);
        let accepted = [MANIFEST_MEDIA_TYPE, DOCKER_MANIFEST_MEDIA_TYPE];
        let (bytes, digest) = client.pull_manifest_raw(&image, &auth, &accepted).await.map_err(failed)?;
        let invalid = |why: String| RegistryError::Invalid { reference: reference.to_string(), why };
        if bytes.len() > MAX_JSON {
            return Err(invalid(format!("its manifest is larger than {} MiB", MAX_JSON >> 20)));
        }
        let manifest: OciImageManifest =
            serde_json::from_slice(&bytes).map_err(|error| invalid(format!("its manifest cannot be read: {error}")))?;
        let config =
            read_blob(client, &image, &manifest.config, MAX_JSON, None).await.map_err(|error| match error {
                BlobError::Client(error) => failed(error),
                BlobError::Invalid(why) => invalid(format!("its config {why}")),
            })?;
        let labels = labels(&config).map_err(|why| invalid(format!("its config {why}")))?;
        Ok(Manifest {
            digest,
            media_type: manifest.media_type.clone(),
            config: manifest.config,
            layers: manifest.layers,
            labels,
        })
    }
}

impl Registry for OciRegistry {
    async fn list_tags(&self, reference: &OciRef) -> Result<Vec<String>, RegistryError> {
        self.bounded(&reference.registry, async {
            let client = self.client(&reference.registry);
            let bare = OciRef { tag: None, digest: None, ..reference.clone() };
            let image = to_reference(&bare)?;
            let auth = self.settings.auth.to_client();
            // Pages of `n` tags, each after the last tag of the one before, until a page is short or empty, brings
            // nothing new (a registry that ignores `last`), or the cap is reached.
            let mut tags = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let mut last: Option<String> = None;
            loop {
                let page = client
                    .list_tags(&image, &auth, Some(self.page_size), last.as_deref())
                    .await
                    .map_err(|error| RegistryError::from_client(&bare, error))?;
                let (length, before) = (page.tags.len(), tags.len());
                last = page.tags.last().cloned();
                let mut dropped = false;
                for tag in page.tags {
                    if seen.contains(&tag) {
                        continue;
                    }
                    if tags.len() == MAX_TAGS {
                        dropped = true;
                        break;
                    }
                    seen.insert(tag.clone());
                    tags.push(tag);
                }
                let complete = length < self.page_size || tags.len() == before;
                if dropped || (tags.len() == MAX_TAGS && !complete) {
                    tracing::warn!(
                        "`oci://{bare}` has more than {MAX_TAGS} tags; only the first {MAX_TAGS} are considered"
                    );
                    break;
                }
                if complete {
                    break;
                }
            }
            Ok(tags)
        })
        .await
    }

    async fn fetch_manifest(&self, reference: &OciRef) -> Result<Manifest, RegistryError> {
        self.bounded(&reference.registry, async {
            let client = self.client(&reference.registry);
            self.manifest(&client, reference).await
        })
        .await
    }

    async fn manifest_digest(&self, reference: &OciRef) -> Result<Option<String>, RegistryError> {
        self.bounded(&reference.registry, async {
            let client = self.client(&reference.registry);
            let image = to_reference(reference)?;
            let auth = self.settings.auth.to_client();
            match client.fetch_manifest_digest(&image, &auth).await {
                Ok(digest) => Ok(Some(digest)),
                Err(error) => match RegistryError::from_client(reference, error) {
                    RegistryError::NotFound { .. } => Ok(None),
                    other => Err(other),
                },
            }
        })
        .await
    }

    async fn pull_bundle(&self, reference: &OciRef) -> Result<Pulled, RegistryError> {
        self.bounded(&reference.registry, async {
            let client = self.client(&reference.registry);
            let manifest = self.manifest(&client, reference).await?;
            let invalid = |why: String| RegistryError::Invalid { reference: reference.to_string(), why };
            let [layer] = manifest.layers.as_slice() else {
                return Err(invalid(format!(
                    "it has {} layers; a bundle has exactly one, of type `{LAYER_MEDIA_TYPE}`",
                    manifest.layers.len()
                )));
            };
            if layer.media_type != LAYER_MEDIA_TYPE {
                return Err(invalid(format!(
                    "its layer has the media type `{}`, not `{LAYER_MEDIA_TYPE}`",
                    crate::core::text::excerpt(&layer.media_type)
                )));
            }
            let image = to_reference(reference)?;
            // A layer too large to read fails at once, before anything is reported.
            let transfer = (0..=MAX_STREAM as i64)
                .contains(&layer.size)
                .then(|| Transfer::start(self.progress.as_deref(), Direction::Pull, reference, layer.size as u64));
            let bytes =
                read_blob(&client, &image, layer, MAX_STREAM as usize, transfer.as_ref()).await.map_err(|error| {
                    match error {
                        BlobError::Client(error) => RegistryError::from_client(reference, error),
                        BlobError::Invalid(why) => invalid(format!("its layer {why}")),
                    }
                })?;
            let archive = read_archive(&bytes).map_err(invalid)?;
            if let Some(transfer) = transfer {
                transfer.done();
            }
            Ok(Pulled { manifest, bytes, archive })
        })
        .await
    }

    async fn push(&self, reference: &OciRef, packed: &Packed) -> Result<String, RegistryError> {
        self.bounded(&reference.registry, async {
            let client = self.client(&reference.registry);
            let image = to_reference(reference)?;
            let auth = self.settings.auth.to_client();
            let failed = |error| RegistryError::from_client(reference, error);
            client.auth(&image, &auth, oci_client::RegistryOperation::Push).await.map_err(failed)?;
            let config = config_json(packed);
            let layer_digest = format!("sha256:{}", packed.sha256);
            let config_digest = sha256_digest(&config);
            let total = packed.bytes.len() as u64 + config.len() as u64;
            let transfer = Transfer::start(self.progress.as_deref(), Direction::Push, reference, total);
            for (bytes, digest) in [(&packed.bytes, &layer_digest), (&config, &config_digest)] {
                // A blob the repository holds already (the same bundle under another tag, a push repeated) is
                // not sent again. A registry that cannot say gets it anyway.
                if client.blob_exists(&image, digest).await.unwrap_or(false) {
                    tracing::debug!(digest = digest.as_str(), "blob already in the repository; not uploaded");
                } else {
                    client.push_blob(&image, bytes.clone(), digest).await.map_err(failed)?;
                }
                transfer.advance(bytes.len() as u64);
            }
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST_MEDIA_TYPE,
                "config": { "mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config.len() },
                "layers": [{ "mediaType": LAYER_MEDIA_TYPE, "digest": layer_digest, "size": packed.size }],
            });
            let body = serde_json::to_vec(&manifest).unwrap_or_default();
            let digest = sha256_digest(&body);
            let content_type = http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE);
            client.push_manifest_raw(&image, body, content_type).await.map_err(failed)?;
            transfer.done();
            Ok(digest)
        })
        .await
    }
}

/// The config blob: an OCI image config whose labels name the bundle, with the layer's uncompressed digest
/// as its `rootfs`, as go-containerregistry writes it.
fn config_json(packed: &Packed) -> Vec<u8> {
    let mut tar = Vec::new();
    let diff_ids = match flate2::read::GzDecoder::new(&packed.bytes[..]).read_to_end(&mut tar) {
        Ok(_) => vec![sha256_digest(&tar)],
        Err(_) => Vec::new(),
    };
    let pacto_version = contract_of(&packed.contract).pacto_version.unwrap_or_default();
    let config = serde_json::json!({
        "architecture": "",
        "os": "",
        "config": { "Labels": {
            LABEL_NAME: packed.name,
            LABEL_VERSION: packed.version,
            LABEL_PACTO_VERSION: pacto_version,
        } },
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
    });
    serde_json::to_vec(&config).unwrap_or_default()
}

/// The typed contract of a contract text (empty when it does not parse).
pub fn contract_of(text: &str) -> crate::core::model::Contract {
    let parsed = crate::core::yaml::parse(text);
    parsed.tree.document_json().map(|value| crate::core::model::Contract::from_json(&value)).unwrap_or_default()
}

/// `config.Labels` of an image config (absent labels are an empty map).
fn labels(config: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value = serde_json::from_slice(config).map_err(|error| format!("is not JSON: {error}"))?;
    let Some(labels) = value.pointer("/config/Labels").and_then(|it| it.as_object()) else {
        return Ok(BTreeMap::new());
    };
    Ok(labels.iter().filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string()))).collect())
}

fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

fn to_reference(reference: &OciRef) -> Result<Reference, RegistryError> {
    let registry = reference.registry.clone();
    let repository = reference.repository.clone();
    Ok(match (&reference.tag, &reference.digest) {
        (Some(tag), Some(digest)) => Reference::with_tag_and_digest(registry, repository, tag.clone(), digest.clone()),
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.clone()),
        (Some(tag), None) => Reference::with_tag(registry, repository, tag.clone()),
        (None, None) => Reference::with_tag(registry, repository, "latest".to_string()),
    })
}

enum BlobError {
    Client(oci_client::errors::OciDistributionError),
    Invalid(String),
}

/// Reads a blob of at most `limit` bytes and checks its digest, reporting each chunk to `transfer`.
async fn read_blob(
    client: &Client,
    image: &Reference,
    descriptor: &OciDescriptor,
    limit: usize,
    transfer: Option<&Transfer<'_>>,
) -> Result<Vec<u8>, BlobError> {
    if descriptor.size < 0 || descriptor.size as u64 > limit as u64 {
        return Err(BlobError::Invalid(format!("is larger than {} MiB", limit >> 20)));
    }
    let mut stream = client.pull_blob_stream(image, descriptor).await.map_err(BlobError::Client)?;
    let mut bytes = Vec::with_capacity(descriptor.size as usize);
    while let Some(chunk) = stream.stream.next().await {
        let chunk = chunk.map_err(|error| BlobError::Client(error.into()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(BlobError::Invalid(format!("is larger than {} MiB", limit >> 20)));
        }
        bytes.extend_from_slice(&chunk);
        if let Some(transfer) = transfer {
            transfer.advance(chunk.len() as u64);
        }
    }
    if sha256_digest(&bytes) != descriptor.digest {
        return Err(BlobError::Invalid("does not match its digest".to_string()));
    }
    Ok(bytes)
}

/// Why a packed bundle may not be pushed: upstream refuses bundles whose dependencies point at local folders,
/// since nobody else can resolve them. `None` when every dependency is an `oci://` ref.
pub fn local_dependencies(contract: &str) -> Option<String> {
    let local: Vec<String> = contract_of(contract)
        .dependencies
        .iter()
        .enumerate()
        .filter_map(|(index, dependency)| {
            let reference = dependency.reference.as_deref()?;
            (!reference.starts_with("oci://"))
                .then(|| format!("`dependencies[{index}].ref` is `{}`", excerpt(reference)))
        })
        .collect();
    (!local.is_empty()).then(|| {
        format!(
            "a pushed bundle cannot depend on local folders: {}; publish them and use `oci://` refs",
            local.join(", ")
        )
    })
}

/// Pushes a packed bundle under the ref's tag unless the tag exists and `force` is off. Returns the manifest
/// digest and whether anything was pushed.
pub async fn push_packed<R: Registry>(
    registry: &R,
    reference: &OciRef,
    packed: &Packed,
    force: bool,
) -> Result<(String, bool), RegistryError> {
    if !force && let Some(digest) = registry.manifest_digest(reference).await? {
        return Ok((digest, false));
    }
    registry.push(reference, packed).await.map(|digest| (digest, true))
}

/// Parses an `oci://REGISTRY/REPOSITORY[:TAG][@DIGEST]` argument of `command`, strictly.
pub fn parse_ref(text: Option<&str>, command: &str) -> Result<OciRef, String> {
    let Some(text) = text else {
        return Err(format!("`{command}` needs an OCI reference (`oci://REGISTRY/REPOSITORY[:TAG]`)"));
    };
    let Some(rest) = text.strip_prefix("oci://") else {
        return Err(format!("`{command}` needs an OCI reference (`oci://...`), not `{}`", excerpt(text)));
    };
    let reference = ociref::parse(rest).map_err(|why| format!("invalid OCI reference: {why}"))?;
    if let Some(problem) = ociref::strict_problem(&reference) {
        return Err(format!("invalid OCI reference: {problem}"));
    }
    Ok(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_give_the_realm_and_service() {
        let docker_hub = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#;
        assert_eq!(
            bearer_challenge(docker_hub),
            Some(("https://auth.docker.io/token".to_string(), Some("registry.docker.io".to_string())))
        );
        let ghcr = r#"Bearer realm="https://ghcr.io/token", scope="repository:a/b:pull""#;
        assert_eq!(bearer_challenge(ghcr), Some(("https://ghcr.io/token".to_string(), None)));
        assert_eq!(bearer_challenge(r#"Basic realm="pacto-test""#), None);
        assert_eq!(bearer_challenge("Bearer service=\"x\""), None);
    }

    #[test]
    fn plain_http_only_for_loopback_and_listed_hosts() {
        let listed = vec!["registry.internal".to_string(), "10.0.0.5:5000".to_string()];
        for plain in
            ["localhost:5000", "127.0.0.1:1234", "127.9.9.9", "[::1]:5000", "registry.internal:443", "10.0.0.5:5000"]
        {
            assert!(uses_plain_http(plain, &listed), "{plain}");
        }
        for tls in ["ghcr.io", "10.0.0.5:5001", "localhost.evil.com:5000", "128.0.0.1:80", "registry.internal.x"] {
            assert!(!uses_plain_http(tls, &listed), "{tls}");
        }
    }

    #[test]
    fn highest_tag_ignores_non_semver_and_applies_the_range() {
        let tags: Vec<String> =
            ["latest", "1.0.0", "1.10.0", "1.9.0", "2.0.0", "2.1.0-rc.1", "main"].map(String::from).to_vec();
        // Without a range every version counts, prereleases too (as upstream's resolver does).
        assert_eq!(highest_tag(&tags, None).as_deref(), Some("2.1.0-rc.1"));
        let range = Constraints::parse("^1.2").unwrap();
        assert_eq!(highest_tag(&tags, Some(&range)).as_deref(), Some("1.10.0"));
        let none = Constraints::parse(">=3").unwrap();
        assert_eq!(highest_tag(&tags, Some(&none)), None);
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let auth = Auth::Basic { username: "me".into(), password: "s3cret".into() };
        assert!(!format!("{auth:?}").contains("s3cret"));
        assert!(!format!("{:?}", Auth::Token("t0ken".into())).contains("t0ken"));
    }
}
