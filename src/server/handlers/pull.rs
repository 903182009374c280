//! LSP 3.17 pull diagnostics: `textDocument/diagnostic` and `workspace/diagnostic`, from the workspace index.
//!
//! Open documents keep their pushed diagnostics (with versions, on the typing path); here they are reported as
//! empty under the result id `open`, so a client that shows both never shows a finding twice. A closed file is
//! reported with what the background checker found; a report whose result id the client already has comes back
//! as `unchanged`.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult, FullDocumentDiagnosticReport,
    RelatedFullDocumentDiagnosticReport, RelatedUnchangedDocumentDiagnosticReport, UnchangedDocumentDiagnosticReport,
    Uri, WorkspaceDiagnosticParams, WorkspaceDiagnosticReport, WorkspaceDiagnosticReportResult,
    WorkspaceDocumentDiagnosticReport, WorkspaceFullDocumentDiagnosticReport,
    WorkspaceUnchangedDocumentDiagnosticReport,
};

use crate::server::session::{Session, file_path};
use crate::server::workspace_index;

/// What to report for one document: unchanged, or its result id and diagnostics.
enum Report {
    Unchanged(String),
    Full(Option<String>, Vec<tower_lsp_server::ls_types::Diagnostic>),
}

fn report(session: &Session, uri: &Uri, previous: Option<&str>) -> Report {
    let (id, items) = if session.documents.contains_key(uri) {
        ("open".to_string(), Vec::new())
    } else {
        match file_path(uri).and_then(|path| session.workspace.report(&path)) {
            Some((_, id, items)) => (id, items.to_vec()),
            None => return Report::Full(None, Vec::new()),
        }
    };
    if previous == Some(id.as_str()) { Report::Unchanged(id) } else { Report::Full(Some(id), items) }
}

pub fn document(session: &Session, params: DocumentDiagnosticParams) -> DocumentDiagnosticReportResult {
    let uri = params.text_document.uri;
    let report = match report(session, &uri, params.previous_result_id.as_deref()) {
        Report::Unchanged(result_id) => DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        }),
        Report::Full(result_id, items) => DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
        }),
    };
    DocumentDiagnosticReportResult::Report(report)
}

/// Every contract in the workspace, once the background checker has caught up (at most 30 s); files the
/// client had a report for that are no longer checked (deleted, ignored, the setting off) come back empty.
pub async fn workspace(session: Arc<Session>, params: WorkspaceDiagnosticParams) -> WorkspaceDiagnosticReportResult {
    if session.settings().workspace_diagnostics {
        session.workspace.settled(workspace_index::PATIENCE).await;
    }
    let previous: HashMap<Uri, String> = params.previous_result_ids.into_iter().map(|it| (it.uri, it.value)).collect();
    let mut items = Vec::new();
    let mut reported = std::collections::HashSet::new();
    let known = if session.settings().workspace_diagnostics { session.workspace.reports() } else { Vec::new() };
    let uris = known.into_iter().map(|(uri, _, _)| uri).chain(previous.keys().cloned());
    for uri in uris {
        if !reported.insert(uri.clone()) {
            continue;
        }
        let item = match report(&session, &uri, previous.get(&uri).map(String::as_str)) {
            Report::Unchanged(result_id) => {
                WorkspaceDocumentDiagnosticReport::Unchanged(WorkspaceUnchangedDocumentDiagnosticReport {
                    uri,
                    version: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
                })
            }
            Report::Full(result_id, items) => {
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version: None,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
                })
            }
        };
        items.push(item);
    }
    WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items })
}
