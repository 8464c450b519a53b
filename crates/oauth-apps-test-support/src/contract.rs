//! The repository contract: what every [`ApplicationRepository`] must do, checked on a real
//! database. Each case takes a fresh [`Fixture`].

use std::sync::Arc;

use oauth_apps_domain::{
    AccessLevel, AppId, AppName, AppType, ApplicationRepository, ArchivedApplication, AuditAction,
    AuditEvent, AuthMethod, ChangedField, ClientId, ClientMetadata, ClientMetadataRecord,
    CredentialKind, CredentialRef, CredentialSerial, Credentials, Cursor, Description, GracePeriod,
    GrantTypes, InitialAccessToken, InitialAccessTokenId, Jwks, JwksUri, KeySet, KeySets,
    KeySource, MetadataDocumentUrl, NewApplication, OAuthApplication, OrgId, Profile, RedirectUrls,
    Registration, RegistrationDetails, RepositoryError, ScopeCatalog, Scopes, Secret, SecretHash,
    SecretHint, Secrets, Status, StoredAuditEvent, Timestamp, TokenDigest, Version,
};
use oauth_apps_domain::{
    DeliveryOutcome, DeliveryStatus, EventType, Sealed, Webhook, WebhookId, WebhookRepository,
    WebhookUrl,
};
use oauth_apps_domain::{
    HashedSecret, PreviousKeySet, PreviousSecret, SecretLifecycle, StoredApplication,
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

/// Secret credentials (`client_secret_basic`) with a unique current secret.
#[must_use]
pub fn secret_credentials() -> Credentials {
    Credentials::secret(Secrets::new(first_secret(&format!(
        "initial-{}",
        uuid::Uuid::new_v4().simple()
    ))))
}

/// An application's first secret, its hash made from `label`, issued at 1 s, with the
/// hint `Ab9_`.
#[must_use]
pub fn first_secret(label: &str) -> Secret {
    Secret::first(
        hash(label),
        Some(SecretHint::restore("Ab9_").expect("a valid hint")),
        at(1),
    )
}

/// A JWK Set of public keys with ids `kids`: an Ed25519 key, a P-256 key and a 2048-bit
/// RSA key in turn.
#[must_use]
pub fn jwks(kids: &[&str]) -> Jwks {
    const ED25519: &str =
        r#""kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo""#;
    const P256: &str = r#""kty":"EC","crv":"P-256","alg":"ES256","use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0""#;
    // 256 bytes whose first is 0xc3: a 2048-bit modulus.
    let n = format!("{}Q", "w".repeat(341));
    let rsa = format!(r#""kty":"RSA","e":"AQAB","n":"{n}""#);
    let keys: Vec<String> = kids
        .iter()
        .enumerate()
        .map(|(i, kid)| {
            let members = match i % 3 {
                0 => ED25519.to_owned(),
                1 => P256.to_owned(),
                _ => rsa.clone(),
            };
            format!(r#"{{"kid":"{kid}",{members}}}"#)
        })
        .collect();
    Jwks::parse(&format!(r#"{{"keys":[{}]}}"#, keys.join(","))).expect("a valid JWK Set")
}

/// Keys given inline, with ids `kids`.
#[must_use]
pub fn inline(kids: &[&str]) -> KeySource {
    KeySource::Inline(jwks(kids))
}

/// Keys published at `uri`.
#[must_use]
pub fn remote(uri: &str) -> KeySource {
    KeySource::Remote(JwksUri::parse(uri).expect("a valid JWKS URL"))
}

/// `private_key_jwt` credentials with `source` registered at `at`, and no secret.
#[must_use]
pub fn key_credentials(source: KeySource, at: Timestamp) -> Credentials {
    Credentials::new(
        AppType::Web,
        AuthMethod::PrivateKeyJwt,
        None,
        Some(KeySets::new(KeySet::new(
            source,
            CredentialSerial::FIRST,
            at,
        ))),
    )
    .expect("valid credentials")
}

/// A valid application of `app_type` (`web`, `native` or `public`) in `org` with
/// `credentials`, created at `created_at`, with a random client id.
#[must_use]
pub fn new_app_with(
    org: &str,
    name: &str,
    app_type: AppType,
    credentials: Credentials,
    created_at: Timestamp,
) -> NewApplication {
    let redirect = match app_type {
        AppType::Web => "https://app.example.com/cb",
        _ => "http://127.0.0.1/cb",
    };
    let profile = Profile::new(
        app_type,
        AppName::parse(name).expect("valid name"),
        None,
        RedirectUrls::parse(&[redirect], app_type).expect("valid url"),
        Scopes::parse(&["read"], &ScopeCatalog::default()).expect("valid scope"),
        GrantTypes::default(),
        AccessLevel::Organization,
    )
    .expect("valid profile");
    NewApplication::new(
        ClientId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        OrgId::parse(org).expect("valid org"),
        app_type,
        profile,
        false,
        credentials,
        created_at,
    )
}

/// A valid `web` application of `org` with a secret (`client_secret_basic`), created at
/// `created_at`, with a random client id.
#[must_use]
pub fn new_app(org: &str, name: &str, created_at: Timestamp) -> NewApplication {
    new_app_with(org, name, AppType::Web, secret_credentials(), created_at)
}

/// An audit event by `alice`.
#[must_use]
pub fn event(action: AuditAction, now: Timestamp) -> AuditEvent {
    AuditEvent {
        action,
        actor: "alice".into(),
        request_id: Some("req-1".into()),
        client_request_id: None,
        changed_fields: vec![ChangedField::Name],
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
    app.updated(
        profile,
        app.is_first_party(),
        app.status(),
        app.credentials().clone(),
        now,
    )
}

/// `app` with the authentication method `method` and `keys` (its own when `None`), its
/// secret kept only when the method uses one; every other value as it is.
fn with_method(
    app: &OAuthApplication,
    method: AuthMethod,
    keys: Option<KeySets>,
    now: Timestamp,
) -> OAuthApplication {
    let credentials = Credentials::new(
        app.app_type(),
        method,
        app.secrets().cloned(),
        keys.or_else(|| app.keys().cloned()),
    )
    .expect("valid credentials");
    app.updated(
        app.profile().clone(),
        app.is_first_party(),
        app.status(),
        credentials,
        now,
    )
}

/// `event` of `action` recording `fields` as changed.
fn event_of(action: AuditAction, fields: Vec<ChangedField>, now: Timestamp) -> AuditEvent {
    AuditEvent {
        changed_fields: fields,
        ..event(action, now)
    }
}

/// Writes `next` over `current` with an event of `action`.
async fn write(
    repo: &dyn ApplicationRepository,
    current: &OAuthApplication,
    next: &OAuthApplication,
    action: AuditAction,
    fields: Vec<ChangedField>,
) {
    repo.update(
        next,
        current.version(),
        &event_of(action, fields, next.updated_at()),
    )
    .await
    .expect("update");
}

/// `states`, sorted.
fn sorted(mut states: Vec<String>) -> Vec<String> {
    states.sort();
    states
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

/// An application as an export carries it: id `id`, two audit events with ids
/// `id * 10` and `id * 10 + 1`, and with `previous` a previous secret too.
fn archived(id: i64, previous: bool) -> ArchivedApplication {
    let secret = |label: &str, serial: u32, created_at: Timestamp| {
        Secret::new(
            HashedSecret::new(hash(label), None),
            CredentialSerial::new(serial).expect("a serial"),
            created_at,
        )
    };
    let current = Secret {
        last_used_at: Some(at(id * 100 + 70)),
        ..secret(&format!("current-{id}"), 2, at(id * 100 + 50))
    }
    .with_lifecycle(SecretLifecycle {
        expires_at: Some(at(id * 100 + 50 + 86_400)),
        lookup: Some(TokenDigest::of(&format!("current-{id}"))),
        expiry_warned_days: Some(14),
        leaked_at: (id % 2 == 0).then(|| at(id * 100 + 60)),
    });
    let current = Secret {
        credential: HashedSecret {
            hint: Some(SecretHint::restore(format!("c{:03}", id % 1000)).expect("a hint")),
            ..current.credential
        },
        ..current
    };
    let previous = previous.then(|| PreviousSecret {
        issued: secret(&format!("previous-{id}"), 1, at(id * 100)),
        expires_at: at(90_000),
    });
    let dynamic = id % 2 == 1;
    let metadata = if dynamic {
        ClientMetadataRecord {
            client_uri: Some(format!("https://client{id}.example.com/")),
            contacts: vec![format!("ops{id}@example.com")],
            software_id: Some("imported-software".into()),
            ..ClientMetadataRecord::default()
        }
    } else {
        ClientMetadataRecord::default()
    };
    let stored = StoredApplication {
        id: AppId::new(id).expect("a valid id"),
        client_id: ClientId::parse(&uuid::Uuid::new_v4().hyphenated().to_string())
            .expect("a client id"),
        owner_org_id: OrgId::parse("acme").expect("an org"),
        app_type: AppType::Native,
        name: format!("Imported {id}"),
        description: Some("moved here".into()),
        redirect_urls: vec!["http://127.0.0.1/cb".into(), "com.example.app:/cb".into()],
        allowed_scopes: vec!["read".into(), "write".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        access_level: AccessLevel::User,
        status: if id % 2 == 0 {
            Status::Revoked
        } else {
            Status::Active
        },
        is_first_party: id % 3 == 0,
        auth_method: AuthMethod::ClientSecretBasic,
        secrets: Some(Secrets::restore(current, previous)),
        keys: None,
        registration: if dynamic {
            Registration::Dynamic
        } else {
            Registration::Manual
        },
        details: RegistrationDetails {
            metadata: ClientMetadata::new(metadata).expect("valid metadata"),
            access_token: dynamic.then(|| TokenDigest::of(&format!("oart_imported-{id}"))),
            document: None,
        },
        created_at: at(id * 100),
        updated_at: at(id * 100 + 50),
        version: Version::new(2).expect("a version"),
    };
    let application = OAuthApplication::restore(stored).expect("a valid application");
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

/// An exported application with keys, as [`archived`] but authenticating with
/// `private_key_jwt` (inline keys, and a previous set at a URL when `previous`) or, when
/// `id` is even, with `none` as a native app.
fn archived_with_keys(id: i64, previous: bool) -> ArchivedApplication {
    let mut archived = archived(id, false);
    let stored = archived.application.to_stored();
    let stored = if id % 2 == 0 {
        StoredApplication {
            auth_method: AuthMethod::None,
            secrets: None,
            ..stored
        }
    } else {
        let set = |source, serial, created_at, last_used_at| KeySet {
            last_used_at,
            ..KeySet::new(
                source,
                CredentialSerial::new(serial).expect("a serial"),
                created_at,
            )
        };
        let current = set(
            KeySource::Inline(jwks(&[format!("key-{id}").as_str(), "p256"])),
            3,
            at(id * 100 + 50),
            Some(at(id * 100 + 60)),
        );
        let previous = previous.then(|| PreviousKeySet {
            issued: set(
                KeySource::Remote(
                    JwksUri::parse(&format!("https://client.example/{id}/jwks")).expect("a URL"),
                ),
                2,
                at(id * 100),
                None,
            ),
            expires_at: at(90_000),
        });
        StoredApplication {
            app_type: AppType::Web,
            redirect_urls: vec!["https://app.example.com/cb".into()],
            auth_method: AuthMethod::PrivateKeyJwt,
            secrets: None,
            keys: Some(KeySets::restore(current, previous)),
            ..stored
        }
    };
    archived.application = OAuthApplication::restore(stored).expect("a valid application");
    archived
}

/// Import keeps the methods and key sets (current, previous with its expiry) exactly, and
/// export gives them back, beside applications with secrets.
pub async fn archive_round_trips_with_keys(f: &impl Fixture) {
    let archive = f.archive();
    let repo = f.repository();
    let apps = vec![
        archived(2, true),
        archived_with_keys(3, true),
        archived_with_keys(4, false),
        archived_with_keys(7, false),
    ];
    archive.import(&apps).await.expect("import");
    let exported = archive.export_after(0, 10).await.expect("export");
    assert_eq!(exported, apps);
    let signed = reload(&*repo, &apps[1].application).await;
    assert_eq!(signed, apps[1].application);
    assert_eq!(signed.auth_method(), AuthMethod::PrivateKeyJwt);
    let previous = signed.keys().and_then(KeySets::previous).expect("previous");
    assert_eq!(previous.expires_at, at(90_000));
    assert_eq!(
        sorted(f.key_set_states(AppId::new(3).expect("valid")).await),
        ["current", "previous"]
    );
    assert!(
        f.secret_states(AppId::new(3).expect("valid"))
            .await
            .is_empty()
    );
    let public = reload(&*repo, &apps[2].application).await;
    assert_eq!(public.auth_method(), AuthMethod::None);
    assert!(public.secrets().is_none() && public.keys().is_none());
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

/// How an application was registered is stored with it, read back with it (also in lists),
/// and kept by every update.
pub async fn registration_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let mut apps = Vec::new();
    for registration in Registration::ALL {
        let app = insert(
            &*repo,
            new_app("acme", registration.as_str(), at(10)).with_registration(registration),
        )
        .await;
        assert_eq!(app.registration(), registration);
        let stored = reload(&*repo, &app).await;
        assert_eq!(stored, app);
        let next = renamed(&stored, "Renamed", at(20));
        write(
            &*repo,
            &stored,
            &next,
            AuditAction::Updated,
            vec![ChangedField::Name],
        )
        .await;
        assert_eq!(reload(&*repo, &app).await.registration(), registration);
        apps.push(app);
    }
    let listed = repo.list_after(&org("acme"), None, None, 10).await.unwrap();
    for app in &apps {
        let found = listed.iter().find(|a| a.id() == app.id()).expect("listed");
        assert_eq!(found.registration(), app.registration());
    }
}

/// What a registration keeps (the client's metadata, the registration access token's
/// digest, the metadata document's URL) round-trips through insert, update and reads; a
/// second application cannot take a document URL another one has.
pub async fn registration_details_round_trip(f: &impl Fixture) {
    let repo = f.repository();
    let metadata = ClientMetadata::new(ClientMetadataRecord {
        client_uri: Some("https://client.example/".into()),
        logo_uri: Some("https://client.example/logo.png".into()),
        contacts: vec!["ops@client.example".into(), "sec@client.example".into()],
        software_id: Some("soft-1".into()),
        software_version: Some("1.2.3".into()),
        ..ClientMetadataRecord::default()
    })
    .expect("valid metadata");
    let dynamic = insert(
        &*repo,
        new_app("acme", "dynamic", at(10))
            .with_registration(Registration::Dynamic)
            .with_details(RegistrationDetails {
                metadata: metadata.clone(),
                access_token: Some(TokenDigest::of("oart_first")),
                document: None,
            }),
    )
    .await;
    let stored = reload(&*repo, &dynamic).await;
    assert_eq!(stored, dynamic);
    assert!(stored.accepts_registration_token("oart_first"));
    // Replaced metadata and a rotated token, written as one change.
    let next = stored.with_details(
        RegistrationDetails {
            metadata: ClientMetadata::EMPTY,
            access_token: Some(TokenDigest::of("oart_second")),
            document: None,
        },
        at(20),
    );
    write(
        &*repo,
        &stored,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Registration],
    )
    .await;
    let reread = reload(&*repo, &dynamic).await;
    assert_eq!(reread, next);
    assert!(reread.accepts_registration_token("oart_second"));
    assert!(!reread.accepts_registration_token("oart_first"));

    let url = MetadataDocumentUrl::parse("https://tools.example.com/tool.json").expect("url");
    let document = |label: &str| {
        new_app("acme", label, at(30))
            .with_registration(Registration::MetadataDocument)
            .with_details(RegistrationDetails {
                metadata: metadata.clone(),
                access_token: None,
                document: Some(url.clone()),
            })
    };
    let resolved = insert(&*repo, document("document")).await;
    let stored = reload(&*repo, &resolved).await;
    assert_eq!(stored.details().document.as_ref(), Some(&url));
    assert_eq!(stored, resolved);
    let listed = repo.list_after(&org("acme"), None, None, 10).await.unwrap();
    let found = listed
        .iter()
        .find(|a| a.id() == resolved.id())
        .expect("listed");
    assert_eq!(found.details(), resolved.details());
    assert!(
        repo.insert(&document("again"), &event(AuditAction::Created, at(40)))
            .await
            .is_err(),
        "one application per document URL"
    );
}

/// An initial access token of `org` minted at `created` seconds, expiring `lifetime`
/// seconds later, allowing `max_uses`.
pub(crate) fn access_token(
    org: &str,
    label: &str,
    created: i64,
    lifetime: i64,
    max_uses: Option<u32>,
) -> InitialAccessToken {
    InitialAccessToken {
        id: InitialAccessTokenId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        owner_org_id: OrgId::parse(org).expect("valid org"),
        digest: TokenDigest::of(&format!("oait_{label}")),
        created_by: "alice".into(),
        created_at: at(created),
        expires_at: at(created + lifetime),
        max_uses,
        uses: 0,
        revoked_at: None,
        allowance: oauth_apps_domain::SelfRegistrationAllowance::default(),
    }
}

/// Tokens are stored as they are minted (with what their allowance adds to the
/// organisation's self-registration policy), found by id and by digest, listed per
/// organisation newest first, and a revocation stands as first made.
pub async fn initial_access_tokens_round_trip(f: &impl Fixture) {
    use oauth_apps_domain::{AuthMethod, GrantType, SelfRegistrationAllowance};
    let store = f.initial_access_tokens();
    let older = access_token("acme", "older", 100, 600, Some(3));
    let newer = InitialAccessToken {
        allowance: SelfRegistrationAllowance {
            grant_types: vec![GrantType::ClientCredentials, GrantType::DeviceCode],
            scopes: vec!["admin".into(), "retired:scope".into()],
            auth_methods: vec![AuthMethod::PrivateKeyJwt],
        },
        ..access_token("acme", "newer", 200, 600, None)
    };
    let elsewhere = access_token("globex", "elsewhere", 300, 600, Some(1));
    for token in [&older, &newer, &elsewhere] {
        store.insert_initial_access_token(token).await.unwrap();
    }
    assert_eq!(
        store.initial_access_tokens(&org("acme")).await.unwrap(),
        vec![newer.clone(), older.clone()]
    );
    assert_eq!(
        store.find_initial_access_token(elsewhere.id).await.unwrap(),
        Some(elsewhere.clone())
    );
    assert_eq!(
        store
            .find_initial_access_token_by_digest(newer.digest)
            .await
            .unwrap(),
        Some(newer.clone())
    );
    let redeemed = store
        .redeem_initial_access_token(newer.digest, at(250))
        .await
        .unwrap()
        .expect("usable");
    assert_eq!(
        redeemed.allowance, newer.allowance,
        "a use keeps the allowance"
    );
    let unknown = InitialAccessTokenId::from_random_bytes([7; 16]);
    assert_eq!(
        store.find_initial_access_token(unknown).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .revoke_initial_access_token(unknown, at(400))
            .await
            .unwrap(),
        None
    );

    let revoked = store
        .revoke_initial_access_token(older.id, at(400))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(400)));
    let again = store
        .revoke_initial_access_token(older.id, at(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(at(400)),
        "the first revocation stands"
    );
    // The digest is unique: two tokens never share one.
    let twin = InitialAccessToken {
        id: InitialAccessTokenId::from_random_bytes([8; 16]),
        ..newer.clone()
    };
    assert!(store.insert_initial_access_token(&twin).await.is_err());
}

/// A token is redeemed while usable: each use counted, none past its last use, its expiry
/// or its revocation; of concurrent uses of its last use, one wins.
pub async fn initial_access_tokens_are_redeemed_while_usable(f: &impl Fixture) {
    let store = f.initial_access_tokens();
    let twice = access_token("acme", "twice", 100, 600, Some(2));
    store.insert_initial_access_token(&twice).await.unwrap();
    let first = store
        .redeem_initial_access_token(twice.digest, at(150))
        .await
        .unwrap()
        .expect("usable");
    assert_eq!(first.uses, 1);
    assert_eq!(
        store
            .redeem_initial_access_token(twice.digest, at(160))
            .await
            .unwrap()
            .map(|t| t.uses),
        Some(2)
    );
    assert_eq!(
        store
            .redeem_initial_access_token(twice.digest, at(170))
            .await
            .unwrap(),
        None,
        "used up"
    );
    assert_eq!(
        store
            .redeem_initial_access_token(TokenDigest::of("oait_unknown"), at(170))
            .await
            .unwrap(),
        None
    );

    let timed = access_token("acme", "timed", 100, 600, None);
    store.insert_initial_access_token(&timed).await.unwrap();
    assert!(
        store
            .redeem_initial_access_token(timed.digest, at(699))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .redeem_initial_access_token(timed.digest, at(700))
            .await
            .unwrap(),
        None
    );

    let revoked = access_token("acme", "revoked", 100, 600, None);
    store.insert_initial_access_token(&revoked).await.unwrap();
    store
        .revoke_initial_access_token(revoked.id, at(120))
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_initial_access_token(revoked.digest, at(130))
            .await
            .unwrap(),
        None
    );

    let last = access_token("acme", "last", 100, 600, Some(1));
    store.insert_initial_access_token(&last).await.unwrap();
    let attempts = (0..8).map(|_| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .redeem_initial_access_token(last.digest, at(150))
                .await
                .unwrap()
                .is_some()
        })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.expect("joined"));
    }
    assert_eq!(won, 1, "one registration gets the last use");
    let stored = store
        .find_initial_access_token(last.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.uses, 1);
}

/// The change feed: every event once, positions strictly increasing, each application's
/// events in the order they were written, and a reader that follows the feed while
/// writers race misses nothing (a position is never preceded by one committed later).
pub async fn the_feed_holds_every_event_once_in_commit_order(f: &impl Fixture) {
    const WRITERS: usize = 6;
    const WRITES: usize = 20;
    let repo = f.repository();
    let feed = f.feed();
    let mut apps = Vec::new();
    for i in 0..WRITERS {
        let org = if i % 2 == 0 { "acme" } else { "globex" };
        apps.push(insert(&*repo, new_app(org, &format!("Feed {i}"), at(10))).await);
    }
    let writers: Vec<_> = apps
        .iter()
        .map(|app| {
            let repo = Arc::clone(&repo);
            let mut current = app.clone();
            tokio::spawn(async move {
                for n in 1..=WRITES {
                    let seconds = 100 + i64::try_from(n).expect("small");
                    let next = renamed(&current, &format!("Written {n}"), at(seconds));
                    repo.update(
                        &next,
                        current.version(),
                        &event_of(AuditAction::Updated, vec![ChangedField::Name], at(seconds)),
                    )
                    .await
                    .expect("one writer per application");
                    current = next;
                }
            })
        })
        .collect();
    // Follow the feed while they write, a few events at a time.
    let expected = WRITERS * (WRITES + 1);
    let mut read = Vec::new();
    let mut cursor = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while read.len() < expected {
        assert!(
            std::time::Instant::now() < deadline,
            "read {} of {expected}",
            read.len()
        );
        let page = feed.events_after(cursor, None, 7).await.expect("feed");
        if page.is_empty() {
            tokio::task::yield_now().await;
            continue;
        }
        for entry in page {
            assert!(entry.position > cursor, "positions strictly increase");
            cursor = entry.position;
            read.push(entry);
        }
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(
        feed.events_after(cursor, None, 100)
            .await
            .expect("feed")
            .is_empty()
    );
    assert_eq!(read.len(), expected, "every event once");
    for app in &apps {
        let times: Vec<i64> = read
            .iter()
            .filter(|e| e.client_id == *app.client_id())
            .map(|e| e.event.at.unix_micros())
            .collect();
        assert_eq!(times.len(), WRITES + 1);
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "in write order: {times:?}"
        );
        let owner = read
            .iter()
            .find(|e| e.client_id == *app.client_id())
            .map(|e| e.owner_org_id.clone());
        assert_eq!(owner.as_ref(), Some(app.owner_org_id()));
    }
    // One organisation's events only, from the start; a later start skips what it passed.
    let acme = feed
        .events_after(0, Some(&org("acme")), 1000)
        .await
        .expect("feed");
    assert_eq!(acme.len(), (WRITERS / 2) * (WRITES + 1));
    assert!(acme.iter().all(|e| e.owner_org_id.as_str() == "acme"));
    let later = feed
        .events_after(read[9].position, None, 5)
        .await
        .expect("feed");
    assert_eq!(
        later.iter().map(|e| e.position).collect::<Vec<_>>(),
        read[10..15].iter().map(|e| e.position).collect::<Vec<_>>()
    );
}

/// A write that is two things at once records both events in order, in its transaction:
/// two entries of the audit trail and of the feed (consecutive positions), a delivery of
/// each to a webhook that hears them; a write with no event writes nothing.
pub async fn a_write_records_each_of_its_events_in_order(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let every = webhook("acme", "https://hooks.acme.example/all", None, 1);
    assert!(
        hooks
            .insert_webhook(&every, 100)
            .await
            .expect("insert webhook")
    );
    let app = insert(&*repo, new_app("acme", "Twice", at(10))).await;
    let next = renamed(&app, "Twice over", at(11)).with_status(Status::Revoked, at(11));
    let events = [
        event_of(AuditAction::Updated, vec![ChangedField::Name], at(11)),
        event_of(AuditAction::Disabled, vec![ChangedField::Status], at(11)),
    ];
    // No event: refused, nothing written.
    assert!(matches!(
        repo.update_recording(&next, app.version(), &[]).await,
        Err(RepositoryError::Unexpected(_))
    ));
    assert_eq!(reload(&*repo, &app).await, app);
    repo.update_recording(&next, app.version(), &events)
        .await
        .expect("update");
    assert_eq!(reload(&*repo, &app).await, next);

    let trail = repo.list_events(app.id(), None, 10).await.expect("trail");
    assert_eq!(
        trail.iter().map(|e| e.event.clone()).collect::<Vec<_>>(),
        [
            events[1].clone(),
            events[0].clone(),
            event(AuditAction::Created, at(1))
        ],
        "newest first"
    );
    let feed = f
        .feed()
        .events_after(0, Some(&org("acme")), 10)
        .await
        .expect("feed");
    assert_eq!(
        feed.iter().map(|e| e.event.action).collect::<Vec<_>>(),
        [
            AuditAction::Created,
            AuditAction::Updated,
            AuditAction::Disabled
        ]
    );
    assert_eq!(feed[2].position, feed[1].position + 1);
    assert_eq!(
        feed.iter().map(|e| e.position).collect::<Vec<_>>(),
        {
            let mut ids: Vec<i64> = trail.iter().map(|e| e.id).collect();
            ids.reverse();
            ids
        },
        "the feed's positions are the trail's ids"
    );
    let id = *app.client_id();
    assert_eq!(
        delivered_types(&*hooks, every.id).await,
        [
            (EventType::ApplicationCreated, id),
            (EventType::ApplicationUpdated, id),
            (EventType::ApplicationDisabled, id),
        ]
    );
}

/// A webhook of `org` at `url` hearing `events` (every type when `None`).
pub(crate) fn webhook(org_id: &str, url: &str, events: Option<Vec<EventType>>, n: u8) -> Webhook {
    Webhook {
        id: WebhookId::from_random_bytes([n; 16]),
        owner_org_id: org(org_id),
        url: WebhookUrl::parse(url).expect("valid url"),
        events,
        secret: Sealed(vec![1, n, 3]),
        previous_secret: None,
        created_by: "alice".into(),
        created_at: at(5),
        updated_at: at(5),
        version: 1,
    }
}

/// The event types and positions of the deliveries of `hook`, oldest first.
async fn delivered_types(
    hooks: &dyn WebhookRepository,
    hook: WebhookId,
) -> Vec<(EventType, ClientId)> {
    let mut list = hooks.deliveries(hook, None, 100).await.expect("deliveries");
    list.reverse();
    list.into_iter()
        .map(|d| (d.event_type, d.client_id))
        .collect()
}

/// A delivery is written with each new event, in its transaction, for each webhook of the
/// application's organisation that hears its type; none for another organisation's, none
/// for an imported event.
pub async fn webhook_deliveries_are_written_with_each_event_for_the_webhooks_that_hear_it(
    f: &impl Fixture,
) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let every = webhook("acme", "https://hooks.acme.example/all", None, 1);
    let rotations = webhook(
        "acme",
        "https://hooks.acme.example/rotations",
        Some(vec![EventType::SecretRotated]),
        2,
    );
    let globex = webhook("globex", "https://hooks.globex.example/", None, 3);
    for h in [&every, &rotations, &globex] {
        assert!(hooks.insert_webhook(h, 100).await.expect("insert webhook"));
    }
    let app = insert(&*repo, new_app("acme", "Hooked", at(10))).await;
    let next = renamed(&app, "Hooked again", at(11));
    write(
        &*repo,
        &app,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    let rotated = renamed(&next, "Hooked again", at(12));
    write(&*repo, &next, &rotated, AuditAction::SecretRotated, vec![]).await;
    let id = *app.client_id();
    assert_eq!(
        delivered_types(&*hooks, every.id).await,
        [
            (EventType::ApplicationCreated, id),
            (EventType::ApplicationUpdated, id),
            (EventType::SecretRotated, id),
        ]
    );
    assert_eq!(
        delivered_types(&*hooks, rotations.id).await,
        [(EventType::SecretRotated, id)]
    );
    assert!(delivered_types(&*hooks, globex.id).await.is_empty());
    let pending = hooks.deliveries(every.id, None, 100).await.expect("list");
    assert!(pending.iter().all(|d| d.status == DeliveryStatus::Pending
        && d.attempts == 0
        && d.next_attempt_at.is_some()));
    // Newest first, a page at a time.
    let first = hooks.deliveries(every.id, None, 2).await.expect("list");
    assert_eq!(first.len(), 2);
    let rest = hooks
        .deliveries(every.id, Some(first[1].id), 2)
        .await
        .expect("list");
    assert_eq!(rest.len(), 1);
    assert!(rest[0].id < first[1].id);
    // A failed write writes no delivery.
    let stale = renamed(&app, "Stale", at(13));
    assert!(matches!(
        repo.update(&stale, app.version(), &event(AuditAction::Updated, at(13)))
            .await,
        Err(RepositoryError::VersionConflict)
    ));
    assert_eq!(delivered_types(&*hooks, every.id).await.len(), 3);
    // Deleting a webhook deletes its deliveries.
    assert!(hooks.delete_webhook(every.id).await.expect("delete"));
    assert!(!hooks.delete_webhook(every.id).await.expect("delete again"));
    assert!(
        hooks
            .deliveries(every.id, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(delivered_types(&*hooks, rotations.id).await.len(), 1);
}

/// Webhooks round-trip; an update names the version it read, and a stale one is a
/// conflict that writes nothing.
pub async fn webhooks_round_trip_with_compare_and_set(f: &impl Fixture) {
    let hooks = f.webhooks();
    let mut hook = webhook(
        "acme",
        "https://hooks.acme.example/x?y=1",
        Some(vec![EventType::ApplicationCreated, EventType::SecretLeaked]),
        4,
    );
    hook.previous_secret = Some((Sealed(vec![9; 40]), at(99)));
    assert!(hooks.insert_webhook(&hook, 100).await.expect("insert"));
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(hook.clone())
    );
    let other = webhook("acme", "https://hooks.acme.example/z", None, 5);
    assert!(hooks.insert_webhook(&other, 100).await.expect("insert"));
    assert_eq!(hooks.webhooks(&org("acme")).await.expect("list").len(), 2);
    assert!(
        hooks
            .webhooks(&org("globex"))
            .await
            .expect("list")
            .is_empty()
    );
    let mut changed = hook.clone();
    changed.url = WebhookUrl::parse("https://hooks.acme.example/new").expect("url");
    changed.events = None;
    changed.previous_secret = None;
    changed.version = 2;
    changed.updated_at = at(50);
    hooks.update_webhook(&changed, 1).await.expect("update");
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(changed.clone())
    );
    assert!(matches!(
        hooks.update_webhook(&hook, 1).await,
        Err(RepositoryError::VersionConflict)
    ));
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(changed)
    );
    let gone = webhook("acme", "https://hooks.acme.example/gone", None, 6);
    assert!(matches!(
        hooks.update_webhook(&gone, 1).await,
        Err(RepositoryError::NotFound)
    ));
    // A URL stored before URLs were normalised reads back as stored.
    let mut legacy = webhook("acme", "https://hooks.acme.example/", None, 9);
    legacy.url = WebhookUrl::restore("https://Hooks.acme.example\\@10.0.0.1").expect("url");
    assert!(hooks.insert_webhook(&legacy, 100).await.expect("insert"));
    assert_eq!(
        hooks.find_webhook(legacy.id).await.expect("find"),
        Some(legacy)
    );
}

/// Only the oldest pending delivery of a webhook and application is leased; a leased one
/// is not leased again until its lease ends; an attempt is finished only by its holder.
pub async fn leases_keep_each_applications_order_and_one_holder(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let hook = webhook("acme", "https://hooks.acme.example/", None, 7);
    assert!(
        hooks
            .insert_webhook(&hook, 100)
            .await
            .expect("insert webhook")
    );
    let a = insert(&*repo, new_app("acme", "A", at(10))).await;
    let b = insert(&*repo, new_app("acme", "B", at(10))).await;
    let a2 = renamed(&a, "A2", at(20));
    write(
        &*repo,
        &a,
        &a2,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    let now = at(1_000);
    let leased = hooks
        .lease_deliveries(now, at(1_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(
        leased
            .iter()
            .map(|d| (d.entry.client_id, d.entry.event.action, d.attempt))
            .collect::<Vec<_>>(),
        [
            (*a.client_id(), AuditAction::Created, 1),
            (*b.client_id(), AuditAction::Created, 1),
        ],
        "the heads of each application, nothing behind them"
    );
    assert_eq!(leased[0].webhook, hook);
    assert!(leased[0].id < leased[1].id);
    // Leased: nobody gets them again, on this replica or another.
    let other = f.other_webhooks();
    assert!(
        hooks
            .lease_deliveries(now, at(1_060), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    assert!(
        other
            .lease_deliveries(now, at(1_060), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    // The first application's head is delivered: its next event is due.
    let delivered = DeliveryOutcome::Delivered {
        status: 204,
        at: at(1_001),
    };
    assert!(
        hooks
            .finish_delivery(leased[0].id, 1, &delivered)
            .await
            .expect("finish")
    );
    assert!(
        !hooks
            .finish_delivery(leased[0].id, 1, &delivered)
            .await
            .expect("again")
    );
    let next = other
        .lease_deliveries(now, at(1_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].entry.event.action, AuditAction::Updated);
    assert!(
        other
            .finish_delivery(next[0].id, 1, &delivered)
            .await
            .expect("finish")
    );
    // The second application's head fails and is retried later; until then, nothing.
    let retry = DeliveryOutcome::Retry {
        status: Some(500),
        error: "answered 500".into(),
        retry_at: at(2_000),
    };
    assert!(
        hooks
            .finish_delivery(leased[1].id, 1, &retry)
            .await
            .expect("finish")
    );
    assert!(
        hooks
            .lease_deliveries(at(1_500), at(1_560), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    let again = hooks
        .lease_deliveries(at(2_000), at(2_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(
        again.iter().map(|d| (d.id, d.attempt)).collect::<Vec<_>>(),
        [(leased[1].id, 2)]
    );
    // A lease that ran out is taken over; the first holder can no longer finish it.
    let taken = other
        .lease_deliveries(at(2_100), at(2_160), 10, 100)
        .await
        .expect("lease");
    assert!(taken.iter().any(|d| d.id == leased[1].id && d.attempt == 3));
    assert!(
        !hooks
            .finish_delivery(leased[1].id, 2, &delivered)
            .await
            .expect("stale")
    );
    let failed = DeliveryOutcome::Failed {
        status: None,
        error: "connection failure".into(),
    };
    assert!(
        other
            .finish_delivery(leased[1].id, 3, &failed)
            .await
            .expect("finish")
    );
    let listed = hooks.deliveries(hook.id, None, 10).await.expect("list");
    let row = |id| listed.iter().find(|d| d.id == id).expect("listed");
    assert_eq!(row(leased[0].id).status, DeliveryStatus::Delivered);
    assert_eq!(row(leased[0].id).last_status, Some(204));
    assert_eq!(row(leased[0].id).delivered_at, Some(at(1_001)));
    assert_eq!(row(leased[0].id).next_attempt_at, None);
    assert_eq!(row(leased[1].id).status, DeliveryStatus::Failed);
    assert_eq!(row(leased[1].id).attempts, 3);
    assert_eq!(
        row(leased[1].id).last_error.as_deref(),
        Some("connection failure")
    );
}

/// Two replicas leasing at once, each finishing what it leased, take every delivery once.
pub async fn replicas_leasing_at_once_take_each_delivery_once(f: &impl Fixture) {
    const APPS: usize = 30;
    let repo = f.repository();
    let hooks = f.webhooks();
    let hook = webhook("acme", "https://hooks.acme.example/", None, 8);
    assert!(
        hooks
            .insert_webhook(&hook, 100)
            .await
            .expect("insert webhook")
    );
    for i in 0..APPS {
        insert(&*repo, new_app("acme", &format!("R{i}"), at(10))).await;
    }
    let workers: Vec<_> = [
        hooks.clone(),
        f.other_webhooks(),
        hooks.clone(),
        f.other_webhooks(),
    ]
    .into_iter()
    .map(|store| {
        tokio::spawn(async move {
            let mut taken = Vec::new();
            loop {
                let leased = store
                    .lease_deliveries(at(1_000), at(1_060), 3, 100)
                    .await
                    .expect("lease");
                if leased.is_empty() {
                    return taken;
                }
                for d in leased {
                    let done = DeliveryOutcome::Delivered {
                        status: 200,
                        at: at(1_001),
                    };
                    assert!(
                        store
                            .finish_delivery(d.id, d.attempt, &done)
                            .await
                            .expect("finish")
                    );
                    taken.push(d.id);
                }
            }
        })
    })
    .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!((count, all.len()), (APPS, APPS), "each delivery once");
}

/// Leasing takes turns: every organisation's first due delivery before any one's second,
/// and within an organisation its webhooks in turn; an organisation holds at most its
/// share of leases at once (on any replica); a webhook's deferred deliveries wait, and
/// the leased ones are left alone.
pub async fn leases_take_turns_between_organisations_and_webhooks(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let other = f.other_webhooks();
    let noisy: Vec<Webhook> = (0..3_u8)
        .map(|i| {
            webhook(
                "acme",
                &format!("https://hooks.acme.example/{i}"),
                None,
                20 + i,
            )
        })
        .collect();
    let quiet = webhook("globex", "https://hooks.globex.example/", None, 30);
    for h in noisy.iter().chain([&quiet]) {
        assert!(hooks.insert_webhook(h, 100).await.expect("insert webhook"));
    }
    // Four applications of acme (a delivery to each of its three webhooks for each),
    // then one of globex: the twelve oldest deliveries are acme's.
    for i in 0..4 {
        insert(&*repo, new_app("acme", &format!("N{i}"), at(10))).await;
    }
    insert(&*repo, new_app("globex", "Q", at(11))).await;
    let now = at(1_000);
    let first = hooks
        .lease_deliveries(now, at(1_060), 4, 3)
        .await
        .expect("lease");
    assert_eq!(first.len(), 4, "{first:?}");
    assert_eq!(
        first.iter().filter(|d| d.webhook.id == quiet.id).count(),
        1,
        "the other organisation's delivery is in the first turn"
    );
    let mut turns: Vec<WebhookId> = first
        .iter()
        .filter(|d| d.webhook.id != quiet.id)
        .map(|d| d.webhook.id)
        .collect();
    turns.sort();
    turns.dedup();
    assert_eq!(turns.len(), 3, "the organisation's webhooks took turns");
    // acme holds its share: nothing more for it, on this replica or another.
    for store in [&hooks, &other] {
        assert!(
            store
                .lease_deliveries(now, at(1_060), 10, 3)
                .await
                .expect("lease")
                .is_empty()
        );
    }
    // One of its attempts ends: one more of its deliveries may go.
    let delivered = DeliveryOutcome::Delivered {
        status: 204,
        at: at(1_001),
    };
    let ended = first
        .iter()
        .find(|d| d.webhook.id == noisy[0].id)
        .expect("leased");
    assert!(
        hooks
            .finish_delivery(ended.id, 1, &delivered)
            .await
            .expect("finish")
    );
    let next = other
        .lease_deliveries(now, at(1_060), 10, 3)
        .await
        .expect("lease");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].webhook.owner_org_id, org("acme"));
    // A webhook deferred: its due deliveries that nobody holds wait until then.
    let deferred = noisy
        .iter()
        .find(|h| h.id != next[0].webhook.id && h.id != noisy[0].id)
        .expect("a third webhook");
    assert_eq!(
        hooks
            .defer_deliveries(deferred.id, at(5_000), now)
            .await
            .expect("defer"),
        3,
        "its three unleased deliveries, not the leased one"
    );
    for d in first.iter().chain(&next).filter(|d| d.id != ended.id) {
        assert!(
            hooks
                .finish_delivery(d.id, d.attempt, &delivered)
                .await
                .expect("finish")
        );
    }
    let rest = hooks
        .lease_deliveries(now, at(1_060), 100, 100)
        .await
        .expect("lease");
    assert!(!rest.is_empty());
    assert!(rest.iter().all(|d| d.webhook.id != deferred.id), "{rest:?}");
    let later = hooks
        .lease_deliveries(at(5_000), at(5_060), 100, 100)
        .await
        .expect("lease");
    assert_eq!(
        later.iter().filter(|d| d.webhook.id == deferred.id).count(),
        3
    );
}

/// An organisation's webhooks are counted as one is added: at the limit nothing is
/// stored, another organisation counts apart, and concurrent inserts on two stores never
/// pass the limit.
pub async fn webhook_inserts_keep_to_the_organisations_limit(f: &impl Fixture) {
    let hooks = f.webhooks();
    for (n, stored) in [(40, true), (41, true), (42, false)] {
        let h = webhook("acme", &format!("https://hooks.acme.example/{n}"), None, n);
        assert_eq!(hooks.insert_webhook(&h, 2).await.expect("insert"), stored);
    }
    assert_eq!(hooks.webhooks(&org("acme")).await.expect("list").len(), 2);
    let globex = webhook("globex", "https://hooks.globex.example/", None, 43);
    assert!(hooks.insert_webhook(&globex, 2).await.expect("insert"));
    let racers: Vec<_> = (0..8_u8)
        .map(|i| {
            let store = if i % 2 == 0 {
                Arc::clone(&hooks)
            } else {
                f.other_webhooks()
            };
            let h = webhook(
                "initech",
                &format!("https://hooks.initech.example/{i}"),
                None,
                50 + i,
            );
            tokio::spawn(async move { store.insert_webhook(&h, 3).await.expect("insert") })
        })
        .collect();
    let mut stored = 0;
    for racer in racers {
        stored += usize::from(racer.await.expect("racer"));
    }
    assert_eq!(stored, 3);
    assert_eq!(
        hooks.webhooks(&org("initech")).await.expect("list").len(),
        3
    );
}

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
/// allowed) stay apart.
pub async fn policies_round_trip(f: &impl Fixture) {
    use oauth_apps_domain::{
        AuthMethod, GrantType, LeakedSecretAction, OrganizationPolicy, SecretLifetime,
        SelfRegistrationLimits,
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
