//! Webhook delivery is fair between organisations: one organisation's receivers that
//! never answer, with a backlog of events, do not hold up another organisation's
//! deliveries; the hanging attempts fail with a reason that names the kind of failure
//! only.

use std::time::{Duration, Instant};

use awc::http::StatusCode;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::https::TestCa;
use oauth_apps_test_support::receiver::Receiver;
use serde_json::json;

use crate::harness::{Db, TestApp, admin, outsider, spawn_with};
use crate::webhooks::DATA_KEY;

/// How long after its write another organisation's delivery may take to arrive.
const BOUND: Duration = Duration::from_secs(2);

/// A listener on loopback that takes connections and never answers, not even the TLS
/// handshake; its port.
async fn hanging_receiver() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    actix_web::rt::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// Registers a webhook of `org` (by `token`) for `url`; its id and secret.
async fn webhook(app: &TestApp, token: &str, org: &str, url: &str) -> (String, String) {
    let created = app
        .json(
            "POST",
            "/api/webhooks",
            token,
            &json!({"ownerOrgId": org, "url": url}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    (
        created.body["id"].as_str().unwrap().to_owned(),
        created.body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Creates an application of `org` (by `token`); its client id.
async fn application(app: &TestApp, token: &str, org: &str, name: &str) -> String {
    let created = app
        .json(
            "POST",
            "/api/oauth-applications",
            token,
            &json!({"ownerOrgId": org, "name": name, "type": "web",
                    "redirectUrls": ["https://app.example.com/cb"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    created.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn rename(app: &TestApp, token: &str, client_id: &str, name: &str) {
    let renamed = app
        .json(
            "PATCH",
            &format!("/api/oauth-applications/{client_id}"),
            token,
            &json!({"name": name}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.raw);
}

/// Waits until `receiver` has acknowledged `count` deliveries; how long that took.
async fn acknowledged(receiver: &Receiver, count: usize, since: Instant) -> Duration {
    let deadline = since + Duration::from_secs(60);
    loop {
        let acked = receiver
            .received()
            .iter()
            .filter(|r| r["answered"] == 200)
            .count();
        if acked >= count {
            return since.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "delivery {count} did not arrive within a minute"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn one_organisations_hanging_receivers_do_not_hold_up_another(db: Db) {
    let dir = TempDir::new();
    let ca = TestCa::new("webhook fairness");
    let ca_path = ca.write_pem(dir.path());
    let receiver = Receiver::start(&script(), &ca, dir.path(), 0);
    let app = spawn_with(
        db,
        &[
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
            ("OAUTH_APPS_DATA_KEY", DATA_KEY),
        ],
    )
    .await;

    // acme: five webhooks whose receivers never answer, and a backlog of a hundred
    // events (ten applications, nine renames each).
    let mut hanging = Vec::new();
    for _ in 0..5 {
        let port = hanging_receiver().await;
        let url = format!("https://127.0.0.1:{port}/hook");
        hanging.push(webhook(&app, &admin(), "acme", &url).await.0);
    }
    let mut clients = Vec::new();
    for i in 0..10 {
        clients.push(application(&app, &admin(), "acme", &format!("Noisy {i}")).await);
    }
    for round in 0..9 {
        for client in &clients {
            rename(&app, &admin(), client, &format!("Noisy {round}")).await;
        }
    }

    // globex: one webhook whose receiver answers; each of its events arrives within the
    // bound of its write while acme's attempts hang.
    let (_, secret) = webhook(&app, &outsider(), "globex", &receiver.url()).await;
    receiver.use_secret(&secret);
    let mut waits = Vec::new();
    let start = Instant::now();
    let quiet = application(&app, &outsider(), "globex", "Quiet").await;
    waits.push(acknowledged(&receiver, 1, start).await);
    for n in 2..=6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let start = Instant::now();
        rename(&app, &outsider(), &quiet, &format!("Quiet {n}")).await;
        waits.push(acknowledged(&receiver, n, start).await);
    }
    assert!(
        waits.iter().all(|w| *w < BOUND),
        "another organisation's deliveries waited for the hanging receivers: {waits:?}"
    );
    assert!(receiver.received().iter().all(|r| r["verified"] == true));

    // The hanging attempts time out, with a reason that names no address.
    let deadline = Instant::now() + Duration::from_secs(30);
    let failed = loop {
        let listed = app
            .get(
                &format!("/api/webhooks/{}/deliveries?limit=100", hanging[0]),
                &admin(),
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.raw);
        let failed: Vec<_> = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["attempts"].as_u64().unwrap_or(0) > 0 && d["lastError"].is_string())
            .cloned()
            .collect();
        if !failed.is_empty() {
            break failed;
        }
        assert!(
            Instant::now() < deadline,
            "no attempt timed out: {}",
            listed.raw
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for d in &failed {
        assert_eq!(d["status"], "pending");
        assert_eq!(d["lastStatus"], serde_json::Value::Null);
        assert_eq!(
            d["lastError"], "timed out (no complete answer within 3s)",
            "{d}"
        );
    }
}

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/webhook_receiver.py")
}
