//! Applications: writes, reads, pages, concurrency, every field, the audit trail, search.

#[allow(clippy::wildcard_imports)]
use super::*;

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
    let listed = repo
        .list_after(&org("org-a"), None, None, 100)
        .await
        .unwrap();
    assert_eq!(listed, [a]);
    let (page, total) = repo.list_page(&org("org-b"), 0, 100).await.unwrap();
    assert_eq!((page, total), (vec![b], 1));
    let (none, zero) = repo.list_page(&org("org-c"), 0, 100).await.unwrap();
    assert!(none.is_empty());
    assert_eq!(zero, 0);
    assert!(
        repo.list_after(&org("org-c"), None, None, 10)
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
        let page = repo
            .list_after(&org("acme"), None, cursor, 7)
            .await
            .unwrap();
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
                    let next = current.updated(
                        profile,
                        false,
                        Status::Active,
                        current.credentials().clone(),
                        at(200),
                    );
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

/// An update whose audit row cannot be written (an empty actor breaks a constraint)
/// leaves the application, its secrets, its key sets and its audit trail as they were.
pub async fn aborted_update_writes_nothing(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Before", at(100))).await;
    let next = renamed(&app, "After", at(200))
        .rotated(hash("never-stored"), None, GracePeriod::NONE, at(200))
        .expect("active app")
        .with_rotated_keys(inline(&["never-stored"]), GracePeriod::NONE, at(200))
        .expect("active app");
    let bad_event = AuditEvent {
        actor: String::new(),
        ..event(AuditAction::Updated, at(200))
    };
    assert!(repo.update(&next, app.version(), &bad_event).await.is_err());
    assert_eq!(reload(&*repo, &app).await, app);
    assert_eq!(f.audit_event_count(app.id()).await, 1);
    assert_eq!(f.secret_states(app.id()).await, ["current"]);
    assert!(f.key_set_states(app.id()).await.is_empty());
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
        Credentials::secret(Secrets::new(first_secret("first"))),
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
            Some(SecretHint::restore("2nd!").expect("a valid hint")),
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
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretBasic);
    let previous = stored
        .secrets()
        .and_then(Secrets::previous)
        .expect("previous secret");
    assert_eq!(previous.issued.credential.hash, hash("first"));
    assert_eq!(previous.expires_at, later.plus_seconds(86_400));
}

/// Values stored before the current rules (a redirect URL not in normalised form, an
/// invisible formatting character in the name, a control character in the description)
/// are read back as stored, and survive an update of another field.
pub async fn values_stored_under_earlier_rules_stay_readable(f: &impl Fixture) {
    let repo = f.repository();
    let placeholder = new_app("acme", "Placeholder", at(100));
    let legacy = OAuthApplication::restore(StoredApplication {
        name: "Pay\u{200B}Pal".into(),
        description: Some("bell \u{7} inside".into()),
        redirect_urls: vec!["https://app.example.com".into()],
        ..placeholder.to_stored(AppId::new(1).expect("a valid id"))
    })
    .expect("readable under earlier rules");
    let new = NewApplication::new(
        *legacy.client_id(),
        legacy.owner_org_id().clone(),
        legacy.app_type(),
        legacy.profile().clone(),
        false,
        Credentials::secret(Secrets::new(first_secret("legacy"))),
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
    let next = app.updated(
        profile,
        app.is_first_party(),
        app.status(),
        app.credentials().clone(),
        at(200),
    );
    repo.update(&next, app.version(), &event(AuditAction::Updated, at(200)))
        .await
        .expect("update");
    let stored = reload(&*repo, &app).await.to_stored();
    assert_eq!(stored.name, "Pay\u{200B}Pal");
    assert_eq!(stored.description.as_deref(), Some("bell \u{7} inside"));
    assert_eq!(stored.redirect_urls, ["https://app.example.com"]);
    assert_eq!(stored.access_level, AccessLevel::User);
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
        e.changed_fields = vec![ChangedField::Name, ChangedField::Description];
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
        [ChangedField::Name, ChangedField::Description]
    );
    let rest = repo
        .list_events(app.id(), Some(first[1].id), 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1].event.action, AuditAction::Created);
    assert_eq!(rest[1].event.changed_fields, [ChangedField::Name]);
    assert_eq!(
        repo.list_events(other.id(), None, 10).await.unwrap().len(),
        1
    );
}

/// The listing's name filter: a case-insensitive substring, LIKE's wildcards and escape
/// character taken literally, keyset pages within it, one organisation only.
pub async fn names_are_searched_case_insensitively_with_wildcards_taken_literally(
    f: &impl Fixture,
) {
    let repo = f.repository();
    for (org_id, name) in [
        ("acme", "Billing"),
        ("acme", "billing 50%_off"),
        ("acme", "Back office\\tools"),
        ("acme", "Other"),
        ("globex", "Billing"),
    ] {
        insert(&*repo, new_app(org_id, name, at(10))).await;
    }
    let names = |apps: Vec<OAuthApplication>| {
        let mut n: Vec<String> = apps
            .iter()
            .map(|a| a.profile().name().as_str().to_owned())
            .collect();
        n.sort();
        n
    };
    let search = |name: &'static str, limit: u32| {
        let repo = Arc::clone(&repo);
        async move {
            repo.list_after(&org("acme"), Some(name), None, limit)
                .await
                .expect("search")
        }
    };
    assert_eq!(
        names(search("BILL", 10).await),
        ["Billing", "billing 50%_off"]
    );
    assert_eq!(names(search("50%", 10).await), ["billing 50%_off"]);
    assert_eq!(names(search("%", 10).await), ["billing 50%_off"]);
    assert_eq!(names(search("g_5", 10).await), Vec::<String>::new());
    assert_eq!(names(search("_off", 10).await), ["billing 50%_off"]);
    assert_eq!(names(search("e\\t", 10).await), ["Back office\\tools"]);
    // Pages within the filter.
    let first = search("bill", 1).await;
    assert_eq!(first.len(), 1);
    let cursor = Cursor {
        created_at: first[0].created_at(),
        id: first[0].id(),
    };
    let rest = repo
        .list_after(&org("acme"), Some("bill"), Some(cursor), 10)
        .await
        .expect("search");
    assert_eq!(rest.len(), 1);
    assert_ne!(rest[0].id(), first[0].id());
}
