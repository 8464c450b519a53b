//! Clients that register themselves: what their organisation's self-registration policy
//! lets them have, what an initial access token's allowance adds, what a replacement
//! (RFC 7592 §2.2) may keep and must remove, and the policy as admins set and read it.

use serde_json::json;

use super::ed25519_jwks;
use crate::applications::scopes_grants::GrantType;
use crate::lifecycle::org_policy::{
    LeakedSecretAction, OrganizationPolicy, SelfRegistrationAllowance, SelfRegistrationLimits,
    SelfRegistrationNames,
};
use crate::lifecycle::policy_profile::PolicyProfile;
use crate::lifecycle::ports::OrganizationPolicies as _;
use crate::lifecycle::secret_lifecycle::{SecretLifecyclePorts, SecretLifecycleService, SetPolicy};
use crate::registration::client_metadata::{RequestedClient, requested_client};
use crate::registration::initial_access::MintInitialAccessToken;
use crate::test_support::*;

/// What open registration stands for.
fn open() -> Principal {
    Principal::new("open-registration").with_org("acme", OrgRole::Admin)
}

/// The registration `metadata` (RFC 7591 §2) asks for in `acme`.
fn asked(metadata: &serde_json::Value) -> RequestedClient {
    requested_client("acme", metadata.as_object().unwrap()).unwrap()
}

fn register(
    f: &Fakes,
    metadata: &serde_json::Value,
    allowance: Option<&SelfRegistrationAllowance>,
) -> Result<SelfRegistered, RegisterError> {
    block_on(
        f.service()
            .register_self(&open(), asked(metadata), allowance),
    )
}

/// The fields and positions `errors` names.
fn named(errors: &ValidationErrors) -> Vec<(Field, Option<usize>)> {
    errors.errors().iter().map(|e| (e.field, e.index)).collect()
}

fn invalid(result: Result<SelfRegistered, RegisterError>) -> ValidationErrors {
    match result {
        Err(RegisterError::Invalid(errors)) => errors,
        other => panic!("not refused as invalid: {other:?}"),
    }
}

/// Stores `limits` as `acme`'s policy.
fn limit(f: &Fakes, limits: SelfRegistrationLimits) {
    block_on(f.policies.put_policy(&OrganizationPolicy {
        owner_org_id: OrgId::parse("acme").unwrap(),
        secret_lifetime: None,
        leaked_secret_action: LeakedSecretAction::Revoke,
        self_registration: limits,
        profile: PolicyProfile::Baseline,
        stale_after: None,
        updated_by: "alice".into(),
        updated_at: at(NOW),
    }))
    .unwrap();
}

fn names(grants: &[&str], scopes: &[&str], methods: &[&str]) -> SelfRegistrationNames {
    let owned = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect());
    SelfRegistrationNames {
        grant_types: owned(grants),
        scopes: owned(scopes),
        auth_methods: owned(methods),
    }
}

#[test]
fn by_default_a_client_that_registers_itself_gets_no_machine_grant_nor_privileged_scope() {
    let f = Fakes::new();
    let errors = invalid(register(
        &f,
        &json!({"grant_types": ["client_credentials"], "response_types": [], "scope": "admin"}),
        None,
    ));
    assert_eq!(
        named(&errors),
        [
            (Field::GrantTypes, Some(0)),
            (Field::AllowedScopes, Some(0))
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .contains("'client_credentials' is not allowed"),
        "{errors}"
    );
    let device = invalid(register(
        &f,
        &json!({"application_type": "native", "token_endpoint_auth_method": "none",
                "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
                "scope": "read write"}),
        None,
    ));
    assert_eq!(
        named(&device),
        [
            (Field::GrantTypes, Some(0)),
            (Field::AllowedScopes, Some(1))
        ],
        "{device}"
    );
    f.assert_nothing_written();
    let ordinary = register(
        &f,
        &json!({"redirect_uris": ["https://c.example/cb"], "scope": "read workspace:read",
                "grant_types": ["authorization_code", "refresh_token"]}),
        None,
    )
    .unwrap();
    assert_eq!(
        ordinary.registered.application.registration(),
        Registration::Dynamic
    );
}

#[test]
fn the_organisations_policy_widens_or_narrows_what_clients_may_have() {
    let f = Fakes::new();
    limit(
        &f,
        SelfRegistrationLimits {
            grant_types: Some(vec![GrantType::ClientCredentials]),
            scopes: Some(vec!["read".into()]),
            auth_methods: Some(vec![
                AuthMethod::PrivateKeyJwt,
                AuthMethod::ClientSecretBasic,
            ]),
        },
    );
    let machine = json!({"grant_types": ["client_credentials"], "scope": "read"});
    assert!(register(&f, &machine, None).is_ok());
    let narrowed = invalid(register(
        &f,
        &json!({"redirect_uris": ["https://c.example/cb"], "scope": "workspace:read",
                "token_endpoint_auth_method": "client_secret_post"}),
        None,
    ));
    assert_eq!(
        named(&narrowed),
        [
            (Field::GrantTypes, Some(0)),
            (Field::AllowedScopes, Some(0)),
            (Field::TokenEndpointAuthMethod, None),
        ],
        "{narrowed}"
    );
}

#[test]
fn an_initial_access_tokens_allowance_adds_to_the_policy_and_no_more() {
    let f = Fakes::new();
    let allowance = SelfRegistrationAllowance {
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["admin".into()],
        auth_methods: vec![],
    };
    let trusted = json!({"grant_types": ["client_credentials"], "scope": "admin read"});
    assert!(register(&f, &trusted, Some(&allowance)).is_ok());
    let wider = invalid(register(
        &f,
        &json!({"grant_types": ["client_credentials"], "scope": "admin write"}),
        Some(&allowance),
    ));
    assert_eq!(named(&wider), [(Field::AllowedScopes, Some(1))]);
    // The pre-check a registration makes before spending a token's use says the same.
    let requested = asked(&trusted);
    assert!(
        block_on(
            f.service()
                .check_self_registration(&requested, Some(&allowance))
        )
        .is_ok()
    );
    assert!(matches!(
        block_on(f.service().check_self_registration(&requested, None)),
        Err(RegisterError::Invalid(_))
    ));
}

#[test]
fn a_replacement_keeps_what_the_client_has_and_gains_nothing_else() {
    let f = Fakes::new();
    let allowance = SelfRegistrationAllowance {
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec!["admin".into()],
        auth_methods: vec![],
    };
    let registered = register(
        &f,
        &json!({"grant_types": ["client_credentials"], "scope": "admin"}),
        Some(&allowance),
    )
    .unwrap();
    let app = registered.registered.application;
    let token = registered.registration_access_token.expose().to_owned();
    let replace = |metadata: serde_json::Value, token: &str| {
        block_on(f.service().replace_self_registration(
            None,
            &app.client_id().to_string(),
            token,
            None,
            asked(&metadata),
        ))
    };
    let written = f.repo.events().len();
    let gaining = replace(
        json!({"grant_types": ["client_credentials"], "scope": "admin write"}),
        &token,
    );
    assert!(
        matches!(&gaining, Err(ManageRegistrationError::Invalid(e))
            if named(e) == [(Field::AllowedScopes, Some(1))]),
        "{gaining:?}"
    );
    assert_eq!(f.repo.events().len(), written, "nothing written");
    let (kept, _) = replace(
        json!({"client_name": "Kept", "grant_types": ["client_credentials"], "scope": "admin read"}),
        &token,
    )
    .unwrap();
    assert_eq!(
        kept.profile().allowed_scopes().iter().collect::<Vec<_>>(),
        ["admin", "read"]
    );
}

#[test]
fn a_replacement_removes_the_keys_and_the_method_it_leaves_out() {
    let f = Fakes::new();
    let registered = register(
        &f,
        &json!({"redirect_uris": ["https://c.example/cb"], "jwks": ed25519_jwks(),
                "token_endpoint_auth_method": "client_secret_post"}),
        None,
    )
    .unwrap();
    let app = registered.registered.application;
    assert!(app.keys().is_some());
    let (replaced, _) = block_on(f.service().replace_self_registration(
        None,
        &app.client_id().to_string(),
        registered.registration_access_token.expose(),
        None,
        asked(&json!({"redirect_uris": ["https://c.example/cb"]})),
    ))
    .unwrap();
    assert!(
        replaced.keys().is_none(),
        "RFC 7592 §2.2: left out, removed"
    );
    assert_eq!(replaced.auth_method(), AuthMethod::ClientSecretBasic);
    assert!(replaced.secrets().is_some(), "the secret is kept");
    let (_, event) = f.written().pop().unwrap();
    assert!(
        event.changed_fields.contains(&ChangedField::Jwks),
        "{event:?}"
    );
    assert!(
        event
            .changed_fields
            .contains(&ChangedField::TokenEndpointAuthMethod),
        "{event:?}"
    );

    // A private_key_jwt client that leaves its keys out would have none: refused.
    let keyed = register(
        &f,
        &json!({"redirect_uris": ["https://c.example/cb"], "jwks": ed25519_jwks(),
                "token_endpoint_auth_method": "private_key_jwt"}),
        None,
    )
    .unwrap();
    let requested = asked(&json!({"redirect_uris": ["https://c.example/cb"],
                                  "token_endpoint_auth_method": "private_key_jwt"}));
    let refused = block_on(f.service().replace_self_registration(
        None,
        &keyed.registered.application.client_id().to_string(),
        keyed.registration_access_token.expose(),
        None,
        requested,
    ));
    assert!(
        matches!(&refused, Err(ManageRegistrationError::Invalid(e))
            if e.concerns(Field::TokenEndpointAuthMethod)),
        "{refused:?}"
    );
}

impl Fakes {
    fn policy_service(&self) -> SecretLifecycleService {
        SecretLifecycleService::new(
            SecretLifecyclePorts {
                repository: self.storage.clone(),
                lifecycle: self.repo.clone(),
                policies: self.policies.clone(),
                clock: self.clock.clone(),
            },
            None,
        )
        .with_scope_catalog(self.config.scope_catalog.clone())
    }
}

#[test]
fn admins_set_the_self_registration_policy_and_read_it_as_it_applies() {
    let f = Fakes::new();
    let service = f.policy_service();
    let defaults = block_on(service.policy(&member(), "acme")).unwrap();
    assert_eq!(
        defaults.self_registration.grant_types,
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(
        defaults.self_registration.scopes,
        ["workspace:read", "read"]
    );
    assert_eq!(defaults.self_registration.auth_methods, AuthMethod::ALL);
    let set = |names: SelfRegistrationNames| {
        block_on(service.set_policy(
            &admin(),
            "acme",
            SetPolicy {
                self_registration: Some(names),
                ..SetPolicy::default()
            },
        ))
    };
    let refused = set(names(
        &["magic"],
        &["read", "admin"],
        &["client_secret_jwt"],
    ));
    let Err(crate::PolicyError::Invalid(errors)) = refused else {
        panic!("refused: {refused:?}");
    };
    assert_eq!(
        named(&errors),
        [
            (Field::SelfRegistrationGrantTypes, Some(0)),
            (Field::SelfRegistrationScopes, Some(1)),
            (Field::SelfRegistrationAuthMethods, Some(0)),
        ]
    );
    assert!(
        block_on(f.policies.policy(&OrgId::parse("acme").unwrap()))
            .unwrap()
            .is_none()
    );
    let view = set(SelfRegistrationNames {
        grant_types: Some(vec!["client_credentials".into()]),
        ..SelfRegistrationNames::default()
    })
    .unwrap();
    assert_eq!(
        view.self_registration.grant_types,
        [GrantType::ClientCredentials]
    );
    assert_eq!(
        view.self_registration.scopes,
        ["workspace:read", "read"],
        "left out: the default"
    );
    // What the platform lets clients register themselves for decides the default scopes
    // and which a policy may name.
    let mut narrow = Fakes::new();
    narrow.config.scope_catalog = ScopeCatalog::default()
        .with_self_registrable(&["write"])
        .unwrap();
    let service = narrow.policy_service();
    assert_eq!(
        block_on(service.policy(&member(), "acme"))
            .unwrap()
            .self_registration
            .scopes,
        ["write"]
    );
    // And what clients may have.
    let ok = register(
        &narrow,
        &json!({"redirect_uris": ["https://c.example/cb"], "scope": "write"}),
        None,
    );
    assert!(ok.is_ok(), "{ok:?}");
    assert!(
        register(
            &narrow,
            &json!({"redirect_uris": ["https://c.example/cb"], "scope": "read"}),
            None
        )
        .is_err()
    );
}

#[test]
fn a_document_is_held_to_the_policy_at_every_resolution() {
    let mut f = Fakes::new();
    f.config.metadata_document_hosts = HostPatterns::parse("*.example.com=acme").unwrap();
    let url = "https://tools.example.com/clients/machine.json";
    let machine = json!({
        "client_id": url, "client_name": "Machine", "redirect_uris": [],
        "grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt",
        "jwks": ed25519_jwks(),
    });
    f.documents.publish(url, machine.to_string());
    let resolve =
        |f: &Fakes| block_on(f.service().resolve_metadata_document(&authenticator(), url));
    match resolve(&f) {
        Err(ResolveError::Refused(refusal)) => {
            assert_eq!(refusal.rule, "invalid_metadata");
            assert!(
                refusal
                    .message
                    .contains("grant_types[0] 'client_credentials'"),
                "{refusal}"
            );
        }
        other => panic!("not refused: {other:?}"),
    }
    // Allowed: a document for a grant that redirects nowhere needs no redirect URL.
    limit(
        &f,
        SelfRegistrationLimits {
            grant_types: Some(vec![GrantType::ClientCredentials]),
            ..SelfRegistrationLimits::default()
        },
    );
    let app = resolve(&f).expect("resolved");
    assert!(app.profile().redirect_urls().is_empty());
    assert_eq!(
        app.profile().grant_types().as_slice(),
        [GrantType::ClientCredentials]
    );
    // Narrowed again: the recorded client's next resolution is refused.
    limit(&f, SelfRegistrationLimits::default());
    assert!(matches!(resolve(&f), Err(ResolveError::Refused(_))));
}

#[test]
fn an_allowance_is_never_wider_than_the_catalog() {
    let store = Arc::new(crate::testing::InMemoryInitialAccessTokens::new());
    let service = InitialAccessTokenService::new(InitialAccessTokenPorts {
        repository: store,
        clock: Arc::new(FixedClock::new(at(NOW))),
        random: Arc::new(SeededRandom::new(3)),
    })
    .with_scope_catalog(ScopeCatalog::new(&["billing:read", "billing:admin"]).unwrap());
    let mint = |allowance: SelfRegistrationNames| {
        block_on(service.mint(
            &admin(),
            MintInitialAccessToken {
                owner_org_id: "acme".into(),
                expires_in_seconds: 600,
                max_uses: None,
                allowance: Some(allowance),
            },
        ))
    };
    let minted = mint(names(&["client_credentials"], &["billing:admin"], &[])).unwrap();
    assert_eq!(
        minted.token.allowance,
        SelfRegistrationAllowance {
            grant_types: vec![GrantType::ClientCredentials],
            scopes: vec!["billing:admin".into()],
            auth_methods: vec![],
        }
    );
    let refused = mint(names(&["implicit"], &["admin"], &["none", "magic"]));
    let Err(MintTokenError::Invalid(errors)) = refused else {
        panic!("refused: {refused:?}");
    };
    assert_eq!(
        named(&errors),
        [
            (Field::AllowanceGrantTypes, Some(0)),
            (Field::AllowanceScopes, Some(0)),
            (Field::AllowanceAuthMethods, Some(1)),
        ]
    );
}
