//! Every contract in the workspace: background checking of each `pacto.yaml` under the workspace folders, the
//! reports the pull model hands out (and the push model publishes for closed files), and the index of bundles
//! behind cross-bundle hover, go to definition, references and `DEPENDENCY_INCOMPATIBLE`.
//!
//! One thread does the work, at low priority: it walks the folders with the `ignore` crate (`.gitignore`,
//! `.ignore`, `.pactoignore`; links are not followed), then checks one file at a time, each read through the
//! gate, and yields between files. It waits while the editor is busy: nothing is checked until no edit or
//! request has been handled for [`QUIET`]. A file whose content hash is the one already checked is not checked
//! again unless something it depends on changed (settings, a bundle it depends on, its document closing).
//! Registry answers come from the editor's cache only: closed files never start network work.
//!
//! The index reads the files on disk: unsaved edits of an open contract count once saved. Open documents keep
//! their own diagnostics (pushed, as before); the pull model reports them here as empty, so nothing is shown
//! twice.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tower_lsp_server::ls_types::{self as lsp, Diagnostic, Location, Uri};

use crate::core::bundle::FileRead;
use crate::core::check::{Environment, analyze};
use crate::core::finding::Finding;
use crate::core::ide::workspace::{self as engine, Summary, Target};
use crate::core::model::Contract;
use crate::core::registry::{self, Lookup, Remote};
use crate::core::text::LineIndex;
use crate::core::yaml::Tree;
use crate::fs::{self, FileKey};
use crate::oci::lookup::PulledPolicies;
use crate::server::convert;
use crate::server::diagnostics;
use crate::server::document::Analyzed;
use crate::server::handlers::lifecycle::CLIENT_REQUEST_TIMEOUT;
use crate::server::registry::{CheckOf, EditorPolicies, policy_key};
use crate::server::session::{Session, file_path, today};

/// The background checker waits until no edit or request was handled for this long.
pub const QUIET: Duration = Duration::from_millis(50);

/// How long `workspace/diagnostic` waits for the background checker to finish before it answers with what
/// it knows (a refresh follows when the rest is done).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// At most this many contracts are checked in the background (the first ones in path order); a folder with
/// more is a folder of generated or vendored copies rather than a repository of services.
const MAX_CONTRACTS: usize = 5000;

/// When the editor last handled an edit or a request, in milliseconds since [`EPOCH`].
static LAST_ACTIVITY: AtomicU64 = AtomicU64::new(0);
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Marks the editor busy: the background checker waits until it has been quiet for [`QUIET`].
pub fn touch() {
    LAST_ACTIVITY.store(EPOCH.elapsed().as_millis() as u64, Ordering::Relaxed);
}

/// How long ago the editor was last busy.
fn quiet_for() -> Duration {
    let now = EPOCH.elapsed().as_millis() as u64;
    Duration::from_millis(now.saturating_sub(LAST_ACTIVITY.load(Ordering::Relaxed)))
}

/// One checked contract file.
pub struct Entry {
    pub uri: Uri,
    /// The content hash of the text checked.
    hash: u64,
    pub diagnostics: Arc<Vec<Diagnostic>>,
    /// Names the diagnostics: the same id means the same report.
    pub result_id: String,
    pub summary: Summary,
    /// The contract summarized as a registry's would be (hover).
    pub local: Arc<Remote>,
    /// Where `service.name` is (go to definition lands there).
    name_range: Option<lsp::Range>,
    /// Where each of `summary.dependencies` has its `ref` (references).
    dependency_ranges: Vec<lsp::Range>,
}

#[derive(Default)]
struct State {
    /// Contract files to check, each once.
    queue: VecDeque<PathBuf>,
    queued: HashSet<PathBuf>,
    /// Files checked even when their content is the one already checked.
    forced: HashSet<PathBuf>,
    /// The folders are walked again before the queue is served.
    rescan: bool,
    entries: HashMap<PathBuf, Entry>,
    /// A report changed since the client was last told (pull model).
    changed: bool,
    /// A bundle's name or version changed since open documents were last republished.
    summaries_changed: bool,
}

pub struct WorkspaceIndex {
    state: Mutex<State>,
    wake: Condvar,
    idle: tokio::sync::watch::Sender<bool>,
    started: std::sync::OnceLock<()>,
}

impl Default for WorkspaceIndex {
    fn default() -> WorkspaceIndex {
        WorkspaceIndex {
            state: Mutex::default(),
            wake: Condvar::new(),
            idle: tokio::sync::watch::Sender::new(false),
            started: std::sync::OnceLock::new(),
        }
    }
}

impl WorkspaceIndex {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|it| it.into_inner())
    }

    /// Asks for a check of one contract file (`forced`: even when its content is unchanged).
    pub fn enqueue(&self, path: PathBuf, forced: bool) {
        let mut state = self.state();
        if forced {
            state.forced.insert(path.clone());
        }
        if state.queued.insert(path.clone()) {
            state.queue.push_back(path);
        }
        self.idle.send_replace(false);
        self.wake.notify_one();
    }

    /// Asks for a walk of the workspace folders; `force_all`: every file is checked again (settings changed).
    pub fn rescan(&self, force_all: bool) {
        let mut state = self.state();
        state.rescan = true;
        if force_all {
            let paths: Vec<PathBuf> = state.entries.keys().cloned().collect();
            state.forced.extend(paths);
        }
        self.idle.send_replace(false);
        self.wake.notify_one();
    }

    /// Waits until the checker has nothing left to do, at most `patience`.
    pub async fn settled(&self, patience: Duration) {
        let mut idle = self.idle.subscribe();
        let _ = tokio::time::timeout(patience, idle.wait_for(|it| *it)).await;
    }

    /// The report of one file, if it was checked: its URI, result id and diagnostics.
    pub fn report(&self, path: &Path) -> Option<(Uri, String, Arc<Vec<Diagnostic>>)> {
        let state = self.state();
        let entry = state.entries.get(path)?;
        Some((entry.uri.clone(), entry.result_id.clone(), entry.diagnostics.clone()))
    }

    /// Every file's report, by path order.
    pub fn reports(&self) -> Vec<(Uri, String, Arc<Vec<Diagnostic>>)> {
        let state = self.state();
        let mut out: Vec<(&PathBuf, &Entry)> = state.entries.iter().collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out.into_iter().map(|(_, it)| (it.uri.clone(), it.result_id.clone(), it.diagnostics.clone())).collect()
    }

    /// The workspace bundle a dependency of the bundle at `from` resolves to (never the bundle itself).
    fn resolve<'a>(state: &'a State, from: &Path, target: &Target) -> Option<&'a Entry> {
        let own = from.join("pacto.yaml");
        match target {
            Target::Path(path) => {
                let folder = fs::normalize(&from.join(path));
                let contract = if folder.ends_with("pacto.yaml") { folder } else { folder.join("pacto.yaml") };
                state.entries.get(&contract).filter(|_| contract != own)
            }
            Target::Service(name) => state
                .entries
                .iter()
                .filter(|(path, it)| **path != own && it.summary.name.as_deref() == Some(name))
                .min_by(|a, b| a.0.cmp(b.0))
                .map(|(_, it)| it),
        }
    }
}

/// Whether the background checker may run: the setting is on and the client named workspace folders.
fn enabled(session: &Session) -> bool {
    session.settings().workspace_diagnostics && !session.workspaces().is_empty()
}

/// Starts the background checker (once) and asks for the first walk.
pub fn start(session: &Arc<Session>) {
    let index = &session.workspace;
    if index.started.set(()).is_err() {
        return;
    }
    let weak = Arc::downgrade(session);
    let handle = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new().name("pacto-workspace".into()).spawn(move || {
        lower_priority();
        run(weak, handle);
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "the workspace checker could not start");
        return;
    }
    index.rescan(false);
}

/// Runs this thread at the lowest scheduling priority (Linux: a thread has its own nice value).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid` and `setpriority` only read their arguments; a failure leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

/// What the checker does next.
enum Job {
    Scan,
    Check(PathBuf, bool),
}

/// The checker's loop: waits for work, then serves it one job at a time, yielding between jobs.
fn run(weak: Weak<Session>, handle: tokio::runtime::Handle) {
    let mut progress = Progress::default();
    loop {
        let Some(session) = weak.upgrade() else { return };
        if session.shutdown_was_requested() {
            return;
        }
        let job = next_job(&session);
        let Some(job) = job else {
            progress.finish(&handle);
            finished_batch(&session, &handle);
            drop(session);
            let index_owner = weak.upgrade();
            let Some(owner) = index_owner else { return };
            let state = owner.workspace.state();
            if state.queue.is_empty() && !state.rescan {
                let _ = owner.workspace.wake.wait_timeout(state, Duration::from_secs(1));
            }
            continue;
        };
        wait_quiet();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::Scan => {
                let found = scan(&session, &handle);
                progress.begin(&session, &handle, found);
            }
            Job::Check(path, forced) => {
                check(&session, &handle, &path, forced);
                progress.step(&handle);
            }
        }));
        if outcome.is_err() {
            tracing::error!("the workspace checker panicked on one file; it goes on with the next");
        }
        std::thread::yield_now();
    }
}

/// Takes the next job, or `None` (and marks the checker idle) when there is none.
fn next_job(session: &Session) -> Option<Job> {
    let index = &session.workspace;
    let mut state = index.state();
    if state.rescan {
        state.rescan = false;
        return Some(Job::Scan);
    }
    if let Some(path) = state.queue.pop_front() {
        state.queued.remove(&path);
        let forced = state.forced.remove(&path);
        return Some(Job::Check(path, forced));
    }
    index.idle.send_replace(true);
    None
}

/// Waits until the editor has been quiet for [`QUIET`].
fn wait_quiet() {
    loop {
        let quiet = quiet_for();
        if quiet >= QUIET {
            return;
        }
        std::thread::sleep(QUIET - quiet);
    }
}

/// The queue drained: tells the client (pull model) and republishes open documents whose dependencies changed.
fn finished_batch(session: &Arc<Session>, handle: &tokio::runtime::Handle) {
    let (changed, summaries) = {
        let mut state = session.workspace.state();
        (std::mem::take(&mut state.changed), std::mem::take(&mut state.summaries_changed))
    };
    let flags = session.flags();
    if changed && flags.pull_diagnostics && flags.diagnostic_refresh {
        let client = session.client.clone();
        handle.spawn(async move {
            match tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, client.workspace_diagnostic_refresh()).await {
                Ok(Ok(())) => tracing::debug!("workspace diagnostics refreshed"),
                Ok(Err(error)) => tracing::debug!(%error, "the client refused workspace/diagnostic/refresh"),
                Err(_) => tracing::debug!("the client did not answer workspace/diagnostic/refresh"),
            }
        });
    }
    if summaries {
        // Only documents with a dependency that may lead into the workspace can have changed.
        let uris: Vec<Uri> =
            session.documents.iter().filter(|doc| doc.leads_into_workspace).map(|doc| doc.key().clone()).collect();
        let session = session.clone();
        handle.spawn(async move {
            for uri in uris {
                diagnostics::republish(&session, &uri).await;
            }
        });
    }
}

/// Whether a dependency of the contract may lead into the workspace (its diagnostics then depend on the
/// workspace's bundles).
pub fn leads_into_workspace(contract: &Contract) -> bool {
    contract.dependencies.iter().any(|dependency| dependency.reference.as_deref().and_then(engine::target).is_some())
}

/// Walks the workspace folders for contracts, queues them, and forgets files that are gone (or ignored now).
/// Returns how many were found.
fn scan(session: &Arc<Session>, handle: &tokio::runtime::Handle) -> usize {
    if !enabled(session) {
        clear(session, handle);
        return 0;
    }
    let mut sorted: Vec<PathBuf> = walk(&session.workspaces()).into_iter().collect();
    sorted.sort();
    if sorted.len() > MAX_CONTRACTS {
        tracing::warn!(
            found = sorted.len(),
            kept = MAX_CONTRACTS,
            "too many contracts in the workspace; checking the first"
        );
        sorted.truncate(MAX_CONTRACTS);
    }
    let kept: HashSet<&PathBuf> = sorted.iter().collect();
    let gone: Vec<PathBuf> = {
        let state = session.workspace.state();
        state.entries.keys().filter(|it| !kept.contains(it)).cloned().collect()
    };
    for path in gone {
        forget(session, handle, &path);
    }
    let count = sorted.len();
    for path in sorted {
        session.workspace.enqueue(path, false);
    }
    tracing::debug!(contracts = count, "workspace walked");
    count
}

/// Every `pacto.yaml` under the folders, as the `ignore` crate walks them (`.gitignore` even outside a git
/// repository, `.ignore`, `.pactoignore`, hidden folders skipped, links not followed).
pub fn walk(folders: &[PathBuf]) -> HashSet<PathBuf> {
    let mut found = HashSet::new();
    for folder in folders {
        let walker = ignore::WalkBuilder::new(folder)
            .follow_links(false)
            .require_git(false)
            .add_custom_ignore_filename(".pactoignore")
            .build();
        for entry in walker.flatten() {
            let is_file = entry.file_type().is_some_and(|it| it.is_file());
            if is_file && entry.file_name() == "pacto.yaml" {
                found.insert(fs::normalize(entry.path()));
            }
        }
    }
    found
}

/// Forgets every file (the setting was turned off): their reports are cleared.
fn clear(session: &Arc<Session>, handle: &tokio::runtime::Handle) {
    let paths: Vec<PathBuf> = session.workspace.state().entries.keys().cloned().collect();
    for path in paths {
        forget(session, handle, &path);
    }
    let mut state = session.workspace.state();
    state.queue.clear();
    state.queued.clear();
    state.forced.clear();
}

/// Forgets one file (deleted, ignored now, or the setting is off) and clears its report.
fn forget(session: &Arc<Session>, handle: &tokio::runtime::Handle, path: &Path) {
    let removed = {
        let mut state = session.workspace.state();
        let removed = state.entries.remove(path);
        if removed.is_some() {
            state.changed = true;
            state.summaries_changed = true;
        }
        removed
    };
    if let Some(entry) = removed {
        requeue_dependents(session, path, &entry.summary);
        if !session.flags().pull_diagnostics && !entry.diagnostics.is_empty() {
            publish_closed(session, handle, entry.uri, Vec::new());
        }
    }
}

/// Checks one contract file and keeps its report; publishes it (push model) when it changed or was forced.
fn check(session: &Arc<Session>, handle: &tokio::runtime::Handle, path: &Path, forced: bool) {
    if !enabled(session) {
        return;
    }
    // Queued before its folder left the workspace: forgotten rather than checked.
    if !session.workspaces().iter().any(|folder| path.starts_with(folder)) {
        forget(session, handle, path);
        return;
    }
    let Some(root) = path.parent().map(Path::to_path_buf) else { return };
    let text = match fs::gate::read(&FileKey::in_bundle(&root, "pacto.yaml")) {
        FileRead::File(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        FileRead::Missing | FileRead::Unusable(_) => {
            forget(session, handle, path);
            return;
        }
    };
    let hash = content_hash(&text);
    let previous = session.workspace.state().entries.get(path).map(|it| it.hash);
    if previous == Some(hash) && !forced {
        return;
    }
    let Some(uri) = Uri::from_file_path(path) else { return };
    let encoding = session.encoding();
    let workspaces = session.workspaces();
    let text: Arc<str> = Arc::from(text);
    let analysis = {
        let loader: Arc<dyn fs::Loader> = Arc::new(fs::Direct::default());
        let bundle = fs::bundle(&root, &root, loader.clone());
        let local = fs::Resolver { boundary: fs::boundary(&root, &workspaces), loader };
        let pulled = cached_policies(session, &text);
        let resolver = EditorPolicies { local: &local, pulled: pulled.as_deref(), check_of: CheckOf::ClosedFile };
        let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
        analyze(&text, &session.settings().options(today()), &env)
    };
    let lines = LineIndex::new(&text);
    let tree = &analysis.parsed.tree;
    let mut findings: Vec<&Finding> = analysis.findings.iter().collect();
    let contract = analysis.contract.clone().unwrap_or_default();
    let extra = dependency_findings(session, Some(&root), &text, tree, &contract);
    findings.extend(extra.iter());
    let items: Vec<Diagnostic> =
        findings.iter().map(|it| diagnostics::to_diagnostic(&text, &lines, it, encoding)).collect();
    let result_id = format!("{:016x}", content_hash(&serde_json::to_string(&items).unwrap_or_default()));
    let summary = engine::summarize(tree, &contract);
    let name_range = summary.name_span.as_ref().map(|span| convert::range(&text, &lines, span, encoding));
    let dependency_ranges =
        summary.dependencies.iter().map(|it| convert::range(&text, &lines, &it.span, encoding)).collect();
    let label = relative_label(&root, &workspaces);
    let local = Arc::new(Remote::new(label, String::new(), text.clone()));
    let items = Arc::new(items);
    let entry = Entry {
        uri: uri.clone(),
        hash,
        diagnostics: items.clone(),
        result_id: result_id.clone(),
        summary,
        local,
        name_range,
        dependency_ranges,
    };
    let (report_changed, had_findings, old_summary, new_summary) = {
        let mut state = session.workspace.state();
        let new_summary = entry.summary.clone();
        let old = state.entries.insert(path.to_path_buf(), entry);
        let report_changed = old.as_ref().is_none_or(|it| it.result_id != result_id);
        let had_findings = old.as_ref().is_some_and(|it| !it.diagnostics.is_empty());
        let old_summary = old.map(|it| it.summary);
        let identity = |it: &Summary| (it.name.clone(), it.version.clone());
        if old_summary.as_ref().map(identity) != Some(identity(&new_summary)) {
            state.summaries_changed = true;
        }
        state.changed |= report_changed || forced;
        (report_changed, had_findings, old_summary, new_summary)
    };
    // The bundles that depend on this one are checked again when its name or version changed.
    let identity = |it: &Summary| (it.name.clone(), it.version.clone());
    if old_summary.as_ref().map(identity) != Some(identity(&new_summary)) {
        if let Some(old) = &old_summary {
            requeue_dependents(session, path, old);
        }
        requeue_dependents(session, path, &new_summary);
    }
    tracing::debug!(path = %path.display(), findings = items.len(), "workspace contract checked");
    // A clean file that was clean (or never reported) has nothing to clear: 500 clean contracts cost no publish.
    if (report_changed || forced) && (had_findings || !items.is_empty()) && !session.flags().pull_diagnostics {
        publish_closed(session, handle, uri, items.to_vec());
    }
}

/// Queues (forced) the contracts with a dependency that leads to the bundle whose contract is `path`.
fn requeue_dependents(session: &Session, path: &Path, summary: &Summary) {
    let Some(root) = path.parent() else { return };
    let dependents: Vec<PathBuf> = {
        let state = session.workspace.state();
        state
            .entries
            .iter()
            .filter(|(other, entry)| {
                *other != path && entry.summary.dependencies.iter().any(|it| leads_to(other, it, root, summary))
            })
            .map(|(other, _)| other.clone())
            .collect()
    };
    for dependent in dependents {
        session.workspace.enqueue(dependent, true);
    }
}

/// Whether a dependency of the contract at `from` leads to the bundle at `root` named as in `summary`.
fn leads_to(from: &Path, dependency: &engine::Dependency, root: &Path, summary: &Summary) -> bool {
    match &dependency.target {
        Target::Path(local) => {
            let Some(from_root) = from.parent() else { return false };
            let folder = fs::normalize(&from_root.join(local));
            folder == root || folder == root.join("pacto.yaml")
        }
        Target::Service(name) => summary.name.as_deref() == Some(name),
    }
}

/// Publishes a closed file's diagnostics (push model), after any publish under way for its URI, unless it is
/// open now (its own check publishes).
fn publish_closed(session: &Arc<Session>, handle: &tokio::runtime::Handle, uri: Uri, items: Vec<Diagnostic>) {
    let session = session.clone();
    handle.spawn(async move {
        let lock = session.publish_lock(&uri);
        let _published = lock.lock().await;
        if session.documents.contains_key(&uri) || !session.settings().workspace_diagnostics && !items.is_empty() {
            return;
        }
        session.client.publish_diagnostics(uri, items, None).await;
    });
}

fn content_hash(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A bundle's folder relative to the workspace folder that holds it (for hovers).
fn relative_label(root: &Path, workspaces: &[PathBuf]) -> String {
    let relative = workspaces.iter().filter_map(|it| root.strip_prefix(it).ok()).min_by_key(|it| it.as_os_str().len());
    match relative {
        Some(it) if !it.as_os_str().is_empty() => it.display().to_string(),
        _ => root.file_name().map(|it| it.to_string_lossy().into_owned()).unwrap_or_default(),
    }
}

/// The `oci://` policy bundles of a contract as far as the editor pulled them already (never pulls).
fn cached_policies(session: &Session, text: &str) -> Option<Arc<PulledPolicies>> {
    if !text.contains("oci://") {
        return None;
    }
    let parsed = crate::core::yaml::parse(text);
    let contract = Contract::from_json(&parsed.tree.document_json().ok()?);
    let key = policy_key(&contract);
    if key.is_empty() { None } else { session.remotes.pulled_policies(&key) }
}

/// The registry-aware warnings of a contract, from the registries' cached answers and the workspace: a
/// local-path dependency is checked against the workspace bundle it names, and an `oci://` one the registries
/// have no answer for against the workspace bundle whose `service.name` is the ref's last path segment (the
/// registry's answer, when there is one, wins: it is what a build pulls). Never waits.
pub fn dependency_findings(
    session: &Session,
    root: Option<&Path>,
    text: &str,
    tree: &Tree,
    contract: &Contract,
) -> Vec<Finding> {
    let mut lookups = session.remotes.cached(&registry::wanted(contract));
    let mut locals = Vec::new();
    if let Some(root) = root {
        let state = session.workspace.state();
        for (index, dependency) in contract.dependencies.iter().enumerate() {
            let Some(reference) = dependency.reference.as_deref() else { continue };
            let Some(target) = engine::target(reference) else { continue };
            let Some(entry) = WorkspaceIndex::resolve(&state, root, &target) else { continue };
            match registry::wanted_for(reference, dependency.compatibility.as_deref()) {
                Some(wanted) => {
                    lookups.entry(wanted).or_insert_with(|| Lookup::Found(entry.local.clone()));
                }
                None => locals.push((index, entry.local.clone())),
            }
        }
    }
    let mut findings = registry::findings(text, tree, contract, &lookups);
    findings.extend(engine::findings(text, tree, contract, &locals));
    findings
}

/// The hover of a dependency that resolves to a workspace bundle: its markdown and the `ref`'s span.
pub fn hover(session: &Session, uri: &Uri, analyzed: &Analyzed, offset: usize) -> Option<(String, Range<usize>)> {
    let contract = analyzed.analysis.contract.as_ref()?;
    let dependency = engine::dependency_at(&analyzed.analysis.parsed.tree, contract, offset)?;
    let root = session.bundle_root(uri)?;
    let state = session.workspace.state();
    let entry = WorkspaceIndex::resolve(&state, &root, &dependency.target)?;
    Some((engine::hover_markdown(&entry.local, dependency.compatibility.as_deref()), dependency.span))
}

/// Where a dependency that resolves to a workspace bundle leads: its `pacto.yaml`, at `service.name`.
pub fn definition(session: &Session, uri: &Uri, analyzed: &Analyzed, offset: usize) -> Option<Location> {
    let contract = analyzed.analysis.contract.as_ref()?;
    let dependency = engine::dependency_at(&analyzed.analysis.parsed.tree, contract, offset)?;
    let root = session.bundle_root(uri)?;
    let state = session.workspace.state();
    let entry = WorkspaceIndex::resolve(&state, &root, &dependency.target)?;
    let start = entry.name_range.map_or(lsp::Position::new(0, 0), |it| it.start);
    Some(Location { uri: entry.uri.clone(), range: lsp::Range::new(start, start) })
}

/// "Find references" on `service.name`: the `ref` of every dependency in the workspace that leads to this
/// bundle (by its folder, or by an `oci://` ref whose last path segment is the name), with the name itself when
/// `include_declaration`.
pub fn references(
    session: &Session,
    uri: &Uri,
    analyzed: &Analyzed,
    offset: usize,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let (name, span) = engine::service_name_at(&analyzed.analysis.parsed.tree, offset)?;
    let own = file_path(uri)?;
    let root = own.parent()?.to_path_buf();
    let summary = Summary { name: Some(name), version: None, name_span: None, dependencies: Vec::new() };
    let mut found: Vec<(PathBuf, Location)> = Vec::new();
    {
        let state = session.workspace.state();
        for (path, entry) in &state.entries {
            if *path == own {
                continue;
            }
            for (dependency, range) in entry.summary.dependencies.iter().zip(&entry.dependency_ranges) {
                if leads_to(path, dependency, &root, &summary) {
                    found.push((path.clone(), Location { uri: entry.uri.clone(), range: *range }));
                }
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.0, a.1.range.start.line, a.1.range.start.character).cmp(&(
            &b.0,
            b.1.range.start.line,
            b.1.range.start.character,
        ))
    });
    let mut locations = Vec::new();
    if include_declaration {
        let range = convert::range(&analyzed.text, &analyzed.lines, &span, session.encoding());
        locations.push(Location { uri: uri.clone(), range });
    }
    locations.extend(found.into_iter().map(|(_, it)| it));
    Some(locations)
}

/// A contract file or bundle file changed on disk (`deleted`: it is gone): the contracts it concerns are
/// checked again, and the folders walked again when a folder or an ignore file changed.
pub fn file_changed(session: &Session, path: &Path, deleted: bool) {
    if !session.settings().workspace_diagnostics {
        return;
    }
    let name = path.file_name().and_then(|it| it.to_str()).unwrap_or("");
    if matches!(name, ".gitignore" | ".ignore" | ".pactoignore") {
        session.workspace.rescan(false);
        return;
    }
    if name == "pacto.yaml" {
        session.workspace.enqueue(path.to_path_buf(), false);
        return;
    }
    // A bundle file: the contracts of the bundles that hold it are checked again (their text is unchanged).
    let holders: Vec<PathBuf> = {
        let state = session.workspace.state();
        state.entries.keys().filter(|it| it.parent().is_some_and(|root| path.starts_with(root))).cloned().collect()
    };
    for holder in holders {
        session.workspace.enqueue(holder, true);
    }
    // A folder created or deleted may hold contracts: walk again.
    if deleted || std::fs::symlink_metadata(path).is_ok_and(|it| it.is_dir()) {
        session.workspace.rescan(false);
    }
}

/// A document was closed: its file is checked again and its report published (push) or refreshed (pull).
pub fn closed(session: &Session, uri: &Uri) {
    if let Some(path) = file_path(uri).filter(|_| session.settings().workspace_diagnostics) {
        session.workspace.enqueue(path, true);
    }
}

/// The settings changed: the setting off clears every report; otherwise every file is checked again.
pub fn settings_changed(session: &Session) {
    if session.workspace.started.get().is_none() {
        return;
    }
    session.workspace.rescan(true);
}

/// The workspace folders changed: they are walked again (contracts no longer under any folder are forgotten).
pub fn folders_changed(session: &Session) {
    if session.workspace.started.get().is_some() {
        session.workspace.rescan(false);
    }
}

/// `$/progress` for a walk's checks, when the client shows progress.
#[derive(Default)]
struct Progress {
    ongoing: Option<tower_lsp_server::OngoingProgress<tower_lsp_server::Bounded, tower_lsp_server::NotCancellable>>,
    total: usize,
    done: usize,
    reported: Option<Instant>,
}

static NEXT_PROGRESS: AtomicU64 = AtomicU64::new(1);

impl Progress {
    fn begin(&mut self, session: &Session, handle: &tokio::runtime::Handle, total: usize) {
        self.finish(handle);
        if !session.flags().work_done_progress || total == 0 {
            return;
        }
        let token =
            lsp::NumberOrString::String(format!("pacto/workspace/{}", NEXT_PROGRESS.fetch_add(1, Ordering::Relaxed)));
        let client = session.client.clone();
        let title = format!("Pacto: checking {total} contracts");
        self.ongoing = handle.block_on(async move {
            let created = tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, client.create_work_done_progress(token.clone()));
            if !matches!(created.await, Ok(Ok(()))) {
                return None;
            }
            Some(client.progress(token, title).with_percentage(0).begin().await)
        });
        (self.total, self.done, self.reported) = (total, 0, Some(Instant::now()));
    }

    fn step(&mut self, handle: &tokio::runtime::Handle) {
        let Some(ongoing) = &self.ongoing else { return };
        self.done += 1;
        if self.reported.is_some_and(|it| it.elapsed() < Duration::from_millis(250)) {
            return;
        }
        self.reported = Some(Instant::now());
        let percentage = (self.done * 100 / self.total.max(1)).min(100) as u32;
        let message = format!("{}/{}", self.done.min(self.total), self.total);
        handle.block_on(ongoing.report_with_message(message, percentage));
    }

    fn finish(&mut self, handle: &tokio::runtime::Handle) {
        if let Some(ongoing) = self.ongoing.take() {
            handle.block_on(ongoing.finish_with_message(format!("{} contracts checked", self.total)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_walk_respects_ignore_files_and_does_not_follow_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let ws = dir.path();
        for bundle in ["a", "nested/b", "generated/c", "scratch/d", "vendor/e", ".hidden/f"] {
            write(&ws.join(bundle).join("pacto.yaml"), "");
        }
        write(&ws.join("a/other.yaml"), "");
        write(&ws.join(".gitignore"), "generated/\n");
        write(&ws.join(".pactoignore"), "scratch/\n");
        write(&ws.join("vendor/.ignore"), "e/\n");
        write(&outside.path().join("linked/pacto.yaml"), "");
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("linked"), ws.join("link")).unwrap();
        let mut found: Vec<String> = walk(&[ws.to_path_buf()])
            .into_iter()
            .map(|it| it.strip_prefix(ws).unwrap().display().to_string())
            .collect();
        found.sort();
        assert_eq!(found, vec!["a/pacto.yaml", "nested/b/pacto.yaml"]);
    }

    #[test]
    fn labels_are_relative_to_the_workspace_folder() {
        let ws = PathBuf::from("/ws");
        assert_eq!(relative_label(Path::new("/ws/services/a"), std::slice::from_ref(&ws)), "services/a");
        assert_eq!(relative_label(Path::new("/elsewhere/b"), &[ws]), "b");
    }
}
