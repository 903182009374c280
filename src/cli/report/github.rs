//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request
//! (`::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE::message (path)`).

use std::io::{self, Write};

use super::{Outcome, total_line};
use crate::core::finding::Severity;

/// One workflow command per finding (`error`, `warning`, or `notice` for info and hints), then the total as a
/// plain log line. Columns are 1-based characters, the end exclusive, as in the other formats.
pub fn print(outcomes: &[Outcome], out: &mut dyn Write) -> io::Result<()> {
    for checked in outcomes.iter().filter_map(|it| it.as_ref().ok()) {
        for finding in &checked.findings {
            let (start, end) = checked.range(finding);
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Hint => "notice",
            };
            let message = match finding.path.is_root() {
                true => finding.message.clone(),
                false => format!("{} ({})", finding.message, finding.path),
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                property(&checked.file),
                start.line,
                start.column,
                end.line,
                end.column,
                property(finding.code.as_str()),
                data(&message),
            )?;
        }
    }
    writeln!(out, "{}", total_line(outcomes))
}

/// A command's message, escaped as the runner reads it back: `%`, carriage return and line feed.
pub fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command's property value: the message escapes plus `:` and `,`, which end a property.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(property("dir:a,b/pacto.yaml%"), "dir%3Aa%2Cb/pacto.yaml%25");
    }
}
