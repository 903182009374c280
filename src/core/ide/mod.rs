//! Editing intelligence: completion, hover, navigation, outline. Offsets in, plain data out.
//!
//! Every entry point accepts any byte offset: past the end, or inside a multi-byte character,
//! it answers as for a nearby position and never panics. Every range it returns lies inside the
//! text on char boundaries, and the edits it proposes do not overlap and leave complete YAML
//! complete (`tests/ide_props.rs`). Edits replace a value's own text ([`Tree::text_span`]), so
//! anchors, tags, quotes and comments around it stay; an alias is never rewritten. Contract text
//! reaches markdown only through [`markdown`], and YAML text only through [`scalar`].
//!
//! [`Tree::text_span`]: crate::core::yaml::Tree::text_span

pub mod actions;
pub mod completion;
pub mod cursor;
pub mod describe;
pub mod hover;
pub mod markdown;
pub mod migrate;
pub mod navigation;
pub mod outline;
pub mod remote;
pub mod scalar;
pub mod workspace;
