//! Embedded SQLite storage for OAuth applications, the default: the domain's
//! [`ApplicationRepository`] on a SQLite file (bundled SQLite; WAL mode, a busy time-out,
//! foreign keys on), through a small pool of connections.
//!
//! Every write is one `BEGIN IMMEDIATE` transaction holding the compare-and-set on
//! `version`, the secrets and the audit event; SQLite runs one writer at a time and the
//! others wait up to the busy time-out.

mod archive;
mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bool};
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use oauth_apps_domain::{
    AppId, ApplicationRepository, AuditEvent, ClientId, Cursor, NewApplication, OAuthApplication,
    OrgId, RepositoryError, StoredAuditEvent, StoredSecret, Version,
};

use rows::{ApplicationRow, ApplicationValues, EventRow, SecretRow, join_list};
use schema::{audit_events, client_secrets, oauth_applications};

/// The migrations in `migrations/sqlite`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

type Conn = SyncConnectionWrapper<SqliteConnection>;

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
    tokio::task::spawn_blocking(move || {
        let mut conn = <SqliteConnection as diesel::Connection>::establish(&path)
            .map_err(|e| SqliteSetupError::Open(e.to_string()))?;
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| SqliteSetupError::Open(e.to_string()))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| SqliteSetupError::Migration(e.to_string()))
    })
    .await
    .map_err(|e| SqliteSetupError::Migration(e.to_string()))?
}

/// The repository over a SQLite file.
#[derive(Clone)]
pub struct SqliteRepository {
    pool: Pool<Conn>,
}

impl SqliteRepository {
    /// A repository with a pool for `config`. Connections are opened lazily; run
    /// [`run_migrations`] first.
    ///
    /// # Errors
    /// [`SqliteSetupError::Open`] when the pool settings are invalid.
    pub fn new(config: &SqliteConfig) -> Result<Self, SqliteSetupError> {
        let busy_ms = config.busy_timeout.as_millis();
        let mut manager_config = ManagerConfig::<Conn>::default();
        manager_config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            async move {
                let mut conn = Conn::establish(&url).await?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_ms}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            }
            .boxed()
        });
        let manager =
            AsyncDieselConnectionManager::new_with_config(path_str(&config.path)?, manager_config);
        let pool = Pool::builder(manager)
            .max_size(config.max_connections)
            .wait_timeout(Some(config.acquire_timeout))
            .create_timeout(Some(config.acquire_timeout))
            .recycle_timeout(Some(config.acquire_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| SqliteSetupError::Open(e.to_string()))?;
        Ok(Self { pool })
    }

    /// The pool's saturation: connections in use, the most it holds, and requests
    /// waiting for one (for metrics).
    #[must_use]
    pub fn pool_usage(&self) -> (usize, usize, usize) {
        let s = self.pool.status();
        (s.size.saturating_sub(s.available), s.max_size, s.waiting)
    }

    /// Whether the database answers a query (for readiness checks).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), RepositoryError> {
        self.with_conn(|c| {
            diesel::sql_query("SELECT 1")
                .execute(c)
                .map(|_| ())
                .map_err(|e| RepositoryError::Unavailable(Box::new(e)))
        })
        .await
    }

    /// Runs `work` on a pooled connection, off the async executor.
    async fn with_conn<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut SqliteConnection) -> Result<R, RepositoryError> + Send + 'static,
    ) -> Result<R, RepositoryError> {
        let mut conn = self.pool.get().await.map_err(pool_error)?;
        conn.spawn_blocking(move |c| Ok(work(c)))
            .await
            .map_err(|e| RepositoryError::Unexpected(Box::new(e)))?
    }
}

fn pool_error(e: PoolError) -> RepositoryError {
    match e {
        PoolError::Timeout(_) | PoolError::Backend(_) | PoolError::Closed => {
            RepositoryError::Unavailable(Box::new(e))
        }
        other => RepositoryError::Unexpected(Box::new(other)),
    }
}

fn storage_error(e: DieselError) -> RepositoryError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::BrokenTransactionManager => RepositoryError::Unavailable(Box::new(e)),
        other => RepositoryError::Unexpected(Box::new(other)),
    }
}

/// A repository error raised inside a transaction, carried through diesel's.
#[derive(Debug)]
enum TxError {
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

fn load_secrets(c: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<SecretRow>, DieselError> {
    client_secrets::table
        .filter(client_secrets::application_id.eq_any(ids))
        .filter(client_secrets::state.ne("revoked"))
        .select(SecretRow::as_select())
        .load(c)
}

fn assemble(
    c: &mut SqliteConnection,
    rows: Vec<ApplicationRow>,
) -> Result<Vec<OAuthApplication>, RepositoryError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let secrets = load_secrets(c, &ids).map_err(storage_error)?;
    rows.into_iter()
        .map(|row| {
            let own: Vec<&SecretRow> = secrets
                .iter()
                .filter(|s| s.application_id == row.id)
                .collect();
            row.into_application(&own)
        })
        .collect()
}

fn insert_event(
    c: &mut SqliteConnection,
    application_id: i64,
    event: &AuditEvent,
) -> Result<(), DieselError> {
    let fields = join_list(event.changed_fields.iter().map(|f| f.name()));
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::application_id.eq(application_id),
            audit_events::action.eq(event.action.as_str()),
            audit_events::actor.eq(&event.actor),
            audit_events::request_id.eq(event.request_id.as_deref()),
            audit_events::client_request_id.eq(event.client_request_id.as_deref()),
            audit_events::changed_fields.eq(fields),
            audit_events::occurred_at.eq(event.at.unix_micros()),
        ))
        .execute(c)
        .map(|_| ())
}

/// Brings the stored secrets of `app` in line with its domain state (see
/// [`oauth_apps_domain::Secrets::storage_writes`]).
fn sync_secrets(
    c: &mut SqliteConnection,
    app: &OAuthApplication,
    now: i64,
) -> Result<(), DieselError> {
    let id = app.id().get();
    let stored = load_secrets(c, &[id])?;
    let views: Vec<StoredSecret<'_>> = stored.iter().map(SecretRow::view).collect();
    let writes = app.secrets().storage_writes(&views);
    if !writes.revoke.is_empty() {
        let ids: Vec<i64> = writes.revoke.iter().map(|&i| stored[i].id).collect();
        diesel::update(client_secrets::table.filter(client_secrets::id.eq_any(&ids)))
            .set((
                client_secrets::state.eq("revoked"),
                client_secrets::expires_at.eq(None::<i64>),
                client_secrets::revoked_at.eq(Some(now)),
            ))
            .execute(c)?;
    }
    if let Some((i, expires_at)) = writes.make_previous {
        diesel::update(client_secrets::table.filter(client_secrets::id.eq(stored[i].id)))
            .set((
                client_secrets::state.eq("previous"),
                client_secrets::expires_at.eq(Some(expires_at.unix_micros())),
            ))
            .execute(c)?;
    }
    if writes.insert_current {
        diesel::insert_into(client_secrets::table)
            .values((
                client_secrets::application_id.eq(id),
                client_secrets::secret_hash.eq(app.secrets().current().as_phc()),
                client_secrets::state.eq("current"),
                client_secrets::created_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

fn newest_first() -> (
    diesel::dsl::Desc<oauth_applications::created_at>,
    diesel::dsl::Desc<oauth_applications::id>,
) {
    (
        oauth_applications::created_at.desc(),
        oauth_applications::id.desc(),
    )
}

#[async_trait]
impl ApplicationRepository for SqliteRepository {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        let record = app.to_record();
        let event = event.clone();
        let id = self
            .with_conn(move |c| {
                c.immediate_transaction::<_, TxError, _>(|c| {
                    let values = ApplicationValues::from_record(&record);
                    let id: i64 = diesel::insert_into(oauth_applications::table)
                        .values(&values)
                        .returning(oauth_applications::id)
                        .get_result(c)
                        .map_err(|e| match e {
                            // The only unique key a new row can break is its client id.
                            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                                TxError::Repository(RepositoryError::DuplicateClientId)
                            }
                            other => TxError::Diesel(other),
                        })?;
                    diesel::insert_into(client_secrets::table)
                        .values((
                            client_secrets::application_id.eq(id),
                            client_secrets::secret_hash.eq(&record.current_secret_hash),
                            client_secrets::state.eq("current"),
                            client_secrets::created_at.eq(record.created_at.unix_micros()),
                        ))
                        .execute(c)?;
                    insert_event(c, id, &event)?;
                    Ok(id)
                })
                .map_err(RepositoryError::from)
            })
            .await?;
        AppId::new(id).map_err(|e| RepositoryError::Unexpected(Box::new(e)))
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let client_id = client_id.to_string();
        self.with_conn(move |c| {
            let rows = oauth_applications::table
                .filter(oauth_applications::client_id.eq(client_id))
                .select(ApplicationRow::as_select())
                .load(c)
                .map_err(storage_error)?;
            Ok(assemble(c, rows)?.pop())
        })
        .await
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let org = org.as_str().to_owned();
        self.with_conn(move |c| {
            let rows = oauth_applications::table
                .filter(oauth_applications::id.eq(id.get()))
                .filter(oauth_applications::owner_org_id.eq(org))
                .select(ApplicationRow::as_select())
                .load(c)
                .map_err(storage_error)?;
            Ok(assemble(c, rows)?.pop())
        })
        .await
    }

    async fn list_after(
        &self,
        org: &OrgId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        let org = org.as_str().to_owned();
        self.with_conn(move |c| {
            let mut query = oauth_applications::table
                .filter(oauth_applications::owner_org_id.eq(org))
                .order(newest_first())
                .limit(i64::from(limit))
                .select(ApplicationRow::as_select())
                .into_boxed();
            if let Some(cursor) = after {
                query = query.filter(
                    diesel::dsl::sql::<Bool>("(created_at, id) < (")
                        .bind::<BigInt, _>(cursor.created_at.unix_micros())
                        .sql(", ")
                        .bind::<BigInt, _>(cursor.id.get())
                        .sql(")"),
                );
            }
            let rows = query.load(c).map_err(storage_error)?;
            assemble(c, rows)
        })
        .await
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        let org = org.as_str().to_owned();
        self.with_conn(move |c| {
            let total: i64 = oauth_applications::table
                .filter(oauth_applications::owner_org_id.eq(&org))
                .count()
                .get_result(c)
                .map_err(storage_error)?;
            let rows = oauth_applications::table
                .filter(oauth_applications::owner_org_id.eq(&org))
                .order(newest_first())
                .offset(i64::try_from(offset).unwrap_or(i64::MAX))
                .limit(i64::from(limit))
                .select(ApplicationRow::as_select())
                .load(c)
                .map_err(storage_error)?;
            Ok((assemble(c, rows)?, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.with_conn(move |c| {
            let mut query = audit_events::table
                .filter(audit_events::application_id.eq(app.get()))
                .order(audit_events::id.desc())
                .limit(i64::from(limit))
                .select(EventRow::as_select())
                .into_boxed();
            if let Some(before) = before {
                query = query.filter(audit_events::id.lt(before));
            }
            let rows = query.load(c).map_err(storage_error)?;
            rows.into_iter().map(EventRow::into_event).collect()
        })
        .await
    }

    async fn update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        let app = app.clone();
        let event = event.clone();
        self.with_conn(move |c| {
            c.immediate_transaction::<_, TxError, _>(|c| {
                let record = app.to_record();
                let values = ApplicationValues::from_record(&record);
                let id = app.id().get();
                let updated = diesel::update(
                    oauth_applications::table
                        .filter(oauth_applications::id.eq(id))
                        .filter(oauth_applications::version.eq(expected.get())),
                )
                .set(&values)
                .execute(c)?;
                if updated == 0 {
                    let exists: bool = diesel::select(diesel::dsl::exists(
                        oauth_applications::table.filter(oauth_applications::id.eq(id)),
                    ))
                    .get_result(c)?;
                    return Err(TxError::Repository(if exists {
                        RepositoryError::VersionConflict
                    } else {
                        RepositoryError::NotFound
                    }));
                }
                sync_secrets(c, &app, event.at.unix_micros())?;
                insert_event(c, id, &event)?;
                Ok(())
            })
            .map_err(RepositoryError::from)
        })
        .await
    }
}
