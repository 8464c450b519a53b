//! Use-case tests against the `mockall` mocks of every port. A mock without an expectation
//! panics when called, so "nothing is written" is checked by setting none.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_executor::block_on;
use mockall::Sequence;
use mockall::predicate::eq;

use super::errors::Failure;
use super::*;
use crate::model::Version;
use crate::model::application::tests::{at, hash, sample};
use crate::policy::{OrgRole, PlatformRole};
use crate::ports::{
    HasherError, MockApplicationRepository, MockClock, MockRandomSource, MockSecretHasher,
    RandomError,
};

const NOW: i64 = 5000;

struct Mocks {
    repo: MockApplicationRepository,
    hasher: MockSecretHasher,
    clock: MockClock,
    random: MockRandomSource,
    config: ServiceConfig,
}

impl Mocks {
    /// A clock at `NOW` and a random source of 0x42 bytes; repository and hasher expect
    /// nothing until told.
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at(NOW));
        let mut random = MockRandomSource::new();
        random.expect_fill().returning(|buf| {
            buf.fill(0x42);
            Ok(())
        });
        Self {
            repo: MockApplicationRepository::new(),
            hasher: MockSecretHasher::new(),
            clock,
            random,
            config: ServiceConfig::default(),
        }
    }

    fn hashes_to(mut self, phc: &'static str) -> Self {
        self.hasher
            .expect_hash()
            .times(1)
            .returning(move |_, _| Ok(hash(phc)));
        self
    }

    fn finds(mut self, app: &OAuthApplication) -> Self {
        let app = app.clone();
        self.repo
            .expect_find_by_client_id()
            .returning(move |_| Ok(Some(app.clone())));
        self
    }

    fn service(self) -> ApplicationService {
        ApplicationService::new(
            Ports {
                repository: Arc::new(self.repo),
                hasher: Arc::new(self.hasher),
                clock: Arc::new(self.clock),
                random: Arc::new(self.random),
            },
            self.config,
        )
    }
}

fn admin() -> Principal {
    Principal::new("alice")
        .with_org("acme", OrgRole::Admin)
        .with_request_id("req-7")
        .with_client_request_id("order-7")
}

fn member() -> Principal {
    Principal::new("bob").with_org("acme", OrgRole::Member)
}

fn outsider() -> Principal {
    Principal::new("eve").with_org("globex", OrgRole::Admin)
}

fn platform_admin() -> Principal {
    Principal::new("root").with_role(PlatformRole::PlatformAdmin)
}

fn authenticator() -> Principal {
    Principal::new("as").with_role(PlatformRole::ClientAuthenticator)
}

fn by_client_id(app: &OAuthApplication) -> AppRef {
    AppRef::ClientId(*app.client_id())
}

fn unavailable() -> RepositoryError {
    RepositoryError::Unavailable("connection refused".into())
}

fn fields(errors: &ValidationErrors) -> Vec<Field> {
    errors.errors().iter().map(|e| e.field).collect()
}

fn register_cmd() -> RegisterApplication {
    RegisterApplication {
        owner_org_id: "acme".into(),
        name: "  Billing  ".into(),
        redirect_urls: vec!["https://billing.example.com/cb".into()],
        allowed_scopes: Some(vec!["read".into(), "workspace:write".into()]),
        ..RegisterApplication::default()
    }
}

// ---------------------------------------------------------------- register

#[test]
fn register_stores_a_valid_app_and_returns_its_secret_once() {
    let mut m = Mocks::new().hashes_to("h1");
    m.repo
        .expect_insert()
        .withf(|new, event| {
            let r = new.to_record();
            r.name == "Billing"
                && r.owner_org_id == "acme"
                && r.app_type == "web"
                && r.grant_types == ["authorization_code", "refresh_token"]
                && r.access_level == "organization"
                && r.allowed_scopes == ["read", "workspace:write"]
                && r.status == "active"
                && !r.is_first_party
                && r.current_secret_hash == "$test$h1"
                && r.created_at == at(NOW)
                && r.version == 1
                && event.action == AuditAction::Created
                && event.actor == "alice"
                && event.request_id.as_deref() == Some("req-7")
                && event.client_request_id.as_deref() == Some("order-7")
                && event.at == at(NOW)
                && event.changed_fields.contains(&Field::RedirectUrls)
        })
        .times(1)
        .returning(|_, _| Ok(AppId::new(11).unwrap()));
    let registered = block_on(m.service().register(&admin(), register_cmd())).unwrap();
    assert_eq!(registered.application.id().get(), 11);
    assert_eq!(
        registered.application.client_id(),
        &ClientId::from_random_bytes([0x42; 16])
    );
    assert!(is_well_formed_secret(registered.client_secret.expose()));
    assert_eq!(
        registered.client_secret.expose(),
        ClientSecret::from_random_bytes(&[0x42; 32]).expose()
    );
}

#[test]
fn hashing_work_names_the_caller_it_is_for() {
    // The hasher shares its capacity between callers: it is told whose request each job
    // serves.
    let mut m = Mocks::new();
    m.hasher
        .expect_hash()
        .withf(|_, requester| requester == "alice")
        .times(1)
        .returning(|_, _| Ok(hash("h1")));
    m.repo
        .expect_insert()
        .returning(|_, _| Ok(AppId::new(11).unwrap()));
    block_on(m.service().register(&admin(), register_cmd())).unwrap();

    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.hasher
        .expect_verify()
        .withf(|_, _, requester| requester == "as")
        .times(1)
        .returning(|_, _, _| Ok(true));
    block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
}

#[test]
fn register_applies_given_optional_fields() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .withf(|new, _| {
            let r = new.to_record();
            r.app_type == "native"
                && r.description.as_deref() == Some("desc")
                && r.grant_types == ["urn:ietf:params:oauth:grant-type:device_code"]
                && r.access_level == "user"
                && r.is_first_party
                && r.allowed_scopes.is_empty()
        })
        .times(1)
        .returning(|_, _| Ok(AppId::new(1).unwrap()));
    let cmd = RegisterApplication {
        owner_org_id: "acme".into(),
        name: "Device".into(),
        description: Some("desc".into()),
        app_type: Some("native".into()),
        redirect_urls: vec![],
        allowed_scopes: None,
        grant_types: Some(vec!["urn:ietf:params:oauth:grant-type:device_code".into()]),
        access_level: Some("user".into()),
        is_first_party: Some(true),
    };
    let registered = block_on(m.service().register(&platform_admin(), cmd)).unwrap();
    assert!(registered.application.requires_pkce());
}

#[test]
fn register_names_every_invalid_field_and_writes_nothing() {
    let cmd = RegisterApplication {
        owner_org_id: "acme".into(),
        name: "  ".into(),
        description: Some("x".repeat(1001)),
        app_type: Some("robot".into()),
        redirect_urls: vec!["javascript:alert(1)".into()],
        allowed_scopes: Some(vec!["root".into()]),
        grant_types: Some(vec!["password".into()]),
        access_level: Some("galaxy".into()),
        is_first_party: None,
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [
            Field::AppType,
            Field::Name,
            Field::Description,
            Field::AllowedScopes,
            Field::GrantTypes,
            Field::AccessLevel
        ]
    );
}

#[test]
fn register_checks_urls_against_the_type_and_the_grant_rules() {
    let cmd = RegisterApplication {
        app_type: Some("native".into()),
        redirect_urls: vec!["http://localhost/cb".into()],
        grant_types: Some(vec!["client_credentials".into()]),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::RedirectUrls]);

    let cmd = RegisterApplication {
        app_type: Some("native".into()),
        redirect_urls: vec![],
        grant_types: Some(vec![
            "client_credentials".into(),
            "authorization_code".into(),
        ]),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors
            .errors()
            .iter()
            .map(|e| e.violation.clone())
            .collect::<Vec<_>>(),
        [
            Violation::ClientCredentialsNeedsWeb,
            Violation::AuthorizationCodeNeedsRedirect
        ]
    );
    // The grant rules are reported with other field errors.
    let cmd = RegisterApplication {
        name: String::new(),
        redirect_urls: vec![],
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::Name, Field::RedirectUrls]);
}

#[test]
fn register_refuses_a_bad_org_id() {
    let cmd = RegisterApplication {
        owner_org_id: "no spaces".into(),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&platform_admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::OwnerOrgId]);
}

#[test]
fn register_is_for_org_admins_only() {
    for who in [member(), outsider(), authenticator()] {
        let err = block_on(Mocks::new().service().register(&who, register_cmd())).unwrap_err();
        assert!(matches!(err, RegisterError::Forbidden(_)), "{err:?}");
    }
}

#[test]
fn only_platform_admins_register_first_party_apps() {
    let cmd = RegisterApplication {
        is_first_party: Some(true),
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    assert!(matches!(err, RegisterError::Forbidden(m) if m.contains("first_party")));
    // Saying false explicitly is fine.
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .returning(|_, _| Ok(AppId::new(1).unwrap()));
    let cmd = RegisterApplication {
        is_first_party: Some(false),
        ..register_cmd()
    };
    assert!(block_on(m.service().register(&admin(), cmd)).is_ok());
}

#[test]
fn register_draws_a_new_client_id_on_collision() {
    let mut m = Mocks::new().hashes_to("h");
    let mut random = MockRandomSource::new();
    let draws = Arc::new(AtomicUsize::new(0));
    let counter = draws.clone();
    random.expect_fill().returning(move |buf| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        buf.fill(u8::try_from(n).unwrap());
        Ok(())
    });
    m.random = random;
    let mut seq = Sequence::new();
    m.repo
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(RepositoryError::DuplicateClientId));
    m.repo
        .expect_insert()
        .withf(|new, _| *new.client_id() == ClientId::from_random_bytes([2; 16]))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Ok(AppId::new(3).unwrap()));
    let registered = block_on(m.service().register(&admin(), register_cmd())).unwrap();
    assert_eq!(
        registered.application.client_id(),
        &ClientId::from_random_bytes([2; 16])
    );
    assert_eq!(draws.load(Ordering::SeqCst), 3);
}

#[test]
fn register_gives_up_after_repeated_collisions() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo
        .expect_insert()
        .times(CLIENT_ID_ATTEMPTS)
        .returning(|_, _| Err(RepositoryError::DuplicateClientId));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert!(matches!(err, RegisterError::Unexpected(_)));
}

#[test]
fn register_reports_port_failures() {
    let mut m = Mocks::new().hashes_to("h");
    m.repo.expect_insert().returning(|_, _| Err(unavailable()));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    let mut m = Mocks::new();
    m.hasher
        .expect_hash()
        .returning(|_, _| Err(HasherError::Busy));
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    let mut m = Mocks::new();
    let mut random = MockRandomSource::new();
    random
        .expect_fill()
        .returning(|_| Err(RandomError("no entropy".into())));
    m.random = random;
    let err = block_on(m.service().register(&admin(), register_cmd())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
}

// ---------------------------------------------------------------- get

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

// ---------------------------------------------------------------- list

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

// ---------------------------------------------------------------- update

fn rename(name: &str) -> ApplicationPatch {
    ApplicationPatch {
        name: Some(name.into()),
        ..ApplicationPatch::default()
    }
}

#[test]
fn update_writes_the_change_with_its_version_and_audit_event() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, expected, event| {
            next.profile().name().as_str() == "Renamed"
                && next.version().get() == 2
                && next.updated_at() == at(NOW)
                && expected.get() == 1
                && event.action == AuditAction::Updated
                && event.changed_fields == [Field::Name]
                && event.actor == "alice"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let updated = block_on(m.service().update(
        &admin(),
        &by_client_id(&app),
        &rename(" Renamed "),
        Some(Version::INITIAL.into()),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Renamed");
    assert_eq!(updated.version().get(), 2);
}

#[test]
fn update_changes_every_patchable_field() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|_, _, event| {
            event.changed_fields
                == [
                    Field::Description,
                    Field::RedirectUrls,
                    Field::AllowedScopes,
                    Field::GrantTypes,
                    Field::AccessLevel,
                    Field::IsFirstParty,
                    Field::Status,
                ]
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let patch = ApplicationPatch {
        description: Some(Some("new".into())),
        redirect_urls: Some(vec!["https://new.example/cb".into()]),
        allowed_scopes: Some(vec!["admin".into()]),
        grant_types: Some(vec!["client_credentials".into()]),
        access_level: Some("user".into()),
        is_first_party: Some(true),
        status: Some("revoked".into()),
        ..ApplicationPatch::default()
    };
    let updated =
        block_on(
            m.service()
                .update(&platform_admin(), &by_client_id(&app), &patch, None),
        )
        .unwrap();
    let r = updated.to_record();
    assert_eq!(r.description.as_deref(), Some("new"));
    assert_eq!(r.redirect_urls, ["https://new.example/cb"]);
    assert_eq!(r.allowed_scopes, ["admin"]);
    assert_eq!(r.grant_types, ["client_credentials"]);
    assert_eq!(r.access_level, "user");
    assert!(r.is_first_party);
    assert_eq!(r.status, "revoked");
}

#[test]
fn update_can_clear_the_description() {
    let mut record = sample(1, "acme").to_record();
    record.description = Some("old".into());
    let app = OAuthApplication::from_record(1, record).unwrap();
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, _, e| {
            next.profile().description().is_none() && e.changed_fields == [Field::Description]
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let patch = ApplicationPatch {
        description: Some(None),
        ..ApplicationPatch::default()
    };
    block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &patch, None),
    )
    .unwrap();
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let same = ApplicationPatch {
        name: Some("App".into()),
        redirect_urls: Some(vec!["https://app.example.com/cb".into()]),
        status: Some("active".into()),
        ..ApplicationPatch::default()
    };
    let result = block_on(service.update(&admin(), &by_client_id(&app), &same, None)).unwrap();
    assert_eq!(result, app);
    let empty = ApplicationPatch::default();
    let result = block_on(service.update(&admin(), &by_client_id(&app), &empty, None)).unwrap();
    assert_eq!(result.version(), app.version());
}

#[test]
fn a_stale_expected_version_fails_without_writing() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.update(
        &admin(),
        &by_client_id(&app),
        &rename("X"),
        Some(Version::new(7).unwrap().into()),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::PreconditionFailed));
}

#[test]
fn losing_the_race_with_an_expected_version_is_a_failed_precondition() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .times(1)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(m.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("X"),
        Some(Version::INITIAL.into()),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::PreconditionFailed));
}

fn versions(list: &[i64]) -> Precondition {
    Precondition::OneOf(list.iter().map(|v| Version::new(*v).unwrap()).collect())
}

#[test]
fn a_precondition_listing_the_current_version_among_others_writes() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, expected, _| expected.get() == 1 && next.version().get() == 2)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let updated = block_on(m.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("Listed"),
        Some(versions(&[99, 1, 7])),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Listed");
}

#[test]
fn a_precondition_without_the_current_version_fails_without_writing() {
    let app = sample(1, "acme");
    for precondition in [versions(&[99, 2]), versions(&[])] {
        // No update expectation: a write would panic.
        let service = Mocks::new().finds(&app).service();
        let err = block_on(service.update(
            &admin(),
            &by_client_id(&app),
            &rename("X"),
            Some(precondition.clone()),
        ))
        .unwrap_err();
        assert!(
            matches!(err, UpdateError::PreconditionFailed),
            "{precondition:?}"
        );
    }
}

#[test]
fn an_unsatisfied_precondition_still_hides_the_application_from_outsiders() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.update(
        &outsider(),
        &by_client_id(&app),
        &rename("X"),
        Some(versions(&[])),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
}

#[test]
fn with_any_version_a_lost_race_re_reads_like_no_precondition() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    let mut writes = Sequence::new();
    m.repo
        .expect_update()
        .times(1)
        .in_sequence(&mut writes)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    m.repo
        .expect_update()
        .times(1)
        .in_sequence(&mut writes)
        .returning(|_, _, _| Ok(()));
    let updated = block_on(m.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("Any"),
        Some(Precondition::Any),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Any");
}

#[test]
fn without_an_expected_version_a_lost_race_re_reads_and_keeps_both_changes() {
    let app = sample(1, "acme");
    // Someone else changed the description in between.
    let mut theirs_record = app.to_record();
    theirs_record.description = Some("theirs".into());
    theirs_record.version = 2;
    let theirs = OAuthApplication::from_record(1, theirs_record).unwrap();

    let mut m = Mocks::new();
    let mut reads = Sequence::new();
    let first = app.clone();
    m.repo
        .expect_find_by_client_id()
        .times(1)
        .in_sequence(&mut reads)
        .returning(move |_| Ok(Some(first.clone())));
    let second = theirs.clone();
    m.repo
        .expect_find_by_client_id()
        .times(1)
        .in_sequence(&mut reads)
        .returning(move |_| Ok(Some(second.clone())));
    m.repo
        .expect_update()
        .withf(|_, expected, _| expected.get() == 1)
        .times(1)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    m.repo
        .expect_update()
        .withf(|next, expected, _| {
            expected.get() == 2
                && next.version().get() == 3
                && next.profile().name().as_str() == "Mine"
                && next.profile().description().map(|d| d.as_str()) == Some("theirs")
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let updated =
        block_on(
            m.service()
                .update(&admin(), &by_client_id(&app), &rename("Mine"), None),
        )
        .unwrap();
    assert_eq!(updated.version().get(), 3);
}

#[test]
fn endless_conflicts_end_in_a_conflict_error() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.config.max_write_attempts = 3;
    m.repo
        .expect_update()
        .times(3)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::Conflict));
}

#[test]
fn immutable_fields_are_refused_by_name() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let patch = ApplicationPatch {
        app_type: Some("web".into()),
        client_id: Some(app.client_id().to_string()),
        owner_org_id: Some("acme".into()),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [Field::AppType, Field::ClientId, Field::OwnerOrgId]
    );
    assert!(
        errors
            .errors()
            .iter()
            .all(|e| e.violation == Violation::Immutable)
    );
}

#[test]
fn the_result_of_an_update_must_satisfy_every_rule() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    // Removing the last redirect URL of an authorization_code app.
    let patch = ApplicationPatch {
        redirect_urls: Some(vec![]),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    assert!(matches!(&err, UpdateError::Invalid(e) if fields(e) == [Field::RedirectUrls]));

    // Every bad field is named.
    let patch = ApplicationPatch {
        name: Some(String::new()),
        description: Some(Some("d".repeat(1001))),
        redirect_urls: Some(vec!["http://insecure.example/cb".into()]),
        allowed_scopes: Some(vec!["nope".into()]),
        grant_types: Some(vec!["implicit".into()]),
        access_level: Some("x".into()),
        status: Some("disabled".into()),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [
            Field::Name,
            Field::Description,
            Field::RedirectUrls,
            Field::AllowedScopes,
            Field::GrantTypes,
            Field::AccessLevel,
            Field::Status
        ]
    );
}

/// An application stored under earlier rules: a redirect URL not in normalised form, a zero
/// width space in its name, U+0000 in its description.
fn stored_under_earlier_rules() -> OAuthApplication {
    let mut record = sample(1, "acme").to_record();
    record.redirect_urls = vec!["https://app.example.com".into()];
    record.name = "Pay\u{200B}Pal".into();
    record.description = Some("nul \0 inside".into());
    OAuthApplication::from_record(1, record).unwrap()
}

#[test]
fn a_patch_keeps_stored_values_it_does_not_send_as_they_are() {
    let app = stored_under_earlier_rules();
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, _, event| {
            let r = next.to_record();
            r.redirect_urls == ["https://app.example.com"]
                && r.name == "Pay\u{200B}Pal"
                && r.description.as_deref() == Some("nul \0 inside")
                && r.access_level == "user"
                && event.changed_fields == [Field::AccessLevel]
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let patch = ApplicationPatch {
        access_level: Some("user".into()),
        ..ApplicationPatch::default()
    };
    let updated = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &patch, None),
    )
    .unwrap();
    assert_eq!(
        updated.profile().redirect_urls().iter().collect::<Vec<_>>(),
        ["https://app.example.com"]
    );
}

#[test]
fn a_patch_holds_what_it_sends_to_the_current_rules() {
    let app = stored_under_earlier_rules();
    let service = Mocks::new().finds(&app).service();
    let patch = ApplicationPatch {
        name: Some("Pay\u{200B}Pal".into()),
        description: Some(Some("nul \0 inside".into())),
        redirect_urls: Some(vec!["https://app.example.com".into()]),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.errors(),
        [
            FieldError::new(Field::Name, Violation::FormatCharacters),
            FieldError::new(
                Field::Description,
                Violation::ControlCharactersExceptTabAndNewlines
            ),
            FieldError::at(
                Field::RedirectUrls,
                0,
                Violation::UrlNotNormalised {
                    normalised: "https://app.example.com/".into()
                }
            ),
        ]
    );
}

#[test]
fn register_holds_names_descriptions_and_urls_to_the_current_rules() {
    let cmd = RegisterApplication {
        name: "\u{202E}lapyaP".into(),
        description: Some("\0".into()),
        redirect_urls: vec!["http://127.1/cb".into()],
        ..register_cmd()
    };
    let err = block_on(Mocks::new().service().register(&admin(), cmd)).unwrap_err();
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.errors(),
        [
            FieldError::new(Field::Name, Violation::FormatCharacters),
            FieldError::new(
                Field::Description,
                Violation::ControlCharactersExceptTabAndNewlines
            ),
            FieldError::at(
                Field::RedirectUrls,
                0,
                Violation::UrlHostNotCanonical {
                    canonical: "127.0.0.1".into()
                }
            ),
        ]
    );
}

#[test]
fn update_enforces_the_policy() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err =
        block_on(service.update(&member(), &by_client_id(&app), &rename("X"), None)).unwrap_err();
    assert!(matches!(err, UpdateError::Forbidden(_)));
    let err =
        block_on(service.update(&outsider(), &by_client_id(&app), &rename("X"), None)).unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
    let first_party = ApplicationPatch {
        is_first_party: Some(true),
        ..ApplicationPatch::default()
    };
    let err =
        block_on(service.update(&admin(), &by_client_id(&app), &first_party, None)).unwrap_err();
    assert!(matches!(err, UpdateError::Forbidden(m) if m.contains("first_party")));
}

#[test]
fn update_reports_a_vanished_app_and_storage_failures() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(RepositoryError::NotFound));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));

    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(unavailable()));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::Unavailable(_)));

    let mut m = Mocks::new();
    m.repo.expect_find_by_client_id().returning(|_| Ok(None));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
}

// ---------------------------------------------------------------- disable / enable

#[test]
fn disable_and_enable_change_the_status_once() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .withf(|next, _, e| {
            next.is_disabled()
                && e.action == AuditAction::Disabled
                && e.changed_fields == [Field::Status]
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let disabled = block_on(m.service().disable(&admin(), &by_client_id(&app))).unwrap();
    assert!(disabled.is_disabled());
    assert_eq!(disabled.version().get(), 2);

    // Enabling the disabled app.
    let mut m = Mocks::new().finds(&disabled);
    m.repo
        .expect_update()
        .withf(|next, _, e| !next.is_disabled() && e.action == AuditAction::Enabled)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let enabled = block_on(m.service().enable(&admin(), &by_client_id(&app))).unwrap();
    assert!(!enabled.is_disabled());
    assert_eq!(enabled.version().get(), 3);
}

#[test]
fn disabling_twice_and_enabling_an_active_app_write_nothing() {
    let app = sample(1, "acme");
    let disabled = app.with_status(Status::Revoked, at(2000));
    let service = Mocks::new().finds(&disabled).service();
    assert_eq!(
        block_on(service.disable(&admin(), &by_client_id(&app))).unwrap(),
        disabled
    );
    let service = Mocks::new().finds(&app).service();
    assert_eq!(
        block_on(service.enable(&admin(), &by_client_id(&app))).unwrap(),
        app
    );
}

#[test]
fn status_changes_enforce_the_policy_and_report_conflicts() {
    let app = sample(1, "acme");
    let service = Mocks::new().finds(&app).service();
    let err = block_on(service.disable(&member(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::Forbidden(_)));
    let err = block_on(service.enable(&outsider(), &by_client_id(&app))).unwrap_err();
    assert!(matches!(err, StatusChangeError::NotFound));

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

// ---------------------------------------------------------------- rotate

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

// ---------------------------------------------------------------- revoke previous

fn rotated_app() -> OAuthApplication {
    sample(1, "acme")
        .rotated(
            hash("new"),
            GracePeriod::from_seconds(600).unwrap(),
            at(4000),
        )
        .unwrap()
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

// ---------------------------------------------------------------- authenticate

fn good_secret() -> String {
    ClientSecret::from_random_bytes(&[0x11; 32])
        .expose()
        .to_owned()
}

fn hasher_accepting(mut hasher: MockSecretHasher, phc: &'static str) -> MockSecretHasher {
    hasher
        .expect_verify()
        .returning(move |_, h, _| Ok(h.as_phc() == format!("$test${phc}")));
    hasher
}

#[test]
fn the_current_secret_authenticates_an_active_app() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.hasher = hasher_accepting(m.hasher, "current");
    let answer = block_on(m.service().authenticate_client(
        &authenticator(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert_eq!(answer, ClientAuthentication::Valid(Box::new(app)));
}

#[test]
fn the_previous_secret_authenticates_during_its_grace_period_only() {
    let app = rotated_app(); // previous "current" valid until 4600
    let mut m = Mocks::new().finds(&app);
    m.hasher = hasher_accepting(m.hasher, "current");
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at(4599));
    m.clock = clock;
    let answer = block_on(m.service().authenticate_client(
        &platform_admin(),
        &app.client_id().to_string(),
        &good_secret(),
    ))
    .unwrap();
    assert!(matches!(answer, ClientAuthentication::Valid(_)));

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
    assert_eq!(answer, ClientAuthentication::Invalid);
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
    assert_eq!(answer, ClientAuthentication::Invalid);
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
    assert_eq!(answer, ClientAuthentication::Invalid);
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
        assert_eq!(answer, ClientAuthentication::Invalid);
    }
}

#[test]
fn a_malformed_secret_is_invalid_without_any_lookup() {
    let service = Mocks::new().service();
    let client_id = ClientId::from_random_bytes([5; 16]).to_string();
    for secret in ["", "hunter2", &good_secret()[..20]] {
        let answer =
            block_on(service.authenticate_client(&authenticator(), &client_id, secret)).unwrap();
        assert_eq!(answer, ClientAuthentication::Invalid);
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
fn config_is_exposed_and_defaults_are_sane() {
    let service = Mocks::new().service();
    assert_eq!(service.config().max_write_attempts, 64);
    assert_eq!(service.config().scope_catalog, ScopeCatalog::default());
}

// ---------------------------------------------------------------- events

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
