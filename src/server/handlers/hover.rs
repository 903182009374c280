//! `textDocument/hover`.

use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::core::ide::hover;
use crate::server::convert;
use crate::server::session::{Session, today};

pub fn hover(session: &Session, params: HoverParams) -> Option<Hover> {
    let position = params.text_document_position_params;
    let analyzed = session.current(&position.text_document.uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let contract = analyzed.analysis.contract.clone().unwrap_or_default();
    let found = hover::hover(&analyzed.analysis.parsed.tree, &contract, analyzed.analysis.version, offset, today())?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: found.markdown }),
        range: Some(convert::range(&analyzed.text, &analyzed.lines, &found.span, encoding)),
    })
}
