//! A read cache in front of an [`ApplicationRepository`].
//!
//! Lookups of one application (by client id, or by organisation and id) are answered from
//! memory for at most a short TTL. Every write through this process evicts the entry;
//! writes by other processes are announced by storage (PostgreSQL `NOTIFY`) and reach
//! [`CacheControl::invalidate`]. While no announcements can be received (the listener is
//! down), [`CacheControl::set_enabled`] turns the cache off, so nothing stale is served;
//! the TTL is the safety net for anything else. Listings are never cached.
//!
//! A lookup that started before an invalidation does not store what it read, so an
//! eviction can never be undone by a slow reader.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oauth_apps_domain::{
    AppId, ApplicationRepository, AuditEvent, ClientId, CredentialRef, Cursor, NewApplication,
    OAuthApplication, OrgId, RepositoryError, StoredAuditEvent, Timestamp, Version,
};

/// The default time an entry may be served: 5 seconds. Changes are evicted at once
/// (locally, and through announcements from other replicas); the time-to-live is the
/// safety net for an announcement that was lost.
pub const DEFAULT_TTL: Duration = Duration::from_secs(5);

struct Entry {
    app: OAuthApplication,
    stored: Instant,
}

#[derive(Default)]
struct Entries {
    by_client_id: HashMap<ClientId, Entry>,
    client_id_by_id: HashMap<AppId, ClientId>,
}

struct Shared {
    entries: Mutex<Entries>,
    /// Bumped by every invalidation: a read that saw another value stores nothing.
    generation: AtomicU64,
    enabled: AtomicBool,
    ttl: Duration,
    max_entries: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn evict(&self, client_id: &ClientId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.lock();
        if let Some(entry) = entries.by_client_id.remove(client_id) {
            entries.client_id_by_id.remove(&entry.app.id());
        }
    }

    fn evict_id(&self, id: AppId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.lock();
        if let Some(client_id) = entries.client_id_by_id.remove(&id) {
            entries.by_client_id.remove(&client_id);
        }
    }

    fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.lock();
        entries.by_client_id.clear();
        entries.client_id_by_id.clear();
    }
}

/// How storage (or the listener of another process's writes) steers the cache.
#[derive(Clone)]
pub struct CacheControl(Arc<Shared>);

impl CacheControl {
    /// Forgets the application with this client id (text form; anything else is ignored).
    pub fn invalidate(&self, client_id: &str) {
        if let Ok(id) = ClientId::parse(client_id) {
            self.0.evict(&id);
        }
    }

    /// Forgets everything.
    pub fn invalidate_all(&self) {
        self.0.clear();
    }

    /// Turns the cache on or off; turning it off forgets everything.
    pub fn set_enabled(&self, enabled: bool) {
        self.0.enabled.store(enabled, Ordering::SeqCst);
        if !enabled {
            self.0.clear();
        }
    }

    /// Whether lookups are served from memory.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.0.enabled.load(Ordering::SeqCst)
    }

    /// How many applications are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.lock().by_client_id.len()
    }

    /// Whether none is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The caching repository.
pub struct CachedRepository {
    inner: Arc<dyn ApplicationRepository>,
    shared: Arc<Shared>,
}

impl CachedRepository {
    /// A cache over `inner` whose entries live at most `ttl`, holding at most
    /// `max_entries` applications. It starts enabled.
    #[must_use]
    pub fn new(inner: Arc<dyn ApplicationRepository>, ttl: Duration, max_entries: usize) -> Self {
        Self {
            inner,
            shared: Arc::new(Shared {
                entries: Mutex::default(),
                generation: AtomicU64::new(0),
                enabled: AtomicBool::new(true),
                ttl,
                max_entries: max_entries.max(1),
            }),
        }
    }

    /// The handle that invalidates and switches the cache.
    #[must_use]
    pub fn control(&self) -> CacheControl {
        CacheControl(self.shared.clone())
    }

    fn fresh(&self, client_id: &ClientId) -> Option<OAuthApplication> {
        if !self.shared.enabled.load(Ordering::SeqCst) {
            return None;
        }
        let entries = self.shared.lock();
        entries
            .by_client_id
            .get(client_id)
            .filter(|e| e.stored.elapsed() < self.shared.ttl)
            .map(|e| e.app.clone())
    }

    fn store(&self, app: &OAuthApplication, generation: u64) {
        if !self.shared.enabled.load(Ordering::SeqCst) {
            return;
        }
        let mut entries = self.shared.lock();
        // Checked under the lock that evictions also take after bumping the generation.
        if self.shared.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.by_client_id.len() >= self.shared.max_entries {
            entries.by_client_id.clear();
            entries.client_id_by_id.clear();
        }
        entries.client_id_by_id.insert(app.id(), *app.client_id());
        entries.by_client_id.insert(
            *app.client_id(),
            Entry {
                app: app.clone(),
                stored: Instant::now(),
            },
        );
    }
}

#[async_trait]
impl ApplicationRepository for CachedRepository {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        self.inner.insert(app, event).await
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        if let Some(app) = self.fresh(client_id) {
            return Ok(Some(app));
        }
        let generation = self.shared.generation.load(Ordering::SeqCst);
        let found = self.inner.find_by_client_id(client_id).await?;
        if let Some(app) = &found {
            self.store(app, generation);
        }
        Ok(found)
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let known = self.shared.lock().client_id_by_id.get(&id).copied();
        if let Some(app) = known.and_then(|client_id| self.fresh(&client_id)) {
            return Ok((app.owner_org_id() == org).then_some(app));
        }
        let generation = self.shared.generation.load(Ordering::SeqCst);
        let found = self.inner.find_by_org_and_id(org, id).await?;
        if let Some(app) = &found {
            self.store(app, generation);
        }
        Ok(found)
    }

    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        self.inner.list_after(org, name, after, limit).await
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        self.inner.list_page(org, offset, limit).await
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        self.inner.list_events(app, before, limit).await
    }

    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        let result = self.inner.update_recording(app, expected, events).await;
        // Evict whatever happened: a conflict means the cached copy is stale too.
        self.shared.evict(app.client_id());
        result
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let written = self.inner.record_use(app, credential, at).await?;
        // Once a minute per credential at most: the next read shows the use.
        if written {
            self.shared.evict_id(app);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use futures_executor::block_on;
    use oauth_apps_domain::testing::InMemoryRepository;
    use oauth_apps_domain::{
        AccessLevel, AppName, AppType, AuditAction, ChangedField, CredentialKind, CredentialSerial,
        Credentials, GrantTypes, Profile, RedirectUrls, ScopeCatalog, Scopes, Secret, SecretHash,
        Secrets, Status, Timestamp,
    };

    use super::*;

    /// Counts the lookups that reach storage.
    struct Counting {
        inner: InMemoryRepository,
        reads: AtomicUsize,
    }

    #[async_trait]
    impl ApplicationRepository for Counting {
        async fn insert(
            &self,
            a: &NewApplication,
            e: &AuditEvent,
        ) -> Result<AppId, RepositoryError> {
            self.inner.insert(a, e).await
        }
        async fn find_by_client_id(
            &self,
            id: &ClientId,
        ) -> Result<Option<OAuthApplication>, RepositoryError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.find_by_client_id(id).await
        }
        async fn find_by_org_and_id(
            &self,
            org: &OrgId,
            id: AppId,
        ) -> Result<Option<OAuthApplication>, RepositoryError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.find_by_org_and_id(org, id).await
        }
        async fn list_after<'a>(
            &self,
            org: &OrgId,
            name: Option<&'a str>,
            after: Option<Cursor>,
            limit: u32,
        ) -> Result<Vec<OAuthApplication>, RepositoryError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.list_after(org, name, after, limit).await
        }
        async fn list_page(
            &self,
            org: &OrgId,
            offset: u64,
            limit: u32,
        ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.list_page(org, offset, limit).await
        }
        async fn list_events(
            &self,
            app: AppId,
            before: Option<i64>,
            limit: u32,
        ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.list_events(app, before, limit).await
        }
        async fn update_recording(
            &self,
            a: &OAuthApplication,
            v: Version,
            e: &[AuditEvent],
        ) -> Result<(), RepositoryError> {
            self.inner.update_recording(a, v, e).await
        }
        async fn record_use(
            &self,
            app: AppId,
            credential: CredentialRef,
            at: Timestamp,
        ) -> Result<bool, RepositoryError> {
            self.inner.record_use(app, credential, at).await
        }
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_micros(s * 1_000_000).unwrap()
    }

    fn event() -> AuditEvent {
        AuditEvent {
            action: AuditAction::Updated,
            actor: "t".into(),
            request_id: None,
            client_request_id: None,
            changed_fields: vec![ChangedField::Status],
            at: at(2),
        }
    }

    fn setup(ttl: Duration) -> (Arc<Counting>, CachedRepository, OAuthApplication) {
        let counting = Arc::new(Counting {
            inner: InMemoryRepository::new(),
            reads: AtomicUsize::new(0),
        });
        let new = NewApplication::new(
            ClientId::from_random_bytes([9; 16]),
            OrgId::parse("acme").unwrap(),
            AppType::Web,
            Profile::new(
                AppType::Web,
                AppName::parse("Cached").unwrap(),
                None,
                RedirectUrls::parse(&["https://a.example/cb"], AppType::Web).unwrap(),
                Scopes::parse::<&str>(&[], &ScopeCatalog::default()).unwrap(),
                GrantTypes::default(),
                AccessLevel::Organization,
            )
            .unwrap(),
            false,
            Credentials::secret(Secrets::new(Secret::first(
                SecretHash::new("$t$x").unwrap(),
                None,
                at(1),
            ))),
            at(1),
        );
        let cache = CachedRepository::new(counting.clone(), ttl, 100);
        let id = block_on(cache.insert(&new, &event())).unwrap();
        (counting, cache, new.with_id(id))
    }

    fn reads(c: &Counting) -> usize {
        c.reads.load(Ordering::SeqCst)
    }

    #[test]
    fn a_written_use_is_read_at_once_and_an_unwritten_one_keeps_the_cache() {
        let (counting, cache, app) = setup(Duration::from_secs(60));
        let secret = CredentialRef {
            kind: CredentialKind::Secret,
            serial: CredentialSerial::FIRST,
        };
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 1);
        assert!(block_on(cache.record_use(app.id(), secret, at(100))).unwrap());
        let read = block_on(cache.find_by_client_id(app.client_id()))
            .unwrap()
            .unwrap();
        assert_eq!(reads(&counting), 2, "the use evicted the cached copy");
        assert_eq!(read.credentials().last_used(secret), Some(at(100)));
        // Within the minute nothing is written, and the cached copy stays.
        assert!(!block_on(cache.record_use(app.id(), secret, at(130))).unwrap());
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 2);
    }

    #[test]
    fn repeated_lookups_are_served_from_memory() {
        let (counting, cache, app) = setup(Duration::from_secs(60));
        for _ in 0..5 {
            assert_eq!(
                block_on(cache.find_by_client_id(app.client_id())).unwrap(),
                Some(app.clone())
            );
        }
        assert_eq!(reads(&counting), 1);
        let org = OrgId::parse("acme").unwrap();
        assert_eq!(
            block_on(cache.find_by_org_and_id(&org, app.id())).unwrap(),
            Some(app.clone())
        );
        assert_eq!(reads(&counting), 1);
        // The organisation still matters on a cache hit.
        let other = OrgId::parse("globex").unwrap();
        assert_eq!(
            block_on(cache.find_by_org_and_id(&other, app.id())).unwrap(),
            None
        );
        assert_eq!(cache.control().len(), 1);
    }

    #[test]
    fn a_write_evicts_the_entry() {
        let (counting, cache, app) = setup(Duration::from_secs(60));
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        let disabled = app.with_status(Status::Revoked, at(3));
        block_on(cache.update(&disabled, app.version(), &event())).unwrap();
        let seen = block_on(cache.find_by_client_id(app.client_id()))
            .unwrap()
            .unwrap();
        assert!(seen.is_disabled());
        assert_eq!(reads(&counting), 2);
        // A failed write evicts too.
        assert!(block_on(cache.update(&disabled, app.version(), &event())).is_err());
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 3);
    }

    #[test]
    fn announced_changes_and_resets_evict() {
        let (counting, cache, app) = setup(Duration::from_secs(60));
        let control = cache.control();
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        control.invalidate(&app.client_id().to_string());
        control.invalidate("not a client id");
        assert!(control.is_empty());
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        control.invalidate_all();
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 3);
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let (counting, cache, app) = setup(Duration::from_millis(30));
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        std::thread::sleep(Duration::from_millis(40));
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 2);
    }

    #[test]
    fn a_disabled_cache_serves_nothing_from_memory() {
        let (counting, cache, app) = setup(Duration::from_secs(60));
        let control = cache.control();
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        control.set_enabled(false);
        assert!(!control.is_enabled());
        assert!(control.is_empty());
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 3);
        assert!(control.is_empty());
        control.set_enabled(true);
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        block_on(cache.find_by_client_id(app.client_id())).unwrap();
        assert_eq!(reads(&counting), 4);
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_stored() {
        let (_, cache, app) = setup(Duration::from_secs(60));
        let before = cache.shared.generation.load(Ordering::SeqCst);
        cache.control().invalidate(&app.client_id().to_string());
        cache.store(&app, before);
        assert!(cache.control().is_empty());
        cache.store(&app, cache.shared.generation.load(Ordering::SeqCst));
        assert_eq!(cache.control().len(), 1);
    }

    #[test]
    fn listings_always_reach_storage() {
        let (counting, cache, _) = setup(Duration::from_secs(60));
        let org = OrgId::parse("acme").unwrap();
        assert_eq!(
            block_on(cache.list_after(&org, None, None, 10))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(block_on(cache.list_page(&org, 0, 10)).unwrap().1, 1);
        block_on(cache.list_after(&org, None, None, 10)).unwrap();
        assert_eq!(reads(&counting), 3);
        let app_id = block_on(cache.list_after(&org, None, None, 1)).unwrap()[0].id();
        assert_eq!(
            block_on(cache.list_events(app_id, None, 10)).unwrap().len(),
            1
        );
        assert_eq!(reads(&counting), 5);
    }
}
