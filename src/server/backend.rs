//! The `LanguageServer` implementation: it only delegates to the handlers.
//!
//! Requests do their engine work through [`blocking`]: on a blocking thread, so a slow one never
//! stalls the protocol loop, and behind a panic guard, so a bug answers that one request with an
//! `InternalError` and the server keeps serving. Notifications run in place (edits must be applied
//! in order, before any `.await`) behind [`contained`], so a panic in one is logged and dropped.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, CodeLens, CodeLensParams, CompletionParams, CompletionResponse,
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentDiagnosticParams, DocumentDiagnosticReportResult, DocumentLink, DocumentLinkParams, DocumentSymbolParams,
    DocumentSymbolResponse, ExecuteCommandParams, FoldingRange, FoldingRangeParams, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverParams, InitializeParams, InitializeResult, InitializedParams, Location,
    PrepareRenameResponse, ReferenceParams, RenameParams, SelectionRange, SelectionRangeParams,
    TextDocumentPositionParams, WorkspaceDiagnosticParams, WorkspaceDiagnosticReportResult, WorkspaceEdit,
};

use crate::server::handlers::{
    code_action, code_lens, completion, debug, definition, execute_command, hover, lifecycle, pull, references, rename,
    structure, text_sync, workspace,
};
use crate::server::session::Session;

pub struct Backend {
    pub session: Arc<Session>,
}

/// Runs a request's engine work on a blocking thread, catching a panic: the request is then
/// answered with an `InternalError` and the panic is logged with the method's name.
pub async fn blocking<T: Send + 'static>(method: &'static str, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    // A request is editor activity: the background checker of the workspace waits for it.
    crate::server::workspace_index::touch();
    match tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(work))).await {
        Ok(Ok(it)) => Ok(it),
        Ok(Err(_)) | Err(_) => {
            tracing::error!(method, "request handler panicked; answered with an internal error");
            Err(Error::internal_error())
        }
    }
}

/// Runs a notification's handler in place, catching a panic (logged with the method's name), so
/// the protocol loop that polls it keeps running.
async fn contained(method: &'static str, handler: impl Future<Output = ()>) {
    if Contained(Box::pin(handler)).await.is_none() {
        tracing::error!(method, "notification handler panicked; notification dropped");
    }
}

/// A future that turns a panic while polling the inner one into `None`.
struct Contained<F>(Pin<Box<F>>);

impl<F: Future> Future for Contained<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(it)) => Poll::Ready(Some(it)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        Ok(lifecycle::initialize(&self.session, params))
    }

    async fn initialized(&self, _: InitializedParams) {
        contained("initialized", lifecycle::initialized(&self.session)).await;
    }

    async fn shutdown(&self) -> Result<()> {
        lifecycle::shutdown(&self.session);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        contained("textDocument/didOpen", async { text_sync::did_open(&self.session, params) }).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // The edits are applied when this is first polled, before anything else is awaited.
        contained("textDocument/didChange", async { text_sync::did_change(&self.session, params) }).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        contained("textDocument/didSave", async { text_sync::did_save(&self.session, params) }).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        contained("textDocument/didClose", text_sync::did_close(&self.session, params)).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let handler = async { workspace::did_change_watched_files(&self.session, params) };
        contained("workspace/didChangeWatchedFiles", handler).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let handler = async { workspace::did_change_workspace_folders(&self.session, params) };
        contained("workspace/didChangeWorkspaceFolders", handler).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let handler = workspace::did_change_configuration(&self.session, params);
        contained("workspace/didChangeConfiguration", handler).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        completion::completion(self.session.clone(), params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        hover::hover(self.session.clone(), params).await
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        definition::definition(self.session.clone(), params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let session = self.session.clone();
        blocking("textDocument/references", move || references::references(&session, params)).await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let session = self.session.clone();
        blocking("textDocument/prepareRename", move || rename::prepare_rename(&session, params)).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let session = self.session.clone();
        blocking("textDocument/rename", move || rename::rename(&session, params)).await?
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let session = self.session.clone();
        blocking("textDocument/documentSymbol", move || structure::document_symbol(&session, params)).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let session = self.session.clone();
        blocking("textDocument/foldingRange", move || structure::folding_range(&session, params)).await
    }

    async fn selection_range(&self, params: SelectionRangeParams) -> Result<Option<Vec<SelectionRange>>> {
        let session = self.session.clone();
        blocking("textDocument/selectionRange", move || structure::selection_range(&session, params)).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let session = self.session.clone();
        blocking("textDocument/documentLink", move || structure::document_link(&session, params)).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        code_action::code_action(self.session.clone(), params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let session = self.session.clone();
        blocking("textDocument/codeLens", move || code_lens::code_lens(&session, params)).await
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let session = self.session.clone();
        blocking("textDocument/diagnostic", move || pull::document(&session, params)).await
    }

    async fn workspace_diagnostic(&self, params: WorkspaceDiagnosticParams) -> Result<WorkspaceDiagnosticReportResult> {
        Ok(pull::workspace(self.session.clone(), params).await)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<serde_json::Value>> {
        execute_command::execute_command(&self.session, params).await
    }
}

impl Backend {
    /// `pacto/debugText` (tests only, behind `PACTO_LSP_DEBUG_TEXT`): see `handlers::debug`.
    pub async fn debug_text(&self, params: debug::DebugTextParams) -> Result<serde_json::Value> {
        debug::debug_text(&self.session, params)
    }
}
