//! What the crate's tests share: sample values ([`sample`], [`at`], [`hash`]), and the
//! harnesses of the use-case tests (one file per use case, beside its capability).
//!
//! Two harnesses:
//! - [`Fakes`], the in-memory fakes of `crate::testing`, for tests that need storage to
//!   behave like storage: they act, then read the stored application and the audit events
//!   back. [`Contended`] lets another writer win a compare-and-set race.
//! - [`Mocks`], the `mockall` mocks of every port, for tests about the interaction itself:
//!   a port failing with a given error, a call that must not happen (a mock without an
//!   expectation panics when called, so "no hash is paid for" is checked by setting none),
//!   the arguments a port is given, how often and in which order it is called.

pub(crate) use std::sync::{Arc, Mutex};

pub(crate) use async_trait::async_trait;
pub(crate) use futures_executor::block_on;

use crate::lifecycle::fakes::InMemoryPolicies;
pub(crate) use crate::testing::{
    FakeHasher, FakeKeyDirectory, FixedClock, InMemoryMetadataDocuments, InMemoryReplayGuard,
    InMemoryRepository, RefuseAssertions, SeededRandom,
};
pub(crate) use crate::*;

/// The instant `seconds` after the epoch.
pub(crate) fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
}

/// The fake hash of `s` (`$test$s`).
pub(crate) fn hash(s: &str) -> SecretHash {
    SecretHash::new(format!("$test${s}")).unwrap()
}

/// A first secret hashed as `hash(s)`, issued at `created`, without a hint.
pub(crate) fn secret(s: &str, created: Timestamp) -> Secret {
    Secret::first(hash(s), None, created)
}

/// A profile named "App" with scope `read`, the `urls` and `grants` given.
pub(crate) fn profile(
    app_type: AppType,
    urls: &[&str],
    grants: &[&str],
) -> Result<Profile, ValidationErrors> {
    Profile::new(
        app_type,
        AppName::parse("App").unwrap(),
        None,
        RedirectUrls::parse(urls, app_type).unwrap(),
        Scopes::parse(&["read"], &ScopeCatalog::default()).unwrap(),
        GrantTypes::parse(grants).unwrap(),
        AccessLevel::Organization,
    )
}

/// A valid active `web` application of `org` with id `id`, created at second 1000.
pub(crate) fn sample(id: i64, org: &str) -> OAuthApplication {
    NewApplication::new(
        ClientId::from_random_bytes([u8::try_from(id % 256).unwrap(); 16]),
        OrgId::parse(org).unwrap(),
        AppType::Web,
        profile(
            AppType::Web,
            &["https://app.example.com/cb"],
            &["authorization_code", "refresh_token"],
        )
        .unwrap(),
        false,
        Credentials::secret(Secrets::new(secret("current", at(1000)))),
        at(1000),
    )
    .with_id(AppId::new(id).unwrap())
}

pub(crate) const NOW: i64 = 5000;

/// The seed of the fakes' random source.
pub(crate) const SEED: u64 = 7;

/// The in-memory fakes of every port: storage that keeps the repository's contract
/// (compare-and-set, org-scoped lookups, newest-first order), a clock at `NOW`, a seeded
/// random source and a fast hasher. What is stored at set-up does not count as written.
pub(crate) struct Fakes {
    pub(crate) repo: Arc<InMemoryRepository>,
    /// What the service writes to: `repo`, or `repo` with a rival writer ([`Contended`]).
    pub(crate) storage: Arc<dyn ApplicationRepository>,
    pub(crate) clock: Arc<FixedClock>,
    pub(crate) random: Arc<SeededRandom>,
    pub(crate) hasher: Arc<dyn SecretHasher>,
    pub(crate) keys: Arc<FakeKeyDirectory>,
    pub(crate) assertions: Arc<dyn AssertionVerifier>,
    pub(crate) replay: Arc<InMemoryReplayGuard>,
    pub(crate) documents: Arc<InMemoryMetadataDocuments>,
    pub(crate) policies: Arc<InMemoryPolicies>,
    pub(crate) config: ServiceConfig,
    pub(crate) events_at_setup: usize,
}

impl Fakes {
    /// Fakes with empty storage.
    pub(crate) fn new() -> Self {
        Self::storing(&[])
    }

    /// Fakes whose storage holds `apps`, stored in order: storage numbers them from 1, so
    /// each must carry the id it gets.
    pub(crate) fn storing(apps: &[&OAuthApplication]) -> Self {
        let repo = Arc::new(InMemoryRepository::new());
        for app in apps {
            store(&repo, app);
        }
        let clock = Arc::new(FixedClock::new(at(NOW)));
        Self {
            storage: repo.clone(),
            events_at_setup: repo.event_count(),
            repo,
            clock: clock.clone(),
            random: Arc::new(SeededRandom::new(SEED)),
            hasher: Arc::new(FakeHasher::new()),
            keys: Arc::new(FakeKeyDirectory::refusing(&["10.0.0.1", "169.254.169.254"])),
            assertions: Arc::new(RefuseAssertions),
            // Assertion records expire by the time the use case gives: the tests' clock.
            replay: Arc::new(InMemoryReplayGuard::new()),
            documents: Arc::new(InMemoryMetadataDocuments::new()),
            policies: Arc::new(crate::testing::InMemoryPolicies::new()),
            config: ServiceConfig {
                assertion_audiences: vec!["https://as.example/token".into()],
                ..ServiceConfig::default()
            },
        }
    }

    /// With a mock hasher, for a test about what the hasher is asked.
    pub(crate) fn with_hasher(mut self, hasher: MockSecretHasher) -> Self {
        self.hasher = Arc::new(hasher);
        self
    }

    /// With `verifier` checking assertions.
    pub(crate) fn with_assertions(mut self, verifier: impl AssertionVerifier + 'static) -> Self {
        self.assertions = Arc::new(verifier);
        self
    }

    /// With another writer that changes the stored application by `rival` just before the
    /// service's first write reaches storage, so that write loses the race.
    pub(crate) fn racing(
        mut self,
        rival: impl FnOnce(&OAuthApplication) -> OAuthApplication + Send + 'static,
    ) -> Self {
        self.storage = Arc::new(Contended {
            store: self.repo.clone(),
            rival: Mutex::new(Some(Box::new(rival))),
        });
        self
    }

    pub(crate) fn service(&self) -> ApplicationService {
        ApplicationService::new(
            Ports {
                repository: self.storage.clone(),
                hasher: self.hasher.clone(),
                clock: self.clock.clone(),
                random: self.random.clone(),
                keys: self.keys.clone(),
                assertions: self.assertions.clone(),
                replay: self.replay.clone(),
                documents: self.documents.clone(),
                policies: self.policies.clone(),
            },
            self.config.clone(),
        )
    }

    /// The stored application with `app`'s client id.
    pub(crate) fn stored(&self, app: &OAuthApplication) -> OAuthApplication {
        block_on(self.repo.find_by_client_id(app.client_id()))
            .unwrap()
            .expect("stored")
    }

    /// The audit events written since set-up, oldest first, with their application.
    pub(crate) fn written(&self) -> Vec<(AppId, AuditEvent)> {
        self.repo.events().split_off(self.events_at_setup)
    }

    /// The one audit event written since set-up, with its application.
    pub(crate) fn only_write(&self) -> (AppId, AuditEvent) {
        let written = self.written();
        assert_eq!(written.len(), 1, "{written:?}");
        written.into_iter().next().expect("one event")
    }

    /// Who wrote since set-up, in order.
    pub(crate) fn writers(&self) -> Vec<String> {
        self.written().into_iter().map(|(_, e)| e.actor).collect()
    }

    /// Storage records an audit event with every write, in the same transaction: no new
    /// event, no write.
    pub(crate) fn assert_nothing_written(&self) {
        assert_eq!(self.written(), []);
    }
}

/// Stores `app` as it is: inserted as new, then replaced by `app` when it has moved on
/// since (a later version, another status, a previous secret).
pub(crate) fn store(repo: &InMemoryRepository, app: &OAuthApplication) {
    let new = NewApplication::new(
        *app.client_id(),
        app.owner_org_id().clone(),
        app.app_type(),
        app.profile().clone(),
        app.is_first_party(),
        app.credentials().clone(),
        app.created_at(),
    );
    let event = AuditEvent {
        action: AuditAction::Created,
        actor: "set-up".into(),
        request_id: None,
        client_request_id: None,
        changed_fields: vec![],
        at: app.created_at(),
    };
    let id = block_on(repo.insert(&new, &event)).unwrap();
    assert_eq!(id, app.id(), "store applications in the order of their ids");
    let inserted = new.with_id(id);
    if inserted != *app {
        block_on(repo.update(app, inserted.version(), &event)).unwrap();
    }
}

pub(crate) type Rival = Box<dyn FnOnce(&OAuthApplication) -> OAuthApplication + Send>;

/// Storage where another writer, "rival", gets in first: just before the first `update`
/// reaches the store, the rival replaces the stored application by what `rival` makes of
/// it; the update then meets the store's compare-and-set as it would in a database.
pub(crate) struct Contended {
    store: Arc<InMemoryRepository>,
    rival: Mutex<Option<Rival>>,
}

#[async_trait]
impl ApplicationRepository for Contended {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        self.store.insert(app, event).await
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.store.find_by_client_id(client_id).await
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        self.store.find_by_org_and_id(org, id).await
    }

    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        self.store.list_after(org, name, after, limit).await
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        self.store.list_page(org, offset, limit).await
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.store.list_events(app, before, limit).await
    }

    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        let rival = self
            .rival
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(rival) = rival {
            let current = self
                .store
                .find_by_org_and_id(app.owner_org_id(), app.id())
                .await?
                .ok_or(RepositoryError::NotFound)?;
            let theirs = rival(&current);
            let their_event = AuditEvent {
                action: AuditAction::Updated,
                actor: "rival".into(),
                request_id: None,
                client_request_id: None,
                changed_fields: vec![],
                at: theirs.updated_at(),
            };
            self.store
                .update(&theirs, current.version(), &their_event)
                .await?;
        }
        self.store.update_recording(app, expected, events).await
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        self.store.record_use(app, credential, at).await
    }
}

/// The audit event [`admin`] leaves at `NOW`.
pub(crate) fn by_admin(action: AuditAction, changed_fields: &[crate::ChangedField]) -> AuditEvent {
    AuditEvent {
        action,
        actor: "alice".into(),
        request_id: Some("req-7".into()),
        client_request_id: Some("order-7".into()),
        changed_fields: changed_fields.to_vec(),
        at: at(NOW),
    }
}

/// Whether `hash` is the fake hasher's hash of `secret`.
pub(crate) fn is_fake_hash_of(secret: &str, hash: &SecretHash) -> bool {
    block_on(FakeHasher::new().verify(secret, hash, "test")).unwrap()
}

/// The `mockall` mocks of every port, programmed by each test.
pub(crate) struct Mocks {
    pub(crate) repo: MockApplicationRepository,
    pub(crate) hasher: MockSecretHasher,
    pub(crate) clock: MockClock,
    pub(crate) random: MockRandomSource,
    pub(crate) keys: MockKeyDirectory,
    pub(crate) assertions: MockAssertionVerifier,
    pub(crate) replay: MockReplayGuard,
    pub(crate) documents: MockMetadataDocuments,
    pub(crate) config: ServiceConfig,
}

impl Mocks {
    /// A clock at `NOW` and a random source of 0x42 bytes; repository and hasher expect
    /// nothing until told.
    pub(crate) fn new() -> Self {
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
            keys: MockKeyDirectory::new(),
            assertions: MockAssertionVerifier::new(),
            replay: MockReplayGuard::new(),
            documents: MockMetadataDocuments::new(),
            config: ServiceConfig::default(),
        }
    }

    pub(crate) fn hashes_to(mut self, phc: &'static str) -> Self {
        self.hasher
            .expect_hash()
            .times(1)
            .returning(move |_, _| Ok(hash(phc)));
        self
    }

    pub(crate) fn finds(mut self, app: &OAuthApplication) -> Self {
        let app = app.clone();
        self.repo
            .expect_find_by_client_id()
            .returning(move |_| Ok(Some(app.clone())));
        self
    }

    pub(crate) fn service(self) -> ApplicationService {
        ApplicationService::new(
            Ports {
                repository: Arc::new(self.repo),
                hasher: Arc::new(self.hasher),
                clock: Arc::new(self.clock),
                random: Arc::new(self.random),
                keys: Arc::new(self.keys),
                assertions: Arc::new(self.assertions),
                replay: Arc::new(self.replay),
                documents: Arc::new(self.documents),
                policies: Arc::new(crate::testing::InMemoryPolicies::new()),
            },
            self.config,
        )
    }
}

pub(crate) fn admin() -> Principal {
    Principal::new("alice")
        .with_org("acme", OrgRole::Admin)
        .with_request_id("req-7")
        .with_client_request_id("order-7")
}

pub(crate) fn member() -> Principal {
    Principal::new("bob").with_org("acme", OrgRole::Member)
}

pub(crate) fn outsider() -> Principal {
    Principal::new("eve").with_org("globex", OrgRole::Admin)
}

pub(crate) fn platform_admin() -> Principal {
    Principal::new("root").with_role(PlatformRole::PlatformAdmin)
}

pub(crate) fn authenticator() -> Principal {
    Principal::new("as").with_role(PlatformRole::ClientAuthenticator)
}

pub(crate) fn by_client_id(app: &OAuthApplication) -> AppRef {
    AppRef::ClientId(*app.client_id())
}

pub(crate) fn unavailable() -> RepositoryError {
    RepositoryError::Unavailable("connection refused".into())
}

pub(crate) fn fields(errors: &ValidationErrors) -> Vec<Field> {
    errors.errors().iter().map(|e| e.field).collect()
}

pub(crate) fn register_cmd() -> RegisterApplication {
    RegisterApplication {
        owner_org_id: "acme".into(),
        name: "  Billing  ".into(),
        redirect_urls: vec!["https://billing.example.com/cb".into()],
        allowed_scopes: Some(vec!["read".into(), "workspace:write".into()]),
        ..RegisterApplication::default()
    }
}

/// `sample(1, "acme")` rotated at second 4000 to `hash("new")` with ten minutes' grace: its
/// previous secret, `hash("current")`, is valid until 4600.
pub(crate) fn rotated_app() -> OAuthApplication {
    sample(1, "acme")
        .rotated(
            hash("new"),
            None,
            GracePeriod::from_seconds(600).unwrap(),
            at(4000),
        )
        .unwrap()
}
