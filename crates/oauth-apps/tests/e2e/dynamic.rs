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

/// Registers `metadata` with oauth4webapi presenting `token`; what the script printed. The
/// script runs on a blocking thread, so that this test's runtime keeps serving its own
/// HTTP client's connections meanwhile.
async fn register(base: &str, token: &str, metadata: &Value) -> Value {
    let args = [base.to_owned(), token.to_owned(), metadata.to_string()];
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .arg(SCRIPT)
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
    assert!(client.get("logo_uri").is_none() && client.get("x-unknown").is_none());
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
    let auth = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientId": client_id, "clientSecret": secret}),
        )
        .await;
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
    let missing = app
        .call(
            "POST",
            "/register",
            None,
            &[],
            Some(("application/json", metadata.to_string().into_bytes())),
        )
        .await;
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
