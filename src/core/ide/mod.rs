//! Editing intelligence: completion, hover, navigation, outline. Offsets in, plain data out.

pub mod cursor;
