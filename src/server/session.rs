//! Server state: open documents, settings, negotiated capabilities, the bundle file cache.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};

use dashmap::DashMap;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use crate::clock;
use crate::core::check::{Environment, analyze};
use crate::core::date::Date;
use crate::core::text::LineIndex;
use crate::server::convert::Encoding;
use crate::server::diagnostics::Need;
use crate::server::document::{Analyzed, Document};
use crate::server::files::FileCache;
use crate::server::live_diff::{self, Baseline, LiveDiff};
use crate::server::memory;
use crate::server::registry::Remotes;
use crate::server::settings::Settings;
use crate::server::workspace_index::WorkspaceIndex;

/// What the client said it can do, read once at `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientFlags {
    pub watched_files_dynamic: bool,
    pub configuration_pull: bool,
    pub snippets: bool,
    /// The client shows `$/progress` for tokens the server creates.
    pub work_done_progress: bool,
    /// The client applies `CreateFile` operations in workspace edits (migrations create spec files).
    pub create_files: bool,
    /// The client pulls diagnostics (`textDocument/diagnostic`, LSP 3.17): closed files are reported when it
    /// asks, not pushed.
    pub pull_diagnostics: bool,
    /// The client accepts `workspace/diagnostic/refresh`.
    pub diagnostic_refresh: bool,
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
    /// The client's workspace folders (absolute paths): how far policy refs may reach.
    pub workspace_folders: RwLock<Vec<PathBuf>>,
    /// The generation the next opened document gets.
    next_generation: AtomicU64,
    /// Per URI, kept across close and reopen: serializes publishing and clearing, and holds the
    /// (generation, version) last published.
    published: DashMap<Uri, PublishLock>,
    /// Baselines set by `pacto.diff`, per document.
    pub baselines: DashMap<Uri, Arc<Baseline>>,
    /// Baselines from the `pacto.diff.baseline` setting, per document (a failure is tried again after
    /// [`BASELINE_RETRY`], on save, or when the setting changes).
    pub setting_baselines: DashMap<Uri, SettingBaseline>,
    /// The newest live diff per document.
    pub diffs: DashMap<Uri, Arc<LiveDiff>>,
    /// What the registries said about `oci://` refs.
    pub remotes: Remotes,
    /// Per document: the registry work its newest published version wants, and whether its task runs.
    pub asking: DashMap<Uri, Arc<Asking>>,
    /// Every contract in the workspace folders, checked in the background.
    pub workspace: WorkspaceIndex,
    /// Counts document uses (`Document::last_used`).
    uses: AtomicU64,
    /// The session itself, for work a method starts in the background.
    me: Weak<Session>,
}

/// Single-flight registry work for one document: at most one task asks the registries for it, and only the
/// newest need waits for it (a newer version's need replaces an older one's).
#[derive(Default)]
pub struct Asking {
    state: std::sync::Mutex<AskState>,
}

#[derive(Default)]
struct AskState {
    need: Option<Need>,
    running: bool,
}

impl Asking {
    /// Leaves `need` for the task. Returns true when no task runs, so the caller must start one.
    pub fn want(&self, need: Need) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.need = Some(need);
        !std::mem::replace(&mut state.running, true)
    }

    /// The task takes the newest need; without one it stops (`None`).
    pub fn take(&self) -> Option<Need> {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        let need = state.need.take();
        state.running = need.is_some();
        need
    }

    /// The task ended without `take` stopping it (a panic).
    pub fn stop(&self) {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.running = false;
    }
}

/// How long a `pacto.diff.baseline` that could not be loaded or pulled is left alone before it is tried again.
pub const BASELINE_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// The baseline the `pacto.diff.baseline` setting named for one document, or why it could not be loaded.
pub struct SettingBaseline {
    /// The setting it was loaded for.
    pub setting: String,
    pub loaded: Result<Arc<Baseline>, String>,
    pub at: std::time::Instant,
}

impl SettingBaseline {
    /// Whether this is the answer for `setting` and it may be used as it is: a baseline, or a failure younger
    /// than [`BASELINE_RETRY`].
    fn holds(&self, setting: &str) -> bool {
        self.setting == setting && (self.loaded.is_ok() || self.at.elapsed() < BASELINE_RETRY)
    }
}

/// Serializes publishing for one URI; holds the (generation, version) last published.
pub type PublishLock = Arc<tokio::sync::Mutex<Option<(u64, i32)>>>;

/// What a check needs from a document, taken under a short lock.
pub struct Snapshot {
    pub generation: u64,
    pub version: i32,
    pub text: Arc<str>,
    pub bundle_root: Option<PathBuf>,
    /// Only edits asked for this check (nothing about the bundle, settings or registries changed).
    pub edits_only: bool,
}

impl Session {
    pub fn new(client: Client, me: Weak<Session>) -> Session {
        Session {
            client,
            documents: DashMap::new(),
            settings: RwLock::new(Settings::default()),
            encoding: OnceLock::new(),
            flags: OnceLock::new(),
            files: Arc::new(FileCache::default()),
            listings: DashMap::new(),
            shutdown_requested: AtomicBool::new(false),
            workspace_folders: RwLock::new(Vec::new()),
            next_generation: AtomicU64::new(1),
            published: DashMap::new(),
            baselines: DashMap::new(),
            setting_baselines: DashMap::new(),
            diffs: DashMap::new(),
            remotes: Remotes::new(&Settings::default()),
            asking: DashMap::new(),
            workspace: WorkspaceIndex::default(),
            uses: AtomicU64::new(1),
            me,
        }
    }

    /// A stamp for `Document::last_used`, greater than every earlier one.
    pub fn next_use(&self) -> u64 {
        self.uses.fetch_add(1, Ordering::Relaxed)
    }

    /// A generation for a newly opened document, greater than every earlier one.
    pub fn new_generation(&self) -> u64 {
        self.next_generation.fetch_add(1, Ordering::Relaxed)
    }

    /// The lock that serializes publishing for `uri`.
    pub fn publish_lock(&self, uri: &Uri) -> PublishLock {
        self.published.entry(uri.clone()).or_default().clone()
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

    /// Replaces the settings; when the registry settings change, the registry answers are forgotten.
    pub fn set_settings(&self, settings: Settings) {
        let registry = |it: &Settings| (it.plain_http.clone(), it.timeout_ms, it.offline, it.cache_dir.clone());
        if registry(&self.settings()) != registry(&settings) {
            self.remotes.reset(&settings);
        }
        if let Ok(mut current) = self.settings.write() {
            *current = settings;
        }
    }

    pub fn workspaces(&self) -> Vec<PathBuf> {
        self.workspace_folders.read().map(|it| it.clone()).unwrap_or_default()
    }

    pub fn version(&self, uri: &Uri) -> Option<i32> {
        self.documents.get(uri).map(|it| it.version)
    }

    /// Whether the document is still the opening `generation` at `version`.
    pub fn is_current(&self, uri: &Uri, generation: u64, version: i32) -> bool {
        self.documents.get(uri).is_some_and(|it| (it.generation, it.version) == (generation, version))
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let (rope, generation, version, bundle_root) = {
            let doc = self.documents.get(uri)?;
            (doc.rope.clone(), doc.generation, doc.version, doc.bundle_root())
        };
        // The rope clone is cheap; the text is built outside the map's lock.
        Some(Snapshot { generation, version, text: Arc::from(rope.to_string()), bundle_root, edits_only: false })
    }

    /// The analysis of the document's current text: the published one when it is current,
    /// otherwise a quick check of the text alone (no bundle files), so requests never wait. The
    /// quick check runs once per version, whatever the number of requests. Blocking: call it
    /// off the async workers.
    pub fn current(&self, uri: &Uri) -> Option<Arc<Analyzed>> {
        let found = {
            let mut doc = self.documents.get_mut(uri)?;
            doc.last_used = self.next_use();
            if doc.evicted
                && let Some(me) = self.me.upgrade()
            {
                drop(doc);
                memory::recheck_evicted(&me, uri);
                doc = self.documents.get_mut(uri)?;
            }
            match doc.analyzed.as_ref().filter(|it| it.is_for(&doc)) {
                Some(analyzed) => Ok(analyzed.clone()),
                None => Err(doc.quick()),
            }
        };
        let analyzed = match found {
            Ok(analyzed) => analyzed,
            Err(quick) => quick
                .analyzed
                .get_or_init(|| {
                    tracing::debug!(uri = uri.as_str(), version = quick.version, "quick analysis ran");
                    let text: Arc<str> = Arc::from(quick.rope.to_string());
                    let analysis = analyze(&text, &self.settings().options(today()), &Environment::default());
                    let lines = LineIndex::new(&text);
                    Arc::new(Analyzed { generation: quick.generation, version: quick.version, text, lines, analysis })
                })
                .clone(),
        };
        // A test seam: proves that a panic while answering a request is contained (see tests/lsp.rs).
        if fault_injected(&analyzed.text, "#!panic-request") {
            panic!("fault injected by PACTO_LSP_FAULT_INJECTION");
        }
        Some(analyzed)
    }

    /// The baseline the document is diffed against: the one `pacto.diff` set, else the one the
    /// `pacto.diff.baseline` setting names (loaded on first use; blocking, call it off the async
    /// workers). A setting that cannot be loaded is logged and ignored until it is tried again.
    pub fn baseline(&self, uri: &Uri, root: Option<&std::path::Path>) -> Option<Arc<Baseline>> {
        if let Some(explicit) = self.baselines.get(uri) {
            return Some(explicit.clone());
        }
        let setting = self.settings().diff_baseline?;
        if let Some(entry) = self.setting_baselines.get(uri).filter(|it| it.holds(&setting)) {
            return entry.loaded.as_ref().ok().cloned();
        }
        // An `oci://` setting is pulled by `pull_setting_baseline` before the diff runs, never here.
        if setting.starts_with("oci://") {
            return None;
        }
        let loaded = live_diff::load(&setting, root, &self.workspaces()).map(Arc::new);
        self.remember_setting_baseline(uri, setting, loaded.clone());
        loaded.ok()
    }

    /// Pulls the `pacto.diff.baseline` setting's baseline when it is an `oci://` ref not pulled yet (async
    /// I/O on the runtime, so [`Session::baseline`] finds it without touching the network).
    pub async fn pull_setting_baseline(&self, uri: &Uri) {
        let settings = self.settings();
        let Some(setting) = settings.diff_baseline.clone().filter(|it| it.starts_with("oci://")) else {
            return;
        };
        if self.baselines.contains_key(uri) || self.setting_baselines.get(uri).is_some_and(|it| it.holds(&setting)) {
            return;
        }
        let loaded = live_diff::load_oci(&setting, &settings).await.map(Arc::new);
        self.remember_setting_baseline(uri, setting, loaded);
    }

    fn remember_setting_baseline(&self, uri: &Uri, setting: String, loaded: Result<Arc<Baseline>, String>) {
        if let Err(why) = &loaded {
            tracing::warn!(uri = uri.as_str(), %why, "the `pacto.diff.baseline` setting names no usable baseline");
        }
        self.setting_baselines.insert(uri.clone(), SettingBaseline { setting, loaded, at: std::time::Instant::now() });
    }

    /// Forgets why the `pacto.diff.baseline` setting could not be loaded for the document, so the next diff
    /// tries again (on save: the user may have fixed the registry or pushed the version meanwhile).
    pub fn retry_setting_baseline(&self, uri: &Uri) {
        self.setting_baselines.remove_if(uri, |_, it| it.loaded.is_err());
    }

    /// Whether the document is diffed against a baseline (or had a diff that must be cleared).
    pub fn has_baseline(&self, uri: &Uri) -> bool {
        self.baselines.contains_key(uri) || self.settings().diff_baseline.is_some() || self.diffs.contains_key(uri)
    }

    /// The newest live diff of the document, if it has a baseline.
    pub fn live_diff(&self, uri: &Uri) -> Option<Arc<LiveDiff>> {
        self.diffs.get(uri).map(|it| it.clone())
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

/// Whether `PACTO_LSP_FAULT_INJECTION` is set and `text` has a line that is exactly `marker`
/// (tests make the server panic on purpose with it).
pub fn fault_injected(text: &str, marker: &str) -> bool {
    std::env::var_os("PACTO_LSP_FAULT_INJECTION").is_some() && text.lines().any(|it| it.trim_end() == marker)
}

/// The local file a URI names: only for `file:` URIs with an absolute path, normalized. Other
/// schemes (`untitled:`, `git:`, `vscode-vfs:` …) have paths too, but they do not name files on
/// this disk, so no document of theirs reads local files.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.to_file_path()?;
    path.is_absolute().then(|| crate::fs::normalize(&path))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(uri: &str) -> Option<PathBuf> {
        file_path(&uri.parse::<Uri>().unwrap())
    }

    #[test]
    fn only_file_uris_with_absolute_paths_name_local_files() {
        assert_eq!(path_of("file:///ws/svc/./pacto.yaml"), Some(PathBuf::from("/ws/svc/pacto.yaml")));
        assert_eq!(path_of("FILE:///ws/pacto.yaml"), Some(PathBuf::from("/ws/pacto.yaml")));
        // `Uri::to_file_path` would answer a path for every one of these.
        for other in [
            "untitled:/ws/svc/pacto.yaml",
            "git:/ws/svc/pacto.yaml?%7B%22ref%22%3A%22HEAD%22%7D",
            "vscode-vfs://github/owner/repo/pacto.yaml",
            "vscode-remote://ssh-remote+host/ws/pacto.yaml",
            "file:relative/pacto.yaml",
        ] {
            assert!(other.parse::<Uri>().unwrap().to_file_path().is_some(), "{other}");
            assert_eq!(path_of(other), None, "{other}");
        }
    }
}
