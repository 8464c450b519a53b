//! `POST /register` and RFC 7592 management, end to end, where a hostile caller or an
//! ordinary client library would go: what self-registered clients may have (the
//! organisation's self-registration policy, an initial access token's allowance), which
//! `Authorization` fields and bodies the endpoint reads, where `registration_client_uri`
//! comes from, and what a replacement that leaves members out does.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Db, Reply, TestApp, admin, member, spawn_with};

const POLICY: &str = "/api/organizations/acme/policy";

/// A server with open registration into `acme`, without a per-address limit, and
/// `settings`.
async fn open(db: Db, settings: &[(&'static str, &str)]) -> TestApp {
    let mut all = vec![
        ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "acme"),
        ("OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", "0"),
    ];
    all.extend_from_slice(settings);
    spawn_with(db, &all).await
}

/// `POST /register` of `body` with `headers` (and no bearer token unless given in them).
async fn post(app: &TestApp, headers: &[(&str, &str)], body: &Value) -> Reply {
    app.call(
        "POST",
        "/register",
        None,
        headers,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

/// `POST /register` of `bytes` as `content_type`, without a token.
async fn post_as(app: &TestApp, content_type: &str, bytes: &[u8]) -> Reply {
    app.call(
        "POST",
        "/register",
        None,
        &[],
        Some((content_type, bytes.to_vec())),
    )
    .await
}

/// An initial access token of `acme` (any number of uses) with `allowance`, if any.
async fn mint(app: &TestApp, allowance: Option<Value>) -> String {
    let mut body = json!({"ownerOrgId": "acme", "expiresInSeconds": 600});
    if let Some(allowance) = allowance {
        body["allowance"] = allowance;
    }
    let reply = app
        .json("POST", "/api/initial-access-tokens", &admin(), &body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    reply.body["initialAccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The 400 `invalid_client_metadata` of `reply`, whose description must name each of
/// `named`.
fn refused_metadata(reply: &Reply, named: &[&str]) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.raw);
    assert_eq!(
        reply.body["error"], "invalid_client_metadata",
        "{}",
        reply.raw
    );
    let description = reply.body["error_description"].as_str().unwrap();
    for name in named {
        assert!(description.contains(name), "{name}: {description}");
    }
}

/// How many applications `acme` has.
async fn count(app: &TestApp) -> usize {
    app.get(
        "/api/oauth-applications?ownerOrgId=acme&limit=100",
        &admin(),
    )
    .await
    .body["items"]
        .as_array()
        .unwrap()
        .len()
}

/// Clients that register themselves get what their organisation's self-registration
/// policy allows (by default no `client_credentials`, no device code, no privileged
/// scope), what an initial access token's allowance adds, and nothing more: at
/// `POST /register` (open and with a token) and at every RFC 7592 replacement. Each refusal
/// is `invalid_client_metadata` naming the member and the value, and writes nothing.
pub async fn self_registered_clients_get_what_their_organisation_allows(db: Db) {
    let app = open(db, &[]).await;
    the_defaults_refuse_machine_grants_and_privileged_scopes(&app).await;
    let machine = admins_widen_the_policy_within_the_platforms_scopes(&app).await;
    let trusted = a_token_allowance_adds_what_its_admin_chose(&app).await;
    replacements_keep_what_clients_have_and_gain_nothing(&app, &trusted, &machine).await;
}

/// `PUT /register/{id}` of `body` with the registration access token `token`.
async fn put(app: &TestApp, client: &Value, token: &str, body: &Value) -> Reply {
    let uri = client["registration_client_uri"].as_str().unwrap();
    app.call(
        "PUT",
        uri.trim_start_matches(&app.base),
        Some(token),
        &[],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

async fn the_defaults_refuse_machine_grants_and_privileged_scopes(app: &TestApp) {
    // The defaults, as the policy shows them.
    let policy = app.get(POLICY, &member()).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.raw);
    assert_eq!(
        policy.body["selfRegistration"],
        json!({
            "grantTypes": ["authorization_code", "refresh_token"],
            "scopes": ["workspace:read", "read"],
            "authMethods": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none",
                            "tls_client_auth", "self_signed_tls_client_auth"],
        }),
        "{}",
        policy.raw
    );

    // Open registration asking for a machine client with the admin scope: refused.
    let greedy = post(
        app,
        &[],
        &json!({"grant_types": ["client_credentials"], "response_types": [], "scope": "admin"}),
    )
    .await;
    refused_metadata(
        &greedy,
        &["grant_types", "client_credentials", "scope", "admin"],
    );
    for (body, named) in [
        (
            json!({"redirect_uris": ["https://c.example/cb"], "scope": "read write"}),
            ["scope", "write"],
        ),
        (
            json!({"redirect_uris": ["https://c.example/cb"], "scope": "workspace:write"}),
            ["scope", "workspace:write"],
        ),
        (
            json!({"grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
                   "response_types": [], "token_endpoint_auth_method": "none",
                   "application_type": "native"}),
            ["grant_types", "device_code"],
        ),
    ] {
        refused_metadata(&post(app, &[], &body).await, &named);
    }
    assert_eq!(count(app).await, 0, "a refusal writes nothing");
    let ordinary = post(
        app,
        &[],
        &json!({"redirect_uris": ["https://c.example/cb"], "scope": "read workspace:read"}),
    )
    .await;
    assert_eq!(ordinary.status, StatusCode::CREATED, "{}", ordinary.raw);
}

/// The organisation's admins widen the policy; what the platform does not let clients
/// register themselves for stays out of reach, named. The machine client it then lets
/// register.
async fn admins_widen_the_policy_within_the_platforms_scopes(app: &TestApp) -> Value {
    let widen = json!({"selfRegistration": {
        "grantTypes": ["authorization_code", "refresh_token", "client_credentials"],
        "authMethods": ["client_secret_basic", "private_key_jwt"],
    }});
    assert_eq!(
        app.json("PUT", POLICY, &member(), &widen).await.status,
        StatusCode::FORBIDDEN
    );
    let set = app.json("PUT", POLICY, &admin(), &widen).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.raw);
    assert_eq!(
        set.body["selfRegistration"]["scopes"],
        json!(["workspace:read", "read"]),
        "a member left out takes its default"
    );
    let privileged = app
        .json(
            "PUT",
            POLICY,
            &admin(),
            &json!({"selfRegistration": {"scopes": ["read", "admin"], "grantTypes": ["magic"],
                                         "authMethods": ["client_secret_jwt"]}}),
        )
        .await;
    assert_eq!(
        privileged.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        privileged.raw
    );
    for field in [
        "selfRegistration.scopes[1]",
        "selfRegistration.grantTypes[0]",
        "selfRegistration.authMethods[0]",
        "admin",
    ] {
        assert!(
            privileged.raw.contains(field),
            "{field}: {}",
            privileged.raw
        );
    }
    let machine = post(
        app,
        &[],
        &json!({"grant_types": ["client_credentials"], "response_types": [], "scope": "read"}),
    )
    .await;
    assert_eq!(machine.status, StatusCode::CREATED, "{}", machine.raw);
    assert_eq!(machine.body["grant_types"], json!(["client_credentials"]));
    // `none` is no longer allowed; nor is the admin scope.
    let public = post(
        app,
        &[],
        &json!({"redirect_uris": ["http://127.0.0.1/cb"], "application_type": "native",
                "token_endpoint_auth_method": "none"}),
    )
    .await;
    refused_metadata(&public, &["token_endpoint_auth_method", "none"]);
    refused_metadata(
        &post(
            app,
            &[],
            &json!({"grant_types": ["client_credentials"], "scope": "admin"}),
        )
        .await,
        &["scope", "admin"],
    );
    machine.body
}

/// An initial access token whose minting admin allowed more (the admin scope) registers
/// a client with it, and nothing beyond. The client it registered.
async fn a_token_allowance_adds_what_its_admin_chose(app: &TestApp) -> Value {
    let wrong = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 600,
                    "allowance": {"scopes": ["root"], "grantTypes": ["implicit"]}}),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.raw
    );
    assert!(
        wrong.raw.contains("allowance.scopes[0]") && wrong.raw.contains("allowance.grantTypes[0]"),
        "{}",
        wrong.raw
    );
    let token = mint(app, Some(json!({"scopes": ["admin"]}))).await;
    let listed = app
        .get("/api/initial-access-tokens?ownerOrgId=acme", &admin())
        .await;
    assert_eq!(
        listed.body["items"][0]["allowance"],
        json!({"grantTypes": [], "scopes": ["admin"], "authMethods": []}),
        "{}",
        listed.raw
    );
    let bearer = format!("Bearer {token}");
    let trusted = post(
        app,
        &[("Authorization", &bearer)],
        &json!({"grant_types": ["client_credentials"], "scope": "admin read"}),
    )
    .await;
    assert_eq!(trusted.status, StatusCode::CREATED, "{}", trusted.raw);
    assert_eq!(trusted.body["scope"], "admin read");
    // Not wider than the allowance: `write` is neither the policy's nor the token's.
    refused_metadata(
        &post(
            app,
            &[("Authorization", &bearer)],
            &json!({"grant_types": ["client_credentials"], "scope": "admin write"}),
        )
        .await,
        &["scope", "write"],
    );
    trusted.body
}

/// RFC 7592: a replacement keeps what the client was allowed, and adds nothing else.
async fn replacements_keep_what_clients_have_and_gain_nothing(
    app: &TestApp,
    trusted: &Value,
    machine: &Value,
) {
    let rat = trusted["registration_access_token"].as_str().unwrap();
    let mut replacement = json!({
        "client_id": trusted["client_id"],
        "client_name": "Trusted machine",
        "grant_types": ["client_credentials"],
        "scope": "admin read workspace:write",
    });
    refused_metadata(
        &put(app, trusted, rat, &replacement).await,
        &["scope", "workspace:write"],
    );
    replacement["scope"] = json!("admin read");
    let kept = put(app, trusted, rat, &replacement).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.raw);
    assert_eq!(kept.body["scope"], "admin read");
    assert_eq!(kept.body["client_name"], "Trusted machine");

    // The open-registration client may not reach for the admin scope by replacement.
    let escalate = put(
        app,
        machine,
        machine["registration_access_token"].as_str().unwrap(),
        &json!({"client_id": machine["client_id"], "grant_types": ["client_credentials"],
                "scope": "read admin"}),
    )
    .await;
    refused_metadata(&escalate, &["scope", "admin"]);
}

/// Only a bearer token is an initial access token: any other `Authorization` field is
/// refused as an invalid token, never taken for open registration.
pub async fn any_authorization_but_a_bearer_token_is_refused(db: Db) {
    let app = open(db, &[]).await;
    let body = json!({"redirect_uris": ["https://c.example/cb"]});
    for value in [
        "Basic YTpi",
        "Bearer a b",
        "Bearer",
        "Bearer ",
        "Token oait_x",
        "oait_x",
        "Digest username=\"a\"",
    ] {
        let reply = post(&app, &[("Authorization", value)], &body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{value:?}: {}",
            reply.raw
        );
        assert_eq!(reply.body["error"], "invalid_token", "{value:?}");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|h| h.contains("invalid_token")),
            "{value:?}"
        );
    }
    assert_eq!(count(&app).await, 0, "none was registered");
    let open = post(&app, &[], &body).await;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.raw);
}

/// `POST /register` and the RFC 7592 replacement read JSON only (RFC 7591 §3.1): any other
/// content type is 415 and writes nothing, so a cross-site form cannot register a client
/// from a visitor's browser.
pub async fn registration_bodies_are_json_only(db: Db) {
    let app = open(db, &[]).await;
    let json_body = json!({"redirect_uris": ["https://c.example/cb"]}).to_string();
    for (content_type, bytes) in [
        ("text/plain", json_body.as_bytes().to_vec()),
        ("text/plain;charset=UTF-8", json_body.as_bytes().to_vec()),
        (
            "application/x-www-form-urlencoded",
            format!("{json_body}=").into_bytes(),
        ),
        (
            "multipart/form-data; boundary=x",
            json_body.as_bytes().to_vec(),
        ),
        ("application/jsonx", json_body.as_bytes().to_vec()),
    ] {
        let reply = post_as(&app, content_type, &bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}: {}",
            reply.raw
        );
        assert_eq!(reply.body["error"], "invalid_request", "{}", reply.raw);
    }
    let unlabelled = app
        .client
        .post(format!("{}/register", app.base))
        .send_body(json_body.clone())
        .await
        .unwrap();
    assert_eq!(unlabelled.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(count(&app).await, 0, "none was registered");
    // With a token: refused before its use is spent.
    let token = mint(&app, None).await;
    let bearer = format!("Bearer {token}");
    let refused = app
        .call(
            "POST",
            "/register",
            None,
            &[("Authorization", &bearer)],
            Some(("text/plain", json_body.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let listed = app
        .get("/api/initial-access-tokens?ownerOrgId=acme", &admin())
        .await;
    assert_eq!(listed.body["items"][0]["uses"], 0, "{}", listed.raw);
    // JSON, with parameters or not, is read.
    let registered = post_as(
        &app,
        "application/json; charset=utf-8",
        json_body.as_bytes(),
    )
    .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
    let path = format!(
        "/register/{}",
        registered.body["client_id"].as_str().unwrap()
    );
    let rat = registered.body["registration_access_token"]
        .as_str()
        .unwrap();
    let mut replacement = registered.body.clone();
    for name in [
        "registration_access_token",
        "registration_client_uri",
        "client_secret",
        "client_secret_expires_at",
        "client_id_issued_at",
    ] {
        replacement.as_object_mut().unwrap().remove(name);
    }
    replacement["client_name"] = json!("Renamed");
    let refused = app
        .call(
            "PUT",
            &path,
            Some(rat),
            &[],
            Some(("text/plain", replacement.to_string().into_bytes())),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        refused.raw
    );
    let read = app.get(&path, rat).await;
    assert_eq!(read.status, StatusCode::OK, "the token was not rotated");
    assert_eq!(read.body["client_name"], "Dynamically registered client");
}

/// `registration_client_uri` comes from `OAUTH_APPS_PUBLIC_URL` (unset: the address the
/// server is bound to), never from the caller's `Host`, `X-Forwarded-Host` or `Forwarded`.
pub async fn the_configuration_endpoint_is_the_registrys_own_url(db: Db) {
    let forged: &[(&str, &str)] = &[
        ("Host", "evil.example"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("Forwarded", "host=evil.example;proto=https"),
    ];
    let body = json!({"redirect_uris": ["https://c.example/cb"]});
    for (settings, expected_base) in [
        (
            vec![("OAUTH_APPS_PUBLIC_URL", "https://apps.example.com/")],
            Some("https://apps.example.com"),
        ),
        (vec![], None),
    ] {
        let app = open(db, &settings).await;
        let base = expected_base.map_or_else(|| app.base.clone(), str::to_owned);
        let registered = post(&app, forged, &body).await;
        assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
        let client_id = registered.body["client_id"].as_str().unwrap();
        let expected = format!("{base}/register/{client_id}");
        assert_eq!(registered.body["registration_client_uri"], expected);
        let rat = registered.body["registration_access_token"]
            .as_str()
            .unwrap();
        let read = app
            .call(
                "GET",
                &format!("/register/{client_id}"),
                Some(rat),
                forged,
                None,
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.raw);
        assert_eq!(read.body["registration_client_uri"], expected);
    }
}

/// An RFC 7592 replacement removes what it leaves out (§2.2): keys that are not sent are
/// removed, a method that is not sent is the default one (`client_secret_basic`), and a
/// `private_key_jwt` client that leaves its keys out is refused (it would have none).
pub async fn a_replacement_removes_what_it_leaves_out(db: Db) {
    let app = open(
        db,
        &[(
            "OAUTH_APPS_ASSERTION_AUDIENCES",
            crate::credentials::AUDIENCE,
        )],
    )
    .await;
    let signer = oauth_apps_test_support::keys::Signer::es256("k1");
    let registered = post(
        &app,
        &[],
        &json!({"redirect_uris": ["https://c.example/cb"],
                "token_endpoint_auth_method": "client_secret_post", "jwks": signer.jwks()}),
    )
    .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
    assert_eq!(registered.body["jwks"], signer.jwks());
    let client_id = registered.body["client_id"].as_str().unwrap().to_owned();
    let path = format!("/register/{client_id}");
    let rat = registered.body["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let replacement = json!({"client_id": client_id, "client_name": "Replaced",
                             "redirect_uris": ["https://c.example/cb"]});
    let replaced = app
        .call(
            "PUT",
            &path,
            Some(&rat),
            &[],
            Some(("application/json", replacement.to_string().into_bytes())),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.raw);
    assert!(replaced.body.get("jwks").is_none(), "{}", replaced.raw);
    assert_eq!(
        replaced.body["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    let rat = replaced.body["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = app.get(&path, &rat).await;
    assert!(read.body.get("jwks").is_none(), "{}", read.raw);
    let stored = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    assert_eq!(
        stored.body["tokenEndpointAuthMethod"],
        "client_secret_basic"
    );
    assert!(
        stored.body.get("jwks").is_none_or(Value::is_null),
        "{}",
        stored.raw
    );
    let secret = registered.body["client_secret"].as_str().unwrap();
    assert!(
        app.authenticates(&client_id, secret).await,
        "the secret is kept"
    );

    // A private_key_jwt client that leaves its keys out would have none: refused.
    let keyed = post(
        &app,
        &[],
        &json!({"redirect_uris": ["https://c.example/cb"],
                "token_endpoint_auth_method": "private_key_jwt", "jwks": signer.jwks()}),
    )
    .await;
    assert_eq!(keyed.status, StatusCode::CREATED, "{}", keyed.raw);
    let keyed_id = keyed.body["client_id"].as_str().unwrap();
    let refused = app
        .call(
            "PUT",
            &format!("/register/{keyed_id}"),
            Some(keyed.body["registration_access_token"].as_str().unwrap()),
            &[],
            Some((
                "application/json",
                json!({"client_id": keyed_id, "redirect_uris": ["https://c.example/cb"],
                       "token_endpoint_auth_method": "private_key_jwt"})
                .to_string()
                .into_bytes(),
            )),
        )
        .await;
    refused_metadata(&refused, &["token_endpoint_auth_method", "jwks"]);
}
