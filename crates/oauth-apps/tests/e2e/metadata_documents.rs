//! Client ID Metadata Documents end to end: documents served by a real https server on
//! loopback (trusted through a test CA, the loopback address allowed), resolved at
//! `GET /api/client-metadata`, authenticated with `private_key_jwt` against the document's
//! keys, recorded in the registry where an org admin may disable them, and each rule a
//! document can break refused with a problem naming it.

use std::sync::Arc;

use awc::http::StatusCode;
use oauth_apps_test_support::https::{Routes, Script, Server as HttpsServer, TestCa, answer};
use oauth_apps_test_support::keys::{JWT_BEARER, Signer};
use serde_json::{Value, json};

use crate::credentials::AUDIENCE;
use crate::harness::{Db, TestApp, admin, authenticator, member};

/// Serves `document` at `path` (as JSON, cacheable for a minute).
fn publish(routes: &Routes, path: &str, document: &Value) {
    publish_raw(routes, path, document.to_string().as_bytes());
}

fn publish_raw(routes: &Routes, path: &str, body: &[u8]) {
    routes.lock().unwrap().insert(
        path.to_owned(),
        answer(
            "200 OK",
            &[
                ("content-type", "application/json"),
                ("cache-control", "max-age=60"),
            ],
            body,
        ),
    );
}

/// A valid document of the client at `url`, authenticating with `signer`'s key.
fn document(url: &str, name: &str, signer: &Signer) -> Value {
    json!({
        "client_id": url,
        "client_name": name,
        "redirect_uris": ["https://tool.example/callback"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": signer.jwks(),
        "client_uri": "https://tool.example/",
    })
}

async fn resolve(app: &TestApp, client_id: &str) -> crate::harness::Reply {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("clientId", client_id)
        .finish();
    app.get(&format!("/api/client-metadata?{query}"), &authenticator())
        .await
}

/// The rule a refusal names (its field message ends with it in parentheses).
fn refused_rule(reply: &crate::harness::Reply) -> String {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.raw
    );
    assert_eq!(
        reply.body["errors"][0]["field"], "clientId",
        "{}",
        reply.raw
    );
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    message
        .rsplit_once('(')
        .map(|(_, rule)| rule.trim_end_matches(')').to_owned())
        .unwrap_or_default()
}

async fn assertion_valid(app: &TestApp, assertion: &str) -> Value {
    let reply = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientAssertionType": JWT_BEARER, "clientAssertion": assertion}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    reply.body["valid"].clone()
}

pub async fn clients_resolve_from_their_metadata_documents(db: Db) {
    let ca = TestCa::new("oauth-apps CIMD CA");
    let routes: Routes = Arc::default();
    let server = HttpsServer::scripted(
        ca.server_for(&["127.0.0.1", "localhost"]),
        Script::Routes(Arc::clone(&routes)),
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
            ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "127.0.0.1=acme"),
        ],
    )
    .await;
    let signer = Signer::es256("cimd-1");
    let url = server.url("/clients/tool.json");
    publish(
        &routes,
        "/clients/tool.json",
        &document(&url, "MCP tool", &signer),
    );

    // Resolved and recorded: in the host's organisation, registered from its document.
    let resolved = resolve(&app, &url).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);
    let application = &resolved.body["application"];
    assert_eq!(application["registration"], "metadata_document");
    assert_eq!(application["ownerOrgId"], "acme");
    assert_eq!(application["metadataDocument"], url.as_str());
    assert_eq!(application["name"], "MCP tool");
    assert_eq!(application["tokenEndpointAuthMethod"], "private_key_jwt");
    assert!(
        resolved.body["readOnlyFields"]
            .as_array()
            .unwrap()
            .contains(&json!("redirectUrls"))
    );
    let id = application["clientId"].as_str().unwrap().to_owned();
    let again = resolve(&app, &url).await;
    assert_eq!(again.body["application"]["clientId"], id.as_str());
    assert_eq!(server.requests(), 1, "fetched once, then cached");

    // Only client authenticators and platform admins resolve.
    let query = format!("/api/client-metadata?clientId={url}");
    assert_eq!(
        app.get(&query, &member()).await.status,
        StatusCode::FORBIDDEN
    );

    // private_key_jwt against the document's keys: `iss` and `sub` are the URL.
    assert_eq!(
        assertion_valid(&app, &signer.assertion(&url, AUDIENCE)).await,
        true
    );
    let stranger = Signer::es256("cimd-1");
    assert_eq!(
        assertion_valid(&app, &stranger.assertion(&url, AUDIENCE)).await,
        false
    );

    // The org sees it and its trail; an admin cannot edit it.
    let path = format!("/api/oauth-applications/{id}");
    let stored = app.get(&path, &admin()).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.raw);
    let trail = app.get(&format!("{path}/events"), &admin()).await;
    assert_eq!(
        trail.body["items"][0]["actor"],
        format!("metadata-document:{url}"),
        "{}",
        trail.raw
    );
    let edit = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"name": "Renamed by hand"}),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.raw);

    // Disabled: it resolves to nothing and does not authenticate, whatever its document
    // says, and the document's changes do not reach it.
    let disabled = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert!(disabled.status.is_success(), "{}", disabled.raw);
    let fetched = server.requests();
    publish(
        &routes,
        "/clients/tool.json",
        &document(&url, "MCP tool, changed", &signer),
    );
    assert_eq!(refused_rule(&resolve(&app, &url).await), "disabled");
    assert_eq!(
        assertion_valid(&app, &signer.assertion(&url, AUDIENCE)).await,
        false
    );
    let stored = app.get(&path, &admin()).await;
    assert_eq!(stored.body["disabled"], true);
    assert_eq!(stored.body["name"], "MCP tool");
    assert_eq!(
        server.requests(),
        fetched,
        "a disabled client is not fetched"
    );
    let enabled = app
        .call("POST", &format!("{path}/enable"), Some(&admin()), &[], None)
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.raw);
    assert_eq!(resolve(&app, &url).await.status, StatusCode::OK);

    // A public client (`none`, the default when the document names no method): it
    // resolves, and answers `{valid: false}` as every public client does.
    let public = server.url("/clients/public.json");
    publish(
        &routes,
        "/clients/public.json",
        &json!({"client_id": public, "client_name": "Public tool",
                "redirect_uris": ["https://tool.example/callback"]}),
    );
    let resolved = resolve(&app, &public).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);
    assert_eq!(
        resolved.body["application"]["tokenEndpointAuthMethod"],
        "none"
    );
    let by_secret = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientId": public, "clientSecret": "cs_anything-at-all"}),
        )
        .await;
    assert_eq!(by_secret.status, StatusCode::OK, "{}", by_secret.raw);
    assert_eq!(by_secret.body["valid"], false);
    assert_eq!(
        assertion_valid(&app, &signer.assertion(&public, AUDIENCE)).await,
        false
    );

    // Each rule a document or its URL breaks, refused with the rule named.
    let other = server.url("/clients/other.json");
    let mismatch = server.url("/clients/mismatch.json");
    publish(
        &routes,
        "/clients/mismatch.json",
        &document(&other, "M", &signer),
    );
    assert_eq!(
        refused_rule(&resolve(&app, &mismatch).await),
        "client_id_mismatch"
    );
    let secret = server.url("/clients/secret.json");
    let mut with_secret = document(&secret, "S", &signer);
    with_secret["client_secret"] = json!("chosen-by-the-client");
    publish(&routes, "/clients/secret.json", &with_secret);
    assert_eq!(
        refused_rule(&resolve(&app, &secret).await),
        "client_secret_present"
    );
    let shared = server.url("/clients/shared.json");
    let mut shared_method = document(&shared, "B", &signer);
    shared_method["token_endpoint_auth_method"] = json!("client_secret_basic");
    publish(&routes, "/clients/shared.json", &shared_method);
    assert_eq!(
        refused_rule(&resolve(&app, &shared).await),
        "shared_secret_method"
    );
    let large = server.url("/clients/large.json");
    let mut big = document(&large, "L", &signer);
    big["padding"] = json!("x".repeat(5 * 1024));
    publish(&routes, "/clients/large.json", &big);
    assert_eq!(refused_rule(&resolve(&app, &large).await), "too_large");
    let bad_redirect = server.url("/clients/redirect.json");
    let mut insecure = document(&bad_redirect, "R", &signer);
    insecure["redirect_uris"] = json!(["http://tool.example/callback"]);
    publish(&routes, "/clients/redirect.json", &insecure);
    assert_eq!(
        refused_rule(&resolve(&app, &bad_redirect).await),
        "invalid_redirect_uri"
    );
    let not_allowed = server.url_for("localhost", "/clients/tool.json");
    assert_eq!(
        refused_rule(&resolve(&app, &not_allowed).await),
        "host_not_allowed"
    );
    assert_eq!(
        refused_rule(&resolve(&app, &format!("{url}#fragment")).await),
        "fragment"
    );
    assert_eq!(
        refused_rule(&resolve(&app, &server.url("/clients/missing.json")).await),
        "unreachable"
    );
    // None of the refused documents was recorded (the two clients above are).
    let listed = app
        .get(
            "/api/oauth-applications?ownerOrgId=acme&limit=100",
            &admin(),
        )
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.raw
    );

    // A host allowed by its pattern but resolving to a private address: refused before
    // any connection.
    let strict = crate::harness::spawn_with(
        db,
        &[
            ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
            ("OAUTH_APPS_OUTBOUND_CA_FILE", &ca_path),
            ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "localhost=acme"),
        ],
    )
    .await;
    let before = server.requests();
    let private = server.url_for("localhost", "/clients/tool.json");
    publish(
        &routes,
        "/clients/tool.json",
        &document(&private, "P", &signer),
    );
    assert_eq!(
        refused_rule(&resolve(&strict, &private).await),
        "address_refused"
    );
    assert_eq!(
        server.requests(),
        before,
        "the private address was never contacted"
    );
}

/// A document client follows its document wherever it goes, its type included: a public
/// client (`none`) that moves to `private_key_jwt` with keys, or to another
/// `application_type`, is brought in line (audited with the document as actor), not
/// refused for good. Every resolution holds the document to the organisation's
/// self-registration policy: no device code grant or privileged scope by default, what
/// the admins allow once they do, and a narrowed policy refuses a document that asks for
/// more at its next resolution. Replicas with caches of their own see the changed
/// documents at once.
pub async fn document_clients_follow_their_document_within_their_organisations_policy(db: Db) {
    let ca = TestCa::new("oauth-apps CIMD CA");
    let routes: Routes = Arc::default();
    let server = HttpsServer::scripted(
        ca.server_for(&["127.0.0.1"]),
        Script::Routes(Arc::clone(&routes)),
    )
    .await;
    let dir = oauth_apps_test_support::TempDir::new();
    let ca_path = ca.write_pem(dir.path());
    let settings = [
        ("OAUTH_APPS_ASSERTION_AUDIENCES", AUDIENCE),
        ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1"),
        ("OAUTH_APPS_OUTBOUND_CA_FILE", ca_path.as_str()),
        ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "127.0.0.1=acme"),
    ];
    let app = crate::harness::spawn_with(db, &settings).await;
    a_document_clients_type_follows_its_document(&app, &server, &routes, &settings).await;
    documents_are_held_to_the_policy_at_every_resolution(&app, &server, &routes, &settings).await;
}

/// The settings the servers of a test start with.
type Settings<'a> = [(&'static str, &'a str)];

async fn a_document_clients_type_follows_its_document(
    app: &TestApp,
    server: &HttpsServer,
    routes: &Routes,
    settings: &Settings<'_>,
) {
    let url = server.url("/clients/moving.json");
    let public = json!({"client_id": url, "client_name": "Moving tool",
                        "redirect_uris": ["https://tool.example/callback"]});
    publish(routes, "/clients/moving.json", &public);
    let first = resolve(app, &url).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    assert_eq!(first.body["application"]["type"], "public");
    assert_eq!(first.body["application"]["tokenEndpointAuthMethod"], "none");
    let id = first.body["application"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();

    // The document moves to private_key_jwt with keys: followed, the type with it.
    let signer = Signer::es256("moving-1");
    publish(
        routes,
        "/clients/moving.json",
        &document(&url, "Moving tool", &signer),
    );
    let replica = app.replica(settings).await;
    let moved = resolve(&replica, &url).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.raw);
    let application = &moved.body["application"];
    assert_eq!(application["clientId"], id.as_str());
    assert_eq!(application["type"], "web");
    assert_eq!(application["tokenEndpointAuthMethod"], "private_key_jwt");
    assert_eq!(
        assertion_valid(&replica, &signer.assertion(&url, AUDIENCE)).await,
        true
    );
    let trail = app
        .get(&format!("/api/oauth-applications/{id}/events"), &admin())
        .await;
    let latest = &trail.body["items"][0];
    assert_eq!(latest["actor"], format!("metadata-document:{url}"));
    let changed = latest["changedFields"].to_string();
    for field in ["type", "tokenEndpointAuthMethod", "jwks"] {
        assert!(changed.contains(field), "{field}: {}", trail.raw);
    }

    // Then a native application, public again: followed too.
    let native = json!({"client_id": url, "client_name": "Moving tool",
                        "application_type": "native",
                        "redirect_uris": ["http://127.0.0.1/callback"]});
    publish(routes, "/clients/moving.json", &native);
    let replica = app.replica(settings).await;
    let again = resolve(&replica, &url).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.raw);
    assert_eq!(again.body["application"]["type"], "native");
    assert_eq!(again.body["application"]["tokenEndpointAuthMethod"], "none");
    assert!(
        again.body["application"]["jwks"].is_null(),
        "the keys went with the method: {}",
        again.raw
    );
    // An operator still cannot change it by hand.
    let edit = app
        .json(
            "PATCH",
            &format!("/api/oauth-applications/{id}"),
            &admin(),
            &json!({"name": "By hand"}),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.raw);
}

/// The organisation's policy, at every resolution: no device code grant, no admin scope
/// by default; what the admins allow once they do; refused again once they narrow it.
async fn documents_are_held_to_the_policy_at_every_resolution(
    app: &TestApp,
    server: &HttpsServer,
    routes: &Routes,
    settings: &Settings<'_>,
) {
    let device_url = server.url("/clients/device.json");
    publish(
        routes,
        "/clients/device.json",
        &json!({"client_id": device_url, "application_type": "native",
                "redirect_uris": ["http://127.0.0.1/callback"],
                "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
                "scope": "read admin"}),
    );
    let refused = resolve(app, &device_url).await;
    assert_eq!(refused_rule(&refused), "invalid_metadata");
    for named in ["grant_types[1]", "device_code", "scope[1]", "admin"] {
        assert!(refused.raw.contains(named), "{named}: {}", refused.raw);
    }
    let allow = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"selfRegistration": {"grantTypes": [
                "authorization_code", "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code"]}}),
        )
        .await;
    assert_eq!(allow.status, StatusCode::OK, "{}", allow.raw);
    let still = resolve(app, &device_url).await;
    assert_eq!(
        refused_rule(&still),
        "invalid_metadata",
        "admin is never a default"
    );
    assert!(!still.raw.contains("device_code"), "{}", still.raw);
    let mut fair = json!({"client_id": device_url, "application_type": "native",
                          "redirect_uris": ["http://127.0.0.1/callback"],
                          "grant_types": ["authorization_code",
                                          "urn:ietf:params:oauth:grant-type:device_code"],
                          "scope": "read"});
    publish(routes, "/clients/device.json", &fair);
    // (This server keeps the document it fetched for its freshness: a replica fetches.)
    let replica = app.replica(settings).await;
    let resolved = resolve(&replica, &device_url).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);

    // Narrowed again: the recorded client's next resolution is refused, named.
    let narrow = app
        .json(
            "PUT",
            "/api/organizations/acme/policy",
            &admin(),
            &json!({"selfRegistration": {"scopes": []}}),
        )
        .await;
    assert_eq!(narrow.status, StatusCode::OK, "{}", narrow.raw);
    fair["client_name"] = json!("Device tool, renamed");
    publish(routes, "/clients/device.json", &fair);
    let replica = app.replica(settings).await;
    let narrowed = resolve(&replica, &device_url).await;
    assert_eq!(refused_rule(&narrowed), "invalid_metadata");
    for named in ["device_code", "read"] {
        assert!(narrowed.raw.contains(named), "{named}: {}", narrowed.raw);
    }
}
