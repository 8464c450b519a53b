//! Credential telemetry: what a representation shows of an application's credentials, and
//! when a use is written (at most once a minute per credential, never as a change).

use crate::credentials::method::{CredentialKind, CredentialRef};
use crate::credentials::rotation::CredentialSerial;
use crate::test_support::*;

fn registered(f: &Fakes) -> (OAuthApplication, String) {
    let r = block_on(f.service().register(&admin(), register_cmd())).unwrap();
    let secret = r.client_secret.unwrap().expose().to_owned();
    (r.application, secret)
}

fn authenticates(f: &Fakes, app: &OAuthApplication, secret: &str) -> bool {
    let answer = block_on(f.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        secret,
    ))
    .unwrap();
    matches!(answer, ClientAuthentication::Valid(_))
}

fn secret_number(n: u32) -> CredentialRef {
    CredentialRef {
        kind: CredentialKind::Secret,
        serial: CredentialSerial::new(n).unwrap(),
    }
}

#[test]
fn a_new_secret_shows_when_it_was_issued_its_hint_and_no_use() {
    let f = Fakes::new();
    let (app, secret) = registered(&f);
    let current = app.credentials().current_credential().unwrap();
    assert_eq!(current.credential, secret_number(1));
    assert_eq!(current.created_at, at(NOW));
    assert_eq!((current.expires_at, current.last_used_at), (None, None));
    let hint = current.hint.unwrap();
    assert_eq!(hint.len(), 4);
    assert!(secret.ends_with(&hint));
    assert_eq!(app.credentials().previous_credential(), None);
}

#[test]
fn a_use_is_written_once_a_minute_and_is_not_a_change() {
    let f = Fakes::new();
    let (app, secret) = registered(&f);
    let events = f.repo.event_count();
    assert!(authenticates(&f, &app, &secret));
    let stored = f.stored(&app);
    let current = stored.credentials().current_credential().unwrap();
    assert_eq!(current.last_used_at, Some(at(NOW)));
    assert_eq!(stored.version(), app.version());
    assert_eq!(stored.updated_at(), app.updated_at());
    assert_eq!(f.repo.event_count(), events, "a use is no audit event");
    assert_eq!(f.repo.uses_written(), 1);

    // Within the minute: no write at all (the loaded application says it is recent).
    f.clock.advance(59);
    assert!(authenticates(&f, &app, &secret));
    assert_eq!(f.repo.uses_written(), 1);
    // A minute on: written again.
    f.clock.advance(1);
    assert!(authenticates(&f, &app, &secret));
    assert_eq!(f.repo.uses_written(), 2);
    assert_eq!(
        f.stored(&app).credentials().last_used(secret_number(1)),
        Some(at(NOW + 60))
    );
    // A failed authentication is no use.
    f.clock.advance(600);
    assert!(!authenticates(&f, &app, "oas_wrong"));
    assert_eq!(f.repo.uses_written(), 2);
}

#[test]
fn after_a_rotation_each_secret_keeps_its_own_uses() {
    let f = Fakes::new();
    let (app, old) = registered(&f);
    assert!(authenticates(&f, &app, &old));
    f.clock.advance(100);
    let rotated = block_on(
        f.service()
            .rotate_secret(&admin(), &by_client_id(&app), Some(3600)),
    )
    .unwrap();
    let new = rotated.client_secret.expose().to_owned();
    let credentials = f.stored(&app).credentials().clone();
    let current = credentials.current_credential().unwrap();
    let previous = credentials.previous_credential().unwrap();
    assert_eq!(current.credential, secret_number(2));
    assert_eq!(
        (current.created_at, current.last_used_at),
        (at(NOW + 100), None)
    );
    assert!(new.ends_with(current.hint.as_deref().unwrap()));
    assert_eq!(previous.credential, secret_number(1));
    assert_eq!(previous.last_used_at, Some(at(NOW)));
    assert_eq!(previous.expires_at, Some(at(NOW + 3700)));
    assert!(old.ends_with(previous.hint.as_deref().unwrap()));

    // The old secret, still in its grace period, is noted against itself.
    f.clock.advance(10);
    assert!(authenticates(&f, &app, &old));
    let stored = f.stored(&app);
    assert_eq!(
        stored.credentials().last_used(secret_number(1)),
        Some(at(NOW + 110))
    );
    assert_eq!(stored.credentials().last_used(secret_number(2)), None);
    assert!(authenticates(&f, &app, &new));
    assert_eq!(
        f.stored(&app).credentials().last_used(secret_number(2)),
        Some(at(NOW + 110))
    );
}

#[test]
fn a_change_does_not_undo_a_use_noted_while_it_was_computed() {
    let f = Fakes::new();
    let (app, secret) = registered(&f);
    // The loaded application is from before the use; the update writes it back renamed.
    let before = f.stored(&app);
    assert!(authenticates(&f, &app, &secret));
    let renamed = before.with_status(Status::Revoked, at(NOW + 1));
    block_on(f.repo.update(
        &renamed,
        before.version(),
        &by_admin(AuditAction::Disabled, &[]),
    ))
    .unwrap();
    assert_eq!(
        f.stored(&app).credentials().last_used(secret_number(1)),
        Some(at(NOW))
    );
}

#[test]
fn with_telemetry_off_nothing_is_written() {
    let mut f = Fakes::new();
    f.config.record_credential_use = false;
    let (app, secret) = registered(&f);
    assert!(authenticates(&f, &app, &secret));
    assert_eq!(f.repo.uses_written(), 0);
    assert_eq!(
        f.stored(&app).credentials().last_used(secret_number(1)),
        None
    );
}

#[test]
fn a_use_that_cannot_be_written_does_not_fail_the_authentication() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.repo
        .expect_record_use()
        .times(1)
        .returning(|_, _, _| Err(RepositoryError::Unavailable("down".into())));
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        ClientSecret::from_random_bytes(&[1; 32]).expose(),
    ))
    .unwrap();
    assert!(matches!(answer, ClientAuthentication::Valid(_)));
}

#[test]
fn public_clients_show_no_credential() {
    let f = Fakes::new();
    let app = block_on(f.service().register(
        &admin(),
        RegisterApplication {
            app_type: Some("native".into()),
            redirect_urls: vec!["http://127.0.0.1/cb".into()],
            token_endpoint_auth_method: Some("none".into()),
            ..register_cmd()
        },
    ))
    .unwrap()
    .application;
    assert_eq!(app.credentials().current_credential(), None);
    assert_eq!(app.credentials().previous_credential(), None);
}

#[test]
fn a_use_loaded_as_recent_costs_no_write() {
    // Loaded with a use 59 s ago: storage is not asked (the mock expects no record_use).
    let app = sample(1, "acme").with_recorded_use(secret_number(1), at(NOW - 59));
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _, _| Ok(true));
    let service = m.service();
    let answer = block_on(service.authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        ClientSecret::from_random_bytes(&[1; 32]).expose(),
    ))
    .unwrap();
    assert!(matches!(answer, ClientAuthentication::Valid(_)));

    // Loaded with a use 60 s ago: written, against the secret that matched.
    let app = sample(1, "acme").with_recorded_use(secret_number(1), at(NOW - 60));
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.repo
        .expect_record_use()
        .withf(move |id, credential, when| {
            *id == app.id() && *credential == secret_number(1) && *when == at(NOW)
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &sample(1, "acme").client_id().to_string(),
        ClientSecret::from_random_bytes(&[1; 32]).expose(),
    ))
    .unwrap();
    assert!(matches!(answer, ClientAuthentication::Valid(_)));
}
