//! Registry failures, each naming the registry, never a credential.

use oci_client::errors::{OciDistributionError, OciErrorCode};

use crate::core::ociref::OciRef;

/// Why a registry operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// The repository, tag or digest does not exist (404, or no tag satisfies the range).
    NotFound { registry: String, what: String },
    /// The registry refused the credentials (401, 403).
    Auth { registry: String, detail: String },
    /// The registry could not be reached or answered with an error.
    Unreachable { registry: String, detail: String },
    /// The registry did not answer within the timeout.
    Timeout { registry: String, millis: u64 },
    /// The artifact is not a pacto bundle (manifest, config, layers or archive).
    Invalid { reference: String, why: String },
    /// An offline pull found no intact cache entry for the ref.
    NotCached { reference: String },
}

impl RegistryError {
    /// Classifies an `oci-client` error for the ref it concerned.
    pub(crate) fn from_client(reference: &OciRef, error: OciDistributionError) -> RegistryError {
        let registry = reference.registry.clone();
        let not_found = || RegistryError::NotFound { registry: registry.clone(), what: format!("`oci://{reference}`") };
        let auth = |detail: String| RegistryError::Auth { registry: registry.clone(), detail };
        match error {
            OciDistributionError::UnauthorizedError { .. } => auth("the registry answered 401".into()),
            OciDistributionError::AuthenticationFailure(detail) => auth(cap(&detail)),
            OciDistributionError::ImageManifestNotFoundError(_) => not_found(),
            OciDistributionError::ServerError { code: code @ (401 | 403), .. } => {
                auth(format!("the registry answered {code}"))
            }
            OciDistributionError::ServerError { code: 404, .. } => not_found(),
            OciDistributionError::ServerError { code, message, .. } => RegistryError::Unreachable {
                registry: registry.clone(),
                detail: format!("the registry answered {code}: {}", cap(&message)),
            },
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|it| &it.code).collect();
                if codes.iter().any(|it| matches!(it, OciErrorCode::Unauthorized | OciErrorCode::Denied)) {
                    return auth("the registry refused the credentials".into());
                }
                let missing = |it: &&OciErrorCode| {
                    matches!(
                        it,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                            | OciErrorCode::BlobUnknown
                    )
                };
                if codes.iter().any(missing) {
                    return not_found();
                }
                let messages: Vec<String> = envelope.errors.iter().map(|it| cap(&it.message)).collect();
                RegistryError::Unreachable {
                    registry,
                    detail: format!("the registry refused: {}", messages.join("; ")),
                }
            }
            OciDistributionError::RequestError(error) => {
                // The chain of causes says what happened (connection refused, DNS, TLS) without the URL.
                RegistryError::Unreachable { registry, detail: describe(&error.without_url()) }
            }
            other => RegistryError::Unreachable { registry, detail: cap(&other.to_string()) },
        }
    }

    /// The registry the failure concerns (host and port).
    pub fn registry(&self) -> &str {
        match self {
            RegistryError::NotFound { registry, .. }
            | RegistryError::Auth { registry, .. }
            | RegistryError::Unreachable { registry, .. }
            | RegistryError::Timeout { registry, .. } => registry,
            RegistryError::Invalid { reference, .. } | RegistryError::NotCached { reference } => {
                reference.split('/').next().unwrap_or(reference)
            }
        }
    }
}

/// An error and its chain of causes on one line, capped (the caller removes any URL first).
pub(crate) fn describe(error: &dyn std::error::Error) -> String {
    let mut detail = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !detail.contains(&text) {
            detail = format!("{detail}: {text}");
        }
        source = cause.source();
    }
    cap(&detail)
}

/// A registry's text on one line, with control characters escaped, at most 300 characters.
fn cap(text: &str) -> String {
    let escaped: String = text.trim().chars().flat_map(|it| it.escape_debug()).collect();
    match escaped.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &escaped[..end]),
        None => escaped,
    }
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::NotFound { registry, what } => {
                write!(f, "artifact not found in registry `{registry}`: {what}")
            }
            RegistryError::Auth { registry, detail } => write!(
                f,
                "authentication failed for registry `{registry}` ({detail}); check `PACTO_REGISTRY_USERNAME` and \
                 `PACTO_REGISTRY_PASSWORD`, or `PACTO_REGISTRY_TOKEN`, or run `pacto-lsp login`"
            ),
            RegistryError::Unreachable { registry, detail } => {
                write!(f, "registry `{registry}` is unreachable: {detail}")
            }
            RegistryError::Timeout { registry, millis } => {
                write!(f, "registry `{registry}` did not answer within {millis} ms")
            }
            RegistryError::Invalid { reference, why } => write!(f, "`oci://{reference}` is not a pacto bundle: {why}"),
            RegistryError::NotCached { reference } => write!(
                f,
                "`oci://{reference}` is not in the cache (or its cached copy is damaged); pull it once without \
                 `--offline`"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}
