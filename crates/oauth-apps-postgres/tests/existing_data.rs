//! A database written before the store was shared (identities generated always) and
//! before authentication methods and key sets migrates and keeps every application,
//! secret and audit event, which the store then reads (as `client_secret_basic`) and
//! changes, key sets and key rotations included.

use diesel::migration::{MigrationConnection, MigrationSource};
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::MigrationHarness;
use oauth_apps_domain::{
    AppName, ApplicationArchive, ApplicationRepository, AuditAction, AuditEvent, AuthMethod,
    ChangedField, ClientId, Credentials, EventType, GracePeriod, JwksUri, KeySource,
    NewApplication, OrgId, Profile, Sealed, Secret, SecretHash, Secrets, Status, Timestamp,
    Webhook, WebhookId, WebhookRepository, WebhookUrl,
};
use oauth_apps_postgres::{MIGRATIONS, PgConfig, PgRepository, run_migrations};
use oauth_apps_test_support::contract::{self, new_app};
use oauth_apps_test_support::pg::TestDatabase;

/// The first migration that came with the shared store.
const SHARED_STORE: &str = "2026-11-25-000001";

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct State {
    #[diesel(sql_type = Text)]
    state: String,
}

/// The first migration that gave webhooks' event types a table of their own.
const WEBHOOK_EVENT_TYPES: &str = "2026-12-08-000001";

/// The first migration that checks an event's changed fields.
const CHANGED_FIELDS_CHECK: &str = "2026-12-09-000001";

/// Runs the migrations that came before `first_new`.
async fn migrate_to_the_old_schema(url: &str, first_new: &'static str) {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .expect("connect");
        MigrationConnection::setup(&mut conn).expect("the migrations table");
        let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).expect("migrations");
        for migration in migrations {
            if migration.name().to_string().as_str() < first_new {
                conn.run_migration(&*migration).expect("an old migration");
            }
        }
    })
    .await
    .expect("migrating");
}

async fn insert(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    sql_query(sql)
        .get_result::<Id>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_database_keeps_everything_and_the_store_carries_on() {
    let db = TestDatabase::create("empty", |_| async { Ok(()) }).await;
    migrate_to_the_old_schema(db.url(), SHARED_STORE).await;

    // Rows as the adapter wrote them before: identities generated always.
    let client_id = ClientId::from_random_bytes([7; 16]);
    let mut conn = AsyncPgConnection::establish(db.url())
        .await
        .expect("connect");
    let app = insert(
        &mut conn,
        &format!(
            "INSERT INTO oauth_applications (client_id, owner_org_id, name, description, \
               app_type, redirect_urls, allowed_scopes, grant_types, access_level, status, \
               is_first_party, created_at, updated_at, version) \
             VALUES ('{client_id}', 'acme', 'Stored before', 'kept', 'web', \
               ARRAY['https://app.example.com/cb'], ARRAY['read', 'retired:scope'], \
               ARRAY['authorization_code', 'refresh_token'], 'organization', 'active', TRUE, \
               '2026-01-01T00:00:00.123456Z', '2026-01-02T00:00:00Z', 3) RETURNING id"
        ),
    )
    .await;
    for (hash, state, expires, revoked) in [
        (
            "$argon2id$first",
            "revoked",
            "NULL",
            "'2026-01-01T12:00:00Z'",
        ),
        (
            "$argon2id$second",
            "previous",
            "'2030-01-01T00:00:00Z'",
            "NULL",
        ),
        ("$argon2id$third", "current", "NULL", "NULL"),
    ] {
        insert(
            &mut conn,
            &format!(
                "INSERT INTO client_secrets (application_id, secret_hash, state, created_at, \
                   expires_at, revoked_at) \
                 VALUES ({app}, '{hash}', '{state}', '2026-01-01T00:00:00Z', {expires}, \
                   {revoked}) RETURNING id"
            ),
        )
        .await;
    }
    let mut event_ids = Vec::new();
    for (action, fields) in [
        ("created", "ARRAY['name']"),
        ("secret_rotated", "ARRAY['secret']"),
    ] {
        event_ids.push(
            insert(
                &mut conn,
                &format!(
                    "INSERT INTO audit_events (application_id, action, actor, request_id, \
                       changed_fields, occurred_at) \
                     VALUES ({app}, '{action}', 'alice', 'req-1', {fields}, \
                       '2026-01-02T00:00:00Z') RETURNING id"
                ),
            )
            .await,
        );
    }

    run_migrations(db.url()).await.expect("the new migrations");
    let repo = PgRepository::new(&PgConfig::new(db.url())).expect("pool");

    // Everything is there, as it was.
    let stored = repo
        .find_by_client_id(&client_id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(stored.id().get(), app);
    assert_eq!(stored.profile().name().as_str(), "Stored before");
    assert_eq!(
        stored.profile().allowed_scopes().iter().collect::<Vec<_>>(),
        ["read", "retired:scope"]
    );
    assert!(stored.is_first_party());
    assert_eq!(stored.version().get(), 3);
    assert_eq!(
        stored.created_at(),
        Timestamp::parse_rfc3339("2026-01-01T00:00:00.123456Z").unwrap()
    );
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretBasic);
    assert!(stored.keys().is_none());
    let secrets = stored.secrets().expect("its secrets");
    assert_eq!(
        secrets.current().credential.hash.as_phc(),
        "$argon2id$third"
    );
    // Secrets stored before serials are numbered in the order they were issued, and have
    // no hint and no recorded use.
    assert_eq!(secrets.current().serial.get(), 3);
    assert_eq!(secrets.current().credential.hint, None);
    assert_eq!(secrets.current().last_used_at, None);
    let previous = secrets.previous().expect("the previous secret");
    assert_eq!(previous.issued.serial.get(), 2);
    assert_eq!(previous.issued.credential.hash.as_phc(), "$argon2id$second");
    assert_eq!(
        previous.expires_at,
        Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap()
    );
    let trail = repo
        .list_events(stored.id(), None, 10)
        .await
        .expect("events");
    assert_eq!(
        trail.iter().map(|e| e.id).collect::<Vec<_>>(),
        [event_ids[1], event_ids[0]]
    );
    assert_eq!(trail[0].event.action, AuditAction::SecretRotated);
    assert_eq!(trail[0].event.changed_fields, [ChangedField::Secret]);
    let exported = repo.export_after(0, 10).await.expect("export");
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].application, stored);

    // The store changes it and adds to it.
    let now = Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap();
    let rotated = stored
        .rotated(
            SecretHash::new("$argon2id$fourth").unwrap(),
            None,
            GracePeriod::NONE,
            now,
        )
        .expect("active");
    let event = AuditEvent {
        action: AuditAction::SecretRotated,
        actor: "bob".into(),
        request_id: None,
        client_request_id: None,
        changed_fields: vec![ChangedField::Secret],
        at: now,
    };
    repo.update(&rotated, stored.version(), &event)
        .await
        .expect("update");
    let states: Vec<State> =
        sql_query("SELECT state FROM client_secrets WHERE application_id = $1 ORDER BY id")
            .bind::<BigInt, _>(app)
            .load(&mut conn)
            .await
            .expect("states");
    assert_eq!(
        states.iter().map(|s| s.state.as_str()).collect::<Vec<_>>(),
        ["revoked", "revoked", "revoked", "current"]
    );
    let renamed = Profile::new(
        stored.app_type(),
        AppName::parse("New").unwrap(),
        None,
        stored.profile().redirect_urls().clone(),
        stored.profile().allowed_scopes().clone(),
        stored.profile().grant_types().clone(),
        stored.profile().access_level(),
    )
    .expect("valid");
    let new = NewApplication::new(
        ClientId::from_random_bytes([8; 16]),
        stored.owner_org_id().clone(),
        stored.app_type(),
        renamed,
        false,
        Credentials::secret(Secrets::new(Secret::first(
            SecretHash::new("$argon2id$new").unwrap(),
            None,
            now,
        ))),
        now,
    );
    let created = AuditEvent {
        action: AuditAction::Created,
        ..event
    };
    let id = repo.insert(&new, &created).await.expect("insert");
    assert!(id.get() > app);
    let trail = repo.list_events(id, None, 10).await.expect("events");
    assert!(trail[0].id > event_ids[1]);

    // The old application gets keys ahead of a switch; the trail records the rotation.
    let later = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
    let uri = JwksUri::parse("https://client.example/jwks").unwrap();
    let keyed = rotated
        .with_rotated_keys(KeySource::Remote(uri), GracePeriod::NONE, later)
        .expect("active");
    let keys_rotated = AuditEvent {
        action: AuditAction::KeysRotated,
        changed_fields: vec![ChangedField::JwksUri],
        at: later,
        ..created
    };
    repo.update(&keyed, rotated.version(), &keys_rotated)
        .await
        .expect("update");
    let stored = repo
        .find_by_client_id(&client_id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(stored, keyed);
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretBasic);
    let trail = repo
        .list_events(stored.id(), None, 1)
        .await
        .expect("events");
    assert_eq!(trail[0].event.action, AuditAction::KeysRotated);
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct EventTypeRow {
    #[diesel(sql_type = Text)]
    webhook_id: String,
    #[diesel(sql_type = Text)]
    event_type: String,
}

/// A webhook stored while its event types were a comma-joined column hears the same
/// types once they have a table of their own: every type (no list), or those it named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_stored_before_their_event_types_had_a_table_hear_the_same() {
    let db = TestDatabase::create("empty", |_| async { Ok(()) }).await;
    migrate_to_the_old_schema(db.url(), WEBHOOK_EVENT_TYPES).await;
    let mut conn = AsyncPgConnection::establish(db.url())
        .await
        .expect("connect");
    let every = WebhookId::from_random_bytes([1; 16]);
    let some = WebhookId::from_random_bytes([2; 16]);
    let one = WebhookId::from_random_bytes([3; 16]);
    for (id, events) in [
        (every, "NULL"),
        (some, "',application.created,secret.rotated,'"),
        (one, "',application.disabled,'"),
    ] {
        sql_query(format!(
            "INSERT INTO webhooks (id, owner_org_id, url, event_types, secret, created_by, \
               created_at, updated_at, version) \
             VALUES ('{id}', 'acme', 'https://hooks.acme.example/{id}', {events}, \
               '\\x010203', 'alice', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 3)"
        ))
        .execute(&mut conn)
        .await
        .expect("an old webhook");
    }

    run_migrations(db.url()).await.expect("the new migrations");
    let repo = PgRepository::new(&PgConfig::new(db.url())).expect("pool");
    for (id, events) in [
        (every, None),
        (
            some,
            Some(vec![
                EventType::ApplicationCreated,
                EventType::SecretRotated,
            ]),
        ),
        (one, Some(vec![EventType::ApplicationDisabled])),
    ] {
        let expected = Webhook {
            id,
            owner_org_id: OrgId::parse("acme").unwrap(),
            url: WebhookUrl::restore(format!("https://hooks.acme.example/{id}")).unwrap(),
            events,
            secret: Sealed(vec![1, 2, 3]),
            previous_secret: None,
            created_by: "alice".into(),
            created_at: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
            updated_at: Timestamp::parse_rfc3339("2026-01-02T00:00:00Z").unwrap(),
            version: 3,
        };
        assert_eq!(repo.find_webhook(id).await.expect("find"), Some(expected));
    }
    let moved: Vec<EventTypeRow> = sql_query(
        "SELECT webhook_id::text AS webhook_id, event_type FROM webhook_event_types \
         ORDER BY webhook_id, event_type",
    )
    .load(&mut conn)
    .await
    .expect("the lists' rows");
    let row = |id: WebhookId, event_type: &str| EventTypeRow {
        webhook_id: id.to_string(),
        event_type: event_type.into(),
    };
    assert_eq!(
        moved,
        [
            row(some, "application.created"),
            row(some, "secret.rotated"),
            row(one, "application.disabled"),
        ]
    );

    // Each write's deliveries go to the webhooks that hear its type.
    let new = new_app("acme", "Heard", contract::at(10));
    let id = repo
        .insert(
            &new,
            &contract::event(AuditAction::Created, contract::at(10)),
        )
        .await
        .expect("insert");
    let app = new.with_id(id);
    let disabled = app.with_status(Status::Revoked, contract::at(11));
    repo.update(
        &disabled,
        app.version(),
        &contract::event(AuditAction::Disabled, contract::at(11)),
    )
    .await
    .expect("disable");
    for (hook, heard) in [
        (
            every,
            vec![
                EventType::ApplicationDisabled,
                EventType::ApplicationCreated,
            ],
        ),
        (some, vec![EventType::ApplicationCreated]),
        (one, vec![EventType::ApplicationDisabled]),
    ] {
        let deliveries = repo.deliveries(hook, None, 10).await.expect("deliveries");
        assert_eq!(
            deliveries.iter().map(|d| d.event_type).collect::<Vec<_>>(),
            heard
        );
    }
}

/// Events stored before their changed fields were checked keep them, every name of the
/// set included; from then on the database refuses a name outside the set, on insert and
/// on update, and keeps what was there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_keep_their_changed_fields_and_unknown_names_are_refused_from_then_on() {
    let db = TestDatabase::create("empty", |_| async { Ok(()) }).await;
    migrate_to_the_old_schema(db.url(), CHANGED_FIELDS_CHECK).await;
    let mut conn = AsyncPgConnection::establish(db.url())
        .await
        .expect("connect");
    // Rows as the adapter wrote them then: an application and two events, one naming
    // every field there was (the set as it stood), one naming none.
    let then: Vec<ChangedField> = ChangedField::ALL
        .into_iter()
        .take_while(|f| *f != ChangedField::DpopBoundAccessTokens)
        .collect();
    let client_id = ClientId::from_random_bytes([9; 16]);
    let app_id = insert(
        &mut conn,
        &format!(
            "INSERT INTO oauth_applications (client_id, owner_org_id, name, app_type, \
               redirect_urls, access_level, status, created_at, updated_at, version) \
             VALUES ('{client_id}', 'acme', 'Checked', 'web', ARRAY['https://a.example/cb'], \
               'organization', 'revoked', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 2) \
             RETURNING id"
        ),
    )
    .await;
    let names: Vec<String> = then.iter().map(|f| format!("'{}'", f.as_str())).collect();
    for (action, fields, at) in [
        (
            "created",
            format!("ARRAY[{}]::TEXT[]", names.join(", ")),
            "00",
        ),
        ("disabled", "ARRAY[]::TEXT[]".to_owned(), "01"),
    ] {
        insert(
            &mut conn,
            &format!(
                "INSERT INTO audit_events (application_id, action, actor, changed_fields, \
                   occurred_at) \
                 VALUES ({app_id}, '{action}', 'alice', {fields}, \
                   '2026-01-01T00:00:{at}Z') RETURNING id"
            ),
        )
        .await;
    }
    let app = oauth_apps_domain::AppId::new(app_id).expect("an id");
    run_migrations(db.url()).await.expect("the new migrations");
    let repo = PgRepository::new(&PgConfig::new(db.url())).expect("pool");
    let before = repo.list_events(app, None, 10).await.expect("the trail");
    assert_eq!(before.len(), 2);
    assert_eq!(before[1].event.changed_fields, then);
    assert!(before[0].event.changed_fields.is_empty());

    for statement in [
        "INSERT INTO audit_events (application_id, action, actor, changed_fields, occurred_at) \
         SELECT application_id, action, actor, ARRAY['name', 'colour'], occurred_at \
         FROM audit_events",
        "UPDATE audit_events SET changed_fields = ARRAY['colour']",
        "UPDATE audit_events SET changed_fields = ARRAY['name', '']",
    ] {
        let error = conn
            .batch_execute(statement)
            .await
            .expect_err("an unknown name accepted");
        assert!(
            error
                .to_string()
                .contains("violates check constraint \"audit_events_changed_fields_check\""),
            "{statement}: {error}"
        );
    }
    assert_eq!(
        repo.list_events(app, None, 10).await.expect("the trail"),
        before
    );
}
