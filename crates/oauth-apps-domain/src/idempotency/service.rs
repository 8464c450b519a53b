//! Idempotent requests (draft-ietf-httpapi-idempotency-key-header): a request retried with
//! the same `Idempotency-Key` and the same content within the window gets the first
//! answer again instead of running twice (a retried create or rotation must not burn a
//! secret the caller never saw). The answer is kept sealed, since it may hold a secret.
//!
//! The domain sees a request's fingerprint and its answer as bytes; the HTTP adapter makes
//! them. An answer is kept with the organisation the request acted on, and given again
//! only to a caller who may still write there ([`policy::authorize`]): a token of the same
//! subject that lost the right gets the refusal, not the kept answer (nor its secret).
//! Nothing is claimed when an answer could not be kept (no data key): the caller is told
//! to come back before anything runs.

use std::sync::Arc;

use super::errors::IdempotencyError;
use super::ports::{Claim, IdempotencyStore};
use crate::shared::ids::OrgId;
use crate::shared::principal::{self as policy, Action, Denial, Principal};
use crate::shared::sealing::Sealer;
use crate::shared::time::{Clock, Timestamp};

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
    /// Refuse as the request itself would be refused now (404 for [`Denial::Hidden`], 403
    /// for [`Denial::Forbidden`]): the caller may no longer write in the organisation the
    /// first request acted on. The kept answer stays for those who may.
    Refused(Denial),
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

/// The first byte of a kept answer's plaintext: the organisation the request acted on
/// (empty when it acted on none), a zero byte (which no organisation id holds), then the
/// answer.
const KEPT_FORMAT: u8 = 1;

/// The context of the seal that checks a data key is there before a key is claimed.
const PROBE_CONTEXT: &str = "idempotency:probe";

/// The plaintext kept for an answer: the organisation and the answer's bytes.
fn kept(org: Option<&OrgId>, answer: &[u8]) -> Vec<u8> {
    let org = org.map_or("", OrgId::as_str);
    let mut bytes = Vec::with_capacity(2 + org.len() + answer.len());
    bytes.push(KEPT_FORMAT);
    bytes.extend_from_slice(org.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(answer);
    bytes
}

/// Reads what [`kept`] wrote; `None` for anything else.
fn read_kept(mut bytes: Vec<u8>) -> Option<(Option<OrgId>, Vec<u8>)> {
    let (&format, rest) = bytes.split_first()?;
    if format != KEPT_FORMAT {
        return None;
    }
    let end = rest.iter().position(|b| *b == 0)?;
    let org = match &rest[..end] {
        [] => None,
        name => Some(OrgId::parse(std::str::from_utf8(name).ok()?).ok()?),
    };
    Some((org, bytes.split_off(end + 2)))
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

    /// Claims `key` for `principal` (keys are the caller's own: kept per token subject)
    /// and a request of `fingerprint`. Nothing is claimed when an answer could not be kept
    /// (no data key). A kept answer is given again only when `principal` may still write
    /// in the organisation it acted on; otherwise [`Begun::Refused`].
    ///
    /// # Errors
    /// [`IdempotencyError::Unavailable`] when storage or the data key is unavailable (then
    /// nothing was written); [`IdempotencyError::Unexpected`] when a kept answer does not
    /// open or storage fails otherwise.
    pub async fn begin(
        &self,
        principal: &Principal,
        key: &str,
        fingerprint: &[u8; 32],
    ) -> Result<Begun, IdempotencyError> {
        self.sealer.seal(&[], PROBE_CONTEXT)?;
        let scope = principal.subject();
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
                let opened = self.sealer.open(&sealed, &context(scope, key))?;
                let (org, answer) = read_kept(opened).ok_or_else(|| {
                    IdempotencyError::Unexpected("a kept answer is not in the kept format".into())
                })?;
                match org.map(|org| policy::authorize(principal, &org, Action::Write)) {
                    Some(Err(denial)) => Begun::Refused(denial),
                    Some(Ok(())) | None => Begun::Replay(answer),
                }
            }
        })
    }

    /// Keeps `answer` (sealed) as the answer of `principal`'s `key`, with `org`, the
    /// organisation the request acted on (`None` when it acted on none: a refusal before
    /// any organisation was known); a replay needs the right to write there.
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage or the data key fails.
    pub async fn finish(
        &self,
        principal: &Principal,
        key: &str,
        org: Option<&OrgId>,
        answer: &[u8],
    ) -> Result<(), IdempotencyError> {
        let scope = principal.subject();
        let sealed = self.sealer.seal(&kept(org, answer), &context(scope, key))?;
        Ok(self.store.answer(scope, key, &sealed).await?)
    }

    /// Forgets `principal`'s `key`: the request failed in a way a retry may not, or ended
    /// without an answer that could be kept (the retry runs again).
    ///
    /// # Errors
    /// [`IdempotencyError`] when storage fails.
    pub async fn release(&self, principal: &Principal, key: &str) -> Result<(), IdempotencyError> {
        Ok(self.store.release(principal.subject(), key).await?)
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
    fn kept_answers_carry_their_organisation() {
        let acme = OrgId::parse("acme").unwrap();
        assert_eq!(
            read_kept(kept(Some(&acme), b"{\"a\":0}")),
            Some((Some(acme), b"{\"a\":0}".to_vec()))
        );
        assert_eq!(read_kept(kept(None, b"")), Some((None, Vec::new())));
        assert_eq!(read_kept(kept(None, b"\0x")), Some((None, b"\0x".to_vec())));
        // An answer kept in another format is not read as one.
        assert_eq!(read_kept(b"{\"status\":201}".to_vec()), None);
        assert_eq!(read_kept(vec![KEPT_FORMAT, b'a']), None);
        assert_eq!(read_kept(vec![KEPT_FORMAT, b' ', 0]), None);
    }

    #[test]
    fn contexts_of_different_callers_and_keys_differ() {
        assert_ne!(context("a:b", "c"), context("a", "b:c"));
    }
}
