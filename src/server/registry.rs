//! What the registries say, as the editor sees it: answers about `oci://` refs (the remote contract a
//! dependency or configuration ref resolves to, or why it does not), repository tag lists and the pulled
//! `oci://` policy bundles, each asked once and kept for a while.
//!
//! Nothing here runs on the typing path: checks and publishes read what is cached ([`Remotes::cached`]), and
//! the async tasks that ask the registries ([`Remotes::resolve`], [`Remotes::tags`]) run beside them, so a slow
//! or hanging registry never delays a keystroke. Questions asked while the same one is in flight wait for its
//! answer instead of asking again.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::OnceCell;

use crate::core::bundle::BundleRef;
use crate::core::ociref::OciRef;
use crate::core::policy::PolicyResolver;
use crate::core::registry::{Lookup, Lookups, Wanted};
use crate::core::text::excerpt;
use crate::oci::cache::Cache;
use crate::oci::lookup::{self, PulledPolicies, Registries, WithPulled};
use crate::server::settings::Settings;

/// How long an answer about a tag (or a tagless ref) and a tag list are trusted, like the pull cache's tags.
const FRESH: Duration = crate::oci::cache::TAG_TTL;
/// How long a failure is kept before the registry is asked again.
const RETRY: Duration = Duration::from_secs(30);

/// A repository's tags, or why they could not be listed.
type TagList = Result<Vec<String>, String>;

/// An answer and when it was received.
#[derive(Clone)]
struct Answer<T> {
    value: T,
    at: Instant,
}

/// The editor's view of the registries, shared by every document.
pub struct Remotes {
    registries: RwLock<Arc<Registries>>,
    answers: DashMap<Wanted, Answer<Lookup>>,
    asking: DashMap<Wanted, Arc<OnceCell<Lookup>>>,
    tag_lists: DashMap<String, Answer<TagList>>,
    asking_tags: DashMap<String, Arc<OnceCell<TagList>>>,
    /// The `oci://` policy bundles pulled for a contract, by the contract's own `oci://` policy refs (sorted).
    policies: DashMap<Vec<String>, Answer<Arc<PulledPolicies>>>,
    asking_policies: DashMap<Vec<String>, Arc<OnceCell<Arc<PulledPolicies>>>>,
}

impl Remotes {
    pub fn new(settings: &Settings) -> Remotes {
        Remotes {
            registries: RwLock::new(Arc::new(registries_for(settings))),
            answers: DashMap::new(),
            asking: DashMap::new(),
            tag_lists: DashMap::new(),
            asking_tags: DashMap::new(),
            policies: DashMap::new(),
            asking_policies: DashMap::new(),
        }
    }

    /// Starts over with new settings: new clients (and credentials), no answers.
    pub fn reset(&self, settings: &Settings) {
        if let Ok(mut registries) = self.registries.write() {
            *registries = Arc::new(registries_for(settings));
        }
        self.answers.clear();
        self.tag_lists.clear();
        self.policies.clear();
    }

    /// The clients, cache and offline flag of the current settings.
    pub fn registries(&self) -> Arc<Registries> {
        match self.registries.read() {
            Ok(it) => it.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The answers already known for these questions (however old). Never waits.
    pub fn cached(&self, wanted: &[Wanted]) -> Lookups {
        wanted.iter().filter_map(|it| Some((it.clone(), self.answers.get(it)?.value.clone()))).collect()
    }

    /// The questions whose answer is missing or should be asked again.
    pub fn stale(&self, wanted: &[Wanted]) -> Vec<Wanted> {
        wanted.iter().filter(|it| self.answers.get(*it).is_none_or(|answer| !fresh(it, &answer))).cloned().collect()
    }

    /// Asks the registry about one ref (unless a fresh answer is known), waiting for a question already in
    /// flight rather than asking twice, and keeps the answer.
    pub async fn resolve(&self, wanted: &Wanted) -> Lookup {
        if let Some(answer) = self.answers.get(wanted).filter(|answer| fresh(wanted, answer)) {
            return answer.value.clone();
        }
        let cell = self.asking.entry(wanted.clone()).or_default().clone();
        let registries = self.registries();
        let value = cell
            .get_or_init(|| async {
                warm(&registries, &wanted.reference).await;
                let value = lookup::look_up_one(&registries, wanted).await;
                self.answers.insert(wanted.clone(), Answer { value: value.clone(), at: Instant::now() });
                value
            })
            .await
            .clone();
        self.asking.remove_if(wanted, |_, it| Arc::ptr_eq(it, &cell));
        value
    }

    /// Asks about every stale question (a few at a time) and returns whether any answer changed.
    pub async fn refresh(&self, wanted: &[Wanted]) -> bool {
        let before = self.cached(wanted);
        let stale = self.stale(wanted);
        if stale.is_empty() {
            return false;
        }
        futures_util::future::join_all(stale.iter().map(|it| self.resolve(it))).await;
        self.cached(wanted) != before
    }

    /// The repository's tags (kept for a minute), or why they could not be listed.
    pub async fn tags(&self, reference: &OciRef) -> Result<Vec<String>, String> {
        let key = format!("{}/{}", reference.registry, reference.repository);
        if let Some(answer) = self.tag_lists.get(&key).filter(|it| it.at.elapsed() < FRESH) {
            return answer.value.clone();
        }
        let cell = self.asking_tags.entry(key.clone()).or_default().clone();
        let registries = self.registries();
        let value = cell
            .get_or_init(|| async {
                warm(&registries, &format!("oci://{key}")).await;
                let value = registries.tags(reference).await.map_err(|error| error.to_string());
                self.tag_lists.insert(key.clone(), Answer { value: value.clone(), at: Instant::now() });
                value
            })
            .await
            .clone();
        self.asking_tags.remove_if(&key, |_, it| Arc::ptr_eq(it, &cell));
        value
    }
}

impl Remotes {
    /// The policy bundles pulled for a contract whose own `oci://` policy refs are `refs` (sorted, as
    /// [`policy_key`] makes them), however old. Never waits.
    pub fn pulled_policies(&self, refs: &[String]) -> Option<Arc<PulledPolicies>> {
        self.policies.get(refs).map(|it| it.value.clone())
    }

    /// Whether the policy bundles for `refs` were never pulled or should be pulled again: after a minute, or
    /// after 30 s when one of them could not be pulled.
    pub fn policies_stale(&self, refs: &[String]) -> bool {
        self.policies.get(refs).is_none_or(|answer| {
            let failed = answer.value.refs().any(|(_, pulled)| !pulled);
            answer.at.elapsed() >= if failed { RETRY } else { FRESH }
        })
    }

    /// Pulls every `oci://` policy bundle `contract` reaches (its own refs are `refs`, the key they are kept
    /// under) unless a fresh pull is known, sharing a pull already in flight, and keeps the result.
    pub async fn pull_policies(&self, refs: &[String], contract: &[u8]) -> Arc<PulledPolicies> {
        if !self.policies_stale(refs)
            && let Some(known) = self.pulled_policies(refs)
        {
            return known;
        }
        let key = refs.to_vec();
        let cell = self.asking_policies.entry(key.clone()).or_default().clone();
        let registries = self.registries();
        let value = cell
            .get_or_init(|| async {
                for reference in refs {
                    warm(&registries, reference).await;
                }
                let value = Arc::new(lookup::pull_policies(&registries, contract).await);
                self.policies.insert(key.clone(), Answer { value: value.clone(), at: Instant::now() });
                value
            })
            .await
            .clone();
        self.asking_policies.remove_if(&key, |_, it| Arc::ptr_eq(it, &cell));
        value
    }
}

/// Whether the server asks registries on its own (dependency and configuration lookups, policy pulls). Not when
/// `PACTO_LSP_NO_REGISTRY` is set and not empty: test suites whose contracts name real registries set it, so
/// they never leave loopback; commands (`pacto.push`, `pacto.diff`) still use the registries they are given.
pub fn asks_registries() -> bool {
    static ASKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ASKS.get_or_init(|| std::env::var_os("PACTO_LSP_NO_REGISTRY").is_none_or(|it| it.is_empty()))
}

/// The key the policy bundles of a contract are kept under: its own `oci://` policy refs, sorted, each once.
pub fn policy_key(contract: &crate::core::model::Contract) -> Vec<String> {
    let mut refs: Vec<String> =
        contract.policies.iter().filter_map(|it| it.reference.clone()).filter(|it| it.starts_with("oci://")).collect();
    refs.sort();
    refs.dedup();
    refs
}

/// Whether an answer can be used without asking again: a found digest ref forever, other found refs and tag
/// answers for [`FRESH`], failures for [`RETRY`].
fn fresh(wanted: &Wanted, answer: &Answer<Lookup>) -> bool {
    let age = answer.at.elapsed();
    match &answer.value {
        Lookup::Found(_) if wanted.reference.contains('@') => true,
        Lookup::Found(_) | Lookup::NoMatch { .. } => age < FRESH,
        Lookup::NotFound(_) | Lookup::Unreachable(_) | Lookup::AuthFailed(_) => age < RETRY,
    }
}

/// The registries of `settings`: credentials looked up per host, the configured cache, `offline`.
pub fn registries_for(settings: &Settings) -> Registries {
    let cache = settings.cache_dir.clone().or_else(Cache::default_dir).map(Cache::new);
    let offline = settings.offline;
    let settings = settings.clone();
    Registries::new(move |host| settings.registry(host), cache, offline)
}

/// Makes the client for the ref's registry on a blocking thread: looking up its credentials may run a Docker
/// credential helper, which must not hold an async worker.
async fn warm(registries: &Arc<Registries>, reference: &str) {
    let Some(host) = reference.strip_prefix("oci://").and_then(|it| it.split('/').next()) else { return };
    let (registries, host) = (registries.clone(), host.to_string());
    let _ = tokio::task::spawn_blocking(move || {
        registries.get(&host);
    })
    .await;
}

/// Whose check it is, which decides what an `oci://` policy ref that is not pulled yet means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOf {
    /// An open document: its refs are being pulled in the background (unless the server asks no registry).
    OpenDocument,
    /// A closed file of the workspace: it never starts a pull.
    ClosedFile,
}

/// The editor's policy resolver: local refs through the folder resolver, `oci://` ones from the bundles pulled
/// for the contract. A ref not pulled fails closed, saying why and how it gets checked.
pub struct EditorPolicies<'a> {
    pub local: &'a crate::fs::Resolver,
    pub pulled: Option<&'a PulledPolicies>,
    pub check_of: CheckOf,
}

impl PolicyResolver for EditorPolicies<'_> {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String> {
        if !reference.starts_with("oci://") {
            return self.local.open(from, reference);
        }
        // A set that reached the cap left refs out on purpose (`WithPulled` says so); otherwise a ref it lacks is
        // one the contract gained since the pull.
        let full = |it: &PulledPolicies| it.refs().count() >= lookup::MAX_PULLED_POLICIES;
        match self.pulled {
            Some(pulled) if full(pulled) || pulled.refs().any(|(it, _)| it == reference) => {
                WithPulled { local: Some(self.local), pulled }.open(from, reference)
            }
            _ => Err(match self.check_of {
                CheckOf::ClosedFile => {
                    format!(
                        "`{}` is not pulled yet: open the contract to pull it from its registry",
                        excerpt(reference)
                    )
                }
                CheckOf::OpenDocument if !asks_registries() => {
                    format!("`{}` is not pulled: the server asks no registry on its own", excerpt(reference))
                }
                CheckOf::OpenDocument => format!(
                    "`{}` is being pulled from its registry; the policy is checked when it arrives",
                    excerpt(reference)
                ),
            }),
        }
    }
}
