//! What checking credentials needs from outside: the slow hash of secrets
//! ([`SecretHasher`]), where clients publish their keys ([`KeyDirectory`]), the check of a
//! client assertion ([`AssertionVerifier`]) and the assertions already used
//! ([`ReplayGuard`]).

use async_trait::async_trait;

use super::keys::{Jwks, JwksUri, SigningAlgorithm};
use super::secret::{ClientSecret, SecretHash};
use crate::shared::errors::{BoxError, HasherError, RepositoryError};
use crate::shared::ids::AppId;
use crate::shared::outbound::OutboundRefusal;
use crate::shared::time::Timestamp;
use crate::shared::validation::Violation;

/// A slow, salted password hash for client secrets (Argon2id in production).
///
/// Both methods say whose request the work is for (`requester`, the subject of the
/// caller's token), so that an implementation can share its capacity fairly between
/// callers: one caller's burst of creations should not delay another caller's client
/// authentications. [`SecretHasher::hash`] serves registrations and rotations,
/// [`SecretHasher::verify`] client authentications; an implementation may serve the
/// latter first.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SecretHasher: Send + Sync {
    /// Hashes a new secret with a fresh salt, for `requester`.
    ///
    /// # Errors
    /// [`HasherError::Busy`] when saturated; [`HasherError::Unexpected`] otherwise.
    async fn hash(&self, secret: &ClientSecret, requester: &str)
    -> Result<SecretHash, HasherError>;

    /// Whether `presented` matches `hash`, compared in constant time, for `requester`.
    ///
    /// # Errors
    /// [`HasherError::Busy`] when saturated; [`HasherError::Unexpected`] when `hash` cannot
    /// be read. A mismatch is `Ok(false)`, never an error.
    async fn verify(
        &self,
        presented: &str,
        hash: &SecretHash,
        requester: &str,
    ) -> Result<bool, HasherError>;
}

/// Why a published key set could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFetchError {
    /// The URL leads somewhere the server may not fetch from (its address policy).
    #[error("the key set's URL may not be fetched: {0}")]
    Refused(String),
    /// The URL could not be fetched (time-out, TLS, status, size); retrying later may work.
    #[error("the key set could not be fetched")]
    Unavailable(#[source] BoxError),
    /// What was fetched is not a valid JWK Set.
    #[error("the fetched key set is not valid: {0}")]
    Invalid(Violation),
}

/// Where clients publish their keys (`jwks_uri`): the server's policy on which URLs it may
/// fetch, and the fetching itself, cached.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait KeyDirectory: Send + Sync {
    /// Whether the server may fetch from `uri` at all, as far as can be told before
    /// fetching (an IP-literal host in a refused range is refused; a host name is checked
    /// again after each resolution).
    ///
    /// # Errors
    /// [`OutboundRefusal`] naming the first rule `uri` breaks (not https, a user name or
    /// password, a fragment, no host, a special-purpose address); its message reads as a
    /// field message.
    fn permits(&self, uri: &JwksUri) -> Result<(), OutboundRefusal>;

    /// The key set published at `uri`: from the cache while it is fresh, else fetched.
    /// With `refresh`, fetched past the cache (an assertion named a key the cached set does
    /// not have), at most once a minute per URL.
    ///
    /// # Errors
    /// [`KeyFetchError`] saying why no set could be had.
    async fn fetch(&self, uri: &JwksUri, refresh: bool) -> Result<Jwks, KeyFetchError>;
}

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2), the only
/// assertion type the registry verifies.
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Why a client assertion was refused (RFC 7523 §3), for the logs: the answer to the
/// authorization server is the same `invalid` whatever the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssertionRefusal {
    /// Not a JWS in compact form, or its header or claims cannot be read.
    #[error("the assertion is not a readable signed JWT")]
    Malformed,
    /// Its algorithm is `none`, an HMAC or another algorithm not accepted, or not one the
    /// key may sign with.
    #[error("the assertion's algorithm is not accepted for its key")]
    Algorithm,
    /// No current or in-grace key has its `kid` (or, without a `kid`, there is not exactly
    /// one key).
    #[error("no registered key matches the assertion's kid")]
    UnknownKey,
    /// The signature does not verify with the key it names.
    #[error("the assertion's signature is not valid")]
    Signature,
    /// A claim breaks a rule (named).
    #[error("the assertion's claims are not valid: {0}")]
    Claims(&'static str),
}

/// What a verified client assertion says that the service keeps: its `jti` and when it
/// expires (until when a replay must be refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The assertion's unique id.
    pub jti: String,
    /// Its `exp`.
    pub expires_at: Timestamp,
    /// Which of the key sets offered to [`AssertionVerifier::verify`] (its index) holds
    /// the key that verified it.
    pub key_set: usize,
}

/// What a client assertion must say (RFC 7523 §3, RFC 7521 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRules {
    /// `iss` and `sub` must both be this client id.
    pub client_id: String,
    /// `aud` must hold one of these.
    pub audiences: Vec<String>,
    /// The time to check `exp`, `nbf` and `iat` against.
    pub now: Timestamp,
    /// `exp` at most this far ahead of `now`.
    pub max_lifetime_seconds: u32,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway_seconds: u32,
}

/// What is used of a JWS protected header (RFC 7515 §4.1): its algorithm, one the
/// registry accepts, and the key id it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionHeader {
    /// `alg`.
    pub alg: SigningAlgorithm,
    /// `kid`, when the header has one.
    pub kid: Option<String>,
}

/// A client assertion read once (a JWS in compact serialization, RFC 7515 §7.1), nothing
/// verified yet: what [`AssertionVerifier::read`] makes of the text, and what
/// [`AssertionVerifier::verify`] checks, as many times as key sets are offered to it,
/// without decoding the text again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAssertion {
    /// The protected header, or why it cannot be used ([`AssertionRefusal::Malformed`],
    /// [`AssertionRefusal::Algorithm`]): refused by [`AssertionVerifier::verify`] before
    /// any key is chosen.
    pub header: Result<AssertionHeader, AssertionRefusal>,
    /// The claims, when the payload is a JSON object (`None` otherwise: refused once the
    /// signature is checked).
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// What the signature signs: the header and payload segments as sent, joined by `.`.
    pub signing_input: String,
    /// The signature segment as sent (base64url).
    pub signature: String,
}

impl ReadAssertion {
    /// The `sub` the assertion names, a non-empty string, read without verifying anything:
    /// to find the client when the request does not name it.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        match self.claims.as_ref()?.get("sub") {
            Some(serde_json::Value::String(sub)) if !sub.is_empty() => Some(sub),
            _ => None,
        }
    }
}

/// Checks client assertions (`private_key_jwt`, RFC 7523) with a client's public keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AssertionVerifier: Send + Sync {
    /// Reads `assertion` once into its parts, verifying nothing.
    fn read(&self, assertion: &str) -> ReadAssertion;

    /// Verifies the assertion [`AssertionVerifier::read`] read with a key of `keys` (the
    /// current set, then the previous one while its grace period lasts), and its claims
    /// against `rules`.
    ///
    /// # Errors
    /// [`AssertionRefusal`] saying why it is refused.
    fn verify(
        &self,
        assertion: &ReadAssertion,
        keys: &[Jwks],
        rules: &AssertionRules,
    ) -> Result<VerifiedAssertion, AssertionRefusal>;
}

/// Assertions already used: a `jti` is accepted once per client across every replica,
/// until the assertion expires.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReplayGuard: Send + Sync {
    /// Records the use of `jti` by `client` until `expires_at`; `false` when it was already
    /// recorded (a replay) and that record's assertion has not expired by `now` (the
    /// domain's clock, as the use case read it). Records that expired may be purged.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn first_use(
        &self,
        client: AppId,
        jti: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, RepositoryError>;
}
