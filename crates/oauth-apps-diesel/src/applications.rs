//! The applications: the domain's [`ApplicationRepository`] over the `oauth_applications`
//! table and those of their secrets, key sets and registrations; the queries, and the
//! compare-and-set update with its secrets, key sets, registration and events.

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    AppId, ApplicationRepository, AuditEvent, CREDENTIAL_USE_RESOLUTION_SECONDS, ClientId,
    CredentialKind, CredentialRef, Credentials, Cursor, NewApplication, OAuthApplication, OrgId,
    Registration, RegistrationDetails, RepositoryError, StoredAuditEvent, Timestamp, Version,
};

use crate::closed_sets::{KeySetState, Named, SecretState};
use crate::connection::AnyConnection;
use crate::error::{TxError, duplicate_on_insert, storage_error};
use crate::events::insert_event;
use crate::keys::KeySetWrites;
use crate::rows::RegistrationRow;
use crate::rows::{
    ApplicationRow, ApplicationValues, EventRow, KeySetRow, LifecycleValues, LoadedApplication,
    NewKeySet, NewSecret, SecretRow, stored_serial,
};
use crate::schema::{
    audit_events, client_key_sets, client_registrations, client_secrets, oauth_applications,
};
use crate::secrets::SecretWrites;
use crate::sql_types;
use crate::store::{Database, Store};
use crate::values::{InstantValue, UuidValue};

diesel::define_sql_function! {
    /// SQL's `lower`: the text in lower case (every letter on PostgreSQL, ASCII letters on
    /// SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Applications newest first.
fn newest_first() -> (
    diesel::dsl::Desc<oauth_applications::created_at>,
    diesel::dsl::Desc<oauth_applications::id>,
) {
    (
        oauth_applications::created_at.desc(),
        oauth_applications::id.desc(),
    )
}

/// The secrets still in use (current, previous) of the applications `ids`.
async fn active_secrets(conn: &mut AnyConnection<'_>, ids: &[i64]) -> QueryResult<Vec<SecretRow>> {
    on_backend!(conn, |c| {
        client_secrets::table
            .filter(client_secrets::application_id.eq_any(ids))
            .filter(client_secrets::state.ne(Named(SecretState::Revoked)))
            .select(SecretRow::as_select())
            .load(c)
            .await
    })
}

/// The key sets (current, previous) of the applications `ids`.
async fn key_sets(conn: &mut AnyConnection<'_>, ids: &[i64]) -> QueryResult<Vec<KeySetRow>> {
    on_backend!(conn, |c| {
        client_key_sets::table
            .filter(client_key_sets::application_id.eq_any(ids))
            .select(KeySetRow::as_select())
            .load(c)
            .await
    })
}

/// The metadata column's value: the metadata as a JSON object, or `NULL` when there is none.
fn metadata_value(details: &RegistrationDetails) -> Option<String> {
    (!details.metadata.is_empty()).then(|| details.metadata.to_json_text())
}

/// Records how application `id` was registered and what its registration keeps, unless
/// it was made by hand (which has no row).
pub(crate) async fn insert_registration(
    conn: &mut AnyConnection<'_>,
    id: i64,
    registration: Registration,
    details: &RegistrationDetails,
) -> QueryResult<()> {
    if registration == Registration::Manual {
        return Ok(());
    }
    let metadata = metadata_value(details);
    let digest = details.access_token.map(|d| d.to_hex());
    let document = details.document.as_ref().map(|d| d.as_str());
    on_backend!(conn, |c| {
        diesel::insert_into(client_registrations::table)
            .values((
                client_registrations::application_id.eq(id),
                client_registrations::kind.eq(Named(registration)),
                client_registrations::metadata.eq(metadata.as_deref()),
                client_registrations::access_token_digest.eq(digest.as_deref()),
                client_registrations::document_url.eq(document),
            ))
            .execute(c)
            .await
    })
    .map(|_| ())
}

/// Brings application `id`'s registration row in line with `details` (a manual
/// application has none to change).
async fn sync_registration(
    conn: &mut AnyConnection<'_>,
    app: &OAuthApplication,
) -> QueryResult<()> {
    if app.registration() == Registration::Manual {
        return Ok(());
    }
    let details = app.details();
    let metadata = metadata_value(details);
    let digest = details.access_token.map(|d| d.to_hex());
    on_backend!(conn, |c| {
        diesel::update(
            client_registrations::table
                .filter(client_registrations::application_id.eq(app.id().get())),
        )
        .set((
            client_registrations::metadata.eq(metadata.as_deref()),
            client_registrations::access_token_digest.eq(digest.as_deref()),
        ))
        .execute(c)
        .await
    })
    .map(|_| ())
}

/// An application's row with its registration row (none: made by hand), as
/// `applications!` reads them.
pub(crate) type ApplicationWithKind = (ApplicationRow, Option<RegistrationRow>);

/// The applications of `rows`, in their order, with their secrets and key sets.
pub(crate) async fn assemble(
    conn: &mut AnyConnection<'_>,
    rows: Vec<ApplicationWithKind>,
) -> Result<Vec<OAuthApplication>, RepositoryError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let mut secrets: HashMap<i64, Vec<SecretRow>> = HashMap::with_capacity(rows.len());
    for secret in active_secrets(conn, &ids).await.map_err(storage_error)? {
        secrets
            .entry(secret.application_id)
            .or_default()
            .push(secret);
    }
    let mut sets: HashMap<i64, Vec<KeySetRow>> = HashMap::new();
    for set in key_sets(conn, &ids).await.map_err(storage_error)? {
        sets.entry(set.application_id).or_default().push(set);
    }
    rows.into_iter()
        .map(|(row, registration)| {
            let secrets = secrets.remove(&row.id).unwrap_or_default();
            let key_sets = sets.remove(&row.id).unwrap_or_default();
            OAuthApplication::try_from(LoadedApplication {
                row,
                secrets,
                key_sets,
                registration,
            })
        })
        .collect()
}

/// Inserts a client secret.
async fn insert_secret(conn: &mut AnyConnection<'_>, secret: &NewSecret<'_>) -> QueryResult<()> {
    on_backend!(conn, |c| {
        diesel::insert_into(client_secrets::table)
            .values(secret)
            .execute(c)
            .await
    })
    .map(|_| ())
}

/// Inserts a key set.
async fn insert_key_set(conn: &mut AnyConnection<'_>, set: &NewKeySet<'_>) -> QueryResult<()> {
    on_backend!(conn, |c| {
        diesel::insert_into(client_key_sets::table)
            .values(set)
            .execute(c)
            .await
    })
    .map(|_| ())
}

/// Stores the credentials of application `id`, which has none stored yet: its secrets and
/// its key sets, current and previous, with what is known of their uses.
pub(crate) async fn insert_credentials(
    conn: &mut AnyConnection<'_>,
    id: i64,
    credentials: &Credentials,
) -> QueryResult<()> {
    if let Some(secrets) = credentials.secrets() {
        insert_secret(conn, &NewSecret::current(id, secrets.current())).await?;
        if let Some(previous) = secrets.previous() {
            insert_secret(conn, &NewSecret::previous(id, previous)).await?;
        }
    }
    if let Some(keys) = credentials.keys() {
        insert_key_set(conn, &NewKeySet::current(id, keys.current())).await?;
        if let Some(previous) = keys.previous() {
            insert_key_set(conn, &NewKeySet::previous(id, previous)).await?;
        }
    }
    Ok(())
}

/// Brings the stored secrets of `app` in line with its domain state ([`SecretWrites`]).
async fn sync_secrets(
    conn: &mut AnyConnection<'_>,
    app: &OAuthApplication,
    now: Timestamp,
) -> QueryResult<()> {
    let id = app.id().get();
    let stored = active_secrets(conn, &[id]).await?;
    let writes = SecretWrites::plan(app.secrets(), &stored);
    if !writes.revoke.is_empty() {
        on_backend!(conn, |c| {
            diesel::update(client_secrets::table.filter(client_secrets::id.eq_any(&writes.revoke)))
                .set((
                    client_secrets::state.eq(Named(SecretState::Revoked)),
                    client_secrets::expires_at.eq(None::<InstantValue>),
                    client_secrets::revoked_at.eq(Some(InstantValue::from(now))),
                ))
                .execute(c)
                .await
        })?;
    }
    if let Some((secret, expires_at)) = writes.make_previous {
        on_backend!(conn, |c| {
            diesel::update(client_secrets::table.filter(client_secrets::id.eq(secret)))
                .set((
                    client_secrets::state.eq(Named(SecretState::Previous)),
                    client_secrets::expires_at.eq(Some(InstantValue::from(expires_at))),
                ))
                .execute(c)
                .await
        })?;
    }
    if let Some(secrets) = app.secrets()
        && writes.insert_current
    {
        insert_secret(conn, &NewSecret::current(id, secrets.current())).await?;
    }
    for (row, lifecycle) in &writes.lifecycles {
        let values = LifecycleValues::from(lifecycle);
        on_backend!(conn, |c| {
            diesel::update(client_secrets::table.filter(client_secrets::id.eq(row)))
                .set(&values)
                .execute(c)
                .await
        })?;
    }
    Ok(())
}

/// Brings the stored key sets of `app` in line with its domain state ([`KeySetWrites`]).
async fn sync_key_sets(conn: &mut AnyConnection<'_>, app: &OAuthApplication) -> QueryResult<()> {
    let id = app.id().get();
    let stored = key_sets(conn, &[id]).await?;
    let writes = KeySetWrites::plan(app.keys(), &stored);
    if !writes.delete.is_empty() {
        on_backend!(conn, |c| {
            diesel::delete(
                client_key_sets::table.filter(client_key_sets::id.eq_any(&writes.delete)),
            )
            .execute(c)
            .await
        })?;
    }
    if let Some((set, expires_at)) = writes.make_previous {
        on_backend!(conn, |c| {
            diesel::update(client_key_sets::table.filter(client_key_sets::id.eq(set)))
                .set((
                    client_key_sets::state.eq(Named(KeySetState::Previous)),
                    client_key_sets::expires_at.eq(Some(InstantValue::from(expires_at))),
                ))
                .execute(c)
                .await
        })?;
    }
    if let Some(keys) = app.keys()
        && writes.insert_current
    {
        insert_key_set(conn, &NewKeySet::current(id, keys.current())).await?;
    }
    Ok(())
}

/// Writes the use of `credential` of application `app` at `at`, unless its stored last use
/// is later than `at` minus [`CREDENTIAL_USE_RESOLUTION_SECONDS`]; whether it wrote. Only
/// `last_used_at` is written (no version, no event), in one statement: two replicas noting
/// the same use write it once, and an update, which never writes that column, keeps it.
async fn record_use(
    conn: &mut AnyConnection<'_>,
    app: AppId,
    credential: CredentialRef,
    at: Timestamp,
) -> QueryResult<bool> {
    let resolution = i64::from(CREDENTIAL_USE_RESOLUTION_SECONDS) * 1_000_000;
    let stale = Timestamp::from_unix_micros(at.unix_micros().saturating_sub(resolution))
        .map_or(InstantValue::from(at), InstantValue::from);
    let used = Some(InstantValue::from(at));
    let serial = stored_serial(credential.serial);
    let written = match credential.kind {
        CredentialKind::Secret => on_backend!(conn, |c| {
            diesel::update(
                client_secrets::table
                    .filter(client_secrets::application_id.eq(app.get()))
                    .filter(client_secrets::serial.eq(serial))
                    .filter(client_secrets::state.ne(Named(SecretState::Revoked)))
                    .filter(
                        client_secrets::last_used_at
                            .is_null()
                            .or(client_secrets::last_used_at.le(stale)),
                    ),
            )
            .set(client_secrets::last_used_at.eq(used))
            .execute(c)
            .await
        })?,
        CredentialKind::KeySet => on_backend!(conn, |c| {
            diesel::update(
                client_key_sets::table
                    .filter(client_key_sets::application_id.eq(app.get()))
                    .filter(client_key_sets::serial.eq(serial))
                    .filter(
                        client_key_sets::last_used_at
                            .is_null()
                            .or(client_key_sets::last_used_at.le(stale)),
                    ),
            )
            .set(client_key_sets::last_used_at.eq(used))
            .execute(c)
            .await
        })?,
    };
    Ok(written > 0)
}

/// Stores a new application with its credentials and `Created` event.
async fn insert(
    conn: &mut AnyConnection<'_>,
    app: &NewApplication,
    event: &AuditEvent,
) -> Result<AppId, RepositoryError> {
    let values = ApplicationValues::from(app);
    let id: i64 = write_transaction!(conn, |conn| {
        let id: i64 = on_backend!(conn, |c| {
            diesel::insert_into(oauth_applications::table)
                .values(&values)
                .returning(oauth_applications::id)
                .get_result(c)
                .await
        })
        .map_err(duplicate_on_insert)?;
        insert_credentials(conn, id, app.credentials()).await?;
        insert_registration(conn, id, app.registration(), app.details()).await?;
        insert_event(conn, id, None, event).await?;
        Ok::<_, TxError>(id)
    })?;
    AppId::new(id).map_err(|e| RepositoryError::Unexpected(Box::new(e)))
}

/// The applications that `filter` selects (one at most).
async fn find_one(
    conn: &mut AnyConnection<'_>,
    filter: Lookup<'_>,
) -> Result<Option<OAuthApplication>, RepositoryError> {
    let rows = on_backend!(conn, |c| {
        let query = applications!().into_boxed();
        let query = match filter {
            Lookup::ClientId(client_id) => {
                query.filter(oauth_applications::client_id.eq(UuidValue(*client_id.as_uuid())))
            }
            Lookup::OrgAndId(org, id) => query
                .filter(oauth_applications::id.eq(id.get()))
                .filter(oauth_applications::owner_org_id.eq(org.as_str())),
        };
        query.load(c).await
    })
    .map_err(storage_error)?;
    Ok(assemble(conn, rows).await?.pop())
}

/// How [`find_one`] finds an application.
#[derive(Clone, Copy)]
enum Lookup<'a> {
    ClientId(&'a ClientId),
    OrgAndId(&'a OrgId, AppId),
}

/// Up to `limit` applications of `org`, newest first, strictly after `after`.
async fn list_after(
    conn: &mut AnyConnection<'_>,
    org: &OrgId,
    name: Option<&str>,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Vec<OAuthApplication>, RepositoryError> {
    // A substring, with LIKE's wildcards and escape character taken literally.
    let pattern = name.map(|n| {
        let escaped = n
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{}%", escaped.to_lowercase())
    });
    let rows = on_backend!(conn, |c| {
        let mut query = applications!()
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .order(newest_first())
            .limit(i64::from(limit))
            .into_boxed();
        if let Some(pattern) = &pattern {
            query = query.filter(
                lower(oauth_applications::name)
                    .like(pattern.as_str())
                    .escape('\\'),
            );
        }
        if let Some(cursor) = &after {
            // A row-value comparison, which the (owner_org_id, created_at, id) index serves.
            query = query.filter(
                diesel::dsl::sql::<Bool>(
                    "(oauth_applications.created_at, oauth_applications.id) < (",
                )
                .bind::<sql_types::Instant, _>(InstantValue::from(cursor.created_at))
                .sql(", ")
                .bind::<BigInt, _>(cursor.id.get())
                .sql(")"),
            );
        }
        query.load(c).await
    })
    .map_err(storage_error)?;
    assemble(conn, rows).await
}

/// Up to `limit` applications of `org` after `offset`, newest first, and how many it has.
async fn list_page(
    conn: &mut AnyConnection<'_>,
    org: &OrgId,
    offset: u64,
    limit: u32,
) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
    let total: i64 = on_backend!(conn, |c| {
        oauth_applications::table
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .count()
            .get_result(c)
            .await
    })
    .map_err(storage_error)?;
    // The page's ids first: an offset walks past every row before the page, and walking
    // the (owner_org_id, created_at, id) index alone is an index-only scan, where taking
    // whole rows made PostgreSQL sort the organisation's rows (to disk, at 10k). Then the
    // page's rows by id.
    let ids: Vec<i64> = on_backend!(conn, |c| {
        oauth_applications::table
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .order(newest_first())
            .offset(i64::try_from(offset).unwrap_or(i64::MAX))
            .limit(i64::from(limit))
            .select(oauth_applications::id)
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        on_backend!(conn, |c| {
            applications!()
                .filter(oauth_applications::id.eq_any(&ids))
                .order(newest_first())
                .load(c)
                .await
        })
        .map_err(storage_error)?
    };
    let items = assemble(conn, rows).await?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// Up to `limit` audit events of `app`, newest first, older than `before`.
async fn list_events(
    conn: &mut AnyConnection<'_>,
    app: AppId,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
    let rows = on_backend!(conn, |c| {
        let mut query = audit_events::table
            .filter(audit_events::application_id.eq(app.get()))
            .order(audit_events::id.desc())
            .limit(i64::from(limit))
            .select(EventRow::as_select())
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(audit_events::id.lt(before));
        }
        query.load(c).await
    })
    .map_err(storage_error)?;
    rows.into_iter().map(StoredAuditEvent::try_from).collect()
}

/// Replaces the stored application by `app` if its version is still `expected`, brings
/// its secrets and key sets in line and records `events` in order, in one transaction.
async fn update(
    conn: &mut AnyConnection<'_>,
    app: &OAuthApplication,
    expected: Version,
    events: &[AuditEvent],
) -> Result<(), RepositoryError> {
    let Some(at) = events.first().map(|event| event.at) else {
        return Err(RepositoryError::Unexpected(
            "a change without an event to record".into(),
        ));
    };
    let values = ApplicationValues::from(app);
    let id = app.id().get();
    write_transaction!(conn, |conn| {
        let updated = on_backend!(conn, |c| {
            diesel::update(
                oauth_applications::table
                    .filter(oauth_applications::id.eq(id))
                    .filter(oauth_applications::version.eq(expected.get())),
            )
            .set(&values)
            .execute(c)
            .await
        })?;
        if updated == 0 {
            let exists: bool = on_backend!(conn, |c| {
                diesel::select(diesel::dsl::exists(
                    oauth_applications::table.filter(oauth_applications::id.eq(id)),
                ))
                .get_result(c)
                .await
            })?;
            return Err(TxError::Repository(if exists {
                RepositoryError::VersionConflict
            } else {
                RepositoryError::NotFound
            }));
        }
        sync_secrets(conn, app, at).await?;
        sync_key_sets(conn, app).await?;
        sync_registration(conn, app).await?;
        for event in events {
            insert_event(conn, id, None, event).await?;
        }
        Ok(())
    })
    .map_err(RepositoryError::from)
}

#[async_trait]
impl<D: Database> ApplicationRepository for Store<D> {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        self.run(async |conn| insert(conn, app, event).await).await
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.run(async |conn| find_one(conn, Lookup::ClientId(client_id)).await)
            .await
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.run(async |conn| find_one(conn, Lookup::OrgAndId(org, id)).await)
            .await
    }

    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        self.run(async |conn| list_after(conn, org, name, after, limit).await)
            .await
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        self.run(async |conn| list_page(conn, org, offset, limit).await)
            .await
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.run(async |conn| list_events(conn, app, before, limit).await)
            .await
    }

    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        self.run(async |conn| update(conn, app, expected, events).await)
            .await
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        self.run(async |conn| {
            record_use(conn, app, credential, at)
                .await
                .map_err(storage_error)
        })
        .await
    }
}
