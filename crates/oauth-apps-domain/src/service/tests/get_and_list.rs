//! `get`, `list` (keyset pages) and `list_page` (numbered pages).

use mockall::predicate::eq;

use super::*;

#[test]
fn members_get_apps_of_their_org() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    assert_eq!(
        block_on(service.get(&member(), &by_client_id(&app))).unwrap(),
        app
    );
    assert_eq!(
        block_on(service.get(&admin(), &by_client_id(&app))).unwrap(),
        app
    );
    assert_eq!(
        block_on(service.get(&platform_admin(), &by_client_id(&app))).unwrap(),
        app
    );
    let err = block_on(service.get(&outsider(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, GetError::NotFound));
}

#[test]
fn get_by_org_and_id_asks_for_that_org() {
    let app = sample(4, "acme");
    let mut m = Mocks::new();
    let found = app.clone();
    m.repo
        .expect_find_by_org_and_id()
        .withf(|org, id| org.as_str() == "acme" && id.get() == 4)
        .returning(move |_, _| Ok(Some(found.clone())));
    let target = AppRef::InOrg {
        org: OrgId::parse("acme").unwrap(),
        id: AppId::new(4).unwrap(),
    };
    assert_eq!(block_on(m.service().get(&member(), &target)).unwrap(), app);
}

#[test]
fn get_reports_missing_apps_and_storage_failures() {
    let mut m = Mocks::new();
    m.repo.expect_find_by_client_id().returning(|_| Ok(None));
    let target = AppRef::ClientId(ClientId::from_random_bytes([9; 16]));
    let err = block_on(m.service().get(&platform_admin(), &target)).unwrap_err();
    assert!(matches!(err, GetError::NotFound));

    let mut m = Mocks::new();
    m.repo
        .expect_find_by_client_id()
        .returning(|_| Err(unavailable()));
    let err = block_on(m.service().get(&platform_admin(), &target)).unwrap_err();
    assert!(matches!(err, GetError::Unavailable(_)));
}

#[test]
fn list_returns_a_page_and_the_cursor_of_its_last_item() {
    let mut m = Mocks::new();
    let apps: Vec<_> = (1..=3).rev().map(|i| sample(i, "acme")).collect();
    let given = apps.clone();
    m.repo
        .expect_list_after()
        .with(eq(OrgId::parse("acme").unwrap()), eq(None), eq(3))
        .returning(move |_, _, _| Ok(given.clone()));
    let page = block_on(m.service().list(&member(), "acme", Some(2), None)).unwrap();
    assert_eq!(page.items, apps[..2]);
    let cursor = page.next_cursor.unwrap();
    assert_eq!(cursor.id, apps[1].id());
    assert_eq!(cursor.created_at, apps[1].created_at());
}

#[test]
fn list_passes_the_cursor_and_ends_without_one() {
    let cursor = Cursor {
        created_at: at(1000),
        id: AppId::new(2).unwrap(),
    };
    let mut m = Mocks::new();
    let last = vec![sample(1, "acme")];
    let given = last.clone();
    m.repo
        .expect_list_after()
        .with(eq(OrgId::parse("acme").unwrap()), eq(Some(cursor)), eq(21))
        .returning(move |_, _, _| Ok(given.clone()));
    let page = block_on(
        m.service()
            .list(&admin(), "acme", None, Some(&cursor.encode())),
    )
    .unwrap();
    assert_eq!(page.items, last);
    assert_eq!(page.next_cursor, None);

    // A full page that is also the last one has no cursor either.
    let mut m = Mocks::new();
    let two: Vec<_> = (1..=2).map(|i| sample(i, "acme")).collect();
    m.repo
        .expect_list_after()
        .returning(move |_, _, _| Ok(two.clone()));
    let page = block_on(m.service().list(&admin(), "acme", Some(2), None)).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_cursor, None);
}

#[test]
fn list_names_bad_parameters() {
    let service = Mocks::new().service();
    let err =
        block_on(service.list(&platform_admin(), "bad org", Some(0), Some("%%"))).unwrap_err();
    let ListError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [Field::OwnerOrgId, Field::Limit, Field::Cursor]
    );
    let err = block_on(service.list(&platform_admin(), "acme", Some(101), None)).unwrap_err();
    assert!(matches!(err, ListError::Invalid(e) if fields(&e) == [Field::Limit]));
}

#[test]
fn list_hides_other_orgs_and_reports_storage_failures() {
    let service = Mocks::new().service();
    let err = block_on(service.list(&outsider(), "acme", None, None)).unwrap_err();
    assert!(matches!(err, ListError::NotFound));
    let err = block_on(service.list_page(&outsider(), "acme", None, None)).unwrap_err();
    assert!(matches!(err, ListError::NotFound));

    let mut m = Mocks::new();
    m.repo
        .expect_list_after()
        .returning(|_, _, _| Err(unavailable()));
    m.repo
        .expect_list_page()
        .returning(|_, _, _| Err(unavailable()));
    let service = m.service();
    let err = block_on(service.list(&admin(), "acme", None, None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let err = block_on(service.list_page(&admin(), "acme", None, None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[test]
fn list_page_computes_the_offset_and_returns_the_total() {
    let mut m = Mocks::new();
    let apps = vec![sample(5, "acme")];
    let given = apps.clone();
    m.repo
        .expect_list_page()
        .with(eq(OrgId::parse("acme").unwrap()), eq(20u64), eq(10))
        .returning(move |_, _, _| Ok((given.clone(), 21)));
    let page = block_on(m.service().list_page(&member(), "acme", Some(3), Some(10))).unwrap();
    assert_eq!(page.items, apps);
    assert_eq!(page.total, 21);
    assert_eq!(page.page.get(), 3);
    assert_eq!(page.per_page.get(), 10);
}

#[test]
fn list_page_names_bad_parameters() {
    let service = Mocks::new().service();
    let err = block_on(service.list_page(&admin(), "", Some(0), Some(1000))).unwrap_err();
    let ListError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [Field::OwnerOrgId, Field::Page, Field::Limit]
    );
}
