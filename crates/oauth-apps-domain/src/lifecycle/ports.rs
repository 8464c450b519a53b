//! What secret lifecycles need from outside: organisations' policies
//! ([`OrganizationPolicies`]) and the secrets that end or leak ([`SecretLifecycleStore`]).

use async_trait::async_trait;

use super::org_policy::OrganizationPolicy;
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
