//! Moving a whole store out and in: the domain's [`ApplicationArchive`].

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    ApplicationArchive, ArchivedApplication, OAuthApplication, RepositoryError, StoredAuditEvent,
};

use crate::applications::{assemble, insert_credentials, insert_registration};
use crate::connection::AnyConnection;
use crate::error::{TxError, duplicate_on_insert, storage_error};
use crate::events::insert_event;
use crate::rows::{ApplicationValues, EventRow};
use crate::schema::{audit_events, oauth_applications};
use crate::store::{Database, Store};

/// Pairs each application with its events, given as `(application id, event)` in any
/// order of applications; each trail keeps the order its events came in.
fn with_trails(
    apps: Vec<OAuthApplication>,
    events: Vec<(i64, StoredAuditEvent)>,
) -> Vec<ArchivedApplication> {
    let mut trails: HashMap<i64, Vec<StoredAuditEvent>> = HashMap::with_capacity(apps.len());
    for (app, event) in events {
        trails.entry(app).or_default().push(event);
    }
    apps.into_iter()
        .map(|application| {
            let events = trails.remove(&application.id().get()).unwrap_or_default();
            ArchivedApplication {
                application,
                events,
            }
        })
        .collect()
}

/// Up to `limit` applications with ids above `after`, by id, each with its trail.
async fn export_after(
    conn: &mut AnyConnection<'_>,
    after: i64,
    limit: u32,
) -> Result<Vec<ArchivedApplication>, RepositoryError> {
    let rows = on_backend!(conn, |c| {
        applications!()
            .filter(oauth_applications::id.gt(after))
            .order(oauth_applications::id)
            .limit(i64::from(limit))
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    let apps = assemble(conn, rows).await?;
    let ids: Vec<i64> = apps.iter().map(|a| a.id().get()).collect();
    let rows: Vec<(i64, EventRow)> = on_backend!(conn, |c| {
        audit_events::table
            .filter(audit_events::application_id.eq_any(&ids))
            .order((audit_events::application_id, audit_events::id))
            .select((audit_events::application_id, EventRow::as_select()))
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    let mut events = Vec::with_capacity(rows.len());
    for (app, row) in rows {
        events.push((app, StoredAuditEvent::try_from(row)?));
    }
    Ok(with_trails(apps, events))
}

/// Whether the store holds no application.
async fn is_empty(conn: &mut AnyConnection<'_>) -> Result<bool, RepositoryError> {
    let any: bool = on_backend!(conn, |c| {
        diesel::select(diesel::dsl::exists(
            oauth_applications::table.select(oauth_applications::id),
        ))
        .get_result(c)
        .await
    })
    .map_err(storage_error)?;
    Ok(!any)
}

/// Writes one archived application as it was: its id, its active secrets (stored when it
/// last changed), its key sets, its events with their ids.
async fn import_one(
    conn: &mut AnyConnection<'_>,
    archived: &ArchivedApplication,
) -> Result<(), TxError> {
    let app = &archived.application;
    let id = app.id().get();
    let values = ApplicationValues::from(app);
    on_backend!(conn, |c| {
        diesel::insert_into(oauth_applications::table)
            .values((oauth_applications::id.eq(id), &values))
            .execute(c)
            .await
    })
    .map_err(duplicate_on_insert)?;
    insert_credentials(conn, id, app.credentials()).await?;
    insert_registration(conn, id, app.registration(), app.details()).await?;
    for stored in &archived.events {
        insert_event(conn, id, Some(stored.id), &stored.event)
            .await
            .map_err(duplicate_on_insert)?;
    }
    Ok(())
}

/// Stores `apps` as they are, then runs `after`, in one transaction.
async fn import(
    conn: &mut AnyConnection<'_>,
    apps: &[ArchivedApplication],
    after: &[&str],
) -> Result<(), RepositoryError> {
    write_transaction!(conn, |conn| {
        for archived in apps {
            import_one(conn, archived).await?;
        }
        for statement in after {
            on_backend!(conn, |c| diesel::sql_query(*statement).execute(c).await)?;
        }
        Ok::<_, TxError>(())
    })
    .map_err(RepositoryError::from)
}

#[async_trait]
impl<D: Database> ApplicationArchive for Store<D> {
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError> {
        self.run(async |conn| export_after(conn, after, limit).await)
            .await
    }

    async fn is_empty(&self) -> Result<bool, RepositoryError> {
        self.run(async |conn| is_empty(conn).await).await
    }

    async fn count(&self) -> Result<u64, RepositoryError> {
        self.run(async |conn| {
            let n: i64 = on_backend!(conn, |c| {
                oauth_applications::table.count().get_result(c).await
            })
            .map_err(storage_error)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError> {
        self.run(async |conn| import(conn, apps, D::AFTER_IMPORT).await)
            .await
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::{
        AccessLevel, AppId, AppName, AppType, AuditAction, AuditEvent, ClientId, Credentials,
        GrantTypes, NewApplication, OrgId, Profile, RedirectUrls, ScopeCatalog, Scopes, Secret,
        SecretHash, Secrets, Timestamp,
    };

    use super::*;

    fn sample(id: i64) -> OAuthApplication {
        let profile = Profile::new(
            AppType::Web,
            AppName::parse("App").unwrap(),
            None,
            RedirectUrls::parse(&["https://app.example.com/cb"], AppType::Web).unwrap(),
            Scopes::parse(&["read"], &ScopeCatalog::default()).unwrap(),
            GrantTypes::default(),
            AccessLevel::Organization,
        )
        .unwrap();
        NewApplication::new(
            ClientId::from_random_bytes([u8::try_from(id).unwrap(); 16]),
            OrgId::parse("acme").unwrap(),
            AppType::Web,
            profile,
            false,
            Credentials::secret(Secrets::new(Secret::first(
                SecretHash::new("$test$h").unwrap(),
                None,
                Timestamp::from_unix_micros(0).unwrap(),
            ))),
            Timestamp::from_unix_micros(0).unwrap(),
        )
        .with_id(AppId::new(id).unwrap())
    }

    fn event(id: i64) -> StoredAuditEvent {
        StoredAuditEvent {
            id,
            event: AuditEvent {
                action: AuditAction::Updated,
                actor: "alice".into(),
                request_id: None,
                client_request_id: None,
                changed_fields: vec![oauth_apps_domain::ChangedField::Name],
                at: Timestamp::from_unix_micros(id).unwrap(),
            },
        }
    }

    #[test]
    fn archived_applications_get_their_own_trails_in_order() {
        let archived = with_trails(
            vec![sample(1), sample(2), sample(3)],
            vec![
                (2, event(20)),
                (1, event(10)),
                (9, event(90)),
                (2, event(21)),
            ],
        );
        let trails: Vec<(i64, Vec<i64>)> = archived
            .iter()
            .map(|a| {
                (
                    a.application.id().get(),
                    a.events.iter().map(|e| e.id).collect(),
                )
            })
            .collect();
        assert_eq!(trails, [(1, vec![10]), (2, vec![20, 21]), (3, vec![])]);
    }
}
