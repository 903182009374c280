//! `textDocument/completion`: the engine's completion, and in a dependency the tags of its `oci://` repository
//! (after `oci://REG/REPO:`) and ranges built from them (in `compatibility`), asked of the registry within the
//! registry timeout.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit, Documentation,
    InsertTextFormat, MarkupContent, MarkupKind, TextEdit,
};

use crate::core::ide::completion::{self, Completion, Context, Kind};
use crate::core::ide::remote::{self, TagsWanted};
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::document::Analyzed;
use crate::server::files::list_bundle;
use crate::server::remote_ide;
use crate::server::session::{Session, today};

pub async fn completion(session: Arc<Session>, params: CompletionParams) -> Result<Option<CompletionResponse>> {
    let reading = session.clone();
    let Some((mut items, tags_wanted)) = blocking("textDocument/completion", move || local(&reading, params)).await?
    else {
        return Ok(None);
    };
    if let Some((wanted, analyzed, encoding)) = tags_wanted
        && let Ok(tags) = remote_ide::tags(&session, wanted.repository().clone()).await
    {
        let remote = blocking("textDocument/completion", move || {
            let items = remote::tag_completions(&wanted, &tags);
            to_lsp(&analyzed, encoding, items)
        })
        .await?;
        items.extend(remote);
    }
    Ok(Some(CompletionResponse::Array(items)))
}

/// The tags a completion needs, with what converting its items needs.
type TagsAsked = (TagsWanted, Arc<Analyzed>, Encoding);

/// The engine's items, and the tags wanted at the cursor. Blocking (it may list the bundle's files).
fn local(session: &Session, params: CompletionParams) -> Option<(Vec<CompletionItem>, Option<TagsAsked>)> {
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
        compatibility: session.settings().compatibility,
        contract: analyzed.analysis.contract.as_ref().unwrap_or(&empty),
        bundle_files: &bundle_files,
        today: today(),
        snippets: session.flags().snippets,
    };
    let items = to_lsp(&analyzed, encoding, completion::complete(&ctx));
    let tags_wanted = remote::tags_wanted(&analyzed.text, offset).map(|it| (it, analyzed.clone(), encoding));
    Some((items, tags_wanted))
}

fn to_lsp(analyzed: &Analyzed, encoding: Encoding, items: Vec<Completion>) -> Vec<CompletionItem> {
    items
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
        .collect()
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
