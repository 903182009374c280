//! `textDocument/hover`: the engine's hover, and for an `oci://` ref the remote contract it resolves to (or why
//! it does not), asked of the registry within the registry timeout.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::core::ide::hover;
use crate::core::ide::remote::{self, RefAt};
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::document::Analyzed;
use crate::server::remote_ide;
use crate::server::session::{Session, today};
use crate::server::workspace_index;

/// What the document alone says at the cursor.
struct Local {
    analyzed: Arc<Analyzed>,
    encoding: Encoding,
    hover: Option<hover::Hover>,
    reference: Option<RefAt>,
    /// The workspace bundle a dependency resolves to.
    workspace: Option<(String, std::ops::Range<usize>)>,
}

pub async fn hover(session: Arc<Session>, params: HoverParams) -> Result<Option<Hover>> {
    let reading = session.clone();
    let Some(local) = blocking("textDocument/hover", move || local(&reading, params)).await? else {
        return Ok(None);
    };
    let lookup = match &local.reference {
        Some(at) => Some(remote_ide::resolve(&session, at.wanted.clone()).await),
        None => None,
    };
    blocking("textDocument/hover", move || {
        let Local { analyzed, encoding, hover, reference, workspace } = local;
        let mut sections = Vec::new();
        let mut span = hover.as_ref().map(|it| it.span.clone());
        if let Some((markdown, at)) = workspace {
            sections.push(markdown);
            span = Some(at);
        }
        if let (Some(at), Some(lookup)) = (&reference, &lookup) {
            sections.push(remote::hover_markdown(at, lookup));
            span = Some(at.span.clone());
        }
        sections.extend(hover.map(|it| it.markdown));
        let span = span?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range: Some(convert::range(&analyzed.text, &analyzed.lines, &span, encoding)),
        })
    })
    .await
}

fn local(session: &Session, params: HoverParams) -> Option<Local> {
    let position = params.text_document_position_params;
    let analyzed = session.current(&position.text_document.uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, position.position, encoding);
    let contract = analyzed.analysis.contract.clone().unwrap_or_default();
    let tree = &analyzed.analysis.parsed.tree;
    let compatibility = session.settings().compatibility;
    let hover = hover::hover(tree, &contract, analyzed.analysis.version, compatibility, offset, today());
    let reference = remote::ref_at(tree, offset);
    let workspace = workspace_index::hover(session, &position.text_document.uri, &analyzed, offset);
    Some(Local { analyzed, encoding, hover, reference, workspace })
}
