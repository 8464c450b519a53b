//! Running a database's embedded migrations.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

/// Runs the pending `migrations` on the connection that `open` makes (and prepares: a
/// lock, pragmas), off the async executor: diesel's migrations are synchronous.
///
/// # Errors
/// What `open` returns; `failed` with the reason when a migration fails.
pub async fn run_migrations<C, E>(
    open: impl FnOnce() -> Result<C, E> + Send + 'static,
    migrations: EmbeddedMigrations,
    failed: fn(String) -> E,
) -> Result<(), E>
where
    C: diesel::Connection + MigrationHarness<<C as diesel::Connection>::Backend>,
    E: Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut conn = open()?;
        conn.run_pending_migrations(migrations)
            .map(|_| ())
            .map_err(|e| failed(e.to_string()))
    })
    .await
    .map_err(|e| failed(e.to_string()))?
}
