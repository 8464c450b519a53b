//! An organisation's policy profile over HTTP: the clients a profile would refuse listed
//! before it is switched on, and then each path refusing in its own error shape, naming
//! the profile and the rule (RFC 9457 problem on surface A, the v1 envelope, RFC 7591
//! §3.2.2 on `/register`). That the verdicts agree on every path, documents and import
//! included, is the domain's matrix test (`registration::tests::pipeline`).

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Db, admin, member, spawn_with};

const APPS: &str = "/api/oauth-applications";

fn public_native() -> Value {
    json!({"ownerOrgId": "acme", "name": "Desktop", "type": "native",
           "redirectUrls": ["http://127.0.0.1/cb"], "tokenEndpointAuthMethod": "none"})
}

/// The messages of a problem's (or an envelope's) field errors.
fn messages(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["field"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn a_profile_is_listed_before_and_held_after_it_is_switched_on(db: Db) {
    let app = spawn_with(db, &[("OAUTH_APPS_OPEN_REGISTRATION_ORG", "acme")]).await;
    let before = app.json("POST", APPS, &admin(), &public_native()).await;
    assert_eq!(before.status, StatusCode::CREATED, "{}", before.raw);
    let client_id = before.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();

    // What fapi2 would refuse, before it is on: readable by members.
    let listed = app
        .get(
            "/api/organizations/acme/policy/violations?profile=fapi2",
            &member(),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.raw);
    assert_eq!(listed.body["profile"], "fapi2");
    let violations = listed.body["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{}", listed.raw);
    assert_eq!(violations[0]["clientId"], client_id.as_str());
    let rules = messages(&violations[0], "errors").join("\n");
    for rule in [
        "type: the organisation's 'fapi2' profile requires a confidential client",
        "fapi2.client_authentication",
        "fapi2.sender_constrained_tokens",
        "fapi2.pushed_authorization_requests",
    ] {
        assert!(rules.contains(rule), "{rule} not in {rules}");
    }
    let none = app
        .get(
            "/api/organizations/acme/policy/violations?profile=baseline",
            &member(),
        )
        .await;
    assert_eq!(none.body["violations"], json!([]));
    let unknown = app
        .get(
            "/api/organizations/acme/policy/violations?profile=fapi1",
            &member(),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.raw
    );

    let set = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"profile": "fapi2"}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.raw);
    assert_eq!(set.body["profile"], "fapi2");
    assert_eq!(
        app.get("/api/organizations/acme/policy", &member())
            .await
            .body["profile"],
        "fapi2"
    );

    // Surface A: a problem naming each field and rule.
    let flat = app.json("POST", APPS, &admin(), &public_native()).await;
    assert_eq!(
        flat.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        flat.raw
    );
    let flat_rules = messages(&flat.body, "errors").join("\n");
    assert!(
        flat_rules.contains("(rule 'fapi2.confidential_client')"),
        "{flat_rules}"
    );
    assert!(
        flat_rules.contains("requirePushedAuthorizationRequests: "),
        "{flat_rules}"
    );

    // The v1 surface: its envelope, its names.
    let v1 = app
        .json(
            "POST",
            "/api/v1/organizations/acme/oauth-applications",
            &admin(),
            &json!({"name": "Desktop", "type": "native", "redirect_uris": ["http://127.0.0.1/cb"],
                    "token_endpoint_auth_method": "none"}),
        )
        .await;
    assert_eq!(v1.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", v1.raw);
    assert!(
        v1.raw.contains("require_pushed_authorization_requests"),
        "{}",
        v1.raw
    );
    assert!(v1.raw.contains("fapi2.confidential_client"), "{}", v1.raw);

    // RFC 7591 §3.2.2.
    // An https redirect URI, so that the profile's rules alone refuse it (a redirect URI at
    // fault would make it invalid_redirect_uri, §3.2.2).
    let metadata = json!({"client_name": "Desktop", "application_type": "native",
                          "redirect_uris": ["https://desktop.example.com/cb"],
                          "token_endpoint_auth_method": "none"});
    let registered = app
        .call(
            "POST",
            "/register",
            None,
            &[],
            Some(("application/json", metadata.to_string().into_bytes())),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::BAD_REQUEST,
        "{}",
        registered.raw
    );
    assert_eq!(registered.body["error"], "invalid_client_metadata");
    let description = registered.body["error_description"].as_str().unwrap();
    assert!(
        description.contains("fapi2.confidential_client"),
        "{description}"
    );
    assert!(
        description.contains("require_pushed_authorization_requests"),
        "{description}"
    );

    // A client that holds to it is made on every surface.
    let fapi = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "Bank", "type": "web",
                    "redirectUrls": ["https://bank.example.com/cb"],
                    "tokenEndpointAuthMethod": "tls_client_auth",
                    "tlsClientAuthSubjectDn": "CN=bank,O=Example",
                    "dpopBoundAccessTokens": true,
                    "requirePushedAuthorizationRequests": true}),
        )
        .await;
    assert_eq!(fapi.status, StatusCode::CREATED, "{}", fapi.raw);
    let fapi_id = fapi.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    // ... and cannot drop what the profile requires.
    let dropped = app
        .json(
            "PATCH",
            &format!("{APPS}/{fapi_id}"),
            &admin(),
            &json!({"dpopBoundAccessTokens": false}),
        )
        .await;
    assert_eq!(
        dropped.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        dropped.raw
    );
    assert!(
        dropped.raw.contains("fapi2.sender_constrained_tokens"),
        "{}",
        dropped.raw
    );

    // The client made before keeps working, but changes only into one that holds to it.
    let renamed = app
        .json(
            "PATCH",
            &format!("{APPS}/{client_id}"),
            &admin(),
            &json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        renamed.raw
    );
    assert!(
        renamed.raw.contains("fapi2.confidential_client"),
        "{}",
        renamed.raw
    );
    let still = app.get(&format!("{APPS}/{client_id}"), &member()).await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.body["name"], "Desktop");

    // A profile that is not one is refused by name, the policy unchanged.
    let bad = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"profile": "fapi1"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.raw);
    assert!(bad.raw.contains("\"profile\""), "{}", bad.raw);
    assert_eq!(
        app.get("/api/organizations/acme/policy", &member())
            .await
            .body["profile"],
        "fapi2"
    );
}
