//! Editing intelligence: completion, hover, navigation, outline. Offsets in, plain data out.

pub mod actions;
pub mod completion;
pub mod cursor;
pub mod describe;
pub mod hover;
pub mod markdown;
pub mod navigation;
pub mod outline;
pub mod scalar;
