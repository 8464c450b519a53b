//! Webhooks and their deliveries: the domain's [`WebhookRepository`] over the `webhooks`
//! and `webhook_deliveries` tables.
//!
//! - A delivery row is written for each webhook that hears an event, in the transaction
//!   that records the event ([`crate::events`]): an acknowledged write always has its
//!   deliveries (an outbox).
//! - Leasing is one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)` on
//!   PostgreSQL, so that replicas leasing at once take different rows; SQLite has one
//!   writer at a time. Only the oldest pending delivery of each webhook and application is
//!   leased, so an application's events reach a webhook in order.
//! - Leasing takes turns: the due heads are ranked within their webhook
//!   (`ROW_NUMBER() OVER (PARTITION BY webhook_id ...)`), then within their organisation
//!   by that rank, and taken by the organisation's rank, so every organisation's first
//!   before any one's second; an organisation's rank plus its deliveries already leased
//!   may not pass its share.
//! - An organisation's webhooks are counted and the new one inserted in one transaction,
//!   under a transaction-scoped advisory lock of the organisation on PostgreSQL
//!   ([`WEBHOOK_COUNT_LOCK`]), so concurrent creates never pass the limit.
//! - An attempt is finished only by the holder of its lease: the finishing `UPDATE` names
//!   the attempt number the lease gave.

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    AuditAction, ClientId, Delivery, DeliveryOutcome, DeliveryStatus, DueDelivery, EventType,
    FeedEntry, Field, OrgId, RepositoryError, Sealed, Timestamp, Webhook, WebhookId,
    WebhookRepository, WebhookUrl,
};

use crate::closed_sets::Named;
use crate::connection::AnyConnection;
#[cfg(feature = "sqlite")]
use crate::connection::sqlite_dialect;
use crate::error::storage_error;
use crate::rows::{EventRow, corrupt, feed_entry};
use crate::schema::{
    audit_events, oauth_applications, webhook_deliveries as d, webhook_event_types as et,
    webhooks as w,
};
use crate::sql_types;
use crate::store::{Database, Store};
use crate::values::{InstantValue, UuidValue};

/// A webhook's row. The types it hears are rows of their own ([`EventTypeRow`]).
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = w, treat_none_as_default_value = false, treat_none_as_null = true)]
struct WebhookRow {
    id: UuidValue,
    owner_org_id: String,
    url: String,
    secret: Vec<u8>,
    previous_secret: Option<Vec<u8>>,
    previous_expires_at: Option<InstantValue>,
    created_by: String,
    created_at: InstantValue,
    updated_at: InstantValue,
    version: i64,
}

impl From<&Webhook> for WebhookRow {
    fn from(h: &Webhook) -> Self {
        Self {
            id: UuidValue(*h.id.as_uuid()),
            owner_org_id: h.owner_org_id.as_str().to_owned(),
            url: h.url.as_str().to_owned(),
            secret: h.secret.0.clone(),
            previous_secret: h.previous_secret.as_ref().map(|(s, _)| s.0.clone()),
            previous_expires_at: h.previous_secret.as_ref().map(|(_, t)| (*t).into()),
            created_by: h.created_by.clone(),
            created_at: h.created_at.into(),
            updated_at: h.updated_at.into(),
            version: h.version,
        }
    }
}

impl WebhookRow {
    /// The webhook of this row, hearing `events`, its rows of `webhook_event_types` (none:
    /// every type).
    fn into_webhook(self, mut events: Vec<EventType>) -> Result<Webhook, RepositoryError> {
        events.sort_unstable();
        let previous_secret = match (self.previous_secret, self.previous_expires_at) {
            (Some(secret), Some(until)) => Some((Sealed(secret), until.into())),
            _ => None,
        };
        Ok(Webhook {
            id: WebhookId::from_uuid(self.id.0),
            owner_org_id: OrgId::parse(self.owner_org_id).map_err(corrupt(Field::OwnerOrgId))?,
            url: WebhookUrl::restore(self.url).map_err(corrupt(Field::Url))?,
            events: (!events.is_empty()).then_some(events),
            secret: Sealed(self.secret),
            previous_secret,
            created_by: self.created_by,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
            version: self.version,
        })
    }
}

/// A type of event that a webhook hears: a row of `webhook_event_types`. A webhook that
/// hears every type has none.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = et)]
struct EventTypeRow {
    webhook_id: UuidValue,
    event_type: Named<EventType>,
}

impl EventTypeRow {
    /// The rows of the types `webhook` hears: none when it hears every type.
    ///
    /// # Errors
    /// [`RepositoryError::Unexpected`] for a webhook that hears no type at all, which no
    /// row could tell from one that hears every type (the domain refuses an empty list).
    fn of(webhook: &Webhook) -> Result<Vec<Self>, RepositoryError> {
        match webhook.events.as_deref() {
            None => Ok(Vec::new()),
            Some([]) => Err(RepositoryError::Unexpected(
                "a webhook that hears no event type".into(),
            )),
            Some(types) => Ok(types
                .iter()
                .map(|t| Self {
                    webhook_id: UuidValue(*webhook.id.as_uuid()),
                    event_type: Named(*t),
                })
                .collect()),
        }
    }
}

/// Stores `types`, the rows of one webhook's event types, in the caller's transaction (a
/// statement each: diesel-async's SQLite connection takes one row per insert).
async fn insert_event_types(
    conn: &mut AnyConnection<'_>,
    types: &[EventTypeRow],
) -> QueryResult<()> {
    for row in types {
        on_backend!(conn, |c| {
            diesel::insert_into(et::table).values(row).execute(c).await
        })?;
    }
    Ok(())
}

/// The webhooks of `rows`, in their order, each with the types it hears.
async fn with_event_types(
    conn: &mut AnyConnection<'_>,
    rows: Vec<WebhookRow>,
) -> Result<Vec<Webhook>, RepositoryError> {
    let ids: Vec<UuidValue> = rows.iter().map(|r| r.id).collect();
    let types: Vec<EventTypeRow> = on_backend!(conn, |c| {
        et::table
            .filter(et::webhook_id.eq_any(&ids))
            .select(EventTypeRow::as_select())
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    let mut heard: HashMap<uuid::Uuid, Vec<EventType>> = HashMap::new();
    for t in types {
        heard
            .entry(t.webhook_id.0)
            .or_default()
            .push(t.event_type.0);
    }
    rows.into_iter()
        .map(|row| {
            let events = heard.remove(&row.id.0).unwrap_or_default();
            row.into_webhook(events)
        })
        .collect()
}

/// The first key of the PostgreSQL advisory lock taken while an organisation's webhooks
/// are counted and one is added ("wh" as bytes); the second is the organisation's
/// `hashtext`. Two-key locks do not share a key space with one-key locks (the feed's).
pub const WEBHOOK_COUNT_LOCK: i32 = 0x7768;

/// On PostgreSQL, takes the lock of `org`'s webhook count until the transaction ends;
/// nothing on SQLite, whose writes are already one at a time.
async fn lock_webhook_count(conn: &mut AnyConnection<'_>, org: &str) -> QueryResult<()> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgres(c) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind::<Integer, _>(WEBHOOK_COUNT_LOCK)
                .bind::<Text, _>(org)
                .execute(&mut **c)
                .await
                .map(|_| ())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

/// Inserts `row` with the rows of its event types unless its organisation has `max`
/// webhooks; whether it did. In the caller's write transaction.
async fn insert_counted(
    conn: &mut AnyConnection<'_>,
    row: &WebhookRow,
    types: &[EventTypeRow],
    max: u32,
) -> QueryResult<bool> {
    lock_webhook_count(conn, &row.owner_org_id).await?;
    let count: i64 = on_backend!(conn, |c| {
        w::table
            .filter(w::owner_org_id.eq(&row.owner_org_id))
            .count()
            .get_result(c)
            .await
    })?;
    if count >= i64::from(max) {
        return Ok(false);
    }
    on_backend!(conn, |c| {
        diesel::insert_into(w::table).values(row).execute(c).await
    })?;
    insert_event_types(conn, types).await?;
    Ok(true)
}

/// Replaces the stored webhook by `row` with the rows of its event types if its version is
/// still `expected`; whether it did. In the caller's write transaction.
async fn replace(
    conn: &mut AnyConnection<'_>,
    row: &WebhookRow,
    types: &[EventTypeRow],
    expected: i64,
) -> QueryResult<bool> {
    let written = on_backend!(conn, |c| {
        diesel::update(
            w::table
                .filter(w::id.eq(&row.id))
                .filter(w::version.eq(expected)),
        )
        .set(row)
        .execute(c)
        .await
    })?;
    if written == 0 {
        return Ok(false);
    }
    on_backend!(conn, |c| {
        diesel::delete(et::table.filter(et::webhook_id.eq(&row.id)))
            .execute(c)
            .await
    })?;
    insert_event_types(conn, types).await?;
    Ok(true)
}

/// A leased delivery as the lease statement returns it.
#[derive(Debug, QueryableByName)]
struct LeasedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = sql_types::Uuid)]
    webhook_id: UuidValue,
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = sql_types::Instant)]
    created_at: InstantValue,
}

/// Leases up to `limit` due deliveries, at most `per_org` leased per organisation (see
/// the module documentation).
async fn lease(
    conn: &mut AnyConnection<'_>,
    now: Timestamp,
    until: Timestamp,
    limit: u32,
    per_org: u32,
) -> QueryResult<Vec<LeasedRow>> {
    // `heads`: the due, unleased oldest pending delivery of each webhook and application,
    // with its turn within its webhook; `ranked`: with its turn within its organisation;
    // `busy`: each organisation's deliveries leased now. The locking level takes the
    // ranked rows in turn order and skips those another replica holds; its own conditions
    // on `t` are checked again on the row it locks (another replica may have leased or
    // finished it since this statement's snapshot), those of the subqueries are not.
    const SQL: &str = "UPDATE webhook_deliveries SET lease_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT t.id FROM webhook_deliveries t \
           JOIN (SELECT h.id, h.owner_org_id, ROW_NUMBER() OVER \
               (PARTITION BY h.owner_org_id ORDER BY h.hook_turn, h.id) AS org_turn \
             FROM (SELECT p.id, w.owner_org_id, ROW_NUMBER() OVER \
                 (PARTITION BY p.webhook_id ORDER BY p.id) AS hook_turn \
               FROM webhook_deliveries p JOIN webhooks w ON w.id = p.webhook_id \
               WHERE p.status = 'pending' AND p.next_attempt_at <= $2 \
               AND (p.lease_until IS NULL OR p.lease_until <= $2) \
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                 WHERE e.webhook_id = p.webhook_id AND e.application_id = p.application_id \
                 AND e.status = 'pending' AND e.id < p.id)) h) r ON r.id = t.id \
           LEFT JOIN (SELECT bw.owner_org_id, COUNT(*) AS leased \
               FROM webhook_deliveries b JOIN webhooks bw ON bw.id = b.webhook_id \
               WHERE b.status = 'pending' AND b.lease_until > $2 \
               GROUP BY bw.owner_org_id) busy ON busy.owner_org_id = r.owner_org_id \
           WHERE r.org_turn + COALESCE(busy.leased, 0) <= $4 \
           AND t.status = 'pending' AND t.next_attempt_at <= $2 \
           AND (t.lease_until IS NULL OR t.lease_until <= $2) \
           ORDER BY r.org_turn, t.id LIMIT $3 FOR UPDATE OF t SKIP LOCKED) \
         RETURNING id, webhook_id, event_id, attempts, created_at";
    let (now, until) = (InstantValue::from(now), InstantValue::from(until));
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgres(c) => {
            diesel::sql_query(SQL)
                .bind::<sql_types::Instant, _>(until)
                .bind::<sql_types::Instant, _>(now)
                .bind::<BigInt, _>(i64::from(limit))
                .bind::<BigInt, _>(i64::from(per_org))
                .load(&mut **c)
                .await
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(sqlite_dialect(SQL))
                .bind::<sql_types::Instant, _>(until)
                .bind::<sql_types::Instant, _>(now)
                .bind::<BigInt, _>(i64::from(limit))
                .bind::<BigInt, _>(i64::from(per_org))
                .load(&mut **c)
                .await
        }
    }
}

/// The webhooks `ids`.
async fn webhooks_by_id(
    conn: &mut AnyConnection<'_>,
    ids: &[UuidValue],
) -> Result<Vec<Webhook>, RepositoryError> {
    let rows: Vec<WebhookRow> = on_backend!(conn, |c| {
        w::table
            .filter(w::id.eq_any(ids))
            .select(WebhookRow::as_select())
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    with_event_types(conn, rows).await
}

/// The feed entries of the events `ids`.
async fn entries(
    conn: &mut AnyConnection<'_>,
    ids: &[i64],
) -> Result<Vec<FeedEntry>, RepositoryError> {
    let rows: Vec<(EventRow, UuidValue, String)> = on_backend!(conn, |c| {
        audit_events::table
            .inner_join(oauth_applications::table)
            .filter(audit_events::id.eq_any(ids))
            .select((
                EventRow::as_select(),
                oauth_applications::client_id,
                oauth_applications::owner_org_id,
            ))
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    rows.into_iter()
        .map(|(row, client_id, owner)| feed_entry(row, client_id, owner))
        .collect()
}

/// A delivery as the listing reads it: its row, the event's action and the client id.
type DeliveryListRow = (
    (
        i64,
        UuidValue,
        i64,
        Named<DeliveryStatus>,
        i32,
        InstantValue,
        Option<i32>,
        Option<String>,
        InstantValue,
        Option<InstantValue>,
    ),
    Named<AuditAction>,
    UuidValue,
);

fn delivery(row: DeliveryListRow) -> Result<Delivery, RepositoryError> {
    let (
        (
            id,
            webhook,
            position,
            Named(status),
            attempts,
            next,
            last_status,
            last_error,
            created,
            done,
        ),
        Named(action),
        client_id,
    ) = row;
    Ok(Delivery {
        id,
        webhook_id: WebhookId::from_uuid(webhook.0),
        position,
        event_type: EventType::of(action),
        client_id: ClientId::from_uuid(client_id.0).map_err(corrupt(Field::ClientId))?,
        status,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_status: last_status.and_then(|s| u16::try_from(s).ok()),
        last_error,
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| next.into()),
        created_at: created.into(),
        delivered_at: done.map(Timestamp::from),
    })
}

#[async_trait]
impl<D: Database> WebhookRepository for Store<D> {
    async fn insert_webhook(&self, webhook: &Webhook, max: u32) -> Result<bool, RepositoryError> {
        let row = WebhookRow::from(webhook);
        let types = EventTypeRow::of(webhook)?;
        self.run(async |conn| {
            write_transaction!(conn, |c| insert_counted(c, &row, &types, max).await)
                .map_err(storage_error)
        })
        .await
    }

    async fn webhooks(&self, org: &OrgId) -> Result<Vec<Webhook>, RepositoryError> {
        self.run(async |conn| {
            let rows: Vec<WebhookRow> = on_backend!(conn, |c| {
                w::table
                    .filter(w::owner_org_id.eq(org.as_str()))
                    .order((w::created_at.asc(), w::id.asc()))
                    .select(WebhookRow::as_select())
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            with_event_types(conn, rows).await
        })
        .await
    }

    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, RepositoryError> {
        self.run(async |conn| {
            Ok(webhooks_by_id(conn, &[UuidValue(*id.as_uuid())])
                .await?
                .pop())
        })
        .await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected: i64,
    ) -> Result<(), RepositoryError> {
        let row = WebhookRow::from(webhook);
        let types = EventTypeRow::of(webhook)?;
        self.run(async |conn| {
            let written: bool = write_transaction!(conn, |c| replace(c, &row, &types, expected)
                .await)
            .map_err(storage_error)?;
            if written {
                return Ok(());
            }
            let exists = !webhooks_by_id(conn, &[row.id]).await?.is_empty();
            Err(if exists {
                RepositoryError::VersionConflict
            } else {
                RepositoryError::NotFound
            })
        })
        .await
    }

    async fn delete_webhook(&self, id: WebhookId) -> Result<bool, RepositoryError> {
        let id = UuidValue(*id.as_uuid());
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::delete(w::table.filter(w::id.eq(&id)))
                    .execute(c)
                    .await
            })
            .map(|n| n > 0)
            .map_err(storage_error)
        })
        .await
    }

    async fn deliveries(
        &self,
        id: WebhookId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, RepositoryError> {
        let id = UuidValue(*id.as_uuid());
        self.run(async |conn| {
            let rows: Vec<DeliveryListRow> = on_backend!(conn, |c| {
                let mut query = d::table
                    .inner_join(audit_events::table.inner_join(oauth_applications::table))
                    .filter(d::webhook_id.eq(&id))
                    .order(d::id.desc())
                    .limit(i64::from(limit))
                    .select((
                        (
                            d::id,
                            d::webhook_id,
                            d::event_id,
                            d::status,
                            d::attempts,
                            d::next_attempt_at,
                            d::last_status,
                            d::last_error,
                            d::created_at,
                            d::delivered_at,
                        ),
                        audit_events::action,
                        oauth_applications::client_id,
                    ))
                    .into_boxed();
                if let Some(before) = before {
                    query = query.filter(d::id.lt(before));
                }
                query.load(c).await
            })
            .map_err(storage_error)?;
            rows.into_iter().map(delivery).collect()
        })
        .await
    }

    async fn lease_deliveries(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        per_org: u32,
    ) -> Result<Vec<DueDelivery>, RepositoryError> {
        self.run(async |conn| {
            let leased = lease(conn, now, until, limit, per_org)
                .await
                .map_err(storage_error)?;
            if leased.is_empty() {
                return Ok(Vec::new());
            }
            let hook_ids: Vec<UuidValue> =
                leased.iter().map(|l| UuidValue(l.webhook_id.0)).collect();
            let event_ids: Vec<i64> = leased.iter().map(|l| l.event_id).collect();
            let hooks = webhooks_by_id(conn, &hook_ids).await?;
            let events = entries(conn, &event_ids).await?;
            let mut due = Vec::with_capacity(leased.len());
            for l in leased {
                let (Some(webhook), Some(entry)) = (
                    hooks.iter().find(|h| *h.id.as_uuid() == l.webhook_id.0),
                    events.iter().find(|e| e.position == l.event_id),
                ) else {
                    // Deleted meanwhile (the rows cascade): nothing to deliver.
                    continue;
                };
                due.push(DueDelivery {
                    id: l.id,
                    attempt: u32::try_from(l.attempts).unwrap_or(0),
                    created_at: l.created_at.into(),
                    webhook: webhook.clone(),
                    entry: entry.clone(),
                });
            }
            due.sort_by_key(|d| d.id);
            Ok(due)
        })
        .await
    }

    async fn defer_deliveries(
        &self,
        id: WebhookId,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<u64, RepositoryError> {
        let id = UuidValue(*id.as_uuid());
        let (until, now) = (InstantValue::from(until), InstantValue::from(now));
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::update(
                    d::table
                        .filter(d::webhook_id.eq(&id))
                        .filter(d::status.eq(Named(DeliveryStatus::Pending)))
                        .filter(d::next_attempt_at.lt(until))
                        .filter(d::lease_until.is_null().or(d::lease_until.le(now))),
                )
                .set(d::next_attempt_at.eq(until))
                .execute(c)
                .await
            })
            .map(|n| n as u64)
            .map_err(storage_error)
        })
        .await
    }

    async fn finish_delivery(
        &self,
        id: i64,
        attempt: u32,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, RepositoryError> {
        let attempt = i32::try_from(attempt).unwrap_or(i32::MAX);
        let code = |s: u16| i32::from(s);
        self.run(async |conn| {
            let target = d::table
                .filter(d::id.eq(id))
                .filter(d::attempts.eq(attempt))
                .filter(d::status.eq(Named(DeliveryStatus::Pending)));
            let written = match outcome {
                DeliveryOutcome::Delivered { status, at } => on_backend!(conn, |c| {
                    diesel::update(target)
                        .set((
                            d::status.eq(Named(DeliveryStatus::Delivered)),
                            d::lease_until.eq(None::<InstantValue>),
                            d::last_status.eq(Some(code(*status))),
                            d::last_error.eq(None::<String>),
                            d::delivered_at.eq(Some(InstantValue::from(*at))),
                        ))
                        .execute(c)
                        .await
                }),
                DeliveryOutcome::Retry {
                    status,
                    error,
                    retry_at,
                } => on_backend!(conn, |c| {
                    diesel::update(target)
                        .set((
                            d::lease_until.eq(None::<InstantValue>),
                            d::next_attempt_at.eq(InstantValue::from(*retry_at)),
                            d::last_status.eq(status.map(code)),
                            d::last_error.eq(Some(error.as_str())),
                        ))
                        .execute(c)
                        .await
                }),
                DeliveryOutcome::Failed { status, error } => on_backend!(conn, |c| {
                    diesel::update(target)
                        .set((
                            d::status.eq(Named(DeliveryStatus::Failed)),
                            d::lease_until.eq(None::<InstantValue>),
                            d::last_status.eq(status.map(code)),
                            d::last_error.eq(Some(error.as_str())),
                        ))
                        .execute(c)
                        .await
                }),
            }
            .map_err(storage_error)?;
            Ok(written == 1)
        })
        .await
    }
}
