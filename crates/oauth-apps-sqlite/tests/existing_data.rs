//! A file written before authentication methods and key sets (in the encoding the store
//! still uses: microseconds, lists as lines, client ids as text) migrates and opens with
//! every application, secret and audit event, ids kept, which the store then reads (as
//! `client_secret_basic`) and changes, key sets and key rotations included.

use diesel::connection::SimpleConnection;
use diesel::migration::{MigrationConnection, MigrationSource};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query};
use diesel_migrations::MigrationHarness;
use oauth_apps_domain::{
    AppId, ApplicationArchive, ApplicationRepository, AuditAction, AuditEvent, AuthMethod,
    ChangedField, ClientId, EventType, GracePeriod, Jwks, KeySource, OrgId, Sealed, SecretHash,
    Status, Timestamp, Webhook, WebhookId, WebhookRepository, WebhookUrl,
};
use oauth_apps_sqlite::{MIGRATIONS, SqliteConfig, SqliteRepository, run_migrations};
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::contract::{self, new_app};

/// The first migration that came with authentication methods and key sets.
const CLIENT_CREDENTIALS: &str = "2026-11-26-000001";

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

fn insert(conn: &mut SqliteConnection, sql: &str) -> i64 {
    sql_query(sql)
        .get_result::<Id>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .id
}

/// The first migration that gave webhooks' event types a table of their own.
const WEBHOOK_EVENT_TYPES: &str = "2026-12-08-000001";

/// The first migration that checks an event's changed fields.
const CHANGED_FIELDS_CHECK: &str = "2026-12-09-000001";

/// Runs the migrations that came before `first_new`.
fn migrate_to_the_old_schema(conn: &mut SqliteConnection, first_new: &str) {
    MigrationConnection::setup(conn).expect("the migrations table");
    let migrations = MigrationSource::<Sqlite>::migrations(&MIGRATIONS).expect("migrations");
    for migration in migrations {
        if migration.name().to_string().as_str() < first_new {
            conn.run_migration(&*migration).expect("an old migration");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_file_keeps_everything_and_the_store_carries_on() {
    let dir = TempDir::new();
    let config = SqliteConfig::new(dir.path().join("old.db"));
    let mut conn = SqliteConnection::establish(config.path.to_str().expect("utf-8")).expect("open");
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("foreign keys");
    migrate_to_the_old_schema(&mut conn, CLIENT_CREDENTIALS);

    // Rows as the adapter wrote them before.
    let client_id = ClientId::from_random_bytes([7; 16]);
    let created = Timestamp::parse_rfc3339("2026-01-01T00:00:00.123456Z").unwrap();
    let expires = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let app = insert(
        &mut conn,
        &format!(
            "INSERT INTO oauth_applications (client_id, owner_org_id, name, description, \
               app_type, redirect_urls, allowed_scopes, grant_types, access_level, status, \
               is_first_party, created_at, updated_at, version) \
             VALUES ('{client_id}', 'acme', 'Stored before', NULL, 'native', \
               'http://127.0.0.1/cb' || char(10) || 'com.example.app:/cb', 'read', \
               'authorization_code' || char(10) || 'refresh_token', 'user', 'revoked', 0, \
               {created}, {created}, 2) RETURNING id",
            created = created.unix_micros()
        ),
    );
    for (hash, state, expires, revoked) in [
        ("$argon2id$first", "revoked", "NULL".to_owned(), "5"),
        (
            "$argon2id$second",
            "previous",
            expires.unix_micros().to_string(),
            "NULL",
        ),
        ("$argon2id$third", "current", "NULL".to_owned(), "NULL"),
    ] {
        insert(
            &mut conn,
            &format!(
                "INSERT INTO client_secrets (application_id, secret_hash, state, created_at, \
                   expires_at, revoked_at) \
                 VALUES ({app}, '{hash}', '{state}', 1, {expires}, {revoked}) RETURNING id"
            ),
        );
    }
    let mut event_ids = Vec::new();
    for (action, fields) in [
        ("created", "'name'"),
        ("updated", "'name' || char(10) || 'redirect_urls'"),
    ] {
        event_ids.push(insert(
            &mut conn,
            &format!(
                "INSERT INTO audit_events (application_id, action, actor, request_id, \
                   client_request_id, changed_fields, occurred_at) \
                 VALUES ({app}, '{action}', 'alice', 'req-1', 'order 1', {fields}, 7) \
                 RETURNING id"
            ),
        ));
    }
    // Another application, deleted with its trail: the ids its events had are never given
    // again, across the rebuild of the audit trail's table.
    let gone = insert(
        &mut conn,
        "INSERT INTO oauth_applications (client_id, owner_org_id, name, app_type, access_level, \
           status, created_at, updated_at, version) \
         VALUES ('0b7f6c1e-2d7c-4a55-9a51-3f0e7c9d2a10', 'acme', 'Gone', 'web', 'user', \
           'active', 1, 1, 1) RETURNING id",
    );
    let gone_event = insert(
        &mut conn,
        &format!(
            "INSERT INTO audit_events (application_id, action, actor, changed_fields, \
               occurred_at) \
             VALUES ({gone}, 'created', 'alice', 'name', 8) RETURNING id"
        ),
    );
    sql_query("DELETE FROM oauth_applications WHERE id = ?")
        .bind::<BigInt, _>(gone)
        .execute(&mut conn)
        .expect("delete");

    run_migrations(&config).await.expect("the new migrations");
    let repo = SqliteRepository::new(&config).expect("pool");
    let stored = repo
        .find_by_client_id(&client_id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(stored.id().get(), app);
    assert_eq!(
        stored.profile().redirect_urls().iter().collect::<Vec<_>>(),
        ["http://127.0.0.1/cb", "com.example.app:/cb"]
    );
    assert_eq!(
        stored.profile().grant_types().iter().collect::<Vec<_>>(),
        ["authorization_code", "refresh_token"]
    );
    assert!(stored.is_disabled());
    assert_eq!(
        (stored.created_at(), stored.updated_at()),
        (created, created)
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
    assert_eq!(
        (
            previous.issued.credential.hash.as_phc(),
            previous.expires_at
        ),
        ("$argon2id$second", expires)
    );
    let trail = repo
        .list_events(stored.id(), None, 10)
        .await
        .expect("events");
    assert_eq!(
        trail.iter().map(|e| e.id).collect::<Vec<_>>(),
        [event_ids[1], event_ids[0]]
    );
    assert_eq!(
        trail[0].event.changed_fields,
        [ChangedField::Name, ChangedField::RedirectUrls]
    );
    assert_eq!(trail[0].event.client_request_id.as_deref(), Some("order 1"));
    assert_eq!(trail[0].event.at, Timestamp::from_unix_micros(7).unwrap());
    let exported = repo.export_after(0, 10).await.expect("export");
    assert_eq!(exported[0].application, stored);

    // The store changes it, written in the same encoding.
    let now = Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap();
    let enabled = stored.with_status(oauth_apps_domain::Status::Active, now);
    let rotated = enabled
        .rotated(
            SecretHash::new("$argon2id$fourth").unwrap(),
            None,
            GracePeriod::from_seconds(60).unwrap(),
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
        sql_query("SELECT state FROM client_secrets WHERE application_id = ? ORDER BY id")
            .bind::<BigInt, _>(app)
            .load(&mut conn)
            .expect("states");
    assert_eq!(
        states.iter().map(|s| s.state.as_str()).collect::<Vec<_>>(),
        ["revoked", "revoked", "previous", "current"]
    );
    #[derive(QueryableByName)]
    struct Raw {
        #[diesel(sql_type = Text)]
        client_id: String,
        #[diesel(sql_type = Text)]
        grant_types: String,
        #[diesel(sql_type = BigInt)]
        updated_at: i64,
    }
    let raw: Raw =
        sql_query("SELECT client_id, grant_types, updated_at FROM oauth_applications WHERE id = ?")
            .bind::<BigInt, _>(app)
            .get_result(&mut conn)
            .expect("raw row");
    assert_eq!(raw.client_id, client_id.to_string());
    assert_eq!(raw.grant_types, "authorization_code\nrefresh_token");
    assert_eq!(raw.updated_at, now.unix_micros());
    assert_eq!(
        repo.find_by_client_id(&client_id)
            .await
            .expect("find")
            .expect("kept"),
        rotated
    );

    // Keys registered ahead of a switch; the trail records the rotation under a new id.
    let later = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
    let jwks = Jwks::parse(
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
    )
    .unwrap();
    let keyed = rotated
        .with_rotated_keys(KeySource::Inline(jwks), GracePeriod::NONE, later)
        .expect("active");
    let keys_rotated = AuditEvent {
        action: AuditAction::KeysRotated,
        changed_fields: vec![ChangedField::Jwks],
        at: later,
        ..event
    };
    repo.update(&keyed, rotated.version(), &keys_rotated)
        .await
        .expect("update");
    assert_eq!(
        repo.find_by_client_id(&client_id)
            .await
            .expect("find")
            .expect("kept"),
        keyed
    );
    let trail = repo
        .list_events(keyed.id(), None, 10)
        .await
        .expect("events");
    assert_eq!(
        trail.iter().map(|e| e.event.action).collect::<Vec<_>>(),
        [
            AuditAction::KeysRotated,
            AuditAction::SecretRotated,
            AuditAction::Updated,
            AuditAction::Created
        ]
    );
    assert_eq!(
        trail[2..].iter().map(|e| e.id).collect::<Vec<_>>(),
        [event_ids[1], event_ids[0]]
    );
    // The first event written after the migration.
    assert!(
        trail[1].id > gone_event,
        "{} after {gone_event}",
        trail[1].id
    );
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
    let dir = TempDir::new();
    let config = SqliteConfig::new(dir.path().join("old.db"));
    let mut conn = SqliteConnection::establish(config.path.to_str().expect("utf-8")).expect("open");
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("foreign keys");
    migrate_to_the_old_schema(&mut conn, WEBHOOK_EVENT_TYPES);
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
             VALUES ('{id}', 'acme', 'https://hooks.acme.example/{id}', {events}, X'010203', \
               'alice', 1, 2, 3)"
        ))
        .execute(&mut conn)
        .expect("an old webhook");
    }

    run_migrations(&config).await.expect("the new migrations");
    let repo = SqliteRepository::new(&config).expect("pool");
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
            created_at: Timestamp::from_unix_micros(1).unwrap(),
            updated_at: Timestamp::from_unix_micros(2).unwrap(),
            version: 3,
        };
        assert_eq!(repo.find_webhook(id).await.expect("find"), Some(expected));
    }
    let moved: Vec<EventTypeRow> = sql_query(
        "SELECT webhook_id, event_type FROM webhook_event_types ORDER BY webhook_id, event_type",
    )
    .load(&mut conn)
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
    let dir = TempDir::new();
    let config = SqliteConfig::new(dir.path().join("old.db"));
    let mut conn = SqliteConnection::establish(config.path.to_str().expect("utf-8")).expect("open");
    migrate_to_the_old_schema(&mut conn, CHANGED_FIELDS_CHECK);
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
             VALUES ('{client_id}', 'acme', 'Checked', 'web', 'https://a.example/cb', \
               'organization', 'revoked', 1, 2, 2) RETURNING id"
        ),
    );
    let names: Vec<&str> = then.iter().map(|f| f.as_str()).collect();
    for (action, fields, at) in [
        ("created", names.join("\n"), 1),
        ("disabled", String::new(), 2),
    ] {
        insert(
            &mut conn,
            &format!(
                "INSERT INTO audit_events (application_id, action, actor, changed_fields, \
                   occurred_at) \
                 VALUES ({app_id}, '{action}', 'alice', '{}', {at}) RETURNING id",
                fields.replace('\n', "' || char(10) || '")
            ),
        );
    }
    let app = AppId::new(app_id).expect("an id");
    run_migrations(&config).await.expect("the new migrations");
    let repo = SqliteRepository::new(&config).expect("pool");
    let before = repo.list_events(app, None, 10).await.expect("the trail");
    assert_eq!(before.len(), 2);
    assert_eq!(before[1].event.changed_fields, then);
    assert!(before[0].event.changed_fields.is_empty());

    for statement in [
        "INSERT INTO audit_events (application_id, action, actor, changed_fields, occurred_at) \
         SELECT application_id, action, actor, 'name' || char(10) || 'colour', occurred_at \
         FROM audit_events",
        "UPDATE audit_events SET changed_fields = 'colour'",
        "UPDATE audit_events SET changed_fields = 'name' || char(10)",
    ] {
        let error = conn
            .batch_execute(statement)
            .expect_err("an unknown name accepted");
        assert_eq!(
            error.to_string(),
            "CHECK constraint failed: changed_fields",
            "{statement}"
        );
    }
    assert_eq!(
        repo.list_events(app, None, 10).await.expect("the trail"),
        before
    );
}
