use super::*;
use crate::applications::application::NewApplication;
use crate::credentials::rotation::GracePeriod;
use crate::test_support::{at, hash, profile, sample, secret};

#[test]
fn records_round_trip() {
    let app = sample(3, "acme")
        .rotated(
            hash("next"),
            SecretHint::restore("Wx9z").ok(),
            GracePeriod::from_seconds(10).unwrap(),
            at(1100),
        )
        .unwrap();
    let record = app.to_record();
    assert_eq!(
        record.previous_secret,
        Some((
            SecretRecord {
                hash: "$test$current".into(),
                hint: None,
                serial: 1,
                created_at: at(1000),
                last_used_at: None,
                lifetime_ends_at: None,
                lookup_digest: None,
                expiry_warned_days: None,
                leaked_at: None,
            },
            at(1110)
        ))
    );
    let current = record.current_secret.as_ref().unwrap();
    assert_eq!((current.hint.as_deref(), current.serial), (Some("Wx9z"), 2));
    assert_eq!(record.version, 2);
    assert_eq!(record.registration, "manual");
    assert_eq!(OAuthApplication::from_record(3, record).unwrap(), app);
}

#[test]
fn how_an_application_was_registered_is_kept() {
    let new = sample(3, "acme");
    assert_eq!(new.registration(), Registration::Manual);
    let record = |r: Registration| {
        let app = NewApplication::new(
            *new.client_id(),
            new.owner_org_id().clone(),
            new.app_type(),
            new.profile().clone(),
            false,
            new.credentials().clone(),
            at(1000),
        )
        .with_registration(r)
        .with_id(AppId::new(3).unwrap());
        assert_eq!(app.registration(), r);
        app.to_record()
    };
    for r in Registration::ALL {
        let restored = OAuthApplication::from_record(3, record(r)).unwrap();
        assert_eq!(restored.registration(), r);
        assert_eq!(
            OAuthApplication::restore(stored(&restored)).unwrap(),
            restored
        );
    }
    let mut bad = record(Registration::Dynamic);
    bad.registration = "by hand".into();
    let errors = OAuthApplication::from_record(3, bad).unwrap_err();
    assert!(errors.concerns(Field::Registration), "{errors}");
}

/// `app` as storage keeps it.
fn stored(app: &OAuthApplication) -> StoredApplication {
    let p = app.profile();
    StoredApplication {
        id: app.id(),
        client_id: *app.client_id(),
        owner_org_id: app.owner_org_id().clone(),
        app_type: app.app_type(),
        name: p.name().as_str().to_owned(),
        description: p.description().map(|d| d.as_str().to_owned()),
        redirect_urls: p.redirect_urls().iter().map(str::to_owned).collect(),
        allowed_scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
        grant_types: p.grant_types().iter().map(str::to_owned).collect(),
        access_level: p.access_level(),
        status: app.status(),
        is_first_party: app.is_first_party(),
        auth_method: app.auth_method(),
        secrets: app.secrets().cloned(),
        keys: app.keys().cloned(),
        registration: app.registration(),
        details: app.details().clone(),
        created_at: app.created_at(),
        updated_at: app.updated_at(),
        version: app.version(),
    }
}

#[test]
fn restore_rebuilds_from_typed_values() {
    let app = sample(3, "acme")
        .rotated(
            hash("next"),
            SecretHint::restore("Wx9z").ok(),
            GracePeriod::from_seconds(10).unwrap(),
            at(1100),
        )
        .unwrap()
        .with_status(Status::Revoked, at(1200));
    assert_eq!(OAuthApplication::restore(stored(&app)).unwrap(), app);
}

#[test]
fn restore_reads_text_stored_under_earlier_rules() {
    let legacy = StoredApplication {
        name: "Pay\u{200B}Pal".into(),
        description: Some("nul \0 inside".into()),
        redirect_urls: vec!["https://app.example.com".into()],
        allowed_scopes: vec!["retired:scope".into()],
        ..stored(&sample(3, "acme"))
    };
    let app = OAuthApplication::restore(legacy.clone()).unwrap();
    assert_eq!(stored(&app), legacy);
}

#[test]
fn restore_names_every_broken_text_and_keeps_the_cross_field_rules() {
    let broken = StoredApplication {
        name: " ".into(),
        description: Some("d".repeat(1001)),
        redirect_urls: vec!["https://a.example/#frag".into()],
        allowed_scopes: vec!["bad scope".into()],
        grant_types: vec!["implicit".into()],
        ..stored(&sample(3, "acme"))
    };
    let errors = OAuthApplication::restore(broken).unwrap_err();
    for field in [
        Field::Name,
        Field::Description,
        Field::RedirectUrls,
        Field::AllowedScopes,
        Field::GrantTypes,
    ] {
        assert!(errors.concerns(field), "{field}");
    }
    let no_redirect = StoredApplication {
        redirect_urls: vec![],
        ..stored(&sample(3, "acme"))
    };
    assert_eq!(
        OAuthApplication::restore(no_redirect)
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| (e.field, e.violation.clone()))
            .collect::<Vec<_>>(),
        [(
            Field::RedirectUrls,
            Violation::AuthorizationCodeNeedsRedirect
        )]
    );
}

#[test]
fn a_new_application_shows_what_storage_writes() {
    let new = NewApplication::new(
        ClientId::from_random_bytes([4; 16]),
        OrgId::parse("acme").unwrap(),
        AppType::Web,
        profile(AppType::Web, &[], &["client_credentials"]).unwrap(),
        true,
        Credentials::secret(Secrets::new(secret("h", at(5)))),
        at(5),
    );
    let app = new.clone().with_id(AppId::new(9).unwrap());
    assert_eq!(new.owner_org_id(), app.owner_org_id());
    assert_eq!(new.app_type(), app.app_type());
    assert_eq!(new.profile(), app.profile());
    assert_eq!(new.status(), Status::Active);
    assert!(new.is_first_party());
    assert_eq!(new.secrets(), Some(&Secrets::new(secret("h", at(5)))));
    assert_eq!((new.created_at(), new.updated_at()), (at(5), at(5)));
    assert_eq!(new.version(), Version::INITIAL);
}

#[test]
fn records_stored_under_earlier_rules_still_load_as_stored() {
    let mut r = sample(3, "acme").to_record();
    r.redirect_urls = vec!["https://app.example.com".into(), "http://127.1/cb".into()];
    r.name = "Pay\u{200B}Pal".into();
    r.description = Some("nul \0 inside".into());
    let app = OAuthApplication::from_record(3, r.clone()).unwrap();
    assert_eq!(app.to_record(), r);
    // New values are held to the current rules.
    assert!(RedirectUrls::parse(&r.redirect_urls, AppType::Web).is_err());
    assert!(AppName::parse(&r.name).is_err());
    assert!(
        r.description
            .as_deref()
            .map(Description::parse)
            .unwrap()
            .is_err()
    );
}

#[test]
fn corrupt_records_name_every_bad_field() {
    let mut r = sample(3, "acme").to_record();
    r.client_id = "x".into();
    r.owner_org_id = "bad org".into();
    r.name = String::new();
    r.description = Some("d".repeat(1001));
    r.allowed_scopes = vec!["bad scope".into()];
    r.grant_types = vec!["implicit".into()];
    r.access_level = "galaxy".into();
    r.status = "gone".into();
    let plain = SecretRecord {
        hash: "plain".into(),
        hint: None,
        serial: 1,
        created_at: at(1),
        last_used_at: None,
        lifetime_ends_at: None,
        lookup_digest: Some("not hex".into()),
        expiry_warned_days: Some(3),
        leaked_at: None,
    };
    r.current_secret = Some(plain.clone());
    r.previous_secret = Some((plain, at(1)));
    r.version = 0;
    let errors = OAuthApplication::from_record(0, r).unwrap_err();
    for field in [
        Field::Id,
        Field::ClientId,
        Field::OwnerOrgId,
        Field::Name,
        Field::Description,
        Field::AllowedScopes,
        Field::GrantTypes,
        Field::AccessLevel,
        Field::Status,
        Field::Secret,
        Field::Version,
    ] {
        assert!(errors.concerns(field), "{field}");
    }
    assert_eq!(
        errors
            .errors()
            .iter()
            .filter(|e| e.field == Field::Secret)
            .count(),
        6,
        "each secret's hash, lookup digest and expiry warning"
    );

    let mut r = sample(3, "acme").to_record();
    r.app_type = "robot".into();
    let errors = OAuthApplication::from_record(3, r).unwrap_err();
    assert_eq!(errors.errors().len(), 1);
    assert!(errors.concerns(Field::AppType));

    let mut r = sample(3, "acme").to_record();
    r.redirect_urls = vec!["http://plain.example/cb".into()];
    assert!(
        OAuthApplication::from_record(3, r)
            .unwrap_err()
            .concerns(Field::RedirectUrls)
    );

    // A single bad description is enough to refuse the record.
    let mut r = sample(3, "acme").to_record();
    r.description = Some("d".repeat(1001));
    assert!(
        OAuthApplication::from_record(3, r)
            .unwrap_err()
            .concerns(Field::Description)
    );

    // Cross-field rules apply to stored rows too.
    let mut r = sample(3, "acme").to_record();
    r.redirect_urls = vec![];
    assert!(
        OAuthApplication::from_record(3, r)
            .unwrap_err()
            .concerns(Field::RedirectUrls)
    );
}
