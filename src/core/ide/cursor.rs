//! Where the cursor is in a (possibly half-typed) contract: which mapping, key or value.
//!
//! Works from the text's indentation rather than from a parse, because the document is usually
//! not valid YAML while someone is typing (`interface: `, a bare `- `, a key prefix).

use std::ops::Range;

use crate::core::path::{Path, Segment};

/// What the cursor is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CursorKind {
    /// Typing a key (maybe empty) in the mapping at `Cursor::path`.
    Key { prefix: String },
    /// Typing the value of `key` in the mapping at `Cursor::path`.
    Value { key: String, prefix: String, quote: Option<char> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The mapping the key or value belongs to.
    pub path: Path,
    pub kind: CursorKind,
    /// What a completion replaces: the word (or quoted text) around the cursor.
    pub replace: Range<usize>,
    /// The column keys of this mapping start at.
    pub column: usize,
    /// Keys already present in this mapping (for key completion).
    pub siblings: Vec<String>,
}

impl Cursor {
    /// The path of the value being typed (`path.key`), for value cursors.
    pub fn value_path(&self) -> Option<Path> {
        match &self.kind {
            CursorKind::Value { key, .. } => Some(self.path.key(key)),
            CursorKind::Key { .. } => None,
        }
    }
}

/// Finds the cursor context at byte `offset`; `None` inside a comment or flow collection.
pub fn cursor(text: &str, offset: usize) -> Option<Cursor> {
    let offset = floor_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |it| it + 1);
    let line_end = text[offset..].find(['\n', '\r']).map_or(text.len(), |it| offset + it);
    let before = &text[line_start..offset];
    let after = &text[offset..line_end];
    if before.contains(" #") || before.trim_start().starts_with('#') || before.contains(['{', '[']) {
        return None;
    }
    let (column, dash_column, rest) = strip_markers(before);
    let rest_start = line_start + (before.len() - rest.len());
    let lines_above = lines_before(text, line_start);
    let (path, item_index) = ancestors(&lines_above, column, dash_column);
    let mut path = path;
    if let Some(index) = item_index {
        path.push(Segment::Index(index));
    }
    let kind;
    let replace;
    match split_key(rest) {
        Some((key, value_offset)) => {
            let raw = &rest[value_offset..];
            let value_start = rest_start + value_offset + (raw.len() - raw.trim_start().len());
            let typed = raw.trim_start();
            let quote = typed.chars().next().filter(|c| *c == '"' || *c == '\'');
            let inner_start = value_start + quote.map_or(0, char::len_utf8);
            let prefix = text[inner_start..offset].to_string();
            let tail = after.find(|c: char| c.is_whitespace() || Some(c) == quote || c == '#').unwrap_or(after.len());
            replace = inner_start..offset + tail;
            kind = CursorKind::Value { key: key.to_string(), prefix, quote };
        }
        None => {
            let tail = after.find(|c: char| !is_key_char(c)).unwrap_or(after.len());
            if !rest.chars().all(is_key_char) {
                return None;
            }
            replace = rest_start..offset + tail;
            kind = CursorKind::Key { prefix: rest.to_string() };
        }
    }
    let siblings = siblings(text, line_start, line_end, column, dash_column.is_some());
    Some(Cursor { path, kind, replace, column, siblings })
}

/// Splits `key: value` (the value may be empty); `None` when the text is not a key yet.
fn split_key(rest: &str) -> Option<(&str, usize)> {
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    let after = &rest[colon + 1..];
    if key.is_empty() || !key.chars().all(is_key_char) || !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, colon + 1))
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$')
}

/// Strips `- ` item markers: returns the key column, the column of the last dash, and the rest.
fn strip_markers(line: &str) -> (usize, Option<usize>, &str) {
    let mut column = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[column..];
    let mut dash = None;
    while let Some(after) = rest.strip_prefix('-').filter(|it| it.is_empty() || it.starts_with(' ')) {
        dash = Some(column);
        let spaces = after.len() - after.trim_start_matches(' ').len();
        column += 1 + spaces.max(1).min(after.len().max(1));
        rest = after.trim_start_matches(' ');
        if after.is_empty() {
            column = dash.unwrap_or(0) + 2;
            break;
        }
    }
    (column, dash, rest)
}

/// Non-blank, non-comment lines before `line_start`, nearest first, with their text.
fn lines_before(text: &str, line_start: usize) -> Vec<&str> {
    text[..line_start]
        .split(['\n', '\r'])
        .rev()
        .filter(|it| {
            let trimmed = it.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#') && trimmed != "---"
        })
        .collect()
}

/// The path of the mapping whose keys start at `column`, from the lines above (nearest first).
/// When the cursor line is itself an item (`dash_column`), also returns that item's index.
fn ancestors(lines_above: &[&str], column: usize, dash_column: Option<usize>) -> (Path, Option<usize>) {
    let mut segments = Vec::new();
    // While `Some((dash, count))`, we are inside an item at `dash` and count earlier siblings.
    let mut counting: Option<(usize, usize)> = dash_column.map(|dash| (dash, 0));
    let mut col = dash_column.unwrap_or(column);
    let mut own_item = None;
    for line in lines_above {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let (inner, dash, rest) = strip_markers(line);
        if let Some((item_dash, count)) = counting {
            if indent > item_dash || (indent == item_dash && dash.is_none() && rest.is_empty()) {
                continue;
            }
            if indent == item_dash && dash.is_some() {
                counting = Some((item_dash, count + 1));
                continue;
            }
            // The line that holds the sequence: close the item.
            if own_item.is_none() && dash_column.is_some() && segments.is_empty() {
                own_item = Some(count);
            } else {
                segments.push(Segment::Index(count));
            }
            counting = None;
            col = item_dash;
            if indent == item_dash && dash.is_none() {
                // `key:` with its items at the same indentation.
                if let Some(key) = parent_key(rest) {
                    segments.push(Segment::Key(key.into()));
                }
                continue;
            }
        }
        if indent >= col {
            continue;
        }
        match dash {
            Some(item_dash) => {
                if inner < col
                    && let Some(key) = parent_key(rest)
                {
                    segments.push(Segment::Key(key.into()));
                }
                counting = Some((item_dash, 0));
                col = item_dash;
            }
            None => {
                if let Some(key) = parent_key(rest) {
                    segments.push(Segment::Key(key.into()));
                }
                col = indent;
            }
        }
    }
    if let Some((_, count)) = counting {
        match own_item {
            None if dash_column.is_some() && segments.is_empty() => own_item = Some(count),
            _ => segments.push(Segment::Index(count)),
        }
    }
    segments.reverse();
    (Path::from(segments), own_item)
}

/// The key of a `key:` line (anything after the colon is ignored).
fn parent_key(rest: &str) -> Option<&str> {
    split_key(rest).map(|(key, _)| key)
}

/// The value written for `key` in the mapping the cursor is in (the cursor's own line included), as text:
/// without a trailing comment and without surrounding quotes (escapes are not decoded). `None` when the key is
/// not there or has no value on its line. Works on half-typed YAML, like [`cursor`].
pub fn sibling_value(text: &str, offset: usize, key: &str) -> Option<String> {
    let at = cursor(text, offset)?;
    let offset = floor_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |it| it + 1);
    let line_end = text[offset..].find(['\n', '\r']).map_or(text.len(), |it| offset + it);
    let starts_item = strip_markers(&text[line_start..offset]).1.is_some();
    let own = strip_markers(&text[line_start..line_end]).2;
    let lines = std::iter::once(own).chain(sibling_lines(text, line_start, line_end, at.column, starts_item));
    lines.filter_map(split_key_value).find(|(found, _)| *found == key).map(|(_, value)| value)
}

/// `key: value` split, the value without a trailing comment or surrounding quotes; `None` without a value.
fn split_key_value(rest: &str) -> Option<(&str, String)> {
    let (key, value_offset) = split_key(rest)?;
    let raw = rest[value_offset..].trim();
    let value = match raw.chars().next() {
        Some(quote @ ('"' | '\'')) => raw[1..].split(quote).next().unwrap_or_default(),
        _ => raw.split(" #").next().unwrap_or_default().trim_end(),
    };
    (!value.is_empty()).then(|| (key, value.to_string()))
}

/// Keys at `column` in the same mapping as the cursor line (above and below it), sorted.
fn siblings(text: &str, line_start: usize, line_end: usize, column: usize, starts_item: bool) -> Vec<String> {
    let mut keys: Vec<String> = sibling_lines(text, line_start, line_end, column, starts_item)
        .filter_map(|rest| parent_key(rest).map(String::from))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The `key: value` texts (markers and indentation stripped) of the lines at `column` in the same mapping as
/// the cursor line, above it then below it.
fn sibling_lines(
    text: &str,
    line_start: usize,
    line_end: usize,
    column: usize,
    starts_item: bool,
) -> impl Iterator<Item = &str> {
    let mut keys = Vec::new();
    let content = |line: &str| {
        let trimmed = line.trim();
        !trimmed.is_empty() && !trimmed.starts_with('#')
    };
    // Upwards: stop at the line that opens this item (`- key:` with its key at `column`) or a shallower line.
    // When the cursor line itself opens an item, the lines above belong to earlier items.
    let above = if starts_item { "" } else { &text[..line_start] };
    for line in above.split(['\n', '\r']).rev().filter(|it| content(it)) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let (inner, dash, rest) = strip_markers(line);
        if inner == column && (indent == column || dash.is_some()) {
            keys.push(rest);
        }
        if indent < column {
            break;
        }
    }
    // Downwards: stop at a shallower line (which includes the next item's `- `).
    for line in text[line_end..].split(['\n', '\r']).filter(|it| content(it)) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent < column {
            break;
        }
        if indent == column {
            keys.push(line.trim_start());
        }
    }
    keys.into_iter()
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `cursor` at the `$0` marker and returns (path, kind, replaced text, siblings).
    fn at(fixture: &str) -> (String, CursorKind, String, Vec<String>) {
        let offset = fixture.find("$0").unwrap();
        let text = fixture.replace("$0", "");
        let res = cursor(&text, offset).unwrap_or_else(|| panic!("no cursor in {fixture}"));
        (res.path.to_string(), res.kind, text[res.replace].to_string(), res.siblings)
    }

    fn key(prefix: &str) -> CursorKind {
        CursorKind::Key { prefix: prefix.into() }
    }

    fn value(key: &str, prefix: &str) -> CursorKind {
        CursorKind::Value { key: key.into(), prefix: prefix.into(), quote: None }
    }

    #[test]
    fn empty_value_after_colon() {
        let (path, kind, replaced, _) = at("runtime:\n  health:\n    interface: $0\n    path: /h\n");
        assert_eq!((path.as_str(), kind, replaced.as_str()), ("runtime.health", value("interface", ""), ""));
    }

    #[test]
    fn value_prefix_is_replaced_whole() {
        let (path, kind, replaced, _) = at("runtime:\n  workload: ser$0vic\n");
        assert_eq!((path.as_str(), kind, replaced.as_str()), ("runtime", value("workload", "ser"), "servic"));
    }

    #[test]
    fn quoted_value() {
        let (path, kind, replaced, _) = at("pactoVersion: \"1.$0\"\n");
        let expected = CursorKind::Value { key: "pactoVersion".into(), prefix: "1.".into(), quote: Some('"') };
        assert_eq!((path.as_str(), kind, replaced.as_str()), ("", expected, "1."));
    }

    #[test]
    fn new_key_in_a_nested_mapping_with_siblings() {
        let text =
            "service:\n  name: a\nruntime:\n  workload: job\n  st$0\n  health:\n    interface: x\nscaling:\n  min: 1\n";
        let (path, kind, replaced, siblings) = at(text);
        assert_eq!((path.as_str(), kind, replaced.as_str()), ("runtime", key("st"), "st"));
        assert_eq!(siblings, ["health", "workload"]);
    }

    #[test]
    fn top_level_key() {
        let (path, kind, _, siblings) = at("pactoVersion: \"1.1\"\nservice:\n  name: a\n$0\n");
        assert_eq!((path.as_str(), kind), ("", key("")));
        assert_eq!(siblings, ["pactoVersion", "service"]);
    }

    #[test]
    fn items_of_a_sequence() {
        let text = "interfaces:\n  - name: a\n    type: http\n  - name: b\n    ty$0\n";
        let (path, kind, _, siblings) = at(text);
        assert_eq!((path.as_str(), kind), ("interfaces[1]", key("ty")));
        assert_eq!(siblings, ["name"]);
        let (path, kind, _, siblings) = at("interfaces:\n  - name: a\n    type: http\n  - $0\n");
        assert_eq!((path.as_str(), kind), ("interfaces[1]", key("")));
        assert!(siblings.is_empty());
        let (path, kind, _, _) = at("interfaces:\n  - name: a\n  - type: $0\n");
        assert_eq!((path.as_str(), kind), ("interfaces[1]", value("type", "")));
        let (path, kind, _, _) = at("interfaces:\n- name: a\n- name: b\n  contract: $0\n");
        assert_eq!((path.as_str(), kind), ("interfaces[1]", value("contract", "")));
    }

    #[test]
    fn deep_items() {
        let text = "readiness:\n  checks:\n    - id: a\n      type: url\n    - id: b\n      expires: $0\n";
        let (path, kind, _, _) = at(text);
        assert_eq!((path.as_str(), kind), ("readiness.checks[1]", value("expires", "")));
        let text = "service:\n  owner:\n    contacts:\n      - type: email\n        purpose: $0\n";
        let (path, kind, _, _) = at(text);
        assert_eq!((path.as_str(), kind), ("service.owner.contacts[0]", value("purpose", "")));
    }

    #[test]
    fn non_ascii_and_crlf() {
        let text = "service:\r\n  name: \"😀\"\r\n  own$0\r\n";
        let (path, kind, replaced, _) = at(text);
        assert_eq!((path.as_str(), kind, replaced.as_str()), ("service", key("own"), "own"));
    }

    #[test]
    fn comments_and_flow_collections_have_no_cursor() {
        for fixture in ["a: 1 # com$0ment\n", "# top$0\n", "tags: [a, b$0]\n"] {
            let offset = fixture.find("$0").unwrap();
            assert_eq!(cursor(&fixture.replace("$0", ""), offset), None, "{fixture}");
        }
    }
}
