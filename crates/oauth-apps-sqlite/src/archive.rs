//! Moving the whole store out and in: [`ApplicationArchive`] on SQLite.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use oauth_apps_domain::{
    ApplicationArchive, ArchivedApplication, OAuthApplication, RepositoryError, StoredAuditEvent,
};

use crate::rows::{ApplicationRow, ApplicationValues, EventRow, join_list};
use crate::schema::{audit_events, client_secrets, oauth_applications};
use crate::{SqliteRepository, TxError, assemble, storage_error};

fn trails(
    c: &mut SqliteConnection,
    apps: Vec<OAuthApplication>,
) -> Result<Vec<ArchivedApplication>, RepositoryError> {
    let ids: Vec<i64> = apps.iter().map(|a| a.id().get()).collect();
    let rows: Vec<(i64, EventRow)> = audit_events::table
        .filter(audit_events::application_id.eq_any(&ids))
        .order((audit_events::application_id, audit_events::id))
        .select((audit_events::application_id, EventRow::as_select()))
        .load(c)
        .map_err(storage_error)?;
    let mut events: Vec<(i64, StoredAuditEvent)> = Vec::with_capacity(rows.len());
    for (app, row) in rows {
        events.push((app, row.into_event()?));
    }
    Ok(ArchivedApplication::with_trails(apps, events))
}

fn import_one(c: &mut SqliteConnection, archived: &ArchivedApplication) -> Result<(), DieselError> {
    let app = &archived.application;
    let id = app.id().get();
    let r = app.to_record();
    diesel::insert_into(oauth_applications::table)
        .values((
            oauth_applications::id.eq(id),
            ApplicationValues::from_record(&r),
        ))
        .execute(c)?;
    let changed = r.updated_at.unix_micros();
    diesel::insert_into(client_secrets::table)
        .values((
            client_secrets::application_id.eq(id),
            client_secrets::secret_hash.eq(&r.current_secret_hash),
            client_secrets::state.eq("current"),
            client_secrets::created_at.eq(changed),
        ))
        .execute(c)?;
    if let Some((hash, expires_at)) = &r.previous_secret {
        diesel::insert_into(client_secrets::table)
            .values((
                client_secrets::application_id.eq(id),
                client_secrets::secret_hash.eq(hash),
                client_secrets::state.eq("previous"),
                client_secrets::created_at.eq(changed),
                client_secrets::expires_at.eq(Some(expires_at.unix_micros())),
            ))
            .execute(c)?;
    }
    for stored in &archived.events {
        let e = &stored.event;
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::id.eq(stored.id),
                audit_events::application_id.eq(id),
                audit_events::action.eq(e.action.as_str()),
                audit_events::actor.eq(&e.actor),
                audit_events::request_id.eq(e.request_id.as_deref()),
                audit_events::client_request_id.eq(e.client_request_id.as_deref()),
                audit_events::changed_fields
                    .eq(join_list(e.changed_fields.iter().map(|f| f.name()))),
                audit_events::occurred_at.eq(e.at.unix_micros()),
            ))
            .execute(c)?;
    }
    Ok(())
}

#[async_trait]
impl ApplicationArchive for SqliteRepository {
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError> {
        self.with_conn(move |c| {
            let rows = oauth_applications::table
                .filter(oauth_applications::id.gt(after))
                .order(oauth_applications::id)
                .limit(i64::from(limit))
                .select(ApplicationRow::as_select())
                .load(c)
                .map_err(storage_error)?;
            let apps = assemble(c, rows)?;
            trails(c, apps)
        })
        .await
    }

    async fn is_empty(&self) -> Result<bool, RepositoryError> {
        self.with_conn(|c| {
            let any: bool = diesel::select(diesel::dsl::exists(
                oauth_applications::table.select(oauth_applications::id),
            ))
            .get_result(c)
            .map_err(storage_error)?;
            Ok(!any)
        })
        .await
    }

    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError> {
        let apps = apps.to_vec();
        self.with_conn(move |c| {
            c.immediate_transaction::<_, TxError, _>(|c| {
                for archived in &apps {
                    import_one(c, archived).map_err(|e| match e {
                        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                            TxError::Repository(RepositoryError::DuplicateClientId)
                        }
                        other => TxError::Diesel(other),
                    })?;
                }
                Ok(())
            })
            .map_err(RepositoryError::from)
        })
        .await
    }
}
