//! Moving the whole store out and in: [`ApplicationArchive`] on PostgreSQL.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_domain::{
    ApplicationArchive, ArchivedApplication, OAuthApplication, RepositoryError, StoredAuditEvent,
};

use crate::rows::{ApplicationRow, EventRow};
use crate::schema::{audit_events, oauth_applications};
use crate::{PgRepository, TxError, assemble, storage_error};

async fn trails(
    conn: &mut AsyncPgConnection,
    apps: Vec<OAuthApplication>,
) -> Result<Vec<ArchivedApplication>, RepositoryError> {
    let ids: Vec<i64> = apps.iter().map(|a| a.id().get()).collect();
    let rows: Vec<(i64, EventRow)> = audit_events::table
        .filter(audit_events::application_id.eq_any(&ids))
        .order((audit_events::application_id, audit_events::id))
        .select((audit_events::application_id, EventRow::as_select()))
        .load(conn)
        .await
        .map_err(storage_error)?;
    let mut events: Vec<(i64, StoredAuditEvent)> = Vec::with_capacity(rows.len());
    for (app, row) in rows {
        events.push((app, row.into_event()?));
    }
    Ok(ArchivedApplication::with_trails(apps, events))
}

async fn import_one(
    conn: &mut AsyncPgConnection,
    archived: &ArchivedApplication,
) -> Result<(), DieselError> {
    let app = &archived.application;
    let r = app.to_record();
    let client_id = app.client_id().as_uuid();
    diesel::sql_query(
        "INSERT INTO oauth_applications (id, client_id, owner_org_id, name, description, \
           app_type, redirect_urls, allowed_scopes, grant_types, access_level, status, \
           is_first_party, created_at, updated_at, version) \
         OVERRIDING SYSTEM VALUE \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind::<BigInt, _>(app.id().get())
    .bind::<diesel::sql_types::Uuid, _>(client_id)
    .bind::<Text, _>(&r.owner_org_id)
    .bind::<Text, _>(&r.name)
    .bind::<Nullable<Text>, _>(r.description.as_deref())
    .bind::<Text, _>(&r.app_type)
    .bind::<Array<Text>, _>(&r.redirect_urls)
    .bind::<Array<Text>, _>(&r.allowed_scopes)
    .bind::<Array<Text>, _>(&r.grant_types)
    .bind::<Text, _>(&r.access_level)
    .bind::<Text, _>(&r.status)
    .bind::<Bool, _>(r.is_first_party)
    .bind::<Timestamptz, _>(r.created_at.as_offset_date_time())
    .bind::<Timestamptz, _>(r.updated_at.as_offset_date_time())
    .bind::<BigInt, _>(r.version)
    .execute(conn)
    .await?;
    let secret = |hash: &str, state: &str, expires: Option<time::OffsetDateTime>| {
        diesel::sql_query(
            "INSERT INTO client_secrets (application_id, secret_hash, state, created_at, \
               expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind::<BigInt, _>(app.id().get())
        .bind::<Text, _>(hash.to_owned())
        .bind::<Text, _>(state.to_owned())
        .bind::<Timestamptz, _>(r.updated_at.as_offset_date_time())
        .bind::<Nullable<Timestamptz>, _>(expires)
    };
    secret(&r.current_secret_hash, "current", None)
        .execute(conn)
        .await?;
    if let Some((hash, expires_at)) = &r.previous_secret {
        secret(hash, "previous", Some(expires_at.as_offset_date_time()))
            .execute(conn)
            .await?;
    }
    for stored in &archived.events {
        let e = &stored.event;
        let fields: Vec<&str> = e.changed_fields.iter().map(|f| f.name()).collect();
        diesel::sql_query(
            "INSERT INTO audit_events (id, application_id, action, actor, request_id, \
               client_request_id, changed_fields, occurred_at) OVERRIDING SYSTEM VALUE \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind::<BigInt, _>(stored.id)
        .bind::<BigInt, _>(app.id().get())
        .bind::<Text, _>(e.action.as_str())
        .bind::<Text, _>(&e.actor)
        .bind::<Nullable<Text>, _>(e.request_id.as_deref())
        .bind::<Nullable<Text>, _>(e.client_request_id.as_deref())
        .bind::<Array<Text>, _>(fields)
        .bind::<Timestamptz, _>(e.at.as_offset_date_time())
        .execute(conn)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl ApplicationArchive for PgRepository {
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError> {
        let result = async {
            let mut conn = self.conn().await?;
            let rows = oauth_applications::table
                .filter(oauth_applications::id.gt(after))
                .order(oauth_applications::id)
                .limit(i64::from(limit))
                .select(ApplicationRow::as_select())
                .load(&mut conn)
                .await
                .map_err(storage_error)?;
            let apps = assemble(&mut conn, rows).await?;
            trails(&mut conn, apps).await
        }
        .await;
        self.settle(result).await
    }

    async fn is_empty(&self) -> Result<bool, RepositoryError> {
        let result = async {
            let mut conn = self.conn().await?;
            let any: bool = diesel::select(diesel::dsl::exists(
                oauth_applications::table.select(oauth_applications::id),
            ))
            .get_result(&mut conn)
            .await
            .map_err(storage_error)?;
            Ok(!any)
        }
        .await;
        self.settle(result).await
    }

    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError> {
        let result = async {
            let mut conn = self.conn().await?;
            conn.transaction::<_, TxError, _>(async |conn| {
                for archived in apps {
                    import_one(conn, archived).await.map_err(|e| match e {
                        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                            TxError::Repository(RepositoryError::DuplicateClientId)
                        }
                        other => TxError::Diesel(other),
                    })?;
                }
                // Identities continue after the imported ids.
                for table in ["oauth_applications", "audit_events"] {
                    diesel::sql_query(format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                           GREATEST((SELECT max(id) FROM {table}), 1))"
                    ))
                    .execute(conn)
                    .await?;
                }
                Ok(())
            })
            .await
            .map_err(RepositoryError::from)
        }
        .await;
        self.settle(result).await
    }
}
