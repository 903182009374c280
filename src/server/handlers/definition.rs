//! `textDocument/definition`: interface references to their declaration, bundle paths to files.

use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Position, Range, Uri};

use crate::core::bundle::check_bundle_path;
use crate::core::ide::navigation::{self, Target};
use crate::server::convert;
use crate::server::session::Session;

pub fn definition(session: &Session, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let position = params.text_document_position_params;
    let uri = position.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let location = match navigation::definition(&analyzed.analysis.parsed.tree, offset)? {
        Target::Here(span) => Location { uri, range: convert::range(&analyzed.text, &analyzed.lines, &span, encoding) },
        Target::File(file) => {
            check_bundle_path(&file).ok()?;
            let path = session.bundle_root(&uri)?.join(&file);
            Location { uri: Uri::from_file_path(path)?, range: Range::new(Position::new(0, 0), Position::new(0, 0)) }
        }
    };
    Some(GotoDefinitionResponse::Scalar(location))
}
