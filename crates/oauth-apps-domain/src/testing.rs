//! In-memory fakes of every port, for tests and examples (feature `testing`).
//!
//! They keep the ports' contracts (compare-and-set updates, org-scoped lookups, keyset
//! order) but none of their production qualities: [`SeededRandom`] is **not** a CSPRNG and
//! [`FakeHasher`] is fast on purpose. Never use them outside tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::model::{
    AppId, CREDENTIAL_USE_RESOLUTION_SECONDS, ClientId, ClientSecret, CredentialRef, Cursor,
    InitialAccessToken, InitialAccessTokenId, Jwks, JwksUri, MetadataDocument, MetadataDocumentUrl,
    NewApplication, OAuthApplication, OrgId, SecretHash, Timestamp, TokenDigest, Version,
};
use crate::ports::{
    ApplicationRepository, AssertionRefusal, AssertionRules, AssertionVerifier, AuditEvent, Clock,
    DocumentFetchError, HasherError, InitialAccessTokenRepository, KeyDirectory, KeyFetchError,
    MetadataDocuments, RandomError, RandomSource, ReplayGuard, RepositoryError, SecretHasher,
    StoredAuditEvent, VerifiedAssertion,
};

#[derive(Default)]
struct Store {
    apps: Vec<OAuthApplication>,
    events: Vec<(AppId, AuditEvent)>,
    /// The credentials' last uses, kept apart from the applications as a store keeps
    /// them (an update does not overwrite them).
    uses: HashMap<(AppId, CredentialRef), Timestamp>,
    /// How many uses were written.
    uses_written: usize,
}

impl Store {
    /// `app` with the uses written since it was stored.
    fn seen(&self, app: &OAuthApplication) -> OAuthApplication {
        self.uses
            .iter()
            .filter(|((id, _), _)| *id == app.id())
            .fold(app.clone(), |app, ((_, credential), at)| {
                app.with_recorded_use(*credential, *at)
            })
    }
}

/// Applications and audit events in memory.
#[derive(Default)]
pub struct InMemoryRepository {
    store: Mutex<Store>,
}

impl InMemoryRepository {
    /// An empty repository.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The audit events recorded so far, oldest first.
    ///
    /// # Panics
    /// When a previous user of the store panicked while holding it.
    #[must_use]
    pub fn events(&self) -> Vec<(AppId, AuditEvent)> {
        self.lock().events.clone()
    }

    /// How many applications are stored.
    #[must_use]
    pub fn application_count(&self) -> usize {
        self.lock().apps.len()
    }

    /// How many credential uses were written (see
    /// [`ApplicationRepository::record_use`]).
    #[must_use]
    pub fn uses_written(&self) -> usize {
        self.lock().uses_written
    }

    /// How many audit events are stored.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.lock().events.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn newest_first(&self, org: &OrgId) -> Vec<OAuthApplication> {
        let store = self.lock();
        let mut apps: Vec<_> = store
            .apps
            .iter()
            .filter(|a| a.owner_org_id() == org)
            .map(|a| store.seen(a))
            .collect();
        apps.sort_by_key(|a| std::cmp::Reverse((a.created_at(), a.id())));
        apps
    }
}

#[async_trait]
impl ApplicationRepository for InMemoryRepository {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        let mut store = self.lock();
        if store.apps.iter().any(|a| a.client_id() == app.client_id()) {
            return Err(RepositoryError::DuplicateClientId);
        }
        let next = i64::try_from(store.apps.len()).unwrap_or(i64::MAX - 1) + 1;
        let id = AppId::new(next).map_err(|e| RepositoryError::Unexpected(Box::new(e)))?;
        store.apps.push(app.clone().with_id(id));
        store.events.push((id, event.clone()));
        Ok(id)
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        Ok(store
            .apps
            .iter()
            .find(|a| a.client_id() == client_id)
            .map(|a| store.seen(a)))
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        Ok(store
            .apps
            .iter()
            .find(|a| a.id() == id && a.owner_org_id() == org)
            .map(|a| store.seen(a)))
    }

    async fn list_after(
        &self,
        org: &OrgId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        Ok(self
            .newest_first(org)
            .into_iter()
            .filter(|a| after.is_none_or(|c| (a.created_at(), a.id()) < (c.created_at, c.id)))
            .take(limit as usize)
            .collect())
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        let all = self.newest_first(org);
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .collect();
        Ok((page, total))
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        let store = self.lock();
        let mut events: Vec<StoredAuditEvent> = store
            .events
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| *id == app)
            .map(|(i, (_, event))| StoredAuditEvent {
                id: i64::try_from(i).unwrap_or(i64::MAX - 1) + 1,
                event: event.clone(),
            })
            .filter(|e| before.is_none_or(|b| e.id < b))
            .collect();
        events.reverse();
        events.truncate(limit as usize);
        Ok(events)
    }

    async fn update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        let mut store = self.lock();
        let slot = store
            .apps
            .iter_mut()
            .find(|a| a.id() == app.id())
            .ok_or(RepositoryError::NotFound)?;
        if slot.version() != expected {
            return Err(RepositoryError::VersionConflict);
        }
        *slot = app.clone();
        store.events.push((app.id(), event.clone()));
        Ok(())
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let mut store = self.lock();
        if !store.apps.iter().any(|a| a.id() == app) {
            return Ok(false);
        }
        let recent = store
            .uses
            .get(&(app, credential))
            .is_some_and(|last| last.plus_seconds(CREDENTIAL_USE_RESOLUTION_SECONDS) > at);
        if recent {
            return Ok(false);
        }
        store.uses.insert((app, credential), at);
        store.uses_written += 1;
        Ok(true)
    }
}

/// A clock that shows a set time until moved.
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock showing `now`.
    #[must_use]
    pub const fn new(now: Timestamp) -> Self {
        Self(Mutex::new(now))
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u32) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.plus_seconds(seconds);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A deterministic pseudo-random source (SplitMix64). **Not** cryptographically secure.
pub struct SeededRandom(AtomicU64);

impl SeededRandom {
    /// A source starting from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            let mut z = self
                .0
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// A fast salted hash (FNV-1a): stores no plaintext, but is **not** a password hash.
#[derive(Default)]
pub struct FakeHasher {
    salt: AtomicU64,
}

impl FakeHasher {
    /// A new fake hasher.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn digest(salt: u64, secret: &str) -> u64 {
        salt.to_le_bytes()
            .iter()
            .chain(secret.as_bytes())
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            })
    }
}

#[async_trait]
impl SecretHasher for FakeHasher {
    async fn hash(
        &self,
        secret: &ClientSecret,
        _requester: &str,
    ) -> Result<SecretHash, HasherError> {
        let salt = self.salt.fetch_add(1, Ordering::Relaxed);
        SecretHash::new(format!(
            "$fake${salt}${:016x}",
            Self::digest(salt, secret.expose())
        ))
        .map_err(|e| HasherError::Unexpected(Box::new(e)))
    }

    async fn verify(
        &self,
        presented: &str,
        hash: &SecretHash,
        _requester: &str,
    ) -> Result<bool, HasherError> {
        let parsed = hash
            .as_phc()
            .strip_prefix("$fake$")
            .and_then(|rest| rest.split_once('$'))
            .and_then(|(salt, digest)| Some((salt.parse().ok()?, digest)));
        match parsed {
            Some((salt, digest)) => Ok(format!("{:016x}", Self::digest(salt, presented)) == digest),
            None => Err(HasherError::Unexpected("not a fake hash".into())),
        }
    }
}

/// Published key sets in memory: the sets registered with [`FakeKeyDirectory::publish`],
/// served without any network; URLs on hosts named with [`FakeKeyDirectory::refusing`]
/// are refused as the server's address policy would refuse them. Like the real directory
/// it caches what it fetched (for ever: there is no clock here) and fetches again only when
/// asked to refresh; it counts fetches, so tests can see the cache and the refresh at work
/// in the code that calls it.
#[derive(Default)]
pub struct FakeKeyDirectory {
    published: Mutex<std::collections::HashMap<String, Jwks>>,
    cached: Mutex<std::collections::HashMap<String, Jwks>>,
    refused_hosts: Vec<String>,
    fetches: AtomicU64,
}

impl FakeKeyDirectory {
    /// A directory that publishes nothing and refuses nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A directory that refuses URLs on `hosts`.
    #[must_use]
    pub fn refusing(hosts: &[&str]) -> Self {
        Self {
            refused_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Publishes `jwks` at `uri` (replacing what was there).
    pub fn publish(&self, uri: &str, jwks: Jwks) {
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(uri.to_owned(), jwks);
    }

    /// How many times a set was fetched.
    #[must_use]
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl KeyDirectory for FakeKeyDirectory {
    fn permits(&self, uri: &JwksUri) -> Result<(), String> {
        let host = url::Url::parse(uri.as_str())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        if self.refused_hosts.contains(&host) {
            Err(format!("{host} is a refused address"))
        } else {
            Ok(())
        }
    }

    async fn fetch(&self, uri: &JwksUri, refresh: bool) -> Result<Jwks, KeyFetchError> {
        self.permits(uri).map_err(KeyFetchError::Refused)?;
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !refresh && let Some(jwks) = cached.get(uri.as_str()) {
            return Ok(jwks.clone());
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let jwks = self
            .published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| KeyFetchError::Unavailable("nothing is published there".into()))?;
        cached.insert(uri.as_str().to_owned(), jwks.clone());
        Ok(jwks)
    }
}

/// Used assertion ids in memory: a `jti` is accepted once per client until it expires.
#[derive(Default)]
pub struct InMemoryReplayGuard {
    used: Mutex<std::collections::HashMap<(AppId, String), Timestamp>>,
}

impl InMemoryReplayGuard {
    /// An empty guard.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl ReplayGuard for InMemoryReplayGuard {
    async fn first_use(
        &self,
        client: AppId,
        jti: &str,
        expires_at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(used.insert((client, jti.to_owned()), expires_at).is_none())
    }
}

/// Initial access tokens in memory, with the store's rules: a use is counted only while
/// the token is usable, and a first revocation stands.
#[derive(Default)]
pub struct InMemoryInitialAccessTokens {
    tokens: Mutex<Vec<InitialAccessToken>>,
}

impl InMemoryInitialAccessTokens {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<InitialAccessToken>> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl InitialAccessTokenRepository for InMemoryInitialAccessTokens {
    async fn insert_initial_access_token(
        &self,
        token: &InitialAccessToken,
    ) -> Result<(), RepositoryError> {
        self.lock().push(token.clone());
        Ok(())
    }

    async fn initial_access_tokens(
        &self,
        org: &OrgId,
    ) -> Result<Vec<InitialAccessToken>, RepositoryError> {
        let mut tokens: Vec<_> = self
            .lock()
            .iter()
            .filter(|t| &t.owner_org_id == org)
            .cloned()
            .collect();
        tokens.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        Ok(tokens)
    }

    async fn find_initial_access_token(
        &self,
        id: InitialAccessTokenId,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        Ok(self.lock().iter().find(|t| t.id == id).cloned())
    }

    async fn find_initial_access_token_by_digest(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        Ok(self.lock().iter().find(|t| t.digest == digest).cloned())
    }

    async fn revoke_initial_access_token(
        &self,
        id: InitialAccessTokenId,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let mut tokens = self.lock();
        Ok(tokens.iter_mut().find(|t| t.id == id).map(|t| {
            t.revoked_at.get_or_insert(at);
            t.clone()
        }))
    }

    async fn redeem_initial_access_token(
        &self,
        digest: TokenDigest,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let mut tokens = self.lock();
        Ok(tokens
            .iter_mut()
            .find(|t| t.digest == digest && t.is_usable_at(at))
            .map(|t| {
                t.uses += 1;
                t.clone()
            }))
    }
}

/// An assertion check for tests that need none: it refuses every assertion as malformed.
/// (The real check is cryptographic and lives in an adapter.)
#[derive(Debug, Default, Clone, Copy)]
pub struct RefuseAssertions;

impl AssertionVerifier for RefuseAssertions {
    fn subject(&self, _assertion: &str) -> Option<String> {
        None
    }

    fn verify(
        &self,
        _assertion: &str,
        _keys: &[Jwks],
        _rules: &AssertionRules,
    ) -> Result<VerifiedAssertion, AssertionRefusal> {
        Err(AssertionRefusal::Malformed)
    }
}

/// Metadata documents served from memory: what a test publishes at a URL, checked as the
/// real adapter checks it (never cached, so a changed document is seen at once); an
/// unpublished URL is unreachable, a refused one refused by the outbound policy. Counts
/// its fetches.
#[derive(Default)]
pub struct InMemoryMetadataDocuments {
    published: Mutex<HashMap<String, Vec<u8>>>,
    refused: Mutex<Vec<String>>,
    fetches: AtomicU64,
}

impl InMemoryMetadataDocuments {
    /// Nothing published.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes `body` at `url` (replacing what was there).
    pub fn publish(&self, url: &str, body: impl Into<Vec<u8>>) {
        lock(&self.published).insert(url.to_owned(), body.into());
    }

    /// Makes fetching `url` refused by the outbound policy (a private address, say).
    pub fn refuse(&self, url: &str) {
        lock(&self.refused).push(url.to_owned());
    }

    /// How many fetches were made.
    #[must_use]
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl MetadataDocuments for InMemoryMetadataDocuments {
    async fn fetch(
        &self,
        url: &MetadataDocumentUrl,
    ) -> Result<MetadataDocument, DocumentFetchError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        if lock(&self.refused).iter().any(|u| u == url.as_str()) {
            return Err(DocumentFetchError::Refused(format!(
                "{} resolved to a private address",
                url.host()
            )));
        }
        let body = lock(&self.published)
            .get(url.as_str())
            .cloned()
            .ok_or_else(|| DocumentFetchError::Unreachable("answered 404".into()))?;
        MetadataDocument::parse(url, &body).map_err(|refusal| match refusal {
            crate::model::DocumentRefusal::TooLarge { limit, .. } => {
                DocumentFetchError::TooLarge { limit }
            }
            other => DocumentFetchError::Invalid(other),
        })
    }
}

/// The value a mutex guards, even when a panicking test poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl crate::ports::EventFeed for InMemoryRepository {
    /// The events in the order they were recorded; an event's position is its place in
    /// that order, from 1.
    async fn events_after<'a>(
        &self,
        after: i64,
        org: Option<&'a OrgId>,
        limit: u32,
    ) -> Result<Vec<crate::ports::FeedEntry>, RepositoryError> {
        let store = self.lock();
        let entries = store
            .events
            .iter()
            .zip(1_i64..)
            .filter(|(_, position)| *position > after)
            .filter_map(|((app_id, event), position)| {
                let app = store.apps.iter().find(|a| a.id() == *app_id)?;
                Some(crate::ports::FeedEntry {
                    position,
                    client_id: *app.client_id(),
                    owner_org_id: app.owner_org_id().clone(),
                    event: event.clone(),
                })
            })
            .filter(|entry| org.is_none_or(|org| &entry.owner_org_id == org))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Ok(entries)
    }
}
