//! `register`: what is stored, validation, policy, client-id collisions and port failures.

use std::sync::atomic::{AtomicUsize, Ordering};

use mockall::Sequence;

use crate::applications::register::{CLIENT_ID_ATTEMPTS, REGISTERED_FIELDS};
use crate::shared::errors::HasherError;
use crate::shared::random::RandomError;
use crate::test_support::*;

#[test]
fn register_stores_a_valid_app_and_returns_its_secret_once() {
    // Storage already holds one application, so the new one gets id 2 from it.
    let f = Fakes::storing(&[&sample(1, "acme")]);
    let registered = block_on(f.service().register(&admin(), register_cmd())).unwrap();

    let stored = f.stored(&registered.application);
    assert_eq!(registered.application, stored);
    assert_eq!(stored.id().get(), 2);
    let r = stored.to_stored();
    assert_eq!(r.name, "Billing");
    assert_eq!(r.owner_org_id.as_str(), "acme");
    assert_eq!(r.app_type, AppType::Web);
    assert_eq!(r.grant_types, ["authorization_code", "refresh_token"]);
    assert_eq!(r.access_level, AccessLevel::Organization);
    assert_eq!(r.allowed_scopes, ["read", "workspace:write"]);
    assert_eq!(r.status, Status::Active);
    assert!(!r.is_first_party);
    assert_eq!(r.created_at, at(NOW));
    assert_eq!(r.version, Version::INITIAL);
    assert_eq!(
        f.only_write(),
        (
            stored.id(),
            by_admin(AuditAction::Created, &REGISTERED_FIELDS)
        )
    );

    // The secret is shown once; storage keeps the hasher's hash of it.
    let secret = registered.client_secret.as_ref().unwrap().expose();
    assert!(is_well_formed_secret(secret));
    assert!(is_fake_hash_of(
        secret,
        &stored.secrets().unwrap().current().credential.hash
    ));
    assert!(
        !r.secrets
            .as_ref()
            .unwrap()
            .current()
            .credential
            .hash
            .as_phc()
            .contains(secret)
    );

    // The secret, then the client id, come from the random source.
    let random = SeededRandom::new(SEED);
    let mut secret_bytes = [0; SECRET_RANDOM_BYTES];
    let mut client_id_bytes = [0; 16];
    random.fill(&mut secret_bytes).unwrap();
    random.fill(&mut client_id_bytes).unwrap();
    assert_eq!(
        secret,
        ClientSecret::from_random_bytes(&secret_bytes).expose()
    );
    assert_eq!(
        stored.client_id(),
        &ClientId::from_random_bytes(client_id_bytes)
    );
}

#[test]
fn registration_hashing_names_the_caller_it_is_for() {
    // The hasher shares its capacity between callers: it is told whose request each job
    // serves.
    let mut hasher = MockSecretHasher::new();
    hasher
        .expect_hash()
        .withf(|_, requester| requester == "alice")
        .times(1)
        .returning(|_, _| Ok(hash("h1")));
    let f = Fakes::new().with_hasher(hasher);
    let registered = block_on(f.service().register(&admin(), register_cmd())).unwrap();
    assert_eq!(
        f.stored(&registered.application)
            .secrets()
            .unwrap()
            .current()
            .credential
            .hash,
        hash("h1")
    );
}

#[test]
fn register_applies_given_optional_fields() {
    let f = Fakes::new();
    let cmd = RegisterApplication {
        owner_org_id: "acme".into(),
        name: "Device".into(),
        description: Some("desc".into()),
        app_type: Some("native".into()),
        redirect_urls: vec![],
        allowed_scopes: None,
        grant_types: Some(vec!["urn:ietf:params:oauth:grant-type:device_code".into()]),
        access_level: Some("user".into()),
        is_first_party: Some(true),
        ..RegisterApplication::default()
    };
    let registered = block_on(f.service().register(&platform_admin(), cmd)).unwrap();
    assert!(registered.application.requires_pkce());
    let stored = f.stored(&registered.application);
    assert_eq!(stored, registered.application);
    let r = stored.to_stored();
    assert_eq!(r.app_type, AppType::Native);
    assert_eq!(r.description.as_deref(), Some("desc"));
    assert_eq!(
        r.grant_types,
        ["urn:ietf:params:oauth:grant-type:device_code"]
    );
    assert_eq!(r.access_level, AccessLevel::User);
    assert!(r.is_first_party);
    assert!(r.allowed_scopes.is_empty());
}

#[test]
fn register_names_every_invalid_field_and_writes_nothing() {
    let cmd = RegisterApplication {
        owner_org_id: "acme".into(),
        name: "  ".into(),
        description: Some("x".repeat(1001)),
        app_type: Some("robot".into()),
        redirect_urls: vec!["javascript:alert(1)".into()],
        allowed_scopes: Some(vec!["root".into()]),
        grant_types: Some(vec!["password".into()]),
        access_level: Some("galaxy".into()),
        is_first_party: None,
        ..RegisterApplication::default()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [
            Field::AppType,
            Field::Name,
            Field::Description,
            Field::AllowedScopes,
            Field::GrantTypes,
            Field::AccessLevel
        ]
    );
}

#[test]
fn register_checks_urls_against_the_type_and_the_grant_rules() {
    let cmd = RegisterApplication {
        app_type: Some("native".into()),
        redirect_urls: vec!["http://localhost/cb".into()],
        grant_types: Some(vec!["client_credentials".into()]),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::RedirectUrls]);

    let cmd = RegisterApplication {
        app_type: Some("native".into()),
        redirect_urls: vec![],
        grant_types: Some(vec![
            "client_credentials".into(),
            "authorization_code".into(),
        ]),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors
            .errors()
            .iter()
            .map(|e| e.violation.clone())
            .collect::<Vec<_>>(),
        [
            Violation::ClientCredentialsNeedsWeb,
            Violation::AuthorizationCodeNeedsRedirect
        ]
    );
    // The grant rules are reported with other field errors.
    let cmd = RegisterApplication {
        name: String::new(),
        redirect_urls: vec![],
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::Name, Field::RedirectUrls]);
}

#[test]
fn register_refuses_a_bad_org_id() {
    let cmd = RegisterApplication {
        owner_org_id: "no spaces".into(),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&platform_admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::OwnerOrgId]);
}

#[test]
fn register_is_for_org_admins_only() {
    for who in [member(), outsider(), authenticator()] {
        let err = block_on(Mocks::new().service().register(&who, register_cmd())).unwrap_err();
        assert!(matches!(err, RegisterError::Forbidden(_)), "{err:?}");
    }
}

#[test]
fn only_platform_admins_register_first_party_apps() {
    let cmd = RegisterApplication {
        is_first_party: Some(true),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    assert!(matches!(err, RegisterError::Forbidden(m) if m.contains("first_party")));
    // Saying false explicitly is fine.
    let f = Fakes::new();
    let cmd = RegisterApplication {
        is_first_party: Some(false),
        ..register_cmd()
    };
    let registered = block_on(f.service().register(&admin(), cmd)).unwrap();
    assert!(!f.stored(&registered.application).is_first_party());
}

#[test]
fn register_draws_a_new_client_id_on_collision() {
    let mut m = Mocks::new().hashes_to("h");
    let mut random = MockRandomSource::new();
    let draws = Arc::new(AtomicUsize::new(0));
    let counter = draws.clone();
    random.expect_fill().returning(move |buf| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        buf.fill(u8::try_from(n).unwrap());
        Ok(())
    });
    m.random = random;
    let mut seq = Sequence::new();
    m.repo
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepositoryError::DuplicateClientId));
    m.repo
        .expect_insert()
        .withf(|new, _| *new.client_id() == ClientId::from_random_bytes([2; 16]))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(AppId::new(3).unwrap()));
    let registered = block_on(m.service().register(&admin(), register_cmd())).unwrap();
    assert_eq!(
        registered.application.client_id(),
        &ClientId::from_random_bytes([2; 16])
    );
    assert_eq!(draws.load(Ordering::SeqCst), 3);
}

#[test]
fn register_gives_up_after_repeated_collisions() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .times(CLIENT_ID_ATTEMPTS)
        .returning(|_, _| Err(RepositoryError::DuplicateClientId));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert!(matches!(err, RegisterError::Unexpected(_)));
}

#[test]
fn register_reports_port_failures() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo.expect_insert().returning(|_, _| Err(unavailable()));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    let mut m = Mocks::new();
    m.hasher
        .expect_hash()
        .returning(|_, _| Err(HasherError::Busy));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    let mut m = Mocks::new();
    let mut random = MockRandomSource::new();
    random
        .expect_fill()
        .returning(|_| Err(RandomError("no entropy".into())));
    m.random = random;
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
}

#[test]
fn register_holds_names_descriptions_and_urls_to_the_current_rules() {
    let cmd = RegisterApplication {
        name: "\u{202E}lapyaP".into(),
        description: Some("\0".into()),
        redirect_urls: vec!["http://127.1/cb".into()],
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.errors(),
        [
            FieldError::new(Field::Name, Violation::FormatCharacters),
            FieldError::new(
                Field::Description,
                Violation::ControlCharactersExceptTabAndNewlines
            ),
            FieldError::at(
                Field::RedirectUrls,
                0,
                Violation::UrlHostNotCanonical {
                    canonical: "127.0.0.1".into()
                }
            ),
        ]
    );
}
