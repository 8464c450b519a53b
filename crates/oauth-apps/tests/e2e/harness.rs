//! Starts the real server on a loopback port, on a SQLite file or a PostgreSQL database,
//! and talks to it over HTTP.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use awc::Client;
use awc::http::StatusCode;
use oauth_apps::Application;
use oauth_apps::config::Config;
use oauth_apps_http::auth::{Claims, mint_hs256};
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};
use serde_json::Value;

pub const SECRET: &str = "e2e-secret-e2e-secret-e2e-secret-0123";

/// Which storage the server runs on.
#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

enum Holder {
    Dir(#[allow(dead_code)] TempDir),
    Pg(TestDatabase),
    /// A replica's: the first server holds the database.
    Shared,
}

/// Everything the server logged in this test process.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the logs of this process (JSON lines, debug level) once.
pub fn logs() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        oauth_apps::telemetry::init_with(
            oauth_apps::config::LogFormat::Json,
            tracing_subscriber::EnvFilter::new("debug"),
            move || writer.clone(),
        );
        logs
    })
    .clone()
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// The database it runs on, for a replica.
    database_url: String,
    _holder: Holder,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub async fn spawn(db: Db) -> TestApp {
    spawn_with(db, &[]).await
}

/// Like [`spawn`], with more settings.
pub async fn spawn_with(db: Db, settings: &[(&'static str, &str)]) -> TestApp {
    logs();
    let (url, holder) = match db {
        Db::Sqlite => {
            let dir = TempDir::new();
            let url = format!("sqlite://{}", dir.path().join("apps.db").display());
            (url, Holder::Dir(dir))
        }
        Db::Postgres => {
            let key = fingerprint(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"),
            );
            let database = TestDatabase::create(&key, |url| async move {
                oauth_apps_postgres::run_migrations(&url)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
            (database.url().to_owned(), Holder::Pg(database))
        }
    };
    start(url, holder, settings).await
}

/// Starts a server on the database at `url`, which `holder` keeps.
async fn start(url: String, holder: Holder, settings: &[(&'static str, &str)]) -> TestApp {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("OAUTH_APPS_BIND", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", url.clone()),
        ("OAUTH_APPS_JWT_HS256_SECRET", SECRET.to_owned()),
        // Cheap hashing keeps the suite fast; the parameters are stored in each hash.
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "64".to_owned()),
        ("OAUTH_APPS_ARGON2_ITERATIONS", "1".to_owned()),
        ("OAUTH_APPS_WORKERS", "2".to_owned()),
    ]);
    for (name, value) in settings {
        vars.insert(name, (*value).to_owned());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid config");
    let app = Application::build(&config).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish(),
        database_url: url,
        _holder: holder,
    }
}

/// A token for `sub` with organisation roles and platform roles.
pub fn token(sub: &str, orgs: &[(&str, &str)], roles: &[&str]) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
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

pub fn admin() -> String {
    token("alice", &[("acme", "admin")], &[])
}

pub fn member() -> String {
    token("bob", &[("acme", "member")], &[])
}

pub fn outsider() -> String {
    token("eve", &[("globex", "admin")], &[])
}

pub fn authenticator() -> String {
    token("auth-server", &[], &["client-authenticator"])
}

impl TestApp {
    /// Another server on this server's database, with `settings`: a replica, with caches
    /// of its own. The database lives as long as this server.
    pub async fn replica(&self, settings: &[(&'static str, &str)]) -> Self {
        start(self.database_url.clone(), Holder::Shared, settings).await
    }

    /// Takes the database away under the running server (PostgreSQL only).
    /// Whether `secret` authenticates `client_id` now (`POST /api/client-authentication`,
    /// which must answer 200).
    pub async fn authenticates(&self, client_id: &str, secret: &str) -> bool {
        let reply = self
            .json(
                "POST",
                "/api/client-authentication",
                &authenticator(),
                &serde_json::json!({"clientId": client_id, "clientSecret": secret}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
        reply.body["valid"].as_bool().unwrap()
    }

    /// The SQLite database's files (the database and its write-ahead log), when the server
    /// runs on SQLite.
    pub fn sqlite_files(&self) -> Option<Vec<std::path::PathBuf>> {
        match &self._holder {
            Holder::Dir(dir) => Some(vec![
                dir.path().join("apps.db"),
                dir.path().join("apps.db-wal"),
            ]),
            Holder::Pg(_) | Holder::Shared => None,
        }
    }

    pub async fn lose_database(&self) {
        match &self._holder {
            Holder::Pg(db) => db.drop_now().await,
            Holder::Dir(_) | Holder::Shared => {
                panic!("only a PostgreSQL database's first server can take it away")
            }
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = match body {
            Some((content_type, bytes)) => req
                .insert_header(("Content-Type", content_type))
                .send_body(bytes)
                .await
                .unwrap(),
            None => req.send().await.unwrap(),
        };
        let bytes = res.body().limit(1 << 20).await.unwrap();
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            raw,
        }
    }

    pub async fn json(&self, method: &str, path: &str, token: &str, body: &Value) -> Reply {
        self.call(
            method,
            path,
            Some(token),
            &[],
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), &[], None).await
    }

    pub async fn post(&self, path: &str, token: &str) -> Reply {
        self.call("POST", path, Some(token), &[], None).await
    }

    /// Registers a `web` app in `acme` on the flat surface; returns (clientId, secret).
    pub async fn create_app(&self, name: &str) -> (String, String) {
        let reply = self
            .json(
                "POST",
                "/api/oauth-applications",
                &admin(),
                &serde_json::json!({
                    "ownerOrgId": "acme",
                    "name": name,
                    "type": "web",
                    "redirectUrls": ["https://app.example.com/cb"],
                    "allowedScopes": ["read"],
                }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
        (
            reply.body["application"]["clientId"]
                .as_str()
                .unwrap()
                .to_owned(),
            reply.body["clientSecret"].as_str().unwrap().to_owned(),
        )
    }
}
