//! The text formats: a code frame under each finding with a summary per contract (`text`, the default), or one
//! line per finding (`concise`, for scripts); both end with the total.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use super::{Checked, Counts, Outcome, concise_line, total_line};
use crate::core::finding::{Finding, Severity};

/// Code frames, then `FILE: 7 errors, 2 warnings` per contract, then the total. `quiet` leaves the frames out;
/// `color` styles the frames with ANSI escapes.
pub fn print_frames(outcomes: &[Outcome], quiet: bool, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let renderer = match color {
        true => Renderer::styled(),
        false => Renderer::plain(),
    };
    for checked in outcomes.iter().filter_map(|it| it.as_ref().ok()) {
        if !quiet {
            for finding in &checked.findings {
                writeln!(out, "{}\n", frame(checked, finding, &renderer))?;
            }
        }
        let summary = Counts::of(&checked.findings).describe().unwrap_or_else(|| "no problems".to_string());
        writeln!(out, "{}: {summary}", checked.file)?;
    }
    writeln!(out, "{}", total_line(outcomes))
}

/// One line per finding, then the total (`quiet`: the total alone).
pub fn print_concise(outcomes: &[Outcome], quiet: bool, out: &mut dyn Write) -> io::Result<()> {
    for checked in outcomes.iter().filter_map(|it| it.as_ref().ok()).filter(|_| !quiet) {
        for finding in &checked.findings {
            writeln!(out, "{}", concise_line(checked, finding))?;
        }
    }
    writeln!(out, "{}", total_line(outcomes))
}

/// The code frame of one finding: its title, the lines its range covers (long ranges folded) with the range
/// underlined, labelled with the upstream path.
pub fn frame(checked: &Checked, finding: &Finding, renderer: &Renderer) -> String {
    let text = checked.text.as_str();
    let start = floor_boundary(text, finding.span.start);
    let end = floor_boundary(text, finding.span.end).max(start);
    let (first, _) = checked.range(finding);
    // The last line the range covers: a range that stops at the start of a line ends on the line before.
    let last_offset = match end > start && text[..end].ends_with('\n') {
        true => end - 1,
        false => end,
    };
    let last = checked.lines.line_col(text, last_offset).line;
    let from = checked.lines.line_start(first.line - 1).unwrap_or(0).min(start);
    let to = checked.lines.line_start(last).unwrap_or(text.len()).max(end);
    let source = text[from..to].trim_end_matches(['\n', '\r']);
    let span = (start - from).min(source.len())..(end - from).min(source.len());
    let label = match finding.path.is_root() {
        true => None,
        false => Some(finding.path.to_string()),
    };
    let snippet = Snippet::source(source)
        .line_start(first.line)
        .path(checked.file.as_str())
        .fold(true)
        .annotation(AnnotationKind::Primary.span(span).label(label));
    let report =
        [level(finding.severity).primary_title(finding.message.as_str()).id(finding.code.as_str()).element(snippet)];
    renderer.render(&report)
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::HELP.with_name("hint"),
    }
}

/// `offset` clamped to the text and moved back to a character boundary.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
