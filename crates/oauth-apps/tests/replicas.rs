//! Two server processes on one PostgreSQL database: a change made through one is served
//! by the other within 1 s, also after the notification connection was cut.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use awc::Client;
use oauth_apps_http::auth::{Claims, mint_hs256};
use oauth_apps_test_support::pg::{TestDatabase, admin_url, fingerprint};
use serde_json::{Value, json};

const SECRET: &str = "replica-secret-replica-secret-0123456";
const STALE_LIMIT: Duration = Duration::from_secs(1);

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .env("OAUTH_APPS_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("OAUTH_APPS_JWT_HS256_SECRET", SECRET)
        .env("OAUTH_APPS_ARGON2_MEMORY_KIB", "64")
        .env("OAUTH_APPS_ARGON2_ITERATIONS", "1")
        .env("OAUTH_APPS_WORKERS", "1")
        // A long TTL: only announcements (and resets) can make changes visible in time.
        .env("OAUTH_APPS_CACHE_TTL_MS", "60000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

fn token(roles: &[&str]) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    mint_hs256(
        SECRET.as_bytes(),
        &Claims {
            sub: "replica-test".into(),
            exp,
            aud: "oauth-apps".into(),
            iss: None,
            orgs: [("acme".to_owned(), "admin".to_owned())].into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        },
    )
    .unwrap()
}

async fn call(
    client: &Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value, String) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let req = client.request(method, url).insert_header((
        "Authorization",
        format!("Bearer {}", token(&["client-authenticator"])),
    ));
    let mut res = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    }
    .unwrap();
    let bytes = res.body().limit(1 << 20).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (
        res.status().as_u16(),
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

/// Waits until `server` is ready and its read cache is on.
async fn wait_until_caching(client: &Client, server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client.get(format!("{}/metrics", server.base)).send().await;
        if let Ok(mut res) = ready {
            let text = res
                .body()
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            if text.is_ok_and(|t| t.contains("read_cache_enabled 1")) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "server at {} never became ready",
            server.base
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long until `check` holds for what `server` answers, polling every 10 ms.
async fn time_until(mut check: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never became true"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

#[actix_web::test]
async fn replicas_serve_each_others_changes_within_a_second() {
    let _ = admin_url();
    let key = fingerprint(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"),
    );
    let db = TestDatabase::create(&key, |url| async move {
        oauth_apps_postgres::run_migrations(&url)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    let a = start(db.url());
    let b = start(db.url());
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_until_caching(&client, &a).await;
    wait_until_caching(&client, &b).await;

    // Create through A, warm B's cache and B's verification of the secret.
    let (status, created, raw) = call(
        &client,
        "POST",
        &format!("{}/api/oauth-applications", a.base),
        Some(
            json!({"ownerOrgId": "acme", "name": "Replicated", "type": "web",
                    "redirectUrls": ["https://r.example/cb"]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{raw}");
    let client_id = created["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let on_b = format!("{}/api/oauth-applications/{client_id}", b.base);
    let auth_on_b = format!("{}/api/client-authentication", b.base);
    let credentials = json!({"clientId": client_id, "clientSecret": secret});
    for _ in 0..3 {
        assert_eq!(call(&client, "GET", &on_b, None).await.1["disabled"], false);
        assert_eq!(
            call(&client, "POST", &auth_on_b, Some(credentials.clone()))
                .await
                .1["valid"],
            true
        );
    }

    // Disable through A: B stops authenticating the client within 1 s.
    let (status, _, _) = call(
        &client,
        "DELETE",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == false
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B authenticated a disabled client for {took:?}"
    );
    assert_eq!(call(&client, "GET", &on_b, None).await.1["disabled"], true);

    // Re-enable and rotate through A without grace: B refuses the old secret within 1 s.
    call(
        &client,
        "POST",
        &format!("{}/api/oauth-applications/{client_id}/enable", a.base),
        None,
    )
    .await;
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == true
    })
    .await;
    assert!(took < STALE_LIMIT, "re-enabling took {took:?} to reach B");
    let (status, rotated, _) = call(
        &client,
        "POST",
        &format!(
            "{}/api/oauth-applications/{client_id}/rotate-secret",
            a.base
        ),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == false
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B accepted a rotated-out secret for {took:?}"
    );
    let new_credentials = json!({"clientId": client_id, "clientSecret": rotated["clientSecret"]});
    assert_eq!(
        call(&client, "POST", &auth_on_b, Some(new_credentials))
            .await
            .1["valid"],
        true
    );

    // Cut every notification connection, then change through A at once.
    let mut admin = {
        use diesel_async::AsyncConnection;
        diesel_async::AsyncPgConnection::establish(&admin_url())
            .await
            .unwrap()
    };
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
            oauth_apps_postgres::LISTENER_NAME
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
    let (status, _, _) = call(
        &client,
        "PATCH",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        Some(json!({"name": "Renamed while deaf"})),
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "GET", &on_b, None).await.1["name"] == "Renamed while deaf"
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B served the old name for {took:?} after losing its listener"
    );
    // And B listens again by itself.
    wait_until_caching(&client, &b).await;
    call(
        &client,
        "PATCH",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        Some(json!({"name": "Heard again"})),
    )
    .await;
    let took =
        time_until(async || call(&client, "GET", &on_b, None).await.1["name"] == "Heard again")
            .await;
    assert!(took < STALE_LIMIT, "{took:?}");
}
