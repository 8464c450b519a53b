//! Why a credential could not be rotated or revoked, or a client's credentials could not
//! be checked.

use super::keys::AuthMethod;
use crate::shared::operation_error::{from_write_failure, operation_error};
use crate::shared::validation::ValidationErrors;

/// Why only client authenticators may check credentials.
pub(crate) const NOT_AN_AUTHENTICATOR: &str =
    "only callers with the client-authenticator or platform-admin role may verify secrets";

operation_error! {
    /// Why rotating a secret failed.
    pub enum RotateSecretError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// The caller may read but not change it.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The grace period is out of range.
        Invalid(ValidationErrors) => Invalid, "invalid rotation: {0}";
        /// The application is disabled: its secret cannot be rotated.
        Revoked => Conflict, "a disabled application's secret cannot be rotated";
        /// The application's method uses no secret (`private_key_jwt`, `none`).
        NoSecret(AuthMethod) => Conflict, "the application authenticates with {0}: it has no secret to rotate";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the application is being changed concurrently; try again";
    }
}

operation_error! {
    /// Why rotating an application's keys failed.
    pub enum RotateKeysError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// The caller may read but not change it.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The new keys or the grace period break a rule.
        Invalid(ValidationErrors) => Invalid, "invalid rotation: {0}";
        /// The application is disabled: its keys cannot be rotated.
        Revoked => Conflict, "a disabled application's keys cannot be rotated";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the application is being changed concurrently; try again";
    }
}

operation_error! {
    /// Why revoking the previous secret failed.
    pub enum RevokePreviousSecretError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// The caller may read but not change it.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the application is being changed concurrently; try again";
    }
}

operation_error! {
    /// Why client authentication could not give an answer. A wrong secret is not an error:
    /// it is [`crate::ClientAuthentication::Invalid`].
    pub enum AuthenticateError {
        /// The caller may not verify client secrets.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}

from_write_failure!(
    RotateSecretError,
    RotateKeysError,
    RevokePreviousSecretError
);
