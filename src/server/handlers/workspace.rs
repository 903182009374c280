//! `workspace/didChangeWatchedFiles` and `workspace/didChangeConfiguration`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{DidChangeConfigurationParams, DidChangeWatchedFilesParams, FileChangeType};

use crate::server::diagnostics;
use crate::server::handlers::lifecycle;
use crate::server::session::{Session, file_path};
use crate::server::workspace_index;

/// A bundle file was created, changed or deleted: forget it and re-check the open contracts.
pub fn did_change_watched_files(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    for event in &params.changes {
        if let Some(path) = file_path(&event.uri) {
            tracing::debug!(path = %path.display(), kind = ?event.typ, "bundle file changed");
            session.files.invalidate(&path);
            session.listings.retain(|root, _| !path.starts_with(root));
            workspace_index::file_changed(session, &path, event.typ == FileChangeType::DELETED);
        }
    }
    diagnostics::schedule_all(session);
}

pub async fn did_change_configuration(session: &Arc<Session>, params: DidChangeConfigurationParams) {
    match params.settings {
        serde_json::Value::Null => lifecycle::pull_settings(session).await,
        ref value if value.get("pacto").is_some() || !session.flags().configuration_pull => {
            lifecycle::apply_settings(session, value)
        }
        _ => lifecycle::pull_settings(session).await,
    }
}
