//! Every row of both API tables and every error status, against the running server.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, admin, authenticator, logs, member, outsider, token};

const APPS: &str = "/api/oauth-applications";
const V1: &str = "/api/v1/organizations/acme/oauth-applications";

fn app_path(client_id: &str) -> String {
    format!("{APPS}/{client_id}")
}

async fn authenticate(app: &TestApp, client_id: &str, secret: &str) -> bool {
    app.authenticates(client_id, secret).await
}

pub async fn flat_create_get_and_list(app: TestApp) {
    let reply = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({
                "ownerOrgId": "acme", "name": "  Billing  ", "type": "web",
                "redirectUrls": ["https://b.example.com/cb", "https://b.example.com/cb"],
                "allowedScopes": ["workspace:read"],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.raw);
    let created = &reply.body["application"];
    let client_id = created["clientId"].as_str().unwrap();
    assert_eq!(reply.header("location").unwrap(), app_path(client_id));
    assert_eq!(reply.header("etag").as_deref(), Some("\"1\""));
    for field in [
        "clientId",
        "name",
        "type",
        "redirectUrls",
        "ownerOrgId",
        "allowedScopes",
        "isFirstParty",
        "disabled",
        "createdAt",
        "updatedAt",
    ] {
        assert!(created.get(field).is_some(), "missing {field}");
    }
    assert_eq!(created["name"], "Billing");
    assert_eq!(created["redirectUrls"], json!(["https://b.example.com/cb"]));
    assert_eq!(created["disabled"], false);
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
    let secret = reply.body["clientSecret"].as_str().unwrap();
    assert!(secret.starts_with("oas_"));

    let got = app.get(&app_path(client_id), &member()).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(&got.body, created);
    assert!(!got.raw.contains(secret));

    for i in 0..3 {
        app.create_app(&format!("More {i}")).await;
    }
    let first = app
        .get(&format!("{APPS}?ownerOrgId=acme&limit=3"), &member())
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(first.body["items"][0]["name"], "More 2");
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("{APPS}?ownerOrgId=acme&limit=3&cursor={cursor}"),
            &member(),
        )
        .await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["items"][0]["clientId"], client_id);
    assert_eq!(second.body["nextCursor"], Value::Null);

    let bad = app
        .get(&format!("{APPS}?ownerOrgId=acme&limit=0"), &member())
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "limit");
    let missing = app.get(APPS, &member()).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let outside = app
        .get(&format!("{APPS}?ownerOrgId=acme"), &outsider())
        .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
}

pub async fn flat_patch_and_preconditions(app: TestApp) {
    let (client_id, _) = app.create_app("Patchable").await;
    let path = app_path(&client_id);
    let patch = |name: &str| json!({"name": name, "allowedScopes": ["read", "write"]});
    let reply = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\"")],
            Some((
                "application/json",
                patch("Renamed").to_string().into_bytes(),
            )),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(reply.body["name"], "Renamed");
    assert_eq!(reply.body["allowedScopes"], json!(["read", "write"]));
    assert_eq!(reply.header("etag").as_deref(), Some("\"2\""));

    let stale = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\"")],
            Some(("application/json", patch("Stale").to_string().into_bytes())),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.raw
    );
    assert_eq!(app.get(&path, &admin()).await.body["name"], "Renamed");

    // A list matches when any member is current (RFC 9110 §13.1.1); a weak tag never does.
    let listed = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\", \"2\"")],
            Some(("application/json", patch("Listed").to_string().into_bytes())),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.raw);
    assert_eq!(listed.header("etag").as_deref(), Some("\"3\""));
    let weak = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "W/\"3\", \"2\"")],
            Some(("application/json", patch("Weak").to_string().into_bytes())),
        )
        .await;
    assert_eq!(weak.status, StatusCode::PRECONDITION_FAILED, "{}", weak.raw);
    assert_eq!(app.get(&path, &admin()).await.body["name"], "Listed");

    let immutable = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"type": "native", "ownerOrgId": "x", "clientId": "y"}),
        )
        .await;
    assert_eq!(immutable.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = immutable.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["type", "clientId", "ownerOrgId"]);

    let last_url = app
        .json("PATCH", &path, &admin(), &json!({"redirectUrls": []}))
        .await;
    assert_eq!(last_url.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(last_url.body["errors"][0]["field"], "redirectUrls");

    let first_party = app
        .json("PATCH", &path, &admin(), &json!({"isFirstParty": true}))
        .await;
    assert_eq!(first_party.status, StatusCode::FORBIDDEN);
    let by_root = app
        .json(
            "PATCH",
            &path,
            &token("root", &[], &["platform-admin"]),
            &json!({"isFirstParty": true}),
        )
        .await;
    assert_eq!(by_root.status, StatusCode::OK);
    assert_eq!(by_root.body["isFirstParty"], true);
}

pub async fn flat_disable_enable_rotate_and_authenticate(app: TestApp) {
    let (client_id, first_secret) = app.create_app("Lifecycle").await;
    let path = app_path(&client_id);
    assert!(authenticate(&app, &client_id, &first_secret).await);
    assert!(!authenticate(&app, &client_id, "oas_wrong").await);

    let deleted = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"success": true}));
    assert_eq!(app.get(&path, &admin()).await.body["disabled"], true);
    let again = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(!authenticate(&app, &client_id, &first_secret).await);

    let refused = app.post(&format!("{path}/rotate-secret"), &admin()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.raw);

    let enabled = app.post(&format!("{path}/enable"), &admin()).await;
    assert_eq!(enabled.status, StatusCode::OK);
    assert_eq!(enabled.body["disabled"], false);
    assert!(authenticate(&app, &client_id, &first_secret).await);

    let rotated = app
        .json(
            "POST",
            &format!("{path}/rotate-secret"),
            &admin(),
            &json!({"gracePeriodSeconds": 600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    let second_secret = rotated.body["clientSecret"].as_str().unwrap().to_owned();
    assert_ne!(second_secret, first_secret);
    assert_eq!(rotated.body["application"]["clientId"], client_id.as_str());
    assert!(
        authenticate(&app, &client_id, &first_secret).await,
        "grace period"
    );
    assert!(authenticate(&app, &client_id, &second_secret).await);

    let revoked = app
        .post(&format!("{path}/revoke-previous-secret"), &admin())
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(revoked.body["previousSecretExpiresAt"], Value::Null);
    assert!(!authenticate(&app, &client_id, &first_secret).await);
    assert!(authenticate(&app, &client_id, &second_secret).await);

    let bad_grace = app
        .json(
            "POST",
            &format!("{path}/rotate-secret"),
            &admin(),
            &json!({"gracePeriodSeconds": 604_801}),
        )
        .await;
    assert_eq!(bad_grace.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_grace.body["errors"][0]["field"], "gracePeriodSeconds");

    let answer = app
        .json(
            "POST",
            "/api/client-authentication",
            &authenticator(),
            &json!({"clientId": client_id, "clientSecret": second_secret}),
        )
        .await;
    assert_eq!(answer.body["application"]["clientId"], client_id.as_str());
    let not_allowed = app
        .json(
            "POST",
            "/api/client-authentication",
            &admin(),
            &json!({"clientId": client_id, "clientSecret": second_secret}),
        )
        .await;
    assert_eq!(not_allowed.status, StatusCode::FORBIDDEN);
}

pub async fn flat_errors_and_access(app: TestApp) {
    let (client_id, _) = app.create_app("Guarded").await;
    let path = app_path(&client_id);

    let none = app.call("GET", &path, None, &[], None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.header("www-authenticate").as_deref(), Some("Bearer"));
    assert_eq!(
        none.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    for bad in ["garbage", &token("x", &[], &[])[..20]] {
        let reply = app.call("GET", &path, Some(bad), &[], None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.header("www-authenticate").as_deref(),
            Some("Bearer error=\"invalid_token\"")
        );
    }
    // The scheme is case-insensitive (RFC 9110 §11.1).
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let authorization = format!("{scheme} {}", member());
        let reply = app
            .call(
                "GET",
                &path,
                None,
                &[("Authorization", &authorization)],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.raw);
    }
    // A subject no audit trail can hold (PostgreSQL refuses NUL in text; the actor
    // column holds 256 characters) is refused before anything is done.
    for sub in ["s".repeat(257), "nul\0sub".to_owned()] {
        let unusable = token(&sub, &[("acme", "admin")], &[]);
        let refused = app
            .json(
                "POST",
                APPS,
                &unusable,
                &json!({"ownerOrgId": "acme", "name": "Never", "type": "web",
                        "redirectUrls": ["https://never.example.com/cb"]}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.raw);
        assert_eq!(
            refused.header("www-authenticate").as_deref(),
            Some("Bearer error=\"invalid_token\"")
        );
    }

    assert_eq!(
        app.get(&path, &outsider()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&app_path("not-a-uuid"), &admin()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path, &member()).await.status, StatusCode::OK);
    let write = app
        .json("PATCH", &path, &member(), &json!({"name": "x"}))
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    let cross = app
        .json("PATCH", &path, &outsider(), &json!({"name": "x"}))
        .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);

    let malformed = app
        .call(
            "POST",
            APPS,
            Some(&admin()),
            &[],
            Some(("application/json", b"{not json".to_vec())),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let wrong_type = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({"ownerOrgId": "acme", "name": 5, "type": "web", "redirectUrls": "x"}),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> = wrong_type.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["name", "redirectUrls"]);
    let missing = app
        .json("POST", APPS, &admin(), &json!({"ownerOrgId": "acme"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let unknown = app
        .json("PATCH", &path, &admin(), &json!({"colour": "red"}))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["errors"][0]["field"], "colour");
    let media = app
        .call(
            "POST",
            APPS,
            Some(&admin()),
            &[],
            Some(("text/plain", b"{}".to_vec())),
        )
        .await;
    assert_eq!(media.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = json!({"name": "x".repeat(70_000)}).to_string().into_bytes();
    let too_large = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[],
            Some(("application/json", big)),
        )
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let invalid = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({
                "ownerOrgId": "acme", "name": "", "type": "spa",
                "redirectUrls": ["javascript:alert(1)"], "grantTypes": ["password"],
            }),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = invalid.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["type", "name", "grantTypes[0]"]);
    let as_member = app
        .json("POST", APPS, &member(), &json!({
            "ownerOrgId": "acme", "name": "x", "type": "web", "redirectUrls": ["https://a.example/cb"],
        }))
        .await;
    assert_eq!(as_member.status, StatusCode::FORBIDDEN);
}

/// The field names of a 422 on either surface.
fn refused_fields(reply: &crate::harness::Reply) -> Vec<String> {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.raw
    );
    let errors = if reply.body["errors"].is_array() {
        &reply.body["errors"]
    } else {
        &reply.body["error"]["details"]
    };
    errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// A description with U+0000 (which PostgreSQL cannot store), a name with an invisible
/// right-to-left override and a loopback address in another notation are refused alike on
/// both stores and both surfaces, and nothing is written.
pub async fn misleading_or_unstorable_text_is_refused(app: TestApp) {
    let flat = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({
                "ownerOrgId": "acme", "name": "\u{202E}lapyaP", "type": "web",
                "description": "a\u{0}b", "redirectUrls": ["http://127.1/cb"],
            }),
        )
        .await;
    assert_eq!(
        refused_fields(&flat),
        ["name", "description", "redirectUrls[0]"]
    );
    let v1 = app
        .json(
            "POST",
            V1,
            &admin(),
            &json!({
                "name": "Pay\u{200B}Pal", "description": "\u{0}", "type": "web",
                "redirect_uris": ["https://p.example.com"],
            }),
        )
        .await;
    assert_eq!(
        refused_fields(&v1),
        ["name", "description", "redirect_uris[0]"]
    );
    let listed = app.get(&format!("{APPS}?ownerOrgId=acme"), &admin()).await;
    assert_eq!(listed.body["items"], json!([]), "nothing was written");

    let (client_id, _) = app.create_app("Kept").await;
    let path = app_path(&client_id);
    let patch = app
        .json("PATCH", &path, &admin(), &json!({"description": "x\u{0}"}))
        .await;
    assert_eq!(refused_fields(&patch), ["description"]);
    let kept = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"description": "tab\tand\r\nlines"}),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.raw);
}

pub async fn concurrent_patches_with_one_etag_have_one_winner(app: TestApp) {
    let (client_id, _) = app.create_app("Contended").await;
    let path = app_path(&client_id);
    let token = admin();
    let replies = futures_util::future::join_all((0..16).map(|i| {
        app.call(
            "PATCH",
            &path,
            Some(&token),
            &[("If-Match", "\"1\"")],
            Some((
                "application/json",
                json!({"name": format!("Writer {i}")})
                    .to_string()
                    .into_bytes(),
            )),
        )
    }))
    .await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let stale = replies
        .iter()
        .filter(|r| r.status == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 15));
    let stored = app.get(&path, &admin()).await;
    assert_eq!(stored.header("etag").as_deref(), Some("\"2\""));
}

pub async fn v1_every_call(app: TestApp) {
    let created = app
        .json("POST", V1, &admin(), &json!({
            "name": "Partner", "description": "d", "type": "web",
            "grant_types": ["authorization_code"], "redirect_uris": ["https://p.example.com/cb"],
            "scopes": ["read", "write"], "access_level": "user",
        }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    assert_eq!(created.body["success"], true);
    let data = &created.body["data"];
    for field in [
        "id",
        "name",
        "description",
        "client_id",
        "type",
        "grant_types",
        "redirect_uris",
        "scopes",
        "access_level",
        "status",
        "is_first_party",
        "created_at",
        "updated_at",
        "client_secret",
    ] {
        assert!(data.get(field).is_some(), "missing {field}");
    }
    let id = data["id"].as_i64().unwrap();
    let path = format!("{V1}/{id}");
    let secret = data["client_secret"].as_str().unwrap().to_owned();
    let client_id = data["client_id"].as_str().unwrap().to_owned();

    let got = app.get(&path, &member()).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["data"]["access_level"], "user");
    assert!(got.body["data"].get("client_secret").is_none());
    assert!(!got.raw.contains(&secret));
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));

    app.create_app("Second").await;
    let list = app.get(&format!("{V1}?page=2&per_page=1"), &member()).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body["pagination"],
        json!({"page": 2, "per_page": 1, "total": 2})
    );
    assert_eq!(list.body["data"][0]["id"], id);

    let patched = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"name": "Renamed", "scopes": ["admin"]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.raw);
    assert_eq!(
        patched.body["message"],
        "OAuth application updated successfully"
    );
    assert_eq!(
        patched.body["data"]["message"],
        "OAuth application updated successfully"
    );
    assert_eq!(patched.body["data"]["scopes"], json!(["admin"]));

    let regenerated = app
        .json(
            "POST",
            &format!("{path}/regenerate-secret"),
            &admin(),
            &json!({"grace_period_seconds": 60}),
        )
        .await;
    assert_eq!(regenerated.status, StatusCode::OK, "{}", regenerated.raw);
    assert_eq!(regenerated.body["data"]["client_id"], client_id.as_str());
    assert!(regenerated.body["data"]["previous_secret_expires_at"].is_string());
    let new_secret = regenerated.body["data"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(authenticate(&app, &client_id, &new_secret).await);

    let revoked = app
        .json("PATCH", &path, &admin(), &json!({"status": "revoked"}))
        .await;
    assert_eq!(revoked.body["data"]["status"], "revoked");
    let conflict = app
        .post(&format!("{path}/regenerate-secret"), &admin())
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert_eq!(conflict.body["success"], false);
    assert_eq!(conflict.body["error"]["code"], "conflict");
    let active = app
        .json("PATCH", &path, &admin(), &json!({"status": "active"}))
        .await;
    assert_eq!(active.body["data"]["status"], "active");

    let deleted = app.call("DELETE", &path, Some(&admin()), &[], None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["data"]["status"], "revoked");

    let not_int = app.get(&format!("{V1}/abc"), &admin()).await;
    assert_eq!(not_int.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_int.body["error"]["code"], "bad_request");
    let other_org = app
        .get(
            &format!("/api/v1/organizations/globex/oauth-applications/{id}"),
            &token("g", &[("globex", "admin")], &[]),
        )
        .await;
    assert_eq!(other_org.status, StatusCode::NOT_FOUND);
    assert_eq!(other_org.body["error"]["code"], "not_found");
    let invalid = app
        .json(
            "PATCH",
            &path,
            &admin(),
            &json!({"redirect_uris": ["http://x.example"], "status": "gone"}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["error"]["code"], "validation_error");
    let details: Vec<_> = invalid.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(details, ["redirect_uris[0]", "status"]);
    let forbidden = app
        .json("PATCH", &path, &member(), &json!({"name": "x"}))
        .await;
    assert_eq!(forbidden.body["error"]["code"], "forbidden");
    let unauthorized = app.call("GET", &path, None, &[], None).await;
    assert_eq!(unauthorized.body["error"]["code"], "unauthorized");
    let media = app
        .call(
            "POST",
            V1,
            Some(&admin()),
            &[],
            Some(("text/plain", b"x".to_vec())),
        )
        .await;
    assert_eq!(media.body["error"]["code"], "unsupported_media_type");
    let stale = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("If-Match", "\"1\"")],
            Some(("application/json", b"{\"name\":\"y\"}".to_vec())),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["error"]["code"], "precondition_failed");
}

pub async fn secrets_never_leave_create_or_rotate(app: TestApp) {
    let (client_id, secret) = app.create_app("Quiet").await;
    let rotated = app
        .json(
            "POST",
            &format!("{}/rotate-secret", app_path(&client_id)),
            &admin(),
            &json!({"gracePeriodSeconds": 60}),
        )
        .await;
    let second = rotated.body["clientSecret"].as_str().unwrap().to_owned();
    assert!(authenticate(&app, &client_id, &second).await);
    let admin_token = admin();
    for path in [
        app_path(&client_id),
        format!("{APPS}?ownerOrgId=acme"),
        V1.to_owned(),
    ] {
        let reply = app.get(&path, &admin_token).await;
        for s in [&secret, &second] {
            assert!(!reply.raw.contains(s.as_str()), "{path} shows a secret");
        }
        assert!(!reply.raw.contains("$argon2"), "{path} shows a hash");
    }
    let logged = logs().text();
    assert!(logged.contains("request"), "logs were captured");
    for s in [&secret, &second, &admin_token, &authenticator()] {
        assert!(!logged.contains(s.as_str()), "a secret or token was logged");
    }
    assert!(!logged.contains("$argon2"), "a hash was logged");
}

pub async fn health_readiness_and_metrics(app: TestApp) {
    let health = app.call("GET", "/healthz", None, &[], None).await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app.call("GET", "/readyz", None, &[], None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.raw);
    assert!(ready.header("x-request-id").is_some());
    let echoed = app
        .call(
            "GET",
            "/healthz",
            None,
            &[("x-request-id", "abc-123")],
            None,
        )
        .await;
    // The service always answers with an id of its own, never the client's.
    let ours = echoed.header("x-request-id").unwrap();
    assert_ne!(ours, "abc-123");
    assert!(
        ours.len() == 36 && ours.matches('-').count() == 4,
        "not a UUID: {ours}"
    );
    app.create_app("Counted").await;
    let metrics = app.call("GET", "/metrics", None, &[], None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.raw.contains(
        "http_requests_total{route=\"/api/oauth-applications\",method=\"POST\",status=\"201\"} 1"
    ), "{}", metrics.raw);
    assert!(metrics.raw.contains("http_request_duration_seconds_bucket"));
    assert!(metrics.raw.contains("hasher_max_concurrent"));
    assert!(metrics.raw.contains("db_pool_max_connections"));

    let openapi = app.call("GET", "/openapi.json", None, &[], None).await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(openapi.body["paths"]["/api/client-authentication"].is_object());
    let docs = app.call("GET", "/docs", None, &[], None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        docs.raw
            .contains("/api/oauth-applications/{clientId}/rotate-secret")
    );
    assert!(!docs.raw.contains("<script"));
}

pub async fn a_lost_database_answers_503_with_retry_after(app: TestApp) {
    let (client_id, _) = app.create_app("Before the outage").await;
    app.lose_database().await;
    let ready = app.call("GET", "/readyz", None, &[], None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.header("retry-after").is_some());
    let flat = app.get(&app_path(&client_id), &admin()).await;
    assert_eq!(flat.status, StatusCode::SERVICE_UNAVAILABLE, "{}", flat.raw);
    assert!(flat.header("retry-after").is_some());
    assert_eq!(
        flat.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let v1 = app.get(V1, &admin()).await;
    assert_eq!(v1.status, StatusCode::SERVICE_UNAVAILABLE, "{}", v1.raw);
    assert_eq!(v1.body["error"]["code"], "service_unavailable");
    assert_eq!(
        app.call("GET", "/healthz", None, &[], None).await.status,
        StatusCode::OK
    );
}

pub async fn writes_over_the_limit_answer_429(app: TestApp) {
    // OAUTH_APPS_WRITE_RATE=1: bursts of 2, then one a second.
    app.create_app("First").await;
    app.create_app("Second").await;
    let body = json!({"ownerOrgId": "acme", "name": "Third", "type": "web",
                      "redirectUrls": ["https://a.example/cb"]});
    let limited = app.json("POST", APPS, &admin(), &body).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.raw
    );
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let v1 = app
        .json(
            "POST",
            V1,
            &admin(),
            &json!({"name": "x", "redirect_uris": ["https://a.example/cb"]}),
        )
        .await;
    assert_eq!(v1.body["error"]["code"], "rate_limited");
    // Another caller has a limit of its own; reads are not limited.
    let other = token("carol", &[("acme", "admin")], &[]);
    assert_eq!(
        app.json("POST", APPS, &other, &body).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.get(&format!("{APPS}?ownerOrgId=acme"), &admin())
            .await
            .status,
        StatusCode::OK
    );
    // Nothing was written for the refused calls.
    let listed = app.get(&format!("{APPS}?ownerOrgId=acme"), &admin()).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
}

pub async fn the_audit_trail_says_who_changed_what(app: TestApp) {
    let (client_id, _) = app.create_app("Audited").await;
    let path = app_path(&client_id);
    let patched = app
        .call(
            "PATCH",
            &path,
            Some(&admin()),
            &[("x-request-id", "req-rename")],
            Some((
                "application/json",
                json!({"name": "Renamed"}).to_string().into_bytes(),
            )),
        )
        .await;
    // The service's own request id, answered in X-Request-Id, is what the trail records
    // as the request; the client's id is kept beside it.
    let ours = patched.header("x-request-id").unwrap();
    assert_ne!(ours, "req-rename");
    app.post(&format!("{path}/rotate-secret"), &admin()).await;
    app.call("DELETE", &path, Some(&admin()), &[], None).await;

    let page = app.get(&format!("{path}/events?limit=3"), &admin()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    let actions: Vec<_> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["disabled", "secret_rotated", "updated"]);
    let renamed = &page.body["items"][2];
    assert_eq!(renamed["actor"], "alice");
    assert_eq!(renamed["requestId"], ours.as_str());
    assert_eq!(renamed["clientRequestId"], "req-rename");
    assert_eq!(renamed["changedFields"], json!(["name"]));
    assert!(!page.raw.contains("$argon2"));
    let cursor = page.body["nextCursor"].as_str().unwrap();
    let rest = app
        .get(&format!("{path}/events?limit=3&cursor={cursor}"), &admin())
        .await;
    assert_eq!(rest.body["items"][0]["action"], "created");
    assert_eq!(rest.body["nextCursor"], Value::Null);

    assert_eq!(
        app.get(&format!("{path}/events"), &member()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("{path}/events"), &outsider()).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = app
        .get(&format!("{path}/events?cursor=zzz"), &admin())
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let id = app.get(V1, &admin()).await.body["data"][0]["id"]
        .as_i64()
        .unwrap();
    let v1 = app.get(&format!("{V1}/{id}/events"), &admin()).await;
    assert_eq!(v1.status, StatusCode::OK, "{}", v1.raw);
    assert_eq!(v1.body["success"], true);
    assert_eq!(v1.body["data"][2]["changed_fields"], json!(["name"]));
    assert_eq!(v1.body["data"][2]["request_id"], ours.as_str());
    assert_eq!(v1.body["data"][2]["client_request_id"], "req-rename");
}

/// Sends `head` and `body` on a raw connection, then waits for whatever the server says.
async fn slow_request(app: &TestApp, head: &str, body: &str) -> (String, std::time::Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = std::time::Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the server has answered and closed, or 20 s pass.
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), read).await;
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

pub async fn slow_senders_are_cut_off(app: TestApp) {
    // OAUTH_APPS_BODY_TIMEOUT_MS=500: a body that stops half-way is answered 408.
    let head = format!(
        "POST {APPS} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n",
        admin()
    );
    let (answer, took) = slow_request(&app, &head, r#"{"ownerOrgId": "acme", "na"#).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    // A head that never ends is cut off too (5 s), without an answer the client could
    // mistake for a success.
    let (answer, took) = slow_request(&app, "GET /healthz HTTP/1.1\r\nHost: local", "").await;
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    // Nothing was written, and the server still serves.
    let listed = app.get(&format!("{APPS}?ownerOrgId=acme"), &admin()).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0);
}

/// Sends `head`, then `chunks` one every `pause` while the server keeps the connection
/// open; returns what the server said, how long until it closed, and how many chunks it
/// took before that.
async fn trickle(
    app: &TestApp,
    head: &str,
    chunk: &[u8],
    pause: std::time::Duration,
) -> (String, std::time::Duration, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = std::time::Instant::now();
    writer.write_all(head.as_bytes()).await.unwrap();
    let send = async move {
        let mut sent = 0;
        // At most 40 chunks: the test ends by itself whatever the server does.
        for _ in 0..40 {
            tokio::time::sleep(pause).await;
            if writer.write_all(chunk).await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    };
    let read = async move {
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        (answer, started.elapsed())
    };
    let (sent, (answer, closed_after)) = tokio::join!(send, read);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        closed_after,
        sent,
    )
}

pub async fn unread_bodies_are_bounded_too(app: TestApp) {
    // OAUTH_APPS_BODY_TIMEOUT_MS=500. A chunked body trickled to a route that reads no
    // body: the server answers once the time-out ends and closes the connection, rather
    // than draining the body for as long as the client keeps sending.
    let head = "POST /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    let pause = std::time::Duration::from_millis(200);
    let (answer, closed_after, _) = trickle(&app, head, b"1\r\nx\r\n", pause).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(
        closed_after < std::time::Duration::from_secs(3),
        "closed after {closed_after:?}"
    );
    // The same on a route that does read bodies, and on the v1 surface in its shape.
    let head = format!(
        "POST {V1} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        admin()
    );
    let (answer, closed_after, _) = trickle(&app, &head, b"1\r\n \r\n", pause).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(
        closed_after < std::time::Duration::from_secs(3),
        "{closed_after:?}"
    );
    // A declared length over the limit is refused before any of it is read, and the
    // connection is closed rather than drained.
    let head = format!(
        "POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        10 * 1024 * 1024
    );
    let (answer, closed_after, _) = trickle(&app, &head, &[b'x'; 1024], pause).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        closed_after < std::time::Duration::from_secs(3),
        "{closed_after:?}"
    );
    // A chunked body that grows past the limit is cut off with 413.
    let big = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
    let (answer, closed_after, _) = trickle(
        &app,
        "POST /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n",
        big.as_bytes(),
        std::time::Duration::from_millis(10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        closed_after < std::time::Duration::from_secs(3),
        "{closed_after:?}"
    );
    // A complete small body on a route that reads none is fine, and the connection can be
    // used again.
    let reply = app
        .call(
            "POST",
            "/healthz",
            None,
            &[],
            Some(("application/json", b"{}".to_vec())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let health = app.call("GET", "/healthz", None, &[], None).await;
    assert_eq!(health.status, StatusCode::OK);
}

pub async fn made_up_methods_do_not_grow_the_metrics(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_owned();
    for i in 0..40 {
        let method = format!("Z{i:03}{}", "C".repeat(60_000));
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let request =
            format!("{method} /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await;
    }
    let metrics = app.call("GET", "/metrics", None, &[], None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.raw.len() < 64 * 1024, "{} bytes", metrics.raw.len());
    assert!(!metrics.raw.contains("Z000"), "a made-up method is a label");
    assert!(
        metrics
            .raw
            .contains(r#"http_requests_total{route="/healthz",method="other",status="405"} 40"#),
        "{}",
        metrics.raw
    );
}

/// Answers that carry a secret may not be kept by any cache; others may.
fn assert_not_cacheable(reply: &crate::harness::Reply, what: &str) {
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
    assert_eq!(
        reply.header("pragma").as_deref(),
        Some("no-cache"),
        "{what}"
    );
}

pub async fn secret_answers_are_not_cached_and_head_is_get_without_a_body(app: TestApp) {
    let created = app
        .json(
            "POST",
            APPS,
            &admin(),
            &json!({"ownerOrgId": "acme", "name": "Cached", "type": "web",
                    "redirectUrls": ["https://app.example.com/cb"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    assert_not_cacheable(&created, "flat create");
    let client_id = created.body["application"]["clientId"].as_str().unwrap();
    let rotated = app
        .post(&format!("{}/rotate-secret", app_path(client_id)), &admin())
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.raw);
    assert_not_cacheable(&rotated, "flat rotate");
    let v1_created = app
        .json(
            "POST",
            V1,
            &admin(),
            &json!({"name": "Cached too", "redirect_uris": ["https://app.example.com/cb"]}),
        )
        .await;
    assert_eq!(v1_created.status, StatusCode::CREATED, "{}", v1_created.raw);
    assert_not_cacheable(&v1_created, "v1 create");
    let id = v1_created.body["data"]["id"].as_i64().unwrap();
    let regenerated = app
        .post(&format!("{V1}/{id}/regenerate-secret"), &admin())
        .await;
    assert_eq!(regenerated.status, StatusCode::OK, "{}", regenerated.raw);
    assert_not_cacheable(&regenerated, "v1 regenerate");
    let read = app.get(&app_path(client_id), &admin()).await;
    assert_eq!(read.header("cache-control"), None);

    // HEAD is GET without the body, on every GET route.
    for path in [
        app_path(client_id),
        format!("{APPS}?ownerOrgId=acme"),
        format!("{V1}/{id}"),
        "/healthz".to_owned(),
        "/openapi.json".to_owned(),
    ] {
        let get = app.get(&path, &admin()).await;
        let head = app.call("HEAD", &path, Some(&admin()), &[], None).await;
        assert_eq!(head.status, get.status, "HEAD {path}");
        assert!(head.raw.is_empty(), "HEAD {path} has a body");
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "HEAD {path}"
        );
    }
}

pub async fn a_clients_broken_request_is_not_a_server_error(app: TestApp) {
    let logs = logs();
    // A header line without a colon: the request cannot be parsed.
    let (answer, _) = slow_request(
        &app,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nthis is no header\r\n\r\n",
        "",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // The connection's task logs when it ends; give it a moment.
    let mut logged = String::new();
    for _ in 0..50 {
        logged = logs.text();
        if logged.contains("oauth_apps::connection") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let line = logged
        .lines()
        .find(|l| l.contains("oauth_apps::connection"))
        .unwrap_or_else(|| panic!("no warning about the broken request: {logged}"));
    assert!(line.contains(r#""level":"WARN""#), "{line}");
    assert!(line.contains("request parse error"), "{line}");
    assert!(
        !logged.lines().any(|l| l.contains(r#""level":"ERROR""#)),
        "a client's mistake was logged as an error: {logged}"
    );
}
