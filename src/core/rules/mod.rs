//! Layers 2 and 3: cross-field rules and semantic warnings, run on the typed model.
//!
//! Each file holds one family of upstream rules. Rules only look at data that is well formed
//! (the model is lenient), so they run even when the structural layer found errors.

mod capabilities;
mod files;
mod interfaces;
mod names;
mod probes;
mod readiness;
mod refs;
mod runtime;
mod service;

use serde_json::Value;

pub(crate) use files::{SchemaFileError, compile_schema_bytes};

use crate::core::bundle::BundleFiles;
use crate::core::finding::Issue;
use crate::core::model::Contract;
use crate::core::schema::{Compatibility, SchemaVersion};

/// What the rules look at.
pub struct Context<'a> {
    pub contract: &'a Contract,
    /// The document JSON, for presence checks the lenient model cannot answer.
    pub document: &'a Value,
    /// The bundle directory; rules that need files are skipped without it.
    pub bundle: Option<&'a dyn BundleFiles>,
    /// The contract's format, and which CLI generation gives 1.0 and 1.1 their meaning.
    pub version: SchemaVersion,
    pub compatibility: Compatibility,
}

impl Context<'_> {
    /// Whether the contract is in the 2.0 format (upstream's era D), whose rules differ from 1.x.
    fn is_v2(&self) -> bool {
        self.version == SchemaVersion::V2_0
    }
}

/// Layer 2: every cross-field rule of the contract's format.
pub fn cross_field(ctx: &Context<'_>) -> Vec<Issue> {
    let mut out = Vec::new();
    service::check(ctx, &mut out);
    names::check(ctx, &mut out);
    if ctx.is_v2() {
        capabilities::check_interfaces(ctx, &mut out);
        capabilities::check(ctx, &mut out);
        capabilities::check_policy_targets(ctx, &mut out);
    } else {
        interfaces::check(ctx, &mut out);
        probes::check(ctx, &mut out);
    }
    files::check(ctx, &mut out);
    refs::check(ctx, &mut out);
    runtime::check(ctx, &mut out);
    if ctx.version.has_readiness(ctx.compatibility) {
        readiness::check(ctx, &mut out);
    }
    out
}

/// Layer 3: semantic warnings (the 1.x formats; 2.0 has no semantic layer).
pub fn semantic(ctx: &Context<'_>) -> Vec<Issue> {
    let mut out = Vec::new();
    if !ctx.is_v2() {
        runtime::check_semantic(ctx, &mut out);
    }
    out
}

/// Whether `document` has a non-null value at `pointer`.
fn present(document: &Value, pointer: &str) -> bool {
    document.pointer(pointer).is_some_and(|it| !it.is_null())
}
