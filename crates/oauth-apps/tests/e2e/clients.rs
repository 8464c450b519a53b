//! What common client libraries send, accepted as they send it: openid-client's
//! `dynamicClientRegistration` and the MCP TypeScript SDK's `registerClient` for machine
//! clients (`client_credentials` without `response_types`), and the SDK's
//! `PrivateKeyJwtProvider` metadata published as a Client ID Metadata Document
//! (`client_credentials`, `private_key_jwt`, `redirect_uris: []`), whose client assertion
//! the SDK signs.

use std::process::Command;
use std::sync::Arc;

use awc::http::StatusCode;
use oauth_apps_test_support::https::{Routes, Script, Server as HttpsServer, TestCa, answer};
use serde_json::{Value, json};

use crate::credentials::AUDIENCE;
use crate::harness::{Db, TestApp, admin, authenticator, spawn_with};

const OPENID_CLIENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/openid_client_register.mjs"
);
const MCP_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/mcp_sdk.mjs");

/// Where the client libraries are installed: `OAUTH_APPS_TOOLS`, or where scripts/test
/// installs them.
fn tools() -> String {
    std::env::var("OAUTH_APPS_TOOLS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/tools").to_owned())
}

/// Runs a client script with `args`; what it printed, as JSON. On a blocking thread, so
/// that this test's runtime keeps serving the server meanwhile.
async fn node(script: &'static str, args: Vec<String>) -> Value {
    let tools = tools();
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(&args)
            .env(
                "OPENID_CLIENT",
                format!("{tools}/node_modules/openid-client/build/index.js"),
            )
            .env(
                "MCP_SDK",
                format!("{tools}/node_modules/@modelcontextprotocol/sdk/dist/esm"),
            )
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs (scripts/test installs openid-client and @modelcontextprotocol/sdk)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "the script printed no JSON: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

async fn mint(app: &TestApp, allowance: &Value) -> String {
    let reply = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 600, "allowance": allowance}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    reply.body["initialAccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn resolve(app: &TestApp, client_id: &str) -> crate::harness::Reply {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("clientId", client_id)
        .finish();
    app.get(&format!("/api/client-metadata?{query}"), &authenticator())
        .await
}

/// openid-client and the MCP SDK register and resolve their clients as they send them,
/// within the organisation's self-registration policy and a token's allowance.
pub async fn common_clients_register_as_they_send_it(db: Db) {
    let ca = TestCa::new("oauth-apps client libraries CA");
    let routes: Routes = Arc::default();
    let server = HttpsServer::scripted(
        ca.server_for(&["127.0.0.1"]),
        Script::Routes(Arc::clone(&routes)),
    )
    .await;
    let dir = oauth_apps_test_support::TempDir::new();
    let ca_path = ca.write_pem(dir.path());
    let app = spawn_with(
        db,
        &[
            ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "acme"),
            ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
            ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "127.0.0.1=acme"),
        ],
    )
    .await;

    openid_client_registers_what_it_sends(&app).await;
    the_mcp_sdk_registers_within_the_organisations_policy(&app).await;
    the_mcp_sdks_machine_document_resolves_and_authenticates(&app, &server, &routes).await;
    the_mcp_sdk_resolves_through_documents_under_the_mcp_profile(&app, &server, &routes).await;
}

/// Under the organisation's `mcp` profile the SDK's metadata document still resolves (and
/// its client authenticates), while its `/register` request, which leaves
/// `application_type` out, is refused by the profile's rule (metadata documents are
/// preferred).
async fn the_mcp_sdk_resolves_through_documents_under_the_mcp_profile(
    app: &TestApp,
    server: &HttpsServer,
    routes: &Routes,
) {
    let policy = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"profile": "mcp",
                    "selfRegistration": {"grantTypes": ["authorization_code", "refresh_token",
                                                        "client_credentials"]}}),
        )
        .await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.raw);
    assert_eq!(policy.body["profile"], "mcp");
    let url = server.url("/clients/mcp-profile.json");
    let published = node(MCP_SDK, vec!["document".into(), url.clone()]).await;
    routes.lock().unwrap().insert(
        "/clients/mcp-profile.json".to_owned(),
        answer(
            "200 OK",
            &[("content-type", "application/json")],
            published["document"].to_string().as_bytes(),
        ),
    );
    let resolved = resolve(app, &url).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);
    assert_eq!(
        resolved.body["application"]["registration"],
        "metadata_document"
    );
    let assertion = node(
        MCP_SDK,
        vec![
            "assertion".into(),
            url,
            published["privateJwk"].to_string(),
            AUDIENCE.into(),
        ],
    )
    .await;
    let checked = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientAssertionType": oauth_apps_test_support::keys::JWT_BEARER,
                    "clientAssertion": assertion["assertion"]}),
        )
        .await;
    assert_eq!(checked.body["valid"], true, "{}", checked.raw);
    let registered = node(MCP_SDK, vec!["register".into(), app.base.clone()]).await;
    assert_eq!(registered["ok"], false, "{registered}");
    assert_eq!(
        registered["error"], "invalid_client_metadata",
        "{registered}"
    );
    assert!(
        registered["description"]
            .as_str()
            .unwrap()
            .contains("mcp.application_type"),
        "{registered}"
    );
    let back = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"selfRegistration": {"grantTypes": ["authorization_code", "refresh_token",
                                                         "client_credentials"]}}),
        )
        .await;
    assert_eq!(back.body["profile"], "baseline", "{}", back.raw);
}

/// openid-client registers a machine client: client_credentials, no response_types (the
/// token's allowance lets it have client_credentials); and a web client, with the RFC's
/// defaults.
async fn openid_client_registers_what_it_sends(app: &TestApp) {
    let token = mint(app, &json!({"grantTypes": ["client_credentials"]})).await;
    let machine = node(
        OPENID_CLIENT,
        vec![
            app.base.clone(),
            token.clone(),
            json!({"client_name": "openid-client machine", "grant_types": ["client_credentials"],
                   "token_endpoint_auth_method": "client_secret_basic", "scope": "read"})
            .to_string(),
        ],
    )
    .await;
    assert_eq!(machine["ok"], true, "{machine}");
    let client = &machine["client"];
    assert_eq!(client["grant_types"], json!(["client_credentials"]));
    assert_eq!(client["response_types"], json!([]));
    assert_eq!(client["redirect_uris"], json!([]));
    let client_id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    assert!(app.authenticates(client_id, secret).await);
    // Its ordinary web client: the RFC's defaults, `code` inferred for authorization_code.
    let web = node(
        OPENID_CLIENT,
        vec![
            app.base.clone(),
            token,
            json!({"client_name": "openid-client web",
                   "redirect_uris": ["https://rp.example/cb"]})
            .to_string(),
        ],
    )
    .await;
    assert_eq!(web["ok"], true, "{web}");
    assert_eq!(web["client"]["response_types"], json!(["code"]));
    assert_eq!(web["client"]["grant_types"], json!(["authorization_code"]));
    // A FAPI 2.0 client: mutual TLS by its certificate's SAN, DPoP-bound tokens, PAR
    // required; every member is kept and shown back (RFC 7591 §3.2.1).
    let fapi = node(
        OPENID_CLIENT,
        vec![
            app.base.clone(),
            mint(app, &json!({})).await,
            json!({"client_name": "openid-client FAPI", "redirect_uris": ["https://rp.example/cb"],
                   "token_endpoint_auth_method": "tls_client_auth",
                   "tls_client_auth_san_dns": "rp.example",
                   "dpop_bound_access_tokens": true,
                   "require_pushed_authorization_requests": true})
            .to_string(),
        ],
    )
    .await;
    assert_eq!(fapi["ok"], true, "{fapi}");
    let client = &fapi["client"];
    assert_eq!(client["token_endpoint_auth_method"], "tls_client_auth");
    assert_eq!(client["tls_client_auth_san_dns"], "rp.example");
    assert_eq!(client["dpop_bound_access_tokens"], true);
    assert_eq!(client["require_pushed_authorization_requests"], true);
    assert_eq!(client["tls_client_certificate_bound_access_tokens"], false);
    assert!(client.get("client_secret").is_none(), "{fapi}");
}

/// The MCP SDK registers its ClientCredentialsProvider's metadata with open registration:
/// refused while the organisation does not let clients register themselves for
/// client_credentials, accepted once it does.
async fn the_mcp_sdk_registers_within_the_organisations_policy(app: &TestApp) {
    let refused = node(MCP_SDK, vec!["register".into(), app.base.clone()]).await;
    assert_eq!(
        (&refused["ok"], &refused["error"]),
        (&json!(false), &json!("invalid_client_metadata")),
        "{refused}"
    );
    assert!(
        refused["description"]
            .as_str()
            .unwrap()
            .contains("client_credentials"),
        "{refused}"
    );
    let policy = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"selfRegistration": {"grantTypes": ["authorization_code", "refresh_token",
                                                         "client_credentials"]}}),
        )
        .await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.raw);
    let registered = node(MCP_SDK, vec!["register".into(), app.base.clone()]).await;
    assert_eq!(registered["ok"], true, "{registered}");
    let client = &registered["client"];
    assert_eq!(client["client_name"], "MCP machine client");
    assert_eq!(client["grant_types"], json!(["client_credentials"]));
    assert_eq!(client["response_types"], json!([]));
    assert!(
        app.authenticates(
            client["client_id"].as_str().unwrap(),
            client["client_secret"].as_str().unwrap()
        )
        .await
    );
}

/// The SDK's PrivateKeyJwtProvider metadata as a Client ID Metadata Document: no redirect
/// URLs, as the draft allows for a grant that uses none (-02 §4.2); the SDK's assertion
/// authenticates it.
async fn the_mcp_sdks_machine_document_resolves_and_authenticates(
    app: &TestApp,
    server: &HttpsServer,
    routes: &Routes,
) {
    let url = server.url("/clients/mcp-machine.json");
    let published = node(MCP_SDK, vec!["document".into(), url.clone()]).await;
    assert_eq!(published["document"]["redirect_uris"], json!([]));
    routes.lock().unwrap().insert(
        "/clients/mcp-machine.json".to_owned(),
        answer(
            "200 OK",
            &[("content-type", "application/json")],
            published["document"].to_string().as_bytes(),
        ),
    );
    let resolved = resolve(app, &url).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);
    let application = &resolved.body["application"];
    assert_eq!(application["redirectUrls"], json!([]));
    assert_eq!(application["grantTypes"], json!(["client_credentials"]));
    assert_eq!(application["tokenEndpointAuthMethod"], "private_key_jwt");
    let assertion = node(
        MCP_SDK,
        vec![
            "assertion".into(),
            url.clone(),
            published["privateJwk"].to_string(),
            AUDIENCE.into(),
        ],
    )
    .await;
    let checked = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientAssertionType": oauth_apps_test_support::keys::JWT_BEARER,
                    "clientAssertion": assertion["assertion"]}),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.raw);
    assert_eq!(checked.body["valid"], true, "{}", checked.raw);
}
