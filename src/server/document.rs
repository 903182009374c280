//! An open document: its text in a rope, its version, and the latest analysis of it.

use std::path::PathBuf;
use std::sync::Arc;

use ropey::Rope;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

use crate::core::check::Analysis;
use crate::core::text::LineIndex;
use crate::server::convert::{self, Encoding};

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// The contract's file path, when the URI is a `file:` URI.
    pub path: Option<PathBuf>,
    /// The newest analysis (possibly of an older version than `version`).
    pub analyzed: Option<Arc<Analyzed>>,
    /// Serializes publishing for this document; holds the last published version.
    pub publish: Arc<tokio::sync::Mutex<Option<i32>>>,
}

/// One analysis and the exact text it ran on.
pub struct Analyzed {
    pub version: i32,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub analysis: Analysis,
}

impl Document {
    pub fn new(text: &str, version: i32, path: Option<PathBuf>) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
            path,
            analyzed: None,
            publish: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The bundle root: the folder holding the contract.
    pub fn bundle_root(&self) -> Option<PathBuf> {
        self.path.as_ref().and_then(|it| it.parent()).map(PathBuf::from)
    }

    /// Applies one content change. Impossible ranges are clamped (and a reversed range is taken
    /// as its reverse) rather than refused: the client's text is the truth, and this keeps the
    /// edit. Returns whether the range had to be repaired.
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, encoding: Encoding) -> bool {
        let Some(range) = change.range else {
            self.rope = Rope::from_str(&change.text);
            return false;
        };
        let mut start = convert::rope_char(&self.rope, range.start, encoding);
        let mut end = convert::rope_char(&self.rope, range.end, encoding);
        let repaired = start > end || range.start.line as usize >= self.rope.len_lines();
        if start > end {
            std::mem::swap(&mut start, &mut end);
        }
        self.rope.remove(start..end);
        self.rope.insert(start, &change.text);
        repaired
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::ls_types::{Position, Range};

    use super::*;

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(start.0, start.1), Position::new(end.0, end.1))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edits_on_non_ascii_crlf_text() {
        let mut doc = Document::new("name: 😀a\r\nnext: 名b\r\n", 1, None);
        // UTF-16: the emoji is two code units, so `a` is at character 8.
        assert!(!doc.apply(&change((0, 8), (0, 9), "A"), Encoding::Utf16));
        assert_eq!(doc.rope.to_string(), "name: 😀A\r\nnext: 名b\r\n");
        // UTF-8: `名` is three bytes, so `b` is at character 9.
        assert!(!doc.apply(&change((1, 9), (1, 10), "B!"), Encoding::Utf8));
        assert_eq!(doc.rope.to_string(), "name: 😀A\r\nnext: 名B!\r\n");
        // Join the lines across the CRLF.
        doc.apply(&change((0, 9), (1, 0), " "), Encoding::Utf16);
        assert_eq!(doc.rope.to_string(), "name: 😀A next: 名B!\r\n");
    }

    #[test]
    fn impossible_ranges_are_clamped_not_lost() {
        let mut doc = Document::new("a\nb\n", 1, None);
        assert!(doc.apply(&change((9, 0), (12, 4), "c\n"), Encoding::Utf16));
        assert_eq!(doc.rope.to_string(), "a\nb\nc\n");
        assert!(doc.apply(&change((1, 1), (0, 1), "-"), Encoding::Utf16));
        assert_eq!(doc.rope.to_string(), "a-\nc\n");
        doc.apply(
            &TextDocumentContentChangeEvent { range: None, range_length: None, text: "full".into() },
            Encoding::Utf16,
        );
        assert_eq!(doc.rope.to_string(), "full");
    }
}
