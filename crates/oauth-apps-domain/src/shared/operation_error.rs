//! The errors of the use cases: one type per operation, each naming what its caller can
//! act on. Each is made by the crate's `operation_error!` macro, with the class
//! ([`ErrorKind`]) of every variant and the conversions from the ports' failures (storage,
//! the hasher, the random source); a change's error is also made from why loading the
//! application for it failed (the crate's `Failure`).

use crate::shared::errors::RepositoryError;

/// The class of a use-case error, for adapters that map errors to status codes without
/// looking inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The application (or organisation) does not exist for this caller.
    NotFound,
    /// The caller may see it but not do this.
    Forbidden,
    /// The request breaks a rule; the errors name every field.
    Invalid,
    /// The caller's expected version is stale.
    PreconditionFailed,
    /// The application's state forbids this (e.g. rotating a disabled app's secret), or
    /// concurrent writers kept winning.
    Conflict,
    /// A dependency is down or saturated; retry later.
    Unavailable,
    /// A fault of the service.
    Internal,
}

macro_rules! operation_error {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident $(($payload:ty))? => $kind:ident, $msg:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[doc = $doc])* #[error($msg)] $variant $(($payload))?, )*
            /// Storage, the hasher or the random source is down or saturated.
            #[error("the service is temporarily unavailable")]
            Unavailable(#[source] $crate::shared::errors::BoxError),
            /// An unexpected fault.
            #[error("unexpected failure")]
            Unexpected(#[source] $crate::shared::errors::BoxError),
        }

        impl $name {
            /// The error's class.
            #[must_use]
            pub const fn kind(&self) -> $crate::shared::operation_error::ErrorKind {
                match self {
                    $( Self::$variant { .. } => $crate::shared::operation_error::ErrorKind::$kind, )*
                    Self::Unavailable(_) => $crate::shared::operation_error::ErrorKind::Unavailable,
                    Self::Unexpected(_) => $crate::shared::operation_error::ErrorKind::Internal,
                }
            }
        }

        impl From<$crate::shared::errors::RepositoryError> for $name {
            fn from(e: $crate::shared::errors::RepositoryError) -> Self {
                match e {
                    $crate::shared::errors::RepositoryError::Unavailable(source) => {
                        Self::Unavailable(source)
                    }
                    other => Self::Unexpected(Box::new(other)),
                }
            }
        }

        impl From<$crate::shared::errors::HasherError> for $name {
            fn from(e: $crate::shared::errors::HasherError) -> Self {
                match e {
                    $crate::shared::errors::HasherError::Busy => {
                        Self::Unavailable(Box::new($crate::shared::errors::HasherError::Busy))
                    }
                    other => Self::Unexpected(Box::new(other)),
                }
            }
        }

        impl From<$crate::shared::random::RandomError> for $name {
            fn from(e: $crate::shared::random::RandomError) -> Self {
                Self::Unexpected(Box::new(e))
            }
        }
    };
}

pub(crate) use operation_error;

/// Why loading an application for a write failed; converted into each use case's error.
#[derive(Debug)]
pub(crate) enum Failure {
    NotFound,
    Forbidden,
    PreconditionFailed,
    Conflict,
    Repository(RepositoryError),
}

/// Why a member may not change an application.
pub(crate) const NOT_AN_ADMIN: &str = "only admins of the owner organisation may change it";

/// `From<Failure>` for operation errors that have `NotFound`, `Forbidden(&str)` and
/// `Conflict` variants: a precondition failure is a fault there (they take no version).
macro_rules! from_write_failure {
    ($($name:ident),+) => {$(
        impl From<$crate::shared::operation_error::Failure> for $name {
            fn from(f: $crate::shared::operation_error::Failure) -> Self {
                use $crate::shared::operation_error::{Failure, NOT_AN_ADMIN};
                match f {
                    Failure::NotFound => Self::NotFound,
                    Failure::Forbidden => Self::Forbidden(NOT_AN_ADMIN),
                    Failure::Conflict => Self::Conflict,
                    Failure::PreconditionFailed => Self::Unexpected(
                        "a version precondition was checked without an expected version".into(),
                    ),
                    Failure::Repository(e) => e.into(),
                }
            }
        }
    )+};
}

pub(crate) use from_write_failure;
