//! How the ports that every capability uses fail: storage ([`RepositoryError`]) and the
//! secret hasher ([`HasherError`]), with their causes as a [`BoxError`]. Every use case's
//! error converts from them (see [`crate::shared::operation_error`]).

use crate::shared::validation::ValidationErrors;

/// A boxed error from an adapter, kept as the source of a domain error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepositoryError {
    /// The stored version is not the expected one: someone else changed the application.
    #[error("the application was changed concurrently")]
    VersionConflict,
    /// The application to update does not exist.
    #[error("the application does not exist")]
    NotFound,
    /// The client id is taken by another application.
    #[error("the client id is already taken")]
    DuplicateClientId,
    /// Storage cannot be reached or has no free connection in time; retrying later may work.
    #[error("storage is unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored row breaks the domain's rules.
    #[error("a stored application is invalid: {0}")]
    Corrupt(#[source] ValidationErrors),
    /// Anything else.
    #[error("storage failed")]
    Unexpected(#[source] BoxError),
}

/// Why hashing or verifying failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HasherError {
    /// Too many hashes are queued; retrying later may work.
    #[error("the secret hasher is saturated")]
    Busy,
    /// Anything else (a malformed stored hash, a failed worker).
    #[error("hashing failed")]
    Unexpected(#[source] BoxError),
}
