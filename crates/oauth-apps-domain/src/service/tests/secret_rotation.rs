//! `rotate_secret` and `revoke_previous_secret`.

use mockall::Sequence;

use super::*;
use crate::ports::HasherError;

#[test]
fn rotation_with_grace_keeps_the_old_secret_until_it_ends() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app).hashes_to("new");
    m.repo
        .expect_update()
        .withf(|next, expected, e| {
            expected.get() == 1
                && next.secrets().current() == &hash("new")
                && next
                    .secrets()
                    .previous()
                    .is_some_and(|p| p.hash == hash("current") && p.expires_at == at(NOW + 3600))
                && e.action == AuditAction::SecretRotated
                && e.changed_fields == [Field::Secret]
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let rotated = block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), Some(3600)),
    )
    .unwrap();
    assert!(is_well_formed_secret(rotated.client_secret.expose()));
    assert_eq!(rotated.application.version().get(), 2);
}

#[test]
fn rotation_without_grace_revokes_the_old_secret_at_once() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app).hashes_to("new");
    m.repo
        .expect_update()
        .withf(|next, _, _| next.secrets().previous().is_none())
        .times(1)
        .returning(|_, _, _| Ok(()));
    block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap();
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
    let disabled = app.with_status(Status::Revoked, at(2000));
    let mut m = Mocks::new().hashes_to("new");
    let mut reads = Sequence::new();
    let first = app.clone();
    // Loaded once before the hash (the compare-and-set starts from it), then again after
    // the lost race.
    m.repo
        .expect_find_by_client_id()
        .times(1)
        .in_sequence(&mut reads)
        .returning(move |_| Ok(Some(first.clone())));
    let second = disabled.clone();
    m.repo
        .expect_find_by_client_id()
        .times(1)
        .in_sequence(&mut reads)
        .returning(move |_| Ok(Some(second.clone())));
    m.repo
        .expect_update()
        .times(1)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(
        m.service()
            .rotate_secret(&admin(), &by_client_id(&app), None),
    )
    .unwrap_err();
    assert!(matches!(err, RotateSecretError::Revoked));
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
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, expected, e| {
            next.secrets().previous().is_none()
                && next.secrets().current() == &hash("new")
                && expected.get() == 2
                && e.action == AuditAction::PreviousSecretRevoked
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let app = block_on(
        m.service()
            .revoke_previous_secret(&admin(), &by_client_id(&app)),
    )
    .unwrap();
    assert!(app.secrets().previous().is_none());
}

#[test]
fn revoking_without_a_previous_secret_writes_nothing() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    assert_eq!(
        block_on(service.revoke_previous_secret(&admin(), &by_client_id(&app))).unwrap(),
        app
    );
}

#[test]
fn revoking_enforces_the_policy_and_reports_failures() {
    let app = rotated_app();
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.revoke_previous_secret(&member(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::Forbidden(_)));
    let err =
        block_on(service.revoke_previous_secret(&outsider(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, RevokePreviousSecretError::NotFound));

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
