//! Client credentials beyond shared secrets, end to end: authentication methods, inline
//! and published keys, key rotation, client assertions and credential telemetry, on the
//! real server over HTTP.

use std::time::{Duration, Instant};

use awc::http::StatusCode;
use oauth_apps_test_support::https::{Server as HttpsServer, TestCa, answer};
use oauth_apps_test_support::keys::{JWT_BEARER, Signer, claims, now};
use serde_json::{Value, json};

use crate::harness::{TestApp, admin, authenticator};

/// The audience the servers of these tests accept in client assertions.
pub const AUDIENCE: &str = "https://as.example/token";

/// Settings every server of these tests runs with.
pub const SETTINGS: &[(&str, &str)] = &[("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE)];

const APPS: &str = "/api/oauth-applications";

/// A flat-surface create body of a `web` app in `acme` with `extra` fields.
fn app_body(name: &str, extra: &Value) -> Value {
    let mut body = json!({
        "ownerOrgId": "acme",
        "name": name,
        "type": "web",
        "redirectUrls": ["https://app.example.com/cb"],
        "allowedScopes": ["read"],
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn create(app: &TestApp, name: &str, extra: &Value) -> Value {
    let reply = app
        .json("POST", APPS, &admin(), &app_body(name, extra))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    reply.body
}

async fn refused_create(app: &TestApp, extra: &Value) -> String {
    let reply = app
        .json("POST", APPS, &admin(), &app_body("Refused", extra))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{extra}: {}",
        reply.raw
    );
    reply.raw
}

async fn authenticate(app: &TestApp, body: &Value) -> Value {
    let reply = app
        .json("POST", "/api/client-authentication", &authenticator(), body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    reply.body
}

async fn assert_with(app: &TestApp, assertion: &str, client_id: Option<&str>) -> Value {
    let mut body = json!({"clientAssertionType": JWT_BEARER, "clientAssertion": assertion});
    if let Some(id) = client_id {
        body["clientId"] = json!(id);
    }
    authenticate(app, &body).await
}

async fn get_app(app: &TestApp, client_id: &str) -> Value {
    let reply = app.get(&format!("{APPS}/{client_id}"), &admin()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    reply.body
}

/// The surface-B path of the application `client_id` of `acme`.
async fn v1_path(app: &TestApp, client_id: &str) -> String {
    let list = app
        .get(
            "/api/v1/organizations/acme/oauth-applications?per_page=100",
            &admin(),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.raw);
    let id = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == json!(client_id))
        .map(|a| a["id"].clone())
        .unwrap_or_else(|| panic!("{client_id} is listed: {}", list.raw));
    format!("/api/v1/organizations/acme/oauth-applications/{id}")
}

/// Polls the application until `check` holds; how long that took (at most `limit`).
async fn within(
    app: &TestApp,
    client_id: &str,
    limit: Duration,
    check: impl Fn(&Value) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let body = get_app(app, client_id).await;
        if check(&body) {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "not within {limit:?}: {body}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Secret methods, `none` and the refused ones; the secret's hint, issue and last use on
/// both surfaces, through a rotation and the revocation of the previous secret.
pub async fn methods_and_secret_telemetry(app: TestApp) {
    let created = create(&app, "Basic", &json!({})).await;
    let application = &created["application"];
    let client_id = application["clientId"].as_str().unwrap().to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(
        application["tokenEndpointAuthMethod"],
        "client_secret_basic"
    );
    let current = &application["credentials"]["current"];
    assert_eq!(current["kind"], "secret");
    assert_eq!(current["hint"], json!(&secret[secret.len() - 4..]));
    assert_eq!(current["createdAt"], application["createdAt"]);
    assert_eq!(current["lastUsedAt"], Value::Null);
    assert_eq!(application["credentials"]["previous"], Value::Null);

    // A use is shown within a second, without changing the version.
    let etag = app
        .get(&format!("{APPS}/{client_id}"), &admin())
        .await
        .header("etag");
    let answer = authenticate(
        &app,
        &json!({"clientId": client_id, "clientSecret": secret}),
    )
    .await;
    assert_eq!(
        (&answer["valid"], &answer["method"]),
        (&json!(true), &json!("client_secret_basic"))
    );
    within(&app, &client_id, Duration::from_secs(1), |b| {
        b["credentials"]["current"]["lastUsedAt"].is_string()
    })
    .await;
    let reply = app.get(&format!("{APPS}/{client_id}"), &admin()).await;
    assert_eq!(reply.header("etag"), etag, "a use is not a change");
    let used_at = reply.body["credentials"]["current"]["lastUsedAt"].clone();
    let v1 = app.get(&v1_path(&app, &client_id).await, &admin()).await;
    assert_eq!(v1.status, StatusCode::OK, "{}", v1.raw);
    let data = &v1.body["data"];
    assert_eq!(data["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(data["registration"], "manual");
    assert_eq!(data["credentials"]["current"]["last_used_at"], used_at);

    // Rotation with grace: the old secret becomes the previous credential, with its hint
    // and last use; revoking it leaves none.
    let rotated = app
        .json(
            "POST",
            &format!("{APPS}/{client_id}/rotate-secret"),
            &admin(),
            &json!({"gracePeriodSeconds": 600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let new_secret = rotated.body["clientSecret"].as_str().unwrap().to_owned();
    let credentials = &rotated.body["application"]["credentials"];
    assert_eq!(
        credentials["current"]["hint"],
        json!(&new_secret[new_secret.len() - 4..])
    );
    assert_eq!(credentials["current"]["lastUsedAt"], Value::Null);
    let previous = &credentials["previous"];
    assert_eq!(previous["hint"], json!(&secret[secret.len() - 4..]));
    assert_eq!(previous["lastUsedAt"], used_at);
    assert!(previous["expiresAt"].is_string());
    let revoked = app
        .post(
            &format!("{APPS}/{client_id}/revoke-previous-secret"),
            &admin(),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.raw);
    assert_eq!(
        get_app(&app, &client_id).await["credentials"]["previous"],
        Value::Null
    );

    // client_secret_post: a secret, and its method named on success.
    let post = create(
        &app,
        "Post",
        &json!({"tokenEndpointAuthMethod": "client_secret_post"}),
    )
    .await;
    let answer = authenticate(
        &app,
        &json!({"clientId": post["application"]["clientId"], "clientSecret": post["clientSecret"]}),
    )
    .await;
    assert_eq!(answer["method"], "client_secret_post");

    // none: public clients only, no secret, nothing to rotate, nothing authenticates.
    let raw = refused_create(&app, &json!({"tokenEndpointAuthMethod": "none"})).await;
    assert!(raw.contains("tokenEndpointAuthMethod"), "{raw}");
    let public = create(
        &app,
        "Public",
        &json!({"type": "native", "redirectUrls": ["http://127.0.0.1/cb"],
                "tokenEndpointAuthMethod": "none"}),
    )
    .await;
    assert!(public.get("clientSecret").is_none(), "{public}");
    assert_eq!(public["application"]["credentials"]["current"], Value::Null);
    let public_id = public["application"]["clientId"].as_str().unwrap();
    let rotate = app
        .post(&format!("{APPS}/{public_id}/rotate-secret"), &admin())
        .await;
    assert_eq!(rotate.status, StatusCode::CONFLICT, "{}", rotate.raw);
    assert!(rotate.raw.contains("none"), "{}", rotate.raw);
    let answer = authenticate(
        &app,
        &json!({"clientId": public_id, "clientSecret": new_secret}),
    )
    .await;
    assert_eq!(answer, json!({"valid": false}));

    // client_secret_jwt is refused, saying why.
    let raw = refused_create(
        &app,
        &json!({"tokenEndpointAuthMethod": "client_secret_jwt"}),
    )
    .await;
    assert!(raw.contains("client_secret_jwt"), "{raw}");
}

/// `private_key_jwt` with inline keys: the keys' rules, assertions by RFC 7523 §3, the
/// method that must match, key rotation with grace and its revocation, and the key set's
/// last use.
pub async fn private_key_jwt_with_inline_keys(app: TestApp) {
    let signer = Signer::es256("key-1");
    let mut private = signer.public_jwk();
    private["d"] = json!("c2VjcmV0");
    let raw = refused_create(
        &app,
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwks": {"keys": [private]}}),
    )
    .await;
    assert!(raw.contains("key-1") && raw.contains("private"), "{raw}");
    let raw = refused_create(&app, &json!({"tokenEndpointAuthMethod": "private_key_jwt"})).await;
    assert!(raw.contains("jwks"), "{raw}");

    let created = create(
        &app,
        "Signed",
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwks": signer.jwks()}),
    )
    .await;
    assert!(created.get("clientSecret").is_none(), "{created}");
    let application = &created["application"];
    let client_id = application["clientId"].as_str().unwrap().to_owned();
    assert_eq!(application["tokenEndpointAuthMethod"], "private_key_jwt");
    assert_eq!(application["credentials"]["current"]["kind"], "key_set");
    assert_eq!(application["credentials"]["current"]["hint"], "key-1");
    let rotate = app
        .post(&format!("{APPS}/{client_id}/rotate-secret"), &admin())
        .await;
    assert_eq!(rotate.status, StatusCode::CONFLICT, "{}", rotate.raw);

    // A valid assertion, once; the client id in the body may be given or not.
    let assertion = signer.assertion(&client_id, AUDIENCE);
    let answer = assert_with(&app, &assertion, Some(&client_id)).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["method"], "private_key_jwt");
    assert_eq!(answer["application"]["clientId"], json!(client_id));
    assert_eq!(
        assert_with(&app, &assertion, None).await,
        json!({"valid": false}),
        "a replayed jti"
    );
    // Every refusal answers alike; the log says why, never with the assertion.
    let logs = crate::harness::logs().text();
    assert!(logs.contains("jti replayed"), "{logs}");
    assert!(!logs.contains(&assertion), "the assertion was logged");
    let fresh = signer.assertion(&client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &fresh, None).await["valid"], true);
    within(&app, &client_id, Duration::from_secs(1), |b| {
        b["credentials"]["current"]["lastUsedAt"].is_string()
    })
    .await;

    // Each broken rule: refused alike.
    let refused = |claims: Value| signer.sign(&claims);
    let mut wrong_audience = claims(&client_id, "https://elsewhere.example/token");
    let mut too_long = claims(&client_id, AUDIENCE);
    too_long["exp"] = json!(now() + 11 * 60);
    let mut expired = claims(&client_id, AUDIENCE);
    expired["exp"] = json!(now() - 120);
    let mut no_jti = claims(&client_id, AUDIENCE);
    no_jti.as_object_mut().unwrap().remove("jti");
    let mut other_issuer = claims(&client_id, AUDIENCE);
    other_issuer["iss"] = json!("someone-else");
    wrong_audience["jti"] = json!("wrong-audience");
    for assertion in [
        refused(wrong_audience),
        refused(too_long),
        refused(expired),
        refused(no_jti),
        refused(other_issuer),
        Signer::es256("key-1").assertion(&client_id, AUDIENCE),
    ] {
        assert_eq!(
            assert_with(&app, &assertion, Some(&client_id)).await,
            json!({"valid": false})
        );
    }
    // An HMAC keyed with the public key's text, and alg none: refused.
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&client_id, AUDIENCE),
        &jsonwebtoken::EncodingKey::from_secret(signer.jwks().to_string().as_bytes()),
    )
    .unwrap();
    assert_eq!(
        assert_with(&app, &hmac, Some(&client_id)).await["valid"],
        false
    );
    let unsigned = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        base64_url(&claims(&client_id, AUDIENCE).to_string())
    );
    assert_eq!(
        assert_with(&app, &unsigned, Some(&client_id)).await["valid"],
        false
    );

    // The method must match: a secret app's client id in an assertion, a secret for this
    // app.
    let secret_app = create(&app, "Secret", &json!({})).await;
    let secret_id = secret_app["application"]["clientId"].as_str().unwrap();
    let borrowed = signer.assertion(secret_id, AUDIENCE);
    assert_eq!(
        assert_with(&app, &borrowed, Some(secret_id)).await["valid"],
        false
    );
    let answer = authenticate(
        &app,
        &json!({"clientId": client_id, "clientSecret": secret_app["clientSecret"]}),
    )
    .await;
    assert_eq!(answer, json!({"valid": false}));
    let logs = crate::harness::logs().text();
    assert!(
        logs.contains("the application authenticates with private_key_jwt"),
        "{logs}"
    );
    assert!(!logs.contains(secret_app["clientSecret"].as_str().unwrap()));

    // Key rotation with grace: both keys sign until the grace ends or the previous set is
    // revoked; then only the new one.
    let next = Signer::es256("key-2");
    let rotated = app
        .json(
            "POST",
            &format!("{APPS}/{client_id}/rotate-keys"),
            &admin(),
            &json!({"jwks": next.jwks(), "gracePeriodSeconds": 600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let credentials = &rotated.body["credentials"];
    assert_eq!(credentials["current"]["hint"], "key-2");
    assert_eq!(credentials["previous"]["hint"], "key-1");
    assert!(credentials["previous"]["lastUsedAt"].is_string());
    for key in [&signer, &next] {
        let assertion = key.assertion(&client_id, AUDIENCE);
        assert_eq!(assert_with(&app, &assertion, None).await["valid"], true);
    }
    let revoked = app
        .post(
            &format!("{APPS}/{client_id}/revoke-previous-secret"),
            &admin(),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.raw);
    let old = signer.assertion(&client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &old, None).await["valid"], false);
    let new = next.assertion(&client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &new, None).await["valid"], true);

    // Surface B: the same method and keys, and its own rotate-keys.
    let v1_path = v1_path(&app, &client_id).await;
    let v1 = app.get(&v1_path, &admin()).await;
    assert_eq!(
        v1.body["data"]["token_endpoint_auth_method"],
        "private_key_jwt"
    );
    assert_eq!(v1.body["data"]["credentials"]["current"]["kind"], "key_set");
    let third = Signer::es256("key-3");
    let rotated = app
        .json(
            "POST",
            &format!("{v1_path}/rotate-keys"),
            &admin(),
            &json!({"jwks": third.jwks(), "grace_period_seconds": 0}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let assertion = third.assertion(&client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &assertion, None).await["valid"], true);
    let assertion = next.assertion(&client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &assertion, None).await["valid"], false);

    // Switching a secret app to private_key_jwt by PATCH needs keys in the same body.
    let path = format!("{APPS}/{secret_id}");
    let without_keys = json!({"tokenEndpointAuthMethod": "private_key_jwt"});
    let reply = app.json("PATCH", &path, &admin(), &without_keys).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.raw
    );
    let with_keys = json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwks": signer.jwks()});
    let reply = app.json("PATCH", &path, &admin(), &with_keys).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(reply.body["credentials"]["current"]["kind"], "key_set");
    let assertion = signer.assertion(secret_id, AUDIENCE);
    assert_eq!(assert_with(&app, &assertion, None).await["valid"], true);
}

/// `jwksUri` whose host is an IP literal in a refused range is refused on create, PATCH and
/// rotate-keys, on both surfaces.
pub async fn jwks_uris_to_special_addresses_are_refused(app: TestApp) {
    for uri in [
        "https://127.0.0.1/jwks",
        "https://10.1.2.3/jwks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/jwks",
        "https://192.168.0.10/jwks",
        "http://client.example/jwks",
    ] {
        let raw = refused_create(
            &app,
            &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": uri}),
        )
        .await;
        assert!(raw.contains("jwksUri"), "{uri}: {raw}");
    }
    // The field message is the outbound policy's rule, word for word.
    for (uri, message) in [
        (
            "https://127.0.0.1/jwks",
            "cannot be fetched: must not point to a special-purpose address: 127.0.0.1 is in \
             127.0.0.0/8 (loopback)",
        ),
        (
            "https://[::ffff:a00:1]/jwks",
            "cannot be fetched: must not point to a special-purpose address: ::ffff:10.0.0.1 \
             is the IPv4-mapped form of 10.0.0.1, which is in 10.0.0.0/8 (private)",
        ),
    ] {
        let raw = refused_create(
            &app,
            &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": uri}),
        )
        .await;
        let body: Value = serde_json::from_str(&raw).expect("JSON");
        let errors = body["errors"].as_array().expect("errors");
        assert!(
            errors.contains(&json!({"field": "jwksUri", "message": message})),
            "{uri}: {raw}"
        );
    }
    let signer = Signer::es256("k");
    let created = create(
        &app,
        "Keys",
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwks": signer.jwks()}),
    )
    .await;
    let client_id = created["application"]["clientId"].as_str().unwrap();
    let reply = app
        .json(
            "POST",
            &format!("{APPS}/{client_id}/rotate-keys"),
            &admin(),
            &json!({"jwksUri": "https://169.254.169.254/jwks"}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.raw
    );
    let reply = app
        .json(
            "PATCH",
            &v1_path(&app, client_id).await,
            &admin(),
            &json!({"jwks_uri": "https://10.0.0.1/jwks", "jwks": null}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.raw
    );
    assert!(reply.raw.contains("jwks_uri"), "{}", reply.raw);
}

/// Keys published on an https server on loopback (trusted through a test CA, its host
/// allowed): fetched through the outbound guard, they verify. A server that does not
/// allow loopback refuses to register such a URL.
pub async fn published_keys_from_an_allowed_https_server(db: crate::harness::Db) {
    let ca = TestCa::new("oauth-apps e2e CA");
    let signer = Signer::es256("published-1");
    let jwks = signer.jwks().to_string();
    let server = HttpsServer::start(
        ca.server(),
        vec![answer(
            "200 OK",
            &[("content-type", "application/jwk-set+json")],
            jwks.as_bytes(),
        )],
    )
    .await;
    let dir = oauth_apps_test_support::TempDir::new();
    let ca_path = ca.write_pem(dir.path());
    let app = crate::harness::spawn_with(
        db,
        &[
            ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
        ],
    )
    .await;
    let uri = server.url("/jwks");
    let created = create(
        &app,
        "Published",
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": uri}),
    )
    .await;
    let client_id = created["application"]["clientId"].as_str().unwrap();
    assert_eq!(created["application"]["jwksUri"], json!(uri));
    assert_eq!(
        created["application"]["credentials"]["current"]["hint"],
        json!(uri)
    );
    for _ in 0..2 {
        let assertion = signer.assertion(client_id, AUDIENCE);
        assert_eq!(assert_with(&app, &assertion, None).await["valid"], true);
    }
    assert_eq!(server.requests(), 1, "fetched once, then cached");
    let stranger = Signer::es256("published-1").assertion(client_id, AUDIENCE);
    assert_eq!(assert_with(&app, &stranger, None).await["valid"], false);

    // Without the allow entry the same URL is refused before anything is stored.
    let strict = crate::harness::spawn_with(
        db,
        &[
            ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
        ],
    )
    .await;
    let raw = refused_create(
        &strict,
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": uri}),
    )
    .await;
    assert!(raw.contains("jwksUri"), "{raw}");
    // A host name is checked when it is resolved: `localhost` registers, and nothing is
    // fetched from it.
    let by_name = format!("https://localhost:{}/jwks", server.port);
    let created = create(
        &strict,
        "By name",
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": by_name}),
    )
    .await;
    let client_id = created["application"]["clientId"].as_str().unwrap();
    let assertion = signer.assertion(client_id, AUDIENCE);
    assert_eq!(assert_with(&strict, &assertion, None).await["valid"], false);
    assert_eq!(server.requests(), 1, "the refused host was never contacted");
}

/// Without assertion audiences the server cannot verify a client assertion: creating a
/// `private_key_jwt` app is refused, saying so.
pub async fn private_key_jwt_needs_assertion_audiences(app: TestApp) {
    let signer = Signer::es256("k");
    let raw = refused_create(
        &app,
        &json!({"tokenEndpointAuthMethod": "private_key_jwt", "jwks": signer.jwks()}),
    )
    .await;
    assert!(raw.contains("OAUTH_APPS_ASSERTION_AUDIENCES"), "{raw}");
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
