//! An open document: its text in a rope, its version, and the latest analysis of it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use ropey::Rope;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

use crate::core::check::Analysis;
use crate::core::text::LineIndex;
use crate::server::convert::{self, Encoding};

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// Which opening of the URI this is (a session-wide counter, assigned at `didOpen`): a
    /// document closed and opened again at the same version never gets the old text's results.
    pub generation: u64,
    /// The contract's file path, when the URI is a `file:` URI.
    pub path: Option<PathBuf>,
    /// The newest analysis (possibly of an older version than `version`).
    pub analyzed: Option<Arc<Analyzed>>,
    /// The quick analysis requests share while the check of the current version runs.
    pub quick: Option<Arc<Quick>>,
    /// Whether a check is wanted and whether one runs (one at a time per document).
    pub checking: Arc<Checking>,
    /// When the document was last opened, edited or asked about (`Session::next_use`): the analyses of the
    /// least recently used documents are dropped first ([`crate::server::memory`]).
    pub last_used: u64,
    /// Its analysis was dropped to save memory; it is checked again when it is used next.
    pub evicted: bool,
    /// Whether a dependency of the newest analysis may lead into the workspace (kept when the analysis is
    /// dropped: the document is checked again when a workspace bundle changes).
    pub leads_into_workspace: bool,
    /// Whether the last check of this opening was quick (under [`QUICK_CHECK`]): the next one, if only edits ask
    /// for it, may run on the protocol's thread.
    pub checks_quickly: bool,
}

/// A check this fast may run on the protocol's thread the next time.
pub const QUICK_CHECK: std::time::Duration = std::time::Duration::from_millis(1);

/// One analysis and the exact text it ran on.
pub struct Analyzed {
    pub generation: u64,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub analysis: Analysis,
}

impl Analyzed {
    /// Which opening and version of the document this is the analysis of.
    pub fn key(&self) -> (u64, i32) {
        (self.generation, self.version)
    }

    /// Whether this is the analysis of the document's current text.
    pub fn is_for(&self, doc: &Document) -> bool {
        (self.generation, self.version) == (doc.generation, doc.version)
    }
}

/// The quick analysis (text alone, no bundle files) of one version, computed once on demand.
pub struct Quick {
    pub generation: u64,
    pub version: i32,
    pub rope: Rope,
    pub analyzed: OnceLock<Arc<Analyzed>>,
}

/// Single-flight checking: edits mark the document dirty, and at most one worker checks it,
/// always the newest text, until it is clean.
#[derive(Default)]
pub struct Checking {
    state: Mutex<CheckState>,
}

#[derive(Default)]
struct CheckState {
    dirty: bool,
    /// Something other than an edit asked (bundle files, settings, registry answers, an opening).
    not_edits: bool,
    running: bool,
}

/// Why a check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Only edits of the text asked for it since the last check.
    Edits,
    /// Something else did too (the bundle, the settings, the registries, an opening).
    Other,
}

impl Checking {
    /// Asks for a check for any reason but an edit. Returns true when no worker runs, so the caller must start one.
    pub fn want(&self) -> bool {
        self.ask(true)
    }

    /// Asks for a check of an edit. Returns true when no worker runs.
    pub fn want_edit(&self) -> bool {
        self.ask(false)
    }

    fn ask(&self, not_edit: bool) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.dirty = true;
        state.not_edits |= not_edit;
        !std::mem::replace(&mut state.running, true)
    }

    /// The worker takes the request for a check and learns why; without one it stops (`None`).
    pub fn take(&self) -> Option<Trigger> {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        if std::mem::take(&mut state.dirty) {
            return Some(match std::mem::take(&mut state.not_edits) {
                true => Trigger::Other,
                false => Trigger::Edits,
            });
        }
        state.running = false;
        None
    }

    /// Whether a check was asked for since the worker last took one.
    pub fn is_dirty(&self) -> bool {
        self.state.lock().unwrap_or_else(|it| it.into_inner()).dirty
    }

    /// The worker stopped early (the document was closed, or it panicked).
    pub fn stop(&self) {
        self.state.lock().unwrap_or_else(|it| it.into_inner()).running = false;
    }
}

impl Document {
    pub fn new(text: &str, version: i32, generation: u64, path: Option<PathBuf>) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
            generation,
            path,
            analyzed: None,
            quick: None,
            checking: Arc::new(Checking::default()),
            last_used: 0,
            evicted: false,
            leads_into_workspace: false,
            checks_quickly: false,
        }
    }

    /// The quick-analysis slot for the current text (a new one after an edit).
    pub fn quick(&mut self) -> Arc<Quick> {
        match &self.quick {
            Some(quick) if (quick.generation, quick.version) == (self.generation, self.version) => quick.clone(),
            _ => {
                let quick = Arc::new(Quick {
                    generation: self.generation,
                    version: self.version,
                    rope: self.rope.clone(),
                    analyzed: OnceLock::new(),
                });
                self.quick = Some(quick.clone());
                quick
            }
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
        let mut doc = Document::new("name: 😀a\r\nnext: 名b\r\n", 1, 1, None);
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
    fn one_check_runs_at_a_time_and_runs_again_when_edits_arrived_meanwhile() {
        let checking = Checking::default();
        assert!(checking.want(), "the first request starts a worker");
        assert!(!checking.want(), "a second request while it runs only marks the document dirty");
        assert!(!checking.want());
        assert_eq!(checking.take(), Some(Trigger::Other), "the worker checks the newest text once");
        assert_eq!(checking.take(), None, "then it is clean and stops");
        assert!(checking.want_edit(), "the next edit starts a worker again");
        assert!(!checking.want_edit());
        assert_eq!(checking.take(), Some(Trigger::Edits), "only edits asked");
        assert!(!checking.want_edit());
        assert!(!checking.want());
        assert_eq!(checking.take(), Some(Trigger::Other), "an edit and something else asked");
        assert_eq!(checking.take(), None);
        checking.stop();
        assert!(checking.want(), "a worker that stopped early does not block later checks");
    }

    #[test]
    fn the_quick_slot_is_shared_per_version_and_replaced_after_an_edit() {
        let mut doc = Document::new("a: 1\n", 1, 7, None);
        let first = doc.quick();
        assert!(Arc::ptr_eq(&first, &doc.quick()));
        doc.apply(
            &TextDocumentContentChangeEvent { range: None, range_length: None, text: "a: 2\n".into() },
            Encoding::Utf16,
        );
        doc.version = 2;
        let second = doc.quick();
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!((second.generation, second.version, second.rope.to_string()), (7, 2, "a: 2\n".to_string()));
    }

    #[test]
    fn impossible_ranges_are_clamped_not_lost() {
        let mut doc = Document::new("a\nb\n", 1, 1, None);
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
