//! `disable` and `enable`.

use crate::test_support::*;

#[test]
fn disable_and_enable_change_the_status_once() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let disabled = block_on(service.disable(&admin(), &by_client_id(&app))).unwrap();
    assert!(disabled.is_disabled());
    assert_eq!(disabled.version().get(), 2);
    assert_eq!(f.stored(&app), disabled);

    // Enabling the disabled app.
    let enabled = block_on(service.enable(&admin(), &by_client_id(&app))).unwrap();
    assert!(!enabled.is_disabled());
    assert_eq!(enabled.version().get(), 3);
    assert_eq!(f.stored(&app), enabled);

    assert_eq!(
        f.written(),
        [
            (
                app.id(),
                by_admin(AuditAction::Disabled, &[ChangedField::Status])
            ),
            (
                app.id(),
                by_admin(AuditAction::Enabled, &[ChangedField::Status])
            ),
        ]
    );
}

#[test]
fn disabling_twice_and_enabling_an_active_app_write_nothing() {
    let app = sample(1, "acme");
    let disabled = app.with_status(Status::Revoked, at(2000));
    let f = Fakes::storing(&[&disabled]);
    assert_eq!(
        block_on(f.service().disable(&admin(), &by_client_id(&app))).unwrap(),
        disabled
    );
    f.assert_nothing_written();
    let f = Fakes::storing(&[&app]);
    assert_eq!(
        block_on(f.service().enable(&admin(), &by_client_id(&app))).unwrap(),
        app
    );
    f.assert_nothing_written();
}

#[test]
fn status_changes_enforce_the_policy_and_report_conflicts() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let err = block_on(service.disable(&member(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::Forbidden(_)));
    let err = block_on(service.enable(&outsider(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::NotFound));
    f.assert_nothing_written();

    let mut m = Mocks::new().finds(&app);
    m.config.max_write_attempts = 2;
    m.repo
        .expect_update()
        .times(2)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(m.service().disable(&admin(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::Conflict));

    let mut m = Mocks::new();
    m.repo
        .expect_find_by_client_id()
        .returning(|_| Err(unavailable()));
    let err = block_on(m.service().disable(&admin(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::Unavailable(_)));
}

/// A status change through an update (the v1 PATCH's `status`) is the same event as
/// `disable` / `enable`; with other fields it records both, in one write.
#[test]
fn a_status_change_by_update_is_a_disable_or_an_enable() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let status = |status: &str| ApplicationPatch {
        status: Some(status.into()),
        ..ApplicationPatch::default()
    };
    let disabled =
        block_on(service.update(&admin(), &by_client_id(&app), &status("revoked"), None)).unwrap();
    assert!(disabled.is_disabled());
    assert_eq!(
        f.only_write(),
        (
            app.id(),
            by_admin(AuditAction::Disabled, &[ChangedField::Status])
        )
    );

    let renamed_and_enabled = ApplicationPatch {
        name: Some("Renamed".into()),
        ..status("active")
    };
    let enabled =
        block_on(service.update(&admin(), &by_client_id(&app), &renamed_and_enabled, None))
            .unwrap();
    assert!(!enabled.is_disabled());
    assert_eq!(enabled.version().get(), 3, "one write");
    assert_eq!(
        f.written()[1..],
        [
            (
                app.id(),
                by_admin(AuditAction::Updated, &[ChangedField::Name])
            ),
            (
                app.id(),
                by_admin(AuditAction::Enabled, &[ChangedField::Status])
            ),
        ]
    );
    // The same status again changes nothing.
    block_on(service.update(&admin(), &by_client_id(&app), &status("active"), None)).unwrap();
    assert_eq!(f.written().len(), 3);
}
