//! Pools and connections of either database, and the two macros that run a statement
//! written once on whichever it is.

use std::time::Duration;

use deadpool::managed::Manager;
use diesel_async::AsyncConnection;
use diesel_async::pooled_connection::deadpool::{BuildError, Object, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use futures_util::FutureExt;
use oauth_apps_domain::RepositoryError;

#[cfg(feature = "postgres")]
use diesel_async::AsyncPgConnection;

/// SQLite's connection, run off the async executor by diesel-async.
#[cfg(feature = "sqlite")]
pub(crate) type SqliteConnection =
    diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection>;

/// How saturated a pool is (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolUsage {
    /// Connections handed out now.
    pub in_use: usize,
    /// The most connections the pool holds.
    pub max: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
}

/// How many connections a pool holds, and how long a request waits for one (a free one
/// or a new one) before storage is answered unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// The most connections the pool holds.
    pub max_connections: usize,
    /// The longest wait for a connection.
    pub acquire_timeout: Duration,
}

/// A pool of connections to one database, each set up when it is opened.
#[derive(Clone)]
pub struct Pool(Pools);

#[derive(Clone)]
enum Pools {
    #[cfg(feature = "postgres")]
    Postgres(diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>),
    #[cfg(feature = "sqlite")]
    Sqlite(diesel_async::pooled_connection::deadpool::Pool<SqliteConnection>),
}

impl Pool {
    /// A pool of PostgreSQL connections to `url`, each of which runs `setup` (one or more
    /// statements) when it is opened. Connections are opened lazily.
    ///
    /// # Errors
    /// [`BuildError`] when the settings are invalid.
    #[cfg(feature = "postgres")]
    pub fn postgres(url: &str, setup: String, settings: PoolSettings) -> Result<Self, BuildError> {
        build(url, setup, settings).map(|pool| Self(Pools::Postgres(pool)))
    }

    /// A pool of connections to the SQLite file at `path`, each of which runs `setup` (one
    /// or more statements, pragmas say) when it is opened. Connections are opened lazily.
    ///
    /// # Errors
    /// [`BuildError`] when the settings are invalid.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(path: &str, setup: String, settings: PoolSettings) -> Result<Self, BuildError> {
        build(path, setup, settings).map(|pool| Self(Pools::Sqlite(pool)))
    }

    /// The pool's saturation.
    #[must_use]
    pub fn usage(&self) -> PoolUsage {
        let s = match &self.0 {
            #[cfg(feature = "postgres")]
            Pools::Postgres(pool) => pool.status(),
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(pool) => pool.status(),
        };
        PoolUsage {
            in_use: s.size.saturating_sub(s.available),
            max: s.max_size,
            waiting: s.waiting,
        }
    }

    /// A connection from the pool.
    pub(crate) async fn get(&self) -> Result<Pooled, RepositoryError> {
        match &self.0 {
            #[cfg(feature = "postgres")]
            Pools::Postgres(pool) => pool.get().await.map(Pooled::Postgres),
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(pool) => pool.get().await.map(Pooled::Sqlite),
        }
        .map_err(pool_error)
    }
}

fn build<C>(
    url: &str,
    setup: String,
    settings: PoolSettings,
) -> Result<diesel_async::pooled_connection::deadpool::Pool<C>, BuildError>
where
    C: AsyncConnection + 'static,
    AsyncDieselConnectionManager<C>: Manager,
{
    let mut config = ManagerConfig::<C>::default();
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        let setup = setup.clone();
        async move {
            let mut conn = C::establish(&url).await?;
            conn.batch_execute(&setup)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(url, config);
    deadpool::managed::Pool::builder(manager)
        .max_size(settings.max_connections)
        .wait_timeout(Some(settings.acquire_timeout))
        .create_timeout(Some(settings.acquire_timeout))
        .recycle_timeout(Some(settings.acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
}

/// No connection in time, or none could be opened: unavailable; anything else is
/// unexpected.
fn pool_error(e: PoolError) -> RepositoryError {
    match e {
        PoolError::Timeout(_) | PoolError::Backend(_) | PoolError::Closed => {
            RepositoryError::Unavailable(Box::new(e))
        }
        other => RepositoryError::Unexpected(Box::new(other)),
    }
}

/// A connection taken from a [`Pool`], returned to it when dropped.
#[allow(
    clippy::large_enum_variant,
    reason = "one lives for one operation, on its stack; boxing would allocate per operation"
)]
pub(crate) enum Pooled {
    #[cfg(feature = "postgres")]
    Postgres(Object<AsyncPgConnection>),
    #[cfg(feature = "sqlite")]
    Sqlite(Object<SqliteConnection>),
}

impl Pooled {
    /// The connection, for the statements.
    pub(crate) fn connection(&mut self) -> AnyConnection<'_> {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(conn) => AnyConnection::Postgres(conn),
            #[cfg(feature = "sqlite")]
            Self::Sqlite(conn) => AnyConnection::Sqlite(conn),
        }
    }
}

/// A connection to either database. The statements of this crate take one, and run on it
/// through [`on_backend!`] and [`write_transaction!`].
pub(crate) enum AnyConnection<'c> {
    #[cfg(feature = "postgres")]
    Postgres(&'c mut AsyncPgConnection),
    #[cfg(feature = "sqlite")]
    Sqlite(&'c mut SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection behind `$conn` (a
/// `&mut AnyConnection`): a statement written once and compiled for each database.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::connection::AnyConnection::Postgres(conn) => {
                let $c: &mut diesel_async::AsyncPgConnection = conn;
                $body
            }
            #[cfg(feature = "sqlite")]
            $crate::connection::AnyConnection::Sqlite(conn) => {
                let $c: &mut $crate::connection::SqliteConnection = conn;
                $body
            }
        }
    };
}

/// Runs `$body` in a write transaction on `$conn` (a `&mut AnyConnection`), with `$c` bound
/// to the connection inside it: committed when `$body` is `Ok`, rolled back otherwise.
/// SQLite takes its write lock at once (`BEGIN IMMEDIATE`), so that the busy time-out
/// applies and no reader has to be upgraded to a writer.
macro_rules! write_transaction {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::connection::AnyConnection::Postgres(conn) => {
                diesel_async::AsyncConnection::transaction(&mut **conn, async |conn| {
                    let $c = &mut $crate::connection::AnyConnection::Postgres(conn);
                    $body
                })
                .await
            }
            #[cfg(feature = "sqlite")]
            $crate::connection::AnyConnection::Sqlite(conn) => {
                conn.immediate_transaction(async |conn| {
                    let $c = &mut $crate::connection::AnyConnection::Sqlite(conn);
                    $body
                })
                .await
            }
        }
    };
}

/// A statement written for PostgreSQL in SQLite's words: numbered parameters `?N` for
/// `$N`, no row locks.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_dialect(sql: &str) -> String {
    sql.replace('$', "?")
        .replace(" FOR UPDATE OF t SKIP LOCKED", "")
        .replace(" FOR UPDATE SKIP LOCKED", "")
}
