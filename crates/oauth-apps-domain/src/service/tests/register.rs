//! `register`: validation, policy, client-id collisions and port failures.

use std::sync::atomic::{AtomicUsize, Ordering};

use mockall::Sequence;

use super::*;
use crate::ports::{HasherError, RandomError};

#[test]
fn register_stores_a_valid_app_and_returns_its_secret_once() {
    let mut m = Mocks::new().hashes_to("h1");
    m.repo
        .expect_insert()
        .withf(|new, event| {
            let r = new.to_record();
            r.name == "Billing"
                && r.owner_org_id == "acme"
                && r.app_type == "web"
                && r.grant_types == ["authorization_code", "refresh_token"]
                && r.access_level == "organization"
                && r.allowed_scopes == ["read", "workspace:write"]
                && r.status == "active"
                && !r.is_first_party
                && r.current_secret_hash == "$test$h1"
                && r.created_at == at(NOW)
                && r.version == 1
                && event.action == AuditAction::Created
                && event.actor == "alice"
                && event.request_id.as_deref() == Some("req-7")
                && event.client_request_id.as_deref() == Some("order-7")
                && event.at == at(NOW)
                && event.changed_fields.contains(&Field::RedirectUrls)
        })
        .times(1)
        .returning(|_, _| Ok(AppId::new(11).unwrap()));
    let registered = block_on(m.service().register(&admin(), register_cmd())).unwrap();
    assert_eq!(registered.application.id().get(), 11);
    assert_eq!(
        registered.application.client_id(),
        &ClientId::from_random_bytes([0x42; 16])
    );
    assert!(is_well_formed_secret(registered.client_secret.expose()));
    assert_eq!(
        registered.client_secret.expose(),
        ClientSecret::from_random_bytes(&[0x42; 32]).expose()
    );
}

#[test]
fn hashing_work_names_the_caller_it_is_for() {
    // The hasher shares its capacity between callers: it is told whose request each job
    // serves.
    let mut m = Mocks::new();
    m.hasher
        .expect_hash()
        .withf(|_, requester| requester == "alice")
        .times(1)
        .returning(|_, _| Ok(hash("h1")));
    m.repo
        .expect_insert()
        .returning(|_, _| Ok(AppId::new(11).unwrap()));
    block_on(m.service().register(&admin(), register_cmd())).unwrap();

    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .withf(|_, _, requester| requester == "as")
        .times(1)
        .returning(|_, _, _| Ok(true));
    block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
}

#[test]
fn register_applies_given_optional_fields() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .withf(|new, _| {
            let r = new.to_record();
            r.app_type == "native"
                && r.description.as_deref() == Some("desc")
                && r.grant_types == ["urn:ietf:params:oauth:grant-type:device_code"]
                && r.access_level == "user"
                && r.is_first_party
                && r.allowed_scopes.is_empty()
        })
        .times(1)
        .returning(|_, _| Ok(AppId::new(1).unwrap()));
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
    };
    let registered = block_on(m.service().register(&platform_admin(), cmd)).unwrap();
    assert!(registered.application.requires_pkce());
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
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .returning(|_, _| Ok(AppId::new(1).unwrap()));
    let cmd = RegisterApplication {
        is_first_party: Some(false),
        ..register_cmd()
    };
    assert!(block_on(m.service().register(&admin(), cmd)).is_ok());
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
