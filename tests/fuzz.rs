//! Property tests: whatever the text, `analyze` returns (no panic, no hang) well-formed findings.
//!
//! Every result is checked for these invariants: each span lies within the text, starts and ends
//! on char boundaries and is not reversed; each message is non-empty; each severity is its code's;
//! findings are sorted by position.
//!
//! Inputs: arbitrary bytes, token soup, mutations of every fixture contract (checked with the
//! fixture's files as an in-memory bundle and without a bundle), and generated deeply nested or
//! alias-heavy documents.
//!
//! The runs are bounded (see [`config`]); `PROPTEST_CASES=N` overrides the case counts. Failures
//! are never persisted to files. Each test prints its seed (shown only when it fails): rerun with
//! `PROPTEST_RNG_SEED=<seed>` to reproduce. A call that runs longer than [`HANG_LIMIT`] aborts
//! the process after printing its input.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, Once};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use pacto_lsp::core::bundle::{BundleRef, MemoryBundle};
use pacto_lsp::core::check::{Analysis, Compatibility, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::fs::{Direct, Resolver};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

#[path = "support/fixture_bundles.rs"]
mod fixture_bundles;
#[path = "support/props.rs"]
mod props;
use fixture_bundles::{Fixture, fixtures};
use props::config;

// ---------------------------------------------------------------------------------------------
// Running one check: watchdog and invariants.

/// One `analyze` call taking longer than this (in a debug build) counts as a hang.
const HANG_LIMIT: Duration = Duration::from_secs(15);

/// A call in progress: when it started, what it checks, and the text.
type Call = (Instant, String, String);

/// The call in progress on each test thread.
static RUNNING: LazyLock<Mutex<HashMap<ThreadId, Call>>> = LazyLock::new(Default::default);

/// Starts (once) a thread that aborts the process, printing the input, when a call hangs.
fn start_watchdog() {
    static START: Once = Once::new();
    START.call_once(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let running = RUNNING.lock().unwrap_or_else(|it| it.into_inner());
                if let Some((started, what, text)) =
                    running.values().find(|(started, ..)| started.elapsed() > HANG_LIMIT)
                {
                    // Straight to stderr: the test harness's output capture would swallow `eprintln!`.
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "\nanalyze did not finish within {:?} ({what}); input ({} bytes):\n{text:?}",
                        started.elapsed(),
                        text.len()
                    );
                    std::process::abort();
                }
            }
        });
    });
}

fn today() -> Date {
    date::parse_strict("2026-11-22").expect("a valid date")
}

fn options(readiness_gate: bool) -> Options {
    Options { today: today(), readiness_gate, warn_days: 14, compatibility: Default::default() }
}

/// Options with the gate on and an unusual `today` or `warn_days` (both come from user settings).
fn odd_options() -> impl Strategy<Value = Options> {
    let today = select(&["2026-11-22", "0001-01-01", "9999-12-31", "2024-02-29"][..]);
    let warn_days = prop_oneof![Just(14i64), Just(0), Just(-1), Just(i64::MAX), Just(i64::MIN), any::<i64>()];
    (today, warn_days, any::<bool>()).prop_map(|(today, warn_days, v2)| Options {
        today: date::parse_strict(today).expect("a valid date"),
        readiness_gate: true,
        warn_days,
        compatibility: if v2 { Compatibility::V2 } else { Compatibility::V1 },
    })
}

/// Runs `analyze` under the watchdog and checks the invariants of its result.
fn check(text: &str, options: &Options, env: &Environment<'_>, what: &str) -> Result<(), TestCaseError> {
    start_watchdog();
    let analysis = {
        let _watched = Watched::new(text, what);
        analyze(text, options, env)
    };
    invariants(text, &analysis, what)
}

/// Registers the current call with the watchdog; unregisters it when dropped (even by a panic).
struct Watched(ThreadId);

impl Watched {
    fn new(text: &str, what: &str) -> Watched {
        let thread = std::thread::current().id();
        let mut running = RUNNING.lock().unwrap_or_else(|it| it.into_inner());
        running.insert(thread, (Instant::now(), what.to_string(), text.to_string()));
        Watched(thread)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        RUNNING.lock().unwrap_or_else(|it| it.into_inner()).remove(&self.0);
    }
}

fn invariants(text: &str, analysis: &Analysis, what: &str) -> Result<(), TestCaseError> {
    let mut previous = (0, 0);
    for finding in &analysis.findings {
        let span = finding.span.clone();
        prop_assert!(span.start <= span.end, "{what}: reversed span in {finding:?}");
        prop_assert!(span.end <= text.len(), "{what}: span past the end ({} bytes) in {finding:?}", text.len());
        prop_assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "{what}: span not on char boundaries in {finding:?}"
        );
        prop_assert!(!finding.message.trim().is_empty(), "{what}: empty message in {finding:?}");
        prop_assert_eq!(finding.severity, finding.code.severity(), "{}: severity of {:?}", what, finding);
        prop_assert!((span.start, span.end) >= previous, "{what}: findings out of order at {finding:?}");
        previous = (span.start, span.end);
    }
    Ok(())
}

/// Checks a text alone and with `bundle`, with the readiness gate on.
fn check_both(text: &str, bundle: &BundleRef, what: &str) -> Result<(), TestCaseError> {
    check_both_with(text, bundle, &options(true), what)
}

fn check_both_with(text: &str, bundle: &BundleRef, options: &Options, what: &str) -> Result<(), TestCaseError> {
    let resolver = Resolver { boundary: Path::new("/").to_path_buf(), loader: Arc::new(Direct::default()) };
    let with_bundle = Environment { bundle: Some(bundle), resolver: Some(&resolver) };
    check(text, options, &with_bundle, &format!("{what}, with bundle"))?;
    check(text, options, &Environment::default(), &format!("{what}, without bundle"))
}

// ---------------------------------------------------------------------------------------------
// Bundles and fixtures.

/// A small in-memory bundle with the files contracts commonly reference.
static GENERIC_BUNDLE: LazyLock<BundleRef> = LazyLock::new(|| {
    let files = MemoryBundle::new()
        .with("interfaces/openapi.yaml", "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
        .with("interfaces/service.proto", "syntax = \"proto3\";\n")
        .with("interfaces/events.yaml", "asyncapi: 2.6.0\n")
        .with("configuration/schema.json", r#"{"type": "object", "properties": {"PORT": {"type": "integer"}}}"#)
        .with("policy/schema.json", r#"{"type": "object", "required": ["service"]}"#);
    BundleRef { id: "memory://generic".into(), files: Arc::new(files) }
});

static FIXTURES: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    let out = fixtures();
    assert!(out.len() >= 40, "expected the fixture contracts, found {}", out.len());
    out
});

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary bytes and token soup.

/// YAML punctuation, Pacto keys and awkward values, for token soup and fixture mutations.
const SNIPPETS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "? ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "<<: [*a, *b]",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!map ",
    "!!seq ",
    "!custom ",
    "!<tag:yaml.org,2002:str> ",
    "\"",
    "'",
    "\\",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\n  ",
    "\n- ",
    "  ",
    "#",
    " # c",
    "|",
    "|-\n  ",
    ">+2\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "@",
    "`",
    "%",
    "😀",
    "é",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
    "\u{10FFFF}",
    "~",
    "null",
    "true",
    "pactoVersion",
    "\"1.1\"",
    "\"1.0\"",
    "1.1",
    "service",
    "name",
    "version",
    "owner",
    "interfaces",
    "type: http",
    "type: grpc",
    "type: event",
    "port",
    "contract",
    "configurations",
    "schema",
    "values",
    "ref",
    "policies",
    "dependencies",
    "compatibility",
    "runtime",
    "health",
    "metrics",
    "scaling",
    "readiness",
    "checks",
    "weight",
    "expires",
    "minScore",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e400",
    ".nan",
    "-.inf",
    "0x7fffffffffffffff",
    "0o777",
    "1_000",
    "2026-02-30",
    "9999-12-31",
    "0000-01-01",
    "oci://",
    "@sha256:",
    "../",
    "/",
];

/// Whole values for `key: value` lines: extremes, wrong types, aliases, refs, versions, ranges.
const VALUES: &[&str] = &[
    "",
    "~",
    "[]",
    "{}",
    "[[[]]]",
    "*a",
    "&a x",
    "!!str 1",
    "!!int x",
    "\"\"",
    "''",
    "0",
    "-1",
    "1.5",
    "65536",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999",
    "1e308",
    "-1e400",
    ".nan",
    "true",
    "yes",
    "x",
    "😀",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "2026-11-22",
    "2026-11-23",
    "2026-02-29",
    "0001-01-01",
    "9999-12-31",
    "2026-1-1",
    "1.0.0",
    "v1.2.3-alpha.1+build.5",
    "1.2",
    "01.2.3",
    "999999999999999999999.0.0",
    "^1.2.3",
    "~1.2",
    "~>1",
    ">=1.0.0 <2.0.0 || 3.x",
    "1.2.3 - 2",
    "1.x.x",
    "*",
    "^0.0.x",
    "<=0",
    "!=1.0.0",
    "=v1",
    ">= 1.0, < 2",
    "oci://ghcr.io/acme/x",
    "oci://ghcr.io/acme/x:1.0.0",
    "oci://ghcr.io/acme/x@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "oci://",
    "oci://:@",
    "oci://UPPER/x",
    "oci://localhost:99999/x",
    "ghcr.io/acme/x:tag@sha256:zz",
    "file://../rules/policy-ref-local",
    "../policy-ref-local",
    "/etc/passwd",
    "interfaces/openapi.yaml",
    "configuration/schema.json",
    "policy/schema.json",
    "a//b",
    "./x",
    "C:/x",
    "http",
    "grpc",
    "event",
    "stateless",
    "persistent",
    "job",
    "ordered",
];

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        check_both(&text, &GENERIC_BUNDLE, "arbitrary bytes")?;
    }

    #[test]
    fn token_soup(tokens in proptest::collection::vec(select(SNIPPETS), 0..300)) {
        check_both(&tokens.concat(), &GENERIC_BUNDLE, "token soup")?;
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Mutations of the fixture contracts.

#[derive(Clone, Debug)]
enum Mutation {
    /// Deletes up to `chars` characters from a char boundary.
    Delete {
        at: Index,
        chars: usize,
    },
    Insert {
        at: Index,
        text: String,
    },
    DuplicateLine {
        line: Index,
    },
    /// Replaces what follows the first `:` of a line.
    ReplaceValue {
        line: Index,
        value: &'static str,
    },
    /// Adds or removes leading spaces of a line.
    Reindent {
        line: Index,
        delta: i8,
    },
    Truncate {
        at: Index,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let insert = prop_oneof![
        3 => select(SNIPPETS).prop_map(String::from),
        1 => proptest::collection::vec(any::<char>(), 1..6).prop_map(String::from_iter),
    ];
    prop_oneof![
        3 => (any::<Index>(), 1..48usize).prop_map(|(at, chars)| Mutation::Delete { at, chars }),
        4 => (any::<Index>(), insert).prop_map(|(at, text)| Mutation::Insert { at, text }),
        1 => any::<Index>().prop_map(|line| Mutation::DuplicateLine { line }),
        3 => (any::<Index>(), select(VALUES)).prop_map(|(line, value)| Mutation::ReplaceValue { line, value }),
        1 => (any::<Index>(), -4..=4i8).prop_map(|(line, delta)| Mutation::Reindent { line, delta }),
        1 => any::<Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// The byte offset of a char boundary of `text` (the end included).
fn boundary(text: &str, at: &Index) -> usize {
    let count = text.chars().count() + 1;
    text.char_indices().map(|(offset, _)| offset).chain([text.len()]).nth(at.index(count)).unwrap_or(text.len())
}

/// The byte range of a line of `text` (its line break included), if it has any.
fn line(text: &str, at: &Index) -> Option<std::ops::Range<usize>> {
    let count = text.split_inclusive('\n').count();
    if count == 0 {
        return None;
    }
    let wanted = at.index(count);
    let mut start = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        if number == wanted {
            return Some(start..start + line.len());
        }
        start += line.len();
    }
    None
}

fn apply(text: &mut String, mutation: &Mutation) {
    match mutation {
        Mutation::Delete { at, chars } => {
            let start = boundary(text, at);
            let end = text[start..].char_indices().nth(*chars).map_or(text.len(), |(offset, _)| start + offset);
            text.replace_range(start..end, "");
        }
        Mutation::Insert { at, text: inserted } => {
            let at = boundary(text, at);
            text.insert_str(at, inserted);
        }
        Mutation::DuplicateLine { line: at } => {
            if let Some(range) = line(text, at) {
                let mut copy = text[range.clone()].to_string();
                if !copy.ends_with('\n') {
                    copy.insert(0, '\n');
                }
                text.insert_str(range.end, &copy);
            }
        }
        Mutation::ReplaceValue { line: at, value } => {
            if let Some(range) = line(text, at)
                && let Some(colon) = text[range.clone()].find(':')
            {
                let body = text[range.clone()].trim_end_matches(['\n', '\r']).len();
                text.replace_range(range.start + colon + 1..range.start + body, &format!(" {value}"));
            }
        }
        Mutation::Reindent { line: at, delta } => {
            if let Some(range) = line(text, at) {
                if *delta >= 0 {
                    text.insert_str(range.start, &" ".repeat(*delta as usize));
                } else {
                    let spaces = text[range.clone()].len() - text[range.clone()].trim_start_matches(' ').len();
                    let removed = spaces.min(delta.unsigned_abs() as usize);
                    text.replace_range(range.start..range.start + removed, "");
                }
            }
        }
        Mutation::Truncate { at } => {
            let at = boundary(text, at);
            text.truncate(at);
        }
    }
}

/// A fixture contract after a few mutations; `Debug` shows the fixture and the mutated text.
#[derive(Clone)]
struct Mutated {
    fixture: usize,
    text: String,
}

impl std::fmt::Debug for Mutated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} mutated to {:?}", FIXTURES[self.fixture], self.text)
    }
}

fn mutated() -> impl Strategy<Value = Mutated> {
    (any::<Index>(), proptest::collection::vec(mutation(), 1..6)).prop_map(|(fixture, mutations)| {
        let fixture = fixture.index(FIXTURES.len());
        let mut text = FIXTURES[fixture].text.clone();
        for mutation in &mutations {
            apply(&mut text, mutation);
        }
        Mutated { fixture, text }
    })
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn mutated_fixtures(case in mutated()) {
        let fixture = &FIXTURES[case.fixture];
        check_both(&case.text, &fixture.bundle, &format!("{fixture:?}, mutated"))?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// `today` and `warn_days` come from user settings; odd ones must not break anything either.
    #[test]
    fn mutated_fixtures_odd_options(case in mutated(), options in odd_options()) {
        let fixture = &FIXTURES[case.fixture];
        check_both_with(&case.text, &fixture.bundle, &options, &format!("{fixture:?}, mutated, {options:?}"))?;
    }
}

/// Small inputs the generators above found problems with, checked on every run.
#[test]
fn found_by_fuzzing() {
    let cases = [(
        "readiness weights whose sum overflows i64",
        "pactoVersion: \"1.1\"\nreadiness:\n  checks:\n    - {weight: 9223372036854775807}\n    - {weight: 1}\n",
    )];
    for (what, text) in cases {
        check_both(text, &GENERIC_BUNDLE, what).unwrap();
    }
}

/// Every fixture, unmutated, with its bundle and without (a baseline for the mutations).
#[test]
fn fixtures_satisfy_invariants() {
    for fixture in FIXTURES.iter() {
        check_both(&fixture.text, &fixture.bundle, &fixture.name).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Deeply nested and alias-heavy documents.

/// The top of a contract, so that generated parts sit where the rules look.
const HEAD: &str = "pactoVersion: \"1.1\"\nservice:\n  name: deep\n  version: 1.0.0\n";

/// Top-level keys to hang a generated value under.
const KEYS: &[&str] = &[
    "metadata",
    "service",
    "interfaces",
    "configurations",
    "policies",
    "dependencies",
    "runtime",
    "scaling",
    "readiness",
];

#[derive(Clone, Copy, Debug)]
enum Level {
    BlockMap,
    BlockSeq,
    FlowSeq,
    FlowMap,
    ExplicitKey,
    Tagged,
}

/// A value nested `levels` deep, mixing block and flow collections.
fn nested(levels: &[Level]) -> String {
    let mut out = String::new();
    let mut closing = Vec::new();
    let mut indent = 2;
    let mut in_flow = false;
    for level in levels {
        match (level, in_flow) {
            (Level::BlockMap, false) => {
                out.push_str(&format!("\n{}k:", " ".repeat(indent)));
                indent += 2;
            }
            (Level::BlockSeq, false) => {
                out.push_str(&format!("\n{}-", " ".repeat(indent)));
                indent += 2;
            }
            (Level::ExplicitKey, false) => {
                out.push_str(&format!("\n{}? x\n{}:", " ".repeat(indent), " ".repeat(indent)));
                indent += 2;
            }
            (Level::FlowSeq, _) | (Level::BlockSeq, true) => {
                out.push_str(" [");
                closing.push(']');
                in_flow = true;
            }
            (Level::FlowMap, _) | (Level::BlockMap | Level::ExplicitKey, true) => {
                out.push_str(" {k:");
                closing.push('}');
                in_flow = true;
            }
            (Level::Tagged, _) => {
                out.push_str(" !!seq [");
                closing.push(']');
                in_flow = true;
            }
        }
    }
    out.push_str(" leaf");
    while let Some(close) = closing.pop() {
        out.push(close);
    }
    out.push('\n');
    out
}

fn level() -> impl Strategy<Value = Level> {
    select(&[Level::BlockMap, Level::BlockSeq, Level::FlowSeq, Level::FlowMap, Level::ExplicitKey, Level::Tagged][..])
}

/// Adds one alias piece under the current key: exponential fan-out, merge chains, alias keys,
/// anchor redefinitions, alias values. `last` holds the latest anchor of each family (`s`, `m`,
/// `k`); no piece refers to a node that contains it (see [`cyclic_aliases`] for those).
fn alias_piece(out: &mut String, index: usize, kind: u8, fanout: usize, last: &mut [usize; 3]) {
    let [s, m, k] = *last;
    let refs = |family: &str, target: usize| vec![format!("*{family}{target}"); fanout].join(", ");
    match kind {
        0 => {
            out.push_str(&format!("  s{index}: &s{index} [{}]\n", refs("s", s)));
            last[0] = index;
        }
        1 => {
            out.push_str(&format!("  m{index}: &m{index} {{<<: [{}], k{index}: *m{m}, s: *s{s}}}\n", refs("m", m)));
            last[1] = index;
        }
        2 => {
            out.push_str(&format!("  ? &k{index} [{}]\n  : v{index}\n  ? *k{k}\n  : w{index}\n", refs("k", k)));
            last[2] = index;
        }
        // Redefines an anchor: later aliases see the new node.
        3 => out.push_str(&format!("  d{index}: &s{s} [{}]\n", refs("m", m))),
        4 => out.push_str(&format!("  <<: [{}]\n", refs("m", m))),
        5 => out.push_str(&format!("  &t{index} t{index}: &u{index} [{}]\n  *u{index} : *t{index}\n", refs("k", k))),
        _ => out.push_str(&format!("  a{index}: *s{s}\n  b{index}: [*m{m}, {{c: *k{k}}}]\n")),
    }
}

/// A contract with alias pieces under `key`, seeded so that every alias has a target.
fn alias_document(key: &str, pieces: &[(u8, usize)]) -> String {
    let mut out = format!("{HEAD}{key}:\n  s0: &s0 [x, y]\n  m0: &m0 {{a: 1, b: [1, 2]}}\n  k0: &k0 [z]\n");
    let mut last = [0; 3];
    for (index, (kind, fanout)) in pieces.iter().enumerate() {
        alias_piece(&mut out, index + 1, *kind, *fanout, &mut last);
    }
    out.push_str(&format!(
        "interfaces: &i\n  - {{name: a, type: http, port: 1}}\n  - *s{}\nextra: [*i, *i, *m{}]\n",
        last[0], last[1]
    ));
    out
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn deeply_nested(key in select(KEYS), levels in proptest::collection::vec(level(), 1..200), prefix in any::<bool>()) {
        let body = nested(&levels);
        let text = match prefix {
            true => format!("{HEAD}{key}:{body}"),
            false => format!("k:{body}"),
        };
        check_both(&text, &GENERIC_BUNDLE, "deeply nested")?;
    }

    #[test]
    fn alias_heavy(key in select(KEYS), pieces in proptest::collection::vec((0..7u8, 1..6usize), 1..14)) {
        check_both(&alias_document(key, &pieces), &GENERIC_BUNDLE, "alias heavy")?;
    }
}

/// Documents where an alias refers to a node that contains it. A stack overflow aborts the whole
/// process instead of panicking, so they are checked in a child process.
fn cyclic_documents() -> Vec<(&'static str, String)> {
    let padding = format!("pad: [{}]\n", vec!["1"; 20_000].join(","));
    vec![
        ("sequence", "a: &a [*a]\n".to_string()),
        ("mapping value", "a: &a {k: *a}\n".to_string()),
        ("merge key", "a: &a {<<: *a}\n".to_string()),
        ("mapping key", "a: &a {? *a : v}\n".to_string()),
        ("nested anchors", "a: &a [&b [*a, *b]]\n".to_string()),
        ("redefined anchor", "a: &a [x]\nb: &a [*a]\nc: *a\n".to_string()),
        ("service", format!("{HEAD}  owner: &o {{team: *o}}\n")),
        ("interfaces", "pactoVersion: \"1.1\"\ninterfaces: &i\n  - *i\n".to_string()),
        ("padded", format!("{padding}a: &a [*a]\n")),
    ]
}

#[test]
fn cyclic_aliases() {
    let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["cyclic_aliases_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .expect("the test binary runs");
    assert!(
        output.status.success(),
        "analyze crashed ({}) on a document with a self-referential alias:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[ignore = "run in a child process by cyclic_aliases"]
fn cyclic_aliases_child() {
    for (name, text) in cyclic_documents() {
        let shown: String = text.chars().take(200).collect();
        let _ = writeln!(std::io::stderr().lock(), "checking cyclic aliases ({name}): {shown:?}");
        check_both(&text, &GENERIC_BUNDLE, name).unwrap();
    }
}
