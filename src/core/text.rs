//! Text helpers: the line index (byte offsets to 1-based line and column, columns counting Unicode
//! scalar values) and the short excerpts of user values that messages quote.
//!
//! Line breaks are `\n`, `\r\n` and a lone `\r`, as in YAML and in ropey with `cr_lines`.

use std::borrow::Cow;

/// The most characters of a user value a message quotes.
pub const EXCERPT_CHARS: usize = 80;

/// The longest message a finding carries, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// A user value as a message quotes it: at most [`EXCERPT_CHARS`] characters, cut with `…`, with
/// line breaks and other control characters escaped (`\n`, `\u{7}`), so a message stays one short line.
pub fn excerpt(value: &str) -> Cow<'_, str> {
    let short = value.chars().nth(EXCERPT_CHARS).is_none();
    if short && !value.chars().any(char::is_control) {
        return Cow::Borrowed(value);
    }
    let mut out = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        match c.is_control() {
            true => out.extend(c.escape_debug()),
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A message cut to at most [`MAX_MESSAGE_BYTES`] bytes (on a character boundary, ending with `…`).
pub fn cap_message(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES - '…'.len_utf8();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push('…');
    message
}

/// A position for humans and the CLI's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        for idx in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            match bytes[idx] {
                // The `\n` of a `\r\n` ends the line the `\r` already ended.
                b'\n' if idx > 0 && bytes[idx - 1] == b'\r' => {
                    if let Some(last) = starts.last_mut() {
                        *last = idx + 1;
                    }
                }
                _ => starts.push(idx + 1),
            }
        }
        LineIndex { starts }
    }

    /// The line/column of a byte offset (clamped to the text, and to a character boundary).
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|start| *start <= offset) - 1;
        let column = text[self.starts[line]..offset].chars().count() + 1;
        LineCol { line: line + 1, column }
    }

    /// The byte offset where a 0-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt("payments"), Cow::Borrowed("payments"));
        assert_eq!(excerpt("a\nb\tc\u{7}"), "a\\nb\\tc\\u{7}");
        let long = "é".repeat(1_000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with("é…"));
        assert_eq!(excerpt(&"x".repeat(EXCERPT_CHARS)).len(), EXCERPT_CHARS);
    }

    #[test]
    fn messages_are_capped_on_a_char_boundary() {
        assert_eq!(cap_message("short".into()), "short");
        let capped = cap_message("名".repeat(1_000));
        assert!(capped.len() <= MAX_MESSAGE_BYTES, "{}", capped.len());
        assert!(capped.starts_with("名名") && capped.ends_with("名…"));
    }

    #[test]
    fn lines_start_after_every_kind_of_line_break() {
        let index = LineIndex::new("a\r\n\r\nb\n\rc\r");
        let starts: Vec<usize> = (0..index.line_count()).filter_map(|it| index.line_start(it)).collect();
        assert_eq!(starts, vec![0, 3, 5, 7, 8, 10]);
        assert_eq!(LineIndex::new("").line_count(), 1);
        assert_eq!(LineIndex::new("\n").line_count(), 2);
    }

    #[test]
    fn columns_count_characters_on_every_kind_of_line_break() {
        let text = "a: 1\r\nb: 😀x\rc: 名前y\nd";
        let index = LineIndex::new(text);
        let at = |needle: &str| index.line_col(text, text.find(needle).unwrap());
        assert_eq!(at("a"), LineCol { line: 1, column: 1 });
        assert_eq!(at("x"), LineCol { line: 2, column: 5 });
        assert_eq!(at("y"), LineCol { line: 3, column: 6 });
        assert_eq!(at("d"), LineCol { line: 4, column: 1 });
        assert_eq!(index.line_col(text, 10_000), LineCol { line: 4, column: 2 });
        // Inside a multi-byte character: clamp back to its start.
        assert_eq!(index.line_col(text, text.find('😀').unwrap() + 1), LineCol { line: 2, column: 4 });
    }
}
