//! `workspace/executeCommand`: `pacto.validate`, `pacto.pack`, `pacto.push`, `pacto.diff` and `pacto.diff.clear`.
//!
//! Every command takes the contract's URI as its first argument and returns JSON. A failure is a
//! JSON-RPC error with a clear message, also shown to the user.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType, NumberOrString, Uri};
use tower_lsp_server::{NotCancellable, OngoingProgress, Unbounded};

use crate::core::bundle::{CONTRACT_FILE, FileRead};
use crate::core::check::Analysis;
use crate::core::finding::Severity;
use crate::core::text::LineIndex;
use crate::fs::FileKey;
use crate::oci::lookup::{self, PulledPolicies};
use crate::pack::{Output, Packed};
use crate::server::backend::blocking;
use crate::server::convert::{self, Encoding};
use crate::server::diagnostics;
use crate::server::handlers::lifecycle::CLIENT_REQUEST_TIMEOUT;
use crate::server::live_diff;
use crate::server::session::{Session, Snapshot, today};

pub const VALIDATE: &str = "pacto.validate";
pub const PACK: &str = "pacto.pack";
pub const PUSH: &str = "pacto.push";
pub const DIFF: &str = "pacto.diff";
pub const DIFF_CLEAR: &str = "pacto.diff.clear";

/// The commands advertised in the server's capabilities.
pub const COMMANDS: [&str; 5] = [VALIDATE, PACK, PUSH, DIFF, DIFF_CLEAR];

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
        PACK => pack(session, &params.arguments).await,
        DIFF => diff(session, &params.arguments).await,
        DIFF_CLEAR => diff_clear(session, &params.arguments).await,
        PUSH => push(session, &params.arguments).await,
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

/// Packs the document's bundle (as saved on disk) into a `.tar.gz` beside the bundle folder, or
/// where the second argument says. Returns `{path, digest, size}`.
async fn pack(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, Failure> {
    let uri = open_document(session, arguments)?;
    let root = session
        .bundle_root(&uri)
        .ok_or_else(|| Failure::Arguments(format!("{} is not a file on disk; save it first", uri.as_str())))?;
    let output = match arguments.get(1).and_then(Value::as_str) {
        Some(path) => Output::File(crate::fs::normalize(&root.join(path))),
        None => Output::DefaultIn(root.parent().unwrap_or(&root).to_path_buf()),
    };
    let progress = Progress::begin(session, "Pacto: packing the bundle").await;
    let options = crate::pack::Options {
        check: session.settings().options(today()),
        workspace: crate::fs::boundary(&root, &session.workspaces()),
        policies: pulled_policies(session, &root).await,
        output,
    };
    let packed = blocking(PACK, move || pack_and_write(&root, &options)).await;
    let res = match packed {
        Ok(Ok((path, packed))) => Ok(json!({
            "path": path.display().to_string(),
            "digest": format!("sha256:{}", packed.sha256),
            "size": packed.size,
            "files": packed.files,
        })),
        Ok(Err(why)) => Err(Failure::Failed(why)),
        Err(error) => Err(Failure::Internal(error)),
    };
    progress.end(if res.is_ok() { "packed" } else { "failed" }).await;
    res
}

/// The `oci://` policy bundles the saved contract in `root` reaches, pulled through the session's registries
/// (none when the contract cannot be read: packing reports that itself).
async fn pulled_policies(session: &Session, root: &std::path::Path) -> Arc<PulledPolicies> {
    let key = FileKey::in_bundle(root, CONTRACT_FILE);
    let pulled = match blocking(PACK, move || crate::fs::gate::read(&key)).await {
        Ok(FileRead::File(bytes)) => lookup::pull_policies(&session.remotes.registries(), &bytes).await,
        _ => PulledPolicies::default(),
    };
    Arc::new(pulled)
}

/// Validates and packs the bundle, then writes the archive where the options say.
fn pack_and_write(
    root: &std::path::Path,
    options: &crate::pack::Options,
) -> std::result::Result<(PathBuf, Packed), String> {
    let packed = crate::pack::pack(root, options).map_err(|error| error.to_string())?;
    let path = packed.output.clone().ok_or("the archive has no place to be written")?;
    std::fs::write(&path, &packed.bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok((path, packed))
}

/// Pushes the document's bundle (as saved on disk) to `oci://REGISTRY/REPOSITORY[:TAG]` (the second argument;
/// the tag defaults to the contract's version). The third argument may be `{force: true}` to overwrite an
/// existing tag. Returns `{ref, digest, pushed}`; `pushed` is false when the tag existed and nothing was sent.
async fn push(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, Failure> {
    let uri = open_document(session, arguments)?;
    let mut reference =
        crate::oci::parse_ref(arguments.get(1).and_then(Value::as_str), PUSH).map_err(Failure::Arguments)?;
    if reference.digest.is_some() {
        return Err(Failure::Arguments(
            "`pacto.push` needs a tag, not a digest; write `oci://REGISTRY/REPOSITORY[:TAG]`".into(),
        ));
    }
    let force = arguments.get(2).and_then(|it| it.get("force")).and_then(Value::as_bool).unwrap_or(false);
    let root = session
        .bundle_root(&uri)
        .ok_or_else(|| Failure::Arguments(format!("{} is not a file on disk; save it first", uri.as_str())))?;
    let settings = session.settings();
    if settings.offline {
        return Err(Failure::Failed("cannot push while `pacto.offline` is on".into()));
    }
    let progress = Progress::begin(session, "Pacto: pushing the bundle").await;
    let options = crate::pack::Options {
        check: settings.options(today()),
        workspace: crate::fs::boundary(&root, &session.workspaces()),
        policies: pulled_policies(session, &root).await,
        output: Output::Memory,
    };
    // Packing reads and checks files: a blocking task. The registry calls are async I/O on the runtime.
    let packed =
        match blocking(PUSH, move || crate::pack::pack(&root, &options).map_err(|error| error.to_string())).await {
            Ok(Ok(packed)) => packed,
            Ok(Err(why)) => {
                progress.end("failed").await;
                return Err(Failure::Failed(format!("{why}; nothing was pushed")));
            }
            Err(error) => {
                progress.end("failed").await;
                return Err(Failure::Internal(error));
            }
        };
    if let Some(why) = crate::oci::local_dependencies(&packed.contract) {
        progress.end("failed").await;
        return Err(Failure::Failed(why));
    }
    if reference.tag.is_none() {
        reference.tag = Some(packed.version.clone());
    }
    let registry = crate::oci::OciRegistry::new(settings.registry(&reference.registry));
    let res = match crate::oci::push_packed(&registry, &reference, &packed, force).await {
        Ok((digest, pushed)) => Ok(json!({ "ref": format!("oci://{reference}"), "digest": digest, "pushed": pushed })),
        Err(error) => Err(Failure::Failed(error.to_string())),
    };
    let message = match &res {
        Ok(value) if value["pushed"] == json!(true) => "pushed",
        Ok(_) => "already there",
        Err(_) => "failed",
    };
    progress.end(message).await;
    res
}

/// Makes OLD (the second argument: a bundle folder, a `pacto.yaml` or a `.tar.gz`, relative to
/// the bundle unless absolute) the document's baseline, and returns the diff against it:
/// `{baseline, classification, changes}`. From then on every change is diffed live.
async fn diff(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, Failure> {
    let uri = open_document(session, arguments)?;
    let old = arguments
        .get(1)
        .and_then(Value::as_str)
        .filter(|it| !it.is_empty())
        .ok_or_else(|| Failure::Arguments("the second argument must be the older contract to diff against".into()))?
        .to_string();
    let progress = Progress::begin(session, "Pacto: diffing").await;
    let root = session.bundle_root(&uri);
    let workspaces = session.workspaces();
    // An `oci://` baseline is pulled with async I/O here; a local one is read on a blocking thread.
    let loaded = match old.starts_with("oci://") {
        true => Ok(live_diff::load_oci(&old, &session.settings()).await),
        false => blocking(DIFF, move || live_diff::load(&old, root.as_deref(), &workspaces)).await,
    };
    let baseline = match loaded {
        Ok(Ok(it)) => Arc::new(it),
        Ok(Err(why)) => {
            progress.end("failed").await;
            return Err(Failure::Failed(why));
        }
        Err(error) => {
            progress.end("failed").await;
            return Err(Failure::Internal(error));
        }
    };
    session.baselines.insert(uri.clone(), baseline);
    // Check the current text (the diff follows its publish), then answer from that diff.
    let failed = || Failure::Failed("the contract could not be checked (see the server log)".into());
    let snapshot = session.snapshot(&uri).ok_or_else(failed)?;
    let (generation, version, root) = (snapshot.generation, snapshot.version, snapshot.bundle_root.clone());
    if let Some(analysis) = diagnostics::compute(session, &uri, &snapshot, false).await {
        diagnostics::publish(session, &uri, snapshot, analysis).await;
    }
    diagnostics::refresh_diff(session, &uri, generation, version, root).await;
    let encoding = session.encoding();
    let res = match (session.live_diff(&uri), session.current(&uri)) {
        (Some(live), Some(analyzed)) => {
            blocking(DIFF, move || live_diff::to_json(&live, &analyzed.text, &analyzed.lines, encoding))
                .await
                .map_err(Failure::Internal)
        }
        _ => Err(Failure::Failed("the diff could not be computed (see the server log)".into())),
    };
    progress.end(if res.is_ok() { "done" } else { "failed" }).await;
    res
}

/// Removes the document's baseline (and its diff diagnostics).
async fn diff_clear(session: &Arc<Session>, arguments: &[Value]) -> std::result::Result<Value, Failure> {
    let uri = open_document(session, arguments)?;
    let had = session.baselines.remove(&uri).is_some();
    session.setting_baselines.remove(&uri);
    session.diffs.remove(&uri);
    diagnostics::republish(session, &uri).await;
    Ok(json!({ "cleared": had }))
}

/// The URI of an open contract, from the first argument.
fn open_document(session: &Session, arguments: &[Value]) -> std::result::Result<Uri, Failure> {
    let uri = document_uri(arguments).map_err(Failure::Arguments)?;
    match session.version(&uri) {
        Some(_) => Ok(uri),
        None => Err(Failure::Arguments(format!("{} is not an open pacto.yaml", uri.as_str()))),
    }
}

/// `$/progress` for a long command, when the client supports it.
struct Progress(Option<OngoingProgress<Unbounded, NotCancellable>>);

impl Progress {
    async fn begin(session: &Session, title: &str) -> Progress {
        if !session.flags().work_done_progress {
            return Progress(None);
        }
        let token = NumberOrString::String(format!("pacto/{}", NEXT_PROGRESS.fetch_add(1, Ordering::Relaxed)));
        let created =
            tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, session.client.create_work_done_progress(token.clone())).await;
        if !matches!(created, Ok(Ok(()))) {
            return Progress(None);
        }
        Progress(Some(session.client.progress(token, title).begin().await))
    }

    async fn end(self, message: &str) {
        if let Some(progress) = self.0 {
            progress.finish_with_message(message).await;
        }
    }
}

static NEXT_PROGRESS: AtomicU64 = AtomicU64::new(1);

fn document_uri(arguments: &[Value]) -> std::result::Result<Uri, String> {
    let text = arguments.first().and_then(Value::as_str).ok_or("the first argument must be the contract's URI")?;
    text.parse().map_err(|_| format!("`{text}` is not a URI"))
}

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn every_command_is_documented() {
        let docs = include_str!("../../../docs/commands.md");
        for command in COMMANDS {
            assert!(docs.contains(&format!("\n### `{command}`\n")), "`{command}` has no section in docs/commands.md");
        }
    }
}
