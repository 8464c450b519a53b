//! The credentials' use cases, one file per use case, on the harness of
//! `crate::test_support`.

mod assertions;
mod authenticate;
mod credential_use;
mod credentials;
mod mutual_tls;
mod secret_rotation;
