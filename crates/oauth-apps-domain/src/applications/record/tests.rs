use super::*;
use crate::applications::application::NewApplication;
use crate::credentials::rotation::GracePeriod;
use crate::credentials::secret::SecretHint;
use crate::shared::validation::Violation;
use crate::test_support::{at, hash, profile, sample, secret};

#[test]
fn what_storage_keeps_round_trips() {
    let app = sample(3, "acme")
        .rotated(
            hash("next"),
            SecretHint::restore("Wx9z").ok(),
            GracePeriod::from_seconds(10).unwrap(),
            at(1100),
        )
        .unwrap();
    let stored = app.to_stored();
    let secrets = stored.secrets.as_ref().unwrap();
    let previous = secrets.previous().unwrap();
    assert_eq!(previous.issued, secret("current", at(1000)));
    assert_eq!(previous.expires_at, at(1110));
    let current = secrets.current();
    assert_eq!(
        (
            current.credential.hint.as_ref().map(SecretHint::as_str),
            current.serial.get()
        ),
        (Some("Wx9z"), 2)
    );
    assert_eq!(stored.version.get(), 2);
    assert_eq!(stored.registration, Registration::Manual);
    assert_eq!(OAuthApplication::restore(stored).unwrap(), app);
    let revoked = app.with_status(Status::Revoked, at(1200));
    assert_eq!(
        OAuthApplication::restore(revoked.to_stored()).unwrap(),
        revoked
    );
}

#[test]
fn how_an_application_was_registered_is_kept() {
    let new = sample(3, "acme");
    assert_eq!(new.registration(), Registration::Manual);
    for r in Registration::ALL {
        let app = NewApplication::new(
            *new.client_id(),
            new.owner_org_id().clone(),
            new.app_type(),
            new.profile().clone(),
            false,
            new.credentials().clone(),
            at(1000),
        )
        .with_registration(r);
        let id = AppId::new(3).unwrap();
        let stored = app.to_stored(id);
        assert_eq!(stored, app.clone().with_id(id).to_stored());
        let restored = OAuthApplication::restore(stored).unwrap();
        assert_eq!(restored.registration(), r);
        assert_eq!(restored, app.with_id(id));
    }
}

#[test]
fn restore_reads_text_stored_under_earlier_rules() {
    let legacy = StoredApplication {
        name: "Pay\u{200B}Pal".into(),
        description: Some("nul \0 inside".into()),
        redirect_urls: vec!["https://app.example.com".into(), "http://127.1/cb".into()],
        allowed_scopes: vec!["retired:scope".into()],
        ..sample(3, "acme").to_stored()
    };
    let app = OAuthApplication::restore(legacy.clone()).unwrap();
    assert_eq!(app.to_stored(), legacy);
    // New values are held to the current rules.
    assert!(RedirectUrls::parse(&legacy.redirect_urls, AppType::Web).is_err());
    assert!(AppName::parse(&legacy.name).is_err());
    assert!(Description::parse("nul \0 inside").is_err());
}

#[test]
fn restore_names_every_broken_text_and_keeps_the_cross_field_rules() {
    let broken = StoredApplication {
        name: " ".into(),
        description: Some("d".repeat(1001)),
        redirect_urls: vec!["https://a.example/#frag".into()],
        allowed_scopes: vec!["bad scope".into()],
        grant_types: vec!["implicit".into()],
        ..sample(3, "acme").to_stored()
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
        ..sample(3, "acme").to_stored()
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
    // A single bad description is enough to refuse it.
    let description = StoredApplication {
        description: Some("d".repeat(1001)),
        ..sample(3, "acme").to_stored()
    };
    assert!(
        OAuthApplication::restore(description)
            .unwrap_err()
            .concerns(Field::Description)
    );
}

#[test]
fn restore_refuses_an_expiry_warning_no_threshold_has_with_the_text_errors() {
    let app = sample(3, "acme")
        .rotated(
            hash("next"),
            None,
            GracePeriod::from_seconds(10).unwrap(),
            at(1100),
        )
        .unwrap();
    let warned = |days| {
        let secrets = app.secrets().unwrap();
        let previous = secrets.previous().unwrap().issued.serial;
        let secrets = secrets
            .with_lifecycle_of(secrets.current().serial, |l| {
                l.expiry_warned_days = Some(days);
            })
            .with_lifecycle_of(previous, |l| l.expiry_warned_days = Some(days));
        StoredApplication {
            secrets: Some(secrets),
            ..app.to_stored()
        }
    };
    for days in EXPIRY_WARNING_DAYS {
        assert!(OAuthApplication::restore(warned(days)).is_ok(), "{days}");
    }
    let broken = StoredApplication {
        name: String::new(),
        ..warned(3)
    };
    let errors = OAuthApplication::restore(broken).unwrap_err();
    assert!(errors.concerns(Field::Name), "{errors}");
    assert_eq!(
        errors
            .errors()
            .iter()
            .filter(|e| e.field == Field::Secret)
            .count(),
        2,
        "each secret's expiry warning: {errors}"
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
    assert_eq!(new.to_stored(app.id()), app.to_stored());
}
