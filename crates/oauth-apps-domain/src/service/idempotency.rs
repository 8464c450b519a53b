//! Idempotent requests (draft-ietf-httpapi-idempotency-key-header): a request retried with
//! the same `Idempotency-Key` and the same content within the window gets the first
//! answer again instead of running twice (a retried create or rotation must not burn a
//! secret the caller never saw). The answer is kept sealed, since it may hold a secret.
//!
//! The domain sees a request's fingerprint and its answer as bytes; the HTTP adapter makes
//! them.

use std::sync::Arc;

use crate::model::Timestamp;
use crate::ports::{Claim, Clock, IdempotencyStore, RepositoryError, SealError, Sealer};

/// How long a key's first answer is given again: 24 hours.
pub const IDEMPOTENCY_WINDOW_SECONDS: u32 = 24 * 3600;
/// How long a request holds its key before a retry may take it over (a process that died
/// mid-request): 60 seconds.
pub const IDEMPOTENCY_LOCK_SECONDS: u32 = 60;
/// The longest key accepted, in characters.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// What [`IdempotencyService::begin`] says to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Begun {
    /// Run the request, then [`IdempotencyService::finish`] or
    /// [`IdempotencyService::release`].
    Run,
    /// Answer 409: the same key is running.
    InFlight,
    /// Answer 422: the key was used with another request.
    Mismatch,
    /// Answer this, the first answer, again.
    Replay(Vec<u8>),
}

/// Why the idempotency record could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Storage or the data key is unavailable; the request should be retried later.
    #[error("idempotency records are unavailable")]
    Unavailable(#[source] crate::ports::BoxError),
    /// A stored answer does not open, or storage failed otherwise.
    #[error("idempotency records failed")]
    Unexpected(#[source] crate::ports::BoxError),
}

impl From<RepositoryError> for IdempotencyError {
    fn from(e: RepositoryError) -> Self {
        match e {
            RepositoryError::Unavailable(source) => Self::Unavailable(source),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<SealError> for IdempotencyError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::NoKey => Self::Unavailable(Box::new(e)),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

/// Whether `key` is an idempotency key this service keeps: 1 to
/// [`MAX_IDEMPOTENCY_KEY_LEN`] visible ASCII characters.
#[must_use]
pub fn is_valid_idempotency_key(key: &str) -> bool {
    (1..=MAX_IDEMPOTENCY_KEY_LEN).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && !key.starts_with(' ')
        && !key.ends_with(' ')
}

/// The idempotency use case: claim a key, keep the answer sealed, give it again.
pub struct IdempotencyService {
    store: Arc<dyn IdempotencyStore>,
    sealer: Arc<dyn Sealer>,
    clock: Arc<dyn Clock>,
}

/// The sealing context of an answer: bound to its caller and key.
fn context(scope: &str, key: &str) -> String {
    format!("idempotency:{}:{scope}:{key}", scope.len())
}

impl IdempotencyService {
    /// The use case over its ports.
    #[must_use]
    pub fn new(
        store: Arc<dyn IdempotencyStore>,
        sealer: Arc<dyn Sealer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            sealer,
            clock,
        }
    }

    /// Claims `key` for the caller `scope` and a request of `fingerprint`.
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage or the data key fails.
    pub async fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &[u8; 32],
    ) -> Result<Begun, IdempotencyError> {
        let now = self.clock.now();
        let claim = self
            .store
            .claim(
                scope,
                key,
                fingerprint,
                now,
                now.plus_seconds(IDEMPOTENCY_LOCK_SECONDS),
                now.plus_seconds(IDEMPOTENCY_WINDOW_SECONDS),
            )
            .await?;
        Ok(match claim {
            Claim::Claimed => Begun::Run,
            Claim::InFlight => Begun::InFlight,
            Claim::Mismatch => Begun::Mismatch,
            Claim::Answered(sealed) => {
                Begun::Replay(self.sealer.open(&sealed, &context(scope, key))?)
            }
        })
    }

    /// Keeps `answer` (sealed) as the answer of `key`.
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage or the data key fails.
    pub async fn finish(
        &self,
        scope: &str,
        key: &str,
        answer: &[u8],
    ) -> Result<(), IdempotencyError> {
        let sealed = self.sealer.seal(answer, &context(scope, key))?;
        Ok(self.store.answer(scope, key, &sealed).await?)
    }

    /// Forgets `key`: the request failed in a way a retry may not (the retry runs again).
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage fails.
    pub async fn release(&self, scope: &str, key: &str) -> Result<(), IdempotencyError> {
        Ok(self.store.release(scope, key).await?)
    }

    /// Deletes the records whose window ended; how many went.
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage fails.
    pub async fn purge(&self) -> Result<u64, IdempotencyError> {
        let now: Timestamp = self.clock.now();
        Ok(self.store.purge_expired(now).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_without_surrounding_spaces() {
        assert!(is_valid_idempotency_key(
            "8e03978e-40d5-43e8-bc93-6894a57f9324"
        ));
        assert!(is_valid_idempotency_key("order 7"));
        assert!(!is_valid_idempotency_key(""));
        assert!(!is_valid_idempotency_key(" x"));
        assert!(!is_valid_idempotency_key("caf\u{e9}"));
        assert!(!is_valid_idempotency_key("a\tb"));
        assert!(!is_valid_idempotency_key(&"k".repeat(256)));
        assert!(is_valid_idempotency_key(&"k".repeat(255)));
    }

    #[test]
    fn contexts_of_different_callers_and_keys_differ() {
        assert_ne!(context("a:b", "c"), context("a", "b:c"));
    }
}
