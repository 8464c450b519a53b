//! `rotate_secret` and `revoke_previous_secret`.

use crate::shared::errors::HasherError;
use crate::test_support::*;

#[test]
fn rotation_with_grace_keeps_the_old_secret_until_it_ends() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let rotated = block_on(
        f.service()
            .rotate_secret(&admin(), &by_client_id(&app), Some(3600)),
    )
    .unwrap();
    let secret = rotated.client_secret.expose();
    assert!(is_well_formed_secret(secret));
    assert_eq!(rotated.application.version().get(), 2);

    // Written over version 1 (storage compares and sets).
    let stored = f.stored(&app);
    assert_eq!(stored, rotated.application);
    assert!(is_fake_hash_of(
        secret,
        &stored.secrets().unwrap().current().credential.hash
    ));
    assert!(
        stored
            .secrets()
            .unwrap()
            .previous()
            .is_some_and(
                |p| p.issued.credential.hash == hash("current") && p.expires_at == at(NOW + 3600)
            )
    );
    assert_eq!(
        f.only_write(),
        (
            app.id(),
            by_admin(AuditAction::SecretRotated, &[ChangedField::Secret])
        )
    );
}

#[test]
fn rotation_without_grace_revokes_the_old_secret_at_once() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let rotated = block_on(
        f.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap();
    let stored = f.stored(&app);
    assert_eq!(stored, rotated.application);
    assert!(stored.secrets().unwrap().previous().is_none());
    assert!(is_fake_hash_of(
        rotated.client_secret.expose(),
        &stored.secrets().unwrap().current().credential.hash
    ));
}

#[test]
fn rotation_refuses_a_bad_grace_period_before_anything_else() {
    let app = sample(1, "acme");
    let service = Mocks::new().service();
    for bad in [-1, 604_801] {
        let err =
            block_on(service.rotate_secret(&admin(), &by_client_id(&app), Some(bad))).unwrap_err();
        assert!(
            matches!(&err, RotateSecretError::Invalid(e) if fields(e) == [Field::GracePeriodSeconds])
        );
    }
}

#[test]
fn a_disabled_apps_secret_cannot_be_rotated() {
    let disabled = sample(1, "acme").with_status(Status::Revoked, at(2000));
    // No hash is paid for.
    let service = Mocks::new().finds(&disabled).service();
    let err =
        block_on(service.rotate_secret(&admin(), &by_client_id(&disabled), None)).unwrap_err();
    assert!(matches!(err, RotateSecretError::Revoked));
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn an_app_disabled_during_rotation_is_not_rotated() {
    let app = sample(1, "acme");
    let disable = |app: &OAuthApplication| app.with_status(Status::Revoked, at(NOW));
    // The new secret is hashed once, before the write; the lost race does not hash again.
    let mut hasher = MockSecretHasher::new();
    hasher
        .expect_hash()
        .times(1)
        .returning(|_, _| Ok(hash("new")));
    // Someone disables the application between our read and our write.
    let f = Fakes::storing(&[&app]).with_hasher(hasher).racing(disable);
    let err = block_on(
        f.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap_err();
    assert!(matches!(err, RotateSecretError::Revoked));
    assert_eq!(f.stored(&app), disable(&app));
    assert_eq!(
        f.stored(&app).secrets().unwrap().current().credential.hash,
        hash("current")
    );
    assert_eq!(f.writers(), ["rival"]);
}

#[test]
fn rotation_enforces_the_policy_and_reports_failures() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.rotate_secret(&member(), &by_client_id(&app), None)).unwrap_err();
    assert!(matches!(err, RotateSecretError::Forbidden(_)));
    let err = block_on(service.rotate_secret(&outsider(), &by_client_id(&app), None)).unwrap_err();
    assert!(matches!(err, RotateSecretError::NotFound));

    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_hash()
        .returning(|_, _| Err(HasherError::Busy));
    let err = block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap_err();
    assert!(matches!(err, RotateSecretError::Unavailable(_)));

    let mut m = Mocks::new().finds(&app).hashes_to("n");
    m.config.max_write_attempts = 1;
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap_err();
    assert!(matches!(err, RotateSecretError::Conflict));
}

#[test]
fn revoking_the_previous_secret_ends_its_grace_now() {
    let app = rotated_app();
    let f = Fakes::storing(&[&app]);
    let revoked = block_on(
        f.service()
            .revoke_previous_secret(&admin(), &by_client_id(&app)),
    )
    .unwrap();
    assert!(revoked.secrets().unwrap().previous().is_none());
    // Written over version 2 (storage compares and sets).
    assert_eq!(revoked.version().get(), 3);
    let stored = f.stored(&app);
    assert_eq!(stored, revoked);
    assert!(stored.secrets().unwrap().previous().is_none());
    assert_eq!(
        stored.secrets().unwrap().current().credential.hash,
        hash("new")
    );
    assert_eq!(
        f.only_write(),
        (
            app.id(),
            by_admin(AuditAction::PreviousSecretRevoked, &[ChangedField::Secret])
        )
    );
}

#[test]
fn revoking_without_a_previous_secret_writes_nothing() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    assert_eq!(
        block_on(
            f.service()
                .revoke_previous_secret(&admin(), &by_client_id(&app))
        )
        .unwrap(),
        app
    );
    f.assert_nothing_written();
}

#[test]
fn revoking_enforces_the_policy_and_reports_failures() {
    let app = rotated_app();
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let err = block_on(service.revoke_previous_secret(&member(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::Forbidden(_)));
    let err =
        block_on(service.revoke_previous_secret(&outsider(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::NotFound));
    f.assert_nothing_written();

    let mut m = Mocks::new().finds(&app);
    m.config.max_write_attempts = 1;
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(
        m.service()
            .revoke_previous_secret(&admin(), &by_client_id(&app)),
    )
    .unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::Conflict));

    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(unavailable()));
    let err = block_on(
        m.service()
            .revoke_previous_secret(&admin(), &by_client_id(&app)),
    )
    .unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::Unavailable(_)));
}

#[test]
fn rotation_loads_the_application_once() {
    // Access and state are checked on the application loaded before the hash; the
    // compare-and-set starts from that same load.
    let app = sample(1, "acme");
    let mut m = Mocks::new().hashes_to("new");
    let found = app.clone();
    m.repo
        .expect_find_by_client_id()
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
    let version = app.version();
    m.repo
        .expect_update()
        .withf(move |next, expected, _| *expected == version && next.version() > version)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let rotated = block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap();
    assert_eq!(
        rotated
            .application
            .secrets()
            .unwrap()
            .current()
            .credential
            .hash,
        hash("new")
    );
}
