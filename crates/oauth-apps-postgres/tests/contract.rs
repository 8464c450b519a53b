//! The repository contract suite on a real PostgreSQL server, a database per test.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_domain::{
    AppId, ApplicationArchive, ApplicationRepository, AuditAction, ClientId, RepositoryError,
};
use oauth_apps_postgres::{PgConfig, PgRepository, run_migrations};
use oauth_apps_test_support::contract::{at, event, new_app};
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
