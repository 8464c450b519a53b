//! Embedded SQLite storage for OAuth applications, the default: the domain's
//! `ApplicationRepository` and `ApplicationArchive` on a SQLite file (bundled SQLite;
//! WAL mode, a busy time-out, foreign keys on), through a small pool of connections and
//! the store written once for both databases ([`oauth_apps_diesel::Store`]). What is
//! SQLite's own is here: the file, its pragmas and its migrations.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction holding the compare-and-set on
//! `version`, the secrets, the key sets and the audit event; SQLite runs one writer at a time and the
//! others wait up to the busy time-out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use oauth_apps_diesel::{Database, Pool, PoolSettings, Store};

/// The migrations in `migrations/sqlite`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Where the database is and how it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteConfig {
    /// The database file (created with its folder when missing).
    pub path: PathBuf,
    /// The most connections the pool holds.
    pub max_connections: usize,
    /// How long a request waits for a free connection before it is answered
    /// "unavailable".
    pub acquire_timeout: Duration,
    /// How long a writer waits for another writer to finish.
    pub busy_timeout: Duration,
}

impl SqliteConfig {
    /// Default settings for the file at `path`: 4 connections, 5 s to acquire one, 5 s
    /// busy time-out.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            max_connections: 4,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
        }
    }

    /// Settings for a `sqlite://PATH` URL.
    ///
    /// # Errors
    /// [`SqliteSetupError::Url`] when `url` is not `sqlite://` followed by a path.
    pub fn from_url(url: &str) -> Result<Self, SqliteSetupError> {
        match url.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(Self::new(path)),
            _ => Err(SqliteSetupError::Url(
                "expected sqlite://PATH, e.g. sqlite://data/oauth-apps.db".into(),
            )),
        }
    }
}

/// The database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum SqliteSetupError {
    /// The URL is not a `sqlite://` URL.
    #[error("invalid SQLite URL: {0}")]
    Url(String),
    /// The file or its folder could not be created or opened.
    #[error("cannot open the SQLite database: {0}")]
    Open(String),
    /// A migration failed.
    #[error("migrating the SQLite database failed: {0}")]
    Migration(String),
}

fn path_str(path: &Path) -> Result<String, SqliteSetupError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| SqliteSetupError::Open("the path is not valid UTF-8".into()))
}

/// Creates the database file (and its folder) when missing and runs pending migrations.
///
/// # Errors
/// [`SqliteSetupError::Open`] or [`SqliteSetupError::Migration`].
pub async fn run_migrations(config: &SqliteConfig) -> Result<(), SqliteSetupError> {
    if let Some(parent) = config.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| SqliteSetupError::Open(e.to_string()))?;
    }
    let path = path_str(&config.path)?;
    let open = move || {
        let mut conn = <SqliteConnection as diesel::Connection>::establish(&path)
            .map_err(|e| SqliteSetupError::Open(e.to_string()))?;
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| SqliteSetupError::Open(e.to_string()))?;
        Ok(conn)
    };
    oauth_apps_diesel::run_migrations(open, MIGRATIONS, SqliteSetupError::Migration).await
}

/// SQLite, as the store's [`Database`].
#[derive(Debug, Clone, Copy)]
pub enum Sqlite {}

/// The repository and archive over a SQLite file: [`Store::new`] with a [`SqliteConfig`].
/// Run [`run_migrations`] first.
pub type SqliteRepository = Store<Sqlite>;

impl Database for Sqlite {
    type Config = SqliteConfig;
    type SetupError = SqliteSetupError;

    /// Every connection waits up to the busy time-out for another writer, writes ahead
    /// (WAL) and checks foreign keys.
    fn pool(config: &SqliteConfig) -> Result<Pool, SqliteSetupError> {
        let setup = format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            config.busy_timeout.as_millis()
        );
        let settings = PoolSettings {
            max_connections: config.max_connections,
            acquire_timeout: config.acquire_timeout,
        };
        Pool::sqlite(&path_str(&config.path)?, setup, settings)
            .map_err(|e| SqliteSetupError::Open(e.to_string()))
    }
}
