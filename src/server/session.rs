//! Server state: open documents, settings, negotiated capabilities, the bundle file cache.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use dashmap::DashMap;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use crate::clock;
use crate::core::check::{Environment, Options, analyze};
use crate::core::date::Date;
use crate::core::text::LineIndex;
use crate::server::convert::Encoding;
use crate::server::document::{Analyzed, Document};
use crate::server::files::FileCache;
use crate::server::settings::Settings;

/// What the client said it can do, read once at `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientFlags {
    pub watched_files_dynamic: bool,
    pub configuration_pull: bool,
    pub snippets: bool,
}

pub struct Session {
    pub client: Client,
    pub documents: DashMap<Uri, Document>,
    pub settings: RwLock<Settings>,
    pub encoding: OnceLock<Encoding>,
    pub flags: OnceLock<ClientFlags>,
    pub files: Arc<FileCache>,
    /// Bundle-relative file lists per bundle root, for path completion.
    pub listings: DashMap<PathBuf, Arc<Vec<String>>>,
    pub shutdown_requested: AtomicBool,
}

/// What a check needs from a document, taken under a short lock.
pub struct Snapshot {
    pub version: i32,
    pub text: Arc<str>,
    pub bundle_root: Option<PathBuf>,
    pub publish: Arc<tokio::sync::Mutex<Option<i32>>>,
}

impl Session {
    pub fn new(client: Client) -> Session {
        Session {
            client,
            documents: DashMap::new(),
            settings: RwLock::new(Settings::default()),
            encoding: OnceLock::new(),
            flags: OnceLock::new(),
            files: Arc::new(FileCache::default()),
            listings: DashMap::new(),
            shutdown_requested: AtomicBool::new(false),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    pub fn flags(&self) -> ClientFlags {
        self.flags.get().copied().unwrap_or_default()
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().map(|it| it.clone()).unwrap_or_default()
    }

    pub fn set_settings(&self, settings: Settings) {
        if let Ok(mut current) = self.settings.write() {
            *current = settings;
        }
    }

    pub fn version(&self, uri: &Uri) -> Option<i32> {
        self.documents.get(uri).map(|it| it.version)
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let (rope, version, bundle_root, publish) = {
            let doc = self.documents.get(uri)?;
            (doc.rope.clone(), doc.version, doc.bundle_root(), doc.publish.clone())
        };
        // The rope clone is cheap; the text is built outside the map's lock.
        Some(Snapshot { version, text: Arc::from(rope.to_string()), bundle_root, publish })
    }

    /// The analysis of the document's current text: the published one when it is current,
    /// otherwise a quick check of the text alone (no bundle files), so requests never wait.
    pub fn current(&self, uri: &Uri) -> Option<Arc<Analyzed>> {
        let (rope, version) = {
            let doc = self.documents.get(uri)?;
            if let Some(analyzed) = doc.analyzed.as_ref().filter(|it| it.version == doc.version) {
                return Some(analyzed.clone());
            }
            (doc.rope.clone(), doc.version)
        };
        let text: Arc<str> = Arc::from(rope.to_string());
        let options = Options { today: today(), readiness_gate: false, warn_days: self.settings().warn_days };
        let analysis = analyze(&text, &options, &Environment::default());
        let lines = LineIndex::new(&text);
        Some(Arc::new(Analyzed { version, text, lines, analysis }))
    }

    pub fn bundle_root(&self, uri: &Uri) -> Option<PathBuf> {
        self.documents.get(uri).and_then(|it| it.bundle_root())
    }

    pub fn open_uris(&self) -> Vec<Uri> {
        self.documents.iter().map(|it| it.key().clone()).collect()
    }

    pub fn request_shutdown(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
    }

    pub fn shutdown_was_requested(&self) -> bool {
        self.shutdown_requested.load(Ordering::SeqCst)
    }
}

/// Whether a URI names a Pacto contract (`…/pacto.yaml`).
pub fn is_contract(uri: &Uri) -> bool {
    let text = uri.as_str();
    let name = text.rsplit('/').next().unwrap_or(text);
    name == "pacto.yaml"
}

/// "Today" for readiness: `PACTO_TODAY` when set (tests), else the UTC date.
pub fn today() -> Date {
    clock::today_from_env().unwrap_or_else(|error| {
        tracing::warn!(%error, "ignoring PACTO_TODAY");
        clock::today_utc()
    })
}
