//! Self-registered clients that go quiet: the domain's [`RegistrationReads`] and
//! [`StaleClientStore`]. A client's latest registration read and latest warning live on
//! its `client_registrations` row (operators' clients have none).

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    AppId, AuditEvent, CREDENTIAL_USE_RESOLUTION_SECONDS, Field, OrgId, QuietClient,
    RegistrationReads, RepositoryError, StaleAfter, StaleClientStore, Status, Timestamp,
};

use crate::applications::assemble;
use crate::closed_sets::Named;
use crate::error::{TxError, storage_error};
use crate::events::insert_event;
use crate::rows::corrupt;
use crate::schema::{
    client_key_sets as k, client_registrations as r, client_secrets as s, oauth_applications as a,
    organization_policies as p,
};
use crate::store::{Database, Store};
use crate::values::InstantValue;

#[async_trait]
impl<D: Database> RegistrationReads for Store<D> {
    /// One conditional statement: replicas noting reads within a minute write one.
    async fn record_registration_read(
        &self,
        app: AppId,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let resolution = i64::from(CREDENTIAL_USE_RESOLUTION_SECONDS) * 1_000_000;
        let recent = Timestamp::from_unix_micros(at.unix_micros().saturating_sub(resolution))
            .map_or(InstantValue::from(at), InstantValue::from);
        let read = Some(InstantValue::from(at));
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::update(
                    r::table
                        .filter(r::application_id.eq(app.get()))
                        .filter(r::last_read_at.is_null().or(r::last_read_at.le(recent))),
                )
                .set(r::last_read_at.eq(read))
                .execute(c)
                .await
            })
            .map(|n| n == 1)
            .map_err(storage_error)
        })
        .await
    }
}

#[async_trait]
impl<D: Database> StaleClientStore for Store<D> {
    async fn quiet_periods(&self) -> Result<Vec<(OrgId, StaleAfter)>, RepositoryError> {
        self.run(async |conn| {
            let rows: Vec<(String, Option<i32>)> = on_backend!(conn, |c| {
                p::table
                    .filter(p::stale_after_days.is_not_null())
                    .order(p::owner_org_id.asc())
                    .select((p::owner_org_id, p::stale_after_days))
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            rows.into_iter()
                .filter_map(|(org, days)| days.map(|d| (org, d)))
                .map(|(org, days)| {
                    Ok((
                        OrgId::parse(org).map_err(corrupt(Field::OwnerOrgId))?,
                        StaleAfter::from_days(i64::from(days))
                            .map_err(corrupt(Field::StaleAfterDays))?,
                    ))
                })
                .collect()
        })
        .await
    }

    async fn quiet_clients(
        &self,
        org: &OrgId,
        quiet_since: Timestamp,
        after: Option<AppId>,
        limit: u32,
    ) -> Result<Vec<QuietClient>, RepositoryError> {
        let since = InstantValue::from(quiet_since);
        let after = after.map_or(0, AppId::get);
        self.run(async |conn| {
            let used_secrets = s::table
                .filter(s::last_used_at.ge(since))
                .select(s::application_id);
            let used_keys = k::table
                .filter(k::last_used_at.ge(since))
                .select(k::application_id);
            let marks: Vec<(i64, Option<InstantValue>, Option<InstantValue>)> =
                on_backend!(conn, |c| {
                    r::table
                        .inner_join(a::table)
                        .filter(a::owner_org_id.eq(org.as_str()))
                        .filter(a::status.eq(Named(Status::Active)))
                        .filter(a::created_at.lt(since))
                        .filter(r::last_read_at.is_null().or(r::last_read_at.lt(since)))
                        .filter(diesel::dsl::not(a::id.eq_any(used_secrets)))
                        .filter(diesel::dsl::not(a::id.eq_any(used_keys)))
                        .filter(a::id.gt(after))
                        .order(a::id.asc())
                        .limit(i64::from(limit))
                        .select((a::id, r::last_read_at, r::stale_warned_at))
                        .load(c)
                        .await
                })
                .map_err(storage_error)?;
            let ids: Vec<i64> = marks.iter().map(|(id, _, _)| *id).collect();
            let rows = on_backend!(conn, |c| {
                applications!()
                    .filter(a::id.eq_any(&ids))
                    .order(a::id.asc())
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            let mut apps: HashMap<i64, _> = assemble(conn, rows)
                .await?
                .into_iter()
                .map(|app| (app.id().get(), app))
                .collect();
            Ok(marks
                .into_iter()
                .filter_map(|(id, read, warned)| {
                    apps.remove(&id).map(|app| QuietClient {
                        app,
                        last_read: read.map(Into::into),
                        warned_at: warned.map(Into::into),
                    })
                })
                .collect())
        })
        .await
    }

    async fn mark_stale_warned(
        &self,
        app: AppId,
        heard: Timestamp,
        at: Timestamp,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError> {
        let heard = InstantValue::from(heard);
        let warned = Some(InstantValue::from(at));
        self.run(async |conn| {
            let written: bool = write_transaction!(conn, |conn| {
                // One conditional statement: of replicas warning at once, one writes.
                let n = on_backend!(conn, |c| {
                    diesel::update(
                        r::table.filter(r::application_id.eq(app.get())).filter(
                            r::stale_warned_at
                                .is_null()
                                .or(r::stale_warned_at.lt(heard)),
                        ),
                    )
                    .set(r::stale_warned_at.eq(warned))
                    .execute(c)
                    .await
                })?;
                if n == 1 {
                    insert_event(conn, app.get(), None, event).await?;
                }
                Ok::<_, TxError>(n == 1)
            })?;
            Ok(written)
        })
        .await
    }
}
