//! Changing an application's settings (`update`), with a version precondition or retried
//! over concurrent writers.

use super::application::OAuthApplication;
use super::errors::{FOLLOWS_DOCUMENT, UpdateError};
use super::patch::ApplicationPatch;
use super::service::{AppRef, ApplicationService};
use crate::events::change::AuditAction;
use crate::registration::details::Registration;
use crate::shared::precondition::Precondition;
use crate::shared::principal::{Action, Principal};
impl ApplicationService {
    /// Applies `patch`. With `expected`, fails unless the stored version satisfies it
    /// ([`Precondition::is_satisfied_by`]); without it, or with [`Precondition::Any`],
    /// re-reads and re-applies the patch when a concurrent writer wins, so that concurrent
    /// updates of different fields all survive (a precondition that names versions fails
    /// instead). A patch that changes nothing writes nothing.
    ///
    /// # Errors
    /// [`UpdateError::NotFound`], [`UpdateError::Forbidden`] (a member, or a first-party
    /// change by a non-platform-admin), [`UpdateError::Invalid`] naming every field when
    /// the result would break a rule or the patch names an immutable field,
    /// [`UpdateError::PreconditionFailed`], [`UpdateError::Conflict`] when retries run out;
    /// `Unavailable` / `Unexpected`. Nothing is written on error.
    pub async fn update(
        &self,
        principal: &Principal,
        target: &AppRef,
        patch: &ApplicationPatch,
        expected: Option<Precondition>,
    ) -> Result<OAuthApplication, UpdateError> {
        let loaded = self.load(principal, target, Action::Write).await?;
        // The one pipeline: an admin's change is judged as every path's is, under the
        // organisation's profile (the type cannot change, so it is named).
        let admission = self
            .management_admission(loaded.owner_org_id(), true)
            .await?;
        self.write_from(
            Some(loaded),
            principal,
            target,
            expected.as_ref(),
            AuditAction::Updated,
            |app, now| {
                if app.registration() == Registration::MetadataDocument {
                    return Err(UpdateError::Forbidden(FOLLOWS_DOCUMENT));
                }
                admission
                    .judge_change(app, patch.apply(principal, app, self, now))
                    .map(|(change, _)| change)
            },
        )
        .await
    }
}
