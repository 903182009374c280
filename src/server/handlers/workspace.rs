//! `workspace/didChangeWatchedFiles`, `workspace/didChangeWorkspaceFolders` and `workspace/didChangeConfiguration`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{
    DidChangeConfigurationParams, DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams, FileChangeType,
};

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

/// Folders were added to the workspace or removed from it: the background index walks the new set (forgetting
/// the contracts of removed folders, clearing their reports), and open contracts are checked again, since their
/// policy refs may reach as far as the workspace folder that holds them.
pub fn did_change_workspace_folders(session: &Arc<Session>, params: DidChangeWorkspaceFoldersParams) {
    let removed: Vec<_> = params.event.removed.iter().filter_map(|it| file_path(&it.uri)).collect();
    let added: Vec<_> = params.event.added.iter().filter_map(|it| file_path(&it.uri)).collect();
    tracing::debug!(?added, ?removed, "workspace folders changed");
    if let Ok(mut folders) = session.workspace_folders.write() {
        folders.retain(|it| !removed.contains(it));
        for folder in added {
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
    }
    workspace_index::folders_changed(session);
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
