//! SIGTERM lets in-flight requests finish before the process exits.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use awc::Client;
use oauth_apps_http::auth::{Claims, mint_hs256};
use oauth_apps_test_support::TempDir;
use serde_json::json;

const SECRET: &str = "shutdown-secret-shutdown-secret-01234";

#[actix_web::test]
async fn sigterm_drains_in_flight_requests() {
    let dir = TempDir::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .env("OAUTH_APPS_BIND", format!("127.0.0.1:{port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/apps.db", dir.path().display()),
        )
        .env("OAUTH_APPS_JWT_HS256_SECRET", SECRET)
        // A slow hash: the create below is still running when SIGTERM arrives.
        .env("OAUTH_APPS_ARGON2_MEMORY_KIB", "65536")
        .env("OAUTH_APPS_ARGON2_ITERATIONS", "12")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::builder().timeout(Duration::from_secs(30)).finish();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/readyz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let token = mint_hs256(
        SECRET.as_bytes(),
        &Claims {
            sub: "s".into(),
            exp: u64::MAX / 2,
            aud: "oauth-apps".into(),
            iss: None,
            orgs: [("acme".to_owned(), "admin".to_owned())].into(),
            roles: vec![],
        },
    )
    .unwrap();
    let create = client
        .post(format!("{base}/api/oauth-applications"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(
            &json!({"ownerOrgId": "acme", "name": "In flight", "type": "web",
                           "redirectUrls": ["https://a.example/cb"]}),
        );
    let pid = child.id().to_string();
    let terminate = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
    };
    let (response, ()) = tokio::join!(create, terminate);
    let mut response = response.unwrap();
    assert_eq!(
        response.status().as_u16(),
        201,
        "{:?}",
        response.body().await
    );
    let exited = (0..200).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        child.try_wait().unwrap()
    });
    let status = exited.expect("the server did not exit after SIGTERM");
    assert!(status.success(), "{status:?}");
}
