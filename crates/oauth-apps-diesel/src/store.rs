//! The store: a pool of connections to one database, and what its adapter says about
//! that database ([`Database`]). Every port is implemented over it in a module of its own.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use diesel_async::RunQueryDsl;
use oauth_apps_domain::RepositoryError;

use crate::connection::{AnyConnection, Pool, PoolUsage};

/// What a storage adapter says about its database: how its pool is built, and what differs
/// in the answers and the statements of the store.
pub trait Database: Send + Sync + Sized + 'static {
    /// The settings a store is opened with.
    type Config;
    /// Why a store could not be opened.
    type SetupError;

    /// A pool for `config`, whose connections are set up for this database when opened
    /// (see [`Pool::postgres`], [`Pool::sqlite`]).
    ///
    /// # Errors
    /// [`Database::SetupError`] when the settings are invalid.
    fn pool(config: &Self::Config) -> Result<Pool, Self::SetupError>;

    /// Statements that end every import, in its transaction (PostgreSQL moves its identity
    /// sequences past the imported ids). None by default.
    const AFTER_IMPORT: &'static [&'static str] = &[];

    /// The final word on an error of any of the store's operations, given the store to ask
    /// (a [`Store::ping`], say). By default the error stands; PostgreSQL decides there
    /// whether an error its driver leaves unnamed means that the server is gone.
    fn settle(
        _store: &Store<Self>,
        error: RepositoryError,
    ) -> impl Future<Output = RepositoryError> + Send {
        std::future::ready(error)
    }
}

/// The domain's [`ApplicationRepository`] and [`oauth_apps_domain::ApplicationArchive`]
/// over a pool of connections to the database `D`.
///
/// - Every write is one transaction: the compare-and-set on `version`, the secrets, the key
///   sets and the audit event. A failed statement rolls all of it back.
/// - It is also the [`oauth_apps_domain::ReplayGuard`] of client assertions: a `jti` is
///   recorded once per client in the database, so every replica sharing it refuses a
///   replay.
/// - No connection within the pool's wait, an unreachable server or a closed connection is
///   [`RepositoryError::Unavailable`]; a stored value that breaks a domain rule is
///   [`RepositoryError::Corrupt`].
pub struct Store<D> {
    pub(crate) pool: Pool,
    /// Assertion uses recorded by this store (and its clones), which purges the expired
    /// ones every [`crate::replay::PURGE_EVERY`].
    pub(crate) replay_writes: Arc<AtomicU32>,
    database: PhantomData<fn() -> D>,
}

impl<D> Clone for Store<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            replay_writes: Arc::clone(&self.replay_writes),
            database: PhantomData,
        }
    }
}

impl<D: Database> Store<D> {
    /// A store with a pool for `config`. Connections are opened lazily.
    ///
    /// # Errors
    /// [`Database::SetupError`] when the settings are invalid.
    pub fn new(config: &D::Config) -> Result<Self, D::SetupError> {
        D::pool(config).map(Self::with_pool)
    }

    /// A store over `pool`.
    #[must_use]
    pub fn with_pool(pool: Pool) -> Self {
        Self {
            pool,
            replay_writes: Arc::new(AtomicU32::new(0)),
            database: PhantomData,
        }
    }

    /// The pool's saturation (for metrics).
    #[must_use]
    pub fn pool_usage(&self) -> PoolUsage {
        self.pool.usage()
    }

    /// Whether the database answers a query (for readiness checks).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), RepositoryError> {
        let mut pooled = self.pool.get().await?;
        on_backend!(&mut pooled.connection(), |c| {
            diesel::sql_query("SELECT 1").execute(c).await
        })
        .map(|_| ())
        .map_err(|e| RepositoryError::Unavailable(Box::new(e)))
    }

    /// Runs `work` on a connection from the pool; the database has the last word on its
    /// error ([`Database::settle`]).
    pub(crate) async fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection<'_>) -> Result<T, RepositoryError>,
    ) -> Result<T, RepositoryError> {
        let result = match self.pool.get().await {
            Ok(mut pooled) => work(&mut pooled.connection()).await,
            Err(e) => Err(e),
        };
        match result {
            Err(error) => Err(D::settle(self, error).await),
            ok => ok,
        }
    }
}
