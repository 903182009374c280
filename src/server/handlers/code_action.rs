//! `textDocument/codeAction`: quick fixes attached to the diagnostics they fix, and source actions. "Pin to
//! digest" on a `TAG_NOT_DIGEST` ref asks the registry for the tag's manifest digest (within the registry
//! timeout) and is not offered when the registry cannot say.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, TextEdit, Uri, WorkspaceEdit,
};

use crate::core::ide::actions::{self, Action, ActionKind, PinWanted};
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::diagnostics::to_diagnostic;
use crate::server::document::Analyzed;
use crate::server::remote_ide;
use crate::server::session::{Session, today};

/// The actions the document alone gives, and the refs "Pin to digest" could pin.
struct Local {
    uri: Uri,
    analyzed: Arc<Analyzed>,
    encoding: Encoding,
    actions: Vec<CodeActionOrCommand>,
    pins: Vec<PinWanted>,
}

pub async fn code_action(session: Arc<Session>, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
    let reading = session.clone();
    let Some(local) = blocking("textDocument/codeAction", move || local(&reading, params)).await? else {
        return Ok(None);
    };
    let Local { uri, analyzed, encoding, mut actions, pins } = local;
    if pins.is_empty() {
        return Ok(Some(actions));
    }
    let asked = pins.iter().map(|pin| remote_ide::manifest_digest(&session, pin.reference.clone()));
    let digests = futures_util::future::join_all(asked).await;
    let pinned = blocking("textDocument/codeAction", move || {
        let tree = &analyzed.analysis.parsed.tree;
        pins.iter()
            .zip(digests)
            .filter_map(|(pin, digest)| actions::pin_to_digest(tree, pin, &digest?))
            .map(|action| to_lsp(&uri, &analyzed, encoding, &action))
            .collect::<Vec<_>>()
    })
    .await?;
    actions.extend(pinned);
    Ok(Some(actions))
}

fn local(session: &Session, params: CodeActionParams) -> Option<Local> {
    let uri = params.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let (text, lines) = (&analyzed.text, &analyzed.lines);
    let start = convert::offset(text, lines, params.range.start, encoding);
    let end = convert::offset(text, lines, params.range.end, encoding);
    let only = params.context.only.as_deref();
    let wanted =
        |kind: &CodeActionKind| only.is_none_or(|kinds| kinds.iter().any(|it| kind.as_str().starts_with(it.as_str())));
    let range = start.min(end)..start.max(end);
    let offered: Vec<_> = actions::actions(text, &analyzed.analysis, range.clone(), today())
        .into_iter()
        .filter(|action| wanted(&kind_of(action.kind)))
        .collect();
    let mut res = Vec::new();
    for action in offered.iter() {
        // A source action that a quick fix in the same menu already offers would show twice.
        let duplicate = action.kind == ActionKind::Source
            && offered.iter().any(|it| it.kind == ActionKind::QuickFix && it.title == action.title);
        if !duplicate {
            res.push(to_lsp(&uri, &analyzed, encoding, action));
        }
    }
    let pins = match wanted(&CodeActionKind::QUICKFIX) {
        true => actions::pins_wanted(&analyzed.analysis, range),
        false => Vec::new(),
    };
    Some(Local { uri, analyzed, encoding, actions: res, pins })
}

fn to_lsp(uri: &Uri, analyzed: &Analyzed, encoding: Encoding, action: &Action) -> CodeActionOrCommand {
    let (text, lines) = (&analyzed.text, &analyzed.lines);
    let edits = action
        .edits
        .iter()
        .map(|(span, new_text)| TextEdit {
            range: convert::range(text, lines, span, encoding),
            new_text: new_text.clone(),
        })
        .collect();
    let diagnostics: Vec<_> = action
        .fixes
        .iter()
        .filter_map(|index| analyzed.analysis.findings.get(*index))
        .map(|finding| to_diagnostic(text, lines, finding, encoding))
        .collect();
    CodeActionOrCommand::CodeAction(CodeAction {
        title: action.title.clone(),
        kind: Some(kind_of(action.kind)),
        diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
        edit: Some(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..WorkspaceEdit::default() }),
        is_preferred: action.preferred.then_some(true),
        ..CodeAction::default()
    })
}

fn kind_of(kind: ActionKind) -> CodeActionKind {
    match kind {
        ActionKind::QuickFix => CodeActionKind::QUICKFIX,
        ActionKind::Source => CodeActionKind::SOURCE,
    }
}
