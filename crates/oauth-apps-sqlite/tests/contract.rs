//! The repository contract suite on real SQLite files, one per test.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query};
use oauth_apps_domain::{
    AppId, AppType, ApplicationArchive, ApplicationRepository, AuditAction, ClientId, EventFeed,
    IdempotencyStore, InitialAccessTokenRepository, OrganizationPolicies, ReplayGuard,
    RepositoryError, SecretLifecycleStore, WebhookRepository,
};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository, SqliteSetupError, run_migrations};
use oauth_apps_test_support::contract::{
    at, event, inline, key_credentials, new_app, new_app_with,
};
use oauth_apps_test_support::{Fixture, TempDir, repository_contract_tests};

struct SqliteFixture {
    repo: Arc<SqliteRepository>,
    config: SqliteConfig,
    _dir: TempDir,
}

async fn fixture() -> SqliteFixture {
    let dir = TempDir::new();
    let config = SqliteConfig::new(dir.path().join("nested/folder/apps.db"));
    run_migrations(&config).await.expect("migrate");
    let repo = Arc::new(SqliteRepository::new(&config).expect("pool"));
    SqliteFixture {
        repo,
        config,
        _dir: dir,
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct State {
    #[diesel(sql_type = Text)]
    state: String,
}

impl SqliteFixture {
    fn conn(&self) -> SqliteConnection {
        SqliteConnection::establish(self.config.path.to_str().expect("utf-8")).expect("open")
    }
}

#[async_trait]
impl Fixture for SqliteFixture {
    fn repository(&self) -> Arc<dyn ApplicationRepository> {
        self.repo.clone()
    }

    fn archive(&self) -> Arc<dyn ApplicationArchive> {
        self.repo.clone()
    }

    async fn audit_event_count(&self, app: AppId) -> usize {
        let count: Count =
            sql_query("SELECT count(*) AS n FROM audit_events WHERE application_id = ?")
                .bind::<BigInt, _>(app.get())
                .get_result(&mut self.conn())
                .expect("count");
        usize::try_from(count.n).expect("non-negative")
    }

    async fn secret_states(&self, app: AppId) -> Vec<String> {
        let states: Vec<State> =
            sql_query("SELECT state FROM client_secrets WHERE application_id = ? ORDER BY id")
                .bind::<BigInt, _>(app.get())
                .load(&mut self.conn())
                .expect("states");
        states.into_iter().map(|s| s.state).collect()
    }

    async fn key_set_states(&self, app: AppId) -> Vec<String> {
        let states: Vec<State> =
            sql_query("SELECT state FROM client_key_sets WHERE application_id = ? ORDER BY id")
                .bind::<BigInt, _>(app.get())
                .load(&mut self.conn())
                .expect("states");
        states.into_iter().map(|s| s.state).collect()
    }

    fn initial_access_tokens(&self) -> Arc<dyn InitialAccessTokenRepository> {
        self.repo.clone()
    }

    fn feed(&self) -> Arc<dyn EventFeed> {
        self.repo.clone()
    }

    fn idempotency(&self) -> Arc<dyn IdempotencyStore> {
        self.repo.clone()
    }

    fn lifecycle(&self) -> Arc<dyn SecretLifecycleStore> {
        self.repo.clone()
    }

    fn policies(&self) -> Arc<dyn OrganizationPolicies> {
        self.repo.clone()
    }

    fn webhooks(&self) -> Arc<dyn WebhookRepository> {
        self.repo.clone()
    }

    fn other_webhooks(&self) -> Arc<dyn WebhookRepository> {
        Arc::new(SqliteRepository::new(&self.config).expect("pool"))
    }

    fn replay_guard(&self) -> Arc<dyn ReplayGuard> {
        self.repo.clone()
    }

    fn other_replica(&self) -> Arc<dyn ReplayGuard> {
        Arc::new(SqliteRepository::new(&self.config).expect("pool"))
    }

    async fn purge_expired_assertions(&self) -> usize {
        self.repo.purge_expired_assertions().await.expect("purge")
    }

    async fn assertion_records(&self) -> usize {
        let count: Count = sql_query("SELECT count(*) AS n FROM assertion_jtis")
            .get_result(&mut self.conn())
            .expect("count");
        usize::try_from(count.n).expect("non-negative")
    }
}

repository_contract_tests!(fixture);

#[tokio::test]
async fn the_file_is_created_in_wal_mode_and_migrations_rerun_as_a_no_op() {
    let f = fixture().await;
    assert!(f.config.path.exists());
    run_migrations(&f.config).await.expect("already migrated");
    f.repo.ping().await.expect("reachable");
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode: Mode = sql_query("PRAGMA journal_mode")
        .get_result(&mut f.conn())
        .expect("pragma");
    assert_eq!(mode.journal_mode, "wal");
}

#[tokio::test]
async fn urls_name_a_file() {
    assert_eq!(
        SqliteConfig::from_url("sqlite://data/oauth-apps.db")
            .unwrap()
            .path,
        std::path::PathBuf::from("data/oauth-apps.db")
    );
    assert!(matches!(
        SqliteConfig::from_url("sqlite://"),
        Err(SqliteSetupError::Url(_))
    ));
    assert!(matches!(
        SqliteConfig::from_url("postgres://x"),
        Err(SqliteSetupError::Url(_))
    ));
}

#[tokio::test]
async fn an_unopenable_file_is_unavailable() {
    let dir = TempDir::new();
    // A folder where the database file should be.
    let config = SqliteConfig::new(dir.path());
    assert!(run_migrations(&config).await.is_err());
    let repo = SqliteRepository::new(&config).expect("pool");
    let err = repo
        .find_by_client_id(&ClientId::from_random_bytes([1; 16]))
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn the_database_refuses_a_second_current_secret() {
    let f = fixture().await;
    let app = f
        .repo
        .insert(
            &new_app("acme", "Guarded", at(1)),
            &event(AuditAction::Created, at(1)),
        )
        .await
        .expect("insert");
    let result = sql_query(
        "INSERT INTO client_secrets (application_id, secret_hash, state, created_at) \
         VALUES (?, '$argon2id$x', 'current', 0)",
    )
    .bind::<BigInt, _>(app.get())
    .execute(&mut f.conn());
    assert!(result.is_err(), "a second current secret was accepted");
    assert_eq!(f.secret_states(app).await, ["current"]);
}

/// The statements that must fail on application `?`'s key sets, with what they break.
const BROKEN_KEY_SETS: [(&str, &str); 6] = [
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at) \
         VALUES (?, 'current', 'https://client.example/second', 0)",
        "a second current key set",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks, jwks_uri, created_at, \
           expires_at) \
         VALUES (?, 'previous', '{\"keys\":[]}', 'https://client.example/both', 0, 1)",
        "both jwks and jwks_uri",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, created_at, expires_at) \
         VALUES (?, 'previous', 0, 1)",
        "neither jwks nor jwks_uri",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at) \
         VALUES (?, 'previous', 'https://client.example/old', 0)",
        "a previous key set without its expiry",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at, expires_at) \
         VALUES (?, 'revoked', 'https://client.example/old', 0, 1)",
        "a key set state other than current and previous",
    ),
    (
        "UPDATE oauth_applications SET token_endpoint_auth_method = 'client_secret_jwt' \
         WHERE id = ?",
        "an unknown authentication method",
    ),
];

#[tokio::test]
async fn the_database_refuses_broken_key_sets_and_methods() {
    let f = fixture().await;
    let new = new_app_with(
        "acme",
        "Guarded keys",
        AppType::Web,
        key_credentials(inline(&["k1"]), at(1)),
        at(1),
    );
    let app = f
        .repo
        .insert(&new, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    for (statement, broken) in BROKEN_KEY_SETS {
        let result = sql_query(statement)
            .bind::<BigInt, _>(app.get())
            .execute(&mut f.conn());
        assert!(result.is_err(), "{broken} was accepted");
    }
    assert_eq!(f.key_set_states(app).await, ["current"]);
    let stored = f
        .repo
        .find_by_client_id(new.client_id())
        .await
        .expect("find");
    assert_eq!(stored, Some(new.with_id(app)));
}
