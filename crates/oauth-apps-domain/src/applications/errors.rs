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
