//! How `check` prints what it found: code frames and summaries (`text`), one line per finding (`concise`),
//! and the CI formats (`sarif`, `github`, `junit`). Every printer takes the outcomes in the order the paths were
//! given (walked bundles in path order), so the output does not depend on how the checks were scheduled.

pub mod github;
pub mod junit;
pub mod sarif;
pub mod text;

use crate::core::finding::{Finding, Severity};
use crate::core::text::{LineCol, LineIndex};

/// One checked contract, with what its positions are resolved against.
pub struct Checked {
    /// The contract as shown to the user: the path as given or found by the walk, or the `oci://` ref.
    pub file: String,
    pub findings: Vec<Finding>,
    pub text: String,
    pub lines: LineIndex,
}

impl Checked {
    /// The 1-based start and end (exclusive) of a finding, columns in characters.
    pub fn range(&self, finding: &Finding) -> (LineCol, LineCol) {
        let start = self.lines.line_col(&self.text, finding.span.start);
        let end = self.lines.line_col(&self.text, finding.span.end.max(finding.span.start));
        (start, end)
    }
}

/// A path that could not be checked.
pub struct Failure {
    /// The path as given or found by the walk.
    pub path: String,
    /// The line for the user, naming the path (`PATH: why`).
    pub message: String,
}

/// What checking one path gave: the contract and its findings, or why it could not be checked.
pub type Outcome = Result<Checked, Failure>;

/// How many findings of each severity.
#[derive(Default, Clone, Copy)]
pub struct Counts([usize; 4]);

impl Counts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut counts = Counts::default();
        for finding in findings {
            counts.0[finding.severity as usize] += 1;
        }
        counts
    }

    pub fn errors(&self) -> usize {
        self.0[Severity::Error as usize]
    }

    /// `7 errors, 2 warnings`; `None` when there is nothing.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> =
            [(self.0[0], "error"), (self.0[1], "warning"), (self.0[2], "info"), (self.0[3], "hint")]
                .into_iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, noun)| format!("{count} {noun}{}", if count == 1 { "" } else { "s" }))
                .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The last line of the text formats: `checked 2 contracts: 7 errors, 3 warnings; 1 path could not be checked`.
pub fn total_line(outcomes: &[Outcome]) -> String {
    let checked: Vec<&Checked> = outcomes.iter().filter_map(|it| it.as_ref().ok()).collect();
    let counts = Counts::of(checked.iter().flat_map(|it| &it.findings));
    let contracts = match checked.len() {
        1 => "1 contract".to_string(),
        n => format!("{n} contracts"),
    };
    let failed = match outcomes.len() - checked.len() {
        0 => String::new(),
        1 => "; 1 path could not be checked".to_string(),
        n => format!("; {n} paths could not be checked"),
    };
    match counts.describe() {
        None if checked.is_empty() => format!("checked no contracts{failed}"),
        None => format!("checked {contracts}: no problems{failed}"),
        Some(parts) => format!("checked {contracts}: {parts}{failed}"),
    }
}

/// One finding as a line: `FILE:LINE:COL: SEVERITY[CODE] message (path)`.
pub fn concise_line(checked: &Checked, finding: &Finding) -> String {
    finding_line(&checked.file, &checked.text, &checked.lines, finding)
}

/// One finding of the contract `file` as a line: `FILE:LINE:COL: SEVERITY[CODE] message (path)`.
pub fn finding_line(file: &str, text: &str, lines: &LineIndex, finding: &Finding) -> String {
    let start = lines.line_col(text, finding.span.start);
    let path = match finding.path.is_root() {
        true => String::new(),
        false => format!(" ({})", finding.path),
    };
    let (severity, code, message) = (finding.severity.as_str(), finding.code, &finding.message);
    format!("{file}:{}:{}: {severity}[{code}] {message}{path}", start.line, start.column)
}
