//! The feed's advisory lock and the migration lock are different locks: a process that
//! holds the migration lock (another replica migrating at start) does not hold up a
//! write, and a write that holds the feed's lock until it commits does not hold up a
//! migration.

use std::path::Path;
use std::time::Duration;

use diesel::sql_query;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_domain::{ApplicationRepository, AuditAction};
use oauth_apps_postgres::{MIGRATION_LOCK, PgConfig, PgRepository, run_migrations};
use oauth_apps_test_support::contract::{at, event, new_app};
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};

/// Longer than a write or an idle migration takes, far shorter than a lock held for good.
const PATIENCE: Duration = Duration::from_secs(5);

async fn database() -> TestDatabase {
    let key = fingerprint(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"));
    TestDatabase::create(&key, |url| async move {
        run_migrations(&url).await.map_err(|e| e.to_string())
    })
    .await
}

#[test]
fn the_locks_have_their_own_keys() {
    assert_ne!(MIGRATION_LOCK, oauth_apps_diesel::FEED_LOCK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_lock_holder_does_not_block_a_write() {
    let db = database().await;
    let repo = PgRepository::new(&PgConfig::new(db.url())).expect("pool");
    let mut migrating = AsyncPgConnection::establish(db.url())
        .await
        .expect("connect");
    sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut migrating)
        .await
        .expect("the migration lock");

    let written = tokio::time::timeout(
        PATIENCE,
        repo.insert(
            &new_app("acme", "Written while migrating", at(1)),
            &event(AuditAction::Created, at(1)),
        ),
    )
    .await;
    assert!(
        matches!(written, Ok(Ok(_))),
        "a write went through while the migration lock was held: {written:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_holding_the_feed_lock_does_not_block_a_migration() {
    let db = database().await;
    let mut writing = AsyncPgConnection::establish(db.url())
        .await
        .expect("connect");
    // A write's transaction, between taking the feed's lock and committing.
    sql_query("BEGIN")
        .execute(&mut writing)
        .await
        .expect("begin");
    sql_query(format!(
        "SELECT pg_advisory_xact_lock({})",
        oauth_apps_diesel::FEED_LOCK
    ))
    .execute(&mut writing)
    .await
    .expect("the feed's lock");

    let migrated = tokio::time::timeout(PATIENCE, run_migrations(db.url())).await;
    assert!(
        matches!(migrated, Ok(Ok(()))),
        "the migrations ran while a write held the feed's lock: {migrated:?}"
    );
}
