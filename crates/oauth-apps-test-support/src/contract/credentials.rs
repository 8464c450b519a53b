//! Credentials: secrets and key sets, their rotations and uses, and assertion ids.

#[allow(clippy::wildcard_imports)]
use super::*;

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
                        .rotated(hash(&format!("rotation-{i}")), None, grace, at(200))
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
    assert!(stored.secrets().expect("a secret").previous().is_some());
}

/// A `private_key_jwt` application without a secret, with an inline JWK Set of three keys
/// (Ed25519, P-256, RSA): stored, found every way and listed exactly as it was.
pub async fn private_key_jwt_with_inline_keys_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let created = Timestamp::from_unix_micros(1_700_000_000_654_321).expect("valid");
    let credentials = key_credentials(inline(&["ed", "p256", "rsa"]), created);
    let app = insert(
        &*repo,
        new_app_with("acme", "Signed", AppType::Web, credentials, created),
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, app);
    assert_eq!(stored.auth_method(), AuthMethod::PrivateKeyJwt);
    assert!(stored.secrets().is_none());
    let keys = stored.keys().expect("keys");
    let KeySource::Inline(set) = &keys.current().credential else {
        panic!("inline keys expected")
    };
    assert_eq!(set.kids().collect::<Vec<_>>(), ["ed", "p256", "rsa"]);
    assert_eq!(keys.current().created_at, created);
    assert!(keys.previous().is_none());
    assert_eq!(
        repo.find_by_org_and_id(&org("acme"), app.id())
            .await
            .unwrap(),
        Some(app.clone())
    );
    assert_eq!(
        repo.list_after(&org("acme"), None, None, 10).await.unwrap(),
        std::slice::from_ref(&app)
    );
    assert_eq!(
        repo.list_page(&org("acme"), 0, 10).await.unwrap(),
        (vec![app.clone()], 1)
    );
    assert!(f.secret_states(app.id()).await.is_empty());
    assert_eq!(f.key_set_states(app.id()).await, ["current"]);

    // An update of another field leaves the keys as they are.
    let next = renamed(&app, "Signed, renamed", at(2_000_000_000));
    write(
        &*repo,
        &app,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    assert_eq!(reload(&*repo, &app).await, next);
    assert_eq!(f.key_set_states(app.id()).await, ["current"]);
}

/// A public client that does not authenticate (`none`): no secret, no keys; it round-trips
/// and survives an update.
pub async fn auth_method_none_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let credentials =
        Credentials::new(AppType::Public, AuthMethod::None, None, None).expect("valid");
    let app = insert(
        &*repo,
        new_app_with("acme", "Public", AppType::Public, credentials, at(100)),
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, app);
    assert_eq!(stored.auth_method(), AuthMethod::None);
    assert!(stored.secrets().is_none() && stored.keys().is_none());
    let next = renamed(&app, "Public, renamed", at(200));
    write(
        &*repo,
        &app,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    assert_eq!(reload(&*repo, &app).await, next);
    assert!(f.secret_states(app.id()).await.is_empty());
    assert!(f.key_set_states(app.id()).await.is_empty());
}

/// A key rotation with grace keeps the old set as the previous one with its expiry; a
/// second rotation replaces it; revoking the previous credential removes it; the trail
/// records `keys_rotated`.
pub async fn key_rotation_round_trips_then_the_previous_set_is_revoked(f: &impl Fixture) {
    let repo = f.repository();
    let first = inline(&["k1"]);
    let app = insert(
        &*repo,
        new_app_with(
            "acme",
            "Rotating keys",
            AppType::Web,
            key_credentials(first.clone(), at(100)),
            at(100),
        ),
    )
    .await;
    let grace = GracePeriod::from_seconds(3600).expect("in range");

    let rotated = app
        .with_rotated_keys(remote("https://client.example/jwks.json"), grace, at(200))
        .expect("active");
    write(
        &*repo,
        &app,
        &rotated,
        AuditAction::KeysRotated,
        vec![ChangedField::JwksUri],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, rotated);
    let keys = stored.keys().expect("keys");
    assert_eq!(
        keys.current().credential,
        remote("https://client.example/jwks.json")
    );
    assert_eq!(keys.current().created_at, at(200));
    let previous = keys.previous().expect("the previous set");
    assert_eq!(
        (&previous.issued.credential, previous.issued.created_at),
        (&first, at(100))
    );
    assert_eq!(previous.expires_at, at(3800));
    assert_eq!(
        sorted(f.key_set_states(app.id()).await),
        ["current", "previous"]
    );

    // Again: the older previous set goes, the one just replaced becomes previous.
    let again = rotated
        .with_rotated_keys(inline(&["k2", "k3"]), grace, at(300))
        .expect("active");
    write(
        &*repo,
        &rotated,
        &again,
        AuditAction::KeysRotated,
        vec![ChangedField::Jwks],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, again);
    let previous = stored.keys().and_then(KeySets::previous).expect("previous");
    assert_eq!(
        previous.issued.credential,
        remote("https://client.example/jwks.json")
    );
    assert_eq!(previous.expires_at, at(3900));
    assert_eq!(
        sorted(f.key_set_states(app.id()).await),
        ["current", "previous"]
    );

    // Revoking the previous credential ends its grace at once.
    let revoked = again.without_previous_credential(at(400));
    write(
        &*repo,
        &again,
        &revoked,
        AuditAction::PreviousSecretRevoked,
        vec![ChangedField::Secret],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, revoked);
    assert!(stored.keys().and_then(KeySets::previous).is_none());
    assert_eq!(
        stored.keys().expect("keys").current().credential,
        inline(&["k2", "k3"])
    );
    assert_eq!(f.key_set_states(app.id()).await, ["current"]);

    let trail = repo.list_events(app.id(), None, 10).await.expect("events");
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.event.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::PreviousSecretRevoked,
            AuditAction::KeysRotated,
            AuditAction::KeysRotated,
            AuditAction::Created
        ]
    );
    assert_eq!(trail[1].event.changed_fields, [ChangedField::Jwks]);
    assert_eq!(trail[2].event.changed_fields, [ChangedField::JwksUri]);
}

/// 8 concurrent key rotations (with grace): one current and one previous set remain, and
/// the stored state is the last rotation's.
pub async fn concurrent_key_rotations_leave_one_current_set(f: &impl Fixture) {
    const TASKS: usize = 8;
    let repo = f.repository();
    let app = insert(
        &*repo,
        new_app_with(
            "acme",
            "Keys in a race",
            AppType::Web,
            key_credentials(inline(&["first"]), at(100)),
            at(100),
        ),
    )
    .await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let repo = Arc::clone(&repo);
            let client_id = *app.client_id();
            tokio::spawn(async move {
                let grace = GracePeriod::from_seconds(3600).expect("in range");
                let uri = format!("https://client.example/jwks/{i}");
                loop {
                    let current = repo
                        .find_by_client_id(&client_id)
                        .await
                        .expect("find")
                        .expect("stored");
                    let now = at(200 + i64::try_from(i).expect("small"));
                    let next = current
                        .with_rotated_keys(remote(&uri), grace, now)
                        .expect("active app");
                    match repo
                        .update(
                            &next,
                            current.version(),
                            &event_of(AuditAction::KeysRotated, vec![ChangedField::JwksUri], now),
                        )
                        .await
                    {
                        Ok(()) => return next,
                        Err(RepositoryError::VersionConflict) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
            })
        })
        .collect();
    let mut written = Vec::new();
    for task in tasks {
        written.push(task.await.expect("task"));
    }
    assert_eq!(
        sorted(f.key_set_states(app.id()).await),
        ["current", "previous"]
    );
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored.version().get(), 1 + TASKS as i64);
    let last = written
        .into_iter()
        .find(|w| w.version() == stored.version())
        .expect("the last write");
    assert_eq!(stored, last);
}

/// Switching the method by an update: from one secret method to the other keeps the
/// secret; to `private_key_jwt` (with keys) drops the secrets, current and previous, which
/// no longer read back (they are kept revoked, as history).
pub async fn switching_method_by_update_drops_the_secrets(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Switching", at(100))).await;
    let rotated = app
        .rotated(
            hash("second"),
            Some(SecretHint::restore("2nd!").expect("a valid hint")),
            GracePeriod::from_seconds(3600).expect("in range"),
            at(200),
        )
        .expect("active");
    write(
        &*repo,
        &app,
        &rotated,
        AuditAction::SecretRotated,
        vec![ChangedField::Secret],
    )
    .await;

    let post = with_method(&rotated, AuthMethod::ClientSecretPost, None, at(300));
    write(
        &*repo,
        &rotated,
        &post,
        AuditAction::Updated,
        vec![ChangedField::TokenEndpointAuthMethod],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, post);
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretPost);
    assert_eq!(stored.secrets(), rotated.secrets());
    assert_eq!(
        sorted(f.secret_states(app.id()).await),
        ["current", "previous"]
    );

    let keys = KeySets::new(KeySet::new(
        inline(&["k1"]),
        CredentialSerial::FIRST,
        at(400),
    ));
    let signed = with_method(&post, AuthMethod::PrivateKeyJwt, Some(keys), at(400));
    assert!(signed.secrets().is_none(), "a key method keeps no secret");
    write(
        &*repo,
        &post,
        &signed,
        AuditAction::Updated,
        vec![ChangedField::TokenEndpointAuthMethod, ChangedField::Jwks],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, signed);
    assert_eq!(stored.auth_method(), AuthMethod::PrivateKeyJwt);
    assert!(stored.secrets().is_none());
    assert_eq!(f.secret_states(app.id()).await, ["revoked", "revoked"]);
    assert_eq!(f.key_set_states(app.id()).await, ["current"]);
}

/// Keys published at a URL (with a path and a query) round-trip, alone and beside a
/// secret method that registered them ahead of a switch.
pub async fn an_application_with_a_jwks_uri_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let uri = "https://keys.client.example/tenant/7/jwks.json?v=2";
    let app = insert(
        &*repo,
        new_app_with(
            "acme",
            "Published keys",
            AppType::Web,
            key_credentials(remote(uri), at(100)),
            at(100),
        ),
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, app);
    assert_eq!(
        stored.keys().expect("keys").current().credential,
        remote(uri)
    );
    assert!(stored.secrets().is_none());

    // Keys registered ahead of a switch, beside a secret.
    let ahead = Credentials::new(
        AppType::Web,
        AuthMethod::ClientSecretBasic,
        Some(Secrets::new(first_secret("ahead"))),
        Some(KeySets::new(KeySet::new(
            remote(uri),
            CredentialSerial::FIRST,
            at(150),
        ))),
    )
    .expect("valid");
    let both = insert(
        &*repo,
        new_app_with("acme", "Both", AppType::Web, ahead, at(150)),
    )
    .await;
    let stored = reload(&*repo, &both).await;
    assert_eq!(stored, both);
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretBasic);
    assert!(stored.secrets().is_some() && stored.keys().is_some());
    assert_eq!(f.secret_states(both.id()).await, ["current"]);
    assert_eq!(f.key_set_states(both.id()).await, ["current"]);
}

/// The first secret of an application, as a credential.
const FIRST_SECRET: CredentialRef = CredentialRef {
    kind: CredentialKind::Secret,
    serial: CredentialSerial::FIRST,
};

/// A use of a credential is written at most once a minute (a use within a minute of the
/// stored one writes nothing), is no change (no version, no `updated_at`, no audit event),
/// and an update computed before it does not undo it. A use of a revoked secret writes
/// nothing.
pub async fn credential_uses_are_written_once_a_minute_and_survive_updates(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Used", at(10))).await;
    let events = f.audit_event_count(app.id()).await;

    assert!(
        repo.record_use(app.id(), FIRST_SECRET, at(100))
            .await
            .unwrap()
    );
    let used = reload(&*repo, &app).await;
    let current = used.secrets().expect("secrets").current();
    assert_eq!(current.last_used_at, Some(at(100)));
    assert_eq!(used.version(), app.version(), "a use is not a change");
    assert_eq!(used.updated_at(), app.updated_at());
    assert_eq!(f.audit_event_count(app.id()).await, events);
    assert_eq!(used, app.with_recorded_use(FIRST_SECRET, at(100)));

    // Within the minute: nothing is written; a minute later it is.
    assert!(
        !repo
            .record_use(app.id(), FIRST_SECRET, at(159))
            .await
            .unwrap()
    );
    assert_eq!(
        reload(&*repo, &app)
            .await
            .credentials()
            .last_used(FIRST_SECRET),
        Some(at(100))
    );
    assert!(
        repo.record_use(app.id(), FIRST_SECRET, at(160))
            .await
            .unwrap()
    );

    // An update computed from the copy read before the uses keeps them.
    let next = renamed(&app, "Renamed", at(200));
    write(
        &*repo,
        &app,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored.profile().name().as_str(), "Renamed");
    assert_eq!(stored.credentials().last_used(FIRST_SECRET), Some(at(160)));

    // A serial the application never had, another application's, a revoked secret: none.
    let second = CredentialRef {
        serial: CredentialSerial::FIRST.next(),
        ..FIRST_SECRET
    };
    assert!(!repo.record_use(app.id(), second, at(400)).await.unwrap());
    let other = insert(&*repo, new_app("acme", "Other", at(10))).await;
    assert!(
        repo.record_use(other.id(), FIRST_SECRET, at(400))
            .await
            .unwrap()
    );
    assert_eq!(
        reload(&*repo, &app)
            .await
            .credentials()
            .last_used(FIRST_SECRET),
        Some(at(160))
    );
    let rotated = stored
        .rotated(hash("next"), None, GracePeriod::NONE, at(500))
        .expect("active");
    write(
        &*repo,
        &stored,
        &rotated,
        AuditAction::SecretRotated,
        vec![],
    )
    .await;
    assert!(
        !repo
            .record_use(app.id(), FIRST_SECRET, at(900))
            .await
            .unwrap()
    );
    assert!(repo.record_use(app.id(), second, at(900)).await.unwrap());
    let stored = reload(&*repo, &app).await;
    assert_eq!(
        stored.secrets().expect("secrets").current().serial,
        second.serial
    );
    assert_eq!(stored.credentials().last_used(second), Some(at(900)));
}

/// A key set's use is written like a secret's; a key set that is replaced takes its use
/// along, while the set that became previous keeps its own.
pub async fn key_set_uses_are_written_and_go_with_the_set(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(
        &*repo,
        new_app_with(
            "acme",
            "Keys used",
            AppType::Web,
            key_credentials(inline(&["k1"]), at(100)),
            at(100),
        ),
    )
    .await;
    let first_set = CredentialRef {
        kind: CredentialKind::KeySet,
        serial: CredentialSerial::FIRST,
    };
    assert!(
        !repo
            .record_use(app.id(), FIRST_SECRET, at(150))
            .await
            .unwrap()
    );
    assert!(repo.record_use(app.id(), first_set, at(150)).await.unwrap());
    assert!(!repo.record_use(app.id(), first_set, at(180)).await.unwrap());
    let stored = reload(&*repo, &app).await;
    let keys = stored.keys().expect("keys");
    assert_eq!(keys.current().last_used_at, Some(at(150)));
    assert_eq!(stored.version(), app.version());

    let grace = GracePeriod::from_seconds(3600).expect("in range");
    let rotated = stored
        .with_rotated_keys(inline(&["k2"]), grace, at(200))
        .expect("active");
    write(
        &*repo,
        &stored,
        &rotated,
        AuditAction::KeysRotated,
        vec![ChangedField::Jwks],
    )
    .await;
    let second_set = CredentialRef {
        serial: CredentialSerial::FIRST.next(),
        ..first_set
    };
    assert!(
        repo.record_use(app.id(), second_set, at(300))
            .await
            .unwrap()
    );
    let stored = reload(&*repo, &app).await;
    let keys = stored.keys().expect("keys");
    assert_eq!(
        (keys.current().serial, keys.current().last_used_at),
        (second_set.serial, Some(at(300)))
    );
    let previous = keys.previous().expect("in grace");
    assert_eq!(
        (previous.issued.serial, previous.issued.last_used_at),
        (CredentialSerial::FIRST, Some(at(150)))
    );
    let summary = stored
        .credentials()
        .previous_credential()
        .expect("previous");
    assert_eq!(summary.last_used_at, Some(at(150)));
}

/// Each secret keeps its serial, hint and issue time through a rotation with grace.
pub async fn secret_serials_hints_and_issue_times_round_trip(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Hinted", at(1))).await;
    let stored = reload(&*repo, &app).await;
    let first = stored.secrets().expect("secrets").current().clone();
    assert_eq!(
        (
            first.serial,
            first.credential.hint.as_ref().map(SecretHint::as_str),
            first.created_at
        ),
        (CredentialSerial::FIRST, Some("Ab9_"), at(1))
    );
    let rotated = stored
        .rotated(
            hash("second"),
            Some(SecretHint::restore("2nd!").expect("a valid hint")),
            GracePeriod::from_seconds(60).expect("in range"),
            at(300),
        )
        .expect("active");
    write(
        &*repo,
        &stored,
        &rotated,
        AuditAction::SecretRotated,
        vec![],
    )
    .await;
    let stored = reload(&*repo, &app).await;
    assert_eq!(stored, rotated);
    let secrets = stored.secrets().expect("secrets");
    let current = secrets.current();
    assert_eq!(
        (
            current.serial.get(),
            current.credential.hint.as_ref().map(SecretHint::as_str),
            current.created_at
        ),
        (2, Some("2nd!"), at(300))
    );
    let previous = secrets.previous().expect("in grace");
    assert_eq!(previous.issued, first);
    assert_eq!(previous.expires_at, at(360));
}

/// A `jti` is accepted once per client: again on the same store or on another replica it
/// is a replay, while another client may use the same value; of concurrent first uses on
/// two replicas exactly one wins.
pub async fn assertion_ids_are_single_use_per_client_across_replicas(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Asserting", at(1))).await;
    let other = insert(&*repo, new_app("acme", "Also asserting", at(1))).await;
    let guard = f.replay_guard();
    let replica = f.other_replica();
    let later = at(4_000_000_000);
    let now = at(10);

    assert!(
        guard
            .first_use(app.id(), "jti-1", later, now)
            .await
            .unwrap()
    );
    assert!(
        !guard
            .first_use(app.id(), "jti-1", later, now)
            .await
            .unwrap()
    );
    assert!(
        !replica
            .first_use(app.id(), "jti-1", later, now)
            .await
            .unwrap()
    );
    assert!(
        replica
            .first_use(other.id(), "jti-1", later, now)
            .await
            .unwrap()
    );
    assert!(
        guard
            .first_use(app.id(), "JTI-1", later, now)
            .await
            .unwrap(),
        "case counts"
    );

    let attempts = (0..8).map(|i| {
        let on = if i % 2 == 0 {
            guard.clone()
        } else {
            replica.clone()
        };
        let app = app.id();
        tokio::spawn(async move { on.first_use(app, "raced", later, now).await.unwrap() })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.expect("joined"));
    }
    assert_eq!(won, 1, "exactly one concurrent first use");
    assert_eq!(f.assertion_records().await, 4);
}

/// Records of expired assertions are purged (and only those); a `jti` whose record has
/// expired may be used again even before the purge.
pub async fn expired_assertion_ids_are_purged_and_may_be_used_again(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Purged", at(1))).await;
    let guard = f.replay_guard();
    let later = at(4_000_000_000);
    let now = at(100);
    assert!(
        guard
            .first_use(app.id(), "expired-1", at(5), at(1))
            .await
            .unwrap()
    );
    assert!(
        guard
            .first_use(app.id(), "expired-2", at(6), at(1))
            .await
            .unwrap()
    );
    assert!(
        guard
            .first_use(app.id(), "valid", later, now)
            .await
            .unwrap()
    );
    // Its assertion expired long ago: the record no longer refuses the value.
    assert!(
        guard
            .first_use(app.id(), "expired-1", later, now)
            .await
            .unwrap()
    );
    assert!(
        !guard
            .first_use(app.id(), "expired-1", later, now)
            .await
            .unwrap()
    );
    assert_eq!(f.assertion_records().await, 3);
    assert_eq!(f.purge_expired_assertions(now).await, 1);
    assert_eq!(f.assertion_records().await, 2);
    assert!(
        !guard
            .first_use(app.id(), "valid", later, now)
            .await
            .unwrap()
    );
    assert_eq!(f.purge_expired_assertions(now).await, 0);
}

/// The replay guard tells expired records by the time it is given (the domain's clock),
/// never by the machine's: a record whose assertion expires in 1970 still refuses its
/// `jti` at an earlier time, and is taken over or purged once that time has come.
pub async fn assertion_ids_expire_by_the_time_the_guard_is_given(f: &impl Fixture) {
    let repo = f.repository();
    let app = insert(&*repo, new_app("acme", "Clocked", at(1))).await;
    let guard = f.replay_guard();
    assert!(
        guard
            .first_use(app.id(), "j", at(50), at(10))
            .await
            .unwrap()
    );
    assert!(
        !guard
            .first_use(app.id(), "j", at(50), at(49))
            .await
            .unwrap()
    );
    assert_eq!(f.purge_expired_assertions(at(49)).await, 0);
    assert_eq!(f.assertion_records().await, 1);
    // At its expiry the record no longer counts.
    assert!(
        guard
            .first_use(app.id(), "j", at(90), at(50))
            .await
            .unwrap()
    );
    assert!(
        !guard
            .first_use(app.id(), "j", at(90), at(89))
            .await
            .unwrap()
    );
    assert_eq!(f.purge_expired_assertions(at(90)).await, 1);
    assert_eq!(f.assertion_records().await, 0);
}
