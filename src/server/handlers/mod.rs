//! One file per LSP feature; each handler is short glue between the protocol and the engine.

pub mod lifecycle;
pub mod text_sync;
pub mod workspace;
