//! The registries one CLI command talks to, and the runtime their calls run on.

use super::oci::RegistryFlags;
use crate::oci::lookup::{self, PulledPolicies, Registries};

/// The registries one command talks to and the runtime their calls run on. `oci://` policy refs are always
/// resolved (they decide the verdict); dependency and configuration refs only with `check --resolve`.
pub struct Online {
    pub runtime: tokio::runtime::Runtime,
    pub registries: Registries,
    pub resolve: bool,
}

impl Online {
    /// The registries the command's registry flags describe (plain HTTP hosts, timeout, cache, offline).
    pub fn new(flags: &RegistryFlags, resolve: bool) -> Result<Online, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| format!("cannot start the network runtime: {error}"))?;
        let cache = flags.cache()?;
        let offline = flags.offline;
        let flags = flags.clone();
        let registries = Registries::new(move |host: &str| flags.settings(host), cache, offline);
        Ok(Online { runtime, registries, resolve })
    }

    /// The `oci://` policy bundles the contract reaches, pulled into memory (the core's resolver is synchronous).
    pub fn policies(&self, contract: &[u8]) -> PulledPolicies {
        self.runtime.block_on(lookup::pull_policies(&self.registries, contract))
    }

    /// The `oci://` policy bundles the contract of the bundle folder `dir` reaches (none when the contract cannot
    /// be read: packing then reports that itself).
    pub fn policies_of(&self, dir: &std::path::Path) -> std::sync::Arc<PulledPolicies> {
        let pulled = match super::read_local_contract(dir) {
            Ok(contract) => self.policies(&contract.bytes),
            Err(_) => PulledPolicies::default(),
        };
        std::sync::Arc::new(pulled)
    }
}
