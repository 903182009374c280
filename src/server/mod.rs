//! The language server: LSP over stdio at the edge of the pure engine.
//!
//! Protocol types (`tower_lsp_server::ls_types`) are used only in this module tree.

mod backend;
pub mod convert;
mod diagnostics;
mod document;
mod files;
mod handlers;
mod live_diff;
mod memory;
mod pipe;
mod pool;
mod registry;
mod remote_ide;
mod session;
mod settings;
mod stdio;
mod workspace_index;

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::{LspService, Server};

use crate::server::backend::Backend;
use crate::server::session::Session;

/// Runs the language server over stdio until `exit` (or the end of input).
/// Returns the process exit code: 0 after an orderly `shutdown`, 1 otherwise.
pub fn run(args: &[String]) -> u8 {
    let mut log_file: Option<PathBuf> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--stdio" => {}
            "--log-file" => match iter.next() {
                Some(path) => log_file = Some(PathBuf::from(path)),
                None => return usage_error("--log-file needs a path"),
            },
            other => return usage_error(&format!("unknown argument `{other}`; run `pacto-lsp --help`")),
        }
    }
    if let Err(message) = init_logging(log_file.as_deref()) {
        return usage_error(&message);
    }
    install_panic_hook();
    // One thread runs the protocol, the document workers and the registry clients: their work is short, and
    // keeping it on one thread saves a hand-off between threads for every message. Checks of large texts,
    // requests' engine work and file reads run on blocking threads.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(it) => it,
        Err(error) => return usage_error(&format!("cannot start the async runtime: {error}")),
    };
    let session = runtime.block_on(serve());
    let orderly = session.as_ref().is_some_and(|it| it.shutdown_was_requested());
    // Background checks may still be running; do not wait for them.
    runtime.shutdown_background();
    match orderly {
        true => 0,
        false => 1,
    }
}

async fn serve() -> Option<Arc<Session>> {
    let mut kept = None;
    let (service, socket) = LspService::build(|client| {
        let session = Arc::new_cyclic(|me| Session::new(client, me.clone()));
        kept = Some(session.clone());
        Backend { session }
    })
    .custom_method("pacto/debugText", Backend::debug_text)
    .finish();
    let input = stdio::sanitized(pipe::stdin());
    Server::new(input, pipe::stdout(), socket).serve(service).await;
    tracing::info!("exiting");
    kept
}

fn usage_error(message: &str) -> u8 {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "error: {message}");
    2
}

/// Logs go to stderr (stdout is the protocol) or to `--log-file`; the level comes from
/// `PACTO_LSP_LOG`, else `RUST_LOG`, else `warn` (some editors show all server stderr as errors).
fn init_logging(log_file: Option<&std::path::Path>) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("PACTO_LSP_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|it| EnvFilter::try_new(it).ok())
        .unwrap_or_else(|| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_target(false);
    let res = match log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|error| format!("cannot open log file {}: {error}", path.display()))?;
            builder.with_writer(Arc::new(file)).try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    res.map_err(|error| format!("cannot start logging: {error}"))
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "internal error (panic); the server keeps serving");
    }));
}
