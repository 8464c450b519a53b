//! PostgreSQL storage for OAuth applications: the domain's [`ApplicationRepository`] over
//! `diesel-async` (pure Rust, no libpq) with a `deadpool` connection pool.
//!
//! - Every write is one transaction: the compare-and-set on `version`, the secrets, and the
//!   audit event. A failed statement rolls all of it back.
//! - The database enforces what it can too: unique client ids, enumerations, one current
//!   and at most one previous secret per application (partial unique indexes).
//! - An unreachable server, a closed connection or a pool time-out is
//!   [`RepositoryError::Unavailable`].

mod archive;
mod listen;
mod rows;
mod schema;

pub use listen::{CHANNEL, LISTENER_NAME, listen_for_changes};

use std::time::Duration;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Int8, Timestamptz};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use oauth_apps_domain::{
    AppId, ApplicationRepository, AuditEvent, ClientId, Cursor, NewApplication, OAuthApplication,
    OrgId, RepositoryError, StoredAuditEvent, StoredSecret, Version,
};

use rows::{ApplicationRow, ApplicationValues, EventRow, SecretRow};
use schema::{audit_events, client_secrets, oauth_applications};

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

/// The advisory lock key held while migrating ("oauthapp" in ASCII).
const MIGRATION_LOCK: i64 = 0x6f61_7574_6861_7070;

/// Runs the pending migrations on the database at `url`, one process at a time.
///
/// # Errors
/// [`PgSetupError::Migration`] when the database cannot be reached or a migration fails.
pub async fn run_migrations(url: &str) -> Result<(), PgSetupError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
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
        conn.run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| PgSetupError::Migration(e.to_string()))
    })
    .await
    .map_err(|e| PgSetupError::Migration(e.to_string()))?
}

/// The repository over a PostgreSQL pool.
#[derive(Clone)]
pub struct PgRepository {
    pool: Pool<AsyncPgConnection>,
}

impl PgRepository {
    /// A repository with a pool for `config`. Connections are opened lazily.
    ///
    /// # Errors
    /// [`PgSetupError::Pool`] when the settings are invalid.
    pub fn new(config: &PgConfig) -> Result<Self, PgSetupError> {
        let statement_timeout_ms = config.statement_timeout.as_millis();
        let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
        manager_config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            async move {
                let mut conn = AsyncPgConnection::establish(&url).await?;
                conn.batch_execute(&format!(
                    "SET statement_timeout = {statement_timeout_ms}; \
                     SET application_name = 'oauth-apps'"
                ))
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            }
            .boxed()
        });
        let manager = AsyncDieselConnectionManager::new_with_config(&config.url, manager_config);
        let pool = Pool::builder(manager)
            .max_size(config.max_connections)
            .wait_timeout(Some(config.acquire_timeout))
            .create_timeout(Some(config.acquire_timeout))
            .recycle_timeout(Some(config.acquire_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| PgSetupError::Pool(e.to_string()))?;
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
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(storage_error)
    }

    async fn conn(&self) -> Result<Object<AsyncPgConnection>, RepositoryError> {
        self.pool.get().await.map_err(pool_error)
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

/// Classifies a diesel error without looking at its message.
fn storage_error(e: DieselError) -> RepositoryError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info)
            if info.constraint_name() == Some("oauth_applications_client_id_key") =>
        {
            RepositoryError::DuplicateClientId
        }
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

async fn load_secrets(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> Result<Vec<SecretRow>, DieselError> {
    client_secrets::table
        .filter(client_secrets::application_id.eq_any(ids))
        .filter(client_secrets::state.ne("revoked"))
        .select(SecretRow::as_select())
        .load(conn)
        .await
}

/// Loads the secrets of `rows` and builds the applications, in the order of `rows`.
async fn assemble(
    conn: &mut AsyncPgConnection,
    rows: Vec<ApplicationRow>,
) -> Result<Vec<OAuthApplication>, RepositoryError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let secrets = load_secrets(conn, &ids).await.map_err(storage_error)?;
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

async fn insert_event(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    event: &AuditEvent,
) -> Result<(), DieselError> {
    let fields: Vec<&str> = event.changed_fields.iter().map(|f| f.name()).collect();
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::application_id.eq(application_id),
            audit_events::action.eq(event.action.as_str()),
            audit_events::actor.eq(&event.actor),
            audit_events::request_id.eq(event.request_id.as_deref()),
            audit_events::client_request_id.eq(event.client_request_id.as_deref()),
            audit_events::changed_fields.eq(fields),
            audit_events::occurred_at.eq(event.at.as_offset_date_time()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Brings the stored secrets of `app` in line with its domain state (see
/// [`oauth_apps_domain::Secrets::storage_writes`]).
async fn sync_secrets(
    conn: &mut AsyncPgConnection,
    app: &OAuthApplication,
    now: time::OffsetDateTime,
) -> Result<(), DieselError> {
    let id = app.id().get();
    let stored = load_secrets(conn, &[id]).await?;
    let views: Vec<StoredSecret<'_>> = stored.iter().map(SecretRow::view).collect();
    let writes = app.secrets().storage_writes(&views);
    if !writes.revoke.is_empty() {
        let ids: Vec<i64> = writes.revoke.iter().map(|&i| stored[i].id).collect();
        diesel::update(client_secrets::table.filter(client_secrets::id.eq_any(&ids)))
            .set((
                client_secrets::state.eq("revoked"),
                client_secrets::expires_at.eq(None::<time::OffsetDateTime>),
                client_secrets::revoked_at.eq(Some(now)),
            ))
            .execute(conn)
            .await?;
    }
    if let Some((i, expires_at)) = writes.make_previous {
        diesel::update(client_secrets::table.filter(client_secrets::id.eq(stored[i].id)))
            .set((
                client_secrets::state.eq("previous"),
                client_secrets::expires_at.eq(Some(expires_at.as_offset_date_time())),
            ))
            .execute(conn)
            .await?;
    }
    if writes.insert_current {
        diesel::insert_into(client_secrets::table)
            .values((
                client_secrets::application_id.eq(id),
                client_secrets::secret_hash.eq(app.secrets().current().as_phc()),
                client_secrets::state.eq("current"),
                client_secrets::created_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The queries; [`ApplicationRepository`] wraps each in [`PgRepository::settle`].
impl PgRepository {
    async fn raw_insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        let record = app.to_record();
        let values = ApplicationValues::from_record(&record)?;
        let mut conn = self.conn().await?;
        let id = conn
            .transaction::<_, TxError, _>(async |conn| {
                let id: i64 = diesel::insert_into(oauth_applications::table)
                    .values(&values)
                    .returning(oauth_applications::id)
                    .get_result(conn)
                    .await?;
                diesel::insert_into(client_secrets::table)
                    .values((
                        client_secrets::application_id.eq(id),
                        client_secrets::secret_hash.eq(&record.current_secret_hash),
                        client_secrets::state.eq("current"),
                        client_secrets::created_at.eq(record.created_at.as_offset_date_time()),
                    ))
                    .execute(conn)
                    .await?;
                insert_event(conn, id, event).await?;
                Ok(id)
            })
            .await?;
        AppId::new(id).map_err(|e| RepositoryError::Unexpected(Box::new(e)))
    }

    async fn raw_find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows = oauth_applications::table
            .filter(oauth_applications::client_id.eq(client_id.as_uuid()))
            .select(ApplicationRow::as_select())
            .load(&mut conn)
            .await
            .map_err(storage_error)?;
        Ok(assemble(&mut conn, rows).await?.pop())
    }

    async fn raw_find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let mut conn = self.conn().await?;
        let rows = oauth_applications::table
            .filter(oauth_applications::id.eq(id.get()))
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .select(ApplicationRow::as_select())
            .load(&mut conn)
            .await
            .map_err(storage_error)?;
        Ok(assemble(&mut conn, rows).await?.pop())
    }

    async fn raw_list_after(
        &self,
        org: &OrgId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        let mut conn = self.conn().await?;
        let mut query = oauth_applications::table
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .order((
                oauth_applications::created_at.desc(),
                oauth_applications::id.desc(),
            ))
            .limit(i64::from(limit))
            .select(ApplicationRow::as_select())
            .into_boxed();
        if let Some(cursor) = after {
            // A row-value comparison, which the (owner_org_id, created_at, id) index serves.
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(created_at, id) < (")
                    .bind::<Timestamptz, _>(cursor.created_at.as_offset_date_time())
                    .sql(", ")
                    .bind::<Int8, _>(cursor.id.get())
                    .sql(")"),
            );
        }
        let rows = query.load(&mut conn).await.map_err(storage_error)?;
        assemble(&mut conn, rows).await
    }

    async fn raw_list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        let mut conn = self.conn().await?;
        let total: i64 = oauth_applications::table
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .count()
            .get_result(&mut conn)
            .await
            .map_err(storage_error)?;
        let rows = oauth_applications::table
            .filter(oauth_applications::owner_org_id.eq(org.as_str()))
            .order((
                oauth_applications::created_at.desc(),
                oauth_applications::id.desc(),
            ))
            .offset(i64::try_from(offset).unwrap_or(i64::MAX))
            .limit(i64::from(limit))
            .select(ApplicationRow::as_select())
            .load(&mut conn)
            .await
            .map_err(storage_error)?;
        let items = assemble(&mut conn, rows).await?;
        Ok((items, u64::try_from(total).unwrap_or(0)))
    }

    async fn raw_list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        let mut conn = self.conn().await?;
        let mut query = audit_events::table
            .filter(audit_events::application_id.eq(app.get()))
            .order(audit_events::id.desc())
            .limit(i64::from(limit))
            .select(EventRow::as_select())
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(audit_events::id.lt(before));
        }
        let rows = query.load(&mut conn).await.map_err(storage_error)?;
        rows.into_iter().map(EventRow::into_event).collect()
    }

    async fn raw_update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        let record = app.to_record();
        let values = ApplicationValues::from_record(&record)?;
        let id = app.id().get();
        let mut conn = self.conn().await?;
        conn.transaction::<_, TxError, _>(async |conn| {
            let updated = diesel::update(
                oauth_applications::table
                    .filter(oauth_applications::id.eq(id))
                    .filter(oauth_applications::version.eq(expected.get())),
            )
            .set(&values)
            .execute(conn)
            .await?;
            if updated == 0 {
                let exists: bool = diesel::select(diesel::dsl::exists(
                    oauth_applications::table.filter(oauth_applications::id.eq(id)),
                ))
                .get_result(conn)
                .await?;
                return Err(TxError::Repository(if exists {
                    RepositoryError::VersionConflict
                } else {
                    RepositoryError::NotFound
                }));
            }
            sync_secrets(conn, app, event.at.as_offset_date_time()).await?;
            insert_event(conn, id, event).await?;
            Ok(())
        })
        .await
        .map_err(RepositoryError::from)
    }
}

#[async_trait]
impl ApplicationRepository for PgRepository {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        self.settle(self.raw_insert(app, event).await).await
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.settle(self.raw_find_by_client_id(client_id).await)
            .await
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.settle(self.raw_find_by_org_and_id(org, id).await)
            .await
    }

    async fn list_after(
        &self,
        org: &OrgId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        self.settle(self.raw_list_after(org, after, limit).await)
            .await
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        self.settle(self.raw_list_page(org, offset, limit).await)
            .await
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.settle(self.raw_list_events(app, before, limit).await)
            .await
    }

    async fn update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        self.settle(self.raw_update(app, expected, event).await)
            .await
    }
}

impl PgRepository {
    /// Decides what an error of a kind diesel does not name means. The server reports
    /// such errors when it shuts down (57P01), restarts or recovers, and then it is the
    /// store that is unavailable (503); when the store still answers, it is unexpected
    /// (500). Decided by asking the store, never by reading the message.
    async fn settle<T>(&self, result: Result<T, RepositoryError>) -> Result<T, RepositoryError> {
        match result {
            Err(RepositoryError::Unexpected(e)) if is_unnamed_server_error(e.as_ref()) => {
                if self.ping().await.is_err() {
                    Err(RepositoryError::Unavailable(e))
                } else {
                    Err(RepositoryError::Unexpected(e))
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
