//! The web console: served with its Content-Security-Policy, the one-click development
//! sign-in only where it belongs, and every step of a user's session in headless Chromium
//! (`tests/console/console.test.mjs`, playwright-core and axe-core from npm, Debian's
//! chromium; `scripts/test` installs them).

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod processes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use awc::Client;
use oauth_apps::Application;
use oauth_apps::config::Config;
use oauth_apps_test_support::TempDir;
use processes::{SECRET, Server, wait_ready};

/// The npm packages the browser test needs, installed by scripts/test into target/tools.
fn tools() -> PathBuf {
    std::env::var_os("OAUTH_APPS_TOOLS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools"),
        PathBuf::from,
    )
}

#[actix_web::test]
async fn a_session_in_headless_chromium() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    let server = Server::start(&url, &[]);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let modules = tools().join("node_modules");
    let screenshots =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console/console.test.mjs");
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("BASE", &server.base)
        .env(
            "ADMIN",
            processes::token_for("alice", &[("acme", "admin")], &[]),
        )
        .env(
            "MEMBER",
            processes::token_for("bob", &[("acme", "member")], &[]),
        )
        .env(
            "AUTHENTICATOR",
            processes::token_for("as", &[], &["client-authenticator"]),
        )
        .env("PLAYWRIGHT_CORE", modules.join("playwright-core/index.mjs"))
        .env("AXE_CORE", modules.join("axe-core/axe.min.js"))
        .env("SCREENSHOTS", &screenshots);
    if let Some(docs) = std::env::var_os("OAUTH_APPS_DOCS_SCREENSHOTS") {
        command.env("DOCS_SCREENSHOTS", docs);
    }
    let out = command
        .output()
        .expect("node runs (scripts/test installs the tools)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("the browser test printed no report:\n{stdout}\n{stderr}"));
    let failed: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] != true)
        .collect();
    assert!(
        failed.is_empty() && out.status.success(),
        "failed steps (screenshots in target/console-screenshots): {failed:#?}\n{stderr}"
    );
    assert!(report["results"].as_array().unwrap().len() >= 9);
    drop(server);
}

/// Starts the server in process with `vars`; its base URL.
async fn start(vars: &[(&str, String)]) -> String {
    let vars: std::collections::HashMap<&str, String> = vars.iter().cloned().collect();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(&config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    base
}

#[actix_web::test]
async fn the_development_sign_in_is_offered_only_in_development_on_loopback() {
    let dir = TempDir::new();
    let db = format!("sqlite://{}", dir.path().join("dev.db").display());
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    // Development mode (no key configured) on loopback: the token is offered.
    let dev = start(&[
        ("DATABASE_URL", db.clone()),
        ("OAUTH_APPS_BIND", "127.0.0.1:0".into()),
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "64".into()),
        ("OAUTH_APPS_ARGON2_ITERATIONS", "1".into()),
    ])
    .await;
    let mut res = client
        .get(format!("{dev}/console/dev-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let offered = body["token"].as_str().unwrap().to_owned();
    let apps = client
        .get(format!("{dev}/api/oauth-applications?ownerOrgId=acme"))
        .insert_header(("Authorization", format!("Bearer {offered}")))
        .send()
        .await
        .unwrap();
    assert_eq!(apps.status().as_u16(), 200, "the offered token works");
    // The page itself: its policy forbids inline script and eval.
    let page = client.get(format!("{dev}/console")).send().await.unwrap();
    let csp = page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    // Through a proxy, or by another host name: not offered.
    for (name, value) in [
        ("X-Forwarded-For", "203.0.113.7"),
        ("Host", "apps.example.com"),
    ] {
        let res = client
            .get(format!("{dev}/console/dev-token"))
            .insert_header((name, value))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "{name}");
    }
    // A configured key: no development token.
    let configured = start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("prod.db").display()),
        ),
        ("OAUTH_APPS_BIND", "127.0.0.1:0".into()),
        ("OAUTH_APPS_JWT_HS256_SECRET", SECRET.into()),
    ])
    .await;
    let res = client
        .get(format!("{configured}/console/dev-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    // Development mode on every interface: not offered either.
    let open = start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("open.db").display()),
        ),
        ("OAUTH_APPS_BIND", "0.0.0.0:0".into()),
    ])
    .await;
    let port = open.rsplit(':').next().unwrap();
    let res = client
        .get(format!("http://127.0.0.1:{port}/console/dev-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}
