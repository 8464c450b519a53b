//! [`PublishedKeys`]: JWK Sets published at `jwks_uri`, fetched through the outbound guard
//! and kept in a bounded in-process cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oauth_apps_domain::{Jwks, JwksUri, KeyDirectory, KeyFetchError, OutboundRefusal, Violation};
use oauth_apps_outbound::{FetchError, OutboundGuard};

/// The `Accept` field of every fetch.
pub const ACCEPT: &str = "application/jwk-set+json, application/json";

/// The shortest time a fetched set is kept, whatever its `Cache-Control` says.
pub const MIN_FRESHNESS: Duration = Duration::from_secs(5 * 60);

/// The longest time a fetched set is kept, whatever its `Cache-Control` says.
pub const MAX_FRESHNESS: Duration = Duration::from_secs(24 * 60 * 60);

/// A URL is fetched past its cached set at most once in this interval.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// How many URLs the cache holds by default; beyond, the least recently used goes.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Where the cache reads the time: monotonic, and replaceable in tests.
///
/// Any `Fn() -> Instant + Send + Sync` is one; the default is [`Instant::now`].
pub trait InstantSource: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

impl<F: Fn() -> Instant + Send + Sync> InstantSource for F {
    fn now(&self) -> Instant {
        self()
    }
}

/// The [`KeyDirectory`] of published key sets: the outbound guard's policy and fetching
/// (`docs/outbound.md`), with a cache.
///
/// - [`KeyDirectory::permits`] is the guard's [`OutboundGuard::check_url`]; a refusal is
///   its [`OutboundRefusal`], with the guard's message (`must not point to a
///   special-purpose address: ...`).
/// - [`KeyDirectory::fetch`] answers from the cache while the set is fresh. Otherwise it
///   fetches with `Accept: application/jwk-set+json, application/json` ([`ACCEPT`]),
///   checks the body with [`Jwks::parse`] (public members only, the domain's key rules)
///   and keeps the set for its `Cache-Control` freshness within
///   [`MIN_FRESHNESS`]..=[`MAX_FRESHNESS`] (5 minutes to 24 hours).
/// - With `refresh` (an assertion named a key the cached set lacks) it fetches past a
///   fresh set, but at most once per [`REFRESH_INTERVAL`] (a minute) per URL, counted
///   from the last fetch: within it, the cached set is the answer, so unknown `kid`s
///   cannot make the service hammer a client's server. An expired set is never served.
/// - A failed fetch or an invalid set leaves the cache as it was.
/// - At most [`DEFAULT_CAPACITY`] URLs are kept ([`Self::with_capacity`]); storing one
///   more drops the least recently used.
///
/// The cache's lock is never held across an `.await`: two callers missing the same URL at
/// once may both fetch it.
pub struct PublishedKeys {
    guard: OutboundGuard,
    clock: Arc<dyn InstantSource>,
    cache: Mutex<KeyCache>,
}

impl fmt::Debug for PublishedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cache = self.lock();
        f.debug_struct("PublishedKeys")
            .field("guard", &self.guard)
            .field("cached", &cache.len())
            .field("capacity", &cache.capacity())
            .finish_non_exhaustive()
    }
}

impl PublishedKeys {
    /// Fetches through `guard`, caching up to [`DEFAULT_CAPACITY`] URLs, on the system's
    /// monotonic clock.
    #[must_use]
    pub fn new(guard: OutboundGuard) -> Self {
        Self {
            guard,
            clock: Arc::new(Instant::now),
            cache: Mutex::new(KeyCache::new(DEFAULT_CAPACITY)),
        }
    }

    /// Reads the time from `clock` (tests move it forward).
    #[must_use]
    pub fn with_clock(mut self, clock: impl InstantSource + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Keeps at most `capacity` URLs (at least one).
    #[must_use]
    pub fn with_capacity(self, capacity: usize) -> Self {
        self.lock().set_capacity(capacity);
        self
    }

    /// How many URLs have a set in the cache (fresh or not).
    #[must_use]
    pub fn cached(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeyCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn download(&self, uri: &JwksUri) -> Result<(Jwks, Duration), KeyFetchError> {
        let fetched = self
            .guard
            .get(uri.as_str(), ACCEPT)
            .await
            .map_err(|e| match e {
                FetchError::Refused(refusal) => KeyFetchError::Refused(refusal.to_string()),
                other => KeyFetchError::Unavailable(Box::new(other)),
            })?;
        let text = std::str::from_utf8(&fetched.body).map_err(|_| {
            KeyFetchError::Invalid(Violation::Malformed {
                what: "JWK Set (JSON)",
            })
        })?;
        let jwks = Jwks::parse(text).map_err(KeyFetchError::Invalid)?;
        Ok((jwks, fetched.cache_for(MIN_FRESHNESS, MAX_FRESHNESS)))
    }
}

#[async_trait]
impl KeyDirectory for PublishedKeys {
    fn permits(&self, uri: &JwksUri) -> Result<(), OutboundRefusal> {
        self.guard
            .check_url(uri.as_str())
            .map(drop)
            .map_err(OutboundRefusal::from)
    }

    async fn fetch(&self, uri: &JwksUri, refresh: bool) -> Result<Jwks, KeyFetchError> {
        let now = self.clock.now();
        if let Some(cached) = self.lock().before_fetch(uri, refresh, now) {
            return Ok(cached);
        }
        let (jwks, fresh_for) = self.download(uri).await?;
        self.lock().store(uri, jwks.clone(), now, fresh_for);
        Ok(jwks)
    }
}

struct Entry<V> {
    value: V,
    /// When the last fetch of this URL started (a refresh counts from it).
    fetched_at: Instant,
    /// Served until then.
    fresh_until: Instant,
    /// The cache's use counter when it was last stored or served (higher is more recent).
    used: u64,
}

/// What was fetched, by URL, bounded, least recently used out: the key sets here, the
/// metadata documents in [`crate::PublishedDocuments`].
pub(crate) struct FetchCache<K, V> {
    entries: HashMap<K, Entry<V>>,
    capacity: usize,
    uses: u64,
}

/// The key sets by URL.
type KeyCache = FetchCache<JwksUri, Jwks>;

impl<K: Clone + Eq + std::hash::Hash, V: Clone> FetchCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
            uses: 0,
        }
    }

    /// How many URLs it holds.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The most URLs it holds.
    pub(crate) const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Holds at most `capacity` URLs (at least one) from now on.
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(1);
    }

    fn next_use(&mut self) -> u64 {
        self.uses += 1;
        self.uses
    }

    /// The cached set when it is the answer; `None` when the caller should fetch. A refresh
    /// that will fetch takes the URL's slot for the interval at once, so that concurrent
    /// refreshes answer from the cache instead of fetching too.
    pub(crate) fn before_fetch(&mut self, uri: &K, refresh: bool, now: Instant) -> Option<V> {
        let used = self.next_use();
        let entry = self.entries.get_mut(uri)?;
        if now >= entry.fresh_until {
            return None;
        }
        if refresh && now.saturating_duration_since(entry.fetched_at) >= REFRESH_INTERVAL {
            entry.fetched_at = now;
            return None;
        }
        entry.used = used;
        Some(entry.value.clone())
    }

    pub(crate) fn store(&mut self, uri: &K, value: V, fetched_at: Instant, fresh_for: Duration) {
        let used = self.next_use();
        if !self.entries.contains_key(uri) && self.entries.len() >= self.capacity {
            // O(n) on a full cache only; n is at most a few thousand.
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(
            uri.clone(),
            Entry {
                value,
                fetched_at,
                fresh_until: fetched_at + fresh_for,
                used,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    //! The cache's rules on their own; `tests/published_keys.rs` goes through a real
    //! server.

    use serde_json::json;

    use super::*;

    fn uri(n: usize) -> JwksUri {
        JwksUri::parse(&format!("https://c{n}.example/jwks")).expect("uri")
    }

    fn jwks(kid: &str) -> Jwks {
        let x = "A".repeat(43);
        Jwks::from_value(&json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x}]}))
            .expect("jwks")
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_fresh_set_is_served_until_it_expires_and_refreshed_once_a_minute() {
        let t0 = Instant::now();
        let mut cache = KeyCache::new(10);
        assert!(cache.before_fetch(&uri(1), false, t0).is_none(), "empty");
        cache.store(&uri(1), jwks("a"), t0, 10 * MINUTE);
        assert_eq!(
            cache.before_fetch(&uri(1), false, t0 + MINUTE),
            Some(jwks("a"))
        );
        // A refresh within the minute of the fetch: the cached set.
        assert!(cache.before_fetch(&uri(1), true, t0 + MINUTE / 2).is_some());
        // After it: fetch, and the slot is taken at once.
        assert!(cache.before_fetch(&uri(1), true, t0 + MINUTE).is_none());
        assert!(
            cache
                .before_fetch(&uri(1), true, t0 + MINUTE + MINUTE / 2)
                .is_some()
        );
        assert!(cache.before_fetch(&uri(1), true, t0 + 2 * MINUTE).is_none());
        // Expired: fetched again, refresh or not.
        assert!(
            cache
                .before_fetch(&uri(1), false, t0 + 10 * MINUTE)
                .is_none()
        );
    }

    #[test]
    fn a_full_cache_drops_the_least_recently_used_url() {
        let t0 = Instant::now();
        let mut cache = KeyCache::new(3);
        for n in 0..3 {
            cache.store(&uri(n), jwks("k"), t0, 10 * MINUTE);
        }
        // uri(0) is used, so uri(1) is now the least recently used.
        assert!(cache.before_fetch(&uri(0), false, t0).is_some());
        cache.store(&uri(3), jwks("k"), t0, 10 * MINUTE);
        assert_eq!(cache.entries.len(), 3);
        assert!(!cache.entries.contains_key(&uri(1)));
        for n in [0, 2, 3] {
            assert!(cache.entries.contains_key(&uri(n)), "{n}");
        }
        // Storing a URL already held replaces it without dropping another.
        cache.store(&uri(0), jwks("new"), t0, 10 * MINUTE);
        assert_eq!(cache.entries.len(), 3);
        assert_eq!(cache.before_fetch(&uri(0), false, t0), Some(jwks("new")));
    }
}
