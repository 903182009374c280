//! `textDocument/completion`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit, Documentation,
    InsertTextFormat, MarkupContent, MarkupKind, TextEdit,
};

use crate::core::ide::completion::{self, Context, Kind};
use crate::server::convert;
use crate::server::files::list_bundle;
use crate::server::session::{Session, today};

/// Blocking (it may list the bundle's files): call it off the async workers.
pub fn completion(session: &Session, params: CompletionParams) -> Option<CompletionResponse> {
    let uri = params.text_document_position.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let offset = convert::offset(&analyzed.text, &analyzed.lines, params.text_document_position.position, encoding);
    let bundle_files = match session.bundle_root(&uri) {
        Some(root) => bundle_listing(session, root),
        None => Arc::new(Vec::new()),
    };
    let empty = Default::default();
    let ctx = Context {
        text: &analyzed.text,
        offset,
        version: analyzed.analysis.version,
        contract: analyzed.analysis.contract.as_ref().unwrap_or(&empty),
        bundle_files: &bundle_files,
        today: today(),
        snippets: session.flags().snippets,
    };
    let items = completion::complete(&ctx)
        .into_iter()
        .map(|item| CompletionItem {
            kind: Some(match item.kind {
                Kind::Key => CompletionItemKind::PROPERTY,
                Kind::EnumMember => CompletionItemKind::ENUM_MEMBER,
                Kind::Value => CompletionItemKind::VALUE,
                Kind::Reference => CompletionItemKind::REFERENCE,
                Kind::File => CompletionItemKind::FILE,
                Kind::Snippet => CompletionItemKind::SNIPPET,
            }),
            detail: item.detail,
            documentation: item
                .documentation
                .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
            sort_text: Some(item.sort),
            filter_text: Some(item.label.clone()),
            insert_text_format: Some(match item.is_snippet {
                true => InsertTextFormat::SNIPPET,
                false => InsertTextFormat::PLAIN_TEXT,
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: convert::range(&analyzed.text, &analyzed.lines, &item.replace, encoding),
                new_text: item.insert,
            })),
            label: item.label,
            ..CompletionItem::default()
        })
        .collect();
    Some(CompletionResponse::Array(items))
}

/// The bundle's files, listed once and kept until a file changes or the bundle is closed.
fn bundle_listing(session: &Session, root: std::path::PathBuf) -> Arc<Vec<String>> {
    if let Some(listing) = session.listings.get(&root) {
        return listing.clone();
    }
    let listing = Arc::new(list_bundle(&root));
    session.listings.insert(root, listing.clone());
    listing
}
