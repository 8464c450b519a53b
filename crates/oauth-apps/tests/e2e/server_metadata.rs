//! `GET /api/authorization-server-metadata`: the RFC 8414 §2 members follow the server's
//! configuration (metadata documents, open registration, the public URL), without a token.

use awc::http::StatusCode;
use oauth_apps_domain::{AuthMethod, SigningAlgorithm};
use serde_json::{Value, json};

use crate::harness::{Db, TestApp, admin, spawn, spawn_with};

const PATH: &str = "/api/authorization-server-metadata";

/// The members, read without a token; checks what holds in every configuration.
async fn members(app: &TestApp) -> Value {
    let reply = app.call("GET", PATH, None, &[], None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        reply.header("content-type")
    );
    let body = reply.body;
    let methods: Vec<&str> = AuthMethod::ALL
        .into_iter()
        .map(AuthMethod::as_str)
        .collect();
    assert_eq!(
        body["token_endpoint_auth_methods_supported"],
        json!(methods)
    );
    let algorithms: Vec<&str> = SigningAlgorithm::ALL
        .into_iter()
        .map(SigningAlgorithm::as_str)
        .collect();
    assert_eq!(
        body["token_endpoint_auth_signing_alg_values_supported"],
        json!(algorithms)
    );
    assert_eq!(body["tls_client_certificate_bound_access_tokens"], true);
    // A token changes nothing, and HEAD is GET without the body.
    let with_token = app.get(PATH, &admin()).await;
    assert_eq!(with_token.body, body);
    let head = app.call("HEAD", PATH, None, &[], None).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.raw.is_empty(), "{}", head.raw);
    body
}

/// Without metadata documents and without open registration: documents are not
/// supported, and `/register` (with an initial access token) is at the bound address.
pub async fn the_members_follow_the_default_configuration(db: Db) {
    let app = spawn(db).await;
    let body = members(&app).await;
    assert_eq!(body["client_id_metadata_document_supported"], false);
    assert_eq!(
        body["registration_endpoint"],
        format!("{}/register", app.base)
    );
    // It is the endpoint that registers: with an initial access token.
    let minted = app
        .json(
            "POST",
            "/api/initial-access-tokens",
            &admin(),
            &json!({"ownerOrgId": "acme", "expiresInSeconds": 600}),
        )
        .await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.raw);
    let token = minted.body["initialAccessToken"].as_str().unwrap();
    let registered = app
        .json(
            "POST",
            "/register",
            token,
            &json!({"redirect_uris": ["https://client.example/cb"]}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.raw);
}

/// With metadata documents, open registration and a public URL: documents are supported,
/// and the registration endpoint is under the public URL.
pub async fn the_members_follow_documents_and_open_registration(db: Db) {
    let app = spawn_with(
        db,
        &[
            ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "*.tools.example=acme"),
            ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "public-clients"),
            ("OAUTH_APPS_PUBLIC_URL", "https://apps.example.com"),
        ],
    )
    .await;
    let body = members(&app).await;
    assert_eq!(body["client_id_metadata_document_supported"], true);
    assert_eq!(
        body["registration_endpoint"],
        "https://apps.example.com/register"
    );
}
