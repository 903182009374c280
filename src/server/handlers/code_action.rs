//! `textDocument/codeAction`: quick fixes attached to the diagnostics they fix, and source actions.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, TextEdit, WorkspaceEdit,
};

use crate::core::ide::actions::{self, ActionKind};
use crate::server::convert;
use crate::server::diagnostics::to_diagnostic;
use crate::server::session::{Session, today};

pub fn code_action(session: &Session, params: CodeActionParams) -> Option<CodeActionResponse> {
    let uri = params.text_document.uri;
    let analyzed = session.current(&uri)?;
    let encoding = session.encoding();
    let (text, lines) = (&analyzed.text, &analyzed.lines);
    let start = convert::offset(text, lines, params.range.start, encoding);
    let end = convert::offset(text, lines, params.range.end, encoding);
    let only = params.context.only.as_deref();
    let wanted =
        |kind: &CodeActionKind| only.is_none_or(|kinds| kinds.iter().any(|it| kind.as_str().starts_with(it.as_str())));
    let offered: Vec<_> = actions::actions(text, &analyzed.analysis, start.min(end)..start.max(end), today())
        .into_iter()
        .filter(|action| wanted(&kind_of(action.kind)))
        .collect();
    let mut res = Vec::new();
    for action in offered.iter() {
        let kind = kind_of(action.kind);
        // A source action that a quick fix in the same menu already offers would show twice.
        let duplicate = action.kind == ActionKind::Source
            && offered.iter().any(|it| it.kind == ActionKind::QuickFix && it.title == action.title);
        if duplicate {
            continue;
        }
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
        res.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: action.title.clone(),
            kind: Some(kind),
            diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: action.preferred.then_some(true),
            ..CodeAction::default()
        }));
    }
    Some(res)
}

fn kind_of(kind: ActionKind) -> CodeActionKind {
    match kind {
        ActionKind::QuickFix => CodeActionKind::QUICKFIX,
        ActionKind::Source => CodeActionKind::SOURCE,
    }
}
