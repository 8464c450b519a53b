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

    // The listing: newest first, each delivered, the first after four attempts. The
    // receiver acknowledges before the dispatcher records the outcome: read until the
    // last acknowledgement is recorded.
    let mut items = Vec::new();
    for _ in 0..100 {
        let deliveries = app
            .get(&format!("/api/webhooks/{hook}/deliveries"), &admin())
            .await;
        assert_eq!(deliveries.status, StatusCode::OK, "{}", deliveries.raw);
        items = deliveries.body["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), expected.len(), "{}", deliveries.raw);
        if items.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        items
            .iter()
            .all(|d| d["status"] == "delivered" && d["lastStatus"] == 200),
        "{items:?}"
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

/// A webhook's URL is refused as a redirect URL would be and kept normalised; a change
/// names the version it applies to (`If-Match`); an organisation has at most its limit
/// of webhooks; and the problems name the webhook, the initial access token or the
/// policy they are about.
pub async fn webhook_urls_versions_limits_and_problem_texts(db: Db) {
    let app: TestApp = spawn_with(
        db,
        &[
            ("OAUTH_APPS_DATA_KEY", DATA_KEY),
            ("OAUTH_APPS_WEBHOOKS_PER_ORG", "2"),
        ],
    )
    .await;
    let hook = normalised_urls(&app).await;
    changes_name_their_version(&app, &hook).await;
    organisations_keep_to_their_limit(&app).await;
    problems_name_their_resource(&app).await;
}

/// A confusable URL is refused; an accepted one is kept normalised, with version 1 as
/// its `ETag`; the webhook's id.
async fn normalised_urls(app: &TestApp) -> String {
    let body = |url: &str| json!({"ownerOrgId": "acme", "url": url});
    let confusable = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("https://hooks.example\\@10.0.0.1/"),
        )
        .await;
    assert_eq!(
        confusable.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        confusable.raw
    );
    assert_eq!(confusable.body["errors"][0]["field"], "url");
    assert_eq!(
        confusable.body["errors"][0]["message"],
        "must not contain backslashes (\\)"
    );
    assert_eq!(
        confusable.body["detail"],
        "The request breaks the rules for webhooks."
    );
    let private = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("https://10.0.0.1/in"),
        )
        .await;
    assert_eq!(
        private.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        private.raw
    );
    assert_eq!(
        private.body["errors"],
        json!([{
            "field": "url",
            "message": "cannot be fetched: the URL must not point to a special-purpose \
                        address: 10.0.0.1 is in 10.0.0.0/8 (private)"
        }]),
        "{}",
        private.raw
    );
    let created = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("HTTPS://Hooks.Acme.Example:443/a/../in"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    assert_eq!(created.body["url"], "https://hooks.acme.example/in");
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    let hook = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/webhooks/{hook}");
    let read = app.get(&path, &admin()).await;
    assert_eq!(read.body["url"], "https://hooks.acme.example/in");
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    hook
}

/// Two admins read version 1; the first change wins, the second is refused.
async fn changes_name_their_version(app: &TestApp, hook: &str) {
    let path = format!("/api/webhooks/{hook}");
    let change = |url: &str| json!({"url": url}).to_string().into_bytes();
    let first = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\"")],
            Some((
                "application/json",
                change("https://hooks.acme.example/first"),
            )),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    assert_eq!(first.header("etag").as_deref(), Some("\"2\""));
    let second = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\"")],
            Some((
                "application/json",
                change("https://hooks.acme.example/second"),
            )),
        )
        .await;
    assert_eq!(
        second.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        second.raw
    );
    assert_eq!(
        second.body["detail"],
        "The webhook has changed since the version in If-Match."
    );
    assert_eq!(
        app.get(&path, &admin()).await.body["url"],
        "https://hooks.acme.example/first"
    );
    let any = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "*")],
            Some(("application/json", change("https://hooks.acme.example/any"))),
        )
        .await;
    assert_eq!(any.status, StatusCode::OK, "{}", any.raw);
    assert_eq!(any.header("etag").as_deref(), Some("\"3\""));
    let outsider_tries = app
        .call(
            "PATCH",
            &path,
            Some(&outsider()),
            &[("If-Match", "\"1\"")],
            Some(("application/json", change("https://x.example/"))),
        )
        .await;
    assert_eq!(outsider_tries.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider_tries.body["detail"], "The webhook was not found.");
    let unknown = app
        .get(
            "/api/webhooks/0b7c6f7e-3b1e-4a8f-9d3c-2f1f6a0e9c11",
            &admin(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["detail"], "The webhook was not found.");
}

async fn organisations_keep_to_their_limit(app: &TestApp) {
    let body = |url: &str| json!({"ownerOrgId": "acme", "url": url});
    // The organisation's limit: a second webhook, then no third.
    let again = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("https://hooks.acme.example/2"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.raw);
    let over = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &body("https://hooks.acme.example/3"),
        )
        .await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.raw);
    assert_eq!(
        over.body["detail"],
        "the organisation already has 2 webhooks, the most it may have; delete one first"
    );
    let listed = app.get("/api/webhooks?ownerOrgId=acme", &admin()).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    let elsewhere = app
        .json(
            "POST",
            "/api/webhooks",
            &outsider(),
            &json!({"ownerOrgId": "globex", "url": "https://hooks.globex.example/"}),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.raw);
}

async fn problems_name_their_resource(app: &TestApp) {
    // The other resources' problems name them.
    let no_token = app
        .call(
            "DELETE",
            "/api/initial-access-tokens/0b7c6f7e-3b1e-4a8f-9d3c-2f1f6a0e9c11",
            Some(&admin()),
            &[],
            None,
        )
        .await;
    assert_eq!(no_token.status, StatusCode::NOT_FOUND, "{}", no_token.raw);
    assert_eq!(
        no_token.body["detail"],
        "The initial access token was not found."
    );
    let bad_token = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 1}),
        )
        .await;
    assert_eq!(
        bad_token.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_token.raw
    );
    assert_eq!(
        bad_token.body["detail"],
        "The request breaks the rules for initial access tokens."
    );
    let bad_policy = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"secretLifetimeDays": 0}),
        )
        .await;
    assert_eq!(
        bad_policy.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_policy.raw
    );
    assert_eq!(
        bad_policy.body["detail"],
        "The request breaks the rules for organisation policies."
    );
}
