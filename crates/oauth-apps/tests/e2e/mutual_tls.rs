//! Mutual-TLS client authentication (RFC 8705) end to end, with real certificates: a
//! CA-issued one checked by the registered subject (a wrong SAN, an expired certificate),
//! a self-signed one in the client's JWK Set rotated with grace, the `x5t#S256` thumbprint
//! (§3.1), and the sender-constraint metadata on both surfaces.

use awc::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_apps_test_support::https::{TestCa, self_signed_client_certificate};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::harness::{TestApp, admin, authenticator};

const APPS: &str = "/api/oauth-applications";

/// `x5t#S256` computed here, independently of the server: base64url of SHA-256 of the DER.
fn thumbprint(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

async fn present(app: &TestApp, client_id: &str, pem: &str) -> Value {
    let reply = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientId": client_id, "clientCertificate": pem}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    reply.body
}

pub async fn clients_authenticate_with_their_certificates(app: TestApp) {
    let ca = TestCa::new("mTLS test CA");
    let created = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "Bank client", "type": "web",
                "redirectUrls": ["https://bank.example.com/cb"],
                "tokenEndpointAuthMethod": "tls_client_auth",
                "tlsClientAuthSanDns": "client.bank.example.com",
                "tlsClientCertificateBoundAccessTokens": true,
                "requirePushedAuthorizationRequests": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    let application = &created.body["application"];
    let client_id = application["clientId"].as_str().unwrap().to_owned();
    assert!(created.body["clientSecret"].is_null(), "{}", created.raw);
    assert_eq!(
        application["tlsClientAuthSanDns"],
        "client.bank.example.com"
    );
    assert_eq!(application["tlsClientCertificateBoundAccessTokens"], true);
    assert_eq!(application["requirePushedAuthorizationRequests"], true);
    assert_eq!(application["dpopBoundAccessTokens"], false);

    let (pem, der) = ca.client_certificate("bank", &["client.bank.example.com"], (2020, 2040));
    let answer = present(&app, &client_id, &pem).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["method"], "tls_client_auth");
    assert_eq!(answer["x5t#S256"], thumbprint(&der));

    let (wrong_san, wrong_der) =
        ca.client_certificate("bank", &["other.bank.example.com"], (2020, 2040));
    let answer = present(&app, &client_id, &wrong_san).await;
    assert_eq!(answer["valid"], false, "{answer}");
    assert_eq!(answer["x5t#S256"], thumbprint(&wrong_der));
    assert!(answer.get("application").is_none());

    let (expired, _) = ca.client_certificate("bank", &["client.bank.example.com"], (2019, 2021));
    assert_eq!(present(&app, &client_id, &expired).await["valid"], false);

    let garbage = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientId": client_id, "clientCertificate": "not a certificate"}),
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{}", garbage.raw);
    assert_eq!(garbage.body["errors"][0]["field"], "clientCertificate");

    // The v1 surface shows the same, under its own names.
    let listed = app
        .get("/api/v1/organizations/acme/oauth-applications", &admin())
        .await;
    let v1 = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == client_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(v1["tls_client_auth_san_dns"], "client.bank.example.com");
    assert_eq!(v1["tls_client_certificate_bound_access_tokens"], true);
    assert_eq!(v1["token_endpoint_auth_method"], "tls_client_auth");

    // tls_client_auth without a subject, or with two, is refused naming the rule.
    let refused = app
        .json(
            "POST",
            "/api/v1/organizations/acme/oauth-applications",
            &admin(),
            &json!({"name": "No subject", "type": "web",
                "redirect_uris": ["https://bank.example.com/cb"],
                "token_endpoint_auth_method": "tls_client_auth"}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.raw
    );
    assert!(
        refused.raw.contains("tls_client_auth_subject_dn"),
        "{}",
        refused.raw
    );
}

pub async fn self_signed_certificates_rotate_with_grace(app: TestApp) {
    let (first_pem, first_der, first_jwk) = self_signed_client_certificate("first");
    let (second_pem, _, second_jwk) = self_signed_client_certificate("second");
    let created = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "Self-signed", "type": "web",
                "redirectUrls": ["https://self.example.com/cb"],
                "tokenEndpointAuthMethod": "self_signed_tls_client_auth",
                "jwks": {"keys": [first_jwk]}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    let client_id = created.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = present(&app, &client_id, &first_pem).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["x5t#S256"], thumbprint(&first_der));
    assert_eq!(present(&app, &client_id, &second_pem).await["valid"], false);

    let rotated = app
        .json(
            "POST",
            &format!("{APPS}/{client_id}/rotate-keys"),
            &admin(),
            &json!({"jwks": {"keys": [second_jwk]}, "gracePeriodSeconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    assert_eq!(present(&app, &client_id, &second_pem).await["valid"], true);
    assert_eq!(
        present(&app, &client_id, &first_pem).await["valid"],
        true,
        "the previous certificate works while the grace period lasts"
    );
    let ended = app
        .json(
            "POST",
            &format!("{APPS}/{client_id}/rotate-keys"),
            &admin(),
            &json!({"jwks": {"keys": [self_signed_client_certificate("third").2]}}),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.raw);
    assert_eq!(present(&app, &client_id, &first_pem).await["valid"], false);
    assert_eq!(
        present(&app, &client_id, &second_pem).await["valid"],
        false,
        "a rotation without grace ends the previous set at once"
    );
}
