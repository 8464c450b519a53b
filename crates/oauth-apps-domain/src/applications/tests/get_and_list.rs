//! `get`, `list` (keyset pages) and `list_page` (numbered pages).

use crate::test_support::*;

#[test]
fn members_get_apps_of_their_org() {
    let app = sample(1, "acme");
    let service = Fakes::storing(&[&app]).service();
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
    let apps: Vec<_> = (1..=4).map(|i| sample(i, "acme")).collect();
    let service = Fakes::storing(&apps.iter().collect::<Vec<_>>()).service();
    let in_org = |org: &str| AppRef::InOrg {
        org: OrgId::parse(org).unwrap(),
        id: AppId::new(4).unwrap(),
    };
    assert_eq!(
        block_on(service.get(&member(), &in_org("acme"))).unwrap(),
        apps[3]
    );
    // The same id in another organisation is another application: none here, even for
    // a platform admin, who may read every organisation's.
    let err = block_on(service.get(&platform_admin(), &in_org("globex"))).unwrap_err();
    assert!(matches!(err, GetError::NotFound));
}

#[test]
fn get_reports_missing_apps_and_storage_failures() {
    let target = AppRef::ClientId(ClientId::from_random_bytes([9; 16]));
    let service = Fakes::storing(&[&sample(1, "acme")]).service();
    let err = block_on(service.get(&platform_admin(), &target)).unwrap_err();
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
    let apps: Vec<_> = (1..=3).map(|i| sample(i, "acme")).collect();
    let theirs = sample(4, "globex");
    let f = Fakes::storing(&[&apps[0], &apps[1], &apps[2], &theirs]);
    let page = block_on(f.service().list(&member(), "acme", Some(2), None)).unwrap();
    // Newest first (same creation time: highest id first), this organisation's only.
    assert_eq!(page.items, [apps[2].clone(), apps[1].clone()]);
    let cursor = page.next_cursor.unwrap();
    assert_eq!(cursor.id, apps[1].id());
    assert_eq!(cursor.created_at, apps[1].created_at());
}

#[test]
fn list_passes_the_cursor_and_ends_without_one() {
    let apps: Vec<_> = (1..=22).map(|i| sample(i, "acme")).collect();
    let service = Fakes::storing(&apps.iter().collect::<Vec<_>>()).service();
    // Twenty to a page when not told.
    let page = block_on(service.list(&admin(), "acme", None, None)).unwrap();
    assert_eq!(page.items.len(), 20);
    assert!(page.next_cursor.is_some());

    let cursor = Cursor {
        created_at: at(1000),
        id: AppId::new(2).unwrap(),
    };
    let page = block_on(service.list(&admin(), "acme", None, Some(&cursor.encode()))).unwrap();
    assert_eq!(page.items, [apps[0].clone()]);
    assert_eq!(page.next_cursor, None);

    // A full page that is also the last one has no cursor either.
    let two: Vec<_> = (1..=2).map(|i| sample(i, "acme")).collect();
    let service = Fakes::storing(&[&two[0], &two[1]]).service();
    let page = block_on(service.list(&admin(), "acme", Some(2), None)).unwrap();
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
        .returning(|_, _, _, _| Err(unavailable()));
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
    let mut apps: Vec<_> = (1..=21).map(|i| sample(i, "acme")).collect();
    apps.push(sample(22, "globex"));
    let service = Fakes::storing(&apps.iter().collect::<Vec<_>>()).service();
    // Page 3 of 10 starts after the 20 newest: only the oldest is left.
    let page = block_on(service.list_page(&member(), "acme", Some(3), Some(10))).unwrap();
    assert_eq!(page.items, [apps[0].clone()]);
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
