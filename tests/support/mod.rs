//! Shared helpers for integration tests.

pub mod lsp;
pub mod nvim;
