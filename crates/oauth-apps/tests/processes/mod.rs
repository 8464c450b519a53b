//! Real server processes for the multi-process tests: start, kill, call over HTTP.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awc::Client;
use oauth_apps_http::auth::{Claims, mint_hs256};
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};
use serde_json::Value;

pub const SECRET: &str = "process-secret-process-secret-012345";

/// A server process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a process wrote, as it writes it.
#[derive(Clone, Default)]
pub struct Collected(Arc<Mutex<String>>);

impl Collected {
    /// Everything so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    /// Waits (at most 30 s) until the text holds `needle`; then everything so far.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never printed {needle:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Server {
    /// Starts the binary on `database_url` with fast hashing, one worker and no rate
    /// limits; `env` adds or overrides settings.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-apps"));
        command
            .env("OAUTH_APPS_BIND", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("OAUTH_APPS_JWT_HS256_SECRET", SECRET)
            .env("OAUTH_APPS_ARGON2_MEMORY_KIB", "64")
            .env("OAUTH_APPS_ARGON2_ITERATIONS", "1")
            .env("OAUTH_APPS_WORKERS", "1")
            .env("OAUTH_APPS_WRITE_RATE", "0")
            .env("OAUTH_APPS_AUTH_RATE", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        Self {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            port,
        }
    }

    /// Starts the binary in development mode (SQLite at `dir/data/oauth-apps.db`, no
    /// signing key configured) with `dir` as its working folder, as `cargo run` starts it;
    /// its standard error (the start-up message, then the log lines) is collected in
    /// `stderr`.
    pub fn start_development(dir: &Path, env: &[(&str, &str)]) -> (Self, Collected) {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-apps"));
        command
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("OAUTH_APPS_JWT_HS256_SECRET")
            .env_remove("OAUTH_APPS_JWKS_FILE")
            .env("OAUTH_APPS_BIND", format!("127.0.0.1:{port}"))
            .env("OAUTH_APPS_ARGON2_MEMORY_KIB", "64")
            .env("OAUTH_APPS_ARGON2_ITERATIONS", "1")
            .env("OAUTH_APPS_WORKERS", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let collected = Collected::default();
        let sink = collected.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.0.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
        };
        (server, collected)
    }

    /// SIGKILL: no drain, no goodbye.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A migrated PostgreSQL database of this test's own on the shared test server.
pub async fn migrated_database() -> TestDatabase {
    let key = fingerprint(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"),
    );
    TestDatabase::create(&key, |url| async move {
        oauth_apps_postgres::run_migrations(&url)
            .await
            .map_err(|e| e.to_string())
    })
    .await
}

/// A token for org `acme` (admin) with `roles`.
pub fn token(roles: &[&str]) -> String {
    token_for("process-test", &[("acme", "admin")], roles)
}

/// A token for `sub` with organisation roles `orgs` and platform roles `roles`.
pub fn token_for(sub: &str, orgs: &[(&str, &str)], roles: &[&str]) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    mint_hs256(
        SECRET.as_bytes(),
        &Claims {
            sub: sub.into(),
            exp,
            aud: "oauth-apps".into(),
            iss: None,
            orgs: orgs
                .iter()
                .map(|(o, r)| ((*o).to_owned(), (*r).to_owned()))
                .collect(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        },
    )
    .unwrap()
}

/// An answer, or `None` when the connection failed (no answer at all).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: String,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
}

/// One request with an admin + authenticator token and `headers`.
pub async fn send(
    client: &Client,
    method: &str,
    url: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Option<Answer> {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, url).insert_header((
        "Authorization",
        format!(
            "Bearer {}",
            token(&["client-authenticator", "platform-admin"])
        ),
    ));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = match body {
        Some(b) => req.send_json(b).await,
        None => req.send().await,
    }
    .ok()?;
    let bytes = res.body().limit(1 << 20).await.ok()?;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Some(Answer {
        status: res.status().as_u16(),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        etag: header("etag"),
        retry_after: header("retry-after"),
        raw,
    })
}

/// Like [`send`], for a request that must be answered.
pub async fn call(client: &Client, method: &str, url: &str, body: Option<&Value>) -> Answer {
    send(client, method, url, body, &[])
        .await
        .unwrap_or_else(|| panic!("{method} {url}: no answer"))
}

/// An application registered through `base`, which must answer 201.
pub struct Registered {
    pub client_id: String,
    pub secret: String,
    pub answer: Answer,
}

/// Registers `body` through `base`'s flat surface; anything but 201 fails the test.
pub async fn register(client: &Client, base: &str, body: &Value) -> Registered {
    let answer = call(
        client,
        "POST",
        &format!("{base}/api/oauth-applications"),
        Some(body),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    let field = |v: &Value| v.as_str().unwrap().to_owned();
    Registered {
        client_id: field(&answer.body["application"]["clientId"]),
        secret: field(&answer.body["clientSecret"]),
        answer,
    }
}

/// Waits until `base` answers `/readyz` with 200.
pub async fn wait_ready(client: &Client, base: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(res) = client.get(format!("{base}/readyz")).send().await
            && res.status().as_u16() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the server at `base` is ready and its read cache is on.
pub async fn wait_until_caching(client: &Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut res) = client.get(format!("{base}/metrics")).send().await {
            let text = res
                .body()
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            if text.is_ok_and(|t| t.contains("read_cache_enabled 1")) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{base} never started caching");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long until `check` holds, polling every 10 ms (at most 10 s).
pub async fn time_until(mut check: impl AsyncFnMut() -> bool) -> Duration {
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

/// The version in an ETag (`"7"` → 7).
pub fn version(etag: Option<&str>) -> i64 {
    etag.and_then(|t| t.trim_start_matches("W/").trim_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("no version in ETag {etag:?}"))
}

pub mod sql {
    //! Reading the database directly, to check what the API cannot show.

    use diesel::sql_types::{BigInt, Nullable, Text};
    use diesel::{QueryableByName, sql_query};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    /// One application's bookkeeping.
    #[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
    pub struct AppRow {
        #[diesel(sql_type = Text)]
        pub client_id: String,
        #[diesel(sql_type = Text)]
        pub name: String,
        #[diesel(sql_type = BigInt)]
        pub version: i64,
        #[diesel(sql_type = BigInt)]
        pub current_secrets: i64,
        #[diesel(sql_type = BigInt)]
        pub events: i64,
    }

    /// Every application with its version, current secret count and audit event count.
    pub async fn apps(url: &str) -> Vec<AppRow> {
        let mut conn = AsyncPgConnection::establish(url).await.unwrap();
        sql_query(
            "SELECT a.client_id::text AS client_id, a.name, a.version, \
               (SELECT count(*) FROM client_secrets s \
                 WHERE s.application_id = a.id AND s.state = 'current') AS current_secrets, \
               (SELECT count(*) FROM audit_events e WHERE e.application_id = a.id) AS events \
             FROM oauth_applications a ORDER BY a.id",
        )
        .load(&mut conn)
        .await
        .unwrap()
    }

    #[derive(QueryableByName)]
    struct RequestIdRow {
        #[diesel(sql_type = Nullable<Text>)]
        client_request_id: Option<String>,
    }

    /// The client request id (`X-Request-Id` as sent) of every audit event.
    pub async fn event_request_ids(url: &str) -> Vec<String> {
        let mut conn = AsyncPgConnection::establish(url).await.unwrap();
        sql_query("SELECT client_request_id FROM audit_events")
            .load::<RequestIdRow>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|r| r.client_request_id)
            .collect()
    }

    /// Every application is whole: one current secret, and one audit event per version.
    pub fn assert_whole(apps: &[AppRow]) {
        for app in apps {
            assert_eq!(app.current_secrets, 1, "{app:?}");
            assert_eq!(app.events, app.version, "{app:?}");
        }
    }
}
