//! Throwaway PostgreSQL databases, one per test.
//!
//! The server comes from `OAUTH_APPS_TEST_DATABASE_URL` (an admin URL, e.g.
//! `postgres://postgres@127.0.0.1:54329/postgres`); `bash scripts/test` starts one and sets
//! it. A missing variable is a loud failure, never a skipped test.

use std::future::Future;
use std::path::Path;

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The environment variable naming the PostgreSQL server for tests.
pub const ENV: &str = "OAUTH_APPS_TEST_DATABASE_URL";

/// A database that exists for the lifetime of this value.
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The admin URL from [`ENV`].
///
/// # Panics
/// When the variable is not set: the tests need a PostgreSQL server.
#[must_use]
pub fn admin_url() -> String {
    std::env::var(ENV).unwrap_or_else(|_| {
        panic!(
            "{ENV} is not set: run the tests with `bash scripts/test`, which starts a \
             PostgreSQL server, or point {ENV} at a server of your own"
        )
    })
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

/// A short fingerprint of every file under `dir` (names and contents), so that a changed
/// migration gets a new template.
#[must_use]
pub fn fingerprint(dir: &Path) -> String {
    fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.to_string_lossy().into_owned(), bytes));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let hash = files
        .iter()
        .flat_map(|(name, bytes)| name.as_bytes().iter().chain(bytes.iter()))
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
}

async fn admin_connection(admin_url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server at {ENV}: {e}"))
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

impl TestDatabase {
    /// A new database copied from the template `oauth_apps_tpl_<key>`, which is made once
    /// (under an advisory lock, so parallel test processes agree) by `migrate(url)`.
    ///
    /// # Panics
    /// When the server is unreachable or the template cannot be made.
    pub async fn create<F, Fut>(key: &str, migrate: F) -> Self
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let admin_url = admin_url();
        let template = format!("oauth_apps_tpl_{key}");
        let mut conn = admin_connection(&admin_url).await;
        exec(&mut conn, "SELECT pg_advisory_lock(727274)").await;
        let found: Exists = sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(&template)
            .get_result(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("looking for the template: {e}"));
        if found.n == 0 {
            let building = format!("{template}_building");
            exec(
                &mut conn,
                &format!("DROP DATABASE IF EXISTS \"{building}\""),
            )
            .await;
            exec(&mut conn, &format!("CREATE DATABASE \"{building}\"")).await;
            if let Err(e) = migrate(with_database(&admin_url, &building)).await {
                panic!("migrating the template database failed: {e}");
            }
            exec(
                &mut conn,
                &format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""),
            )
            .await;
        }
        exec(&mut conn, "SELECT pg_advisory_unlock(727274)").await;

        let name = format!("oauth_apps_t_{}", uuid::Uuid::new_v4().simple());
        exec(
            &mut conn,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        )
        .await;
        let url = with_database(&admin_url, &name);
        Self {
            name,
            url,
            admin_url,
        }
    }

    /// Drops the database now, cutting every connection to it (for outage tests).
    pub async fn drop_now(&self) {
        let mut conn = admin_connection(&self.admin_url).await;
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        )
        .await;
    }

    /// The URL of this test's database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&admin_url).await.ok()?;
                sql_query(sql).execute(&mut conn).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let dir = std::env::temp_dir().join(format!("fp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.sql"), "one").unwrap();
        let first = fingerprint(&dir);
        assert_eq!(first, fingerprint(&dir));
        std::fs::write(dir.join("a.sql"), "two").unwrap();
        assert_ne!(first, fingerprint(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
