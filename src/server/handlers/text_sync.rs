//! `didOpen`, `didChange`, `didSave`, `didClose`: keeping documents in sync and checking them.
//!
//! Edits are applied synchronously, before any `.await`, so they are never reordered even when
//! the transport runs handlers concurrently.

use std::sync::Arc;

use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
};

use crate::server::diagnostics;
use crate::server::document::Document;
use crate::server::session::{Session, fault_injected, file_path, is_contract};
use crate::server::workspace_index;

pub fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    if !is_contract(&item.uri) {
        tracing::debug!(uri = item.uri.as_str(), "not a pacto.yaml; ignored");
        return;
    }
    // A test seam: proves that a panic in a notification handler is contained (see tests/lsp.rs).
    if fault_injected(&item.text, "#!panic-notification") {
        panic!("fault injected by PACTO_LSP_FAULT_INJECTION");
    }
    workspace_index::touch();
    let path = file_path(&item.uri);
    let generation = session.new_generation();
    let mut doc = Document::new(&item.text, item.version, generation, path);
    doc.last_used = session.next_use();
    session.documents.insert(item.uri.clone(), doc);
    diagnostics::schedule(session, item.uri);
}

pub fn did_change(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    workspace_index::touch();
    let uri = params.text_document.uri;
    let version = params.text_document.version;
    let encoding = session.encoding();
    let worker = {
        let Some(mut doc) = session.documents.get_mut(&uri) else {
            if is_contract(&uri) {
                tracing::warn!(uri = uri.as_str(), "didChange for a document that is not open; ignored");
            }
            return;
        };
        if version <= doc.version {
            tracing::warn!(uri = uri.as_str(), version, current = doc.version, "didChange version did not increase");
        }
        for change in &params.content_changes {
            if doc.apply(change, encoding) {
                tracing::warn!(uri = uri.as_str(), range = ?change.range, "didChange range was out of bounds; clamped");
            }
        }
        doc.version = version;
        doc.quick = None;
        doc.last_used = session.next_use();
        // Asked for under the same lock as the edit: see `diagnostics::next`.
        (doc.checking.want_edit(), doc.generation, doc.checking.clone())
    };
    if let (true, generation, checking) = worker {
        diagnostics::start_worker(session, uri, generation, checking);
    }
}

pub fn did_save(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    let uri = params.text_document.uri;
    // A `pacto.diff.baseline` that could not be pulled or read is tried again.
    session.retry_setting_baseline(&uri);
    let root = session.documents.get(&uri).and_then(|it| it.bundle_root());
    let Some(root) = root else { return };
    // Without a file watcher this is when bundle files are read again.
    if !session.flags().watched_files_dynamic {
        session.files.invalidate(&root);
        session.listings.remove(&root);
    }
    if let Some(path) = file_path(&uri) {
        workspace_index::file_changed(session, &path, false);
    }
    diagnostics::schedule(session, uri);
}

pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let Some((_, doc)) = session.documents.remove(&uri) else { return };
    forget_files(session, doc.bundle_root());
    session.baselines.remove(&uri);
    session.setting_baselines.remove(&uri);
    session.diffs.remove(&uri);
    diagnostics::clear(session, uri.clone()).await;
    workspace_index::closed(session, &uri);
}

/// Forgets the cached files of a closed document's bundle unless another open document shares
/// it, and every cached file once no document is open.
fn forget_files(session: &Session, root: Option<std::path::PathBuf>) {
    if session.documents.is_empty() {
        session.files.clear();
        session.listings.clear();
        return;
    }
    let Some(root) = root else { return };
    if session.documents.iter().any(|it| it.bundle_root().as_ref() == Some(&root)) {
        return;
    }
    session.files.forget_bundle(&root);
    session.listings.remove(&root);
}
