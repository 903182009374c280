//! What open documents keep in memory, and handing freed memory back.
//!
//! An analysis holds about seventeen times its text (the tree, the model, the findings), so a hundred open
//! 10,000-line contracts would hold hundreds of MiB that nobody reads: the user works in a few of them. The
//! analyses of the documents used most recently (opened, edited, asked about) are kept while their texts add up
//! to [`KEPT_TEXT_BUDGET`]; an older one is dropped (the document is marked `evicted`) and checked again when it
//! is used next: a request answers from a quick analysis of the text meanwhile, and a republish (registry
//! answers, workspace changes, a live diff) becomes a check. The document's text and its published diagnostics
//! are never dropped.
//!
//! After a burst of checks the allocator is asked to return the pages the checks freed ([`after_check`]): glibc
//! keeps freed memory in its per-thread arenas otherwise, and a server that opened many large contracts at once
//! would keep their peak for good.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tower_lsp_server::ls_types::Uri;

use crate::server::session::Session;

/// Analyses are kept for the most recently used documents while their texts add up to at most this (about
/// eight 10,000-line contracts, or hundreds of ordinary ones); the document just checked always keeps its own.
pub const KEPT_TEXT_BUDGET: usize = 2 * 1024 * 1024;

/// Freed memory is handed back once checks of at least this much text ran since the last time …
const TRIM_AFTER_BYTES: usize = 1024 * 1024;

/// … and no sooner than this after the check that crossed the mark (a burst finishes first).
const TRIM_DELAY: Duration = Duration::from_millis(100);

static CHECKED_BYTES: AtomicUsize = AtomicUsize::new(0);
static TRIM_PENDING: AtomicBool = AtomicBool::new(false);

/// Drops the analyses of the least recently used documents (never `keep`'s) until the texts of the kept ones
/// fit in [`KEPT_TEXT_BUDGET`].
pub fn evict_cold(session: &Session, keep: &Uri) {
    let budget = KEPT_TEXT_BUDGET;
    let mut kept: Vec<(u64, Uri, usize)> = Vec::new();
    let mut total = 0;
    for doc in session.documents.iter() {
        if let Some(analyzed) = &doc.analyzed {
            total += analyzed.text.len();
            if doc.key() != keep {
                kept.push((doc.last_used, doc.key().clone(), analyzed.text.len()));
            }
        }
    }
    if total <= budget {
        return;
    }
    kept.sort_unstable_by_key(|it| it.0);
    // Freed after the map's locks are released (freeing a large analysis takes a while).
    let mut dropped = Vec::new();
    for (_, uri, bytes) in kept {
        if total <= budget {
            break;
        }
        let Some(mut doc) = session.documents.get_mut(&uri) else { continue };
        if let Some(analyzed) = doc.analyzed.take() {
            doc.evicted = true;
            doc.quick = None;
            total -= bytes;
            tracing::debug!(uri = uri.as_str(), bytes, "analysis dropped; the document was not used lately");
            dropped.push(analyzed);
        }
    }
    drop(dropped);
}

/// Counts a finished check of `bytes` of text; after enough of them, schedules handing freed memory back.
/// Call it inside the runtime.
pub fn after_check(bytes: usize) {
    let total = CHECKED_BYTES.fetch_add(bytes, Ordering::Relaxed) + bytes;
    if total < TRIM_AFTER_BYTES || TRIM_PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        TRIM_PENDING.store(false, Ordering::Release);
        return;
    };
    handle.spawn(async {
        tokio::time::sleep(TRIM_DELAY).await;
        CHECKED_BYTES.store(0, Ordering::Relaxed);
        let _ = tokio::task::spawn_blocking(trim).await;
        TRIM_PENDING.store(false, Ordering::Release);
    });
}

/// Returns the free pages of every malloc arena to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: `malloc_trim` has no preconditions; it only releases memory that is free.
    let released = unsafe { libc::malloc_trim(0) };
    tracing::trace!(released, "freed memory handed back");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// A check of the document `uri` is wanted because its analysis was dropped; starts it (inside the runtime).
pub fn recheck_evicted(session: &Arc<Session>, uri: &Uri) {
    let evicted = session.documents.get_mut(uri).is_some_and(|mut doc| std::mem::take(&mut doc.evicted));
    if evicted && tokio::runtime::Handle::try_current().is_ok() {
        tracing::debug!(uri = uri.as_str(), "checking again a document whose analysis was dropped");
        crate::server::diagnostics::schedule(session, uri.clone());
    }
}
