//! What applications need from outside: their storage with their audit trail
//! ([`ApplicationRepository`]), and moving a whole store out and in
//! ([`ApplicationArchive`]).

use async_trait::async_trait;

use super::application::{NewApplication, OAuthApplication};
use crate::credentials::method::CredentialRef;
use crate::events::change::{AuditEvent, StoredAuditEvent};
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::page::Cursor;
use crate::shared::time::Timestamp;
/// An application with its whole audit trail, as moved between stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedApplication {
    /// The application, with its id, version and active secrets (current, and previous
    /// with its expiry). Revoked secrets can never verify again and are not carried.
    pub application: OAuthApplication,
    /// Its audit trail, oldest first, with the events' own ids.
    pub events: Vec<StoredAuditEvent>,
}

/// Moving a whole store out and in (`oauth-apps export` / `import`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApplicationArchive: Send + Sync {
    /// Up to `limit` applications with ids above `after`, by id, each with its trail.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError>;

    /// Whether the store holds no application.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn is_empty(&self) -> Result<bool, RepositoryError>;

    /// How many applications the store holds (for an export's progress).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn count(&self) -> Result<u64, RepositoryError>;

    /// Stores `apps` exactly as given (ids, versions, timestamps, secrets, events) in one
    /// transaction: all of them or, on error, none.
    ///
    /// # Errors
    /// [`RepositoryError::DuplicateClientId`] when an id or client id is taken;
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError>;
}

/// Storage of applications and their audit trail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApplicationRepository: Send + Sync {
    /// Stores a new application and its `Created` audit event in one transaction, and
    /// returns the identifier it was given.
    ///
    /// # Errors
    /// [`RepositoryError::DuplicateClientId`] when the client id exists (nothing is
    /// written); [`RepositoryError::Unavailable`] when storage cannot be reached;
    /// [`RepositoryError::Unexpected`] otherwise.
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError>;

    /// The application with this client id, in any organisation, or `None`.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`] when the stored row
    /// is invalid, [`RepositoryError::Unexpected`].
    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// The application with this id if `org` owns it, else `None`.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications of `org`, newest first by `(created_at, id)`, strictly
    /// after `after` when given, and whose name holds `name` (case-insensitively) when
    /// given.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications of `org` after skipping `offset`, newest first by
    /// `(created_at, id)`, and how many `org` has in all.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError>;

    /// Up to `limit` audit events of `app`, newest first, older than `before` when given.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError>;

    /// Replaces the stored application by `app` if its stored version is still `expected`,
    /// and records `event`, in one transaction.
    ///
    /// # Errors
    /// [`RepositoryError::VersionConflict`] when the stored version differs (nothing is
    /// written); [`RepositoryError::NotFound`] when it no longer exists;
    /// [`RepositoryError::Unavailable`]; [`RepositoryError::Unexpected`].
    async fn update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        self.update_recording(app, expected, std::slice::from_ref(event))
            .await
    }

    /// [`ApplicationRepository::update`], recording every one of `events` in order, each
    /// an entry of its own in the audit trail and the change feed (with its webhook
    /// deliveries), all in the one transaction: a change that is two things at once (a
    /// settings change that also disables the application) is told as two events.
    ///
    /// # Errors
    /// As [`ApplicationRepository::update`]; [`RepositoryError::Unexpected`] when `events`
    /// is empty (nothing is written: every change is recorded).
    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError>;

    /// Notes that a client proved itself with `credential` of `app` at `at`, unless storage
    /// already holds a use of that credential later than `at` minus
    /// [`crate::CREDENTIAL_USE_RESOLUTION_SECONDS`] (so that replicas between them write a
    /// credential's use at most once a minute). Returns whether it wrote.
    ///
    /// A use is not a change: it moves neither the version nor `updated_at`, records no
    /// audit event, and [`ApplicationRepository::update`] never overwrites it (a use noted
    /// while a change was computed survives the change). Readers see it at once: a cache in
    /// front forgets the application when this returns `true`, and a store shared between
    /// replicas announces it as it announces a change.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`]. The service
    /// treats the note as best effort: an authentication does not fail because its use
    /// could not be written.
    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError>;
}
