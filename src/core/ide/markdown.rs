//! Markdown for hover and completion documentation. Text taken from a contract (names, ids,
//! paths, values) goes in through [`escape`] or [`code`], so it always shows as the text it is
//! and never as markup: no links, images, HTML, emphasis, headings or table cells.

/// `text` as literal markdown text. ASCII punctuation is backslash-escaped (CommonMark shows
/// `\` + punctuation as that character, so `*`, `[`, `<`, `&`, `|`, `:` lose their meaning and no
/// link, image, tag or `https:` autolink can form), and line breaks and other control characters
/// become spaces, so the text cannot start a block of its own. For legibility `-`, `.`, `/` and
/// `,` stay as they are where they mean nothing: anywhere but first, and a `.` not after a
/// leading number (`1.` could start a list).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut leading_digits = true;
    for (idx, c) in text.chars().enumerate() {
        let harmless = idx > 0 && (matches!(c, '-' | '/' | ',') || (c == '.' && !leading_digits));
        match c {
            c if c.is_ascii_punctuation() && !harmless => {
                out.push('\\');
                out.push(c);
            }
            c if is_break(c) => out.push(' '),
            c => out.push(c),
        }
        leading_digits &= c.is_ascii_digit();
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
        assert_eq!(escape("public-api.v1/x,y"), "public-api.v1/x,y");
        assert_eq!(escape("-a"), "\\-a");
        assert_eq!(escape("12. a"), "12\\. a");
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
