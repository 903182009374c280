//! `initialize`, `initialized`, `shutdown`: capabilities, settings and watcher registration.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions, CompletionOptions,
    ConfigurationItem, DiagnosticOptions, DiagnosticServerCapabilities, DidChangeWatchedFilesRegistrationOptions,
    DocumentLinkOptions, ExecuteCommandOptions, FileSystemWatcher, FoldingRangeProviderCapability, GlobPattern,
    HoverProviderCapability, InitializeParams, InitializeResult, OneOf, Registration, RenameOptions,
    ResourceOperationKind, SaveOptions, SelectionRangeProviderCapability, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
    WorkDoneProgressOptions, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::server::convert::Encoding;
use crate::server::diagnostics;
use crate::server::handlers::execute_command;
use crate::server::session::{ClientFlags, Session, file_path};
use crate::server::settings::Settings;
use crate::server::workspace_index;

/// Every request the server sends to the client gives up after this long.
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub fn initialize(session: &Session, params: InitializeParams) -> InitializeResult {
    let capabilities = &params.capabilities;
    let offered = capabilities.general.as_ref().and_then(|it| it.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    let _ = session.encoding.set(encoding);
    let workspace = capabilities.workspace.as_ref();
    let flags = ClientFlags {
        watched_files_dynamic: workspace
            .and_then(|it| it.did_change_watched_files.as_ref())
            .and_then(|it| it.dynamic_registration)
            .unwrap_or(false),
        configuration_pull: workspace.and_then(|it| it.configuration).unwrap_or(false),
        snippets: capabilities
            .text_document
            .as_ref()
            .and_then(|it| it.completion.as_ref())
            .and_then(|it| it.completion_item.as_ref())
            .and_then(|it| it.snippet_support)
            .unwrap_or(false),
        work_done_progress: capabilities.window.as_ref().and_then(|it| it.work_done_progress).unwrap_or(false),
        create_files: workspace
            .and_then(|it| it.workspace_edit.as_ref())
            .and_then(|it| it.resource_operations.as_ref())
            .is_some_and(|operations| operations.contains(&ResourceOperationKind::Create)),
        pull_diagnostics: capabilities.text_document.as_ref().is_some_and(|it| it.diagnostic.is_some()),
        diagnostic_refresh: workspace
            .and_then(|it| it.diagnostics.as_ref())
            .and_then(|it| it.refresh_support)
            .unwrap_or(false),
    };
    let _ = session.flags.set(flags);
    let mut folders: Vec<std::path::PathBuf> =
        params.workspace_folders.iter().flatten().filter_map(|folder| file_path(&folder.uri)).collect();
    #[allow(deprecated)] // Older clients send only `rootUri`.
    if folders.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(file_path)
    {
        folders.push(root);
    }
    if let Ok(mut current) = session.workspace_folders.write() {
        *current = folders;
    }
    if let Some(options) = &params.initialization_options {
        session.set_settings(Settings::from_json(options));
    }
    tracing::info!(?encoding, ?flags, "initialized");
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
                ..TextDocumentSyncOptions::default()
            })),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![":".into(), " ".into(), "-".into(), "\"".into(), "/".into()]),
                ..CompletionOptions::default()
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::SOURCE]),
                resolve_provider: Some(false),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: execute_command::COMMANDS.iter().map(|it| it.to_string()).collect(),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            document_link_provider: Some(DocumentLinkOptions {
                resolve_provider: Some(false),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            }),
            diagnostic_provider: flags.pull_diagnostics.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("pacto".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: true,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo { name: "pacto-lsp".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        offset_encoding: None,
    }
}

pub async fn initialized(session: &Arc<Session>) {
    let flags = session.flags();
    if flags.watched_files_dynamic {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher { glob_pattern: GlobPattern::String("**/*".into()), kind: None }],
        };
        let registration = Registration {
            id: "pacto-watch-bundle-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let request = session.client.register_capability(vec![registration]);
        match tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, request).await {
            Ok(Ok(())) => tracing::debug!("file watcher registered"),
            Ok(Err(error)) => tracing::warn!(%error, "the client refused the file watcher"),
            Err(_) => tracing::warn!("the client did not answer the file watcher registration"),
        }
    }
    pull_settings(session).await;
    workspace_index::start(session);
}

/// Asks the client for the `pacto` section (when it supports `workspace/configuration`) and
/// re-checks open documents when the settings changed.
pub async fn pull_settings(session: &Arc<Session>) {
    if !session.flags().configuration_pull {
        return;
    }
    let item = ConfigurationItem { scope_uri: None, section: Some("pacto".into()) };
    let request = session.client.configuration(vec![item]);
    let values = match tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, request).await {
        Ok(Ok(values)) => values,
        Ok(Err(error)) => {
            tracing::warn!(%error, "workspace/configuration failed");
            return;
        }
        Err(_) => {
            tracing::warn!("the client did not answer workspace/configuration");
            return;
        }
    };
    let Some(value) = values.into_iter().next().filter(|it| !it.is_null()) else { return };
    apply_settings(session, &value);
}

pub fn apply_settings(session: &Arc<Session>, value: &Value) {
    let settings = Settings::from_json(value);
    if settings != session.settings() {
        tracing::info!(?settings, "settings changed");
        session.set_settings(settings);
        diagnostics::schedule_all(session);
        workspace_index::settings_changed(session);
    }
}

pub fn shutdown(session: &Session) {
    session.request_shutdown();
    tracing::info!("shutdown requested");
}
