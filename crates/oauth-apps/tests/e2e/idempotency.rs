//! `Idempotency-Key` on creates and rotations of both surfaces: a retry gets the first
//! answer (secret included) and the store holds one application; another body with the
//! key is 422, a concurrent one 409; keys are per caller; the kept answer is sealed.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Reply, TestApp, admin, token};

fn body(name: &str) -> Value {
    json!({"ownerOrgId": "acme", "name": name, "type": "web",
           "redirectUrls": ["https://idem.example/cb"]})
}

async fn create(app: &TestApp, caller: &str, key: &str, body: &Value) -> Reply {
    app.call(
        "POST",
        "/api/oauth-applications",
        Some(caller),
        &[("Idempotency-Key", key)],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

/// How many applications of `acme` are named `name`.
async fn count_named(app: &TestApp, name: &str) -> usize {
    let page = app
        .get(
            "/api/oauth-applications?ownerOrgId=acme&limit=100",
            &admin(),
        )
        .await;
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == name)
        .count()
}

pub async fn retried_creates_and_rotations_get_the_first_answer(app: TestApp) {
    // A create, retried: the same client id and secret; one application stored.
    let first = create(&app, &admin(), "\"create-1\"", &body("Idem")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.raw);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = create(&app, &admin(), "\"create-1\"", &body("Idem")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.raw);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("cache-control").as_deref(), Some("no-store"));
    let client_id = first.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = first.body["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(count_named(&app, "Idem").await, 1);
    // A bare key is the same key.
    let bare = create(&app, &admin(), "create-1", &body("Idem")).await;
    assert_eq!(bare.body["application"]["clientId"], client_id.as_str());

    // The kept answer holds the secret sealed, never in plaintext.
    if let Some(files) = app.sqlite_files() {
        let stored: Vec<u8> = files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .flatten()
            .collect();
        assert!(
            !stored.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is not in the database files"
        );
    }

    // The same key with another body: 422 naming the header; nothing written.
    let other = create(&app, &admin(), "\"create-1\"", &body("Idem 2")).await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.raw
    );
    assert_eq!(
        other.body["errors"][0]["field"], "Idempotency-Key",
        "{}",
        other.raw
    );
    assert_eq!(count_named(&app, "Idem 2").await, 0);
    // Another caller's key of the same name is its own.
    let carol = token("carol", &[("acme", "admin")], &[]);
    let theirs = create(&app, &carol, "\"create-1\"", &body("Idem")).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.raw);
    assert_ne!(theirs.body["application"]["clientId"], client_id.as_str());
    assert_eq!(theirs.header("idempotent-replayed"), None);
    // A key that cannot be read: 400.
    let broken = create(&app, &admin(), "\"open", &body("Idem 3")).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.raw);
    assert_eq!(count_named(&app, "Idem 3").await, 0);

    // A rotation, retried: the same new secret, which authenticates.
    let rotate = |key: &'static str| {
        let path = format!("/api/oauth-applications/{client_id}/rotate-secret");
        let app = &app;
        async move {
            app.call(
                "POST",
                &path,
                Some(&admin()),
                &[("Idempotency-Key", key)],
                None,
            )
            .await
        }
    };
    let rotated = rotate("\"rotate-1\"").await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let retried = rotate("\"rotate-1\"").await;
    assert_eq!(retried.body["clientSecret"], rotated.body["clientSecret"]);
    assert_eq!(
        retried.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    let new_secret = rotated.body["clientSecret"].as_str().unwrap();
    assert!(app.authenticates(&client_id, new_secret).await);
    let events = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events"),
            &admin(),
        )
        .await;
    let rotations = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "secret_rotated")
        .count();
    assert_eq!(rotations, 1, "rotated once: {}", events.raw);
    // A new key rotates again.
    let next = rotate("\"rotate-2\"").await;
    assert_ne!(next.body["clientSecret"], rotated.body["clientSecret"]);

    // The v1 surface.
    let v1 = |key: &'static str| {
        let app = &app;
        async move {
            app.call(
                "POST",
                "/api/v1/organizations/acme/oauth-applications",
                Some(&admin()),
                &[("Idempotency-Key", key)],
                Some((
                    "application/json",
                    json!({"name": "Idem v1", "redirect_uris": ["https://idem.example/cb"]})
                        .to_string()
                        .into_bytes(),
                )),
            )
            .await
        }
    };
    let made = v1("\"v1-create\"").await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.raw);
    let remade = v1("\"v1-create\"").await;
    assert_eq!(remade.body, made.body);
    assert_eq!(count_named(&app, "Idem v1").await, 1);

    // Concurrent requests with one key: one runs; the others get its answer or 409.
    let (caller, raced) = (admin(), body("Raced"));
    let racers = (0..8).map(|_| create(&app, &caller, "\"race\"", &raced));
    let answers = futures_util::future::join_all(racers).await;
    let created: Vec<&Reply> = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert!(
        answers
            .iter()
            .all(|r| r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(!created.is_empty());
    assert!(created.iter().all(|r| r.body == created[0].body));
    assert_eq!(count_named(&app, "Raced").await, 1);
}
