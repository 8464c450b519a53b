//! Why reading an application's audit trail or the change feed failed.

use crate::shared::operation_error::{Failure, NOT_AN_ADMIN, operation_error};
use crate::shared::validation::ValidationErrors;

operation_error! {
    /// Why reading the change feed failed.
    pub enum FeedError {
        /// The caller does not belong to the organisation.
        NotFound => NotFound, "organisation not found";
        /// The caller may not read this feed: a member, or an org admin without naming
        /// their organisation.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The organisation id, cursor or page size is invalid.
        Invalid(ValidationErrors) => Invalid, "invalid feed request: {0}";
    }
}

operation_error! {
    /// Why reading an application's audit trail failed.
    pub enum EventsError {
        /// No such application for this caller.
        NotFound => NotFound, "application not found";
        /// Only admins of the owner organisation may read the trail.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The page size or cursor is invalid.
        Invalid(ValidationErrors) => Invalid, "invalid listing: {0}";
    }
}

impl From<Failure> for EventsError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotFound => Self::NotFound,
            Failure::Forbidden => Self::Forbidden(NOT_AN_ADMIN),
            Failure::Repository(e) => e.into(),
            Failure::Conflict | Failure::PreconditionFailed => {
                Self::Unexpected("a read met a write failure".into())
            }
        }
    }
}
