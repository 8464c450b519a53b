//! Reading applications: one (`get`), a keyset page (`list`, `search`) or a numbered page
//! (`list_page`) of an organisation's.

use super::application::OAuthApplication;
use super::errors::{GetError, ListError};
use super::service::{AppRef, ApplicationService, cut_page, optional};
use crate::shared::ids::OrgId;
use crate::shared::operation_error::Failure;
use crate::shared::page::{Cursor, PageNumber, PageSize};
use crate::shared::principal::{self as policy, Action, Principal};
use crate::shared::validation::{Collector, Field, Violation};
/// A page of a newest-first keyset listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysetPage {
    /// The applications, newest first.
    pub items: Vec<OAuthApplication>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

/// A numbered page of a newest-first listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedPage {
    /// The applications, newest first.
    pub items: Vec<OAuthApplication>,
    /// The page number.
    pub page: PageNumber,
    /// The page size.
    pub per_page: PageSize,
    /// How many applications the organisation has in all.
    pub total: u64,
}

impl ApplicationService {
    /// The application `target`, for members of its organisation (disabled ones too).
    ///
    /// # Errors
    /// [`GetError::NotFound`] when it does not exist or the caller is outside its
    /// organisation; `Unavailable` / `Unexpected` when storage fails.
    pub async fn get(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, GetError> {
        self.load(principal, target, Action::Read)
            .await
            .map_err(|f| match f {
                Failure::Repository(e) => e.into(),
                _ => GetError::NotFound,
            })
    }

    /// A page of the organisation's applications, newest first, after `cursor`.
    ///
    /// # Errors
    /// [`ListError::Invalid`] for a bad organisation id, page size (1-100) or cursor;
    /// [`ListError::NotFound`] when the caller is outside the organisation;
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn list(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<KeysetPage, ListError> {
        self.search(principal, owner_org_id, None, limit, cursor)
            .await
    }

    /// As [`ApplicationService::list`], only the applications whose name holds `name`
    /// (case-insensitively; 1-100 characters).
    ///
    /// # Errors
    /// As [`ApplicationService::list`]; [`ListError::Invalid`] for an empty or too long
    /// `name`.
    pub async fn search(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        name: Option<&str>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<KeysetPage, ListError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(owner_org_id));
        let size = c.check(Field::Limit, PageSize::new(limit));
        let cursor = optional(&mut c, Field::Cursor, cursor, Cursor::decode);
        let name = optional(&mut c, Field::Name, name, |n: &str| {
            let n = n.trim();
            if n.is_empty() {
                Err(Violation::Required)
            } else if n.chars().count() > 100 {
                Err(Violation::TooLong { max: 100 })
            } else {
                Ok(n.to_owned())
            }
        });
        let (Some(org), Some(size), Some(cursor), Some(name)) = (org, size, cursor, name) else {
            return Err(ListError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Read).map_err(|_| ListError::NotFound)?;
        let limit = size.get();
        let mut items = self
            .ports
            .repository
            .list_after(&org, name.as_deref(), cursor, limit + 1)
            .await?;
        let next_cursor = cut_page(&mut items, limit, |a| Cursor {
            created_at: a.created_at(),
            id: a.id(),
        });
        Ok(KeysetPage { items, next_cursor })
    }

    /// Page `page` (from 1) of the organisation's applications, newest first, with the
    /// total count.
    ///
    /// # Errors
    /// [`ListError::Invalid`] for a bad organisation id, page or page size;
    /// [`ListError::NotFound`] when the caller is outside the organisation;
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn list_page(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<NumberedPage, ListError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(owner_org_id));
        let page = c.check(Field::Page, PageNumber::new(page));
        let per_page = c.check(Field::Limit, PageSize::new(per_page));
        let (Some(org), Some(page), Some(per_page)) = (org, page, per_page) else {
            return Err(ListError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Read).map_err(|_| ListError::NotFound)?;
        let (items, total) = self
            .ports
            .repository
            .list_page(&org, page.offset(per_page), per_page.get())
            .await?;
        Ok(NumberedPage {
            items,
            page,
            per_page,
            total,
        })
    }
}
