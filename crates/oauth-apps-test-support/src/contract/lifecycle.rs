//! Idempotency keys, secret lifecycles and organisations' policies.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Idempotency keys: of concurrent claims one wins; the others see it running; a different
/// request is a mismatch; the answer comes back; another caller's key of the same name is
/// its own; a released key is claimed again; an abandoned one is taken over once its lock
/// ran out; an expired one is new again, and purged.
pub async fn idempotency_keys_are_claimed_once_answered_and_expire(f: &impl Fixture) {
    use oauth_apps_domain::Claim;
    let store = f.idempotency();
    let claim = |scope: &'static str, key: &'static str, print: u8, now: i64| {
        let store = Arc::clone(&store);
        async move {
            store
                .claim(
                    scope,
                    key,
                    &[print; 32],
                    at(now),
                    at(now + 60),
                    at(now + 86_400),
                )
                .await
                .expect("claim")
        }
    };
    let racers: Vec<_> = (0..8)
        .map(|_| tokio::spawn(claim("alice", "order-1", 1, 1_000)))
        .collect();
    let mut claimed = 0;
    for racer in racers {
        match racer.await.expect("racer") {
            Claim::Claimed => claimed += 1,
            Claim::InFlight => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(claimed, 1, "one claim wins");
    assert_eq!(claim("alice", "order-1", 2, 1_001).await, Claim::Mismatch);
    assert_eq!(claim("bob", "order-1", 2, 1_001).await, Claim::Claimed);
    let answer = Sealed(vec![7; 100]);
    store
        .answer("alice", "order-1", &answer)
        .await
        .expect("answer");
    assert_eq!(
        claim("alice", "order-1", 1, 1_002).await,
        Claim::Answered(answer.clone())
    );
    // Released: claimed again; an answered key is not released.
    store.release("bob", "order-1").await.expect("release");
    assert_eq!(claim("bob", "order-1", 3, 1_003).await, Claim::Claimed);
    store.release("alice", "order-1").await.expect("release");
    assert_eq!(
        claim("alice", "order-1", 1, 1_004).await,
        Claim::Answered(answer)
    );
    // Abandoned (its lock ran out at 1_063): taken over by the same request only.
    assert_eq!(claim("bob", "order-1", 3, 1_010).await, Claim::InFlight);
    assert_eq!(claim("bob", "order-1", 4, 1_070).await, Claim::Mismatch);
    assert_eq!(claim("bob", "order-1", 3, 1_070).await, Claim::Claimed);
    // The window ends: a new request, and the records are purged.
    assert_eq!(
        claim("alice", "order-1", 9, 1_000 + 86_400).await,
        Claim::Claimed
    );
    assert_eq!(
        store
            .purge_expired(at(1_003 + 86_400))
            .await
            .expect("purge"),
        1,
        "bob's record (claimed at 1_003) ended; alice's was renewed"
    );
}

/// A secret's lifecycle (end, lookup digest, warning, leak) round-trips through create and
/// update; the application is found by the digest of a current or previous secret, not of
/// a revoked one; the secrets ending in a window are found; a mark is written once with
/// its event, and a smaller warning after a larger one.
pub async fn secret_lifecycles_round_trip_and_marks_are_written_once(f: &impl Fixture) {
    use oauth_apps_domain::{CredentialSerial, SecretLifecycle, SecretMark};
    let repo = f.repository();
    let lifecycle = f.lifecycle();
    let digest = |s: &str| TokenDigest::of(s);
    let with = |label: &str, ends: i64| {
        Credentials::secret(Secrets::new(first_secret(label).with_lifecycle(
            SecretLifecycle {
                expires_at: Some(at(ends)),
                lookup: Some(digest(label)),
                expiry_warned_days: None,
                leaked_at: None,
            },
        )))
    };
    let soon = insert(
        &*repo,
        new_app_with(
            "acme",
            "Ends soon",
            AppType::Web,
            with("soon", 1_000),
            at(10),
        ),
    )
    .await;
    let later = insert(
        &*repo,
        new_app_with(
            "acme",
            "Ends later",
            AppType::Web,
            with("later", 5_000),
            at(10),
        ),
    )
    .await;
    let stored = reload(&*repo, &soon).await;
    assert_eq!(
        stored
            .secrets()
            .map(|s| s.current().credential.lifecycle.clone()),
        soon.secrets()
            .map(|s| s.current().credential.lifecycle.clone())
    );
    let found = lifecycle
        .find_by_secret_lookup(digest("soon"))
        .await
        .expect("lookup");
    assert_eq!(found.map(|a| *a.client_id()), Some(*soon.client_id()));
    assert!(
        lifecycle
            .find_by_secret_lookup(digest("nobody"))
            .await
            .expect("lookup")
            .is_none()
    );
    let ending = lifecycle
        .secrets_ending_between(at(500), at(2_000), 10)
        .await
        .expect("ending");
    assert_eq!(
        ending.iter().map(|a| *a.client_id()).collect::<Vec<_>>(),
        [*soon.client_id()]
    );
    assert_eq!(
        lifecycle
            .secrets_ending_between(at(500), at(6_000), 10)
            .await
            .expect("ending")
            .len(),
        2
    );
    // Marks: once each, with their event; a smaller warning after a larger one.
    let serial = CredentialSerial::FIRST;
    let events_before = f.audit_event_count(soon.id()).await;
    let warn = |days| SecretMark::ExpiryWarned(days);
    let event = event(AuditAction::SecretExpiring, at(20));
    assert!(
        lifecycle
            .mark_secret(soon.id(), serial, warn(14), &event)
            .await
            .expect("mark")
    );
    assert!(
        !lifecycle
            .mark_secret(soon.id(), serial, warn(14), &event)
            .await
            .expect("again")
    );
    assert!(
        lifecycle
            .mark_secret(soon.id(), serial, warn(7), &event)
            .await
            .expect("mark")
    );
    assert!(
        !lifecycle
            .mark_secret(soon.id(), serial, warn(14), &event)
            .await
            .expect("larger")
    );
    let leak = event_of(
        AuditAction::SecretLeaked,
        vec![ChangedField::Secret],
        at(21),
    );
    assert!(
        lifecycle
            .mark_secret(soon.id(), serial, SecretMark::Leaked(at(21)), &leak)
            .await
            .expect("leak")
    );
    assert!(
        !lifecycle
            .mark_secret(soon.id(), serial, SecretMark::Leaked(at(22)), &leak)
            .await
            .expect("again")
    );
    assert_eq!(f.audit_event_count(soon.id()).await, events_before + 3);
    let marked = reload(&*repo, &soon).await;
    let marked_lifecycle = marked
        .secrets()
        .expect("secrets")
        .current()
        .credential
        .lifecycle
        .clone();
    assert_eq!(marked_lifecycle.expiry_warned_days, Some(7));
    assert_eq!(marked_lifecycle.leaked_at, Some(at(21)));
    // An update keeps the marks, and writes a changed end.
    let next = marked.with_secret_lifecycle(serial, |l| l.expires_at = Some(at(30)));
    let next = renamed(&next, "Ends now", at(30));
    write(
        &*repo,
        &marked,
        &next,
        AuditAction::SecretLeaked,
        vec![ChangedField::Secret],
    )
    .await;
    let reread = reload(&*repo, &next).await;
    let l = reread
        .secrets()
        .expect("secrets")
        .current()
        .credential
        .lifecycle
        .clone();
    assert_eq!(
        (l.expires_at, l.expiry_warned_days, l.leaked_at),
        (Some(at(30)), Some(7), Some(at(21)))
    );
    // A rotation without grace revokes the old secret: no longer found by its digest.
    let rotated = later
        .rotated(hash("later-2"), None, GracePeriod::NONE, at(40))
        .expect("rotate");
    write(
        &*repo,
        &later,
        &rotated,
        AuditAction::SecretRotated,
        vec![ChangedField::Secret],
    )
    .await;
    assert!(
        lifecycle
            .find_by_secret_lookup(digest("later"))
            .await
            .expect("lookup")
            .is_none()
    );
}

/// An organisation's policy round-trips and is replaced whole: its self-registration
/// limits too, where a list left to its default (`None`) and an empty list (nothing
/// allowed) stay apart, and its quiet period for self-registered clients (set, then
/// never).
pub async fn policies_round_trip(f: &impl Fixture) {
    use oauth_apps_domain::{
        AuthMethod, GrantType, LeakedSecretAction, OrganizationPolicy, PolicyProfile,
        SecretLifetime, SelfRegistrationLimits, StaleAfter,
    };
    let policies = f.policies();
    assert!(policies.policy(&org("acme")).await.expect("read").is_none());
    let first = OrganizationPolicy {
        owner_org_id: org("acme"),
        secret_lifetime: Some(SecretLifetime::from_days(90).expect("days")),
        leaked_secret_action: LeakedSecretAction::Notify,
        self_registration: SelfRegistrationLimits {
            grant_types: Some(vec![GrantType::ClientCredentials, GrantType::RefreshToken]),
            scopes: Some(Vec::new()),
            auth_methods: Some(vec![AuthMethod::None, AuthMethod::PrivateKeyJwt]),
        },
        profile: PolicyProfile::Fapi2,
        stale_after: Some(StaleAfter::from_days(3650).expect("days")),
        updated_by: "alice".into(),
        updated_at: at(10),
    };
    policies.put_policy(&first).await.expect("put");
    assert_eq!(
        policies.policy(&org("acme")).await.expect("read"),
        Some(first)
    );
    let second = OrganizationPolicy {
        owner_org_id: org("acme"),
        secret_lifetime: None,
        leaked_secret_action: LeakedSecretAction::Revoke,
        self_registration: SelfRegistrationLimits {
            scopes: Some(vec!["read".into()]),
            ..SelfRegistrationLimits::default()
        },
        profile: PolicyProfile::Baseline,
        stale_after: None,
        updated_by: "bob".into(),
        updated_at: at(20),
    };
    policies.put_policy(&second).await.expect("put");
    assert_eq!(
        policies.policy(&org("acme")).await.expect("read"),
        Some(second)
    );
    assert!(
        policies
            .policy(&org("globex"))
            .await
            .expect("read")
            .is_none()
    );
}

/// The quiet periods organisations set are listed; an organisation's active
/// self-registered clients heard of by nothing since a time are found (not its operators'
/// clients, not disabled ones, not another organisation's), a page at a time; a credential
/// use or a registration read (noted at most once a minute, and only for a self-registered
/// client) keeps a client from being found; a warning is written once per quiet period,
/// with its event.
pub async fn quiet_self_registered_clients_are_found_warned_once_and_heard_of(f: &impl Fixture) {
    use oauth_apps_domain::{
        LeakedSecretAction, OrganizationPolicy, SelfRegistrationLimits, StaleAfter,
    };
    let policies = f.policies();
    for (name, days) in [("initech", Some(10)), ("acme", Some(30)), ("globex", None)] {
        policies
            .put_policy(&OrganizationPolicy {
                owner_org_id: org(name),
                secret_lifetime: None,
                leaked_secret_action: LeakedSecretAction::Revoke,
                self_registration: SelfRegistrationLimits::default(),
                profile: oauth_apps_domain::PolicyProfile::Baseline,
                stale_after: days.map(|d| StaleAfter::from_days(d).expect("days")),
                updated_by: "alice".into(),
                updated_at: at(1),
            })
            .await
            .expect("policy");
    }
    let stale = f.stale_clients();
    let periods: Vec<(String, u32)> = stale
        .quiet_periods()
        .await
        .expect("periods")
        .into_iter()
        .map(|(o, s)| (o.as_str().to_owned(), s.days()))
        .collect();
    assert_eq!(periods, [("acme".into(), 30), ("initech".into(), 10)]);

    let repo = f.repository();
    let made = |org_id: &str, name: &str, registration: Registration| {
        new_app(org_id, name, at(10)).with_registration(registration)
    };
    let manual = insert(&*repo, made("acme", "Manual", Registration::Manual)).await;
    let dynamic = insert(&*repo, made("acme", "Dynamic", Registration::Dynamic)).await;
    let document = insert(
        &*repo,
        made("acme", "Document", Registration::MetadataDocument),
    )
    .await;
    let elsewhere = insert(&*repo, made("globex", "Elsewhere", Registration::Dynamic)).await;
    let disabled = insert(&*repo, made("acme", "Disabled", Registration::Dynamic)).await;
    write(
        &*repo,
        &disabled,
        &disabled.with_status(Status::Revoked, at(11)),
        AuditAction::Disabled,
        vec![ChangedField::Status],
    )
    .await;
    let found = async |since: i64, after: Option<AppId>, limit: u32| {
        stale
            .quiet_clients(&org("acme"), at(since), after, limit)
            .await
            .expect("quiet")
            .into_iter()
            .map(|c| (c.app.id(), c.last_read, c.warned_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(100, None, 10).await,
        [(dynamic.id(), None, None), (document.id(), None, None)]
    );
    assert!(found(10, None, 10).await.is_empty(), "registered at 10");
    // A page at a time, by id.
    assert_eq!(found(100, None, 1).await, [(dynamic.id(), None, None)]);
    assert_eq!(
        found(100, Some(dynamic.id()), 1).await,
        [(document.id(), None, None)]
    );
    let _ = elsewhere;

    // A credential use and a registration read.
    let first_secret = CredentialRef {
        kind: CredentialKind::Secret,
        serial: CredentialSerial::FIRST,
    };
    assert!(
        repo.record_use(dynamic.id(), first_secret, at(150))
            .await
            .expect("use")
    );
    let reads = f.registration_reads();
    assert!(
        reads
            .record_registration_read(document.id(), at(120))
            .await
            .expect("read")
    );
    assert!(
        !reads
            .record_registration_read(document.id(), at(150))
            .await
            .expect("read"),
        "within a minute of the last"
    );
    assert!(
        reads
            .record_registration_read(document.id(), at(180))
            .await
            .expect("read")
    );
    assert!(
        !reads
            .record_registration_read(manual.id(), at(180))
            .await
            .expect("read"),
        "an operator's client keeps no reads"
    );
    assert!(found(150, None, 10).await.is_empty());
    assert_eq!(
        found(200, None, 10).await,
        [
            (dynamic.id(), None, None),
            (document.id(), Some(at(180)), None)
        ]
    );

    // Warned once per quiet period.
    let warning = AuditEvent {
        action: AuditAction::StaleWarning,
        actor: "system:stale-client".into(),
        request_id: None,
        client_request_id: None,
        changed_fields: Vec::new(),
        at: at(300),
    };
    assert!(
        stale
            .mark_stale_warned(dynamic.id(), at(150), at(300), &warning)
            .await
            .expect("warn")
    );
    assert!(
        !stale
            .mark_stale_warned(dynamic.id(), at(150), at(310), &warning)
            .await
            .expect("warn"),
        "warned in this period already"
    );
    assert!(
        !stale
            .mark_stale_warned(manual.id(), at(10), at(300), &warning)
            .await
            .expect("warn"),
        "an operator's client is never warned"
    );
    assert_eq!(
        found(200, None, 1).await,
        [(dynamic.id(), None, Some(at(300)))]
    );
    assert!(
        stale
            .mark_stale_warned(dynamic.id(), at(400), at(500), &warning)
            .await
            .expect("warn"),
        "a new quiet period"
    );
    let warnings = repo
        .list_events(dynamic.id(), None, 10)
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.event.action == AuditAction::StaleWarning)
        .count();
    assert_eq!(warnings, 2);
    assert_eq!(f.audit_event_count(manual.id()).await, 1);
}
