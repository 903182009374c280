//! `workspace/executeCommand`: `pacto.validate` (and the bundle commands, which arrive later).
//!
//! Every command takes the contract's URI as its first argument and returns JSON. A failure is a
//! JSON-RPC error with a clear message, also shown to the user.

use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType, Uri};

use crate::core::finding::Severity;
use crate::core::text::LineIndex;
use crate::server::convert;
use crate::server::diagnostics;
use crate::server::session::Session;

pub const VALIDATE: &str = "pacto.validate";
pub const PACK: &str = "pacto.pack";
pub const PUSH: &str = "pacto.push";
pub const DIFF: &str = "pacto.diff";

/// The commands advertised in the server's capabilities.
pub const COMMANDS: [&str; 4] = [VALIDATE, PACK, PUSH, DIFF];

pub async fn execute_command(session: &Arc<Session>, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let res = match params.command.as_str() {
        VALIDATE => validate(session, &params.arguments).await,
        PACK | PUSH | DIFF => Err(format!("`{}` is not available in this version of pacto-lsp yet", params.command)),
        other => Err(format!("unknown command `{other}`")),
    };
    match res {
        Ok(value) => Ok(Some(value)),
        Err(message) => {
            tracing::warn!(command = params.command, %message, "command failed");
            session.client.show_message(MessageType::ERROR, format!("Pacto: {message}")).await;
            Err(Error::invalid_params(message))
        }
    }
}

/// Checks the contract (with its bundle files) and returns its findings.
async fn validate(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, String> {
    let uri = document_uri(arguments)?;
    if session.version(&uri).is_none() {
        return Err(format!("{} is not an open pacto.yaml", uri.as_str()));
    }
    let (snapshot, analysis) = diagnostics::compute(session, &uri, false)
        .await
        .ok_or("the contract could not be checked (see the server log)")?;
    let lines = LineIndex::new(&snapshot.text);
    let encoding = session.encoding();
    let count = |severity: Severity| analysis.findings.iter().filter(|it| it.severity == severity).count();
    let findings: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            json!({
                "code": finding.code.as_str(),
                "severity": finding.severity.as_str(),
                "message": finding.message,
                "path": finding.path.to_string(),
                "range": convert::range(&snapshot.text, &lines, &finding.span, encoding),
            })
        })
        .collect();
    Ok(json!({
        "uri": uri.as_str(),
        "version": snapshot.version,
        "valid": count(Severity::Error) == 0,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "findings": findings,
    }))
}

fn document_uri(arguments: &[Value]) -> std::result::Result<Uri, String> {
    let text = arguments.first().and_then(Value::as_str).ok_or("the first argument must be the contract's URI")?;
    text.parse().map_err(|_| format!("`{text}` is not a URI"))
}
