//! An application's audit trail, page by page (`events`), for the admins of its
//! organisation.

use super::change::StoredAuditEvent;
use super::errors::EventsError;
use crate::applications::service::{AppRef, ApplicationService, cut_page, optional};
use crate::shared::page::PageSize;
use crate::shared::principal::{Action, Principal};
use crate::shared::validation::{Collector, Field, Violation};

/// A page of an application's audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsPage {
    /// The events, newest first.
    pub items: Vec<StoredAuditEvent>,
    /// Where the next (older) page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl ApplicationService {
    /// The audit trail of `target`, newest first: who changed what, when, in which
    /// request. For admins of the owner organisation.
    ///
    /// # Errors
    /// [`EventsError::Invalid`] for a page size outside 1-100 or a cursor this service did
    /// not make; [`EventsError::NotFound`] for outsiders; [`EventsError::Forbidden`] for
    /// members; `Unavailable` / `Unexpected` when storage fails.
    pub async fn events(
        &self,
        principal: &Principal,
        target: &AppRef,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<EventsPage, EventsError> {
        let mut c = Collector::default();
        let size = c.check(Field::Limit, PageSize::new(limit));
        let before = optional(&mut c, Field::Cursor, cursor, |s| {
            s.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or(Violation::Malformed {
                    what: "cursor (pass back the nextCursor of the previous page)",
                })
        });
        let (Some(size), Some(before)) = (size, before) else {
            return Err(EventsError::Invalid(c.into_errors()));
        };
        let app = self.load(principal, target, Action::Write).await?;
        let limit = size.get();
        let mut items = self
            .ports
            .repository
            .list_events(app.id(), before, limit + 1)
            .await?;
        let next_cursor = cut_page(&mut items, limit, |e| e.id.to_string());
        Ok(EventsPage { items, next_cursor })
    }
}
