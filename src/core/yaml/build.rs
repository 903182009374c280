//! Builds a [`Tree`] from saphyr-parser's event stream, converting its character offsets to bytes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};

use super::{Entry, MAX_DEPTH, Node, NodeId, NodeKind, Parsed, Problem, ProblemKind, Scalar, ScalarStyle, Tree};
use crate::core::path::Path;
use crate::core::text::excerpt;

/// Parses YAML text into a positioned tree. Never fails: problems are returned beside the tree.
pub fn parse(text: &str) -> Parsed {
    let mut builder = Builder::new(text);
    let mut documents = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(it) => it,
            Err(error) => {
                let start = builder.offsets.byte(error.marker().index());
                let end = next_char_end(text, start);
                builder.problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    message: format!("YAML syntax error: {}", error.info()),
                    span: start..end,
                });
                break;
            }
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents == 2 {
                    let start = builder.offsets.byte(span.start.index());
                    builder.problems.push(Problem {
                        kind: ProblemKind::ExtraDocument,
                        message: "only the first YAML document is read; the rest of the file is ignored".into(),
                        span: start..next_line_end(text, start),
                    });
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            // Later documents are still scanned for syntax errors, but not kept.
            _ if documents > 1 => {}
            Event::Scalar(value, style, anchor, tag) => {
                let (span, text) = builder.scalar_span(span, style);
                let scalar = Scalar {
                    value: match value {
                        Cow::Owned(owned) => owned.into(),
                        Cow::Borrowed(borrowed) => borrowed.into(),
                    },
                    style: convert_style(style),
                    text,
                    tag: tag.map(|it| {
                        if it.is_yaml_core_schema() {
                            format!("!!{}", it.suffix).into()
                        } else {
                            format!("{}{}", it.handle, it.suffix).into()
                        }
                    }),
                };
                let id = builder.push(NodeKind::Scalar(scalar), span);
                builder.anchor(anchor, id);
                builder.attach(id);
            }
            Event::Alias(anchor) => {
                let span = builder.span(span);
                match builder.anchors.get(&anchor).copied() {
                    // An alias inside the node it names would make the document infinite.
                    Some(target) if builder.stack.iter().any(|frame| frame.id == target) => {
                        builder.problems.push(Problem {
                            kind: ProblemKind::Syntax,
                            message: "YAML syntax error: an alias refers to a node that contains it".into(),
                            span,
                        });
                        break;
                    }
                    Some(target) => {
                        let id = builder.push(NodeKind::Alias(target), span);
                        builder.attach(id);
                    }
                    None => {
                        builder.problems.push(Problem {
                            kind: ProblemKind::Syntax,
                            message: "YAML syntax error: unknown anchor".into(),
                            span,
                        });
                        break;
                    }
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if builder.stack.len() >= MAX_DEPTH {
                    let start = builder.offsets.byte(span.start.index());
                    builder.problems.push(Problem {
                        kind: ProblemKind::Syntax,
                        message: format!("YAML nesting deeper than {MAX_DEPTH} levels is not supported"),
                        span: start..next_char_end(text, start),
                    });
                    break;
                }
                let is_mapping = matches!(event, Event::MappingStart(..));
                let span = builder.span(span);
                let kind = if is_mapping { NodeKind::Mapping(Vec::new()) } else { NodeKind::Sequence(Vec::new()) };
                let id = builder.push(kind, span.start..span.start);
                builder.anchor(anchor, id);
                builder.stack.push(Frame { id, children: Vec::new(), pending_key: None, keys: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end_span = builder.span(span);
                builder.close(end_span.end, end_span.start != end_span.end);
            }
        }
    }
    builder.finish()
}

struct Frame {
    id: NodeId,
    children: Vec<NodeId>,
    pending_key: Option<NodeId>,
    /// Key texts seen so far, created once a mapping grows past a few entries.
    keys: Option<HashSet<Box<str>>>,
}

struct Builder<'a> {
    text: &'a str,
    offsets: Offsets<'a>,
    nodes: Vec<Node>,
    root: Option<NodeId>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Builder<'a> {
        Builder {
            text,
            offsets: Offsets::new(text),
            nodes: Vec::new(),
            root: None,
            stack: Vec::new(),
            anchors: HashMap::new(),
            problems: Vec::new(),
        }
    }

    fn span(&mut self, span: Span) -> Range<usize> {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index());
        start..end.max(start)
    }

    /// A scalar's span (from its anchor or tag, if any) and the span of its own text (after the
    /// anchor and tag, inside the quotes). Block scalars' spans run on over the following
    /// indentation and quoted ones over trailing blanks and a comment; both are trimmed off.
    fn scalar_span(&mut self, span: Span, style: SaphyrStyle) -> (Range<usize>, Range<usize>) {
        let range = self.span(span);
        let content = range.start + skip_properties(&self.text[range.clone()]);
        match style {
            SaphyrStyle::Literal | SaphyrStyle::Folded => {
                let end = range.start + self.text[range.clone()].trim_end().len();
                // With an anchor or tag the span starts at them, else after the indicator's line.
                let indicator = match self.text[content..].starts_with(['|', '>']) {
                    true => content,
                    false => block_indicator(self.text, range.start).unwrap_or(range.start),
                };
                (range.start.min(indicator)..end, indicator.min(end)..end)
            }
            SaphyrStyle::Plain => {
                let end = range.start + self.text[range.clone()].trim_end().len();
                (range.start..end, content.min(end)..end)
            }
            SaphyrStyle::SingleQuoted | SaphyrStyle::DoubleQuoted => {
                let end = closing_quote(&self.text[content..range.end]).map_or(range.end, |it| content + it);
                // Quotes are one byte each; an unterminated scalar (a syntax error) has no closing one.
                let inner = (content + 1).min(end)..end.saturating_sub(1).max((content + 1).min(end));
                (range.start..end, inner)
            }
        }
    }

    fn push(&mut self, kind: NodeKind, span: Range<usize>) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node { kind, span });
        id
    }

    fn anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
    }

    fn attach(&mut self, id: NodeId) {
        let Some(frame) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(id);
            }
            return;
        };
        let parent_is_mapping = matches!(self.nodes[frame.id as usize].kind, NodeKind::Mapping(_));
        if !parent_is_mapping {
            frame.children.push(id);
            return;
        }
        let Some(key) = frame.pending_key.take() else {
            frame.pending_key = Some(id);
            return;
        };
        frame.children.push(key);
        frame.children.push(id);
        let NodeKind::Scalar(scalar) = &self.nodes[key as usize].kind else {
            return;
        };
        let key_text: &str = &scalar.value;
        let n_entries = frame.children.len() / 2;
        let earlier = &frame.children[..frame.children.len() - 2];
        let nodes = &self.nodes;
        let scalar_key = |pair: &[NodeId]| match &nodes[pair[0] as usize].kind {
            NodeKind::Scalar(s) => Some(&*s.value),
            _ => None,
        };
        // Small mappings are scanned; past a few entries the key texts go into a set (copied once).
        let duplicate = match &mut frame.keys {
            Some(keys) => !keys.insert(key_text.into()),
            None => {
                let dup = earlier.chunks(2).any(|pair| scalar_key(pair) == Some(key_text));
                if n_entries > 8 {
                    let keys = earlier.chunks(2).filter_map(scalar_key).chain(std::iter::once(key_text));
                    frame.keys = Some(keys.map(Box::from).collect());
                }
                dup
            }
        };
        if !duplicate {
            return;
        }
        let key_text: Box<str> = key_text.into();
        if &*key_text != "<<" {
            let path = self.path_of_open_frames().key(&key_text);
            let span = self.nodes[key as usize].span.clone();
            self.problems.push(Problem {
                kind: ProblemKind::DuplicateKey(path.clone()),
                message: format!(
                    "duplicate key `{}`: `{}` is already defined above",
                    excerpt(&key_text),
                    excerpt(&path.to_string())
                ),
                span,
            });
        }
    }

    /// The path of the innermost open collection (used for duplicate-key messages).
    fn path_of_open_frames(&self) -> Path {
        let mut path = Path::root();
        let open_parents = &self.stack[..self.stack.len().saturating_sub(1)];
        for parent in open_parents {
            match &self.nodes[parent.id as usize].kind {
                NodeKind::Mapping(_) => {
                    let key = parent.pending_key.and_then(|key| match &self.nodes[key as usize].kind {
                        NodeKind::Scalar(s) => Some(s.value.clone()),
                        _ => None,
                    });
                    path = path.key(key.as_deref().unwrap_or("?"));
                }
                _ => path = path.index(parent.children.len()),
            }
        }
        path
    }

    fn close(&mut self, end: usize, explicit_end: bool) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let last_child_end = frame.children.last().map(|it| self.nodes[*it as usize].span.end);
        let node = &mut self.nodes[frame.id as usize];
        let mut children = frame.children;
        if let Some(key) = frame.pending_key {
            // A key whose value never arrived (only possible on a syntax error).
            children.push(key);
        }
        node.kind = match node.kind {
            NodeKind::Mapping(_) => NodeKind::Mapping(
                children
                    .chunks(2)
                    .filter(|pair| pair.len() == 2)
                    .map(|pair| Entry { key: pair[0], value: pair[1] })
                    .collect(),
            ),
            _ => {
                // Kept for as long as the document is open: no spare capacity.
                children.shrink_to_fit();
                NodeKind::Sequence(children)
            }
        };
        let start = node.span.start;
        node.span = start..if explicit_end { end } else { last_child_end.unwrap_or(start).max(start) };
        self.attach(frame.id);
    }

    fn finish(mut self) -> Parsed {
        // Close what a syntax error left open so the partial tree is still usable.
        while !self.stack.is_empty() {
            self.close(0, false);
        }
        // The tree is kept for as long as the document is open: no spare capacity.
        self.nodes.shrink_to_fit();
        let mut tree = Tree { nodes: self.nodes, root: self.root, indexes: Default::default() };
        tree.build_indexes();
        Parsed { tree, problems: self.problems }
    }
}

fn convert_style(style: SaphyrStyle) -> ScalarStyle {
    match style {
        SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        SaphyrStyle::Literal => ScalarStyle::Literal,
        SaphyrStyle::Folded => ScalarStyle::Folded,
        SaphyrStyle::Plain => ScalarStyle::Plain,
    }
}

/// The length of a quoted scalar at the start of `text`, closing quote included.
fn closing_quote(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, quote) = chars.next().filter(|(_, c)| *c == '"' || *c == '\'')?;
    while let Some((idx, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if text[idx + 1..].starts_with('\'') => {
                chars.next();
            }
            (quote, c) if c == quote => return Some(idx + 1),
            _ => {}
        }
    }
    None
}

/// The length of a node's properties at the start of `text`: its anchor (`&a`) and tag (`!!str`,
/// `!custom`, `!<tag:yaml.org,2002:str>`) in either order, with the blanks, line breaks and
/// comments after them. What follows is the node's own text.
pub fn skip_properties(text: &str) -> usize {
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let token = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let blanks = rest.len() - token.len();
        let len = match token.as_bytes().first() {
            Some(b'!') if token.starts_with("!<") => token.find('>').map_or(token.len(), |it| it + 1),
            Some(b'&' | b'!') => token.find([' ', '\t', '\r', '\n', ',', '[', ']', '{', '}']).unwrap_or(token.len()),
            Some(b'#') if blanks > 0 => token.find(['\r', '\n']).unwrap_or(token.len()),
            _ => return at + blanks,
        };
        at += blanks + len;
    }
}

/// The offset of the `|` or `>` that introduces a block scalar whose content starts at `start`.
fn block_indicator(text: &str, start: usize) -> Option<usize> {
    let before = text.get(..start)?;
    let pos = before.rfind(['|', '>'])?;
    let header = before[pos + 1..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
    let (first_line, rest) = header.split_once('\n').unwrap_or((header, ""));
    let first_line = first_line.trim();
    let first_line_ok = first_line.is_empty() || first_line.starts_with('#');
    (first_line_ok && rest.trim().is_empty()).then_some(pos)
}

fn next_char_end(text: &str, start: usize) -> usize {
    text.get(start..).and_then(|rest| rest.chars().next()).map_or(start, |c| start + c.len_utf8())
}

fn next_line_end(text: &str, start: usize) -> usize {
    text.get(start..).and_then(|rest| rest.find(['\n', '\r'])).map_or(text.len(), |it| start + it)
}

/// Converts the parser's character indices to byte offsets, walking from the last position.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    char_idx: usize,
    byte_idx: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        Offsets { text, ascii: text.is_ascii(), char_idx: 0, byte_idx: 0 }
    }

    fn byte(&mut self, char_idx: usize) -> usize {
        if self.ascii {
            return char_idx.min(self.text.len());
        }
        while self.char_idx < char_idx {
            let Some(c) = self.text[self.byte_idx..].chars().next() else {
                return self.byte_idx;
            };
            self.byte_idx += c.len_utf8();
            self.char_idx += 1;
        }
        while self.char_idx > char_idx {
            let Some(c) = self.text[..self.byte_idx].chars().next_back() else {
                break;
            };
            self.byte_idx -= c.len_utf8();
            self.char_idx -= 1;
        }
        self.byte_idx
    }
}
