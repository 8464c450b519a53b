//! One error type per use case, each naming what its caller can act on.

use crate::shared::operation_error::{Failure, NOT_AN_ADMIN, from_write_failure, operation_error};
use crate::shared::validation::ValidationErrors;

operation_error! {
    /// Why registering an application failed.
    pub enum RegisterError {
        /// A field breaks a rule.
        Invalid(ValidationErrors) => Invalid, "invalid application: {0}";
        /// The caller is not an admin of the owner organisation, or set the first-party flag
        /// without being a platform admin.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}

operation_error! {
    /// Why reading an application failed.
    pub enum GetError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
    }
}

operation_error! {
    /// Why listing applications failed.
    pub enum ListError {
        /// The caller does not belong to the organisation.
        NotFound => NotFound, "organisation not found";
        /// The organisation id, page size, page or cursor is invalid.
        Invalid(ValidationErrors) => Invalid, "invalid listing: {0}";
    }
}

operation_error! {
    /// Why updating an application failed.
    pub enum UpdateError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// The caller may read but not change it, or changed the first-party flag without
        /// being a platform admin.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The result would break a rule; nothing was written.
        Invalid(ValidationErrors) => Invalid, "invalid update: {0}";
        /// The expected version is stale; nothing was written.
        PreconditionFailed => PreconditionFailed, "the application has changed since the expected version";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the application is being changed concurrently; try again";
    }
}

operation_error! {
    /// Why disabling or re-enabling an application failed.
    pub enum StatusChangeError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// The caller may read but not change it.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the application is being changed concurrently; try again";
    }
}

pub(crate) const FIRST_PARTY: &str = "only platform admins may set is_first_party";
pub(crate) const FOLLOWS_DOCUMENT: &str = "an application registered from its metadata document \
     changes only with its document (it may be disabled and enabled)";

from_write_failure!(StatusChangeError);

impl From<Failure> for UpdateError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotFound => Self::NotFound,
            Failure::Forbidden => Self::Forbidden(NOT_AN_ADMIN),
            Failure::Conflict => Self::Conflict,
            Failure::PreconditionFailed => Self::PreconditionFailed,
            Failure::Repository(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::errors::{
        AuthenticateError, RevokePreviousSecretError, RotateSecretError,
    };
    use crate::shared::errors::{BoxError, HasherError, RepositoryError};
    use crate::shared::operation_error::ErrorKind;
    use crate::shared::random::RandomError;
    use crate::shared::validation::{Field, FieldError, Violation};

    fn boxed() -> BoxError {
        "boom".into()
    }

    #[test]
    fn kinds_classify_every_variant() {
        let invalid = || ValidationErrors::from(FieldError::new(Field::Name, Violation::Required));
        assert_eq!(RegisterError::Invalid(invalid()).kind(), ErrorKind::Invalid);
        assert_eq!(RegisterError::Forbidden("x").kind(), ErrorKind::Forbidden);
        assert_eq!(GetError::NotFound.kind(), ErrorKind::NotFound);
        assert_eq!(ListError::NotFound.kind(), ErrorKind::NotFound);
        assert_eq!(ListError::Invalid(invalid()).kind(), ErrorKind::Invalid);
        assert_eq!(
            UpdateError::PreconditionFailed.kind(),
            ErrorKind::PreconditionFailed
        );
        assert_eq!(UpdateError::Conflict.kind(), ErrorKind::Conflict);
        assert_eq!(UpdateError::Invalid(invalid()).kind(), ErrorKind::Invalid);
        assert_eq!(UpdateError::Forbidden("x").kind(), ErrorKind::Forbidden);
        assert_eq!(UpdateError::NotFound.kind(), ErrorKind::NotFound);
        assert_eq!(RotateSecretError::Revoked.kind(), ErrorKind::Conflict);
        assert_eq!(
            RotateSecretError::Invalid(invalid()).kind(),
            ErrorKind::Invalid
        );
        assert_eq!(StatusChangeError::Conflict.kind(), ErrorKind::Conflict);
        assert_eq!(
            RevokePreviousSecretError::NotFound.kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            AuthenticateError::Forbidden("x").kind(),
            ErrorKind::Forbidden
        );
        assert_eq!(
            GetError::Unavailable(boxed()).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(GetError::Unexpected(boxed()).kind(), ErrorKind::Internal);
    }

    #[test]
    fn dependency_failures_map_to_unavailable_or_internal() {
        assert_eq!(
            GetError::from(RepositoryError::Unavailable(boxed())).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            GetError::from(RepositoryError::VersionConflict).kind(),
            ErrorKind::Internal
        );
        assert_eq!(
            RegisterError::from(HasherError::Busy).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            RegisterError::from(HasherError::Unexpected(boxed())).kind(),
            ErrorKind::Internal
        );
        assert_eq!(
            RegisterError::from(RandomError(boxed())).kind(),
            ErrorKind::Internal
        );
    }

    #[test]
    fn write_failures_convert_per_operation() {
        assert_eq!(
            UpdateError::from(Failure::PreconditionFailed).kind(),
            ErrorKind::PreconditionFailed
        );
        assert_eq!(
            StatusChangeError::from(Failure::PreconditionFailed).kind(),
            ErrorKind::Internal
        );
        assert_eq!(
            RotateSecretError::from(Failure::Forbidden).kind(),
            ErrorKind::Forbidden
        );
        assert_eq!(
            RevokePreviousSecretError::from(Failure::Conflict).kind(),
            ErrorKind::Conflict
        );
        assert_eq!(
            UpdateError::from(Failure::Repository(RepositoryError::Unavailable(boxed()))).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            StatusChangeError::from(Failure::NotFound).kind(),
            ErrorKind::NotFound
        );
    }
}
