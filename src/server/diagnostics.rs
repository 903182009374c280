//! Checking documents and publishing their diagnostics.
//!
//! Checking is single-flight per document: an edit marks the document dirty and starts a worker
//! only when none runs; the worker checks a snapshot of the newest text, off the async runtime's
//! workers, and goes round again until the document is clean. When several edits arrived since a
//! check began, the next one first waits for them to pause, so a burst of edits costs about one check.
//! Work for a version (or an opening of the URI) that is no longer current is dropped between
//! load rounds and before it is published, and publishing is serialized per URI, so a client
//! never sees diagnostics older than ones it already has.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use serde_json::json;
use tower_lsp_server::ls_types::{CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Uri};

use crate::core::check::{Analysis, Environment, Options, analyze, analyze_incremental};
use crate::core::finding::{Code, Finding, Severity};
use crate::core::registry;
use crate::core::text::LineIndex;
use crate::fs;
use crate::oci::lookup::PulledPolicies;
use crate::server::convert::{self, Encoding};
use crate::server::document::{Analyzed, Checking, QUICK_CHECK, Trigger};
use crate::server::files::{Cached, FileCache, Misses};
use crate::server::live_diff::{self, LiveDiff};
use crate::server::memory;
use crate::server::registry::{CheckOf, EditorPolicies, asks_registries, policy_key};
use crate::server::session::{Asking, Session, Snapshot, fault_injected, today};
use crate::server::workspace_index;

/// A check loads missing bundle files and runs again as long as each round asks for files no
/// earlier round loaded (policy refs nest 16 deep and each round finds one more level), but never
/// more than this many times.
const MAX_LOAD_ROUNDS: usize = 64;

/// Texts up to this size may be checked on the runtime's thread itself (see `compute` for when): such a check
/// takes a fraction of a millisecond (an edit of a 300-line contract about 0.06 ms), less than handing it to a
/// blocking thread and back. Everything else is checked on the blocking pool, so the protocol never waits for it.
const INLINE_CHECK_BYTES: usize = 16 * 1024;

/// During a burst of edits, a check waits until no edit arrived for this long …
const QUIET: Duration = Duration::from_millis(50);

/// … but never longer than this in all.
const MAX_SETTLE: Duration = Duration::from_millis(300);

/// Asks for a check of `uri`; starts its worker unless one already runs.
pub fn schedule(session: &Arc<Session>, uri: Uri) {
    let Some((start, generation, checking)) =
        session.documents.get(&uri).map(|doc| (doc.checking.want(), doc.generation, doc.checking.clone()))
    else {
        return;
    };
    if start {
        start_worker(session, uri, generation, checking);
    }
}

/// Starts the worker of a document that `Checking::want` said has none.
pub fn start_worker(session: &Arc<Session>, uri: Uri, generation: u64, checking: Arc<Checking>) {
    let session = session.clone();
    tokio::spawn(async move { work(&session, uri, generation, checking).await });
}

/// Re-checks every open document (settings or bundle files changed).
pub fn schedule_all(session: &Arc<Session>) {
    for uri in session.open_uris() {
        schedule(session, uri);
    }
}

/// Stops the worker when dropped before it finished normally (a panic), so later edits start a new one.
struct Worker {
    checking: Arc<Checking>,
    finished: bool,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.finished {
            self.checking.stop();
        }
    }
}

/// Checks the document opened as `generation` until it is clean, then stops.
async fn work(session: &Arc<Session>, uri: Uri, generation: u64, checking: Arc<Checking>) {
    let mut worker = Worker { checking, finished: false };
    let mut last_checked: Option<i32> = None;
    loop {
        // Several edits arrived since the last check began: a burst, which costs one more check
        // (after the edits pause), not one per round. A single edit, as in ordinary typing even
        // right after a publish, is checked at once.
        let behind =
            last_checked.zip(session.version(&uri)).is_some_and(|(checked, now)| now.saturating_sub(checked) > 1);
        if behind && worker.checking.is_dirty() {
            settle(session, &uri).await;
        }
        let snapshot = match next(session, &uri, generation, &worker.checking) {
            Next::Check(it) => it,
            Next::Clean => {
                worker.finished = true; // `take` stopped the worker.
                return;
            }
            Next::Closed => {
                // Closed (and perhaps opened again, with a worker of its own).
                tracing::debug!(uri = uri.as_str(), generation, "check dropped; the document was closed");
                return;
            }
        };
        tracing::debug!(uri = uri.as_str(), generation, version = snapshot.version, "checking");
        last_checked = Some(snapshot.version);
        if let Some(analysis) = compute(session, &uri, &snapshot, true).await {
            memory::after_check(snapshot.text.len());
            // Checks of open documents come first: the background index waits until they are done too.
            workspace_index::touch();
            let (version, root) = (snapshot.version, snapshot.bundle_root.clone());
            let need = remote_need(session, &snapshot, &analysis);
            publish(session, &uri, snapshot, analysis).await;
            // The registries are asked after the publish, beside the next check, never in front of it.
            if let Some(need) = need {
                ask_registries(session, &uri, need);
            }
            // The diff runs beside the next check, never in front of it.
            if session.has_baseline(&uri) {
                let (session, uri) = (session.clone(), uri.clone());
                tokio::spawn(async move { refresh_diff(&session, &uri, generation, version, root).await });
            }
        }
    }
}

enum Next {
    Check(Snapshot),
    Clean,
    Closed,
}

/// Takes the request for a check and a snapshot of the text under the same lock as edits (which
/// ask for a check under their write lock), so a snapshot always includes the edits whose
/// request it took, and no edit is checked twice.
fn next(session: &Session, uri: &Uri, generation: u64, checking: &Checking) -> Next {
    let (rope, version, bundle_root, edits_only) = {
        let Some(doc) = session.documents.get(uri).filter(|it| it.generation == generation) else {
            return Next::Closed;
        };
        let Some(trigger) = checking.take() else {
            return Next::Clean;
        };
        (doc.rope.clone(), doc.version, doc.bundle_root(), trigger == Trigger::Edits)
    };
    // The rope clone is cheap; the text is built outside the map's lock.
    Next::Check(Snapshot { generation, version, text: Arc::from(rope.to_string()), bundle_root, edits_only })
}

/// Waits until the document has had no new version for `QUIET` (at most `MAX_SETTLE` in all).
async fn settle(session: &Session, uri: &Uri) {
    let started = tokio::time::Instant::now();
    let mut seen = session.version(uri);
    loop {
        tokio::time::sleep(QUIET).await;
        let now = session.version(uri);
        if now == seen || started.elapsed() >= MAX_SETTLE {
            return;
        }
        seen = now;
    }
}

/// Checks a snapshot with its bundle files (loading missing ones on the load pool). With
/// `drop_stale`, gives up as soon as the document moved on (a newer version or opening).
pub async fn compute(session: &Arc<Session>, uri: &Uri, snapshot: &Snapshot, drop_stale: bool) -> Option<Analysis> {
    let options = session.settings().options(today());
    let workspaces = session.workspaces();
    let mut loaded: HashSet<fs::FileKey> = HashSet::new();
    let mut analysis = None;
    // The `oci://` policy bundles come from the last analysis's policy refs (they rarely change); when this
    // text names other ones, and they were pulled already, the check runs once more with them.
    let mut key = session.documents.get(uri).and_then(|doc| {
        let analyzed = doc.analyzed.as_ref()?;
        analyzed.analysis.contract.as_ref().map(policy_key).filter(|it| !it.is_empty())
    });
    let mut pulled = key.as_deref().and_then(|it| session.remotes.pulled_policies(it));
    for round in 0..MAX_LOAD_ROUNDS {
        // Edits already received are applied first (the protocol runs on this thread too): during a burst the
        // snapshot is then stale at once, and the burst costs one check after it, not one per edit.
        tokio::task::yield_now().await;
        if drop_stale && !session.is_current(uri, snapshot.generation, snapshot.version) {
            // The worker goes round again with the newest text.
            let (generation, version) = (snapshot.generation, snapshot.version);
            tracing::debug!(uri = uri.as_str(), generation, version, "check dropped; the document moved on");
            return None;
        }
        let job = (snapshot.text.clone(), snapshot.bundle_root.clone(), session.files.clone(), workspaces.clone());
        // The newest analysis of this opening: only the part of the text an edit touched is parsed again.
        let (previous, quick) = session
            .documents
            .get(uri)
            .filter(|doc| doc.generation == snapshot.generation)
            .map(|doc| (doc.analyzed.clone(), doc.checks_quickly))
            .unwrap_or_default();
        // On this thread only what is known to be quick: a small text, checked quickly last time, asked for by
        // edits alone (a changed bundle file or policy is parsed on first use, and may be large), first round.
        let inline = round == 0 && quick && snapshot.edits_only && snapshot.text.len() <= INLINE_CHECK_BYTES;
        let policies = pulled.clone();
        let run = move || {
            let started = std::time::Instant::now();
            run_analysis(job.0, previous, job.1, job.2, &job.3, options, policies).map(|it| (it, started.elapsed()))
        };
        let outcome = match inline {
            true => Ok(run()),
            false => tokio::task::spawn_blocking(run).await,
        };
        let ((result, misses), took) = match outcome {
            Ok(Some(it)) => it,
            Ok(None) | Err(_) => {
                tracing::error!(uri = uri.as_str(), "analysis panicked; diagnostics not updated");
                return None;
            }
        };
        if let Some(mut doc) = session.documents.get_mut(uri).filter(|it| it.generation == snapshot.generation) {
            doc.checks_quickly = took < QUICK_CHECK;
        }
        tracing::debug!(
            uri = uri.as_str(),
            generation = snapshot.generation,
            version = snapshot.version,
            misses = misses.len(),
            "analysis ran"
        );
        let wanted_key = result.contract.as_ref().map(policy_key).filter(|it| !it.is_empty());
        analysis = Some(result);
        if wanted_key != key {
            let known = wanted_key.as_deref().and_then(|it| session.remotes.pulled_policies(it));
            key = wanted_key;
            if known.is_some() {
                pulled = known;
                continue;
            }
        }
        // Stop when nothing is missing, or when every miss was loaded before (the cache could not
        // keep it): another round would find the same.
        if misses.iter().all(|it| loaded.contains(it)) {
            break;
        }
        session.files.load(&misses).await;
        loaded.extend(misses);
    }
    analysis
}

/// Runs the engine, catching any panic so one bad input cannot take the server down.
fn run_analysis(
    text: Arc<str>,
    previous: Option<Arc<Analyzed>>,
    bundle_root: Option<PathBuf>,
    files: Arc<FileCache>,
    workspaces: &[PathBuf],
    options: Options,
    pulled: Option<Arc<PulledPolicies>>,
) -> Option<(Analysis, Vec<fs::FileKey>)> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        // A test seam: proves that a panic in analysis is contained (see tests/lsp.rs).
        if fault_injected(&text, "#!panic") {
            panic!("fault injected by PACTO_LSP_FAULT_INJECTION");
        }
        let check = |env: &Environment<'_>| match &previous {
            Some(previous) => analyze_incremental(&previous.text, &previous.analysis, &text, &options, env),
            None => analyze(&text, &options, env),
        };
        let Some(root) = bundle_root else {
            return (check(&Environment::default()), Vec::new());
        };
        let misses = Misses::default();
        let loader = Arc::new(Cached { cache: files, misses: misses.clone() });
        let bundle = fs::bundle(&root, &root, loader.clone());
        let local = fs::Resolver { boundary: fs::boundary(&root, workspaces), loader };
        let resolver = EditorPolicies { local: &local, pulled: pulled.as_deref(), check_of: CheckOf::OpenDocument };
        let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
        let analysis = check(&env);
        (analysis, misses.take())
    }))
    .ok()
}

/// Registry work a published version wants done in the background.
pub struct Need {
    pub generation: u64,
    pub version: i32,
    /// The dependency and configuration refs whose answers are missing or old.
    pub wanted: Vec<registry::Wanted>,
    /// The contract's own `oci://` policy refs and its text, when their bundles are missing or old.
    pub policies: Option<(Vec<String>, Arc<str>)>,
}

/// What the registries should be asked about an analyzed version, if anything: cheap, no I/O.
fn remote_need(session: &Session, snapshot: &Snapshot, analysis: &Analysis) -> Option<Need> {
    if !asks_registries() {
        return None;
    }
    let contract = analysis.contract.as_ref()?;
    let wanted = session.remotes.stale(&registry::wanted(contract));
    let key = policy_key(contract);
    // Without a bundle folder the check applies no policy refs, so there is nothing to pull for it.
    let policies = (snapshot.bundle_root.is_some() && !key.is_empty() && session.remotes.policies_stale(&key))
        .then(|| (key, snapshot.text.clone()));
    if wanted.is_empty() && policies.is_none() {
        return None;
    }
    Some(Need { generation: snapshot.generation, version: snapshot.version, wanted, policies })
}

/// Hands a version's registry work to the document's background task, starting it unless one runs. One task
/// per document at most: a need that arrives while it runs replaces any older one waiting, and is served
/// when the running one finished (the questions it shares with it are answered by then).
pub fn ask_registries(session: &Arc<Session>, uri: &Uri, need: Need) {
    let asking = session.asking.entry(uri.clone()).or_default().clone();
    if asking.want(need) {
        let (session, uri) = (session.clone(), uri.clone());
        tokio::spawn(async move { ask(&session, &uri, asking).await });
    }
}

/// Clears the running flag when the task ends in any way (a panic included), so a later need starts a new one.
struct Asker {
    asking: Arc<Asking>,
    finished: bool,
}

impl Drop for Asker {
    fn drop(&mut self) {
        if !self.finished {
            self.asking.stop();
        }
    }
}

/// The background task of one document: serves its newest need until none is left. Answers that changed
/// are republished with the current version (never an older one); pulled policy bundles re-check it.
async fn ask(session: &Arc<Session>, uri: &Uri, asking: Arc<Asking>) {
    let mut asker = Asker { asking, finished: false };
    while let Some(need) = asker.asking.take() {
        if session.documents.get(uri).is_none_or(|doc| doc.generation != need.generation) {
            continue; // Closed, or opened again (with a need of its own).
        }
        let (generation, version) = (need.generation, need.version);
        tracing::debug!(uri = uri.as_str(), generation, version, refs = need.wanted.len(), "asking the registries");
        let answers = session.remotes.refresh(&need.wanted);
        let policies = async {
            match &need.policies {
                Some((key, text)) => Some(session.remotes.pull_policies(key, text.as_bytes()).await),
                None => None,
            }
        };
        let (changed, pulled) = futures_util::future::join(answers, policies).await;
        tracing::debug!(
            uri = uri.as_str(),
            generation,
            version,
            changed,
            pulled = pulled.is_some(),
            "registries answered"
        );
        if pulled.is_some() {
            // The check runs again with the bundles; its publish includes the new answers too.
            schedule(session, uri.clone());
        } else if changed {
            republish(session, uri).await;
        }
    }
    asker.finished = true; // `take` found nothing and stopped the task.
}

pub async fn publish(session: &Arc<Session>, uri: &Uri, snapshot: Snapshot, analysis: Analysis) {
    let lines = LineIndex::new(&snapshot.text);
    let analyzed = Arc::new(Analyzed {
        generation: snapshot.generation,
        version: snapshot.version,
        text: snapshot.text,
        lines,
        analysis,
    });
    let lock = session.publish_lock(uri);
    let mut published = lock.lock().await;
    // The previous analysis is dropped after the map entry is unlocked (freeing a big one takes time).
    let _previous = match session.documents.get_mut(uri) {
        Some(mut doc) if analyzed.is_for(&doc) => {
            // Requests use this analysis from now on; the quick one of the same text is not needed.
            doc.quick = None;
            doc.evicted = false;
            doc.leads_into_workspace =
                analyzed.analysis.contract.as_ref().is_some_and(workspace_index::leads_into_workspace);
            doc.analyzed.replace(analyzed.clone())
        }
        _ => {
            let (generation, version) = (analyzed.generation, analyzed.version);
            tracing::debug!(uri = uri.as_str(), generation, version, "not published; the document moved on");
            return;
        }
    };
    // The same version may be published again (bundle files or settings changed); an older one never.
    let current = (analyzed.generation, analyzed.version);
    if published.is_some_and(|it| it > current) {
        return;
    }
    send(session, uri, &analyzed).await;
    *published = Some(current);
    drop(published);
    memory::evict_cold(session, uri);
}

/// Publishes an analysis's findings, with the live diff of the same version when there is one.
async fn send(session: &Session, uri: &Uri, analyzed: &Analyzed) {
    let encoding = session.encoding();
    let (text, lines) = (&analyzed.text, &analyzed.lines);
    let mut diagnostics: Vec<Diagnostic> =
        analyzed.analysis.findings.iter().map(|it| to_diagnostic(text, lines, it, encoding)).collect();
    // What the registries said, as far as it is known now (never waits).
    // The workspace bundles stand in for local refs and for `oci://` ones the registries have not answered.
    if let Some(contract) = analyzed.analysis.contract.as_ref() {
        let root = session.bundle_root(uri);
        let tree = &analyzed.analysis.parsed.tree;
        let findings = workspace_index::dependency_findings(session, root.as_deref(), text, tree, contract);
        diagnostics.extend(findings.iter().map(|it| to_diagnostic(text, lines, it, encoding)));
    }
    if let Some(live) = session.live_diff(uri).filter(|it| (it.generation, it.version) == analyzed.key()) {
        diagnostics.extend(live_diff::diagnostics(&live.diff, text, lines, encoding));
    }
    let (generation, version, count) = (analyzed.generation, analyzed.version, diagnostics.len());
    tracing::debug!(uri = uri.as_str(), generation, version, count, "publishing");
    session.client.publish_diagnostics(uri.clone(), diagnostics, Some(analyzed.version)).await;
}

/// Diffs the published version against the document's baseline, if it has one, and publishes
/// its diagnostics again with the changes added. Off the async workers; never before validation.
pub async fn refresh_diff(session: &Arc<Session>, uri: &Uri, generation: u64, version: i32, root: Option<PathBuf>) {
    let Some(analyzed) = session.documents.get(uri).and_then(|doc| doc.analyzed.clone().filter(|it| it.is_for(&doc)))
    else {
        return;
    };
    if analyzed.key() != (generation, version) {
        return;
    }
    session.pull_setting_baseline(uri).await;
    let job = (session.clone(), uri.clone(), analyzed.clone());
    let computed = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            let (session, uri, analyzed) = job;
            let baseline = session.baseline(&uri, root.as_deref())?;
            let bundle = root.map(|root| {
                let loader = Arc::new(Cached { cache: session.files.clone(), misses: Misses::default() });
                fs::bundle(&root, &root, loader)
            });
            let diff = live_diff::run(&baseline, &analyzed.text, bundle.as_ref());
            Some(LiveDiff { generation, version, label: baseline.label.clone(), diff })
        }))
    })
    .await;
    let live = match computed {
        Ok(Ok(Some(live))) => Arc::new(live),
        Ok(Ok(None)) => {
            // No baseline (any more): drop an old diff and show validation alone.
            if session.diffs.remove(uri).is_some() {
                republish(session, uri).await;
            }
            return;
        }
        Ok(Err(_)) | Err(_) => {
            tracing::error!(uri = uri.as_str(), "diff panicked; diff diagnostics not updated");
            return;
        }
    };
    tracing::debug!(uri = uri.as_str(), generation, version, changes = live.diff.changes.len(), "diff ran");
    // Diffs of successive versions may finish out of order: keep the newest.
    {
        let mut entry = session.diffs.entry(uri.clone()).or_insert_with(|| live.clone());
        if (entry.generation, entry.version) > (generation, version) {
            return;
        }
        *entry = live;
    }
    republish(session, uri).await;
}

/// Publishes the document's current analysis again (its live diff changed).
pub async fn republish(session: &Arc<Session>, uri: &Uri) {
    let lock = session.publish_lock(uri);
    let published = lock.lock().await;
    let Some(analyzed) = session.documents.get(uri).and_then(|doc| doc.analyzed.clone().filter(|it| it.is_for(&doc)))
    else {
        // A newer version is being checked, and its publish will include what changed; or the analysis was
        // dropped to save memory, and a check of the current text publishes it.
        drop(published);
        memory::recheck_evicted(session, uri);
        return;
    };
    if published.is_some_and(|it| it > analyzed.key()) {
        return;
    }
    send(session, uri, &analyzed).await;
}

/// Clears a closed document's diagnostics (after any publish under way for it).
pub async fn clear(session: &Session, uri: Uri) {
    let lock = session.publish_lock(&uri);
    let mut published = lock.lock().await;
    session.client.publish_diagnostics(uri, Vec::new(), None).await;
    *published = None;
}

/// A code's `codeDescription`: its entry in `docs/rules.md`, parsed once per code.
fn code_description(code: Code) -> Option<CodeDescription> {
    static PARSED: LazyLock<Mutex<HashMap<Code, Option<Uri>>>> = LazyLock::new(Mutex::default);
    let mut parsed = PARSED.lock().unwrap_or_else(|it| it.into_inner());
    let href = parsed.entry(code).or_insert_with(|| code.doc_url().parse().ok()).clone()?;
    Some(CodeDescription { href })
}

pub fn to_diagnostic(text: &str, lines: &LineIndex, finding: &Finding, encoding: Encoding) -> Diagnostic {
    Diagnostic {
        range: convert::range(text, lines, &finding.span, encoding),
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(finding.code.as_str().into())),
        code_description: code_description(finding.code),
        source: Some("pacto".into()),
        message: finding.message.clone(),
        data: Some(json!({ "path": finding.path.to_string() })),
        ..Diagnostic::default()
    }
}
