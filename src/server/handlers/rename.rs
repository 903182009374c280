//! `textDocument/prepareRename` and `textDocument/rename` for interface names.

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, WorkspaceEdit,
};

use crate::core::ide::navigation;
use crate::server::convert;
use crate::server::session::Session;

pub fn prepare_rename(session: &Session, params: TextDocumentPositionParams) -> Option<PrepareRenameResponse> {
    let analyzed = session.current(&params.text_document.uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, params.position, encoding);
    let (span, name) = navigation::prepare_rename(&analyzed.analysis.parsed.tree, offset)?;
    let range = convert::range(&analyzed.text, &analyzed.lines, &span, encoding);
    Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder: name })
}

pub fn rename(session: &Session, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let position = params.text_document_position;
    let uri = position.text_document.uri;
    let Some(analyzed) = session.current(&uri) else { return Ok(None) };
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let edits =
        navigation::rename(&analyzed.analysis.parsed.tree, offset, &params.new_name).map_err(Error::invalid_params)?;
    let edits = edits
        .into_iter()
        .map(|(span, new_text)| TextEdit {
            range: convert::range(&analyzed.text, &analyzed.lines, &span, encoding),
            new_text,
        })
        .collect();
    Ok(Some(WorkspaceEdit { changes: Some(HashMap::from([(uri, edits)])), ..WorkspaceEdit::default() }))
}
