//! The `pacto-lsp` binary: the language server (default), or a CLI subcommand.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let is_server = args.first().is_none_or(|it| it == "--stdio" || it == "--log-file");
    if is_server {
        return ExitCode::from(pacto_lsp::server::run(&args));
    }
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    ExitCode::from(pacto_lsp::cli::run(args, &mut out, &mut err))
}
