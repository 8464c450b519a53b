//! PostgreSQL storage for OAuth applications: the domain's [`ApplicationRepository`] and
//! [`ApplicationArchive`] over `diesel-async` (pure Rust, no libpq) with a `deadpool`
//! connection pool, through the store written once for both databases
//! ([`oauth_apps_diesel::Store`]). What is PostgreSQL's own is here: the connection set-up
//! (statement time-out, application name), the migrations and their advisory lock, the
//! change announcements for the replicas' caches ([`listen_for_changes`]), the identity
//! sequences an import moves, and what an error the driver leaves unnamed means.
//!
//! - Every write is one transaction: the compare-and-set on `version`, the secrets, the key
//!   sets and the audit event. A failed statement rolls all of it back.
//! - The database enforces what it can too: unique client ids, enumerations (the
//!   authentication method among them), one current and at most one previous secret and
//!   key set per application (partial unique indexes), exactly one of a key set's JWK Set
//!   and URL.
//! - An unreachable server, a closed connection or a pool time-out is
//!   [`RepositoryError::Unavailable`].
//!
//! [`ApplicationRepository`]: oauth_apps_domain::ApplicationRepository
//! [`ApplicationArchive`]: oauth_apps_domain::ApplicationArchive

mod listen;

pub use listen::{CHANNEL, LISTENER_NAME, listen_for_changes};

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use oauth_apps_diesel::{Database, Pool, PoolSettings, Store};
use oauth_apps_domain::RepositoryError;

/// The migrations in `migrations/postgres`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Connection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgConfig {
    /// `postgres://user:password@host:port/database`.
    pub url: String,
    /// The most connections the pool holds.
    pub max_connections: usize,
    /// How long a request waits for a free connection (or a new one) before it is
    /// answered "unavailable".
    pub acquire_timeout: Duration,
    /// The longest a statement may run.
    pub statement_timeout: Duration,
}

impl PgConfig {
    /// Default settings for `url`: 16 connections, 5 s to acquire one, 10 s per statement.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

/// The pool could not be built, or migrations failed.
#[derive(Debug, thiserror::Error)]
pub enum PgSetupError {
    /// The pool settings are invalid.
    #[error("invalid connection pool settings: {0}")]
    Pool(String),
    /// The database could not be reached or migrated.
    #[error("migrating the database failed: {0}")]
    Migration(String),
}

/// The advisory lock key held while migrating ("oauthapp" in ASCII); the change feed's
/// lock has a key of its own ([`oauth_apps_diesel::FEED_LOCK`]).
pub const MIGRATION_LOCK: i64 = 0x6f61_7574_6861_7070;

/// Runs the pending migrations on the database at `url`, one process at a time.
///
/// # Errors
/// [`PgSetupError::Migration`] when the database cannot be reached or a migration fails.
pub async fn run_migrations(url: &str) -> Result<(), PgSetupError> {
    let url = url.to_owned();
    let open = move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .map_err(|e| PgSetupError::Migration(e.to_string()))?;
        // Replicas that start together take turns: the first migrates, the others then
        // find nothing pending. The lock ends with the session.
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")),
            &mut conn,
        )
        .map_err(|e| PgSetupError::Migration(e.to_string()))?;
        Ok(conn)
    };
    oauth_apps_diesel::run_migrations(open, MIGRATIONS, PgSetupError::Migration).await
}

/// PostgreSQL, as the store's [`Database`].
#[derive(Debug, Clone, Copy)]
pub enum Postgres {}

/// The repository and archive over a PostgreSQL pool: [`Store::new`] with a [`PgConfig`].
pub type PgRepository = Store<Postgres>;

impl Database for Postgres {
    type Config = PgConfig;
    type SetupError = PgSetupError;

    /// Every connection runs with the statement time-out and the application name
    /// `oauth-apps`.
    fn pool(config: &PgConfig) -> Result<Pool, PgSetupError> {
        let setup = format!(
            "SET statement_timeout = {}; SET application_name = 'oauth-apps'",
            config.statement_timeout.as_millis()
        );
        let settings = PoolSettings {
            max_connections: config.max_connections,
            acquire_timeout: config.acquire_timeout,
        };
        Pool::postgres(&config.url, setup, settings).map_err(|e| PgSetupError::Pool(e.to_string()))
    }

    /// Identities continue after the imported ids.
    const AFTER_IMPORT: &'static [&'static str] = &[
        "SELECT setval(pg_get_serial_sequence('oauth_applications', 'id'), \
           GREATEST((SELECT max(id) FROM oauth_applications), 1))",
        "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), \
           GREATEST((SELECT max(id) FROM audit_events), 1))",
    ];

    /// Decides what an error of a kind diesel does not name means. The server reports
    /// such errors when it shuts down (57P01), restarts or recovers, and then it is the
    /// store that is unavailable (503); when the store still answers, it is unexpected
    /// (500). Decided by asking the store, never by reading the message.
    async fn settle(store: &PgRepository, error: RepositoryError) -> RepositoryError {
        match error {
            RepositoryError::Unexpected(e) if is_unnamed_server_error(e.as_ref()) => {
                if store.ping().await.is_err() {
                    RepositoryError::Unavailable(e)
                } else {
                    RepositoryError::Unexpected(e)
                }
            }
            other => other,
        }
    }
}

fn is_unnamed_server_error(e: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    matches!(
        e.downcast_ref::<DieselError>(),
        Some(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown | DatabaseErrorKind::UnableToSendCommand,
            _
        ))
    )
}
