//! Soak test of the language server over stdio: 10,000 random edits (inserts, deletions and
//! replacements of ASCII, accented letters, CJK, emoji and CRLF line breaks; a seeded RNG, so every
//! run sends the same edits) sent as incremental `didChange` notifications, once with UTF-16
//! positions and once with UTF-8 positions. Afterwards:
//! - the server's text (the test-only request `pacto/debugText`, see `src/server/handlers/debug.rs`)
//!   is byte for byte the client's, checked every 1,000 edits too, so a divergence is caught near the
//!   edit that caused it;
//! - the last 100 edits are sent one at a time and each one's `didChange` → `publishDiagnostics` is
//!   timed: p50 and p95 are printed and bounded, and a hover is answered in time;
//! - the server's resident memory after all the edits is below twice what it was after the first
//!   1,000, and below 100 MiB.
//!
//! `PACTO_SOAK_EDITS` lowers the number of edits for a quick local run; under `CI` it is ignored.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri};

/// The edits of one run; `PACTO_SOAK_EDITS` may lower it outside CI.
const EDITS: usize = 10_000;

/// The edits at the end that are sent one at a time and timed.
const TIMED: usize = 100;

/// How often (in edits) the texts are compared and the server is let to catch up.
const COMPARE_EVERY: usize = 1_000;
const SETTLE_EVERY: usize = 100;

/// Bounds for a debug build on two shared cores, with room for a busy machine: `didChange` →
/// diagnostics p95 (a release build's target is about 1 ms, docs/benchmarks.md), and a hover round trip.
const PUBLISH_P95: Duration = Duration::from_millis(100);
const HOVER: Duration = Duration::from_millis(250);

/// Memory bounds: the growth from the first 1,000 edits to the end, and the absolute ceiling.
const GROWTH: u64 = 2;
const CEILING_KIB: u64 = 100 * 1024;

/// The document is kept between these sizes (bytes), so it neither vanishes nor grows without end.
const MIN_LEN: usize = 1_000;
const MAX_LEN: usize = 12_000;

/// What inserts and replacements write, besides lines of the original contract: ASCII, YAML
/// punctuation, accented and Greek letters (2 bytes), CJK (3 bytes, 1 UTF-16 unit), emoji and other
/// astral characters (4 bytes, 2 UTF-16 units), a flag and a skin tone (several code points), and
/// line breaks, LF and CRLF.
const SNIPPETS: [&str; 28] = [
    "a",
    "x",
    " ",
    "  ",
    "port: 8080",
    "name: api",
    ":",
    "- ",
    "\"",
    "'",
    "#",
    "{",
    "}",
    "[",
    "\t",
    "\n",
    "\r\n",
    "\n  - ",
    "\r\n    ",
    "é",
    "ü",
    "πρ",
    "日本語",
    "中文",
    "😀",
    "👍🏽",
    "🇫🇷",
    "𝄞\r\nä",
];

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Utf16,
    Utf8,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf16 => "utf-16",
            Encoding::Utf8 => "utf-8",
        }
    }
}

/// The LSP position of byte `offset` (on a char boundary, never inside a CRLF) in `text`.
fn position(text: &str, offset: usize, encoding: Encoding) -> Value {
    let before = &text[..offset];
    let line = before.bytes().filter(|it| *it == b'\n').count();
    let start = before.rfind('\n').map_or(0, |it| it + 1);
    let prefix = &text[start..offset];
    let character = match encoding {
        Encoding::Utf16 => prefix.encode_utf16().count(),
        Encoding::Utf8 => prefix.len(),
    };
    json!({"line": line, "character": character})
}

/// A random offset on a char boundary and not between the `\r` and `\n` of a CRLF, at or after `from`.
fn boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    if offset > 0 && offset < text.len() && text.as_bytes()[offset - 1] == b'\r' && text.as_bytes()[offset] == b'\n' {
        offset += 1;
    }
    offset
}

/// One random edit of `text`: the byte range it replaces and the new text.
fn random_edit(rng: &mut TestRng, text: &str, lines: &[&str]) -> (std::ops::Range<usize>, String) {
    let start = boundary(text, rng.random_range(0..=text.len()));
    // Inserts 35%, deletions 35%, replacements 30%: the document drifts little either way.
    let kind = match text.len() {
        len if len < MIN_LEN => 0,
        len if len > MAX_LEN => 1,
        _ => [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2][rng.random_range(0..20)],
    };
    let length = |rng: &mut TestRng| boundary(text, start + rng.random_range(0..=16)) - start;
    let snippet = |rng: &mut TestRng| match rng.random_range(0..4) {
        0 => format!("{}\r\n", lines[rng.random_range(0..lines.len())]),
        _ => SNIPPETS[rng.random_range(0..SNIPPETS.len())].to_string(),
    };
    match kind {
        // An insert.
        0 => (start..start, snippet(rng)),
        // A deletion.
        1 => (start..start + length(rng), String::new()),
        // A replacement.
        _ => {
            let end = start + length(rng);
            (start..end, snippet(rng))
        }
    }
}

/// The server's copy of the document.
fn server_text(server: &mut Server, uri: &str) -> (i64, String) {
    let answer = server.request("pacto/debugText", json!({"uri": uri})).expect("pacto/debugText answers");
    (answer["version"].as_i64().unwrap(), answer["text"].as_str().unwrap().to_string())
}

fn assert_same_text(server: &mut Server, uri: &str, version: i64, text: &str, edits: usize) {
    let (their_version, theirs) = server_text(server, uri);
    assert_eq!(their_version, version, "after {edits} edits the server has another version");
    if theirs != text {
        let at = theirs.bytes().zip(text.bytes()).position(|(a, b)| a != b).unwrap_or(theirs.len().min(text.len()));
        let around = |it: &str| {
            let from = boundary(it, at.saturating_sub(40));
            let to = boundary(it, (at + 40).min(it.len()));
            format!("{:?}", &it[from.min(to)..to])
        };
        panic!(
            "after {edits} edits the server's text differs from the client's at byte {at} (lengths {} and {}):\n  server: {}\n  client: {}",
            theirs.len(),
            text.len(),
            around(&theirs),
            around(text)
        );
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn edits_to_send() -> usize {
    match std::env::var("PACTO_SOAK_EDITS") {
        Ok(it) if std::env::var_os("CI").is_none() => {
            it.parse::<usize>().expect("PACTO_SOAK_EDITS is a number").clamp(COMPARE_EVERY + TIMED, EDITS)
        }
        _ => EDITS,
    }
}

fn soak(encoding: Encoding, seed: u8) {
    let edits = edits_to_send();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("payments-api");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api"), &bundle);
    let original = std::fs::read_to_string(bundle.join("pacto.yaml")).unwrap();
    // Every other line ends in CRLF, and a comment holds non-ASCII text from the start.
    let mut text = String::from("# soak: é 日本語 😀 🇫🇷\r\n");
    for (index, line) in original.lines().enumerate() {
        text.push_str(line);
        text.push_str(if index % 2 == 0 { "\r\n" } else { "\n" });
    }
    let lines: Vec<&str> = original.lines().filter(|it| !it.trim().is_empty()).collect();
    let uri = file_uri(&bundle.join("pacto.yaml"));

    let mut server = Server::start_with_env(&[("PACTO_LSP_DEBUG_TEXT", "1")]);
    let offered = match encoding {
        Encoding::Utf16 => json!(["utf-16"]),
        Encoding::Utf8 => json!(["utf-8", "utf-16"]),
    };
    let initialized = server.initialize(json!({"general": {"positionEncodings": offered}}), Value::Null);
    let negotiated = initialized["capabilities"]["positionEncoding"].as_str().unwrap_or("utf-16");
    assert_eq!(negotiated, encoding.name(), "the server chose another position encoding");
    let mut version = 1;
    server.open(&uri, &text, version);
    server.diagnostics(&uri, version);

    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let started = Instant::now();
    let mut sent = 0;
    let mut rss_early = 0;
    let mut latencies = Vec::new();
    let (mut shortest, mut longest) = (text.len(), text.len());
    while sent < edits {
        // Mostly one change per notification, sometimes a few (applied in order, like a multi-cursor edit).
        let count = if rng.random_range(0..10) == 0 { rng.random_range(2..=3) } else { 1 };
        let count = count.min(edits - sent);
        let mut changes = Vec::new();
        for _ in 0..count {
            let (range, new_text) = random_edit(&mut rng, &text, &lines);
            changes.push(json!({
                "range": {"start": position(&text, range.start, encoding), "end": position(&text, range.end, encoding)},
                "text": new_text,
            }));
            text.replace_range(range, &new_text);
            (shortest, longest) = (shortest.min(text.len()), longest.max(text.len()));
        }
        version += 1;
        let timed = sent >= edits - TIMED;
        let before = Instant::now();
        server.change(&uri, version, Value::Array(changes));
        let previous = sent;
        sent += count;
        if timed {
            server.diagnostics(&uri, version);
            latencies.push(before.elapsed());
        } else if previous / SETTLE_EVERY != sent / SETTLE_EVERY {
            server.diagnostics(&uri, version);
        }
        if previous / COMPARE_EVERY != sent / COMPARE_EVERY {
            assert_same_text(&mut server, &uri, version, &text, sent);
            if rss_early == 0 {
                rss_early = server.rss_kib();
            }
        }
    }
    assert_same_text(&mut server, &uri, version, &text, sent);
    let elapsed = started.elapsed();

    let asked = Instant::now();
    let hover = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(&text, boundary(&text, text.len() / 2), encoding)}),
    );
    let hover_time = asked.elapsed();
    assert!(hover.is_ok(), "the hover failed: {hover:?}");
    let rss = server.rss_kib();

    latencies.sort();
    let (p50, p95) = (percentile(&latencies, 0.5), percentile(&latencies, 0.95));
    eprintln!(
        "soak ({}): {sent} edits in {} notifications in {elapsed:.1?}, text {shortest}–{longest} bytes, {} at the end; last {TIMED} didChange → publish: p50 {p50:.2?}, p95 {p95:.2?}, max {:.2?}; hover {hover_time:.2?}; RSS {} KiB after {COMPARE_EVERY} edits, {} KiB at the end",
        encoding.name(),
        version - 1,
        text.len(),
        latencies.last().unwrap(),
        rss_early,
        rss,
    );
    assert!(p95 <= PUBLISH_P95, "didChange → publish p95 is {p95:?}, above {PUBLISH_P95:?}");
    assert!(hover_time <= HOVER, "the hover took {hover_time:?}, above {HOVER:?}");
    assert!(rss < GROWTH * rss_early, "the server's RSS grew from {rss_early} KiB to {rss} KiB");
    assert!(rss < CEILING_KIB, "the server's RSS is {rss} KiB, above {CEILING_KIB} KiB");
    assert!(server.shutdown_and_exit().success(), "the server did not exit cleanly");
}

#[test]
fn ten_thousand_random_utf16_edits_keep_the_servers_text_latency_and_memory() {
    soak(Encoding::Utf16, 16);
}

#[test]
fn ten_thousand_random_utf8_edits_keep_the_servers_text_latency_and_memory() {
    soak(Encoding::Utf8, 8);
}
