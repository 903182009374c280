//! Checking documents and publishing their diagnostics.
//!
//! A check runs on an immutable snapshot off the async runtime's workers. Work for a version that
//! is no longer current is dropped before it starts and before it is published, and publishing is
//! serialized per document, so a client never sees diagnostics older than ones it already has.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use serde_json::json;
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Uri};

use crate::core::check::{Analysis, Environment, Options, analyze};
use crate::core::finding::{Finding, Severity};
use crate::core::text::LineIndex;
use crate::fs;
use crate::server::convert::{self, Encoding};
use crate::server::document::Analyzed;
use crate::server::files::{Cached, Misses};
use crate::server::session::{Session, Snapshot, today};

/// How many times a check may load missing bundle files and run again.
const MAX_LOAD_ROUNDS: usize = 8;

/// Starts checking `uri` in the background.
pub fn schedule(session: &Arc<Session>, uri: Uri) {
    let session = session.clone();
    tokio::spawn(async move { check(&session, uri).await });
}

/// Re-checks every open document (settings or bundle files changed).
pub fn schedule_all(session: &Arc<Session>) {
    for uri in session.open_uris() {
        schedule(session, uri);
    }
}

async fn check(session: &Arc<Session>, uri: Uri) {
    let Some((snapshot, analysis)) = compute(session, &uri, true).await else { return };
    publish(session, &uri, snapshot, analysis).await;
}

/// Checks the document's current text with its bundle files (loading missing ones off the async
/// workers). With `drop_stale`, gives up as soon as a newer version arrives.
pub async fn compute(session: &Arc<Session>, uri: &Uri, drop_stale: bool) -> Option<(Snapshot, Analysis)> {
    let snapshot = session.snapshot(uri)?;
    let settings = session.settings();
    let options = Options { today: today(), readiness_gate: settings.readiness_gate, warn_days: settings.warn_days };
    let mut analysis = None;
    for _ in 0..MAX_LOAD_ROUNDS {
        if drop_stale && session.version(uri) != Some(snapshot.version) {
            return None; // A newer version arrived; its own check will publish.
        }
        let job = (snapshot.text.clone(), snapshot.bundle_root.clone(), session.files.clone(), session.workspaces());
        let outcome = tokio::task::spawn_blocking(move || run_analysis(job.0, job.1, job.2, &job.3, options)).await;
        let (result, misses) = match outcome {
            Ok(Some(it)) => it,
            Ok(None) | Err(_) => {
                tracing::error!(uri = uri.as_str(), "analysis panicked; diagnostics not updated");
                return None;
            }
        };
        analysis = Some(result);
        if misses.is_empty() {
            break;
        }
        let files = session.files.clone();
        let _ = tokio::task::spawn_blocking(move || files.load(&misses)).await;
    }
    Some((snapshot, analysis?))
}

/// Runs the engine, catching any panic so one bad input cannot take the server down.
fn run_analysis(
    text: Arc<str>,
    bundle_root: Option<std::path::PathBuf>,
    files: Arc<crate::server::files::FileCache>,
    workspaces: &[std::path::PathBuf],
    options: Options,
) -> Option<(Analysis, Vec<fs::FileKey>)> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        // A test seam: proves that a panic in analysis is contained (see tests/lsp.rs).
        if std::env::var_os("PACTO_LSP_FAULT_INJECTION").is_some() && text.contains("#!panic") {
            panic!("fault injected by PACTO_LSP_FAULT_INJECTION");
        }
        let misses = Misses::default();
        let loader = Arc::new(Cached { cache: files, misses: misses.clone() });
        let Some(root) = bundle_root else {
            return (analyze(&text, &options, &Environment::default()), Vec::new());
        };
        let bundle = fs::bundle(&root, &root, loader.clone());
        let resolver = fs::Resolver { boundary: fs::boundary(&root, workspaces), loader };
        let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
        let analysis = analyze(&text, &options, &env);
        (analysis, misses.take())
    }))
    .ok()
}

async fn publish(session: &Arc<Session>, uri: &Uri, snapshot: Snapshot, analysis: Analysis) {
    let encoding = session.encoding();
    let lines = LineIndex::new(&snapshot.text);
    let diagnostics: Vec<Diagnostic> =
        analysis.findings.iter().map(|it| to_diagnostic(&snapshot.text, &lines, it, encoding)).collect();
    let analyzed = Arc::new(Analyzed { version: snapshot.version, text: snapshot.text, lines, analysis });
    let mut published = snapshot.publish.lock().await;
    // The previous analysis is dropped after the map entry is unlocked (freeing a big one takes time).
    let _previous = match session.documents.get_mut(uri) {
        Some(mut doc) if doc.version == analyzed.version => doc.analyzed.replace(analyzed.clone()),
        _ => return, // Closed, or a newer version arrived.
    };
    // The same version may be published again (bundle files or settings changed); an older one never.
    if published.is_some_and(|it| it > analyzed.version) {
        return;
    }
    tracing::debug!(uri = uri.as_str(), version = analyzed.version, count = diagnostics.len(), "publishing");
    session.client.publish_diagnostics(uri.clone(), diagnostics, Some(analyzed.version)).await;
    *published = Some(analyzed.version);
}

/// Clears a closed document's diagnostics.
pub async fn clear(session: &Session, uri: Uri) {
    session.client.publish_diagnostics(uri, Vec::new(), None).await;
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
        source: Some("pacto".into()),
        message: finding.message.clone(),
        data: Some(json!({ "path": finding.path.to_string() })),
        ..Diagnostic::default()
    }
}
