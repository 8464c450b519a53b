//! `oauth-apps export` and `import` between SQLite and PostgreSQL, both ways: every
//! field, secret hash, expiry, authentication method, key set and audit event moves; the
//! bytes exported again from the target are the bytes exported from the source (same
//! SHA-256); every client secret still authenticates; an export written before methods and
//! key sets still imports; a bad line or a non-empty target writes nothing.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

mod processes;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use awc::Client;
use oauth_apps_domain::{
    AppType, ApplicationArchive, ApplicationRepository, AuditAction, AuthMethod, ChangedField,
    CredentialSerial, Credentials, GracePeriod, KeySet, KeySets, OAuthApplication, Secret, Secrets,
};
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository};
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::contract::{
    at, event, hash, inline, key_credentials, new_app_with, remote,
};
use processes::{Server, call, migrated_database, register, wait_ready};
use serde_json::{Value, json};

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).finish()
}

/// Runs `oauth-apps <command>` on `database_url` with `input`; (status, stdout, stderr).
fn run(command: &str, database_url: &str, input: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .arg(command)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sha256_in(stderr: &str) -> String {
    stderr
        .split("sha256 ")
        .nth(1)
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| panic!("no checksum in {stderr:?}"))
}

/// Fills the store behind `base` with applications in every state; returns the
/// credentials that must keep working: (client id, secret).
async fn fill(client: &Client, base: &str) -> Vec<(String, String)> {
    let apps = format!("{base}/api/oauth-applications");
    let bodies = [
        json!({"ownerOrgId": "acme", "name": "Web", "type": "web",
               "redirectUrls": ["https://a.example/cb", "https://a.example/cb2"],
               "grantTypes": ["authorization_code", "refresh_token", "client_credentials"],
               "allowedScopes": ["read", "write"], "description": "with a description"}),
        json!({"ownerOrgId": "acme", "name": "Native", "type": "native",
               "redirectUrls": ["http://127.0.0.1/cb", "com.example.app:/cb"]}),
        json!({"ownerOrgId": "beta", "name": "Device", "type": "public",
               "redirectUrls": [], "grantTypes": ["urn:ietf:params:oauth:grant-type:device_code"],
               "accessLevel": "user", "isFirstParty": true}),
    ];
    let mut credentials = Vec::new();
    for body in &bodies {
        let created = register(client, base, body).await;
        credentials.push((created.client_id, created.secret));
    }
    // A rename, a rotation with a day of grace (both secrets work), a disable + enable.
    let first = format!("{apps}/{}", credentials[0].0);
    let renamed = call(
        client,
        "PATCH",
        &first,
        Some(&json!({"name": "Web, renamed"})),
    )
    .await;
    assert_eq!(renamed.status, 200);
    let rotated = call(
        client,
        "POST",
        &format!("{first}/rotate-secret"),
        Some(&json!({"gracePeriodSeconds": 86400})),
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.raw);
    credentials.push((
        credentials[0].0.clone(),
        rotated.body["clientSecret"].as_str().unwrap().to_owned(),
    ));
    let second = format!("{apps}/{}", credentials[1].0);
    assert_eq!(call(client, "DELETE", &second, None).await.status, 200);
    assert_eq!(
        call(client, "POST", &format!("{second}/enable"), None)
            .await
            .status,
        200
    );
    credentials
}

async fn all_authenticate(client: &Client, base: &str, credentials: &[(String, String)]) {
    for (client_id, secret) in credentials {
        let answer = call(
            client,
            "POST",
            &format!("{base}/api/client-authentication"),
            Some(&json!({"clientId": client_id, "clientSecret": secret})),
        )
        .await;
        assert_eq!(answer.body["valid"], true, "{client_id}: {}", answer.raw);
    }
}

async fn views(client: &Client, base: &str, credentials: &[(String, String)]) -> Vec<Value> {
    let mut out = Vec::new();
    for (client_id, _) in credentials {
        let app = format!("{base}/api/oauth-applications/{client_id}");
        out.push(call(client, "GET", &app, None).await.body);
        out.push(
            call(client, "GET", &format!("{app}/events"), None)
                .await
                .body,
        );
    }
    out
}

#[actix_web::test]
async fn sqlite_to_postgres_and_back_keeps_everything() {
    let client = client();
    let dir = TempDir::new();
    let sqlite = format!("sqlite://{}", dir.path().join("apps.db").display());
    let pg = migrated_database().await;

    // Source: SQLite, filled through the API.
    let (credentials, before) = {
        let server = Server::start(&sqlite, &[]);
        wait_ready(&client, &server.base, Duration::from_secs(30)).await;
        let credentials = fill(&client, &server.base).await;
        let before = views(&client, &server.base, &credentials).await;
        (credentials, before)
    };
    let (ok, exported, stderr) = run("export", &sqlite, b"");
    assert!(ok, "{stderr}");
    assert!(stderr.contains("3 applications"), "{stderr}");
    // Not on a terminal: the summary only, no progress.
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    let checksum = sha256_in(&stderr);
    // On a terminal (a pseudo-terminal made by util-linux `script`): the progress too.
    let on_terminal = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "{} export > /dev/null",
            env!("CARGO_BIN_EXE_oauth-apps")
        ))
        .arg("/dev/null")
        .env("DATABASE_URL", &sqlite)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let drawn = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        drawn.contains("exported 3 of 3 applications") && drawn.contains("/s"),
        "{drawn:?}"
    );
    let (ok, _, read_stderr) = run(
        "import",
        &format!("sqlite://{}", dir.path().join("copy.db").display()),
        &exported,
    );
    assert!(ok, "{read_stderr}");
    assert_eq!(read_stderr.lines().count(), 1, "{read_stderr:?}");

    // Into PostgreSQL: same checksum read, same bytes exported again.
    let (ok, _, stderr) = run("import", pg.url(), &exported);
    assert!(ok, "{stderr}");
    assert_eq!(sha256_in(&stderr), checksum);
    let (ok, again, stderr) = run("export", pg.url(), b"");
    assert!(ok, "{stderr}");
    assert_eq!(sha256_in(&stderr), checksum);
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&exported)
    );

    // Served from PostgreSQL: same views, every secret (current and in grace) works.
    {
        let server = Server::start(pg.url(), &[]);
        wait_ready(&client, &server.base, Duration::from_secs(30)).await;
        assert_eq!(views(&client, &server.base, &credentials).await, before);
        all_authenticate(&client, &server.base, &credentials).await;
        // New rows continue after the imported ids.
        register(
            &client,
            &server.base,
            &json!({"ownerOrgId": "acme", "name": "After", "type": "web",
                    "redirectUrls": ["https://after.example/cb"]}),
        )
        .await;
    }

    // And back, into a new SQLite file.
    let (ok, from_pg, stderr) = run("export", pg.url(), b"");
    assert!(ok, "{stderr}");
    assert!(stderr.contains("4 applications"), "{stderr}");
    let back = format!("sqlite://{}", dir.path().join("back.db").display());
    let (ok, _, stderr) = run("import", &back, &from_pg);
    assert!(ok, "{stderr}");
    let (ok, again, _) = run("export", &back, b"");
    assert!(ok);
    assert_eq!(again, from_pg);
    let server = Server::start(&back, &[]);
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    all_authenticate(&client, &server.base, &credentials).await;
}

#[actix_web::test]
async fn a_bad_line_or_a_full_target_writes_nothing() {
    let dir = TempDir::new();
    let source = format!("sqlite://{}", dir.path().join("source.db").display());
    {
        let client = client();
        let server = Server::start(&source, &[]);
        wait_ready(&client, &server.base, Duration::from_secs(30)).await;
        fill(&client, &server.base).await;
    }
    let (ok, exported, _) = run("export", &source, b"");
    assert!(ok);
    let text = String::from_utf8(exported.clone()).unwrap();

    // A line that breaks a rule (a redirect URL with a fragment): refused by number.
    let broken = text.replacen("https://a.example/cb2", "https://a.example/cb2#frag", 1);
    let target = format!("sqlite://{}", dir.path().join("target.db").display());
    let (ok, _, stderr) = run("import", &target, broken.as_bytes());
    assert!(!ok);
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let (_, empty, stderr) = run("export", &target, b"");
    assert!(stderr.contains("0 applications"), "{stderr}");
    assert_eq!(empty.iter().filter(|b| **b == b'\n').count(), 1);

    // Not an export at all.
    let (ok, _, stderr) = run("import", &target, b"{\"hello\": 1}\n");
    assert!(!ok);
    assert!(stderr.contains("line 1"), "{stderr}");

    // Into a store that already holds applications: refused, the store unchanged.
    let (ok, _, stderr) = run("import", &source, &exported);
    assert!(!ok);
    assert!(stderr.contains("already holds"), "{stderr}");
    let (_, after, _) = run("export", &source, b"");
    assert_eq!(after, exported);
}

/// An export written by the binary before authentication methods and key sets (3
/// applications: a rotated secret in its grace period, a disabled native app, a public
/// first-party app; 6 audit events).
const BEFORE_KEY_SETS: &[u8] = include_bytes!("fixtures/export-before-key-sets.jsonl");
/// Its SHA-256, as that binary printed it.
const BEFORE_KEY_SETS_SHA256: &str =
    "ad710f381c64ae17aa227e14d0566dcc73d8b3b641027d3550a1b6a5c8d36a0d";

/// `line` as JSON without the fields an export made before key sets and credential
/// telemetry lacks.
fn without_later_fields(line: &str) -> Value {
    let mut value: Value = serde_json::from_str(line).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("currentSecret");
    object.remove("previousSecret");
    value
}

#[actix_web::test]
async fn an_export_made_before_key_sets_imports_and_exports_with_what_its_lines_tell() {
    let dir = TempDir::new();
    let path = dir.path().join("apps.db");
    let sqlite = format!("sqlite://{}", path.display());
    let pg = migrated_database().await;
    let mut exports = Vec::new();
    for target in [sqlite.as_str(), pg.url()] {
        let (ok, _, stderr) = run("import", target, BEFORE_KEY_SETS);
        assert!(ok, "{stderr}");
        assert!(
            stderr.contains("3 applications, 6 audit events"),
            "{stderr}"
        );
        assert_eq!(sha256_in(&stderr), BEFORE_KEY_SETS_SHA256);
        let (ok, again, stderr) = run("export", target, b"");
        assert!(ok, "{stderr}");
        let again = String::from_utf8(again).unwrap();
        let before = String::from_utf8_lossy(BEFORE_KEY_SETS);
        // Every field as it was; the secrets' details added.
        assert_eq!(again.lines().count(), before.lines().count());
        for (new, old) in again.lines().zip(before.lines()) {
            assert_eq!(without_later_fields(new), without_later_fields(old));
        }
        let lines: Vec<Value> = again
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // Rotated once: the current secret is the second, issued at the rotation; the
        // previous one the first, issued with the application.
        assert_eq!(
            lines[0]["currentSecret"],
            json!({"serial": 2, "createdAt": "2026-01-02T00:00:00Z"})
        );
        assert_eq!(
            lines[0]["previousSecret"],
            json!({"serial": 1, "createdAt": "2026-01-01T00:00:00.123456Z"})
        );
        assert_eq!(
            lines[1]["currentSecret"],
            json!({"serial": 1, "createdAt": "2026-01-01T00:01:40Z"})
        );
        assert!(lines[1].get("previousSecret").is_none());
        exports.push(again);
    }
    assert_eq!(exports[0], exports[1], "both stores export the same bytes");
    // From there on an export is stable: imported elsewhere, it exports its own bytes.
    let elsewhere = TempDir::new();
    let target = format!("sqlite://{}", elsewhere.path().join("apps.db").display());
    let (ok, _, stderr) = run("import", &target, exports[0].as_bytes());
    assert!(ok, "{stderr}");
    let (ok, third, stderr) = run("export", &target, b"");
    assert!(ok, "{stderr}");
    assert_eq!(String::from_utf8(third).unwrap(), exports[0]);

    let repo = SqliteRepository::new(&SqliteConfig::new(&path)).unwrap();
    let apps = repo.export_after(0, 10).await.unwrap();
    assert_eq!(apps.len(), 3);
    for archived in &apps {
        let app = &archived.application;
        assert_eq!(app.auth_method(), AuthMethod::ClientSecretBasic);
        assert!(app.secrets().is_some() && app.keys().is_none());
    }
    assert!(
        apps[0]
            .application
            .secrets()
            .and_then(Secrets::previous)
            .is_some()
    );
}

/// Writes `next` over `current` with an event of `action`.
async fn write(
    repo: &SqliteRepository,
    current: &OAuthApplication,
    next: &OAuthApplication,
    action: AuditAction,
    fields: Vec<ChangedField>,
) {
    let mut e = event(action, next.updated_at());
    e.changed_fields = fields;
    repo.update(next, current.version(), &e).await.unwrap();
}

/// Applications with every method and key sets in a SQLite file, written by the store: a
/// `private_key_jwt` app whose inline keys were rotated to a URL with a day of grace, a
/// public app with `none`, and a `client_secret_post` app with keys registered ahead of a
/// switch.
async fn keyed_store(path: &std::path::Path) -> Vec<OAuthApplication> {
    let config = SqliteConfig::new(path);
    oauth_apps_sqlite::run_migrations(&config).await.unwrap();
    let repo = SqliteRepository::new(&config).unwrap();
    let insert = async |new: oauth_apps_domain::NewApplication| {
        let id = repo
            .insert(&new, &event(AuditAction::Created, new.created_at()))
            .await
            .unwrap();
        new.with_id(id)
    };
    let signed = insert(new_app_with(
        "acme",
        "Signed",
        AppType::Web,
        key_credentials(inline(&["k1", "k2"]), at(100)),
        at(100),
    ))
    .await;
    let rotated = signed
        .with_rotated_keys(
            remote("https://client.example/jwks.json"),
            GracePeriod::from_seconds(86_400).unwrap(),
            at(200),
        )
        .unwrap();
    write(
        &repo,
        &signed,
        &rotated,
        AuditAction::KeysRotated,
        vec![ChangedField::JwksUri],
    )
    .await;
    let public = insert(new_app_with(
        "acme",
        "Public",
        AppType::Public,
        Credentials::new(AppType::Public, AuthMethod::None, None, None).unwrap(),
        at(300),
    ))
    .await;
    let ahead = Credentials::new(
        AppType::Web,
        AuthMethod::ClientSecretPost,
        Some(Secrets::new(Secret::first(hash("ahead"), None, at(400)))),
        Some(KeySets::new(KeySet::new(
            inline(&["next"]),
            CredentialSerial::FIRST,
            at(400),
        ))),
    )
    .unwrap();
    let post = insert(new_app_with("beta", "Post", AppType::Web, ahead, at(400))).await;
    vec![rotated, public, post]
}

#[actix_web::test]
async fn methods_and_key_sets_move_between_stores_and_export_the_same_bytes() {
    let dir = TempDir::new();
    let source = dir.path().join("keys.db");
    let apps = keyed_store(&source).await;
    let sqlite = format!("sqlite://{}", source.display());
    let (ok, exported, stderr) = run("export", &sqlite, b"");
    assert!(ok, "{stderr}");
    assert!(stderr.contains("3 applications"), "{stderr}");
    let text = String::from_utf8(exported.clone()).unwrap();
    for expected in [
        r#""tokenEndpointAuthMethod":"private_key_jwt","currentSecretHash":null"#,
        r#""tokenEndpointAuthMethod":"none","currentSecretHash":null"#,
        r#""tokenEndpointAuthMethod":"client_secret_post","currentSecretHash":"$argon2id"#,
        r#""previous":{"jwks":{"keys":[{"#,
        r#""current":{"jwksUri":"https://client.example/jwks.json""#,
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    // Into PostgreSQL: the same applications, the same bytes again.
    let pg = migrated_database().await;
    let (ok, _, stderr) = run("import", pg.url(), &exported);
    assert!(ok, "{stderr}");
    let (ok, again, _) = run("export", pg.url(), b"");
    assert!(ok);
    assert_eq!(String::from_utf8_lossy(&again), text);
    let stored = PgRepository::new(&PgConfig::new(pg.url()))
        .unwrap()
        .export_after(0, 10)
        .await
        .unwrap();
    let stored: Vec<OAuthApplication> = stored.into_iter().map(|a| a.application).collect();
    assert_eq!(stored, apps);

    // And back into a new SQLite file.
    let back = format!("sqlite://{}", dir.path().join("back.db").display());
    let (ok, _, stderr) = run("import", &back, &again);
    assert!(ok, "{stderr}");
    let (ok, last, _) = run("export", &back, b"");
    assert!(ok);
    assert_eq!(last, exported);
}

/// `org`'s policy in the store at `url`, with `profile`.
async fn hold_to(repo: &SqliteRepository, org: &str, profile: oauth_apps_domain::PolicyProfile) {
    use oauth_apps_domain::{
        LeakedSecretAction, OrgId, OrganizationPolicies as _, OrganizationPolicy,
        SelfRegistrationLimits,
    };
    repo.put_policy(&OrganizationPolicy {
        owner_org_id: OrgId::parse(org).unwrap(),
        secret_lifetime: None,
        leaked_secret_action: LeakedSecretAction::Revoke,
        self_registration: SelfRegistrationLimits::default(),
        profile,
        stale_after: None,
        updated_by: "alice".into(),
        updated_at: at(1),
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn an_import_is_held_to_the_profile_of_each_organisation_in_the_target() {
    use oauth_apps_domain::PolicyProfile;
    let dir = TempDir::new();
    let source_path = dir.path().join("source.db");
    keyed_store(&source_path).await;
    let (ok, exported, _) = run(
        "export",
        &format!("sqlite://{}", source_path.display()),
        b"",
    );
    assert!(ok);
    let target_path = dir.path().join("target.db");
    let config = SqliteConfig::new(&target_path);
    oauth_apps_sqlite::run_migrations(&config).await.unwrap();
    let target = SqliteRepository::new(&config).unwrap();
    hold_to(&target, "acme", PolicyProfile::Fapi2).await;
    let url = format!("sqlite://{}", target_path.display());
    let (ok, _, stderr) = run("import", &url, &exported);
    assert!(!ok, "{stderr}");
    // Both of acme's clients break fapi2 (beta's is not held to it), each named with the
    // rules it breaks; the first one's line is the one reported.
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("2 application(s)"), "{stderr}");
    assert!(stderr.contains("profile fapi2"), "{stderr}");
    assert!(
        stderr.contains("fapi2.sender_constrained_tokens"),
        "{stderr}"
    );
    assert!(stderr.contains("fapi2.confidential_client"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(target.count().await.unwrap(), 0);
    // Under the baseline it imports, every byte the same.
    hold_to(&target, "acme", PolicyProfile::Baseline).await;
    let (ok, _, stderr) = run("import", &url, &exported);
    assert!(ok, "{stderr}");
    let (_, again, _) = run("export", &url, b"");
    assert_eq!(again, exported);
}
