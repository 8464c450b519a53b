//! Use-case errors to HTTP errors, without looking at their text.

use oauth_apps_domain::{
    AuthenticateError, ErrorKind, EventsError, GetError, ListError, RegisterError,
    RevokePreviousSecretError, RotateSecretError, StatusChangeError, UpdateError, ValidationErrors,
};

use crate::error::{ApiError, Surface};

/// A use-case error as the HTTP layer sees it.
pub trait UseCaseError: std::error::Error {
    /// Its class.
    fn kind(&self) -> ErrorKind;
    /// Its field errors, when it is a validation error.
    fn validation(&self) -> Option<&ValidationErrors>;
}

macro_rules! use_case_error {
    ($($name:ident $(: $invalid:ident)?),+ $(,)?) => {$(
        impl UseCaseError for $name {
            fn kind(&self) -> ErrorKind {
                $name::kind(self)
            }
            fn validation(&self) -> Option<&ValidationErrors> {
                match self {
                    $(Self::$invalid(errors) => Some(errors),)?
                    _ => None,
                }
            }
        }
    )+};
}

use_case_error!(
    RegisterError: Invalid,
    GetError,
    ListError: Invalid,
    UpdateError: Invalid,
    StatusChangeError,
    RotateSecretError: Invalid,
    RevokePreviousSecretError,
    AuthenticateError,
    EventsError: Invalid,
);

/// The answer for a use-case error. Faults are logged with their cause chain; the caller
/// gets a generic message.
pub fn api_error<E: UseCaseError>(surface: Surface, e: &E) -> ApiError {
    if let Some(errors) = e.validation() {
        return ApiError::validation(surface, errors);
    }
    let kind = e.kind();
    if matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable) {
        let mut chain = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        if kind == ErrorKind::Internal {
            tracing::error!(error = %chain, "request failed");
        } else {
            tracing::warn!(error = %chain, "dependency unavailable");
        }
    }
    ApiError::from_kind(surface, kind, e.to_string())
}
