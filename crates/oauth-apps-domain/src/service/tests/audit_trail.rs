//! `events`: an application's audit trail, page by page.

use mockall::predicate::eq;

use super::*;
use crate::service::errors::Failure;

fn stored_event(id: i64) -> crate::ports::StoredAuditEvent {
    crate::ports::StoredAuditEvent {
        id,
        event: AuditEvent {
            action: AuditAction::Updated,
            actor: "alice".into(),
            request_id: None,
            client_request_id: None,
            changed_fields: vec![Field::Name],
            at: at(id),
        },
    }
}

#[test]
fn admins_read_the_audit_trail_page_by_page() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_list_events()
        .with(eq(app.id()), eq(None), eq(3))
        .times(1)
        .returning(|_, _, _| Ok(vec![stored_event(9), stored_event(8), stored_event(7)]));
    m.repo
        .expect_list_events()
        .with(eq(app.id()), eq(Some(8)), eq(3))
        .times(1)
        .returning(|_, _, _| Ok(vec![stored_event(7)]));
    let service = m.service();
    let first = block_on(service.events(&admin(), &by_client_id(&app), Some(2), None)).unwrap();
    assert_eq!(first.items, [stored_event(9), stored_event(8)]);
    assert_eq!(first.next_cursor.as_deref(), Some("8"));
    let second =
        block_on(service.events(&admin(), &by_client_id(&app), Some(2), Some("8"))).unwrap();
    assert_eq!(second.items, [stored_event(7)]);
    assert_eq!(second.next_cursor, None);

    // A full page that is also the last one has no cursor.
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_list_events()
        .returning(|_, _, _| Ok(vec![stored_event(2), stored_event(1)]));
    let last = block_on(
        m.service()
            .events(&admin(), &by_client_id(&app), Some(2), None),
    )
    .unwrap();
    assert_eq!(last.items.len(), 2);
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
