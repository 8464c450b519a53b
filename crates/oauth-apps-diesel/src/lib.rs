//! The storage of OAuth applications, written once for PostgreSQL and SQLite: the domain's
//! [`ApplicationRepository`] and [`ApplicationArchive`] over `diesel-async`.
//!
//! - One schema ([`schema`]) for both databases: where their column types differ, a column
//!   is declared with one of this crate's SQL types ([`sql_types`]), which each backend
//!   maps to its own (`timestamptz` or microseconds, `text[]` or lines of text, `uuid` or
//!   text).
//! - One set of statements, run on a connection of either database: each is written once
//!   and compiled for each backend's connection type (PostgreSQL's `AsyncPgConnection`,
//!   SQLite's `SyncConnectionWrapper<SqliteConnection>`).
//! - Row types and their conversions (`TryFrom` into [`OAuthApplication`] through
//!   [`OAuthApplication::restore`]), the closed sets their columns hold as enums (the
//!   domain's, and the states of secrets, [`SecretState`], and key sets, [`KeySetState`]),
//!   the error mapping, the compare-and-set update with the sync of secrets and key sets,
//!   what a write records with its events (audit trail, feed, webhook deliveries) and the
//!   archive, once.
//!
//! A storage adapter ([`Database`]) says only what differs: how its pool's connections are
//! set up, what an error its driver leaves unnamed means, and what an import must run
//! last. Every write is one transaction (`BEGIN IMMEDIATE` on SQLite, where one writer
//! runs at a time).
//!
//! The features `postgres` and `sqlite` (both by default) choose the backends compiled in.
//!
//! [`ApplicationRepository`]: oauth_apps_domain::ApplicationRepository
//! [`ApplicationArchive`]: oauth_apps_domain::ApplicationArchive
//! [`OAuthApplication`]: oauth_apps_domain::OAuthApplication
//! [`OAuthApplication::restore`]: oauth_apps_domain::OAuthApplication::restore

#![deny(missing_docs)]

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("oauth-apps-diesel needs the `postgres` or the `sqlite` feature");

/// The applications with their registration row (none: made by hand), joined, so that one
/// query reads both; a query over either backend's connection.
macro_rules! applications {
    () => {
        $crate::schema::oauth_applications::table
            .left_join($crate::schema::client_registrations::table)
            .select((
                $crate::rows::ApplicationRow::as_select(),
                (
                    $crate::schema::client_registrations::kind,
                    $crate::schema::client_registrations::metadata,
                    $crate::schema::client_registrations::access_token_digest,
                    $crate::schema::client_registrations::document_url,
                )
                    .nullable(),
            ))
    };
}

#[macro_use]
mod connection;
mod applications;
mod archive;
mod closed_sets;
mod error;
mod events;
mod feed;
mod idempotency;
mod keys;
mod lifecycle;
mod migrations;
mod replay;
mod rows;
pub mod schema;
mod secrets;
pub mod sql_types;
mod stale_clients;
mod store;
mod tokens;
mod values;
mod webhooks;

pub use closed_sets::{KeySetState, SecretState};
pub use connection::{Pool, PoolSettings, PoolUsage};
pub use events::FEED_LOCK;
pub use migrations::run_migrations;
pub use store::{Database, Store};
