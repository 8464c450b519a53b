//! Why managing a webhook failed.

use crate::shared::operation_error::operation_error;
use crate::shared::sealing::SealError;
use crate::shared::validation::ValidationErrors;

operation_error! {
    /// Why managing a webhook failed.
    pub enum WebhookError {
        /// A field breaks a rule; nothing was written.
        Invalid(ValidationErrors) => Invalid, "invalid webhook: {0}";
        /// No such webhook (or organisation) for this caller.
        NotFound => NotFound, "webhook not found";
        /// Only admins of the organisation (or platform admins) manage its webhooks.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The webhook changed meanwhile; nothing was written.
        Conflict => Conflict, "the webhook was changed concurrently; try again";
        /// The webhook's version is not one the caller expected (`If-Match`); nothing was
        /// written.
        PreconditionFailed => PreconditionFailed, "the webhook has changed since the expected version";
        /// The organisation already has as many webhooks as it may have; nothing was
        /// written.
        TooMany(u32) => Conflict, "the organisation already has {0} webhooks, the most it may have; delete one first";
    }
}

impl From<SealError> for WebhookError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::NoKey => Self::Unavailable(Box::new(e)),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<ValidationErrors> for WebhookError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}
