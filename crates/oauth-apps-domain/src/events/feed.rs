//! The change feed: every application's audit events, in commit order, for authorization
//! servers and organisation admins that must learn what changed.

use std::sync::Arc;

use async_trait::async_trait;

use super::change::AuditEvent;
use super::errors::FeedError;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{ClientId, OrgId};
use crate::shared::page::PageSize;
use crate::shared::principal::{OrgRole, PlatformRole, Principal};
use crate::shared::validation::{Collector, Field, Violation};

const NOT_A_FEED_READER: &str = "only platform admins, client authenticators and the \
     organisation's admins (naming it in ownerOrgId) may read the change feed";

/// What a reader asks of the feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedQuery {
    /// Only this organisation's applications (required of org admins).
    pub owner_org_id: Option<String>,
    /// The cursor of the last page read (`nextCursor`); `None`: from the start.
    pub after: Option<String>,
    /// At most this many events (1-100, default 20).
    pub limit: Option<i64>,
}

/// A page of the feed, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    /// The events.
    pub items: Vec<FeedEntry>,
    /// Where to continue: the last event's position, or the cursor given when nothing is
    /// new.
    pub next_cursor: String,
}

/// The change feed use case.
pub struct EventFeedService {
    feed: Arc<dyn EventFeed>,
}

impl EventFeedService {
    /// The service over `feed`.
    #[must_use]
    pub fn new(feed: Arc<dyn EventFeed>) -> Self {
        Self { feed }
    }

    /// The events after `query.after`, oldest first, for platform admins and client
    /// authenticators (every organisation, or the one named) and an organisation's admins
    /// (naming it).
    ///
    /// # Errors
    /// [`FeedError::Invalid`] for a bad organisation id, cursor (a position this feed
    /// handed out: a whole number, 0 or more) or page size; [`FeedError::Forbidden`] for
    /// members and for org admins who name no organisation; [`FeedError::NotFound`] for an
    /// organisation the caller is outside of; `Unavailable` / `Unexpected`.
    pub async fn read(
        &self,
        principal: &Principal,
        query: &FeedQuery,
    ) -> Result<FeedPage, FeedError> {
        let mut c = Collector::default();
        let org = match query.owner_org_id.as_deref() {
            Some(org) => c.check(Field::OwnerOrgId, OrgId::parse(org)).map(Some),
            None => Some(None),
        };
        let after = match query.after.as_deref() {
            None => Some(0),
            Some(cursor) => c.check(
                Field::Cursor,
                cursor
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0 && cursor == n.to_string())
                    .ok_or(Violation::Malformed {
                        what: "feed cursor (a nextCursor this feed handed out)",
                    }),
            ),
        };
        let size = c.check(Field::Limit, PageSize::new(query.limit));
        let (Some(org), Some(after), Some(size)) = (org, after, size) else {
            return Err(FeedError::Invalid(c.into_errors()));
        };
        let everywhere =
            principal.is_platform_admin() || principal.has_role(PlatformRole::ClientAuthenticator);
        if !everywhere {
            match &org {
                None => return Err(FeedError::Forbidden(NOT_A_FEED_READER)),
                Some(org) => match principal.org_role(org) {
                    Some(OrgRole::Admin) => {}
                    Some(_) => return Err(FeedError::Forbidden(NOT_A_FEED_READER)),
                    None => return Err(FeedError::NotFound),
                },
            }
        }
        let items = self
            .feed
            .events_after(after, org.as_ref(), size.get())
            .await?;
        let next_cursor = items
            .last()
            .map_or(after, |entry| entry.position)
            .to_string();
        Ok(FeedPage { items, next_cursor })
    }
}

/// An audit event in the change feed: its position, the application it concerns, and what
/// happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Its place in the feed: strictly increasing in the order the writes committed.
    pub position: i64,
    /// The application's client id.
    pub client_id: ClientId,
    /// The application's organisation.
    pub owner_org_id: OrgId,
    /// What happened.
    pub event: AuditEvent,
}

/// The change feed over the audit trail: every application's events, in the order their
/// writes committed, each once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventFeed: Send + Sync {
    /// Up to `limit` events after position `after`, oldest first, of `org`'s applications
    /// when given. A position once read is never preceded by one committed later: a reader
    /// that continues after the last position it read misses nothing.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`],
    /// [`RepositoryError::Unexpected`].
    async fn events_after<'a>(
        &self,
        after: i64,
        org: Option<&'a OrgId>,
        limit: u32,
    ) -> Result<Vec<FeedEntry>, RepositoryError>;
}
