//! The change feed at `GET /api/events`: every application's events in commit order,
//! who may read it, and long-polling.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, admin, authenticator, member};

pub async fn the_change_feed_follows_every_write(app: TestApp) {
    let created = app
        .json(
            "POST",
            "/api/oauth-applications",
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "Followed", "type": "web",
                    "redirectUrls": ["https://app.example.com/cb"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    let client_id = created.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/oauth-applications/{client_id}");
    let renamed = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"name": "Followed, renamed"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.raw);

    let page = app.get("/api/events?limit=100", &authenticator()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    let mine: Vec<&Value> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["clientId"] == client_id.as_str())
        .collect();
    let actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "updated"], "{}", page.raw);
    assert_eq!(mine[1]["changedFields"], json!(["name"]));
    assert_eq!(mine[0]["ownerOrgId"], "acme");
    let positions: Vec<i64> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let cursor = page.body["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(cursor, positions.last().unwrap().to_string());

    // Who reads: an org's admins naming it; not its members, not without naming it.
    let theirs = app.get("/api/events?ownerOrgId=acme", &admin()).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.raw);
    assert_eq!(
        app.get("/api/events?ownerOrgId=acme", &member())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/events", &admin()).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .get("/api/events?wait=31&after=-3", &authenticator())
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.raw);

    // Nothing new: the same cursor back at once.
    let idle = app
        .get(&format!("/api/events?after={cursor}"), &authenticator())
        .await;
    assert_eq!(idle.body["items"], json!([]));
    assert_eq!(idle.body["nextCursor"], cursor.as_str());

    // Long-polling: a reader waiting gets the write made while it waits.
    let (poll_path, reader) = (
        format!("/api/events?after={cursor}&wait=20"),
        authenticator(),
    );
    let waiting = app.get(&poll_path, &reader);
    let write = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        app.call("DELETE", &path, Some(&admin()), &[], None).await
    };
    let (polled, disabled) = futures_util::future::join(waiting, write).await;
    assert!(disabled.status.is_success(), "{}", disabled.raw);
    assert_eq!(polled.status, StatusCode::OK, "{}", polled.raw);
    assert_eq!(
        polled.body["items"][0]["action"], "disabled",
        "{}",
        polled.raw
    );
    assert_eq!(polled.body["items"][0]["clientId"], client_id.as_str());
}
