//! Clients named by their metadata document URL: resolution, recording, following the
//! document, the disable switch, the rules a document breaks, and what admins may not do.

use serde_json::json;

use super::ed25519_jwks;
use crate::registration::document_url::MetadataDocumentUrl;
use crate::test_support::*;

const URL: &str = "https://tools.example.com/clients/tool.json";

fn fakes() -> Fakes {
    let mut f = Fakes::new();
    f.config.metadata_document_hosts = HostPatterns::parse("*.example.com=acme").unwrap();
    f
}

fn document(name: &str) -> serde_json::Value {
    json!({
        "client_id": URL,
        "client_name": name,
        "redirect_uris": ["https://tools.example.com/cb"],
        "contacts": ["ops@tools.example.com"],
    })
}

fn publish(f: &Fakes, url: &str, doc: &serde_json::Value) {
    f.documents.publish(url, doc.to_string());
}

fn resolve(f: &Fakes, url: &str) -> Result<OAuthApplication, ResolveError> {
    block_on(f.service().resolve_metadata_document(&authenticator(), url))
}

fn rule(result: Result<OAuthApplication, ResolveError>) -> &'static str {
    match result {
        Err(ResolveError::Refused(refusal)) => refusal.rule,
        Err(ResolveError::Disabled) => "disabled",
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_document_client_is_recorded_once_in_its_hosts_organisation() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    let app = resolve(&f, URL).unwrap();
    let url = MetadataDocumentUrl::parse(URL).unwrap();
    assert_eq!(app.registration(), Registration::MetadataDocument);
    assert_eq!(app.owner_org_id().as_str(), "acme");
    assert_eq!(app.client_id(), &url.client_id());
    assert_eq!(app.details().document.as_ref(), Some(&url));
    assert_eq!(app.profile().name().as_str(), "Tool");
    assert_eq!(app.auth_method(), AuthMethod::None);
    assert!(app.secrets().is_none(), "a document client has no secret");
    assert_eq!(
        app.details().metadata.record().contacts,
        vec!["ops@tools.example.com".to_owned()]
    );
    let events = f.repo.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1.actor, format!("metadata-document:{URL}"));
    // Resolved again, unchanged: the same application, nothing written.
    assert_eq!(resolve(&f, URL).unwrap(), app);
    assert_eq!(f.repo.events().len(), 1);
}

#[test]
fn a_changed_document_is_followed_and_audited() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    let first = resolve(&f, URL).unwrap();
    let mut changed = document("Tool, renamed");
    changed["contacts"] = json!([]);
    publish(&f, URL, &changed);
    let next = resolve(&f, URL).unwrap();
    assert_eq!(next.client_id(), first.client_id());
    assert_eq!(next.profile().name().as_str(), "Tool, renamed");
    assert!(next.details().metadata.record().contacts.is_empty());
    assert_eq!(next.version(), first.version().next());
    let events = f.repo.events();
    let (_, last) = events.last().unwrap();
    assert_eq!(last.action, AuditAction::Updated);
    assert_eq!(
        last.changed_fields,
        vec![ChangedField::Name, ChangedField::Contacts]
    );
}

#[test]
fn a_disabled_document_client_stays_disabled_whatever_its_document_says() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    let app = resolve(&f, URL).unwrap();
    let target = AppRef::ClientId(*app.client_id());
    block_on(f.service().disable(&admin(), &target)).unwrap();
    let fetches = f.documents.fetches();
    publish(&f, URL, &document("Tool, changed"));
    assert_eq!(rule(resolve(&f, URL)), "disabled");
    assert_eq!(
        f.documents.fetches(),
        fetches,
        "a disabled client is not fetched"
    );
    let stored = f.stored(&app);
    assert!(stored.is_disabled());
    assert_eq!(stored.profile().name().as_str(), "Tool");
    // Enabled again, it follows its document.
    block_on(f.service().enable(&admin(), &target)).unwrap();
    assert_eq!(
        resolve(&f, URL).unwrap().profile().name().as_str(),
        "Tool, changed"
    );
}

#[test]
fn admins_may_disable_a_document_client_but_not_edit_it() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    let app = resolve(&f, URL).unwrap();
    let target = AppRef::ClientId(*app.client_id());
    let patch = ApplicationPatch {
        name: Some("By hand".into()),
        ..ApplicationPatch::default()
    };
    assert!(matches!(
        block_on(f.service().update(&admin(), &target, &patch, None)),
        Err(UpdateError::Forbidden(_))
    ));
    let keys = RotateKeys {
        keys: KeysInput {
            jwks_uri: Some("https://tools.example.com/jwks".into()),
            jwks: None,
        },
        grace_period_seconds: None,
    };
    assert!(matches!(
        block_on(f.service().rotate_keys(&admin(), &target, keys)),
        Err(RotateKeysError::Forbidden(_))
    ));
    assert_eq!(f.stored(&app), app, "nothing written");
}

#[test]
fn every_rule_a_client_id_or_its_document_breaks_is_named() {
    let f = fakes();
    let at = |path: &str| format!("https://tools.example.com/{path}");
    let doc = |url: &str, extra: serde_json::Value| {
        let mut d = document("Tool");
        d["client_id"] = json!(url);
        for (k, v) in extra.as_object().unwrap() {
            d[k] = v.clone();
        }
        d
    };
    let cases = [
        (
            "mismatch.json",
            json!({"client_id": at("other.json")}),
            "client_id_mismatch",
        ),
        (
            "secret.json",
            json!({"client_secret": "s"}),
            "client_secret_present",
        ),
        (
            "expires.json",
            json!({"client_secret_expires_at": 0}),
            "client_secret_expires_at_present",
        ),
        (
            "basic.json",
            json!({"token_endpoint_auth_method": "client_secret_basic"}),
            "shared_secret_method",
        ),
        (
            "nokeys.json",
            json!({"token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_metadata",
        ),
        (
            "noredirect.json",
            json!({"redirect_uris": []}),
            "redirect_uris_required",
        ),
        (
            "badredirect.json",
            json!({"redirect_uris": ["http://tools.example.com/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            "badlogo.json",
            json!({"logo_uri": "http://tools.example.com/l.png"}),
            "invalid_metadata",
        ),
        (
            "large.json",
            json!({"padding": "x".repeat(5 * 1024)}),
            "too_large",
        ),
    ];
    for (path, extra, expected) in cases {
        let url = at(path);
        let body = doc(&url, extra);
        // The mismatch case keeps its own client_id.
        publish(&f, &url, &body);
        assert_eq!(rule(resolve(&f, &url)), expected, "{path}");
    }
    f.documents.refuse(&at("private.json"));
    assert_eq!(rule(resolve(&f, &at("private.json"))), "address_refused");
    assert_eq!(rule(resolve(&f, &at("missing.json"))), "unreachable");
    assert_eq!(
        rule(resolve(&f, "https://elsewhere.test/tool.json")),
        "host_not_allowed"
    );
    assert_eq!(
        rule(resolve(&f, "https://example.com/tool.json")),
        "host_not_allowed"
    );
    assert_eq!(
        rule(resolve(&f, "http://tools.example.com/tool.json")),
        "not_https"
    );
    assert_eq!(rule(resolve(&f, &format!("{URL}#x"))), "fragment");
    assert_eq!(f.repo.events().len(), 0, "nothing recorded");
}

#[test]
fn only_authenticators_and_platform_admins_resolve() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    for who in [admin(), member()] {
        assert!(matches!(
            block_on(f.service().resolve_metadata_document(&who, URL)),
            Err(ResolveError::Forbidden(_))
        ));
    }
    assert!(
        block_on(
            f.service()
                .resolve_metadata_document(&platform_admin(), URL)
        )
        .is_ok()
    );
}

#[test]
fn without_allowed_hosts_nothing_resolves() {
    let f = Fakes::new();
    publish(&f, URL, &document("Tool"));
    assert_eq!(rule(resolve(&f, URL)), "host_not_allowed");
    assert_eq!(f.documents.fetches(), 0);
}

#[test]
fn a_document_client_changes_type_with_its_document() {
    let f = fakes();
    publish(&f, URL, &document("Tool"));
    let public = resolve(&f, URL).unwrap();
    assert_eq!(public.app_type(), AppType::Public);

    // private_key_jwt with keys: a confidential (web) client now.
    let mut keyed = document("Tool");
    keyed["token_endpoint_auth_method"] = json!("private_key_jwt");
    keyed["jwks"] = ed25519_jwks();
    publish(&f, URL, &keyed);
    let web = resolve(&f, URL).expect("the document is followed, its type too");
    assert_eq!(web.client_id(), public.client_id());
    assert_eq!(web.app_type(), AppType::Web);
    assert_eq!(web.auth_method(), AuthMethod::PrivateKeyJwt);
    assert!(web.keys().is_some());
    assert!(
        web.secrets().is_none(),
        "a document client never has a secret"
    );
    let events = f.repo.events();
    let (_, last) = events.last().unwrap();
    assert_eq!(last.actor, format!("metadata-document:{URL}"));
    assert_eq!(last.action, AuditAction::Updated);
    for field in [
        crate::ChangedField::AppType,
        crate::ChangedField::TokenEndpointAuthMethod,
        crate::ChangedField::Jwks,
    ] {
        assert!(last.changed_fields.contains(&field), "{field:?}: {last:?}");
    }
    assert_eq!(f.stored(&public), web);

    // A native application, public again: its keys go with the method.
    let mut native = document("Tool");
    native["application_type"] = json!("native");
    native["redirect_uris"] = json!(["http://127.0.0.1/cb"]);
    publish(&f, URL, &native);
    let moved = resolve(&f, URL).unwrap();
    assert_eq!(moved.app_type(), AppType::Native);
    assert_eq!(moved.auth_method(), AuthMethod::None);
    assert!(moved.keys().is_none(), "keys the document no longer gives");
    // Unchanged since: nothing written.
    let written = f.repo.events().len();
    assert_eq!(resolve(&f, URL).unwrap(), moved);
    assert_eq!(f.repo.events().len(), written);
}

#[test]
fn an_operator_still_cannot_change_a_clients_type() {
    let f = Fakes::storing(&[&sample(1, "acme")]);
    let patch = ApplicationPatch {
        app_type: Some("native".into()),
        ..ApplicationPatch::default()
    };
    let refused = block_on(f.service().update(
        &admin(),
        &AppRef::ClientId(*sample(1, "acme").client_id()),
        &patch,
        None,
    ));
    assert!(
        matches!(&refused, Err(UpdateError::Invalid(e)) if e.concerns(Field::AppType)),
        "{refused:?}"
    );
    f.assert_nothing_written();
}

#[test]
fn a_document_listing_the_methods_it_supports_resolves_with_one_the_registry_serves() {
    // -03 (Client Authentication), OpenID Connect RP Metadata Choices 1.0: the document
    // names no method but lists those it supports, and publishes its keys (as ChatGPT's
    // does); the registry serves private_key_jwt with them.
    let f = fakes();
    let mut doc = document("Tool");
    doc["token_endpoint_auth_methods_supported"] = json!(["none", "private_key_jwt"]);
    doc["jwks_uri"] = json!("https://tools.example.com/jwks");
    publish(&f, URL, &doc);
    let app = resolve(&f, URL).expect("a listed method the registry serves");
    assert_eq!(app.auth_method(), AuthMethod::PrivateKeyJwt);
    assert_eq!(app.app_type(), AppType::Web);
    assert!(app.keys().is_some());
    // Without keys, the public method it lists.
    doc.as_object_mut().unwrap().remove("jwks_uri");
    publish(&f, URL, &doc);
    let public = resolve(&f, URL).unwrap();
    assert_eq!(public.auth_method(), AuthMethod::None);
    assert!(public.keys().is_none());
    // A list of methods a document may not use is refused, naming the rule.
    doc["token_endpoint_auth_methods_supported"] = json!(["tls_client_auth"]);
    publish(&f, URL, &doc);
    assert_eq!(rule(resolve(&f, URL)), "no_usable_auth_method");
}

#[test]
fn a_document_holds_public_keys_only() {
    // -02 §4.1: "private key material MUST NOT be included"; the pipeline refuses a JWK
    // with a private member on every path, a document's included.
    let f = fakes();
    let mut doc = document("Tool");
    doc["token_endpoint_auth_method"] = json!("private_key_jwt");
    let mut jwks = ed25519_jwks();
    jwks["keys"][0]["d"] = json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    doc["jwks"] = jwks;
    publish(&f, URL, &doc);
    let refused = resolve(&f, URL).unwrap_err();
    let ResolveError::Refused(refusal) = refused else {
        panic!("not refused: {refused:?}");
    };
    assert_eq!(refusal.rule, "invalid_metadata");
    assert!(
        refusal.message.contains("jwks") && refusal.message.contains("'d'"),
        "{}",
        refusal.message
    );
    assert!(f.repo.events().is_empty(), "nothing recorded");
}
