//! The change feed: the domain's [`EventFeed`] over the audit trail. An event's position
//! is its row id; positions become visible in increasing order ([`crate::events`] says
//! how), so a reader that continues after the last position it read misses nothing.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{EventFeed, FeedEntry, OrgId, RepositoryError};

use crate::error::storage_error;
use crate::rows::{EventRow, feed_entry};
use crate::schema::{audit_events, oauth_applications};
use crate::store::{Database, Store};
use crate::values::UuidValue;

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
                .map(|(row, client_id, owner)| feed_entry(row, client_id, owner))
                .collect()
        })
        .await
    }
}
