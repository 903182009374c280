//! `textDocument/codeLens`: the live diff's summary on the first line ("vs 1.2.0: BREAKING · …")
//! while the document has a baseline, and the readiness score and gate on the `readiness` key.

use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command, Range, Uri};

use crate::core::path::Path;
use crate::core::readiness;
use crate::core::schema::SchemaVersion;
use crate::server::convert;
use crate::server::live_diff;
use crate::server::session::{Session, today};

pub fn code_lens(session: &Session, params: CodeLensParams) -> Option<Vec<CodeLens>> {
    let uri = &params.text_document.uri;
    let mut lenses = Vec::new();
    if let Some(live) = session.live_diff(uri) {
        let title = live_diff::lens_title(&live);
        lenses.push(CodeLens { range: Range::default(), command: Some(display(title)), data: None });
    }
    lenses.extend(readiness_lens(session, uri));
    (!lenses.is_empty()).then_some(lenses)
}

/// A display-only lens: the empty command makes clients show it without making it clickable.
fn display(title: String) -> Command {
    Command { title, command: String::new(), arguments: None }
}

fn readiness_lens(session: &Session, uri: &Uri) -> Option<CodeLens> {
    let analyzed = session.current(uri)?;
    let analysis = &analyzed.analysis;
    let tree = &analysis.parsed.tree;
    // Readiness is part of the 1.1 format only; under 1.0 the section itself is the error.
    if analysis.version != Some(SchemaVersion::V1_1) {
        return None;
    }
    let key = tree.key_node(&Path::root().key("readiness"))?;
    let section = analysis.contract.as_ref()?.readiness.as_ref()?;
    let report = readiness::score(section, today())?;
    let mut title = format!("Readiness {}/100 · gate {}", report.score, report.min_score);
    if report.expired_count > 0 {
        title.push_str(&format!(" · {} expired", report.expired_count));
    }
    if report.invalid_count > 0 {
        title.push_str(&format!(" · {} invalid", report.invalid_count));
    }
    title.push_str(if report.passing { " · passing" } else { " · failing" });
    let range = convert::range(&analyzed.text, &analyzed.lines, &tree.span(key), session.encoding());
    Some(CodeLens { range, command: Some(display(title)), data: None })
}
