//! `pacto/debugText`: the server's own copy of an open document, for tests of incremental sync
//! (`tests/soak.rs` compares it with the client's after thousands of edits). Answered only when
//! the server runs with the environment variable `PACTO_LSP_DEBUG_TEXT` set; otherwise the method
//! does not exist, so no editor can come to depend on it.

use serde::Deserialize;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::Uri;

use crate::server::session::Session;

#[derive(Deserialize)]
pub struct DebugTextParams {
    pub uri: Uri,
}

/// `{version, text}` of the open document, or null when it is not open.
pub fn debug_text(session: &Session, params: DebugTextParams) -> Result<Value> {
    if std::env::var_os("PACTO_LSP_DEBUG_TEXT").is_none() {
        return Err(Error::method_not_found());
    }
    Ok(session
        .documents
        .get(&params.uri)
        .map(|doc| json!({"version": doc.version, "text": doc.rope.to_string()}))
        .unwrap_or(Value::Null))
}
