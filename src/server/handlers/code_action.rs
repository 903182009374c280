//! `textDocument/codeAction`: quick fixes attached to the diagnostics they fix, source actions and migrations. "Pin to
//! digest" on a `TAG_NOT_DIGEST` ref asks the registry for the tag's manifest digest (within the registry
//! timeout) and is not offered when the registry cannot say.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, TextEdit, Uri, WorkspaceEdit,
};

use crate::core::bundle::FileRead;
use crate::core::ide::actions::{self, Action, ActionKind, PinWanted};
use crate::core::ide::migrate;
use crate::fs::{FileKey, gate};
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::diagnostics::to_diagnostic;
use crate::server::document::Analyzed;
use crate::server::remote_ide;
use crate::server::session::{Session, file_path, today};

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
    let creates_files = session.flags().create_files;
    migrations(&mut res, &uri, &analyzed, encoding, only, creates_files);
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

/// The migrations (`core::ide::migrate`) replace their plain versions in `res`: kind
/// `source.migrate.pacto`, with the spec files they need created through `documentChanges`. When
/// the files cannot be created (no client support, not a local file, a different file already
/// there), the action is shown disabled with the reason.
fn migrations(
    res: &mut Vec<CodeActionOrCommand>,
    uri: &Uri,
    analyzed: &Analyzed,
    encoding: Encoding,
    only: Option<&[CodeActionKind]>,
    creates_files: bool,
) {
    use tower_lsp_server::ls_types::{
        CodeActionDisabled, CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf,
        OptionalVersionedTextDocumentIdentifier, ResourceOp, TextDocumentEdit,
    };
    let offered = migrate::migrations(&analyzed.text, &analyzed.analysis);
    res.retain(|it| !matches!(it, CodeActionOrCommand::CodeAction(action) if offered.iter().any(|m| m.action.title == action.title)));
    let kind = CodeActionKind::new("source.migrate.pacto");
    if only.is_some_and(|kinds| !kinds.iter().any(|it| kind.as_str().starts_with(it.as_str()))) {
        return;
    }
    let root = file_path(uri).and_then(|it| it.parent().map(std::path::Path::to_path_buf));
    for migration in offered {
        let (text, lines) = (&analyzed.text, &analyzed.lines);
        let mut operations = Vec::new();
        let mut disabled = None;
        for file in &migration.new_files {
            let target = root.as_ref().map(|it| (it.join(&file.path), FileKey::in_bundle(it, &file.path)));
            let reason = match (&target, creates_files) {
                (None, _) => Some("it creates spec files, and this document is not a local file".to_string()),
                (Some(_), false) => Some("it creates spec files, which this editor cannot do".to_string()),
                (Some((_, key)), true) => match gate::read(key) {
                    FileRead::Missing => None,
                    FileRead::File(bytes) if *bytes == *file.content.as_bytes() => continue,
                    _ => Some(format!("`{}` already exists in the bundle", file.path)),
                },
            };
            let file_uri = target.and_then(|(path, _)| Uri::from_file_path(path));
            match (reason, file_uri) {
                (None, Some(file_uri)) => {
                    let options = CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(false) };
                    operations.push(DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                        uri: file_uri.clone(),
                        options: Some(options),
                        annotation_id: None,
                    })));
                    operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier { uri: file_uri, version: None },
                        edits: vec![OneOf::Left(TextEdit {
                            range: Default::default(),
                            new_text: file.content.clone(),
                        })],
                    }));
                }
                (reason, _) => {
                    let reason = reason.unwrap_or_else(|| "a spec file has no local path".to_string());
                    let command = format!("pacto-lsp migrate --to {} --write", migration.target.as_str());
                    disabled = Some(CodeActionDisabled { reason: format!("{reason}; run `{command}` instead") });
                }
            }
        }
        let edits = migration.action.edits.iter().map(|(span, new_text)| {
            OneOf::Left(TextEdit { range: convert::range(text, lines, span, encoding), new_text: new_text.clone() })
        });
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version: Some(analyzed.version),
            },
            edits: edits.collect(),
        }));
        res.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: migration.action.title,
            kind: Some(kind.clone()),
            edit: Some(WorkspaceEdit {
                document_changes: Some(DocumentChanges::Operations(operations)),
                ..WorkspaceEdit::default()
            }),
            disabled,
            ..CodeAction::default()
        }));
    }
}
