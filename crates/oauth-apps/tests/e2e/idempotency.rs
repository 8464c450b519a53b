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

/// A kept answer is given again only to a caller who may still make the request: a token
/// of the same subject that is no longer an admin of the organisation gets the refusal it
/// would get without the key (403 as a member, 404 from outside), never the kept answer
/// or its secret; the record stays for the admins.
pub async fn a_replay_needs_the_right_the_request_needed(app: TestApp) {
    let first = create(&app, &admin(), "\"demoted\"", &body("Demoted")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.raw);
    let secret = first.body["clientSecret"].as_str().unwrap().to_owned();
    let client_id = first.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();

    // The same subject, now a member of the organisation, then outside it.
    let now_member = token("alice", &[("acme", "member")], &[]);
    let now_outside = token("alice", &[("globex", "admin")], &[]);
    let as_member = create(&app, &now_member, "\"demoted\"", &body("Demoted")).await;
    assert_eq!(as_member.status, StatusCode::FORBIDDEN, "{}", as_member.raw);
    assert!(!as_member.raw.contains(&secret), "{}", as_member.raw);
    assert_eq!(as_member.header("idempotent-replayed"), None);
    let as_outsider = create(&app, &now_outside, "\"demoted\"", &body("Demoted")).await;
    assert_eq!(
        as_outsider.status,
        StatusCode::NOT_FOUND,
        "{}",
        as_outsider.raw
    );
    assert!(!as_outsider.raw.contains(&secret), "{}", as_outsider.raw);

    // A rotation's kept answer too.
    let rotate = |caller: String| {
        let path = format!("/api/oauth-applications/{client_id}/rotate-secret");
        let app = &app;
        async move {
            app.call(
                "POST",
                &path,
                Some(&caller),
                &[("Idempotency-Key", "\"demoted-rotation\"")],
                None,
            )
            .await
        }
    };
    let rotated = rotate(admin()).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let new_secret = rotated.body["clientSecret"].as_str().unwrap().to_owned();
    let refused = rotate(now_member.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.raw);
    assert!(!refused.raw.contains(&new_secret), "{}", refused.raw);

    // The v1 surface, in its own envelope.
    let v1 = |caller: String| {
        let app = &app;
        async move {
            app.call(
                "POST",
                "/api/v1/organizations/acme/oauth-applications",
                Some(&caller),
                &[("Idempotency-Key", "\"demoted-v1\"")],
                Some((
                    "application/json",
                    json!({"name": "Demoted v1", "redirect_uris": ["https://idem.example/cb"]})
                        .to_string()
                        .into_bytes(),
                )),
            )
            .await
        }
    };
    let made = v1(admin()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.raw);
    let v1_refused = v1(now_member).await;
    assert_eq!(
        v1_refused.status,
        StatusCode::FORBIDDEN,
        "{}",
        v1_refused.raw
    );
    assert_eq!(
        v1_refused.body["error"]["code"], "forbidden",
        "{}",
        v1_refused.raw
    );
    let v1_secret = made.body["data"]["client_secret"].as_str().unwrap();
    assert!(!v1_refused.raw.contains(v1_secret), "{}", v1_refused.raw);

    // The admins still get the kept answers; nothing ran twice.
    let again = create(&app, &admin(), "\"demoted\"", &body("Demoted")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.raw);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(rotate(admin()).await.body, rotated.body);
    assert_eq!(count_named(&app, "Demoted").await, 1);
    assert_eq!(count_named(&app, "Demoted v1").await, 1);
}

/// Without a data key (PostgreSQL without `OAUTH_APPS_DATA_KEY`) no answer can be kept:
/// a request with the header is 503 before anything is written, on every retry (no claim
/// is left behind to answer 409); without the header the request runs.
pub async fn without_a_data_key_the_header_is_503_before_anything_is_written(app: TestApp) {
    for _ in 0..3 {
        let refused = create(&app, &admin(), "\"no-data-key\"", &body("No key")).await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            refused.raw
        );
        assert_eq!(count_named(&app, "No key").await, 0, "nothing written");
    }
    let (client_id, secret) = app.create_app("No key, no header").await;
    let rotation = app
        .call(
            "POST",
            &format!("/api/oauth-applications/{client_id}/rotate-secret"),
            Some(&admin()),
            &[("Idempotency-Key", "\"no-data-key-rotation\"")],
            None,
        )
        .await;
    assert_eq!(
        rotation.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        rotation.raw
    );
    assert!(app.authenticates(&client_id, &secret).await, "not rotated");
}
