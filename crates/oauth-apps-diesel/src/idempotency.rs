//! Idempotency keys: the domain's [`IdempotencyStore`] over the `idempotency_keys` table.
//! A claim is a sequence of single atomic statements (insert if absent, renew if expired,
//! take over if abandoned, else read), so of concurrent claims one wins on both databases
//! without a lock held across statements.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{Claim, IdempotencyStore, RepositoryError, Sealed, Timestamp};

use crate::error::storage_error;
use crate::schema::idempotency_keys as k;
use crate::store::{Database, Store};
use crate::values::InstantValue;

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl<D: Database> IdempotencyStore for Store<D> {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &[u8; 32],
        now: Timestamp,
        locked_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim, RepositoryError> {
        let print = hex(fingerprint);
        let (now, locked, expires) = (
            InstantValue::from(now),
            InstantValue::from(locked_until),
            InstantValue::from(expires_at),
        );
        self.run(async |conn| {
            let record = k::table.filter(k::scope.eq(scope)).filter(k::key.eq(key));
            // New.
            let inserted = on_backend!(conn, |c| {
                diesel::insert_into(k::table)
                    .values((
                        k::scope.eq(scope),
                        k::key.eq(key),
                        k::fingerprint.eq(&print),
                        k::created_at.eq(now),
                        k::expires_at.eq(expires),
                        k::locked_until.eq(locked),
                        k::answer.eq(None::<Vec<u8>>),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await
            })
            .map_err(storage_error)?;
            if inserted == 1 {
                return Ok(Claim::Claimed);
            }
            // Its window ended: a new request.
            let renewed = on_backend!(conn, |c| {
                diesel::update(record.filter(k::expires_at.le(now)))
                    .set((
                        k::fingerprint.eq(&print),
                        k::created_at.eq(now),
                        k::expires_at.eq(expires),
                        k::locked_until.eq(locked),
                        k::answer.eq(None::<Vec<u8>>),
                    ))
                    .execute(c)
                    .await
            })
            .map_err(storage_error)?;
            if renewed == 1 {
                return Ok(Claim::Claimed);
            }
            // Abandoned by a holder whose lock ran out: taken over.
            let taken = on_backend!(conn, |c| {
                diesel::update(
                    record
                        .filter(k::fingerprint.eq(&print))
                        .filter(k::answer.is_null())
                        .filter(k::locked_until.le(now)),
                )
                .set(k::locked_until.eq(locked))
                .execute(c)
                .await
            })
            .map_err(storage_error)?;
            if taken == 1 {
                return Ok(Claim::Claimed);
            }
            let rows: Vec<(String, Option<Vec<u8>>)> = on_backend!(conn, |c| {
                record.select((k::fingerprint, k::answer)).load(c).await
            })
            .map_err(storage_error)?;
            Ok(match rows.into_iter().next() {
                Some((stored, _)) if stored != print => Claim::Mismatch,
                Some((_, Some(answer))) => Claim::Answered(Sealed(answer)),
                // Running, or released and purged between the statements: busy either way.
                _ => Claim::InFlight,
            })
        })
        .await
    }

    async fn answer(&self, scope: &str, key: &str, answer: &Sealed) -> Result<(), RepositoryError> {
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::update(k::table.filter(k::scope.eq(scope)).filter(k::key.eq(key)))
                    .set(k::answer.eq(Some(answer.0.as_slice())))
                    .execute(c)
                    .await
            })
            .map(|_| ())
            .map_err(storage_error)
        })
        .await
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), RepositoryError> {
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::delete(
                    k::table
                        .filter(k::scope.eq(scope))
                        .filter(k::key.eq(key))
                        .filter(k::answer.is_null()),
                )
                .execute(c)
                .await
            })
            .map(|_| ())
            .map_err(storage_error)
        })
        .await
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepositoryError> {
        let now = InstantValue::from(now);
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::delete(k::table.filter(k::expires_at.le(now)))
                    .execute(c)
                    .await
            })
            .map(|n| n as u64)
            .map_err(storage_error)
        })
        .await
    }
}
