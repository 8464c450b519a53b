//! The change feed: the domain's [`EventFeed`] over the audit trail.
//!
//! An event's position is its row id. SQLite has one writer at a time, so ids are taken in
//! commit order. On PostgreSQL every transaction that records an event takes one
//! transaction-scoped advisory lock ([`FEED_LOCK`]) just before it inserts the event (the
//! last statement of every write), and holds it until it commits; the id is drawn under the
//! lock, and a commit is visible before its locks are released, so ids become visible in
//! increasing order: a reader that continues after the last id it read misses nothing.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    ClientId, EventFeed, FeedEntry, Field, OrgId, RepositoryError, StoredAuditEvent,
};

use crate::connection::AnyConnection;
use crate::error::storage_error;
use crate::rows::{EventRow, corrupt};
use crate::schema::{audit_events, oauth_applications};
use crate::store::{Database, Store};
use crate::values::UuidValue;

/// The key of the PostgreSQL advisory lock that orders the feed ("oappfeed" as bytes):
/// a key of its own, never the migration lock's (`oauth-apps-postgres`'s
/// `MIGRATION_LOCK`), so that a replica migrating at start holds up no write and a write
/// holds up no migration.
pub const FEED_LOCK: i64 = 0x6f61_7070_6665_6564;

/// On PostgreSQL, takes the feed's lock until the transaction ends (see the module
/// documentation); nothing on SQLite, whose writes are already one at a time.
pub(crate) async fn order_with_the_feed(conn: &mut AnyConnection<'_>) -> QueryResult<()> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"))
                .execute(&mut **c)
                .await
                .map(|_| ())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

#[async_trait]
impl<D: Database> EventFeed for Store<D> {
    async fn events_after<'a>(
        &self,
        after: i64,
        org: Option<&'a OrgId>,
        limit: u32,
    ) -> Result<Vec<FeedEntry>, RepositoryError> {
        self.run(async |conn| {
            let rows: Vec<(EventRow, UuidValue, String)> = on_backend!(conn, |c| {
                let mut query = audit_events::table
                    .inner_join(oauth_applications::table)
                    .filter(audit_events::id.gt(after))
                    .order(audit_events::id.asc())
                    .limit(i64::from(limit))
                    .select((
                        EventRow::as_select(),
                        oauth_applications::client_id,
                        oauth_applications::owner_org_id,
                    ))
                    .into_boxed();
                if let Some(org) = org {
                    query = query.filter(oauth_applications::owner_org_id.eq(org.as_str()));
                }
                query.load(c).await
            })
            .map_err(storage_error)?;
            rows.into_iter()
                .map(|(row, client_id, owner)| entry(row, client_id, owner))
                .collect()
        })
        .await
    }
}

/// The feed entry of an event's row, with its application's client id and organisation.
pub(crate) fn entry(
    row: EventRow,
    client_id: UuidValue,
    owner: String,
) -> Result<FeedEntry, RepositoryError> {
    let stored = StoredAuditEvent::try_from(row)?;
    Ok(FeedEntry {
        position: stored.id,
        client_id: ClientId::from_uuid(client_id.0).map_err(corrupt(Field::ClientId))?,
        owner_org_id: OrgId::parse(owner).map_err(corrupt(Field::OwnerOrgId))?,
        event: stored.event,
    })
}
