//! What secret lifecycles need from outside: organisations' policies
//! ([`OrganizationPolicies`]), the secrets that end or leak ([`SecretLifecycleStore`]), and
//! the self-registered clients that go quiet ([`RegistrationReads`],
//! [`StaleClientStore`]).

use async_trait::async_trait;

use super::org_policy::{OrganizationPolicy, StaleAfter};
use crate::applications::application::OAuthApplication;
use crate::credentials::rotation::CredentialSerial;
use crate::events::change::AuditEvent;
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, OrgId};
use crate::shared::time::Timestamp;

/// Organisations' policies.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrganizationPolicies: Send + Sync {
    /// The policy `org` set, if it set one.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`],
    /// [`RepositoryError::Unexpected`].
    async fn policy(&self, org: &OrgId) -> Result<Option<OrganizationPolicy>, RepositoryError>;

    /// Stores `policy`, replacing the organisation's.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn put_policy(&self, policy: &OrganizationPolicy) -> Result<(), RepositoryError>;
}

/// A mark on a secret that is written once, with the event that announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMark {
    /// The expiry warning at this many days before the end (14, 7, 1) was emitted.
    ExpiryWarned(u8),
    /// It was reported leaked at this instant (and keeps working: the `notify` policy).
    Leaked(Timestamp),
}

/// What secret expiry and leak reports need of storage besides the repository.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SecretLifecycleStore: Send + Sync {
    /// The application holding a current or previous secret whose lookup digest is
    /// `digest`, if any.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    ///
    /// [`ApplicationRepository::find_by_client_id`]: crate::ApplicationRepository::find_by_client_id
    async fn find_by_secret_lookup(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications whose current secret ends after `after` and before
    /// `before`, soonest first.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    ///
    /// [`ApplicationRepository::find_by_client_id`]: crate::ApplicationRepository::find_by_client_id
    async fn secrets_ending_between(
        &self,
        after: Timestamp,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError>;

    /// Writes `mark` on the secret numbered `serial` of `app` unless it holds it already
    /// (a warning at that threshold or a smaller one; a leak), and records `event`, in one
    /// transaction; whether it wrote (of replicas marking at once, one does).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn mark_secret(
        &self,
        app: AppId,
        serial: CredentialSerial,
        mark: SecretMark,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError>;
}

/// Notes that a client read its registration: an RFC 7592 `GET`, a metadata document
/// resolution. For clients that registered themselves only (storage keeps nothing of the
/// kind for an operator's client).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RegistrationReads: Send + Sync {
    /// Notes a read of `app`'s registration at `at`, unless storage already holds one later
    /// than `at` minus [`crate::CREDENTIAL_USE_RESOLUTION_SECONDS`] (at most one write a
    /// minute, as a credential's use). Like a use, a read is not a change: no version, no
    /// event. Whether it wrote.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`]. Callers treat the
    /// note as best effort.
    async fn record_registration_read(
        &self,
        app: AppId,
        at: Timestamp,
    ) -> Result<bool, RepositoryError>;
}

/// A self-registered client that may have gone quiet, with what storage keeps of it
/// besides the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietClient {
    /// The application (with its credentials' last uses).
    pub app: OAuthApplication,
    /// Its latest registration read, if any.
    pub last_read: Option<Timestamp>,
    /// When it was last warned of going quiet, if ever.
    pub warned_at: Option<Timestamp>,
}

/// What the sweep of quiet self-registered clients needs of storage.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaleClientStore: Send + Sync {
    /// Every organisation whose policy sets a quiet period, with it.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`],
    /// [`RepositoryError::Unexpected`].
    async fn quiet_periods(&self) -> Result<Vec<(OrgId, StaleAfter)>, RepositoryError>;

    /// Up to `limit` active clients of `org` that registered themselves (`dynamic`,
    /// `metadata_document`), by id after `after`, heard of by nothing at or after
    /// `quiet_since`: registered before it, no credential used and no registration read
    /// since.
    ///
    /// # Errors
    /// As [`StaleClientStore::quiet_periods`].
    async fn quiet_clients(
        &self,
        org: &OrgId,
        quiet_since: Timestamp,
        after: Option<AppId>,
        limit: u32,
    ) -> Result<Vec<QuietClient>, RepositoryError>;

    /// Notes that `app` was warned at `at` and records `event`, in one transaction, unless
    /// it was warned at or after `heard` (the start of its quiet period) already; whether
    /// it wrote (of replicas warning at once, one does).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn mark_stale_warned(
        &self,
        app: AppId,
        heard: Timestamp,
        at: Timestamp,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError>;
}
