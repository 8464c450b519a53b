//! Webhook delivery across real server processes on one PostgreSQL database, to a receiver
//! written with the Standard Webhooks reference library (Python, https with a test CA):
//!
//! - SIGKILL of the server while deliveries are in flight, then a restart: every event of
//!   every acknowledged write reaches the receiver (at least once; duplicates counted);
//! - two replicas delivering from one database: 1000 writes, each event's delivery once.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod processes;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use awc::Client;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::https::TestCa;
use oauth_apps_test_support::receiver::Receiver;
use processes::{Server, call, migrated_database, send, wait_ready};
use serde_json::{Value, json};

const DATA_KEY: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/webhook_receiver.py")
}

/// A server on `url` that delivers webhooks to loopback through `ca_path`.
fn start(url: &str, ca_path: &str) -> Server {
    Server::start(
        url,
        &[
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", ca_path),
            ("OAUTH_APPS_DATA_KEY", DATA_KEY),
            ("OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS", "100"),
            ("OAUTH_APPS_WEBHOOK_MAX_RETRY_MS", "500"),
            ("OAUTH_APPS_WEBHOOK_POLL_MS", "50"),
            ("OAUTH_APPS_WEBHOOK_LEASE_SECONDS", "3"),
            ("OAUTH_APPS_DB_MAX_CONNECTIONS", "8"),
        ],
    )
}

/// Registers a webhook of `acme` for `receiver` through `base` and gives the receiver its
/// secret.
async fn hook(client: &Client, base: &str, receiver: &Receiver) {
    let created = call(
        client,
        "POST",
        &format!("{base}/api/webhooks"),
        Some(&json!({"ownerOrgId": "acme", "url": receiver.url()})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    receiver.use_secret(created.body["secret"].as_str().unwrap());
}

fn app_body(name: &str) -> Value {
    json!({"ownerOrgId": "acme", "name": name, "type": "web",
           "redirectUrls": ["https://hooked.example/cb"]})
}

/// The client id and event type of a received delivery.
fn event_of(received: &Value) -> (String, String) {
    let payload = &received["payload"];
    (
        payload["data"]["clientId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        payload["type"].as_str().unwrap_or_default().to_owned(),
    )
}

#[actix_web::test]
async fn sigkill_mid_delivery_and_a_restart_lose_no_acknowledged_event() {
    let db = migrated_database().await;
    let dir = TempDir::new();
    let ca = TestCa::new("webhook faults");
    let ca_path = ca.write_pem(dir.path());
    // Slow answers: deliveries are in flight when the server dies.
    let receiver = Receiver::start_slow(&script(), &ca, dir.path(), 0, Duration::from_millis(150));
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    let mut server = start(db.url(), &ca_path);
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    hook(&client, &server.base, &receiver).await;

    // Writers create and rename applications until the server dies; what it answered is
    // acknowledged.
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let base = server.base.clone();
            let acknowledged = Arc::clone(&acknowledged);
            actix_web::rt::spawn(async move {
                let client = Client::builder().timeout(Duration::from_secs(5)).finish();
                for n in 0.. {
                    let url = format!("{base}/api/oauth-applications");
                    let Some(created) = send(
                        &client,
                        "POST",
                        &url,
                        Some(&app_body(&format!("W{w}-{n}"))),
                        &[],
                    )
                    .await
                    else {
                        return;
                    };
                    if created.status != 201 {
                        return;
                    }
                    let id = created.body["application"]["clientId"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    acknowledged
                        .lock()
                        .unwrap()
                        .push((id.clone(), "application.created".into()));
                    let renamed = send(
                        &client,
                        "PATCH",
                        &format!("{url}/{id}"),
                        Some(&json!({"name": format!("W{w}-{n} renamed")})),
                        &[],
                    )
                    .await;
                    match renamed {
                        Some(a) if a.status == 200 => acknowledged
                            .lock()
                            .unwrap()
                            .push((id, "application.updated".into())),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Kill once deliveries are under way and some are still waiting.
    receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() >= 10)
        .await;
    server.kill9();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let received_before = receiver.received().len();
    assert!(
        received_before < acknowledged.len(),
        "the kill came while deliveries were pending ({received_before} of {})",
        acknowledged.len()
    );

    // A new process on the same database delivers the rest.
    let server = start(db.url(), &ca_path);
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let wanted: HashSet<(String, String)> = acknowledged.iter().cloned().collect();
    let acked = receiver
        .acknowledged_until(Duration::from_secs(60), |a| {
            let got: HashSet<(String, String)> = a.iter().map(event_of).collect();
            wanted.is_subset(&got)
        })
        .await;
    let all = receiver.received();
    assert!(
        all.iter().all(|r| r["verified"] == true),
        "every delivery verified"
    );
    // Per application, created before updated.
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for r in &acked {
        let (id, kind) = event_of(r);
        seen.entry(id).or_default().push(kind);
    }
    for kinds in seen.values() {
        let first_update = kinds.iter().position(|k| k == "application.updated");
        let last_create = kinds.iter().rposition(|k| k == "application.created");
        if let (Some(u), Some(c)) = (first_update, last_create) {
            assert!(c < u, "in order per application: {kinds:?}");
        }
    }
    let ids: HashSet<&str> = acked.iter().filter_map(|r| r["id"].as_str()).collect();
    eprintln!(
        "sigkill: {} acknowledged writes, {} deliveries acknowledged by the receiver, \
         {} duplicates (deliveries in flight at the kill, sent again after their lease)",
        acknowledged.len(),
        acked.len(),
        acked.len() - ids.len()
    );
    drop(server);
}

#[actix_web::test]
async fn two_replicas_deliver_each_of_1000_events_once() {
    const WRITES: usize = 1000;
    let db = migrated_database().await;
    let dir = TempDir::new();
    let ca = TestCa::new("webhook replicas");
    let ca_path = ca.write_pem(dir.path());
    let receiver = Receiver::start(&script(), &ca, dir.path(), 0);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    let a = start(db.url(), &ca_path);
    let b = start(db.url(), &ca_path);
    wait_ready(&client, &a.base, Duration::from_secs(30)).await;
    wait_ready(&client, &b.base, Duration::from_secs(30)).await;
    hook(&client, &a.base, &receiver).await;

    // 1000 creations, alternating between the replicas, eight at a time.
    let bases = [a.base.clone(), b.base.clone()];
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let bases = bases.clone();
            actix_web::rt::spawn(async move {
                let client = Client::builder().timeout(Duration::from_secs(10)).finish();
                for n in (w..WRITES).step_by(8) {
                    let url = format!("{}/api/oauth-applications", bases[n % 2]);
                    let answer =
                        call(&client, "POST", &url, Some(&app_body(&format!("R{n}")))).await;
                    assert_eq!(answer.status, 201, "{}", answer.raw);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let acked = receiver
        .acknowledged_until(Duration::from_secs(120), |got| {
            got.iter()
                .filter_map(|r| r["id"].as_str())
                .collect::<HashSet<_>>()
                .len()
                >= WRITES
        })
        .await;
    // Let any late duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = receiver.received();
    assert!(
        all.iter().all(|r| r["verified"] == true),
        "every delivery verified"
    );
    let ids: HashSet<&str> = all.iter().filter_map(|r| r["id"].as_str()).collect();
    let events: HashSet<(String, String)> = acked.iter().map(event_of).collect();
    assert_eq!(events.len(), WRITES, "every write's event");
    let duplicates = all.len() - ids.len();
    eprintln!(
        "replicas: {WRITES} writes, {} deliveries received, {duplicates} duplicates",
        all.len()
    );
    assert_eq!(
        duplicates, 0,
        "each event delivered once in the normal case"
    );
}
