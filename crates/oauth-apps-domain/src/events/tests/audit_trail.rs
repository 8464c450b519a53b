//! `events`: an application's audit trail, page by page.

use crate::shared::operation_error::Failure;
use crate::test_support::*;

#[test]
fn admins_read_the_audit_trail_page_by_page() {
    let f = Fakes::new();
    let service = f.service();
    let register = || {
        block_on(service.register(&admin(), register_cmd()))
            .unwrap()
            .application
    };
    let rename = |app: &OAuthApplication, name: &str| {
        let patch = ApplicationPatch {
            name: Some(name.into()),
            ..ApplicationPatch::default()
        };
        block_on(service.update(&admin(), &by_client_id(app), &patch, None)).unwrap();
    };
    // Events 1 to 5, of two applications.
    let app = register();
    let other = register();
    rename(&app, "A2");
    rename(&other, "B2");
    rename(&app, "A3");
    let trail: Vec<_> = f
        .written()
        .into_iter()
        .zip(1..)
        .map(|((_, event), id)| StoredAuditEvent { id, event })
        .collect();

    let first = block_on(service.events(&admin(), &by_client_id(&app), Some(2), None)).unwrap();
    assert_eq!(first.items, [trail[4].clone(), trail[2].clone()]);
    assert_eq!(first.next_cursor.as_deref(), Some("3"));
    let second =
        block_on(service.events(&admin(), &by_client_id(&app), Some(2), Some("3"))).unwrap();
    assert_eq!(second.items, [trail[0].clone()]);
    assert_eq!(second.items[0].event.action, AuditAction::Created);
    assert_eq!(second.next_cursor, None);

    // A full page that is also the last one has no cursor.
    let last = block_on(service.events(&admin(), &by_client_id(&app), Some(3), None)).unwrap();
    assert_eq!(last.items.len(), 3);
    assert_eq!(last.next_cursor, None);
}

#[test]
fn the_audit_trail_is_for_admins_of_the_owner_only() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.events(&member(), &by_client_id(&app), None, None)).unwrap_err();
    assert!(matches!(err, EventsError::Forbidden(_)));
    let err = block_on(service.events(&outsider(), &by_client_id(&app), None, None)).unwrap_err();
    assert!(matches!(err, EventsError::NotFound));
}

#[test]
fn the_audit_trail_names_bad_parameters_and_storage_failures() {
    let app = sample(1, "acme");
    let service = Mocks::new().service();
    for cursor in ["x", "0", "-4"] {
        let err = block_on(service.events(&admin(), &by_client_id(&app), Some(0), Some(cursor)))
            .unwrap_err();
        let EventsError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields(&errors), [Field::Limit, Field::Cursor]);
    }
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_list_events()
        .returning(|_, _, _| Err(unavailable()));
    let err = block_on(
        m.service()
            .events(&admin(), &by_client_id(&app), None, None),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(
        EventsError::from(Failure::Conflict).kind(),
        ErrorKind::Internal
    );
}
