//! Clients that registered themselves and went quiet, end to end: the organisation's
//! `staleAfterDays` set and read on the flat surface (bad values named), and the server's
//! lifecycle job warning a quiet self-registered client once, never an operator's client.

use std::time::Duration;

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Db, TestApp, admin, authenticator, member, spawn_with};

/// `client_id`'s events in the change feed: (action, actor).
async fn feed(app: &TestApp, client_id: &str) -> Vec<(String, String)> {
    let page = app.get("/api/events?limit=100", &authenticator()).await;
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["clientId"] == client_id)
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn warnings(events: &[(String, String)]) -> usize {
    events.iter().filter(|(a, _)| a == "stale_warning").count()
}

/// Registers a client at `POST /register` with a new initial access token; its client id
/// and registration access token.
async fn register(app: &TestApp) -> (String, String) {
    let minted = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 600}),
        )
        .await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.raw);
    let registered = app
        .json(
            "POST",
            "/register",
            minted.body["initialAccessToken"].as_str().unwrap(),
            &json!({"redirect_uris": ["https://client.example/cb"]}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
    (
        registered.body["client_id"].as_str().unwrap().to_owned(),
        registered.body["registration_access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

pub async fn quiet_self_registered_clients_are_warned_by_the_lifecycle_job(db: Db) {
    let app = spawn_with(
        db,
        &[
            ("OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS", "1"),
            ("OAUTH_APPS_CACHE_TTL_MS", "0"),
        ],
    )
    .await;
    let path = "/api/organizations/acme/policy";
    assert_eq!(
        app.get(path, &member()).await.body["staleAfterDays"],
        Value::Null
    );
    for bad in [json!(0), json!(3651), json!(-5)] {
        let refused = app
            .json("PUT", path, &admin(), &json!({"staleAfterDays": bad}))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.raw
        );
        assert_eq!(
            refused.body["errors"][0]["field"], "staleAfterDays",
            "{}",
            refused.raw
        );
        assert_eq!(
            refused.body["errors"][0]["message"], "must be between 1 and 3650",
            "{}",
            refused.raw
        );
    }
    assert_eq!(
        app.get(path, &member()).await.body["staleAfterDays"],
        Value::Null
    );

    let (manual, _) = app.create_app("Operator's").await;
    let (dynamic, token) = register(&app).await;
    // A read of its registration (RFC 7592) is fine; it is noted, not a change.
    let read = app
        .call(
            "GET",
            &format!("/register/{dynamic}"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.raw);

    // One day: shorter than the warning's 7, so the warning is due at once.
    let set = app
        .json("PUT", path, &admin(), &json!({"staleAfterDays": 1}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.raw);
    assert_eq!(set.body["staleAfterDays"], 1);
    assert_eq!(app.get(path, &member()).await.body["staleAfterDays"], 1);

    for _ in 0..100 {
        if warnings(&feed(&app, &dynamic).await) > 0 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // Several more sweeps: still one warning in this quiet period.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let events = feed(&app, &dynamic).await;
    assert_eq!(warnings(&events), 1, "{events:?}");
    assert!(
        events.contains(&("stale_warning".to_owned(), "system:stale-client".to_owned())),
        "{events:?}"
    );
    assert_eq!(warnings(&feed(&app, &manual).await), 0);
    // Warned, not disabled: a day has not passed.
    let client = app
        .get(&format!("/api/oauth-applications/{dynamic}"), &admin())
        .await;
    assert_eq!(client.body["disabled"], false, "{}", client.raw);
}
