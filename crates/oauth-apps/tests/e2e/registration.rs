//! Self-registration, end to end: initial access tokens minted, listed and revoked by an
//! organisation's admins.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, admin, member, outsider};

const TOKENS: &str = "/api/initial-access-tokens";

/// Minting shows the token once (never again: not in lists, not on revocation), stores
/// who minted it, and every broken rule is named; only the organisation's admins manage
/// its tokens; a revocation stands as first made.
pub async fn initial_access_tokens_are_minted_listed_and_revoked(app: TestApp) {
    let reply = app
        .json(
            "POST",
            TOKENS,
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 3600, "maxUses": 1}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let secret = reply.body["initialAccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        secret.starts_with("oait_") && secret.len() == 48,
        "{secret}"
    );
    let token = &reply.body["token"];
    let id = token["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.header("location").as_deref(),
        Some(format!("{TOKENS}/{id}").as_str())
    );
    assert_eq!(token["ownerOrgId"], "acme");
    assert_eq!(token["createdBy"], "alice");
    assert_eq!((&token["maxUses"], &token["uses"]), (&json!(1), &json!(0)));
    assert_eq!(token["revokedAt"], Value::Null);

    let unlimited = app
        .json(
            "POST",
            TOKENS,
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 60}),
        )
        .await;
    assert_eq!(unlimited.status, StatusCode::CREATED, "{}", unlimited.raw);
    assert_eq!(unlimited.body["token"]["maxUses"], Value::Null);

    let listed = app
        .get(&format!("{TOKENS}?ownerOrgId=acme"), &admin())
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.raw);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["id"], json!(id), "newest first");
    assert!(!listed.raw.contains(&secret), "the token is shown once");

    // Every broken rule, named; nothing minted.
    let refused = app
        .json(
            "POST",
            TOKENS,
            &admin(),
            &json!({"ownerOrgId": "bad org", "expiresInSeconds": 59, "maxUses": 0}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.raw
    );
    for field in ["ownerOrgId", "expiresInSeconds", "maxUses"] {
        assert!(refused.raw.contains(field), "{field}: {}", refused.raw);
    }
    let missing = app
        .json("POST", TOKENS, &admin(), &json!({"ownerOrgId": "acme"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.raw);
    assert!(missing.raw.contains("expiresInSeconds"), "{}", missing.raw);

    // Who may.
    let body = json!({"ownerOrgId": "acme", "expiresInSeconds": 60});
    assert_eq!(
        app.json("POST", TOKENS, &member(), &body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.json("POST", TOKENS, &outsider(), &body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("{TOKENS}?ownerOrgId=acme"), &member())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("{TOKENS}?ownerOrgId=acme"), &outsider())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let path = format!("{TOKENS}/{id}");
    for (token, status) in [
        (member(), StatusCode::FORBIDDEN),
        (outsider(), StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            app.call("DELETE", &path, Some(&token), &[], None)
                .await
                .status,
            status
        );
    }

    // Revocation.
    let revoked = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.raw);
    let revoked_at = revoked.body["revokedAt"].clone();
    assert!(revoked_at.is_string());
    assert!(!revoked.raw.contains(&secret));
    let again = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(
        again.body["revokedAt"], revoked_at,
        "the first revocation stands"
    );
    let unknown = format!("{TOKENS}/00000000-0000-4000-8000-000000000000");
    assert_eq!(
        app.call("DELETE", &unknown, Some(&admin()), &[], None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("{TOKENS}/nope"),
            Some(&admin()),
            &[],
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}
