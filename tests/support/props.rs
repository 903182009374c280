//! The bounded proptest configuration shared by the property tests (`fuzz.rs`, `ide_props.rs`),
//! included by path so those tests do not pull in the LSP and Neovim helpers.

use std::hash::{BuildHasher, RandomState};
use std::time::Instant;

use proptest::test_runner::{Config as ProptestConfig, RngSeed};

/// Base proptest configuration: `cases` unless `PROPTEST_CASES` is set, no persistence files, and
/// a seed that is printed (and taken from `PROPTEST_RNG_SEED` when set).
pub fn config(cases: u32) -> ProptestConfig {
    // `default()` reads the PROPTEST_* environment variables; explicit fields would override them.
    let base = ProptestConfig::default();
    let cases = match std::env::var_os("PROPTEST_CASES") {
        Some(_) => base.cases,
        None => cases,
    };
    let max_shrink_time = match std::env::var_os("PROPTEST_MAX_SHRINK_TIME") {
        Some(_) => base.max_shrink_time,
        None => 60_000,
    };
    let seed = match base.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => RandomState::new().hash_one(Instant::now()),
    };
    // Captured by the test harness: shown only when the test fails.
    eprintln!("proptest seed {seed}: rerun with PROPTEST_RNG_SEED={seed}");
    ProptestConfig { cases, max_shrink_time, failure_persistence: None, rng_seed: RngSeed::Fixed(seed), ..base }
}
