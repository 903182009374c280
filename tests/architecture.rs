//! The engine in `src/core` stays pure: no async runtime, no protocol or HTTP types, and no
//! access to the disk, the clock, the environment, processes or the network. Those live at the
//! edges (`src/cli`, `src/server`, `src/fs`, `src/clock.rs`), which hand the engine what it needs.

use std::path::{Path, PathBuf};

/// What the engine may not name, with why.
const FORBIDDEN: [(&str, &str); 13] = [
    ("tokio", "an async runtime"),
    ("futures", "async machinery"),
    ("tower_lsp_server", "the LSP framework"),
    ("ls_types", "LSP types"),
    ("lsp_types", "LSP types"),
    ("dashmap", "server state"),
    ("hyper", "an HTTP client"),
    ("reqwest", "an HTTP client"),
    ("oci_client", "the registry client"),
    ("std::fs", "the disk"),
    ("std::env", "the environment"),
    ("SystemTime", "the clock"),
    ("std::process", "processes"),
];

const ALSO_FORBIDDEN: [(&str, &str); 3] =
    [("std::net", "the network"), ("Instant::now", "the clock"), ("crate::server", "the server")];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|it| it == "rs") {
            out.push(path);
        }
    }
}

/// Whether `word` occurs in `line` as a whole path segment (not inside a longer identifier).
fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        let ident = |it: Option<char>| it.is_some_and(|it| it.is_alphanumeric() || it == '_');
        !ident(before) && !ident(after)
    })
}

#[test]
fn the_engine_imports_no_edge_crate_and_touches_no_disk_clock_or_environment() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(files.len() > 20, "expected the engine's files, found {}", files.len());
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests may use the disk (temporary folders); the engine's code may not.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (number, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            for (word, what) in FORBIDDEN.iter().chain(&ALSO_FORBIDDEN) {
                if names(line, word) {
                    let shown = file.strip_prefix(&core).unwrap().display();
                    violations.push(format!("src/core/{shown}:{}: `{word}` ({what})", number + 1));
                }
            }
        }
    }
    assert!(violations.is_empty(), "the engine must stay pure:\n{}", violations.join("\n"));
}

#[test]
fn the_check_finds_what_it_looks_for() {
    assert!(names("use tokio::sync::Mutex;", "tokio"));
    assert!(names("let x = std::fs::read(p);", "std::fs"));
    assert!(!names("use crate::core::tokio_free;", "tokio"));
    assert!(!names("fn futures_like() {}", "futures"));
}
