//! Secret lifecycles end to end: an organisation's policy, `clientSecretExpiresAt` on both
//! surfaces, expiry warnings from the background job, and leak reports in GitHub's secret
//! scanning format, signed with a P-256 key the server trusts.

use std::time::Duration;

use awc::http::StatusCode;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::keys::ScanningSigner;
use serde_json::{Value, json};

use crate::harness::{Db, Reply, TestApp, admin, authenticator, member, spawn_with};

fn seconds_from_now(rfc3339: &str) -> i64 {
    use oauth_apps_domain::Clock as _;
    let at = oauth_apps_domain::Timestamp::parse_rfc3339(rfc3339).unwrap();
    (at.unix_micros() - oauth_apps_domain::SystemClock.now().unix_micros()) / 1_000_000
}

async fn post_report(app: &TestApp, signer: &ScanningSigner, body: &Value, sign: bool) -> Reply {
    let bytes = body.to_string().into_bytes();
    let signature = signer.sign(&bytes);
    let mut headers = vec![(
        "Github-Public-Key-Identifier",
        signer.key_identifier.as_str(),
    )];
    if sign {
        headers.push(("Github-Public-Key-Signature", signature.as_str()));
    }
    app.call(
        "POST",
        "/api/secret-scanning/reports",
        None,
        &headers,
        Some(("application/json", bytes)),
    )
    .await
}

/// The feed's events of `client_id`, by action.
async fn feed_actions(app: &TestApp, client_id: &str) -> Vec<String> {
    let page = app.get("/api/events?limit=100", &authenticator()).await;
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["clientId"] == client_id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn policies_expiry_and_leak_reports(db: Db) {
    let dir = TempDir::new();
    let signer = ScanningSigner::new("scanner-key-1");
    let keys_file = dir.path().join("scanning-keys.json");
    std::fs::write(
        &keys_file,
        json!({"public_keys": [signer.entry()]}).to_string(),
    )
    .unwrap();
    let keys_path = keys_file.to_string_lossy().into_owned();
    let app = spawn_with(
        db,
        &[
            ("OAUTH_APPS_SECRET_SCANNING_KEYS_FILE", &keys_path),
            // One day by default: a new secret is within the last day, warned at once.
            ("OAUTH_APPS_SECRET_LIFETIME_DAYS", "1"),
            ("OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS", "1"),
            ("OAUTH_APPS_CACHE_TTL_MS", "0"),
        ],
    )
    .await;

    // The platform default applies; the warning at 1 day comes once.
    let (short, short_secret) = app.create_app("Short-lived").await;
    let read = app
        .get(&format!("/api/oauth-applications/{short}"), &admin())
        .await;
    let left = seconds_from_now(read.body["clientSecretExpiresAt"].as_str().unwrap());
    assert!((86_300..=86_400).contains(&left), "{left}");
    for _ in 0..100 {
        let actions = feed_actions(&app, &short).await;
        if actions.iter().any(|a| a == "secret_expiring") {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let warned = feed_actions(&app, &short).await;
    assert_eq!(
        warned.iter().filter(|a| *a == "secret_expiring").count(),
        1,
        "one warning at the 1-day threshold: {warned:?}"
    );
    assert!(app.authenticates(&short, &short_secret).await);

    // The organisation's policy: 30 days, revoke on leaks.
    let policy = app.get("/api/organizations/acme/policy", &member()).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.raw);
    assert_eq!(policy.body["secretLifetimeDays"], Value::Null);
    assert_eq!(policy.body["effectiveSecretLifetimeDays"], 1);
    assert_eq!(policy.body["leakedSecretAction"], "revoke");
    let body = json!({"secretLifetimeDays": 30, "leakedSecretAction": "revoke"});
    let by_member = app
        .json("PUT", "/api/organizations/acme/policy", &member(), &body)
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN, "{}", by_member.raw);
    let bad = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"secretLifetimeDays": 0, "leakedSecretAction": "shrug"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.raw);
    let named: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["secretLifetimeDays", "leakedSecretAction"]);
    let set = app
        .json("PUT", "/api/organizations/acme/policy", &admin(), &body)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.raw);
    assert_eq!(set.body["effectiveSecretLifetimeDays"], 30);
    assert_eq!(set.body["updatedBy"], "alice");

    // New secrets end in 30 days, on both surfaces.
    let (client_id, secret) = app.create_app("Leaky").await;
    let flat = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    let left = seconds_from_now(flat.body["clientSecretExpiresAt"].as_str().unwrap());
    assert!((30 * 86_400 - 100..=30 * 86_400).contains(&left), "{left}");
    let v1_list = app
        .get(
            "/api/v1/organizations/acme/oauth-applications?limit=100",
            &admin(),
        )
        .await;
    let v1 = v1_list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == client_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        v1["client_secret_expires_at"],
        flat.body["clientSecretExpiresAt"]
    );

    // Forged or unsigned reports change nothing.
    let reported = json!([
        {"token": secret, "type": "oauth_apps_client_secret",
         "url": "https://github.com/acme/app/blob/main/.env", "source": "content"},
        {"token": format!("{}A", &secret[..secret.len() - 1]), "type": "oauth_apps_client_secret",
         "url": "https://github.com/acme/app/blob/main/x", "source": "content"},
        {"token": "ghp_notoursnotoursnotoursnotoursnotours00", "type": "github_token",
         "url": "https://github.com/acme/app/blob/main/y", "source": "commit"},
    ]);
    let unsigned = post_report(&app, &signer, &reported, false).await;
    assert_eq!(
        unsigned.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        unsigned.raw
    );
    let stranger = ScanningSigner::new("scanner-key-1");
    let forged = post_report(&app, &stranger, &reported, true).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{}", forged.raw);
    assert!(app.authenticates(&client_id, &secret).await);

    // A signed report: the live secret is a true positive and stops working at once.
    let answer = post_report(&app, &signer, &reported, true).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.raw);
    let labels: Vec<&str> = answer
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["true_positive", "false_positive", "false_positive"]
    );
    assert_eq!(answer.body[0]["token_raw"], secret.as_str());
    assert_eq!(answer.body[0]["token_type"], "oauth_apps_client_secret");
    assert!(!app.authenticates(&client_id, &secret).await);
    assert!(
        feed_actions(&app, &client_id)
            .await
            .contains(&"secret_leaked".to_owned())
    );
    let trail = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events"),
            &admin(),
        )
        .await;
    let leak = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "secret_leaked")
        .unwrap()
        .clone();
    assert_eq!(leak["actor"], "secret-scanning");
    // Reported again: no longer live.
    let again = post_report(&app, &signer, &reported, true).await;
    assert_eq!(again.body[0]["label"], "false_positive");
    // A rotation gives the client a working secret.
    let rotated = app
        .post(
            &format!("/api/oauth-applications/{client_id}/rotate-secret"),
            &admin(),
        )
        .await;
    let fresh = rotated.body["clientSecret"].as_str().unwrap();
    assert!(app.authenticates(&client_id, fresh).await);
}
