//! Diesel's errors as the domain's: classified by kind, never by message.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use oauth_apps_domain::RepositoryError;

/// A closed connection or a broken transaction manager is
/// [`RepositoryError::Unavailable`]; anything else is [`RepositoryError::Unexpected`], with
/// the diesel error as its source (a [`crate::Database`] may look at it again in
/// [`crate::Database::settle`]).
pub(crate) fn storage_error(e: DieselError) -> RepositoryError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::BrokenTransactionManager => RepositoryError::Unavailable(Box::new(e)),
        other => RepositoryError::Unexpected(Box::new(other)),
    }
}

/// An insert of applications that broke a unique key: the only one a new application can
/// break is its client id (on import, its id too).
pub(crate) fn duplicate_on_insert(e: DieselError) -> TxError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            TxError::Repository(RepositoryError::DuplicateClientId)
        }
        other => TxError::Diesel(other),
    }
}

/// A repository error raised inside a transaction, carried through diesel's.
#[derive(Debug)]
pub(crate) enum TxError {
    Repository(RepositoryError),
    Diesel(DieselError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        Self::Diesel(e)
    }
}

impl From<TxError> for RepositoryError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Repository(e) => e,
            TxError::Diesel(e) => storage_error(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(String::from("message")))
    }

    #[test]
    fn errors_are_classified_by_kind() {
        assert!(matches!(
            storage_error(database_error(DatabaseErrorKind::ClosedConnection)),
            RepositoryError::Unavailable(_)
        ));
        assert!(matches!(
            storage_error(DieselError::BrokenTransactionManager),
            RepositoryError::Unavailable(_)
        ));
        assert!(matches!(
            storage_error(database_error(DatabaseErrorKind::CheckViolation)),
            RepositoryError::Unexpected(_)
        ));
        assert!(matches!(
            RepositoryError::from(duplicate_on_insert(database_error(
                DatabaseErrorKind::UniqueViolation
            ))),
            RepositoryError::DuplicateClientId
        ));
        assert!(matches!(
            RepositoryError::from(duplicate_on_insert(database_error(
                DatabaseErrorKind::ForeignKeyViolation
            ))),
            RepositoryError::Unexpected(_)
        ));
    }
}
