//! The pure engine: positioned YAML, the contract model, every validation layer.
//!
//! Nothing here knows about async runtimes, LSP types or the network.

pub mod bundle;
pub mod check;
pub mod date;
pub mod diff;
pub mod finding;
pub mod ide;
pub mod memo;
pub mod migrate;
pub mod model;
pub mod ociref;
pub mod path;
pub mod policy;
pub mod readiness;
pub mod registry;
pub mod rules;
pub mod schema;
pub mod semver;
pub mod structural;
pub mod text;
pub mod yaml;
