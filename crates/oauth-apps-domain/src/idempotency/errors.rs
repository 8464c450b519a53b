//! Why an idempotency record could not be used.

use crate::shared::errors::{BoxError, RepositoryError};
use crate::shared::sealing::SealError;

/// Why the idempotency record could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Storage or the data key is unavailable; the request should be retried later.
    #[error("idempotency records are unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored answer does not open, or storage failed otherwise.
    #[error("idempotency records failed")]
    Unexpected(#[source] BoxError),
}

impl From<RepositoryError> for IdempotencyError {
    fn from(e: RepositoryError) -> Self {
        match e {
            RepositoryError::Unavailable(source) => Self::Unavailable(source),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<SealError> for IdempotencyError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::NoKey => Self::Unavailable(Box::new(e)),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}
