//! Disabling and re-enabling an application (`disable`, `enable`).

use super::application::OAuthApplication;
use super::attributes::Status;
use super::errors::StatusChangeError;
use super::service::{AppRef, ApplicationService};
use crate::events::change::AuditAction;
use crate::events::change::ChangedField;
use crate::shared::principal::Principal;
impl ApplicationService {
    /// Disables the application (`status = revoked`); disabling a disabled one is a no-op.
    ///
    /// # Errors
    /// [`StatusChangeError::NotFound`], [`StatusChangeError::Forbidden`],
    /// [`StatusChangeError::Conflict`]; `Unavailable` / `Unexpected`.
    pub async fn disable(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.set_status(principal, target, Status::Revoked, AuditAction::Disabled)
            .await
    }

    /// Re-enables the application; enabling an active one is a no-op.
    ///
    /// # Errors
    /// As [`ApplicationService::disable`].
    pub async fn enable(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.set_status(principal, target, Status::Active, AuditAction::Enabled)
            .await
    }

    async fn set_status(
        &self,
        principal: &Principal,
        target: &AppRef,
        status: Status,
        action: AuditAction,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.write(principal, target, None, action, |app, now| {
            Ok((app.status() != status)
                .then(|| (app.with_status(status, now), vec![ChangedField::Status])))
        })
        .await
    }
}
