//! Webhooks end to end: a receiver written with the Standard Webhooks reference library
//! (Python, over https with a test CA) verifies every delivery; a receiver that fails
//! three times gets the event once more; the deliveries listing says what happened; who
//! may manage webhooks and what is refused.

use std::path::Path;
use std::time::Duration;

use awc::http::StatusCode;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::https::TestCa;
use oauth_apps_test_support::receiver::Receiver;
use serde_json::{Value, json};

use crate::harness::{Db, TestApp, admin, member, outsider, spawn_with};

/// 32 bytes in hex: the data key of the servers under test.
pub const DATA_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/webhook_receiver.py")
}

/// The webhook ids (`msg_...`) and event types of `requests`, in order.
fn ids_and_types(requests: &[Value]) -> Vec<(String, String)> {
    requests
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["payload"]["type"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub async fn a_standard_webhooks_receiver_verifies_every_delivery(db: Db) {
    let dir = TempDir::new();
    let ca = TestCa::new("webhooks e2e");
    let ca_path = ca.write_pem(dir.path());
    let receiver = Receiver::start(&script(), &ca, dir.path(), 3);
    let app: TestApp = spawn_with(
        db,
        &[
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
            ("OAUTH_APPS_DATA_KEY", DATA_KEY),
            ("OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS", "100"),
            ("OAUTH_APPS_WEBHOOK_POLL_MS", "50"),
        ],
    )
    .await;

    // What is refused, and by whom.
    let body = |url: &str| json!({"ownerOrgId": "acme", "url": url});
    let http = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("http://127.0.0.1/x"),
        )
        .await;
    assert_eq!(
        http.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        http.raw
    );
    assert_eq!(http.body["errors"][0]["field"], "url", "{}", http.raw);
    let private = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("https://10.1.2.3/x"),
        )
        .await;
    assert_eq!(
        private.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        private.raw
    );
    assert!(private.raw.contains("10.1.2.3"), "{}", private.raw);
    let unknown = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &json!({"ownerOrgId": "acme", "url": receiver.url(), "events": ["app.deleted"]}),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.raw
    );
    assert!(unknown.raw.contains("events"), "{}", unknown.raw);
    let by_member = app
        .json("POST", "/api/webhooks", &member(), &body(&receiver.url()))
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN, "{}", by_member.raw);
    let by_outsider = app
        .json("POST", "/api/webhooks", &outsider(), &body(&receiver.url()))
        .await;
    assert_eq!(
        by_outsider.status,
        StatusCode::NOT_FOUND,
        "{}",
        by_outsider.raw
    );
    let listed = app.get("/api/webhooks?ownerOrgId=acme", &admin()).await;
    assert_eq!(listed.body["items"], json!([]), "nothing was written");

    // Registered: the secret once, for the receiver.
    let created = app
        .json("POST", "/api/webhooks", &admin(), &body(&receiver.url()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    assert_eq!(created.header("cache-control").as_deref(), Some("no-store"));
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let hook = created.body["id"].as_str().unwrap().to_owned();
    receiver.use_secret(&secret);
    let read = app.get(&format!("/api/webhooks/{hook}"), &admin()).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.raw);
    assert!(!read.raw.contains(&secret[6..]), "never shown again");
    assert_eq!(read.body["events"], Value::Null);
    assert_eq!(
        app.get(&format!("/api/webhooks/{hook}"), &member())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/webhooks/{hook}"), &outsider())
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Five writes; the first delivery meets three 500s, then everything is acknowledged.
    let (client_id, _) = app.create_app("Hooked").await;
    let path = format!("/api/oauth-applications/{client_id}");
    assert_eq!(
        app.json(
            "PATCH",
            &path,
            &admin(),
            &json!({"name": "Hooked, renamed"})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&admin()), &[], None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post(&format!("{path}/enable"), &admin()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post(&format!("{path}/rotate-secret"), &admin())
            .await
            .status,
        StatusCode::OK
    );
    let expected = [
        "application.created",
        "application.updated",
        "application.disabled",
        "application.enabled",
        "secret.rotated",
    ];
    let acked = receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() >= expected.len())
        .await;
    let all = receiver.received();
    assert!(
        all.iter().all(|r| r["verified"] == true),
        "the library verified every delivery: {all:?}"
    );
    let acked = ids_and_types(&acked);
    assert_eq!(
        acked.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        expected,
        "each once, in order"
    );
    let failed = ids_and_types(&all[..3]);
    assert!(all[..3].iter().all(|r| r["answered"] == 500));
    assert!(
        failed.iter().all(|f| *f == acked[0]),
        "the three failures were the first event's, with one id: {failed:?}"
    );
    assert_eq!(
        all.len(),
        3 + expected.len(),
        "exactly once more after the failures"
    );
    let created_payload = &all[3]["payload"];
    assert_eq!(created_payload["data"]["clientId"], client_id.as_str());
    assert_eq!(created_payload["data"]["ownerOrgId"], "acme");
    assert_eq!(created_payload["data"]["actor"], "alice");

    // The listing: newest first, each delivered, the first after four attempts.
    let deliveries = app
        .get(&format!("/api/webhooks/{hook}/deliveries"), &admin())
        .await;
    assert_eq!(deliveries.status, StatusCode::OK, "{}", deliveries.raw);
    let items = deliveries.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), expected.len(), "{}", deliveries.raw);
    assert!(
        items
            .iter()
            .all(|d| d["status"] == "delivered" && d["lastStatus"] == 200)
    );
    let first = items.last().unwrap();
    assert_eq!(first["type"], "application.created");
    assert_eq!(first["attempts"], 4);
    assert_eq!(format!("msg_{}", first["id"]), acked[0].0);
    assert_eq!(first["nextAttemptAt"], Value::Null);

    // A rotation: the old secret still verifies (a second signature) while the receiver
    // switches; then the new one.
    let rotated = app
        .post(&format!("/api/webhooks/{hook}/rotate-secret"), &admin())
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["previousSecretExpiresAt"].is_string());
    assert_eq!(
        app.json("PATCH", &path, &admin(), &json!({"name": "Old secret"}))
            .await
            .status,
        StatusCode::OK
    );
    receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() > expected.len())
        .await;
    receiver.use_secret(&new_secret);
    assert_eq!(
        app.json("PATCH", &path, &admin(), &json!({"name": "New secret"}))
            .await
            .status,
        StatusCode::OK
    );
    receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() > expected.len() + 1)
        .await;
    assert!(receiver.received().iter().all(|r| r["verified"] == true));

    // Only some events: a webhook that hears rotations only; then deleted.
    let narrowed = app
        .json(
            "PATCH",
            &format!("/api/webhooks/{hook}"),
            &admin(),
            &json!({"events": ["secret.rotated"]}),
        )
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.raw);
    assert_eq!(narrowed.body["events"], json!(["secret.rotated"]));
    assert_eq!(
        app.json("PATCH", &path, &admin(), &json!({"name": "Not heard"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post(&format!("{path}/rotate-secret"), &admin())
            .await
            .status,
        StatusCode::OK
    );
    let heard = receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() > expected.len() + 2)
        .await;
    assert_eq!(heard.last().unwrap()["payload"]["type"], "secret.rotated");
    assert_eq!(heard.len(), expected.len() + 3, "the rename was not heard");
    let gone = app
        .call(
            "DELETE",
            &format!("/api/webhooks/{hook}"),
            Some(&admin()),
            &[],
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.raw);
    assert_eq!(
        app.get(&format!("/api/webhooks/{hook}"), &admin())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
