//! `textDocument/definition`: interface references to their declaration, bundle paths to files, and `oci://`
//! refs to the remote `pacto.yaml` (pulled within the registry timeout and written read-only to the cache).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Position, Range, Uri};

use crate::core::bundle::check_bundle_path;
use crate::core::ide::navigation::{self, Target};
use crate::core::ide::remote::{self, RefAt};
use crate::core::registry::Lookup;
use crate::core::text::LineIndex;
use crate::server::backend::blocking;
use crate::server::convert;
use crate::server::remote_ide;
use crate::server::session::Session;
use crate::server::workspace_index;

/// What the document alone answers: a location, or an `oci://` ref to look up.
enum Local {
    Here(Location),
    Remote(RefAt),
}

pub async fn definition(session: Arc<Session>, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
    let reading = session.clone();
    let at = match blocking("textDocument/definition", move || local(&reading, params)).await? {
        None => return Ok(None),
        Some(Local::Here(location)) => return Ok(Some(GotoDefinitionResponse::Scalar(location))),
        Some(Local::Remote(at)) => at,
    };
    let Lookup::Found(found) = remote_ide::resolve(&session, at.wanted.clone()).await else { return Ok(None) };
    let Some(cache) = session.remotes.registries().cache.as_ref().map(|it| it.root().to_path_buf()) else {
        return Ok(None);
    };
    let encoding = session.encoding();
    blocking("textDocument/definition", move || {
        let file = remote_ide::remote_contract_file(&cache, &found)?;
        let text = &found.contract;
        let offset = remote::definition_offset(at.kind, text);
        let start = convert::position(text, &LineIndex::new(text), offset, encoding);
        let uri = Uri::from_file_path(file)?;
        Some(GotoDefinitionResponse::Scalar(Location { uri, range: Range::new(start, start) }))
    })
    .await
}

fn local(session: &Session, params: GotoDefinitionParams) -> Option<Local> {
    let position = params.text_document_position_params;
    let uri = position.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let tree = &analyzed.analysis.parsed.tree;
    let Some(target) = navigation::definition(tree, offset) else {
        // A dependency on a bundle of the workspace opens its `pacto.yaml`, without a registry.
        if let Some(location) = workspace_index::definition(session, &uri, &analyzed, offset) {
            return Some(Local::Here(location));
        }
        return remote::ref_at(tree, offset).map(Local::Remote);
    };
    let location = match target {
        Target::Here(span) => Location { uri, range: convert::range(&analyzed.text, &analyzed.lines, &span, encoding) },
        Target::File(file) => {
            check_bundle_path(&file).ok()?;
            let path = session.bundle_root(&uri)?.join(&file);
            Location { uri: Uri::from_file_path(path)?, range: Range::new(Position::new(0, 0), Position::new(0, 0)) }
        }
    };
    Some(Local::Here(location))
}
