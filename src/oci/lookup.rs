//! What a contract's `oci://` refs point at, asked of the registries through the pull cache: the answers for
//! the registry-aware findings (`crate::core::registry`) and the bundles of `oci://` policy refs, which the
//! core's synchronous policy resolver then reads from memory. Shared by `check` and the language server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use super::cache::{self, Cache};
use super::{OciRegistry, Registry, RegistryError, Settings, highest_tag};
use crate::core::bundle::BundleRef;
use crate::core::ociref::{self, OciRef};
use crate::core::policy::PolicyResolver;
use crate::core::registry::{Lookup, Lookups, Remote, Wanted};
use crate::core::semver::{Constraints, compare, parse_version};

/// How many registry questions are in flight at once.
const PARALLEL: usize = 4;
/// The most policy bundles pulled for one contract.
pub const MAX_PULLED_POLICIES: usize = 64;

/// The registries a check talks to: one [`OciRegistry`] per host, made on first use with the settings (and
/// credentials) for that host, then kept so connections and tokens are reused.
pub struct Registries {
    settings: Box<dyn Fn(&str) -> Settings + Send + Sync>,
    open: Mutex<HashMap<String, Arc<OciRegistry>>>,
    /// The pull cache (`None`: every pull asks the registry).
    pub cache: Option<Cache>,
    /// Serve pulls from the cache only.
    pub offline: bool,
}

impl Registries {
    /// Registries configured per host by `settings`.
    pub fn new(
        settings: impl Fn(&str) -> Settings + Send + Sync + 'static,
        cache: Option<Cache>,
        offline: bool,
    ) -> Registries {
        Registries { settings: Box::new(settings), open: Mutex::default(), cache, offline }
    }

    /// The client for `host`.
    pub fn get(&self, host: &str) -> Arc<OciRegistry> {
        // A poisoned lock only means another thread panicked while inserting; the map is still usable.
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.entry(host.to_string()).or_insert_with(|| Arc::new(OciRegistry::new((self.settings)(host)))).clone()
    }

    /// Pulls `reference` through the cache with the client for its registry.
    pub async fn pull(&self, reference: &OciRef) -> Result<(OciRef, super::Pulled), RegistryError> {
        let registry = self.get(&reference.registry);
        cache::pull(registry.as_ref(), self.cache.as_ref(), reference, self.offline).await
    }

    /// The repository's tags (from the registry: tags are not cached).
    pub async fn tags(&self, reference: &OciRef) -> Result<Vec<String>, RegistryError> {
        if self.offline {
            return Err(RegistryError::NotCached { reference: reference.to_string() });
        }
        self.get(&reference.registry).list_tags(reference).await
    }
}

/// Asks about every ref, a few at a time. Each answer is independent: one unreachable registry does not hide
/// the others' answers.
pub async fn look_up(registries: &Registries, wanted: &[Wanted]) -> Lookups {
    futures_util::stream::iter(wanted)
        .map(|wanted| async move { (wanted.clone(), look_up_one(registries, wanted).await) })
        .buffer_unordered(PARALLEL)
        .collect()
        .await
}

/// Resolves one ref (a tagless one to the highest semver tag its range admits), pulls its bundle through the
/// cache and summarizes its contract.
pub async fn look_up_one(registries: &Registries, wanted: &Wanted) -> Lookup {
    let Some(reference) = wanted.reference.strip_prefix("oci://").and_then(|it| ociref::parse(it).ok()) else {
        return Lookup::NotFound(format!("`{}` is not a valid `oci://` ref", wanted.reference));
    };
    let range = wanted.compatibility.as_deref().and_then(|it| Constraints::parse(it).ok());
    let tagless = reference.tag.is_none() && reference.digest.is_none();
    let target = match tagless && !registries.offline {
        true => match registries.tags(&reference).await {
            Ok(tags) => match highest_tag(&tags, range.as_ref()) {
                Some(tag) => OciRef { tag: Some(tag), ..reference },
                None => return Lookup::NoMatch { published: semver_tags(&tags) },
            },
            Err(error) => return lookup_error(error),
        },
        false => reference,
    };
    match registries.pull(&target).await {
        Ok((resolved, pulled)) => {
            let contract: Arc<str> = String::from_utf8_lossy(pulled.archive.contract()).into();
            Lookup::Found(Arc::new(Remote::new(resolved.to_string(), pulled.manifest.digest, contract)))
        }
        Err(error) => lookup_error(error),
    }
}

/// The semver tags among `tags`, highest first.
pub fn semver_tags(tags: &[String]) -> Vec<String> {
    let mut versions: Vec<_> = tags.iter().filter_map(|tag| Some((parse_version(tag).ok()?, tag.clone()))).collect();
    versions.sort_by(|a, b| compare(&b.0, &a.0));
    versions.into_iter().map(|(_, tag)| tag).collect()
}

/// A registry failure as an answer.
fn lookup_error(error: RegistryError) -> Lookup {
    let message = error.to_string();
    match error {
        RegistryError::NotFound { .. } | RegistryError::Invalid { .. } => Lookup::NotFound(message),
        RegistryError::Auth { .. } => Lookup::AuthFailed(message),
        RegistryError::Unreachable { .. } | RegistryError::Timeout { .. } | RegistryError::NotCached { .. } => {
            Lookup::Unreachable(message)
        }
    }
}

/// The `oci://` policy bundles a contract reaches, pulled before its check (the core's resolver is
/// synchronous). A ref that could not be pulled keeps its reason, so the check fails closed on it.
#[derive(Clone, Default)]
pub struct PulledPolicies {
    bundles: HashMap<String, Result<BundleRef, String>>,
}

impl std::fmt::Debug for PulledPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.refs()).finish()
    }
}

impl PulledPolicies {
    /// Whether nothing was pulled (the contract has no `oci://` policy refs).
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }

    /// The refs pulled, with whether each could be.
    pub fn refs(&self) -> impl Iterator<Item = (&str, bool)> {
        self.bundles.iter().map(|(reference, bundle)| (reference.as_str(), bundle.is_ok()))
    }
}

/// Pulls every `oci://` policy ref reachable from `contract`, following the policies of the pulled bundles, at
/// most [`MAX_PULLED_POLICIES`] bundles.
pub async fn pull_policies(registries: &Registries, contract: &[u8]) -> PulledPolicies {
    let mut bundles: HashMap<String, Result<BundleRef, String>> = HashMap::new();
    let mut wave = oci_policy_refs(contract);
    while !wave.is_empty() {
        wave.retain(|it| !bundles.contains_key(it));
        wave.sort();
        wave.dedup();
        wave.truncate(MAX_PULLED_POLICIES.saturating_sub(bundles.len()));
        let pulled: Vec<(String, Result<crate::pack::Archive, String>)> =
            futures_util::stream::iter(std::mem::take(&mut wave))
                .map(|reference| async move {
                    let bundle = pull_policy(registries, &reference).await;
                    (reference, bundle)
                })
                .buffer_unordered(PARALLEL)
                .collect()
                .await;
        for (reference, bundle) in pulled {
            let bundle = bundle.map(|archive| {
                wave.extend(oci_policy_refs(archive.contract()));
                BundleRef {
                    id: reference.clone(),
                    files: Arc::new(archive) as Arc<dyn crate::core::bundle::BundleFiles>,
                }
            });
            bundles.insert(reference, bundle);
        }
    }
    PulledPolicies { bundles }
}

async fn pull_policy(registries: &Registries, reference: &str) -> Result<crate::pack::Archive, String> {
    let parsed = reference
        .strip_prefix("oci://")
        .and_then(|it| ociref::parse(it).ok())
        .ok_or_else(|| format!("`{reference}` is not a valid `oci://` ref"))?;
    let (_, pulled) = registries.pull(&parsed).await.map_err(|error| error.to_string())?;
    Ok(pulled.archive)
}

/// The `oci://` refs of a contract's `policies`.
pub fn oci_policy_refs(contract: &[u8]) -> Vec<String> {
    let contract = super::contract_of(&String::from_utf8_lossy(contract));
    contract.policies.into_iter().filter_map(|it| it.reference).filter(|it| it.starts_with("oci://")).collect()
}

/// Resolves `oci://` policy refs from the bundles pulled before the check, and local ones with `local` when
/// there is one. Fails closed: a ref that was not pulled is unresolved.
pub struct WithPulled<'a> {
    pub local: Option<&'a dyn PolicyResolver>,
    pub pulled: &'a PulledPolicies,
}

impl PolicyResolver for WithPulled<'_> {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String> {
        if !reference.starts_with("oci://") {
            return match self.local {
                Some(local) => local.open(from, reference),
                None => Err("a local ref in a pulled bundle has no folder to be resolved against".into()),
            };
        }
        match self.pulled.bundles.get(reference) {
            Some(pulled) => pulled.clone(),
            None => Err(format!(
                "`{reference}` was not pulled before the check (at most {MAX_PULLED_POLICIES} policy bundles are)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_tags_are_sorted_highest_first_without_the_others() {
        let tags: Vec<String> = ["latest", "1.2.0", "v2.0.0", "1.10.0", "main", "1.2.0-rc.1"].map(String::from).into();
        assert_eq!(semver_tags(&tags), vec!["v2.0.0", "1.10.0", "1.2.0", "1.2.0-rc.1"]);
    }

    #[test]
    fn registry_failures_map_to_their_answers() {
        let registry = || "reg:5000".to_string();
        let not_found = RegistryError::NotFound { registry: registry(), what: "`oci://reg:5000/a:1`".into() };
        assert!(matches!(lookup_error(not_found), Lookup::NotFound(message) if message.contains("reg:5000")));
        let auth = RegistryError::Auth { registry: registry(), detail: "401".into() };
        assert!(matches!(lookup_error(auth), Lookup::AuthFailed(_)));
        let timeout = RegistryError::Timeout { registry: registry(), millis: 5 };
        assert!(matches!(lookup_error(timeout), Lookup::Unreachable(message) if message.contains("within 5 ms")));
    }
}
