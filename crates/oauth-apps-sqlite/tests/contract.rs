//! The repository contract suite on real SQLite files, one per test.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query};
use oauth_apps_domain::{
    AppId, AppType, ApplicationArchive, ApplicationRepository, AuditAction, ClientId, EventFeed,
    IdempotencyStore, InitialAccessTokenRepository, OrganizationPolicies, ReplayGuard,
    RepositoryError, SecretLifecycleStore, Timestamp, WebhookRepository,
};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository, SqliteSetupError, run_migrations};
use oauth_apps_test_support::closed_sets::{
    names_outside_their_sets_are_named, names_outside_their_sets_are_refused, store_one_of_each,
};
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

    fn stale_clients(&self) -> Arc<dyn oauth_apps_domain::StaleClientStore> {
        self.repo.clone()
    }

    fn registration_reads(&self) -> Arc<dyn oauth_apps_domain::RegistrationReads> {
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

    async fn purge_expired_assertions(&self, now: Timestamp) -> usize {
        self.repo
            .purge_expired_assertions(now)
            .await
            .expect("purge")
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

/// Statements that write a name outside the set of a column, with that column.
const NAMES_OUTSIDE_THEIR_SETS: [(&str, &str); 17] = [
    (
        "UPDATE oauth_applications SET app_type = 'daemon'",
        "app_type",
    ),
    (
        "UPDATE oauth_applications SET access_level = 'team'",
        "access_level",
    ),
    ("UPDATE oauth_applications SET status = 'deleted'", "status"),
    (
        "UPDATE oauth_applications SET token_endpoint_auth_method = 'client_secret_jwt'",
        "token_endpoint_auth_method",
    ),
    (
        "UPDATE oauth_applications SET grant_types = 'authorization_code' || char(10) || 'implicit'",
        "grant_types",
    ),
    ("UPDATE client_secrets SET state = 'expired'", "state"),
    ("UPDATE audit_events SET action = 'deleted'", "action"),
    (
        "UPDATE audit_events SET changed_fields = 'name' || char(10) || 'colour'",
        "changed_fields",
    ),
    (
        "INSERT INTO audit_events (application_id, action, actor, changed_fields, occurred_at) \
         SELECT application_id, action, actor, 'colour', occurred_at FROM audit_events",
        "changed_fields",
    ),
    (
        "INSERT INTO client_registrations (application_id, kind) \
         SELECT id, 'manual' FROM oauth_applications",
        "kind",
    ),
    (
        "UPDATE initial_access_tokens SET allowed_grant_types = 'password'",
        "allowed_grant_types",
    ),
    (
        "UPDATE initial_access_tokens SET allowed_auth_methods = 'client_secret_jwt'",
        "allowed_auth_methods",
    ),
    (
        "UPDATE organization_policies SET leaked_secret_action = 'ignore'",
        "leaked_secret_action",
    ),
    (
        "UPDATE organization_policies SET self_registration_grant_types = 'implicit'",
        "self_registration_grant_types",
    ),
    (
        "UPDATE organization_policies \
         SET self_registration_auth_methods = 'none' || char(10) || 'client_secret_jwt'",
        "self_registration_auth_methods",
    ),
    ("UPDATE webhook_deliveries SET status = 'lost'", "status"),
    (
        "INSERT INTO webhook_event_types (webhook_id, event_type) \
         SELECT id, 'application.deleted' FROM webhooks",
        "event_type",
    ),
];

#[tokio::test]
async fn the_database_refuses_names_outside_each_closed_set() {
    let f = fixture().await;
    let rows = store_one_of_each(&f).await;
    names_outside_their_sets_are_refused(&f, &rows, &NAMES_OUTSIDE_THEIR_SETS, async |sql| {
        f.conn().batch_execute(sql).map_err(|e| e.to_string())
    })
    .await;
}

/// Names outside their sets, written with the checks off (a list's trigger dropped):
/// `(write, undo, column, name)`.
const UNKNOWN_NAMES: [(&str, &str, &str, &str); 9] = [
    (
        "UPDATE oauth_applications SET app_type = 'daemon'",
        "UPDATE oauth_applications SET app_type = 'web'",
        "app_type",
        "daemon",
    ),
    (
        "DROP TRIGGER IF EXISTS oauth_applications_grant_types_update; \
         UPDATE oauth_applications SET grant_types = 'authorization_code' || char(10) || 'implicit'",
        "UPDATE oauth_applications SET grant_types = 'authorization_code'",
        "grant_types",
        "implicit",
    ),
    (
        "UPDATE client_secrets SET state = 'expired'",
        "UPDATE client_secrets SET state = 'current'",
        "state",
        "expired",
    ),
    (
        "UPDATE audit_events SET action = 'deleted'",
        "UPDATE audit_events SET action = 'created'",
        "action",
        "deleted",
    ),
    (
        "DROP TRIGGER IF EXISTS audit_events_changed_fields_update; \
         UPDATE audit_events SET changed_fields = 'name' || char(10) || 'colour'",
        "UPDATE audit_events SET changed_fields = 'name'",
        "changed_fields",
        "colour",
    ),
    (
        "UPDATE webhook_deliveries SET status = 'lost'",
        "UPDATE webhook_deliveries SET status = 'pending'",
        "status",
        "lost",
    ),
    (
        "UPDATE webhook_event_types SET event_type = 'application.deleted' \
         WHERE event_type = 'secret.rotated'",
        "UPDATE webhook_event_types SET event_type = 'secret.rotated' \
         WHERE event_type = 'application.deleted'",
        "event_type",
        "application.deleted",
    ),
    (
        "DROP TRIGGER IF EXISTS initial_access_tokens_allowed_auth_methods_update; \
         UPDATE initial_access_tokens SET allowed_auth_methods = 'client_secret_jwt'",
        "UPDATE initial_access_tokens SET allowed_auth_methods = ''",
        "allowed_auth_methods",
        "client_secret_jwt",
    ),
    (
        "UPDATE organization_policies SET leaked_secret_action = 'ignore'",
        "UPDATE organization_policies SET leaked_secret_action = 'notify'",
        "leaked_secret_action",
        "ignore",
    ),
];

#[tokio::test]
async fn a_stored_name_outside_its_set_is_an_error_naming_the_column_and_the_name() {
    let f = fixture().await;
    let rows = store_one_of_each(&f).await;
    names_outside_their_sets_are_named(&f, &rows, &UNKNOWN_NAMES, async |sql| {
        f.conn()
            .batch_execute(&format!("PRAGMA ignore_check_constraints = ON; {sql}"))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
    .await;
}
