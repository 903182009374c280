//! `textDocument/references`: every use of an interface name, and the contracts of the workspace that depend
//! on a `service.name`.

use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::core::ide::navigation;
use crate::server::convert;
use crate::server::session::Session;
use crate::server::workspace_index;

pub fn references(session: &Session, params: ReferenceParams) -> Option<Vec<Location>> {
    let position = params.text_document_position;
    let uri = position.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let Some((_, spans)) = navigation::references(&analyzed.analysis.parsed.tree, offset) else {
        // `service.name`: the contracts in the workspace that depend on this one.
        let declaration = params.context.include_declaration;
        return workspace_index::references(session, &uri, &analyzed, offset, declaration);
    };
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
