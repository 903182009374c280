//! Many large documents open at once: past the memory budget the least recently used ones lose their
//! analysis, and get it back, with the same diagnostics, when they are used again.

mod support;

use serde_json::{Value, json};
use support::lsp::{Server, file_uri};

/// A valid 1.1 contract whose interface names a file its bundle lacks (a finding only a check with the
/// bundle gives), padded with a comment to about 320 KB so that seven of them pass the 2 MiB budget.
fn contract(index: usize) -> String {
    let mut text = format!(
        "pactoVersion: \"1.1\"\n\nservice:\n  name: service-{index}\n  version: 1.0.0\n  owner: team/core\n\n\
         interfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: interfaces/missing.yaml\n\n\
         runtime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      \
         durability: ephemeral\n    dataCriticality: low\n  health:\n    interface: api\n    path: /health\n"
    );
    for line in 0..5_000 {
        text.push_str(&format!("# padding line {line:05} of a large contract, for the memory budget\n"));
    }
    text
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|it| it["code"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn documents_past_the_budget_lose_their_analysis_and_get_it_back_when_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start();
    server.initialize(json!({}), json!({}));
    let mut uris = Vec::new();
    let mut first = Vec::new();
    for index in 0..8 {
        let file = dir.path().join(format!("service-{index}")).join("pacto.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = contract(index);
        std::fs::write(&file, &text).unwrap();
        let uri = file_uri(&file);
        server.open(&uri, &text, 1);
        let diagnostics = server.diagnostics(&uri, 1);
        assert_eq!(codes(&diagnostics), ["FILE_NOT_FOUND"], "{diagnostics:#?}");
        first.push(diagnostics);
        uris.push(uri);
    }
    // The analyses kept fit in 2 MiB of text: the least recently used documents were dropped, and no other.
    let size = contract(0).len();
    let expected = 8 - (2 * 1024 * 1024) / size;
    assert_eq!(server.settled_log_count("analysis dropped", expected), expected);
    let log = server.stderr.lock().unwrap().clone();
    let dropped: Vec<usize> = (0..8)
        .filter(|index| {
            let needle = format!("uri=\"{}\"", uris[*index]);
            log.lines().any(|it| it.contains("analysis dropped") && it.contains(&needle))
        })
        .collect();
    assert_eq!(dropped, (0..expected).collect::<Vec<_>>(), "{log}");

    // A request on a dropped document is answered at once (from the text) …
    let hover = server
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uris[0]}, "position": {"line": 3, "character": 3}}),
        )
        .expect("hover answers");
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.starts_with("**name** — string · required"), "hover on `name`: {hover:#}");
    assert_eq!(hover["range"]["start"], json!({"line": 3, "character": 2}));
    // … and the document is checked again with its bundle: the same diagnostics, published once more.
    server.wait_for_log("checking again a document whose analysis was dropped");
    assert_eq!(server.diagnostics(&uris[0], 1), first[0]);

    // An edit of another dropped document is checked from scratch, with its bundle.
    let text = contract(1).replace("name: service-1", "name: service-one");
    server.change(&uris[1], 2, json!([{"text": text}]));
    assert_eq!(codes(&server.diagnostics(&uris[1], 2)), ["FILE_NOT_FOUND"]);
    assert!(server.shutdown_and_exit().success());
}
