//! The repository contract: what every [`ApplicationRepository`] must do, checked on a real
//! database. Each case takes a fresh [`Fixture`].

use std::sync::Arc;

use oauth_apps_domain::{
    AccessLevel, AppId, AppName, AppType, ApplicationRecord, ApplicationRepository,
    ArchivedApplication, AuditAction, AuditEvent, ClientId, Cursor, Description, Field,
    GracePeriod, GrantTypes, NewApplication, OAuthApplication, OrgId, Profile, RedirectUrls,
    RepositoryError, ScopeCatalog, Scopes, SecretHash, Status, StoredAuditEvent, Timestamp,
    Version,
};

use crate::Fixture;

/// Seconds since the epoch, as a timestamp.
#[must_use]
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(seconds * 1_000_000).expect("a representable time")
}

/// A unique stored-hash stand-in (a PHC-shaped string).
#[must_use]
pub fn hash(label: &str) -> SecretHash {
    SecretHash::new(format!("$argon2id$v=19$m=64,t=1,p=1${label}")).expect("PHC-shaped")
}

/// A valid `web` application of `org`, created at `created_at`, with a random client id.
#[must_use]
pub fn new_app(org: &str, name: &str, created_at: Timestamp) -> NewApplication {
    let profile = Profile::new(
        AppType::Web,
        AppName::parse(name).expect("valid name"),
        None,
        RedirectUrls::parse(&["https://app.example.com/cb"], AppType::Web).expect("valid url"),
        Scopes::parse(&["read"], &ScopeCatalog::default()).expect("valid scope"),
        GrantTypes::default(),
        AccessLevel::Organization,
    )
    .expect("valid profile");
    NewApplication::new(
        ClientId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        OrgId::parse(org).expect("valid org"),
        AppType::Web,
        profile,
        false,
        hash(&format!("initial-{}", uuid::Uuid::new_v4().simple())),
        created_at,
    )
}

/// An audit event by `alice`.
#[must_use]
pub fn event(action: AuditAction, now: Timestamp) -> AuditEvent {
    AuditEvent {
        action,
        actor: "alice".into(),
        request_id: Some("req-1".into()),
        client_request_id: None,
        changed_fields: vec![Field::Name],
        at: now,
    }
}

async fn insert(repo: &dyn ApplicationRepository, app: NewApplication) -> OAuthApplication {
    let id = repo
        .insert(&app, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    app.with_id(id)
}

async fn reload(repo: &dyn ApplicationRepository, app: &OAuthApplication) -> OAuthApplication {
    repo.find_by_client_id(app.client_id())
        .await
        .expect("find")
        .expect("stored")
}

fn renamed(app: &OAuthApplication, name: &str, now: Timestamp) -> OAuthApplication {
    let p = app.profile();
    let profile = Profile::new(
        app.app_type(),
        AppName::parse(name).expect("valid name"),
        p.description().cloned(),
        p.redirect_urls().clone(),
        p.allowed_scopes().clone(),
        p.grant_types().clone(),
        p.access_level(),
    )
    .expect("valid profile");
    app.updated(profile, app.is_first_party(), app.status(), now)
}

fn org(s: &str) -> OrgId {
    OrgId::parse(s).expect("valid org")
}

/// Insert, find by client id and by org and id, update, and the not-found answers.
pub async fn crud_and_not_found(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "First", at(100))).await;
    assert_eq!(reload(&*repo, &app).await, app);
    assert_eq!(
        repo.find_by_org_and_id(&org("acme"), app.id())
            .await
            .unwrap(),
        Some(app.clone())
    );
    let unknown = ClientId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes());
    assert_eq!(repo.find_by_client_id(&unknown).await.unwrap(), None);
    let missing = AppId::new(app.id().get() + 1000).unwrap();
    assert_eq!(
        repo.find_by_org_and_id(&org("acme"), missing)
            .await
            .unwrap(),
        None
    );

    let next = renamed(&app, "Second", at(200));
    repo.update(&next, app.version(), &event(AuditAction::Updated, at(200)))
        .await
        .unwrap();
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, next);
    assert_eq!(stored.version().get(), 2);
    assert_eq!(stored.updated_at(), at(200));
    assert_eq!(f.audit_event_count(app.id()).await, 2);

    // Updating an application that does not exist.
    let ghost = new_app("acme", "Ghost", at(1)).with_id(missing);
    let err = repo
        .update(
            &renamed(&ghost, "G", at(2)),
            Version::INITIAL,
            &event(AuditAction::Updated, at(2)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::NotFound), "{err:?}");
}

/// No query crosses organisations.
pub async fn org_isolation(f: &impl Fixture) {
    let repo = f.repository();
    let a = insert(&*repo, new_app("org-a", "A", at(100))).await;
    let b = insert(&*repo, new_app("org-b", "B", at(101))).await;
    assert_eq!(
        repo.find_by_org_and_id(&org("org-b"), a.id())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repo.find_by_org_and_id(&org("org-a"), b.id())
            .await
            .unwrap(),
        None
    );
    let listed = repo.list_after(&org("org-a"), None, 100).await.unwrap();
    assert_eq!(listed, [a]);
    let (page, total) = repo.list_page(&org("org-b"), 0, 100).await.unwrap();
    assert_eq!((page, total), (vec![b], 1));
    let (none, zero) = repo.list_page(&org("org-c"), 0, 100).await.unwrap();
    assert!(none.is_empty());
    assert_eq!(zero, 0);
    assert!(
        repo.list_after(&org("org-c"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Newest first by `(created_at, id)`; pages follow each other with nothing lost or
/// repeated, even when many rows share one timestamp.
pub async fn keyset_pagination_across_equal_timestamps(f: &impl Fixture) {
    let repo = f.repository();
    let mut inserted = Vec::new();
    for i in 0..25 {
        // Three distinct timestamps, many rows each.
        let created = at(1000 + i64::from(i % 3));
        inserted.push(insert(&*repo, new_app("acme", &format!("App {i}"), created)).await);
    }
    insert(&*repo, new_app("other", "Noise", at(1001))).await;
    let mut expected = inserted.clone();
    expected.sort_by_key(|a| std::cmp::Reverse((a.created_at(), a.id())));

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = repo.list_after(&org("acme"), cursor, 7).await.unwrap();
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        cursor = Some(Cursor {
            created_at: last.created_at(),
            id: last.id(),
        });
        seen.extend(page);
    }
    assert_eq!(seen, expected);
}

/// Offset pages in the same order, with the organisation's total.
pub async fn numbered_pages_and_totals(f: &impl Fixture) {
    let repo = f.repository();
    let mut inserted = Vec::new();
    for i in 0..12 {
        inserted.push(insert(&*repo, new_app("acme", &format!("N{i}"), at(500))).await);
    }
    inserted.sort_by_key(|a| std::cmp::Reverse((a.created_at(), a.id())));
    let mut seen = Vec::new();
    for offset in [0, 5, 10] {
        let (page, total) = repo.list_page(&org("acme"), offset, 5).await.unwrap();
        assert_eq!(total, 12);
        seen.extend(page);
    }
    assert_eq!(seen, inserted);
    let (beyond, total) = repo.list_page(&org("acme"), 100, 5).await.unwrap();
    assert!(beyond.is_empty());
    assert_eq!(total, 12);
}

/// An update with a stale expected version changes nothing.
pub async fn compare_and_set_conflicts(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "CAS", at(100))).await;
    let first = renamed(&app, "Winner", at(200));
    repo.update(
        &first,
        Version::INITIAL,
        &event(AuditAction::Updated, at(200)),
    )
    .await
    .unwrap();
    let second = renamed(&app, "Loser", at(300));
    let err = repo
        .update(
            &second,
            Version::INITIAL,
            &event(AuditAction::Updated, at(300)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::VersionConflict), "{err:?}");
    assert_eq!(reload(&*repo, &app).await, first);
    assert_eq!(f.audit_event_count(app.id()).await, 2);
}

/// 32 tasks increment a counter kept in the description, each with compare-and-set and
/// retry: every increment survives.
pub async fn concurrent_updates_lose_nothing(f: &impl Fixture) {
    const TASKS: usize = 32;
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Counter", at(100))).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let repo = Arc::clone(&repo);
            let client_id = *app.client_id();
            tokio::spawn(async move {
                loop {
                    let current = repo
                        .find_by_client_id(&client_id)
                        .await
                        .expect("find")
                        .expect("stored");
                    let count: usize = current
                        .profile()
                        .description()
                        .map_or(0, |d| d.as_str().parse().expect("a number"));
                    let p = current.profile();
                    let profile = Profile::new(
                        current.app_type(),
                        p.name().clone(),
                        Some(Description::parse(&(count + 1).to_string()).expect("valid")),
                        p.redirect_urls().clone(),
                        p.allowed_scopes().clone(),
                        p.grant_types().clone(),
                        p.access_level(),
                    )
                    .expect("valid profile");
                    let next = current.updated(profile, false, Status::Active, at(200));
                    match repo
                        .update(
                            &next,
                            current.version(),
                            &event(AuditAction::Updated, at(200)),
                        )
                        .await
                    {
                        Ok(()) => return,
                        Err(RepositoryError::VersionConflict) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let stored = reload(&*repo, &app).await;
    assert_eq!(
        stored.profile().description().map(Description::as_str),
        Some(TASKS.to_string().as_str())
    );
    assert_eq!(stored.version().get(), 1 + TASKS as i64);
    assert_eq!(f.audit_event_count(app.id()).await, 1 + TASKS);
}

/// 16 concurrent rotations (with grace): exactly one current and one previous secret
/// remain, every other one revoked, and the stored state is the last rotation's.
pub async fn concurrent_rotations_leave_one_current_secret(f: &impl Fixture) {
    const TASKS: usize = 16;
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Rotating", at(100))).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let repo = Arc::clone(&repo);
            let client_id = *app.client_id();
            tokio::spawn(async move {
                let grace = GracePeriod::from_seconds(3600).expect("in range");
                loop {
                    let current = repo
                        .find_by_client_id(&client_id)
                        .await
                        .expect("find")
                        .expect("stored");
                    let next = current
                        .rotated(hash(&format!("rotation-{i}")), grace, at(200))
                        .expect("active app");
                    match repo
                        .update(
                            &next,
                            current.version(),
                            &event(AuditAction::SecretRotated, at(200)),
                        )
                        .await
                    {
                        Ok(()) => return,
                        Err(RepositoryError::VersionConflict) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let mut states = f.secret_states(app.id()).await;
    states.sort();
    let count = |s: &str| states.iter().filter(|x| *x == s).count();
    assert_eq!(count("current"), 1, "{states:?}");
    assert_eq!(count("previous"), 1, "{states:?}");
    assert_eq!(count("revoked"), TASKS - 1, "{states:?}");
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored.version().get(), 1 + TASKS as i64);
    assert!(stored.secrets().previous().is_some());
}

/// An update whose audit row cannot be written (an empty actor breaks a constraint)
/// leaves the application, its secrets and its audit trail as they were.
pub async fn aborted_update_writes_nothing(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Before", at(100))).await;
    let next = renamed(&app, "After", at(200))
        .rotated(hash("never-stored"), GracePeriod::NONE, at(200))
        .expect("active app");
    let bad_event = AuditEvent {
        actor: String::new(),
        ..event(AuditAction::Updated, at(200))
    };
    assert!(repo.update(&next, app.version(), &bad_event).await.is_err());
    assert_eq!(reload(&*repo, &app).await, app);
    assert_eq!(f.audit_event_count(app.id()).await, 1);
    assert_eq!(f.secret_states(app.id()).await, ["current"]);
}

/// Every field survives storage exactly: unicode text, 20 redirect URLs, every list,
/// enumeration, flag, timestamp and the previous secret with its expiry.
pub async fn every_field_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let urls: Vec<String> = (0..20)
        .map(|i| format!("https://app-{i}.example.com/callback?x={i}"))
        .collect();
    let profile = Profile::new(
        AppType::Native,
        AppName::parse("Ünïcødé 日本語 ✓ app").expect("valid"),
        Some(Description::parse("Ligne 1\nLigne 2 — “quoted” \u{1F600}").expect("valid")),
        RedirectUrls::parse(&urls, AppType::Native).expect("valid urls"),
        Scopes::parse(&["workspace:read", "admin"], &ScopeCatalog::default()).expect("valid"),
        GrantTypes::parse(&[
            "urn:ietf:params:oauth:grant-type:device_code",
            "refresh_token",
            "authorization_code",
        ])
        .expect("valid"),
        AccessLevel::User,
    )
    .expect("valid profile");
    let new = NewApplication::new(
        ClientId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        org("org_1.x-y"),
        AppType::Native,
        profile,
        true,
        hash("first"),
        Timestamp::from_unix_micros(1_700_000_000_123_456).expect("valid"),
    );
    let app = insert(&*repo, new).await;
    assert_eq!(reload(&*repo, &app).await, app);
    assert_eq!(
        reload(&*repo, &app).await.profile().redirect_urls().len(),
        20
    );

    let later = Timestamp::from_unix_micros(1_700_000_100_654_321).expect("valid");
    let rotated = app
        .rotated(
            hash("second"),
            GracePeriod::from_seconds(86_400).expect("ok"),
            later,
        )
        .expect("active")
        .with_status(Status::Revoked, later);
    repo.update(
        &rotated,
        app.version(),
        &event(AuditAction::SecretRotated, later),
    )
    .await
    .expect("update");
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, rotated);
    let previous = stored.secrets().previous().expect("previous secret");
    assert_eq!(previous.hash, hash("first"));
    assert_eq!(previous.expires_at, later.plus_seconds(86_400));
}

/// Values stored before the current rules (a redirect URL not in normalised form, an
/// invisible formatting character in the name, a control character in the description)
/// are read back as stored, and survive an update of another field.
pub async fn values_stored_under_earlier_rules_stay_readable(f: &impl Fixture) {
    let repo = f.repository();
    let mut record = new_app("acme", "Placeholder", at(100)).to_record();
    record.name = "Pay\u{200B}Pal".into();
    record.description = Some("bell \u{7} inside".into());
    record.redirect_urls = vec!["https://app.example.com".into()];
    let legacy = OAuthApplication::from_record(1, record).expect("readable under earlier rules");
    let new = NewApplication::new(
        *legacy.client_id(),
        legacy.owner_org_id().clone(),
        legacy.app_type(),
        legacy.profile().clone(),
        false,
        hash("legacy"),
        at(100),
    );
    let app = insert(&*repo, new).await;
    assert_eq!(reload(&*repo, &app).await, app);

    // What a PATCH of the access level alone builds: every other value as stored.
    let p = app.profile();
    let profile = Profile::new(
        app.app_type(),
        p.name().clone(),
        p.description().cloned(),
        p.redirect_urls().clone(),
        p.allowed_scopes().clone(),
        p.grant_types().clone(),
        AccessLevel::User,
    )
    .expect("valid profile");
    let next = app.updated(profile, app.is_first_party(), app.status(), at(200));
    repo.update(&next, app.version(), &event(AuditAction::Updated, at(200)))
        .await
        .expect("update");
    let stored = reload(&*repo, &app).await.to_record();
    assert_eq!(stored.name, "Pay\u{200B}Pal");
    assert_eq!(stored.description.as_deref(), Some("bell \u{7} inside"));
    assert_eq!(stored.redirect_urls, ["https://app.example.com"]);
    assert_eq!(stored.access_level, "user");
}

/// A client id that exists is refused, and nothing is written.
pub async fn duplicate_client_id_is_refused(f: &impl Fixture) {
    let repo = f.repository();
    let first = insert(&*repo, new_app("acme", "One", at(100))).await;
    let clash = new_app("acme", "Two", at(200)).with_client_id(*first.client_id());
    let err = repo
        .insert(&clash, &event(AuditAction::Created, at(200)))
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::DuplicateClientId), "{err:?}");
    assert_eq!(repo.list_page(&org("acme"), 0, 10).await.unwrap().1, 1);
}

/// The audit trail comes back newest first, page by page, every field as written.
pub async fn audit_trail_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Audited", at(100))).await;
    let mut current = app.clone();
    for (i, name) in ["B", "C", "D"].iter().enumerate() {
        let next = renamed(&current, name, at(200 + i64::try_from(i).unwrap()));
        let mut e = event(AuditAction::Updated, next.updated_at());
        e.request_id = Some(format!("req-{i}"));
        e.client_request_id = Some(format!("order {i}"));
        e.changed_fields = vec![Field::Name, Field::Description];
        repo.update(&next, current.version(), &e).await.unwrap();
        current = next;
    }
    let other = insert(&*repo, new_app("acme", "Other", at(100))).await;
    let first = repo.list_events(app.id(), None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[0].id > first[1].id);
    assert_eq!(first[0].event.request_id.as_deref(), Some("req-2"));
    assert_eq!(first[0].event.client_request_id.as_deref(), Some("order 2"));
    assert_eq!(first[0].event.at, at(202));
    assert_eq!(first[0].event.actor, "alice");
    assert_eq!(
        first[0].event.changed_fields,
        [Field::Name, Field::Description]
    );
    let rest = repo
        .list_events(app.id(), Some(first[1].id), 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1].event.action, AuditAction::Created);
    assert_eq!(rest[1].event.changed_fields, [Field::Name]);
    assert_eq!(
        repo.list_events(other.id(), None, 10).await.unwrap().len(),
        1
    );
}

/// An application as an export carries it: id `id`, two audit events with ids
/// `id * 10` and `id * 10 + 1`, and with `previous` a previous secret too.
fn archived(id: i64, previous: bool) -> ArchivedApplication {
    let record = ApplicationRecord {
        client_id: uuid::Uuid::new_v4().hyphenated().to_string(),
        owner_org_id: "acme".into(),
        name: format!("Imported {id}"),
        description: Some("moved here".into()),
        app_type: "native".into(),
        redirect_urls: vec!["http://127.0.0.1/cb".into(), "com.example.app:/cb".into()],
        allowed_scopes: vec!["read".into(), "write".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        access_level: "user".into(),
        status: if id % 2 == 0 { "revoked" } else { "active" }.into(),
        is_first_party: id % 3 == 0,
        current_secret_hash: hash(&format!("current-{id}")).as_phc().to_owned(),
        previous_secret: previous.then(|| {
            (
                hash(&format!("previous-{id}")).as_phc().to_owned(),
                at(90_000),
            )
        }),
        created_at: at(id * 100),
        updated_at: at(id * 100 + 50),
        version: 2,
    };
    let application = OAuthApplication::from_record(id, record).expect("a valid application");
    let events = vec![
        StoredAuditEvent {
            id: id * 10,
            event: event(AuditAction::Created, at(id * 100)),
        },
        StoredAuditEvent {
            id: id * 10 + 1,
            event: event(AuditAction::Updated, at(id * 100 + 50)),
        },
    ];
    ArchivedApplication {
        application,
        events,
    }
}

/// Import keeps ids, versions, timestamps, secrets and events exactly; export pages by id;
/// identities continue after imported ids; a colliding import writes nothing.
pub async fn archive_round_trips(f: &impl Fixture) {
    let archive = f.archive();
    let repo = f.repository();
    assert!(archive.is_empty().await.expect("is_empty"));
    let apps: Vec<ArchivedApplication> = [3, 5, 8, 13, 21]
        .iter()
        .map(|&id| archived(id, id == 5))
        .collect();
    archive.import(&apps).await.expect("import");
    assert!(!archive.is_empty().await.expect("is_empty"));

    let mut exported = Vec::new();
    let mut after = 0;
    loop {
        let page = archive.export_after(after, 2).await.expect("export");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last.application.id().get();
        exported.extend(page);
    }
    assert_eq!(exported, apps);
    assert_eq!(
        reload(&*repo, &apps[1].application).await,
        apps[1].application,
        "the repository reads what was imported"
    );

    // New rows continue after the imported ids.
    let fresh = insert(&*repo, new_app("acme", "After", at(5_000))).await;
    assert!(fresh.id().get() > 21, "{:?}", fresh.id());
    let trail = repo
        .list_events(fresh.id(), None, 10)
        .await
        .expect("events");
    assert!(trail[0].id > 211, "{}", trail[0].id);

    // A batch with one taken client id is refused whole.
    let new_one = archived(34, false);
    let batch = [new_one.clone(), apps[0].clone()];
    assert!(matches!(
        archive.import(&batch).await,
        Err(RepositoryError::DuplicateClientId)
    ));
    assert_eq!(
        repo.find_by_client_id(new_one.application.client_id())
            .await
            .expect("find"),
        None
    );
}
