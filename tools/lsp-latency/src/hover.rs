//! The `--hover LINE:COL` mode: opens the contract, waits for its first diagnostics, then sends the same hover
//! `--repeat` times, one after another, and reports the first round trip (for a hover that asks a registry:
//! the cold one, with an empty cache) apart from the others (warm: the answer is cached).

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::Args;
use crate::contract;
use crate::scenario::{open_params, start};
use crate::stats::Summary;

/// Runs the mode and returns its report (text, or JSON with `--json`).
pub fn run_hover(args: &Args, text: &str, (line, character): (usize, usize), root: &Path) -> Result<String, String> {
    let path = contract::write_copy(&root.join("hover"), text, args.bundle.as_deref())?;
    let uri = contract::file_uri(&path);
    let (mut server, _) = start(args, root, "server-stderr.log")?;
    server.notify("textDocument/didOpen", open_params(&uri, text))?;
    server.wait_diagnostics(&uri, 1, 0)?;
    let params = json!({"textDocument": {"uri": uri}, "position": {"line": line - 1, "character": character - 1}});
    let mut samples: Vec<Duration> = Vec::new();
    let mut first_answer = String::new();
    for index in 0..args.repeat.max(1) {
        let (response, elapsed) = server.call("textDocument/hover", params.clone())?;
        if let Some(error) = response.error {
            return Err(format!("hover failed: {error}"));
        }
        if index == 0 {
            let value = response.result.as_ref().map(|it| &it["contents"]["value"]);
            first_answer =
                value.and_then(|it| it.as_str()).unwrap_or_default().lines().next().unwrap_or_default().to_string();
        }
        samples.push(elapsed);
    }
    let _ = server.shutdown();
    let first = samples[0].as_secs_f64() * 1000.0;
    let rest = Summary::of(&samples[1..]);
    Ok(match args.json {
        true => json!({"first_ms": first, "rest": rest.to_json(), "first_line": first_answer}).to_string() + "\n",
        false => format!(
            "hover at {line}:{character}: first {first:.3} ms ({first_answer:?}); the other {}: p50 {:.3} ms, p95 \
             {:.3} ms, max {:.3} ms\n",
            rest.count, rest.p50, rest.p95, rest.max
        ),
    })
}
