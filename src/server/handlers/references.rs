//! `textDocument/references`: every use of an interface name.

use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::core::ide::navigation;
use crate::server::convert;
use crate::server::session::Session;

pub fn references(session: &Session, params: ReferenceParams) -> Option<Vec<Location>> {
    let position = params.text_document_position;
    let uri = position.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let (_, spans) = navigation::references(&analyzed.analysis.parsed.tree, offset)?;
    let declaration_offset = spans.first().map(|it| it.start);
    let locations = spans
        .iter()
        .filter(|span| params.context.include_declaration || Some(span.start) != declaration_offset)
        .map(|span| Location {
            uri: uri.clone(),
            range: convert::range(&analyzed.text, &analyzed.lines, span, encoding),
        })
        .collect();
    Some(locations)
}
