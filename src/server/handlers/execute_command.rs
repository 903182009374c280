//! `workspace/executeCommand`: `pacto.validate` (and the bundle commands, which arrive later).
//!
//! Every command takes the contract's URI as its first argument and returns JSON. A failure is a
//! JSON-RPC error with a clear message, also shown to the user.

use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType, Uri};

use crate::core::check::Analysis;
use crate::core::finding::Severity;
use crate::core::text::LineIndex;
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::diagnostics;
use crate::server::session::{Session, Snapshot};

pub const VALIDATE: &str = "pacto.validate";
pub const PACK: &str = "pacto.pack";
pub const PUSH: &str = "pacto.push";
pub const DIFF: &str = "pacto.diff";

/// The commands advertised in the server's capabilities.
pub const COMMANDS: [&str; 4] = [VALIDATE, PACK, PUSH, DIFF];

/// LSP's `RequestFailed`: the request was valid but the operation failed.
const REQUEST_FAILED: i64 = -32803;

/// Why a command did not produce a result.
enum Failure {
    /// The arguments are wrong (`InvalidParams`).
    Arguments(String),
    /// The operation could not be done (`RequestFailed`).
    Failed(String),
    /// A bug (a panic, already logged): `InternalError`.
    Internal(Error),
}

pub async fn execute_command(session: &Arc<Session>, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let res = match params.command.as_str() {
        VALIDATE => validate(session, &params.arguments).await,
        PACK | PUSH | DIFF => {
            Err(Failure::Failed(format!("`{}` is not available in this version of pacto-lsp yet", params.command)))
        }
        other => Err(Failure::Arguments(format!("unknown command `{other}`"))),
    };
    let (code, message) = match res {
        Ok(value) => return Ok(Some(value)),
        Err(Failure::Arguments(message)) => (ErrorCode::InvalidParams, message),
        Err(Failure::Failed(message)) => (ErrorCode::ServerError(REQUEST_FAILED), message),
        Err(Failure::Internal(error)) => return Err(error),
    };
    tracing::warn!(command = params.command, %message, "command failed");
    session.client.show_message(MessageType::ERROR, format!("Pacto: {message}")).await;
    Err(Error { code, message: message.into(), data: None })
}

/// Checks the contract (with its bundle files) and returns its findings.
async fn validate(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, Failure> {
    let uri = document_uri(arguments).map_err(Failure::Arguments)?;
    if session.version(&uri).is_none() {
        return Err(Failure::Arguments(format!("{} is not an open pacto.yaml", uri.as_str())));
    }
    let failed = || Failure::Failed("the contract could not be checked (see the server log)".into());
    let snapshot = session.snapshot(&uri).ok_or_else(failed)?;
    let analysis = diagnostics::compute(session, &uri, &snapshot, false).await.ok_or_else(failed)?;
    let encoding = session.encoding();
    blocking("workspace/executeCommand", move || report(&uri, &snapshot, &analysis, encoding))
        .await
        .map_err(Failure::Internal)
}

/// The findings of a validation as JSON.
fn report(uri: &Uri, snapshot: &Snapshot, analysis: &Analysis, encoding: Encoding) -> Value {
    let lines = LineIndex::new(&snapshot.text);
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
    json!({
        "uri": uri.as_str(),
        "version": snapshot.version,
        "valid": count(Severity::Error) == 0,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "infos": count(Severity::Info),
        "hints": count(Severity::Hint),
        "findings": findings,
    })
}

fn document_uri(arguments: &[Value]) -> std::result::Result<Uri, String> {
    let text = arguments.first().and_then(Value::as_str).ok_or("the first argument must be the contract's URI")?;
    text.parse().map_err(|_| format!("`{text}` is not a URI"))
}
