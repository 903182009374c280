//! pacto-lsp: a language server and CLI for Pacto service contracts.
//!
//! `core` is pure (no async, no protocol types, no network); the CLI and the language server (`server`) sit at the edge,
//! with `clock` (today's date, `PACTO_TODAY`).

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod clock;
pub mod core;
pub mod fs;
pub mod oci;
pub mod pack;
pub mod server;
