//! JUnit XML for CI dashboards: one test suite for the run, one test case per contract, a `failure` per error
//! (warnings and hints in the case's `system-out`), an `error` for a path that could not be checked.

use std::io::{self, Write};

use super::{Counts, Outcome, concise_line};
use crate::core::finding::Severity;

pub fn print(outcomes: &[Outcome], out: &mut dyn Write) -> io::Result<()> {
    let tests = outcomes.len();
    let errors = outcomes.iter().filter(|it| it.is_err()).count();
    let failures =
        outcomes.iter().filter_map(|it| it.as_ref().ok()).filter(|it| Counts::of(&it.findings).errors() > 0).count();
    let totals = format!(r#"tests="{tests}" failures="{failures}" errors="{errors}" skipped="0""#);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="pacto-lsp check" {totals}>"#)?;
    writeln!(out, r#"  <testsuite name="pacto-lsp check" {totals}>"#)?;
    for outcome in outcomes {
        match outcome {
            Err(failure) => {
                writeln!(out, r#"    <testcase classname="pacto-lsp.check" name="{}">"#, escape(&failure.path))?;
                writeln!(out, r#"      <error message="{}"/>"#, escape(&failure.message))?;
                writeln!(out, "    </testcase>")?;
            }
            Ok(checked) => {
                writeln!(out, r#"    <testcase classname="pacto-lsp.check" name="{}">"#, escape(&checked.file))?;
                let mut others = Vec::new();
                for finding in &checked.findings {
                    let line = concise_line(checked, finding);
                    match finding.severity {
                        Severity::Error => writeln!(
                            out,
                            r#"      <failure type="{}" message="{}">{}</failure>"#,
                            finding.code,
                            escape(&finding.message),
                            escape(&line)
                        )?,
                        _ => others.push(line),
                    }
                }
                if !others.is_empty() {
                    writeln!(out, "      <system-out>{}</system-out>", escape_text(&others.join("\n")))?;
                }
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Text for an XML element: as [`escape`], with line feeds and tabs kept as they are.
pub fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n").replace("&#9;", "\t")
}

/// Text for an XML attribute or element: the five special characters as entities, line breaks and tabs as
/// character references (so attribute values keep them), and the characters XML 1.0 cannot hold at all
/// (other control characters, unpaired surrogates cannot occur in a `str`) as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(escape("a<b & \"c\" 'd'>\n\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{fffd}");
    }
}
