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
    // A second server in development mode, for the one-click sign-in with its link.
    let home = TempDir::new();
    let (dev, dev_stderr) = Server::start_development(home.path(), &[]);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    wait_ready(&client, &dev.base, Duration::from_secs(30)).await;
    let dev_link = dev_stderr
        .wait_for("#code=")
        .split_whitespace()
        .find(|w| w.contains("/console#code="))
        .unwrap()
        .to_owned();
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
        .env(
            "PLATFORM",
            processes::token_for("root", &[], &["platform-admin"]),
        )
        // Refused by the server (401), as a token whose key was rotated is.
        .env(
            "FORGED",
            token_with(b"another-secret-another-secret-0123456789", "alice", 3600),
        )
        .env("EXPIRED", token_with(SECRET.as_bytes(), "alice", -600))
        .env("DEV_LINK", &dev_link)
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
    assert!(report["results"].as_array().unwrap().len() >= 16);
    drop(server);
    drop(dev);
}

/// A token for `sub` as admin of `acme` signed with `key`, ending `lifetime` seconds from
/// now (in the past when negative).
fn token_with(key: &[u8], sub: &str, lifetime: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    oauth_apps_http::auth::mint_hs256(
        key,
        &oauth_apps_http::auth::Claims {
            sub: sub.into(),
            exp: now.checked_add_signed(lifetime).unwrap(),
            aud: "oauth-apps".into(),
            iss: None,
            orgs: [("acme".to_owned(), "admin".to_owned())].into(),
            roles: Vec::new(),
        },
    )
    .unwrap()
}

/// Starts the server in process with `vars`; its base URL and its console sign-in link.
async fn start(vars: &[(&str, String)]) -> (String, Option<String>) {
    let vars: std::collections::HashMap<&str, String> = vars.iter().cloned().collect();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(&config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let link = app.console_sign_in_url.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    (base, link)
}

/// `POST /console/dev-token` with `body` and `headers`: the status and the body.
async fn redeem(
    client: &Client,
    base: &str,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut req = client.post(format!("{base}/console/dev-token"));
    for header in headers {
        req = req.insert_header(*header);
    }
    let mut res = match body {
        Some(body) => req.send_json(&body).await,
        None => req.send().await,
    }
    .unwrap();
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    (res.status().as_u16(), body)
}

/// The code in a sign-in link `http://HOST:PORT/console#code=CODE`.
fn code_of(link: &str) -> String {
    link.split_once("/console#code=")
        .map(|(_, code)| code.to_owned())
        .unwrap_or_else(|| panic!("not a sign-in link: {link}"))
}

#[actix_web::test]
async fn the_development_sign_in_needs_the_code_printed_at_start() {
    let dir = TempDir::new();
    let db = format!("sqlite://{}", dir.path().join("dev.db").display());
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    // Development mode (no key configured) on loopback: a sign-in link with a code.
    let (dev, link) = start(&[
        ("DATABASE_URL", db.clone()),
        ("OAUTH_APPS_BIND", "127.0.0.1:0".into()),
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "64".into()),
        ("OAUTH_APPS_ARGON2_ITERATIONS", "1".into()),
    ])
    .await;
    let link = link.expect("development mode prints a sign-in link");
    assert!(link.starts_with(&format!("{dev}/console#code=")), "{link}");
    let code = code_of(&link);
    assert!(
        code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit()),
        "{code}"
    );
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
    // A browser on this machine, or nginx in front with its defaults (a loopback peer,
    // `Host: 127.0.0.1:PORT`, no forwarding header): without the code, nothing.
    let host = dev.trim_start_matches("http://").to_owned();
    let get = client
        .get(format!("{dev}/console/dev-token"))
        .insert_header(("Host", host.as_str()))
        .send()
        .await
        .unwrap();
    assert_ne!(get.status().as_u16(), 200, "no token without the code");
    let json = ("Content-Type", "application/json");
    for body in [
        None,
        Some(serde_json::json!({})),
        Some(serde_json::json!({"code": ""})),
    ] {
        let (status, answer) = redeem(&client, &dev, body, &[("Host", host.as_str())]).await;
        assert_eq!(status, 403, "{answer}");
        assert!(answer.get("token").is_none());
    }
    // A wrong code, or the right one cut short: refused.
    let last = if code.ends_with('0') { "1" } else { "0" };
    let wrong = format!("{}{last}", &code[..code.len() - 1]);
    for offered in [wrong.as_str(), &code[..code.len() - 1]] {
        let (status, answer) = redeem(
            &client,
            &dev,
            Some(serde_json::json!({"code": offered})),
            &[json],
        )
        .await;
        assert_eq!(status, 403, "{answer}");
    }
    // The right code in a form (what a cross-site page could send): refused.
    let form = client
        .post(format!("{dev}/console/dev-token"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .send_body(format!("{{\"code\":\"{code}\"}}"))
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 403, "JSON only");
    // The right code: the token, which works; once only.
    let (status, answer) =
        redeem(&client, &dev, Some(serde_json::json!({"code": code})), &[]).await;
    assert_eq!(status, 200, "{answer}");
    let offered = answer["token"].as_str().unwrap().to_owned();
    let apps = client
        .get(format!("{dev}/api/oauth-applications?ownerOrgId=acme"))
        .insert_header(("Authorization", format!("Bearer {offered}")))
        .send()
        .await
        .unwrap();
    assert_eq!(apps.status().as_u16(), 200, "the offered token works");
    let (status, answer) =
        redeem(&client, &dev, Some(serde_json::json!({"code": code})), &[]).await;
    assert_eq!(status, 403, "used once: {answer}");
    assert!(answer.get("token").is_none());

    // A configured key: no development token, no link.
    let (configured, link) = start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("prod.db").display()),
        ),
        ("OAUTH_APPS_BIND", "127.0.0.1:0".into()),
        ("OAUTH_APPS_JWT_HS256_SECRET", SECRET.into()),
    ])
    .await;
    assert_eq!(link, None);
    let (status, _) = redeem(
        &client,
        &configured,
        Some(serde_json::json!({"code": code})),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    // Development mode on every interface: no link, not offered either.
    let (open, link) = start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("open.db").display()),
        ),
        ("OAUTH_APPS_BIND", "0.0.0.0:0".into()),
    ])
    .await;
    assert_eq!(link, None);
    let port = open.rsplit(':').next().unwrap();
    let (status, _) = redeem(
        &client,
        &format!("http://127.0.0.1:{port}"),
        Some(serde_json::json!({"code": code})),
        &[],
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn the_server_prints_the_console_and_its_sign_in_link_but_never_logs_the_code() {
    let dir = TempDir::new();
    let (server, stderr) =
        Server::start_development(dir.path(), &[("OAUTH_APPS_LOG_FORMAT", "json")]);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let text = stderr.wait_for("#code=");
    assert!(
        text.contains(&format!("Console: {}/console\n", server.base)),
        "{text}"
    );
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/console#code="))
        .unwrap()
        .to_owned();
    assert!(
        link.starts_with(&format!("{}/console#code=", server.base)),
        "{link}"
    );
    let code = code_of(&link);
    // The page signs in with it (the browser sends the code in the body; the fragment is
    // never part of a request).
    let (status, answer) = redeem(
        &client,
        &server.base,
        Some(serde_json::json!({"code": code})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    std::thread::sleep(Duration::from_millis(300));
    // The code is printed once, for the person at the terminal, and in no log line.
    let text = stderr.text();
    let log_lines: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!log_lines.is_empty(), "{text}");
    assert!(
        log_lines.iter().all(|l| !l.contains(&code)),
        "the code in a log line: {text}"
    );
    assert_eq!(text.matches(code.as_str()).count(), 1, "{text}");
    drop(server);
}

#[test]
fn a_taken_port_is_refused_naming_the_setting_that_changes_it() {
    let dir = TempDir::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("OAUTH_APPS_BIND", &address)
        .env("OAUTH_APPS_JWT_HS256_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("cannot listen on {address}"))
            && stderr.contains("set OAUTH_APPS_BIND to another address"),
        "{stderr}"
    );
    drop(taken);
}
