//! One file per LSP feature; each handler is short glue between the protocol and the engine.

pub mod code_action;
pub mod code_lens;
pub mod completion;
pub mod debug;
pub mod definition;
pub mod execute_command;
pub mod hover;
pub mod lifecycle;
pub mod pull;
pub mod references;
pub mod rename;
pub mod structure;
pub mod text_sync;
pub mod workspace;
