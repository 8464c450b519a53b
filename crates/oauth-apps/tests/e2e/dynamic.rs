//! RFC 7591 dynamic registration at `POST /register`, driven by oauth4webapi (a maintained
//! OAuth client library, in Node) and by hand where the library cannot go.

use std::process::Command;

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, admin, authenticator};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/oauth4webapi_register.mjs"
);
const MANAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/oauth4webapi_manage.mjs"
);

/// The library's entry file: `OAUTH4WEBAPI`, or where scripts/test installs it.
fn library() -> String {
    std::env::var("OAUTH4WEBAPI").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/tools/node_modules/oauth4webapi/build/index.js"
        )
        .to_owned()
    })
}

/// Registers `metadata` with oauth4webapi presenting `token`; what the script printed.
async fn register(base: &str, token: &str, metadata: &Value) -> Value {
    node(
        SCRIPT,
        vec![base.to_owned(), token.to_owned(), metadata.to_string()],
    )
    .await
}

/// `method` on a client's configuration endpoint `uri` with oauth4webapi presenting `token`
/// (and `body`); what the script printed.
async fn manage(method: &str, uri: &str, token: &str, body: Option<&Value>) -> Value {
    let mut args = vec![method.to_owned(), uri.to_owned(), token.to_owned()];
    args.extend(body.map(Value::to_string));
    node(MANAGE, args).await
}

/// Runs a client script with `args`; what it printed. The script runs on a blocking
/// thread, so that this test's runtime keeps serving its own HTTP client's connections
/// meanwhile.
async fn node(script: &'static str, args: Vec<String>) -> Value {
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(&args)
            .env("OAUTH4WEBAPI", library())
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs (scripts/test installs oauth4webapi)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "the script printed no JSON: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// What `POST /api/client-authentication` answers for `client_id` and `secret`.
async fn secret_check(app: &TestApp, client_id: &str, secret: &str) -> crate::harness::Reply {
    app.json(
        "POST",
        "/api/client-authentication",
        &authenticator(),
        &json!({"clientId": client_id, "clientSecret": secret}),
    )
    .await
}

/// `POST /register` of `body` without a token, by hand (what the library cannot send).
async fn post_register(app: &TestApp, body: &Value) -> crate::harness::Reply {
    app.call(
        "POST",
        "/register",
        None,
        &[],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

async fn mint(app: &TestApp, max_uses: Option<u32>) -> String {
    let mut body = json!({"ownerOrgId": "acme", "expiresInSeconds": 600});
    if let Some(n) = max_uses {
        body["maxUses"] = json!(n);
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

/// A client registers itself with an initial access token; the registry shows it as
/// `dynamic` in the token's organisation; a one-time token registers once; metadata that
/// breaks a rule is refused with the RFC's codes and spends no use; unknown metadata is
/// ignored.
pub async fn clients_register_themselves_with_an_initial_access_token(app: TestApp) {
    let token = mint(&app, Some(1)).await;
    let metadata = json!({
        "client_name": "Self-registered",
        "redirect_uris": ["https://client.example/cb"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "read",
        "logo_uri": "https://client.example/logo.png",
        "x-unknown": {"ignored": true}
    });
    // Broken metadata first: refused, and the token's one use is not spent.
    let bad = register(
        &app.base,
        &token,
        &json!({"redirect_uris": ["http://client.example/cb"]}),
    )
    .await;
    assert_eq!(bad["ok"], false, "{bad}");
    assert_eq!(
        (&bad["status"], &bad["error"]),
        (&json!(400), &json!("invalid_redirect_uri")),
        "{bad}"
    );
    let inconsistent = register(
        &app.base,
        &token,
        &json!({"redirect_uris": ["https://client.example/cb"], "response_types": ["token"]}),
    )
    .await;
    assert_eq!(
        inconsistent["error"], "invalid_client_metadata",
        "{inconsistent}"
    );

    let answer = register(&app.base, &token, &metadata).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let client = &answer["client"];
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let secret = client["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(client["client_secret_expires_at"], 0);
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(client["response_types"], json!(["code"]));
    assert_eq!(client["scope"], "read");
    assert_eq!(client["logo_uri"], "https://client.example/logo.png");
    assert!(client.get("x-unknown").is_none(), "{client}");
    assert!(
        client["registration_access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("oart_")),
        "{client}"
    );
    assert_eq!(
        client["registration_client_uri"],
        format!("{}/register/{client_id}", app.base)
    );
    assert!(client["client_id_issued_at"].as_i64().unwrap() > 1_700_000_000);

    // The registry: the token's organisation, registered dynamically, by the token.
    let stored = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.raw);
    assert_eq!(stored.body["ownerOrgId"], "acme");
    assert_eq!(stored.body["registration"], "dynamic");
    assert_eq!(stored.body["name"], "Self-registered");
    let trail = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events"),
            &admin(),
        )
        .await;
    assert!(
        trail.body["items"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("initial-access-token:"),
        "{}",
        trail.raw
    );
    let auth = secret_check(&app, &client_id, &secret).await;
    assert_eq!(auth.body["valid"], true, "{}", auth.raw);

    // The one use is spent: the library sees the RFC 6750 challenge.
    let again = register(&app.base, &token, &metadata).await;
    assert_eq!(again["ok"], false, "{again}");
    assert_eq!(
        (&again["status"], &again["error"]),
        (&json!(401), &json!("invalid_token")),
        "{again}"
    );
    let listed = app
        .get("/api/initial-access-tokens?ownerOrgId=acme", &admin())
        .await;
    assert_eq!(listed.body["items"][0]["uses"], 1);

    // No token, a made-up one, a revoked one: 401 alike.
    let missing = post_register(&app, &metadata).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(
        missing
            .header("www-authenticate")
            .is_some_and(|h| h.contains("invalid_token"))
    );
    assert_eq!(
        register(&app.base, "oait_made-up", &metadata).await["status"],
        401
    );
    let revoked = mint(&app, None).await;
    let tokens = app
        .get("/api/initial-access-tokens?ownerOrgId=acme", &admin())
        .await;
    let id = tokens.body["items"][0]["id"].as_str().unwrap().to_owned();
    app.call(
        "DELETE",
        &format!("/api/initial-access-tokens/{id}"),
        Some(&admin()),
        &[],
        None,
    )
    .await;
    assert_eq!(
        register(&app.base, &revoked, &metadata).await["status"],
        401
    );

    // A public native client: no secret.
    let open = mint(&app, None).await;
    let public = register(
        &app.base,
        &open,
        &json!({"application_type": "native", "token_endpoint_auth_method": "none",
                "redirect_uris": ["http://127.0.0.1/cb"]}),
    )
    .await;
    assert_eq!(public["ok"], true, "{public}");
    assert!(public["client"].get("client_secret").is_none(), "{public}");
    assert_eq!(public["client"]["application_type"], "native");
}

/// A client reads, replaces and deletes its registration with its registration access
/// token (RFC 7592), driven by oauth4webapi; a token opens only its own client; a
/// replacement rotates the token, keeps the secret, clears what it leaves out and is
/// refused whole when it breaks a rule; a deletion disables the client for good.
pub async fn clients_manage_their_registration(app: TestApp) {
    let token = mint(&app, None).await;
    let metadata = json!({
        "client_name": "Managed",
        "redirect_uris": ["https://client.example/cb"],
        "scope": "read",
        "logo_uri": "https://client.example/logo.png",
        "contacts": ["ops@client.example"],
        "software_id": "managed-client",
        "software_version": "1.0"
    });
    let answer = register(&app.base, &token, &metadata).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let client = answer["client"].clone();
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let secret = client["client_secret"].as_str().unwrap().to_owned();
    let uri = client["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let rat = client["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = register(
        &app.base,
        &token,
        &json!({"client_name": "Other", "redirect_uris": ["https://other.example/cb"]}),
    )
    .await;
    let other_uri = other["client"]["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_rat = other["client"]["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Read (§2.1): the metadata, no secret, no token.
    let read = manage("GET", &uri, &rat, None).await;
    assert_eq!(
        (&read["ok"], &read["status"]),
        (&json!(true), &json!(200)),
        "{read}"
    );
    let body = &read["body"];
    assert_eq!(body["client_id"], client_id.as_str());
    assert_eq!(body["contacts"], json!(["ops@client.example"]));
    assert_eq!(body["software_version"], "1.0");
    assert_eq!(body["registration_client_uri"], uri.as_str());
    assert!(body.get("client_secret").is_none(), "{body}");
    assert!(body.get("registration_access_token").is_none(), "{body}");

    // A token opens its own client only; unknown and manual clients alike (401).
    for (target, token) in [
        (&uri, &other_rat),
        (&other_uri, &rat),
        (&uri, &"oart_made-up".to_owned()),
    ] {
        let refused = manage("GET", target, token, None).await;
        assert_eq!(
            (&refused["ok"], &refused["status"], &refused["error"]),
            (&json!(false), &json!(401), &json!("invalid_token")),
            "{refused}"
        );
    }
    let manual = app
        .json(
            "POST",
            "/api/oauth-applications",
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "By hand", "type": "web",
                    "redirectUrls": ["https://hand.example/cb"]}),
        )
        .await;
    assert_eq!(manual.status, StatusCode::CREATED, "{}", manual.raw);
    let manual_uri = format!(
        "{}/register/{}",
        app.base,
        manual.body["application"]["clientId"].as_str().unwrap()
    );
    assert_eq!(manage("GET", &manual_uri, &rat, None).await["status"], 401);

    // Replacement (§2.2) refusals, each writing nothing.
    let path = format!("/api/oauth-applications/{client_id}");
    let before = app.get(&path, &admin()).await.body["version"].clone();
    let mut replacement = body.clone();
    for name in [
        "registration_client_uri",
        "client_id_issued_at",
        "client_secret_expires_at",
    ] {
        replacement.as_object_mut().unwrap().remove(name);
    }
    replacement["client_name"] = json!("Managed, renamed");
    replacement.as_object_mut().unwrap().remove("logo_uri");
    let refusals = [
        (
            "registration_access_token",
            json!(rat.clone()),
            "invalid_request",
        ),
        (
            "client_id",
            json!(other["client"]["client_id"].clone()),
            "invalid_request",
        ),
        (
            "client_secret",
            json!("cs_not-the-secret"),
            "invalid_request",
        ),
        (
            "redirect_uris",
            json!(["http://client.example/cb"]),
            "invalid_redirect_uri",
        ),
        (
            "tos_uri",
            json!("http://client.example/tos"),
            "invalid_client_metadata",
        ),
        (
            "application_type",
            json!("native"),
            "invalid_client_metadata",
        ),
    ];
    for (member, value, code) in refusals {
        let mut bad = replacement.clone();
        bad[member] = value;
        let refused = manage("PUT", &uri, &rat, Some(&bad)).await;
        assert_eq!(
            (&refused["status"], &refused["body"]["error"]),
            (&json!(400), &json!(code)),
            "{member}: {refused}"
        );
    }
    let mut without_id = replacement.clone();
    without_id.as_object_mut().unwrap().remove("client_id");
    assert_eq!(
        manage("PUT", &uri, &rat, Some(&without_id)).await["status"],
        400
    );
    assert_eq!(
        app.get(&path, &admin()).await.body["version"],
        before,
        "a refused replacement wrote"
    );

    // A replacement with the right secret: 200, renamed, logo cleared, token rotated.
    replacement["client_secret"] = json!(secret.clone());
    let replaced = manage("PUT", &uri, &rat, Some(&replacement)).await;
    assert_eq!(replaced["status"], 200, "{replaced}");
    let new_body = &replaced["body"];
    assert_eq!(new_body["client_name"], "Managed, renamed");
    assert!(new_body.get("logo_uri").is_none(), "{new_body}");
    assert_eq!(new_body["contacts"], json!(["ops@client.example"]));
    assert!(new_body.get("client_secret").is_none(), "{new_body}");
    let new_rat = new_body["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_rat, rat);
    assert_eq!(manage("GET", &uri, &rat, None).await["status"], 401);
    assert_eq!(manage("GET", &uri, &new_rat, None).await["status"], 200);
    let stored = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    assert_eq!(stored.body["name"], "Managed, renamed");
    let trail = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events"),
            &admin(),
        )
        .await;
    assert_eq!(
        trail.body["items"][0]["actor"],
        format!("registration-access-token:{client_id}"),
        "{}",
        trail.raw
    );
    let auth = secret_check(&app, &client_id, &secret).await;
    assert_eq!(
        auth.body["valid"], true,
        "the secret survives a replacement"
    );

    // Deletion (§2.3): 204, the client disabled, its token dead even once re-enabled.
    let deleted = manage("DELETE", &uri, &new_rat, None).await;
    assert_eq!(
        (&deleted["status"], &deleted["body"]),
        (&json!(204), &Value::Null),
        "{deleted}"
    );
    assert_eq!(manage("GET", &uri, &new_rat, None).await["status"], 401);
    assert_eq!(manage("DELETE", &uri, &new_rat, None).await["status"], 401);
    let stored = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    assert_eq!(stored.body["disabled"], true, "{}", stored.raw);
    let auth = secret_check(&app, &client_id, &secret).await;
    assert_eq!(auth.body["valid"], false);
    let enabled = app
        .call(
            "POST",
            &format!("/api/oauth-applications/{client_id}/enable"),
            Some(&admin()),
            &[],
            None,
        )
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.raw);
    assert_eq!(manage("GET", &uri, &new_rat, None).await["status"], 401);
    // The other client was never touched.
    assert_eq!(
        manage("GET", &other_uri, &other_rat, None).await["status"],
        200
    );
}

/// Software statements (RFC 7591 §2.3) signed by a trusted key: their claims win over the
/// body's, the statement is echoed; an untrusted, expired or tampered one is refused with
/// the RFC's codes. Open registration: no initial access token, into the configured
/// organisation, limited per client address (429 with `Retry-After`).
pub async fn software_statements_and_open_registration(db: crate::harness::Db) {
    use oauth_apps_test_support::keys::{Signer, now};

    let publisher = Signer::es256("publisher-1");
    let dir = oauth_apps_test_support::TempDir::new();
    let jwks_file = dir.path().join("statements.json");
    std::fs::write(&jwks_file, publisher.jwks().to_string()).unwrap();
    let app = crate::harness::spawn_with(
        db,
        &[
            (
                "OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE",
                jwks_file.to_str().unwrap(),
            ),
            ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "acme"),
            ("OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", "4"),
        ],
    )
    .await;
    let statement_claims = json!({
        "iss": "https://publisher.example",
        "software_id": "published-tool",
        "client_name": "Name from the statement",
        "redirect_uris": ["https://tool.example/cb"],
        "iat": now(),
        "exp": now() + 600,
    });
    let statement = publisher.sign(&statement_claims);
    let metadata = json!({
        "client_name": "Name from the body",
        "redirect_uris": ["https://body.example/cb"],
        "software_statement": statement,
    });

    // Open registration, no token: the statement's claims win and it is echoed.
    let answer = register(&app.base, "", &metadata).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let client = &answer["client"];
    assert_eq!(client["client_name"], "Name from the statement");
    assert_eq!(client["redirect_uris"], json!(["https://tool.example/cb"]));
    assert_eq!(client["software_id"], "published-tool");
    assert_eq!(client["software_statement"], statement.as_str());
    let client_id = client["client_id"].as_str().unwrap();
    let stored = app
        .get(&format!("/api/oauth-applications/{client_id}"), &admin())
        .await;
    assert_eq!(stored.body["ownerOrgId"], "acme");
    assert_eq!(stored.body["registration"], "dynamic");
    let trail = app
        .get(
            &format!("/api/oauth-applications/{client_id}/events"),
            &admin(),
        )
        .await;
    assert_eq!(trail.body["items"][0]["actor"], "open-registration");

    // Untrusted, expired, tampered: refused, each with its code, nothing registered.
    let untrusted = Signer::es256("stranger-1").sign(&statement_claims);
    let mut expired_claims = statement_claims.clone();
    expired_claims["exp"] = json!(now() - 3600);
    let expired = publisher.sign(&expired_claims);
    let mut parts: Vec<String> = statement.split('.').map(str::to_owned).collect();
    parts[1] = base64_url(
        &json!({"iss": "https://publisher.example", "client_name": "Forged"}).to_string(),
    );
    let tampered = parts.join(".");
    for (bad, code) in [
        (untrusted, "unapproved_software_statement"),
        (expired, "invalid_software_statement"),
        (tampered, "invalid_software_statement"),
    ] {
        let mut body = metadata.clone();
        body["software_statement"] = json!(bad);
        let refused = post_register(&app, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.raw);
        assert_eq!(refused.body["error"], code, "{}", refused.raw);
    }
    let listed = app
        .get("/api/oauth-applications?ownerOrgId=acme", &admin())
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // Four open registrations an hour from this address (refused ones count): the fifth
    // waits.
    let limited = post_register(&app, &metadata).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.raw
    );
    assert!(limited.header("retry-after").is_some());
    // A token still registers (the limit is open registration's).
    let token = mint(&app, Some(1)).await;
    assert_eq!(register(&app.base, &token, &metadata).await["ok"], true);
}

/// Without trusted keys a software statement is not approved; without open registration
/// a token is required.
pub async fn statements_need_trusted_keys(app: TestApp) {
    let statement = oauth_apps_test_support::keys::Signer::es256("k")
        .sign(&json!({"iss": "https://publisher.example"}));
    let token = mint(&app, None).await;
    let refused = register(
        &app.base,
        &token,
        &json!({"redirect_uris": ["https://c.example/cb"], "software_statement": statement}),
    )
    .await;
    assert_eq!(
        (&refused["status"], &refused["error"]),
        (&json!(400), &json!("unapproved_software_statement")),
        "{refused}"
    );
    let open = register(
        &app.base,
        "",
        &json!({"redirect_uris": ["https://c.example/cb"]}),
    )
    .await;
    assert_eq!(open["status"], 401, "{open}");
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// An initial access token stops registering when it expires (the shortest lifetime is a
/// minute, so this test waits one): the library sees the RFC 6750 challenge.
pub async fn an_expired_initial_access_token_is_refused(app: TestApp) {
    let reply = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 60}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    let token = reply.body["initialAccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let metadata = json!({"redirect_uris": ["https://client.example/cb"]});
    let mut metadata_first = metadata.clone();
    metadata_first["client_name"] = json!("Before expiry");
    assert_eq!(
        register(&app.base, &token, &metadata_first).await["ok"],
        true
    );
    actix_web::rt::time::sleep(std::time::Duration::from_secs(61)).await;
    let expired = register(&app.base, &token, &metadata).await;
    assert_eq!(
        (&expired["status"], &expired["error"]),
        (&json!(401), &json!("invalid_token")),
        "{expired}"
    );
}
