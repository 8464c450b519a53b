//! `authenticate_client`: valid secrets, and failures that all cost the same work.

use crate::shared::errors::HasherError;
use crate::test_support::*;

fn good_client_secret() -> ClientSecret {
    ClientSecret::from_random_bytes(&[0x11; 32])
}

fn good_secret() -> String {
    good_client_secret().expose().to_owned()
}

/// `secret` hashed by the fake hasher.
fn fake_hash(secret: &ClientSecret) -> SecretHash {
    block_on(FakeHasher::new().hash(secret, "test")).unwrap()
}

/// `sample(1, "acme")` with [`good_secret`] as its current secret, hashed by the fake
/// hasher.
fn app_with_good_secret() -> OAuthApplication {
    let app = sample(1, "acme");
    let secrets = app.secrets().unwrap();
    let good = secrets.with_credential_of(secrets.current().serial, |s| {
        s.hash = fake_hash(&good_client_secret());
    });
    OAuthApplication::restore(StoredApplication {
        secrets: Some(good),
        ..app.to_stored()
    })
    .unwrap()
}

#[test]
fn the_current_secret_authenticates_an_active_app() {
    let app = app_with_good_secret();
    let f = Fakes::storing(&[&app]);
    let answer = block_on(f.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert_eq!(answer, ClientAuthentication::Valid(Box::new(app)));
}

#[test]
fn the_previous_secret_authenticates_during_its_grace_period_only() {
    // Rotated now with ten minutes' grace: the good secret is the previous one.
    let new_secret = ClientSecret::from_random_bytes(&[0x22; 32]);
    let app = app_with_good_secret()
        .rotated(
            fake_hash(&new_secret),
            None,
            GracePeriod::from_seconds(600).unwrap(),
            at(NOW),
        )
        .unwrap();
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let client_id = app.client_id().to_string();
    let authenticate = |who: &Principal, secret: &str| {
        block_on(service.authenticate_client(who, &client_id, secret)).unwrap()
    };

    f.clock.advance(599);
    let answer = authenticate(&platform_admin(), &good_secret());
    assert!(matches!(answer, ClientAuthentication::Valid(_)));

    f.clock.advance(1);
    let answer = authenticate(&authenticator(), &good_secret());
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );
    let answer = authenticate(&authenticator(), new_secret.expose());
    assert!(matches!(answer, ClientAuthentication::Valid(_)));
}

#[test]
fn after_the_grace_period_only_the_current_secret_is_tried() {
    let app = rotated_app(); // previous "current" valid until 4600
    let mut m = Mocks::new().finds(&app).hashes_to("dummy");
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at(4600));
    m.clock = clock;
    // Only the current secret is tried once the grace period is over; the second
    // verification is against the dummy hash, as for any failure.
    let mut seq = mockall::Sequence::new();
    m.hasher
        .expect_verify()
        .withf(|_, h, _| h == &hash("new"))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(false));
    m.hasher
        .expect_verify()
        .withf(|_, h, _| h == &hash("dummy"))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(false));
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );
}

/// The hashes a failed authentication was verified against, in order.
fn verified_on_failure(app: Option<&OAuthApplication>, now: i64) -> Vec<SecretHash> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut m = match app {
        Some(app) => Mocks::new().finds(app),
        None => {
            let mut m = Mocks::new();
            m.repo.expect_find_by_client_id().returning(|_| Ok(None));
            m
        }
    }
    .hashes_to("dummy");
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at(now));
    m.clock = clock;
    let record = seen.clone();
    m.hasher.expect_verify().returning(move |_, h, _| {
        record.lock().unwrap().push(h.clone());
        Ok(false)
    });
    let client_id = app.map_or_else(
        || ClientId::from_random_bytes([5; 16]).to_string(),
        |a| a.client_id().to_string(),
    );
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &client_id,
        &good_secret(),
    ))
    .unwrap();
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );
    seen.lock().unwrap().clone()
}

#[test]
fn every_failure_costs_the_same_two_verifications() {
    let app = sample(1, "acme");
    let rotated = rotated_app(); // previous "current" valid until 4600
    let disabled = app.with_status(Status::Revoked, at(2000));
    // Unknown client: the dummy twice.
    assert_eq!(
        verified_on_failure(None, 3000),
        [hash("dummy"), hash("dummy")]
    );
    // Wrong secret, no previous secret: the current one, then the dummy.
    assert_eq!(
        verified_on_failure(Some(&app), 3000),
        [hash("current"), hash("dummy")]
    );
    // Wrong secret during a grace period: current and previous, no more.
    assert_eq!(
        verified_on_failure(Some(&rotated), 4599),
        [hash("new"), hash("current")]
    );
    // After the grace period: the current one, then the dummy.
    assert_eq!(
        verified_on_failure(Some(&rotated), 4600),
        [hash("new"), hash("dummy")]
    );
    // A disabled app: its hashes are never consulted (a real secret would match them).
    assert_eq!(
        verified_on_failure(Some(&disabled), 3000),
        [hash("dummy"), hash("dummy")]
    );
}

#[test]
fn a_disabled_apps_real_secret_is_refused_without_consulting_its_hashes() {
    let app = sample(1, "acme");
    let disabled = app.with_status(Status::Revoked, at(2000));
    let mut m = Mocks::new().finds(&disabled).hashes_to("dummy");
    // A hasher that accepts the app's real hash: it must never be asked about it.
    m.hasher
        .expect_verify()
        .withf(|_, h, _| h == &hash("dummy"))
        .times(2)
        .returning(|_, _, _| Ok(false));
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );
}

#[test]
fn a_disabled_apps_real_secret_is_refused_until_it_is_enabled() {
    let app = app_with_good_secret().with_status(Status::Revoked, at(2000));
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let client_id = app.client_id().to_string();
    // The hasher would accept the secret: the application's status alone refuses it.
    let answer =
        block_on(service.authenticate_client(&authenticator(), &client_id, &good_secret()))
            .unwrap();
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );

    block_on(service.enable(&admin(), &by_client_id(&app))).unwrap();
    let answer =
        block_on(service.authenticate_client(&authenticator(), &client_id, &good_secret()))
            .unwrap();
    assert!(matches!(answer, ClientAuthentication::Valid(_)));
}

#[test]
fn an_unknown_client_is_verified_against_a_dummy_hash_made_once() {
    let mut m = Mocks::new().hashes_to("dummy");
    m.repo.expect_find_by_client_id().returning(|_| Ok(None));
    m.hasher
        .expect_verify()
        .withf(|_, h, _| h == &hash("dummy"))
        .times(6)
        .returning(|_, _, _| Ok(false));
    let service = m.service();
    let unknown = ClientId::from_random_bytes([5; 16]).to_string();
    for client_id in [unknown.as_str(), unknown.as_str(), "not-a-uuid"] {
        let answer =
            block_on(service.authenticate_client(&authenticator(), client_id, &good_secret()))
                .unwrap();
        assert!(
            matches!(answer, ClientAuthentication::Invalid(_)),
            "{answer:?}"
        );
    }
}

#[test]
fn a_malformed_secret_is_invalid_without_any_lookup() {
    let service = Mocks::new().service();
    let client_id = ClientId::from_random_bytes([5; 16]).to_string();
    for secret in ["", "hunter2", &good_secret()[..20]] {
        let answer =
            block_on(service.authenticate_client(&authenticator(), &client_id, secret)).unwrap();
        assert!(
            matches!(answer, ClientAuthentication::Invalid(_)),
            "{answer:?}"
        );
    }
}

#[test]
fn only_authenticators_may_verify_secrets() {
    let service = Mocks::new().service();
    for who in [admin(), member(), outsider()] {
        let err = block_on(service.authenticate_client(&who, "x", &good_secret())).unwrap_err();
        assert!(matches!(err, AuthenticateError::Forbidden(_)));
    }
}

#[test]
fn authentication_reports_port_failures() {
    let client_id = ClientId::from_random_bytes([5; 16]).to_string();
    let mut m = Mocks::new();
    m.repo
        .expect_find_by_client_id()
        .returning(|_| Err(unavailable()));
    let err = block_on(m.service().authenticate_client(
        &authenticator(),
        &client_id,
        &good_secret(),
    ))
    .unwrap_err();
    assert!(matches!(err, AuthenticateError::Unavailable(_)));

    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .returning(|_, _, _| Err(HasherError::Unexpected("bad hash".into())));
    let err = block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap_err();
    assert!(matches!(err, AuthenticateError::Unexpected(_)));

    let mut m = Mocks::new();
    m.repo.expect_find_by_client_id().returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .returning(|_, _| Err(HasherError::Busy));
    let err = block_on(m.service().authenticate_client(
        &authenticator(),
        &client_id,
        &good_secret(),
    ))
    .unwrap_err();
    assert!(matches!(err, AuthenticateError::Unavailable(_)));
}

#[test]
fn verification_names_the_caller_it_is_for() {
    // The hasher shares its capacity between callers: it is told whose request each job
    // serves.
    let app = sample(1, "acme");
    let mut hasher = MockSecretHasher::new();
    hasher
        .expect_verify()
        .withf(|_, _, requester| requester == "as")
        .times(1)
        .returning(|_, _, _| Ok(true));
    let f = Fakes::storing(&[&app]).with_hasher(hasher);
    let answer = block_on(f.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert_eq!(answer, ClientAuthentication::Valid(Box::new(app)));
}
