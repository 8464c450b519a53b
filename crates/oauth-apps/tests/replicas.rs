//! Two server processes on one PostgreSQL database: a change made through one is served
//! by the other within 1 s, also after the notification connection was cut.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

mod processes;

use std::time::Duration;

use awc::Client;
use oauth_apps_test_support::pg::admin_url;
use processes::{Server, migrated_database, register, time_until, wait_until_caching};
use serde_json::{Value, json};

const STALE_LIMIT: Duration = Duration::from_secs(1);

fn start(database_url: &str) -> Server {
    // A long TTL: only announcements (and resets) can make changes visible in time.
    Server::start(database_url, &[("OAUTH_APPS_CACHE_TTL_MS", "60000")])
}

async fn call(
    client: &Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value, String) {
    let a = processes::call(client, method, url, body.as_ref()).await;
    (a.status, a.body, a.raw)
}

#[actix_web::test]
async fn replicas_serve_each_others_changes_within_a_second() {
    let db = migrated_database().await;
    let a = start(db.url());
    let b = start(db.url());
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_until_caching(&client, &a.base).await;
    wait_until_caching(&client, &b.base).await;

    // Create through A, warm B's cache and B's verification of the secret.
    let processes::Registered {
        client_id, secret, ..
    } = register(
        &client,
        &a.base,
        &json!({"ownerOrgId": "acme", "name": "Replicated", "type": "web",
                "redirectUrls": ["https://r.example/cb"]}),
    )
    .await;
    let on_b = format!("{}/api/oauth-applications/{client_id}", b.base);
    let auth_on_b = format!("{}/api/client-authentication", b.base);
    let credentials = json!({"clientId": client_id, "clientSecret": secret});
    for _ in 0..3 {
        assert_eq!(call(&client, "GET", &on_b, None).await.1["disabled"], false);
        assert_eq!(
            call(&client, "POST", &auth_on_b, Some(credentials.clone()))
                .await
                .1["valid"],
            true
        );
    }

    // Disable through A: B stops authenticating the client within 1 s.
    let (status, _, _) = call(
        &client,
        "DELETE",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == false
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B authenticated a disabled client for {took:?}"
    );
    assert_eq!(call(&client, "GET", &on_b, None).await.1["disabled"], true);

    // Re-enable and rotate through A without grace: B refuses the old secret within 1 s.
    call(
        &client,
        "POST",
        &format!("{}/api/oauth-applications/{client_id}/enable", a.base),
        None,
    )
    .await;
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == true
    })
    .await;
    assert!(took < STALE_LIMIT, "re-enabling took {took:?} to reach B");
    let (status, rotated, _) = call(
        &client,
        "POST",
        &format!(
            "{}/api/oauth-applications/{client_id}/rotate-secret",
            a.base
        ),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "POST", &auth_on_b, Some(credentials.clone()))
            .await
            .1["valid"]
            == false
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B accepted a rotated-out secret for {took:?}"
    );
    let new_credentials = json!({"clientId": client_id, "clientSecret": rotated["clientSecret"]});
    assert_eq!(
        call(&client, "POST", &auth_on_b, Some(new_credentials))
            .await
            .1["valid"],
        true
    );

    // Cut every notification connection, then change through A at once.
    let mut admin = {
        use diesel_async::AsyncConnection;
        diesel_async::AsyncPgConnection::establish(&admin_url())
            .await
            .unwrap()
    };
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
            oauth_apps_postgres::LISTENER_NAME
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
    let (status, _, _) = call(
        &client,
        "PATCH",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        Some(json!({"name": "Renamed while deaf"})),
    )
    .await;
    assert_eq!(status, 200);
    let took = time_until(async || {
        call(&client, "GET", &on_b, None).await.1["name"] == "Renamed while deaf"
    })
    .await;
    assert!(
        took < STALE_LIMIT,
        "B served the old name for {took:?} after losing its listener"
    );
    // And B listens again by itself.
    wait_until_caching(&client, &b.base).await;
    call(
        &client,
        "PATCH",
        &format!("{}/api/oauth-applications/{client_id}", a.base),
        Some(json!({"name": "Heard again"})),
    )
    .await;
    let took =
        time_until(async || call(&client, "GET", &on_b, None).await.1["name"] == "Heard again")
            .await;
    assert!(took < STALE_LIMIT, "{took:?}");
}

/// The replay store is the database: a client assertion used on one replica is refused
/// on the other, and a use written by one shows on the other within 1 s.
#[actix_web::test]
async fn a_client_assertion_is_single_use_across_replicas() {
    use oauth_apps_test_support::keys::{JWT_BEARER, Signer};

    const AUDIENCE: &str = "https://as.example/token";
    let db = migrated_database().await;
    let settings = [
        ("OAUTH_APPS_CACHE_TTL_MS", "60000"),
        ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
    ];
    let a = Server::start(db.url(), &settings);
    let b = Server::start(db.url(), &settings);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_until_caching(&client, &a.base).await;
    wait_until_caching(&client, &b.base).await;

    let signer = Signer::es256("replica-key");
    let answer = processes::call(
        &client,
        "POST",
        &format!("{}/api/oauth-applications", a.base),
        Some(
            &json!({"ownerOrgId": "acme", "name": "Asserting", "type": "web",
                     "redirectUrls": ["https://r.example/cb"],
                     "tokenEndpointAuthMethod": "private_key_jwt", "jwks": signer.jwks()}),
        ),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    let client_id = answer.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let on = |server: &Server| format!("{}/api/client-authentication", server.base);
    let body = |assertion: &str| json!({"clientAssertionType": JWT_BEARER, "clientAssertion": assertion, "clientId": client_id});

    // A caches the application before any use; B's first use is written and announced,
    // and A shows it within 1 s.
    let on_a = format!("{}/api/oauth-applications/{client_id}", a.base);
    let last_used = async || {
        call(&client, "GET", &on_a, None).await.1["credentials"]["current"]["lastUsedAt"].clone()
    };
    for _ in 0..2 {
        assert_eq!(last_used().await, Value::Null);
    }
    let warm = signer.assertion(&client_id, AUDIENCE);
    let (_, answer, _) = call(&client, "POST", &on(&b), Some(body(&warm))).await;
    assert_eq!(answer["valid"], true, "{answer}");
    let took = time_until(async || last_used().await.is_string()).await;
    assert!(took < STALE_LIMIT, "{took:?}");

    // Used on A, replayed on B (and on A): refused.
    let assertion = signer.assertion(&client_id, AUDIENCE);
    let (_, answer, _) = call(&client, "POST", &on(&a), Some(body(&assertion))).await;
    assert_eq!(answer["valid"], true, "{answer}");
    for server in [&b, &a] {
        let (_, answer, _) = call(&client, "POST", &on(server), Some(body(&assertion))).await;
        assert_eq!(answer, json!({"valid": false}));
    }
}
