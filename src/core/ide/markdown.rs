//! Markdown for hover and completion documentation. Text taken from a contract (names, ids,
//! paths, values) goes in through [`escape`] or [`code`], so it always shows as the text it is
//! and never as markup: no links, images, HTML, emphasis, headings or table cells.

/// `text` as literal markdown text. Every ASCII punctuation character that can mean something
/// is backslash-escaped (CommonMark shows `\` + punctuation as that character, so `*`, `[`,
/// `<`, `&`, `|`, `:` lose their meaning and no autolink can form); the harmless ones (`-`, `.`,
/// `/`, …) stay as they are so names and versions read naturally, except at the start, where
/// `-` or `+` could open a list. Line breaks and other control characters become spaces, so the
/// text cannot start a block of its own.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (at, c) in text.char_indices() {
        let harmless = matches!(c, '.' | ',' | '\'' | '"' | '/' | '=' | '?' | '%' | ';' | '@' | '$' | '^')
            || (matches!(c, '-') && at > 0);
        match c {
            c if c.is_ascii_punctuation() && !harmless => {
                out.push('\\');
                out.push(c);
            }
            c if is_break(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` as an inline code span. The backtick fence is longer than any run of backticks in the
/// text, and a space pads text that starts or ends with a backtick or space (CommonMark strips
/// one from each side). Line breaks become spaces: inside a span they could still end the paragraph.
pub fn code(text: &str) -> String {
    let text: String = text.chars().map(|c| if is_break(c) { ' ' } else { c }).collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    if text.is_empty() {
        return "` `".into();
    }
    let fence = "`".repeat(longest + 1);
    let pad = text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']);
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Characters that must not reach markdown as they are: line breaks and other controls.
fn is_break(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralizes_markup() {
        assert_eq!(escape("public-api"), "public-api");
        assert_eq!(escape("-x 1.0.0 a/b"), "\\-x 1.0.0 a/b");
        assert_eq!(escape("*b* [x](j:a(1)) <i>"), "\\*b\\* \\[x\\]\\(j\\:a\\(1\\)\\) \\<i\\>");
        assert_eq!(escape("a\n# h\r\n| t"), "a \\# h  \\| t");
        assert_eq!(escape("😀 名前"), "😀 名前");
    }

    #[test]
    fn code_fence_outgrows_backtick_runs() {
        assert_eq!(code("rest"), "`rest`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("``a``"), "``` ``a`` ```");
        assert_eq!(code("`"), "`` ` ``");
        assert_eq!(code(""), "` `");
        assert_eq!(code("x\n# h"), "`x # h`");
    }
}
