//! One change, one record, told the same way everywhere: for each write, the webhook
//! delivery (verified by the Standard Webhooks reference library), the change feed's entry
//! at the delivery's position and the application's audit trail name the same action and
//! the same changed fields; a status change is `disabled` / `enabled` whichever surface
//! made it, and a v1 PATCH that changes the status and other fields records both.

use std::time::Duration;

use awc::http::StatusCode;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::https::TestCa;
use oauth_apps_test_support::receiver::Receiver;
use serde_json::{Value, json};

use crate::harness::{Db, TestApp, admin, spawn_with};
use crate::webhooks::DATA_KEY;

pub(crate) fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/webhook_receiver.py")
}

/// The feed's entry at `position`, read as an organisation admin.
pub(crate) async fn feed_entry(app: &TestApp, position: i64) -> Value {
    let page = app
        .get(
            &format!("/api/events?ownerOrgId=acme&after={}&limit=1", position - 1),
            &admin(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    let entry = page.body["items"][0].clone();
    assert_eq!(entry["id"], position, "{}", page.raw);
    entry
}

/// The webhook type of a feed action.
pub(crate) fn webhook_type(action: &str) -> String {
    match action {
        "secret_rotated" => "secret.rotated".to_owned(),
        "previous_secret_revoked" => "secret.previous_revoked".to_owned(),
        "keys_rotated" => "keys.rotated".to_owned(),
        "secret_expiring" => "secret.expiring".to_owned(),
        "secret_leaked" => "secret.leaked".to_owned(),
        other => format!("application.{other}"),
    }
}

/// Registers an application on the v1 surface, then changes its status there (alone, and
/// with other fields) and on the flat surface; its client id.
async fn change_the_status_on_both_surfaces(app: &TestApp) -> String {
    let made = app
        .json(
            "POST",
            "/api/v1/organizations/acme/oauth-applications",
            &admin(),
            &json!({"name": "Told once", "redirect_uris": ["https://told.example/cb"]}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.raw);
    let id = made.body["data"]["id"].as_i64().unwrap();
    let client_id = made.body["data"]["client_id"].as_str().unwrap().to_owned();
    let v1 = format!("/api/v1/organizations/acme/oauth-applications/{id}");
    let flat = format!("/api/oauth-applications/{client_id}");
    let patch = |body: Value| {
        let v1 = &v1;
        async move {
            let answer = app.json("PATCH", v1, &admin(), &body).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.raw);
        }
    };
    patch(json!({"status": "revoked"})).await;
    patch(json!({"status": "active", "name": "Told twice",
                 "redirect_uris": ["https://told.example/cb2"]}))
    .await;
    let disabled = app.call("DELETE", &flat, Some(&admin()), &[], None).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.raw);
    let enabled = app.post(&format!("{flat}/enable"), &admin()).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.raw);
    let revoked = app.call("DELETE", &v1, Some(&admin()), &[], None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.raw);
    client_id
}

pub async fn every_surface_tells_a_change_the_same_way(db: Db) {
    let dir = TempDir::new();
    let ca = TestCa::new("change events e2e");
    let ca_path = ca.write_pem(dir.path());
    let receiver = Receiver::start(&script(), &ca, dir.path(), 0);
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
    let created = app
        .json(
            "POST",
            "/api/webhooks",
            &admin(),
            &json!({"ownerOrgId": "acme", "url": receiver.url()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    receiver.use_secret(created.body["secret"].as_str().unwrap());

    let client_id = change_the_status_on_both_surfaces(&app).await;

    let expected: [(&str, &[&str]); 7] = [
        ("created", &[]),
        ("disabled", &["disabled"]),
        ("updated", &["name", "redirectUrls"]),
        ("enabled", &["disabled"]),
        ("disabled", &["disabled"]),
        ("enabled", &["disabled"]),
        ("disabled", &["disabled"]),
    ];
    let delivered = receiver
        .acknowledged_until(Duration::from_secs(30), |a| a.len() >= expected.len())
        .await;
    assert_eq!(delivered.len(), expected.len(), "{delivered:?}");
    assert!(
        delivered.iter().all(|d| d["verified"] == true),
        "the library verified every delivery: {delivered:?}"
    );

    let trail = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events?limit=100"),
            &admin(),
        )
        .await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.raw);
    let trail = trail.body["items"].as_array().unwrap().clone();
    assert_eq!(trail.len(), expected.len(), "{trail:?}");
    for (delivery, (action, fields)) in delivered.iter().zip(expected) {
        let payload = &delivery["payload"];
        let data = &payload["data"];
        let position = data["position"].as_i64().unwrap();
        let entry = feed_entry(&app, position).await;
        let audited = trail
            .iter()
            .find(|e| e["id"] == position)
            .unwrap_or_else(|| panic!("the audit trail holds {position}: {trail:?}"));
        // The same action ...
        assert_eq!(entry["action"], action, "{entry}");
        assert_eq!(audited["action"], action, "{audited}");
        assert_eq!(data["action"], action, "{payload}");
        assert_eq!(payload["type"], webhook_type(action), "{payload}");
        // ... the same field names ...
        if action != "created" {
            assert_eq!(entry["changedFields"], json!(fields), "{entry}");
        }
        assert_eq!(data["changedFields"], entry["changedFields"], "{payload}");
        assert_eq!(audited["changedFields"], entry["changedFields"]);
        // ... about the same application, by the same caller, in the same request.
        assert_eq!(data["clientId"], entry["clientId"]);
        assert_eq!(data["clientId"], client_id.as_str());
        assert_eq!(data["ownerOrgId"], entry["ownerOrgId"]);
        assert_eq!(data["actor"], entry["actor"]);
        assert_eq!(data["requestId"], entry["requestId"]);
    }
    // A created event names the fields in the same vocabulary as every other.
    let created_fields = &delivered[0]["payload"]["data"]["changedFields"];
    for name in [
        "ownerOrgId",
        "redirectUrls",
        "allowedScopes",
        "tokenEndpointAuthMethod",
    ] {
        assert!(
            created_fields.as_array().unwrap().iter().any(|f| f == name),
            "{name} in {created_fields}"
        );
    }
}
