//! Analyzing a rule fixture folder (`tests/fixtures/{upstream,rules}/NAME`): its `pacto.yaml` with the bundle
//! beside it, under the options its first line asks for. Shared by `fixtures.rs` and `rules_doc.rs`, included
//! by path so those tests do not pull in the LSP and Neovim helpers.
//!
//! A first line `# check: FLAGS` sets options: `--readiness`, `--today YYYY-MM-DD` (default 2026-11-22),
//! `--warn-days N`, `--no-bundle` (check the text alone), `--compatibility v1|v2`.

#![allow(dead_code)] // Each including test uses the part it needs.

use std::path::Path;

use pacto_lsp::core::check::{Analysis, Compatibility, Environment, Options, analyze};
use pacto_lsp::core::date;

/// A fixture's contract text, the options it was checked with, and what the check found.
pub struct Analyzed {
    pub text: String,
    pub options: Options,
    pub analysis: Analysis,
}

/// Checks the fixture folder `dir` as `check` would, with the options its first line asks for.
pub fn analyze_fixture(dir: &Path) -> Analyzed {
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    let mut options = Options {
        today: date::parse_strict("2026-11-22").unwrap(),
        readiness_gate: false,
        warn_days: 14,
        compatibility: Default::default(),
    };
    let mut with_bundle = true;
    if let Some(flags) = text.lines().next().and_then(|it| it.strip_prefix("# check:")) {
        let mut words = flags.split_whitespace();
        while let Some(flag) = words.next() {
            match flag {
                "--readiness" => options.readiness_gate = true,
                "--today" => options.today = date::parse_strict(words.next().unwrap()).unwrap(),
                "--warn-days" => options.warn_days = words.next().unwrap().parse().unwrap(),
                "--no-bundle" => with_bundle = false,
                "--compatibility" => options.compatibility = Compatibility::parse(words.next().unwrap()).unwrap(),
                other => panic!("{}: unknown fixture flag {other}", dir.display()),
            }
        }
    }
    let (bundle, resolver) = pacto_lsp::fs::local(dir, Path::new(env!("CARGO_MANIFEST_DIR")));
    let env = match with_bundle {
        true => Environment { bundle: Some(&bundle), resolver: Some(&resolver) },
        false => Environment::default(),
    };
    let analysis = analyze(&text, &options, &env);
    Analyzed { text, options, analysis }
}
