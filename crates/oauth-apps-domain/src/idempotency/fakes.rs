//! The in-memory fake of the idempotency records, for tests (feature `testing`).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::ports::{Claim, IdempotencyStore};
use crate::shared::errors::RepositoryError;
use crate::shared::sealing::Sealed;
use crate::shared::time::Timestamp;

/// Idempotency records in memory, keeping the store's claim rules.
#[derive(Default)]
pub struct InMemoryIdempotency {
    records: Mutex<HashMap<(String, String), IdempotencyRecord>>,
}

struct IdempotencyRecord {
    fingerprint: [u8; 32],
    expires_at: Timestamp,
    locked_until: Timestamp,
    answer: Option<Sealed>,
}

impl InMemoryIdempotency {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records are kept.
    ///
    /// # Panics
    /// When the lock is poisoned.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.lock().expect("lock").len()
    }

    /// Whether no record is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotency {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &[u8; 32],
        now: Timestamp,
        locked_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim, RepositoryError> {
        use super::ports::Claim;
        let mut records = self.records.lock().expect("lock");
        let fresh = IdempotencyRecord {
            fingerprint: *fingerprint,
            expires_at,
            locked_until,
            answer: None,
        };
        let slot = (scope.to_owned(), key.to_owned());
        let Some(record) = records.get_mut(&slot) else {
            records.insert(slot, fresh);
            return Ok(Claim::Claimed);
        };
        if record.expires_at <= now {
            *record = fresh;
            return Ok(Claim::Claimed);
        }
        if record.fingerprint != *fingerprint {
            return Ok(Claim::Mismatch);
        }
        if let Some(answer) = &record.answer {
            return Ok(Claim::Answered(answer.clone()));
        }
        if record.locked_until <= now {
            record.locked_until = locked_until;
            return Ok(Claim::Claimed);
        }
        Ok(Claim::InFlight)
    }

    async fn answer(&self, scope: &str, key: &str, answer: &Sealed) -> Result<(), RepositoryError> {
        if let Some(record) = self
            .records
            .lock()
            .expect("lock")
            .get_mut(&(scope.to_owned(), key.to_owned()))
        {
            record.answer = Some(answer.clone());
        }
        Ok(())
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), RepositoryError> {
        let mut records = self.records.lock().expect("lock");
        let slot = (scope.to_owned(), key.to_owned());
        if records.get(&slot).is_some_and(|r| r.answer.is_none()) {
            records.remove(&slot);
        }
        Ok(())
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepositoryError> {
        let mut records = self.records.lock().expect("lock");
        let before = records.len();
        records.retain(|_, r| r.expires_at > now);
        Ok((before - records.len()) as u64)
    }
}
