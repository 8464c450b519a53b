//! What idempotent requests need from outside: the records of idempotency keys
//! ([`IdempotencyStore`]).

use async_trait::async_trait;

use crate::shared::errors::RepositoryError;
use crate::shared::sealing::Sealed;
use crate::shared::time::Timestamp;

/// What a claim on an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is the caller's to run the request with: new, expired, or abandoned by a
    /// holder whose lock ran out.
    Claimed,
    /// Another request with this key and body is running.
    InFlight,
    /// The key was used with another request (a different fingerprint) within its window.
    Mismatch,
    /// The request ran; its answer, sealed.
    Answered(Sealed),
}

/// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): one record per caller and
/// key, with the request's fingerprint and, once it ran, its answer (sealed), kept until
/// the window ends.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` of `scope` for a request of `fingerprint` at `now`: a new record (or
    /// one whose window ended at `now`) is written, locked until `locked_until`, expiring at
    /// `expires_at`; an unanswered record of the same fingerprint whose lock ran out is
    /// taken over. Each step is one atomic statement: of concurrent claims, one wins.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &[u8; 32],
        now: Timestamp,
        locked_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim, RepositoryError>;

    /// Keeps `answer` as the answer of the claimed `key` of `scope`.
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn answer(&self, scope: &str, key: &str, answer: &Sealed) -> Result<(), RepositoryError>;

    /// Forgets the claimed, unanswered `key` of `scope` (the request failed in a way a
    /// retry may not: the retry runs again).
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn release(&self, scope: &str, key: &str) -> Result<(), RepositoryError>;

    /// Deletes the records whose window ended at `now`; how many went.
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepositoryError>;
}
