//! The one place where LSP positions and byte offsets meet.
//!
//! Incoming positions (edits, cursors) are resolved against the document's rope; outgoing ranges
//! (findings) against the text snapshot the analysis ran on. Both honour the negotiated encoding
//! and clamp impossible positions the way the LSP specification asks (a character past the end
//! of its line means the end of the line; a line past the end means the end of the document).

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

use crate::core::text::LineIndex;

/// How `Position.character` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it, otherwise the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// The char index in `rope` of an LSP position (clamped).
pub fn rope_char(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let line_end = line_start + line_content_chars(rope, line);
    let target = match encoding {
        Encoding::Utf16 => {
            let start_cu = rope.char_to_utf16_cu(line_start);
            let end_cu = rope.char_to_utf16_cu(line_end);
            let cu = (start_cu + position.character as usize).min(end_cu);
            rope.utf16_cu_to_char(cu)
        }
        Encoding::Utf8 => {
            let start_byte = rope.char_to_byte(line_start);
            let end_byte = rope.char_to_byte(line_end);
            let byte = (start_byte + position.character as usize).min(end_byte);
            // A byte inside a character rounds down to that character.
            rope.byte_to_char(byte)
        }
    };
    target.clamp(line_start, line_end)
}

/// Chars on a rope line, without its line break.
fn line_content_chars(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if len > 0 && slice.char(len - 1) == '\n' {
        len -= 1;
    }
    if len > 0 && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    len
}

/// The LSP position of a byte offset in `text` (the snapshot `lines` was built from).
pub fn position(text: &str, lines: &LineIndex, offset: usize, encoding: Encoding) -> Position {
    let line_col = lines.line_col(text, offset);
    let line = line_col.line - 1;
    let start = lines.line_start(line).unwrap_or(0);
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = &text[start.min(end)..end];
    let character = match encoding {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.encode_utf16().count(),
    };
    Position::new(line as u32, character as u32)
}

pub fn range(text: &str, lines: &LineIndex, span: &std::ops::Range<usize>, encoding: Encoding) -> Range {
    Range::new(position(text, lines, span.start, encoding), position(text, lines, span.end, encoding))
}

/// The byte offset in `text` of an LSP position (clamped), for requests answered from a snapshot.
pub fn offset(text: &str, lines: &LineIndex, position: Position, encoding: Encoding) -> usize {
    let Some(start) = lines.line_start(position.line as usize) else {
        return text.len();
    };
    let line_end = lines.line_start(position.line as usize + 1).unwrap_or(text.len());
    let line = text[start..line_end].trim_end_matches(['\n', '\r']);
    let wanted = position.character as usize;
    let mut units = 0;
    for (idx, c) in line.char_indices() {
        if units >= wanted {
            return start + idx;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
        if units > wanted {
            return start + idx; // Inside a character: round down.
        }
    }
    start + line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a: 😀x\r\nb: 名前y\rc: z\n";

    #[test]
    fn rope_positions_in_both_encodings() {
        let rope = Rope::from_str(TEXT);
        let char_of = |needle: char| TEXT[..TEXT.find(needle).unwrap()].chars().count();
        assert_eq!(rope_char(&rope, Position::new(0, 5), Encoding::Utf16), char_of('x'));
        assert_eq!(rope_char(&rope, Position::new(0, 7), Encoding::Utf8), char_of('x'));
        assert_eq!(rope_char(&rope, Position::new(1, 5), Encoding::Utf16), char_of('y'));
        assert_eq!(rope_char(&rope, Position::new(1, 9), Encoding::Utf8), char_of('y'));
        assert_eq!(rope_char(&rope, Position::new(2, 3), Encoding::Utf16), char_of('z'));
        // Past the end of a line: the end of that line, before its CRLF.
        assert_eq!(rope_char(&rope, Position::new(0, 99), Encoding::Utf16), char_of('\r'));
        // Past the end of the document.
        assert_eq!(rope_char(&rope, Position::new(99, 0), Encoding::Utf16), rope.len_chars());
        // Inside a surrogate pair or a multi-byte character: round down.
        assert_eq!(rope_char(&rope, Position::new(0, 4), Encoding::Utf16), char_of('😀'));
        assert_eq!(rope_char(&rope, Position::new(0, 5), Encoding::Utf8), char_of('😀'));
    }

    #[test]
    fn snapshot_positions_round_trip() {
        let lines = LineIndex::new(TEXT);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            for (offset, _) in TEXT.char_indices() {
                let pos = position(TEXT, &lines, offset, encoding);
                let back = offset_of(pos, encoding);
                // Line breaks are not addressable inside a line; everything else round-trips.
                if !matches!(TEXT.as_bytes()[offset], b'\r' | b'\n') {
                    assert_eq!(back, offset, "{encoding:?} {pos:?}");
                }
            }
        }
        let y = TEXT.find('y').unwrap();
        assert_eq!(position(TEXT, &lines, y, Encoding::Utf16), Position::new(1, 5));
        assert_eq!(position(TEXT, &lines, y, Encoding::Utf8), Position::new(1, 9));
    }

    fn offset_of(pos: Position, encoding: Encoding) -> usize {
        offset(TEXT, &LineIndex::new(TEXT), pos, encoding)
    }

    #[test]
    fn negotiation_prefers_utf8_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])), Encoding::Utf16);
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
    }
}
