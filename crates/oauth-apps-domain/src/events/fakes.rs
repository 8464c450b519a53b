//! The change feed of the in-memory repository (feature `testing`): its events in the
//! order they were written.

use async_trait::async_trait;

use super::feed::{EventFeed, FeedEntry};
use crate::applications::fakes::InMemoryRepository;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;

#[async_trait]
impl EventFeed for InMemoryRepository {
    /// The events in the order they were recorded; an event's position is its id (its
    /// place in that order, from 1, or the id it was imported with).
    async fn events_after<'a>(
        &self,
        after: i64,
        org: Option<&'a OrgId>,
        limit: u32,
    ) -> Result<Vec<FeedEntry>, RepositoryError> {
        let store = self.lock();
        let entries = store
            .events
            .iter()
            .filter(|recorded| recorded.id > after)
            .filter_map(|recorded| {
                let app = store.apps.iter().find(|a| a.id() == recorded.app)?;
                Some(FeedEntry {
                    position: recorded.id,
                    client_id: *app.client_id(),
                    owner_org_id: app.owner_org_id().clone(),
                    event: recorded.event.clone(),
                })
            })
            .filter(|entry| org.is_none_or(|org| &entry.owner_org_id == org))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Ok(entries)
    }
}
