//! One request, every path: the same metadata breaks the same rules, named the same way,
//! whether an admin registers it, a client registers itself (RFC 7591), replaces its
//! registration (RFC 7592 §2.2), or a metadata document says it (first resolution and
//! later ones).

use serde_json::{Value, json};

use crate::registration::client_metadata::{describe_metadata_errors, requested_client};
use crate::test_support::*;

const URL: &str = "https://tools.example.com/clients/tool.json";

fn fakes() -> Fakes {
    let mut f = Fakes::new();
    f.config.metadata_document_hosts = HostPatterns::parse("*.example.com=acme").unwrap();
    f
}

/// A valid registration, to start from where a path changes a client.
fn valid() -> Value {
    json!({"client_name": "Tool", "application_type": "native",
           "redirect_uris": ["https://tools.example.com/cb"],
           "token_endpoint_auth_method": "none"})
}

/// Requests breaking the application's own rules, and what self-registration limits
/// refuse.
fn bad_requests() -> Vec<(&'static str, Value)> {
    let with = |member: &str, value: Value| {
        let mut v = valid();
        v[member] = value;
        v
    };
    vec![
        (
            "plain http redirect",
            with("redirect_uris", json!(["http://tools.example.com/cb"])),
        ),
        ("unknown scope", with("scope", json!("read nope"))),
        (
            "unknown grant",
            with("grant_types", json!(["authorization_code", "password"])),
        ),
        (
            "keys without a method that uses them",
            with("jwks_uri", json!("ftp://x/jwks")),
        ),
        (
            "private_key_jwt without keys",
            with("token_endpoint_auth_method", json!("private_key_jwt")),
        ),
        (
            "machine grant",
            with("grant_types", json!(["client_credentials"])),
        ),
        ("privileged scope", with("scope", json!("admin"))),
        ("empty name", with("client_name", json!(" "))),
    ]
}

/// What each path says of `metadata`, as RFC 7591 metadata members name it; `None` when
/// the path accepted it.
fn said_by_every_path(metadata: &Value) -> Vec<(&'static str, Option<String>)> {
    let f = fakes();
    let asked = |m: &Value| {
        let r = requested_client("acme", m.as_object().unwrap()).unwrap();
        (r.cmd, r.metadata)
    };
    let text = |e: &ValidationErrors| Some(describe_metadata_errors(e));
    let open = Principal::new("open-registration").with_org("acme", OrgRole::Admin);
    let service = f.service();
    let (cmd, record) = asked(metadata);
    let self_registered =
        match block_on(service.register_self(&open, cmd.clone(), record.clone(), None)) {
            Err(RegisterError::Invalid(e)) => text(&e),
            Ok(_) => None,
            Err(e) => panic!("{e:?}"),
        };
    let start =
        block_on(service.register_self(&open, asked(&valid()).0, asked(&valid()).1, None)).unwrap();
    let replaced = match block_on(service.replace_self_registration(
        None,
        &start.registered.application.client_id().to_string(),
        start.registration_access_token.expose(),
        None,
        cmd,
        record,
    )) {
        Err(ManageRegistrationError::Invalid(e)) => text(&e),
        Ok(_) => None,
        Err(e) => panic!("{e:?}"),
    };
    let document = |m: &Value| {
        let mut doc = m.clone();
        doc["client_id"] = json!(URL);
        doc
    };
    let resolve =
        |url: &str| match block_on(service.resolve_metadata_document(&authenticator(), url)) {
            Err(ResolveError::Refused(r)) => Some(
                r.message
                    .trim_start_matches("the document's metadata breaks a rule: ")
                    .to_owned(),
            ),
            Ok(_) => None,
            Err(e) => panic!("{e:?}"),
        };
    let first_url = "https://first.example.com/tool.json";
    let mut first = document(metadata);
    first["client_id"] = json!(first_url);
    f.documents.publish(first_url, first.to_string());
    let first_resolution = resolve(first_url);
    f.documents.publish(URL, document(&valid()).to_string());
    resolve(URL);
    f.documents.publish(URL, document(metadata).to_string());
    let later_resolution = resolve(URL);
    vec![
        ("RFC 7591 registration", self_registered),
        ("RFC 7592 replacement", replaced),
        ("first document resolution", first_resolution),
        ("later document resolution", later_resolution),
    ]
}

#[test]
fn every_path_refuses_the_same_request_by_the_same_rules() {
    let mut differences = Vec::new();
    for (what, metadata) in bad_requests() {
        let said = said_by_every_path(&metadata);
        let (first_path, first) = &said[0];
        assert!(first.is_some(), "{what}: {first_path} accepted it");
        for (path, refusal) in &said[1..] {
            if refusal != first {
                differences.push(format!(
                    "{what}: {path} says {refusal:?}, {first_path} {first:?}"
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn the_management_api_refuses_by_the_same_application_rules() {
    let f = fakes();
    for (what, metadata) in bad_requests() {
        let requested = requested_client("acme", metadata.as_object().unwrap()).unwrap();
        let by_admin = match block_on(f.service().register(&admin(), requested.cmd)) {
            Err(RegisterError::Invalid(e)) => Some(describe_metadata_errors(&e)),
            Ok(_) => None,
            Err(e) => panic!("{e:?}"),
        };
        let by_client = said_by_every_path(&metadata).remove(0).1;
        if what == "machine grant" || what == "privileged scope" {
            // The organisation's self-registration limits bind clients, not its admins.
            let limit = "is not allowed for a client that registers itself";
            assert!(
                by_client.as_deref().is_some_and(|t| t.contains(limit)),
                "{what}"
            );
            assert!(!by_admin.unwrap_or_default().contains(limit), "{what}");
        } else {
            assert_eq!(by_admin, by_client, "{what}");
        }
    }
}
