//! The classes of the use cases' errors, and how the ports' and the writes' failures
//! convert into them.

use crate::applications::errors::*;
use crate::credentials::errors::{AuthenticateError, RevokePreviousSecretError, RotateSecretError};
use crate::shared::errors::{BoxError, HasherError, RepositoryError};
use crate::shared::operation_error::{ErrorKind, Failure};
use crate::shared::random::RandomError;
use crate::shared::validation::{Field, FieldError, ValidationErrors, Violation};

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
