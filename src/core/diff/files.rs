//! Referenced files (OpenAPI documents, JSON Schemas), read from both bundles and parsed once per
//! content.

use std::sync::Arc;

use serde_json::Value;

use crate::core::bundle::{BundleFiles, FileRead, check_bundle_path};
use crate::core::memo::Memo;
use crate::core::yaml;

/// The parsed documents of a file both versions reference, or `None` when there is nothing to
/// compare: either side is missing, unusable or unparsable (as upstream, which skips such files),
/// or both hold the same bytes.
pub(super) fn load_pair(
    old_bundle: &dyn BundleFiles,
    old_path: &str,
    new_bundle: &dyn BundleFiles,
    new_path: &str,
) -> Option<(Arc<Value>, Arc<Value>)> {
    let old = read(old_bundle, old_path)?;
    let new = read(new_bundle, new_path)?;
    if old == new {
        return None;
    }
    Some((parse(&old)?, parse(&new)?))
}

fn read(bundle: &dyn BundleFiles, path: &str) -> Option<Arc<[u8]>> {
    check_bundle_path(path).ok()?;
    match bundle.read(path) {
        FileRead::File(bytes) => Some(bytes),
        FileRead::Missing | FileRead::Unusable(_) => None,
    }
}

/// A JSON or YAML document as JSON, memoized by content (the editor re-diffs on every keystroke).
fn parse(bytes: &[u8]) -> Option<Arc<Value>> {
    static PARSED: Memo<Option<Arc<Value>>> = Memo::new(256);
    PARSED.get_or_compute(bytes, || parse_uncached(bytes).map(Arc::new))
}

fn parse_uncached(bytes: &[u8]) -> Option<Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).ok()?;
    if text.trim_start().starts_with('{') {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            return Some(value);
        }
    }
    let parsed = yaml::parse(text);
    if !parsed.is_complete() {
        return None;
    }
    parsed.tree.document_json().ok()
}
