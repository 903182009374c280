//! `textDocument/codeLens`: the live diff's summary on the first line ("vs 1.2.0: BREAKING · …")
//! while the document has a baseline, and the readiness score and gate on the `readiness` key (1.1 per check, 1.2
//! and 2.0 as one assessment with its expiry).

use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command, Range, Uri};

use crate::core::path::Path;
use crate::core::readiness::Assessment;
use crate::core::schema::SchemaVersion;
use crate::server::convert;
use crate::server::live_diff;
use crate::server::session::Session;

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
    let key = tree.key_node(&Path::root().key("readiness"))?;
    let title = match analysis.version? {
        // Under 1.0 the section itself is the error (and under the v2 CLI's 1.1 too: the engine
        // then scores nothing).
        SchemaVersion::V1_0 => return None,
        SchemaVersion::V1_1 => {
            let report = analysis.readiness.as_ref()?;
            let mut title = format!("Readiness {}/100 · gate {}", report.score, report.min_score);
            if report.expired_count > 0 {
                title.push_str(&format!(" · {} expired", report.expired_count));
            }
            if report.invalid_count > 0 {
                title.push_str(&format!(" · {} invalid", report.invalid_count));
            }
            title.push_str(if report.passing { " · passing" } else { " · failing" });
            title
        }
        SchemaVersion::V1_2 | SchemaVersion::V2_0 => assessment_title(analysis.assessment.as_ref()?),
    };
    let range = convert::range(&analyzed.text, &analyzed.lines, &tree.span(key), session.encoding());
    Some(CodeLens { range, command: Some(display(title)), data: None })
}

/// "Readiness 47/100 · gate 80 · expires 2027-02-20 (90 days) · failing" for a 1.2 / 2.0 assessment.
fn assessment_title(report: &Assessment) -> String {
    let mut title = format!("Readiness {}/100 · gate {}", report.score, report.min_score);
    match (report.expires, report.days_remaining) {
        (Some(expires), Some(days)) => title.push_str(&format!(" · expires {expires} ({days} days)")),
        (Some(expires), None) => title.push_str(&format!(" · expired {expires}")),
        (None, _) => title.push_str(" · no valid expiry"),
    }
    if report.deferred_count > 0 {
        title.push_str(&format!(" · {} deferred", report.deferred_count));
    }
    title.push_str(if report.passing { " · passing" } else { " · failing" });
    title
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::check::{Environment, Options, analyze};

    fn title(text: &str) -> String {
        let options = Options {
            today: crate::core::date::parse_strict("2026-11-22").unwrap(),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        };
        let analysis = analyze(text, &options, &Environment::default());
        assessment_title(analysis.assessment.as_ref().expect("an assessment"))
    }

    #[test]
    fn the_lens_shows_the_assessment_score_gate_and_expiry() {
        let claims = "  claims:\n    - id: a\n      type: url\n      status: done\n      evidence: x\n      weight: 40\n    - id: b\n      type: url\n      status: partial\n      evidence: x\n      weight: 30\n    - id: c\n      type: url\n      status: deferred\n      evidence: x\n      weight: 30\n";
        let text = format!(
            "pactoVersion: \"2.0\"\nservice:\n  name: a\n  version: 1.0.0\nreadiness:\n  minScore: 80\n  expires: \"2026-12-31\"\n{claims}"
        );
        assert_eq!(title(&text), "Readiness 79/100 · gate 80 · expires 2026-12-31 (39 days) · 1 deferred · failing");
        let expired = text.replace("2026-12-31", "2026-11-21");
        assert_eq!(title(&expired), "Readiness 0/100 · gate 80 · expired 2026-11-21 · 1 deferred · failing");
        let undated = text.replace("  expires: \"2026-12-31\"\n", "  expires: soon\n");
        assert_eq!(title(&undated), "Readiness 0/100 · gate 80 · no valid expiry · 1 deferred · failing");
        let checks =
            text.replace("\"2.0\"", "\"1.2\"").replace("claims:", "checks:").replace("minScore: 80", "minScore: 70");
        assert_eq!(title(&checks), "Readiness 79/100 · gate 70 · expires 2026-12-31 (39 days) · 1 deferred · passing");
    }
}
