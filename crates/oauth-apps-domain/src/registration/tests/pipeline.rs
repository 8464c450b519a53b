//! One request, every path: the same metadata breaks the same rules, named the same way,
//! whether an admin registers it, a client registers itself (RFC 7591), replaces its
//! registration (RFC 7592 §2.2), or a metadata document says it (first resolution and
//! later ones).

use serde_json::{Value, json};

use super::ed25519_jwks;
use crate::lifecycle::ports::OrganizationPolicies as _;
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
    said_under(PolicyProfile::Baseline, metadata)
        .into_iter()
        .map(|(path, verdict)| (path, verdict.map(|e| describe_metadata_errors(&e))))
        .collect()
}

/// `acme`'s policy, with `profile`.
fn policy(profile: PolicyProfile) -> OrganizationPolicy {
    OrganizationPolicy {
        owner_org_id: OrgId::parse("acme").unwrap(),
        secret_lifetime: None,
        leaked_secret_action: LeakedSecretAction::Revoke,
        self_registration: SelfRegistrationLimits::default(),
        profile,
        stale_after: None,
        updated_by: "alice".into(),
        updated_at: at(NOW),
    }
}

/// What each self-service path says of `metadata` while `acme` holds its clients to
/// `profile` (the client a replacement or a later resolution changes was made before the
/// profile was switched on); `None` when the path accepted it.
fn said_under(
    profile: PolicyProfile,
    metadata: &Value,
) -> Vec<(&'static str, Option<ValidationErrors>)> {
    let f = fakes();
    let asked = |m: &Value| requested_client("acme", m.as_object().unwrap()).unwrap();
    let open = Principal::new("open-registration").with_org("acme", OrgRole::Admin);
    let service = f.service();
    // The client a replacement or a later resolution changes: made from `metadata` itself
    // when the registry's own rules let it be, so that its type is the one asked for.
    let start = block_on(service.register_self(&open, asked(metadata), None))
        .or_else(|_| block_on(service.register_self(&open, asked(&valid()), None)))
        .unwrap();
    let document = |m: &Value, url: &str| {
        let mut doc = m.clone();
        doc["client_id"] = json!(url);
        doc.to_string()
    };
    let resolve =
        |url: &str| match block_on(service.resolve_metadata_document(&authenticator(), url)) {
            // A refusal by a rule of the draft's own carries no field errors: named by its rule.
            Err(ResolveError::Refused(r)) => Some(r.errors.unwrap_or_else(|| {
                FieldError::new(Field::ClientId, Violation::Malformed { what: r.rule }).into()
            })),
            Ok(_) => None,
            Err(e) => panic!("{e:?}"),
        };
    f.documents.publish(URL, document(metadata, URL));
    if resolve(URL).is_some() {
        f.documents.publish(URL, document(&valid(), URL));
        assert!(resolve(URL).is_none());
    }
    block_on(f.policies.put_policy(&policy(profile))).unwrap();
    let self_registered = match block_on(service.register_self(&open, asked(metadata), None)) {
        Err(RegisterError::Invalid(e)) => Some(e),
        Ok(_) => None,
        Err(e) => panic!("{e:?}"),
    };
    let replaced = match block_on(service.replace_self_registration(
        None,
        &start.registered.application.client_id().to_string(),
        start.registration_access_token.expose(),
        None,
        asked(metadata),
    )) {
        Err(ManageRegistrationError::Invalid(e)) => Some(e),
        Ok(_) => None,
        Err(e) => panic!("{e:?}"),
    };
    let first_url = "https://first.example.com/tool.json";
    f.documents
        .publish(first_url, document(metadata, first_url));
    let first_resolution = resolve(first_url);
    f.documents.publish(URL, document(metadata, URL));
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

/// The profile rules `errors` names, each with its field and position.
fn profile_rules(errors: &ValidationErrors) -> Vec<String> {
    errors
        .errors()
        .iter()
        .filter_map(|e| match &e.violation {
            Violation::ProfileRule { rule, .. } => Some(match e.index {
                Some(i) => format!("{rule} on {}[{i}]", e.field),
                None => format!("{rule} on {}", e.field),
            }),
            _ => None,
        })
        .collect()
}

/// Client metadata each profile judges, from one that every profile admits to one that
/// breaks every rule of each.
fn profile_cases() -> Vec<(&'static str, Value)> {
    let fapi = json!({"client_name": "Bank", "application_type": "web",
        "redirect_uris": ["https://bank.example.com/cb"],
        "token_endpoint_auth_method": "private_key_jwt", "jwks": ed25519_jwks(),
        "dpop_bound_access_tokens": true, "require_pushed_authorization_requests": true});
    let with = |base: &Value, member: &str, value: Value| {
        let mut v = base.clone();
        v[member] = value;
        v
    };
    let mut no_type = fapi.clone();
    no_type.as_object_mut().unwrap().remove("application_type");
    vec![
        ("a FAPI 2.0 client", fapi.clone()),
        ("a public native client", valid()),
        (
            "a secret client",
            with(
                &fapi,
                "token_endpoint_auth_method",
                json!("client_secret_basic"),
            ),
        ),
        (
            "no sender constraint",
            with(&fapi, "dpop_bound_access_tokens", json!(false)),
        ),
        (
            "mTLS-bound instead of DPoP",
            with(
                &with(&fapi, "dpop_bound_access_tokens", json!(false)),
                "tls_client_certificate_bound_access_tokens",
                json!(true),
            ),
        ),
        (
            "no PAR",
            with(&fapi, "require_pushed_authorization_requests", json!(false)),
        ),
        (
            "a loopback redirect",
            with(&fapi, "redirect_uris", json!(["http://localhost:8080/cb"])),
        ),
        (
            "a private-use scheme",
            with(&valid(), "redirect_uris", json!(["com.example.tool:/cb"])),
        ),
        ("no application_type", no_type),
    ]
}

/// The verdict of a path: accepted, or refused with these profile rules (other rules
/// named too are the application's own, which no case here breaks).
fn verdict(errors: Option<&ValidationErrors>) -> Result<(), Vec<String>> {
    match errors {
        None => Ok(()),
        Some(e) => {
            let rules = profile_rules(e);
            assert_eq!(
                rules.len(),
                e.errors().len(),
                "a case broke another rule: {e}"
            );
            Err(rules)
        }
    }
}

/// What an admin's registration says of `metadata` under `profile` (the request as an
/// admin writes it: the type left out when the metadata leaves it out).
fn said_by_admin(profile: PolicyProfile, metadata: &Value) -> Result<(), Vec<String>> {
    let f = fakes();
    block_on(f.policies.put_policy(&policy(profile))).unwrap();
    let requested = requested_client("acme", metadata.as_object().unwrap()).unwrap();
    let mut cmd = requested.cmd;
    if !requested.application_type_given {
        cmd.app_type = None;
    }
    match block_on(f.service().register(&admin(), cmd)) {
        Ok(_) => Ok(()),
        Err(RegisterError::Invalid(e)) => verdict(Some(&e)),
        Err(e) => panic!("{e:?}"),
    }
}

/// What an import says of the client `metadata` makes under `profile`: the client made
/// under `baseline` elsewhere, then imported into a store whose `acme` holds `profile`.
fn said_by_import(profile: PolicyProfile, metadata: &Value) -> Result<(), Vec<String>> {
    let elsewhere = fakes();
    let requested = requested_client("acme", metadata.as_object().unwrap()).unwrap();
    let made = block_on(elsewhere.service().register(&admin(), requested.cmd)).unwrap();
    let target = fakes();
    block_on(target.policies.put_policy(&policy(profile))).unwrap();
    let archived = [ArchivedApplication {
        application: made.application,
        events: Vec::new(),
    }];
    let found = block_on(import_violations(&*target.policies, &archived)).unwrap();
    match found.as_slice() {
        [] => Ok(()),
        [(0, p, e)] if *p == profile => verdict(Some(e)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_profile_gives_the_same_verdict_on_every_path() {
    let mut differences = Vec::new();
    let mut refused = 0;
    for profile in PolicyProfile::ALL {
        for (what, metadata) in profile_cases() {
            let by_admin = said_by_admin(profile, &metadata);
            refused += usize::from(by_admin.is_err());
            let mut said = vec![("management", by_admin.clone())];
            for (path, errors) in said_under(profile, &metadata) {
                // A metadata document may not use a shared secret at all (the draft's own
                // rule, before any profile): that case goes by the other paths only.
                if what == "a secret client" && path.contains("document") {
                    continue;
                }
                said.push((path, verdict(errors.as_ref())));
            }
            said.push(("import", said_by_import(profile, &metadata)));
            for (path, v) in &said {
                // The one rule of a request's form: a client registering itself under `mcp`
                // names its type (RFC 7591 defaults it to `web`).
                let expected = if profile == PolicyProfile::Mcp
                    && what == "no application_type"
                    && path.starts_with("RFC")
                {
                    Err(vec!["mcp.application_type on type".to_owned()])
                } else {
                    by_admin.clone()
                };
                if *v != expected {
                    differences.push(format!(
                        "{profile} / {what}: {path} says {v:?}, expected {expected:?}"
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // The cases do break the profiles' rules (a matrix of acceptances proves nothing).
    assert!(refused >= 7, "{refused}");
    assert_eq!(
        said_by_admin(PolicyProfile::Fapi2, &valid()),
        Err(vec![
            "fapi2.confidential_client on type".to_owned(),
            "fapi2.client_authentication on token_endpoint_auth_method".to_owned(),
            "fapi2.pushed_authorization_requests on require_pushed_authorization_requests"
                .to_owned(),
            "fapi2.sender_constrained_tokens on dpop_bound_access_tokens".to_owned(),
        ])
    );
    let no_type = said_under(PolicyProfile::Mcp, &profile_cases()[8].1);
    assert_eq!(
        verdict(no_type[0].1.as_ref()),
        Err(vec!["mcp.application_type on type".to_owned()])
    );
    assert_eq!(
        said_by_admin(PolicyProfile::Mcp, &profile_cases()[8].1),
        Ok(())
    );
}

#[test]
fn an_existing_client_that_breaks_a_new_profile_is_listed_with_its_rules() {
    let f = fakes();
    let requested = requested_client("acme", valid().as_object().unwrap()).unwrap();
    let public = block_on(f.service().register(&admin(), requested.cmd)).unwrap();
    let requested = requested_client("acme", profile_cases()[0].1.as_object().unwrap()).unwrap();
    block_on(f.service().register(&admin(), requested.cmd)).unwrap();
    let (profile, found) =
        block_on(f.service().policy_violations(&member(), "acme", "fapi2")).unwrap();
    assert_eq!(profile, PolicyProfile::Fapi2);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].application.client_id(),
        public.application.client_id()
    );
    assert_eq!(profile_rules(&found[0].broken).len(), 4);
    assert!(
        block_on(f.service().policy_violations(&member(), "acme", "baseline"))
            .unwrap()
            .1
            .is_empty()
    );
    assert!(matches!(
        block_on(f.service().policy_violations(&member(), "acme", "fapi1")),
        Err(PolicyError::Invalid(_))
    ));
    assert!(matches!(
        block_on(f.service().policy_violations(&outsider(), "acme", "fapi2")),
        Err(PolicyError::NotFound)
    ));
}
