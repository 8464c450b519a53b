//! The replay store of client assertions: the domain's [`ReplayGuard`] over the
//! `assertion_jtis` table, shared by every replica that uses the database.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{AppId, ReplayGuard, RepositoryError, Timestamp};

use crate::connection::AnyConnection;
use crate::error::storage_error;
use crate::schema::assertion_jtis;
use crate::store::{Database, Store};
use crate::values::InstantValue;

/// One in this many recorded uses also purges the expired records (of every client).
pub(crate) const PURGE_EVERY: u32 = 1024;

/// Records `jti` of `client` until `expires_at` in one statement; whether it was new. A
/// record whose assertion has expired by `now` no longer counts (RFC 7523 §3 asks for
/// `jti` values to be kept only while their assertions are valid): it is taken over.
async fn record(
    conn: &mut AnyConnection<'_>,
    client: AppId,
    jti: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> QueryResult<bool> {
    let values = (
        assertion_jtis::application_id.eq(client.get()),
        assertion_jtis::jti.eq(jti),
        assertion_jtis::expires_at.eq(InstantValue::from(expires_at)),
    );
    let written = on_backend!(conn, |c| {
        let upsert = diesel::insert_into(assertion_jtis::table)
            .values(values)
            .on_conflict((assertion_jtis::application_id, assertion_jtis::jti))
            .do_update()
            .set(assertion_jtis::expires_at.eq(excluded(assertion_jtis::expires_at)));
        // `ON CONFLICT ... DO UPDATE ... WHERE`: only an expired record is taken over.
        diesel::query_dsl::methods::FilterDsl::filter(
            upsert,
            assertion_jtis::expires_at.le(InstantValue::from(now)),
        )
        .execute(c)
        .await
    })?;
    Ok(written > 0)
}

/// Deletes the records of every client whose assertions expired by `now`.
async fn purge(conn: &mut AnyConnection<'_>, now: Timestamp) -> QueryResult<usize> {
    on_backend!(conn, |c| {
        diesel::delete(
            assertion_jtis::table.filter(assertion_jtis::expires_at.le(InstantValue::from(now))),
        )
        .execute(c)
        .await
    })
}

impl<D: Database> Store<D> {
    /// Deletes the replay records whose assertions have expired by `now`; how many. The
    /// store also does this by itself, once every [`PURGE_EVERY`] recorded uses, at the
    /// time the use was recorded at.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    pub async fn purge_expired_assertions(&self, now: Timestamp) -> Result<usize, RepositoryError> {
        self.run(async |conn| purge(conn, now).await.map_err(storage_error))
            .await
    }
}

#[async_trait]
impl<D: Database> ReplayGuard for Store<D> {
    async fn first_use(
        &self,
        client: AppId,
        jti: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let first = self
            .run(async |conn| {
                record(conn, client, jti, expires_at, now)
                    .await
                    .map_err(storage_error)
            })
            .await?;
        if self.replay_writes.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            // Best effort: a purge that fails is tried again after as many writes.
            let _ = self.purge_expired_assertions(now).await;
        }
        Ok(first)
    }
}
