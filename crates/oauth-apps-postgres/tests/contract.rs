//! The repository contract suite on a real PostgreSQL server, a database per test.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use oauth_apps_domain::{
    AppId, AppType, ApplicationArchive, ApplicationRepository, AuditAction, ClientId, EventFeed,
    IdempotencyStore, InitialAccessTokenRepository, OrganizationPolicies, ReplayGuard,
    RepositoryError, SecretLifecycleStore, Timestamp, WebhookRepository,
};
use oauth_apps_postgres::{PgConfig, PgRepository, listen_for_changes, run_migrations};
use oauth_apps_test_support::closed_sets::{
    names_outside_their_sets_are_named, names_outside_their_sets_are_refused, store_one_of_each,
};
use oauth_apps_test_support::contract::{
    at, event, inline, key_credentials, new_app, new_app_with,
};
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};
use oauth_apps_test_support::{Fixture, repository_contract_tests};

struct PgFixture {
    repo: Arc<PgRepository>,
    db: TestDatabase,
}

async fn database() -> TestDatabase {
    let key = fingerprint(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"));
    TestDatabase::create(&key, |url| async move {
        run_migrations(&url).await.map_err(|e| e.to_string())
    })
    .await
}

async fn fixture() -> PgFixture {
    let db = database().await;
    let repo = Arc::new(PgRepository::new(&PgConfig::new(db.url())).expect("pool"));
    PgFixture { repo, db }
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

impl PgFixture {
    async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(self.db.url())
            .await
            .expect("connect")
    }
}

#[async_trait]
impl Fixture for PgFixture {
    fn repository(&self) -> Arc<dyn ApplicationRepository> {
        self.repo.clone()
    }

    fn archive(&self) -> Arc<dyn ApplicationArchive> {
        self.repo.clone()
    }

    async fn audit_event_count(&self, app: AppId) -> usize {
        let count: Count =
            sql_query("SELECT count(*) AS n FROM audit_events WHERE application_id = $1")
                .bind::<BigInt, _>(app.get())
                .get_result(&mut self.conn().await)
                .await
                .expect("count");
        usize::try_from(count.n).expect("non-negative")
    }

    async fn secret_states(&self, app: AppId) -> Vec<String> {
        let states: Vec<State> =
            sql_query("SELECT state FROM client_secrets WHERE application_id = $1 ORDER BY id")
                .bind::<BigInt, _>(app.get())
                .load(&mut self.conn().await)
                .await
                .expect("states");
        states.into_iter().map(|s| s.state).collect()
    }

    async fn key_set_states(&self, app: AppId) -> Vec<String> {
        let states: Vec<State> =
            sql_query("SELECT state FROM client_key_sets WHERE application_id = $1 ORDER BY id")
                .bind::<BigInt, _>(app.get())
                .load(&mut self.conn().await)
                .await
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
        Arc::new(PgRepository::new(&PgConfig::new(self.db.url())).expect("pool"))
    }

    fn replay_guard(&self) -> Arc<dyn ReplayGuard> {
        self.repo.clone()
    }

    fn other_replica(&self) -> Arc<dyn ReplayGuard> {
        Arc::new(PgRepository::new(&PgConfig::new(self.db.url())).expect("pool"))
    }

    async fn purge_expired_assertions(&self, now: Timestamp) -> usize {
        self.repo
            .purge_expired_assertions(now)
            .await
            .expect("purge")
    }

    async fn assertion_records(&self) -> usize {
        let count: Count = sql_query("SELECT count(*) AS n FROM assertion_jtis")
            .get_result(&mut self.conn().await)
            .await
            .expect("count");
        usize::try_from(count.n).expect("non-negative")
    }
}

repository_contract_tests!(fixture);

#[tokio::test]
async fn migrations_run_again_as_a_no_op() {
    let db = database().await;
    run_migrations(db.url()).await.expect("already migrated");
    let repo = PgRepository::new(&PgConfig::new(db.url())).expect("pool");
    repo.ping().await.expect("reachable");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // Nothing listens on port 1.
    let mut config = PgConfig::new("postgres://postgres@127.0.0.1:1/none");
    config.acquire_timeout = std::time::Duration::from_secs(2);
    let repo = PgRepository::new(&config).expect("pool");
    let id = ClientId::from_random_bytes([1; 16]);
    let err = repo.find_by_client_id(&id).await.unwrap_err();
    assert!(matches!(err, RepositoryError::Unavailable(_)), "{err:?}");
    assert!(matches!(
        repo.ping().await,
        Err(RepositoryError::Unavailable(_))
    ));
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
         VALUES ($1, '$argon2id$x', 'current', now())",
    )
    .bind::<BigInt, _>(app.get())
    .execute(&mut f.conn().await)
    .await;
    assert!(result.is_err(), "a second current secret was accepted");
    assert_eq!(f.secret_states(app).await, ["current"]);
}

/// The statements that must fail on application `$1`'s key sets, with what they break.
const BROKEN_KEY_SETS: [(&str, &str); 6] = [
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at) \
         VALUES ($1, 'current', 'https://client.example/second', now())",
        "a second current key set",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks, jwks_uri, created_at, \
           expires_at) \
         VALUES ($1, 'previous', '{\"keys\":[]}', 'https://client.example/both', now(), now())",
        "both jwks and jwks_uri",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, created_at, expires_at) \
         VALUES ($1, 'previous', now(), now())",
        "neither jwks nor jwks_uri",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at) \
         VALUES ($1, 'previous', 'https://client.example/old', now())",
        "a previous key set without its expiry",
    ),
    (
        "INSERT INTO client_key_sets (application_id, state, jwks_uri, created_at, expires_at) \
         VALUES ($1, 'revoked', 'https://client.example/old', now(), now())",
        "a key set state other than current and previous",
    ),
    (
        "UPDATE oauth_applications SET token_endpoint_auth_method = 'client_secret_jwt' \
         WHERE id = $1",
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
            .execute(&mut f.conn().await)
            .await;
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

/// A key set changed on its own (by hand, say) is announced to the replicas' caches like
/// a change of the application, and so is one deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_changed_on_its_own_is_announced() {
    let f = fixture().await;
    let new = new_app_with(
        "acme",
        "Announced keys",
        AppType::Web,
        key_credentials(inline(&["k1"]), at(1)),
        at(1),
    );
    let app = f
        .repo
        .insert(&new, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (listening, mut ready) = tokio::sync::watch::channel(false);
    let listener = tokio::spawn(listen_for_changes(
        f.db.url().to_owned(),
        move |client_id| {
            let _ = changed.send(client_id.to_owned());
        },
        move |on| {
            let _ = listening.send(on);
        },
    ));
    tokio::time::timeout(Duration::from_secs(10), ready.wait_for(|on| *on))
        .await
        .expect("listening in time")
        .expect("the listener runs");
    let expected = new.client_id().to_string();
    for statement in [
        "UPDATE client_key_sets SET jwks = NULL, jwks_uri = 'https://client.example/jwks' \
         WHERE application_id = $1",
        "DELETE FROM client_key_sets WHERE application_id = $1",
    ] {
        sql_query(statement)
            .bind::<BigInt, _>(app.get())
            .execute(&mut f.conn().await)
            .await
            .expect("a change by hand");
        let announced = tokio::time::timeout(Duration::from_secs(10), changes.recv())
            .await
            .expect("announced in time")
            .expect("the listener runs");
        assert_eq!(announced, expected, "{statement}");
    }
    listener.abort();
}

/// Statements that write a name outside the set of a column, with the column (the check
/// that refuses it is named after it).
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
        "UPDATE oauth_applications SET grant_types = ARRAY['authorization_code', 'implicit']",
        "grant_types",
    ),
    ("UPDATE client_secrets SET state = 'expired'", "state"),
    ("UPDATE audit_events SET action = 'deleted'", "action"),
    (
        "UPDATE audit_events SET changed_fields = ARRAY['name', 'colour']",
        "changed_fields",
    ),
    (
        "INSERT INTO audit_events (application_id, action, actor, changed_fields, occurred_at) \
         SELECT application_id, action, actor, ARRAY['colour'], occurred_at FROM audit_events",
        "changed_fields",
    ),
    (
        "INSERT INTO client_registrations (application_id, kind) \
         SELECT id, 'manual' FROM oauth_applications",
        "kind",
    ),
    (
        "UPDATE initial_access_tokens SET allowed_grant_types = ARRAY['password']",
        "allowed_grant_types",
    ),
    (
        "UPDATE initial_access_tokens SET allowed_auth_methods = ARRAY['client_secret_jwt']",
        "allowed_auth_methods",
    ),
    (
        "UPDATE organization_policies SET leaked_secret_action = 'ignore'",
        "action",
    ),
    (
        "UPDATE organization_policies SET self_registration_grant_types = ARRAY['implicit']",
        "self_registration_grant_types",
    ),
    (
        "UPDATE organization_policies \
         SET self_registration_auth_methods = ARRAY['none', 'client_secret_jwt']",
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
        f.conn()
            .await
            .batch_execute(sql)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
}

/// Names outside their sets, written with the column's check dropped:
/// `(write, undo, column, name)`.
const UNKNOWN_NAMES: [(&str, &str, &str, &str); 9] = [
    (
        "ALTER TABLE oauth_applications DROP CONSTRAINT oauth_applications_app_type_check; \
         UPDATE oauth_applications SET app_type = 'daemon'",
        "UPDATE oauth_applications SET app_type = 'web'",
        "app_type",
        "daemon",
    ),
    (
        "ALTER TABLE oauth_applications DROP CONSTRAINT oauth_applications_grant_types_check; \
         UPDATE oauth_applications SET grant_types = ARRAY['authorization_code', 'implicit']",
        "UPDATE oauth_applications SET grant_types = ARRAY['authorization_code']",
        "grant_types",
        "implicit",
    ),
    (
        "ALTER TABLE client_secrets DROP CONSTRAINT client_secrets_state_check; \
         UPDATE client_secrets SET state = 'expired'",
        "UPDATE client_secrets SET state = 'current'",
        "state",
        "expired",
    ),
    (
        "ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check; \
         UPDATE audit_events SET action = 'deleted'",
        "UPDATE audit_events SET action = 'created'",
        "action",
        "deleted",
    ),
    (
        "ALTER TABLE audit_events DROP CONSTRAINT audit_events_changed_fields_check; \
         UPDATE audit_events SET changed_fields = ARRAY['name', 'colour']",
        "UPDATE audit_events SET changed_fields = ARRAY['name']",
        "changed_fields",
        "colour",
    ),
    (
        "ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check; \
         UPDATE webhook_deliveries SET status = 'lost'",
        "UPDATE webhook_deliveries SET status = 'pending'",
        "status",
        "lost",
    ),
    (
        "ALTER TABLE webhook_event_types DROP CONSTRAINT webhook_event_types_event_type_check; \
         UPDATE webhook_event_types SET event_type = 'application.deleted' \
         WHERE event_type = 'secret.rotated'",
        "UPDATE webhook_event_types SET event_type = 'secret.rotated' \
         WHERE event_type = 'application.deleted'",
        "event_type",
        "application.deleted",
    ),
    (
        "ALTER TABLE initial_access_tokens \
           DROP CONSTRAINT IF EXISTS initial_access_tokens_allowed_auth_methods_check; \
         UPDATE initial_access_tokens SET allowed_auth_methods = ARRAY['client_secret_jwt']",
        "UPDATE initial_access_tokens SET allowed_auth_methods = '{}'",
        "allowed_auth_methods",
        "client_secret_jwt",
    ),
    (
        "ALTER TABLE organization_policies DROP CONSTRAINT organization_policies_action_check; \
         UPDATE organization_policies SET leaked_secret_action = 'ignore'",
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
            .await
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
    .await;
}
