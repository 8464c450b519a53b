//! What a write records with each of its events, in its transaction: the event in the
//! application's audit trail, at its place in the change feed, and a delivery of it for
//! every webhook that hears it (an outbox: an acknowledged write always has its
//! deliveries).
//!
//! An event's position in the feed is its row id. SQLite has one writer at a time, so ids
//! are taken in commit order. On PostgreSQL every transaction that records an event takes
//! one transaction-scoped advisory lock ([`FEED_LOCK`]) just before it inserts the event
//! (the last statement of every write), and holds it until it commits; the id is drawn
//! under the lock, and a commit is visible before its locks are released, so ids become
//! visible in increasing order: a reader that continues after the last id it read misses
//! nothing.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{AuditEvent, EventType};

use crate::closed_sets::Named;
use crate::connection::AnyConnection;
#[cfg(feature = "sqlite")]
use crate::connection::sqlite_dialect;
use crate::rows::NewEvent;
use crate::schema::audit_events;
use crate::sql_types;
use crate::values::InstantValue;

/// The key of the PostgreSQL advisory lock that orders the feed ("oappfeed" as bytes):
/// a key of its own, never the migration lock's (`oauth-apps-postgres`'s
/// `MIGRATION_LOCK`), so that a replica migrating at start holds up no write and a write
/// holds up no migration.
pub const FEED_LOCK: i64 = 0x6f61_7070_6665_6564;

/// On PostgreSQL, takes the feed's lock until the transaction ends (see the module
/// documentation); nothing on SQLite, whose writes are already one at a time.
async fn order_with_the_feed(conn: &mut AnyConnection<'_>) -> QueryResult<()> {
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

/// Inserts `event` into the trail of application `application_id`, with the id `id` when
/// given (an import), else the next one; a new event gets a delivery for every webhook
/// that hears it, in the same transaction (an imported one is history: none).
pub(crate) async fn insert_event(
    conn: &mut AnyConnection<'_>,
    application_id: i64,
    id: Option<i64>,
    event: &AuditEvent,
) -> QueryResult<()> {
    let values = NewEvent::new(application_id, event);
    order_with_the_feed(conn).await?;
    match id {
        Some(id) => on_backend!(conn, |c| {
            diesel::insert_into(audit_events::table)
                .values((audit_events::id.eq(id), &values))
                .execute(c)
                .await
        })
        .map(|_| ()),
        None => {
            let id: i64 = on_backend!(conn, |c| {
                diesel::insert_into(audit_events::table)
                    .values(&values)
                    .returning(audit_events::id)
                    .get_result(c)
                    .await
            })?;
            fan_out(conn, application_id, id, event).await
        }
    }
}

/// Writes a delivery of event `event_id` (of application `application_id`) for every
/// webhook of the application's organisation that hears its type (one of its rows of
/// `webhook_event_types` names the type, or it has none: it hears every type); in the
/// caller's transaction.
async fn fan_out(
    conn: &mut AnyConnection<'_>,
    application_id: i64,
    event_id: i64,
    event: &AuditEvent,
) -> QueryResult<()> {
    const SQL: &str = "INSERT INTO webhook_deliveries \
         (webhook_id, event_id, application_id, next_attempt_at, created_at) \
         SELECT w.id, $1, $2, $3, $3 FROM webhooks w \
         WHERE w.owner_org_id = (SELECT owner_org_id FROM oauth_applications WHERE id = $2) \
         AND (EXISTS (SELECT 1 FROM webhook_event_types t \
             WHERE t.webhook_id = w.id AND t.event_type = $4) \
           OR NOT EXISTS (SELECT 1 FROM webhook_event_types t WHERE t.webhook_id = w.id))";
    let event_type = Named(EventType::of(event.action));
    let at = InstantValue::from(event.at);
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgres(c) => {
            diesel::sql_query(SQL)
                .bind::<BigInt, _>(event_id)
                .bind::<BigInt, _>(application_id)
                .bind::<sql_types::Instant, _>(at)
                .bind::<Text, _>(event_type)
                .execute(&mut **c)
                .await
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(sqlite_dialect(SQL))
                .bind::<BigInt, _>(event_id)
                .bind::<BigInt, _>(application_id)
                .bind::<sql_types::Instant, _>(at)
                .bind::<Text, _>(event_type)
                .execute(&mut **c)
                .await
        }
    }
    .map(|_| ())
}
