//! Every action a change can be, told the same way everywhere: one write of each (made by
//! an administrator, the expiry job, the stale-client sweep and a secret scanning report),
//! and for each the webhook
//! delivery (verified by the Standard Webhooks reference library), the change feed's entry
//! at the delivery's position and the application's audit trail agree on the action, the
//! changed fields, the application, the actor and the request. The actions walked are
//! checked against the domain's list of actions, so a new one cannot be left out.

use std::collections::BTreeSet;
use std::time::Duration;

use awc::http::StatusCode;
use oauth_apps_domain::AuditAction;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::https::TestCa;
use oauth_apps_test_support::keys::{ScanningSigner, Signer};
use oauth_apps_test_support::receiver::Receiver;
use serde_json::{Value, json};

use crate::change_events::{feed_entry, script, webhook_type};
use crate::harness::{Db, TestApp, admin, spawn_with};
use crate::webhooks::DATA_KEY;

const APPS: &str = "/api/oauth-applications";

async fn ok(app: &TestApp, method: &str, path: &str, body: &Value) -> Value {
    let reply = app.json(method, path, &admin(), body).await;
    assert!(reply.status.is_success(), "{method} {path}: {}", reply.raw);
    reply.body
}

/// One write of each action an administrator makes, and a leak report; the expiry job
/// warns of a new secret on its own (secrets live one day here), and the stale-client sweep
/// of a client that registered itself (its organisation's quiet period is one day, shorter
/// than the warning's 7, so the warning is due at once).
async fn one_write_of_each(app: &TestApp, signer: &ScanningSigner) {
    ok(
        app,
        "PUT",
        "/api/organizations/acme/policy",
        &json!({"staleAfterDays": 1}),
    )
    .await;
    let minted = ok(
        app,
        "POST",
        "/api/initial-access-tokens",
        &json!({"ownerOrgId": "acme", "expiresInSeconds": 600}),
    )
    .await;
    let registered = app
        .json(
            "POST",
            "/register",
            minted["initialAccessToken"].as_str().unwrap(),
            &json!({"redirect_uris": ["https://quiet.example/cb"]}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
    // Its secret is left alone, for the expiry job to warn of.
    app.create_app("Expiring").await;
    let (client_id, _) = app.create_app("Every action").await;
    let path = format!("{APPS}/{client_id}");
    ok(
        app,
        "PATCH",
        &path,
        &json!({"name": "Every action, renamed"}),
    )
    .await;
    let disabled = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.raw);
    ok(app, "POST", &format!("{path}/enable"), &json!({})).await;
    let rotated = ok(
        app,
        "POST",
        &format!("{path}/rotate-secret"),
        &json!({"gracePeriodSeconds": 600}),
    )
    .await;
    ok(
        app,
        "POST",
        &format!("{path}/revoke-previous-secret"),
        &json!({}),
    )
    .await;
    let secret = rotated["clientSecret"].as_str().unwrap();
    let report = json!([{"token": secret, "type": "oauth_apps_client_secret",
        "url": "https://github.com/acme/app/blob/main/.env", "source": "content"}]);
    let bytes = report.to_string().into_bytes();
    let signature = signer.sign(&bytes);
    let headers = [
        (
            "Github-Public-Key-Identifier",
            signer.key_identifier.as_str(),
        ),
        ("Github-Public-Key-Signature", signature.as_str()),
    ];
    let reported = app
        .call(
            "POST",
            "/api/secret-scanning/reports",
            None,
            &headers,
            Some(("application/json", bytes)),
        )
        .await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.raw);
    assert_eq!(
        reported.body[0]["label"], "true_positive",
        "{}",
        reported.raw
    );

    let keys = Signer::es256("key-1");
    let made = ok(
        app,
        "POST",
        APPS,
        &json!({"ownerOrgId": "acme", "name": "Signed", "type": "web",
                "redirectUrls": ["https://app.example.com/cb"],
                "tokenEndpointAuthMethod": "private_key_jwt", "jwks": keys.jwks()}),
    )
    .await;
    let signed = made["application"]["clientId"].as_str().unwrap();
    let next = Signer::es256("key-2");
    ok(
        app,
        "POST",
        &format!("{APPS}/{signed}/rotate-keys"),
        &json!({"jwks": next.jwks(), "gracePeriodSeconds": 0}),
    )
    .await;
}

/// The action names of `deliveries`.
fn actions(deliveries: &[Value]) -> BTreeSet<String> {
    deliveries
        .iter()
        .filter_map(|d| d["payload"]["data"]["action"].as_str())
        .map(str::to_owned)
        .collect()
}

/// The audit event at `position` in the trail of `client_id`.
async fn audited(app: &TestApp, client_id: &str, position: i64) -> Value {
    let trail = app
        .get(&format!("{APPS}/{client_id}/events?limit=100"), &admin())
        .await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.raw);
    trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == position)
        .unwrap_or_else(|| panic!("the trail of {client_id} holds {position}: {}", trail.raw))
        .clone()
}

pub async fn every_action_is_told_the_same_way(db: Db) {
    let dir = TempDir::new();
    let ca = TestCa::new("change actions e2e");
    let ca_path = ca.write_pem(dir.path());
    let signer = ScanningSigner::new("scanner-key-1");
    let keys_file = dir.path().join("scanning-keys.json");
    std::fs::write(
        &keys_file,
        json!({"public_keys": [signer.entry()]}).to_string(),
    )
    .unwrap();
    let keys_path = keys_file.to_string_lossy().into_owned();
    let receiver = Receiver::start(&script(), &ca, dir.path(), 0);
    let app: TestApp = spawn_with(
        db,
        &[
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
            ("OAUTH_APPS_DATA_KEY", DATA_KEY),
            ("OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS", "100"),
            ("OAUTH_APPS_WEBHOOK_POLL_MS", "50"),
            ("OAUTH_APPS_SECRET_SCANNING_KEYS_FILE", &keys_path),
            ("OAUTH_APPS_SECRET_LIFETIME_DAYS", "1"),
            ("OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS", "1"),
            ("OAUTH_APPS_CACHE_TTL_MS", "0"),
            ("OAUTH_APPS_ASSERTION_AUDIENCES", "https://as.example/token"),
        ],
    )
    .await;
    let hook = ok(
        &app,
        "POST",
        "/api/webhooks",
        &json!({"ownerOrgId": "acme", "url": receiver.url()}),
    )
    .await;
    receiver.use_secret(hook["secret"].as_str().unwrap());

    one_write_of_each(&app, &signer).await;

    let every: BTreeSet<String> = AuditAction::NAMES.iter().map(|n| (*n).to_owned()).collect();
    let delivered = receiver
        .acknowledged_until(Duration::from_secs(30), |d| actions(d) == every)
        .await;
    assert_eq!(actions(&delivered), every, "{delivered:?}");
    for delivery in &delivered {
        assert_eq!(delivery["verified"], true, "{delivery}");
        let payload = &delivery["payload"];
        let data = &payload["data"];
        let action = data["action"].as_str().unwrap();
        let position = data["position"].as_i64().unwrap();
        let client_id = data["clientId"].as_str().unwrap();
        let entry = feed_entry(&app, position).await;
        let audited = audited(&app, client_id, position).await;
        assert_eq!(payload["type"], webhook_type(action), "{payload}");
        for view in [&entry, &audited] {
            assert_eq!(view["action"], action, "{view} / {payload}");
            assert_eq!(
                view["changedFields"], data["changedFields"],
                "{view} / {payload}"
            );
            assert_eq!(view["actor"], data["actor"], "{view} / {payload}");
            assert_eq!(view["requestId"], data["requestId"], "{view} / {payload}");
            assert_eq!(view["at"], payload["timestamp"], "{view} / {payload}");
        }
        assert_eq!(entry["clientId"], client_id, "{entry}");
        assert_eq!(entry["ownerOrgId"], data["ownerOrgId"], "{entry}");
        assert_eq!(data["ownerOrgId"], "acme", "{payload}");
    }
}
