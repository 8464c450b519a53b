//! Warm verification: Argon2 runs once per secret per process.
//!
//! After a secret has verified once against a stored hash, the process remembers the
//! SHA-256 of that secret under the stored hash. Later checks against the same stored
//! hash compare SHA-256 digests in constant time instead of running Argon2 again. A
//! secret is 256 random bits, so its SHA-256 is as hard to invert as the secret is to
//! guess; the digests never leave memory.
//!
//! Only a *matching* secret is answered fast. A secret that does not match the remembered
//! digest still pays for the full Argon2 verification, so a wrong secret costs the same as
//! an unknown client (verified against a dummy hash): timing tells an attacker nothing.
//!
//! A rotated or revoked secret's stored hash is never offered for verification again, so
//! its entry can never answer again; it leaves when newer entries need its place: the
//! entries are bounded in number ([`DEFAULT_CAPACITY`]), least recently verified first out.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use oauth_apps_domain::{ClientSecret, HasherError, SecretHash, SecretHasher};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How many stored hashes are remembered by default.
pub const DEFAULT_CAPACITY: usize = 100_000;

struct Entry {
    digest: [u8; 32],
    last_used: u64,
}

struct Table {
    entries: HashMap<String, Entry>,
    tick: u64,
}

/// A [`SecretHasher`] that remembers successful verifications of the hasher it wraps.
pub struct WarmHasher<H> {
    inner: H,
    capacity: usize,
    table: Mutex<Table>,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl<H> WarmHasher<H> {
    /// Wraps `inner`, remembering at most `capacity` stored hashes.
    #[must_use]
    pub fn new(inner: H, capacity: usize) -> Self {
        Self {
            inner,
            capacity: capacity.max(1),
            table: Mutex::new(Table {
                entries: HashMap::new(),
                tick: 0,
            }),
        }
    }

    /// The wrapped hasher.
    #[must_use]
    pub const fn inner(&self) -> &H {
        &self.inner
    }

    /// How many stored hashes are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `presented` is the remembered secret of `hash`.
    fn recall(&self, presented: &[u8; 32], hash: &SecretHash) -> bool {
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        match table.entries.get_mut(hash.as_phc()) {
            Some(entry) if bool::from(entry.digest.ct_eq(presented)) => {
                entry.last_used = tick;
                true
            }
            _ => false,
        }
    }

    fn remember(&self, hash: &SecretHash, digest: [u8; 32]) {
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        if table.entries.len() >= self.capacity
            && !table.entries.contains_key(hash.as_phc())
            && let Some(oldest) = table
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
        {
            table.entries.remove(&oldest);
        }
        table.entries.insert(
            hash.as_phc().to_owned(),
            Entry {
                digest,
                last_used: tick,
            },
        );
    }
}

#[async_trait]
impl<H: SecretHasher> SecretHasher for WarmHasher<H> {
    async fn hash(
        &self,
        secret: &ClientSecret,
        requester: &str,
    ) -> Result<SecretHash, HasherError> {
        self.inner.hash(secret, requester).await
    }

    async fn verify(
        &self,
        presented: &str,
        hash: &SecretHash,
        requester: &str,
    ) -> Result<bool, HasherError> {
        let presented_digest = digest(presented);
        if self.recall(&presented_digest, hash) {
            return Ok(true);
        }
        let matches = self.inner.verify(presented, hash, requester).await?;
        if matches {
            self.remember(hash, presented_digest);
        }
        Ok(matches)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts verifications; a secret matches a hash `$t$<secret>`.
    #[derive(Default)]
    struct Counting {
        verifies: AtomicUsize,
    }

    #[async_trait]
    impl SecretHasher for Counting {
        async fn hash(&self, secret: &ClientSecret, _: &str) -> Result<SecretHash, HasherError> {
            Ok(SecretHash::new(format!("$t${}", secret.expose())).unwrap())
        }
        async fn verify(
            &self,
            presented: &str,
            hash: &SecretHash,
            _: &str,
        ) -> Result<bool, HasherError> {
            self.verifies.fetch_add(1, Ordering::SeqCst);
            Ok(hash.as_phc() == format!("$t${presented}"))
        }
    }

    fn hash_of(s: &str) -> SecretHash {
        SecretHash::new(format!("$t${s}")).unwrap()
    }

    fn count(w: &WarmHasher<Counting>) -> usize {
        w.inner().verifies.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn a_verified_secret_is_checked_without_the_slow_hash_again() {
        let w = WarmHasher::new(Counting::default(), 10);
        let h = hash_of("right");
        assert!(w.verify("right", &h, "x").await.unwrap());
        assert_eq!(count(&w), 1);
        for _ in 0..5 {
            assert!(w.verify("right", &h, "x").await.unwrap());
        }
        assert_eq!(count(&w), 1);
        // A wrong secret against a remembered hash still pays for the slow hash, so it
        // takes as long as an unknown client.
        assert!(!w.verify("wrong", &h, "x").await.unwrap());
        assert_eq!(count(&w), 2);
        assert_eq!(w.len(), 1);
        assert!(w.verify("right", &h, "x").await.unwrap());
        assert_eq!(count(&w), 2);
    }

    #[tokio::test]
    async fn failures_are_not_remembered() {
        let w = WarmHasher::new(Counting::default(), 10);
        let h = hash_of("right");
        assert!(!w.verify("wrong", &h, "x").await.unwrap());
        assert!(!w.verify("wrong", &h, "x").await.unwrap());
        assert_eq!(count(&w), 2);
        assert!(w.is_empty());
    }

    #[tokio::test]
    async fn the_least_recently_used_entry_leaves_first() {
        let w = WarmHasher::new(Counting::default(), 2);
        let (a, b, c) = (hash_of("a"), hash_of("b"), hash_of("c"));
        assert!(w.verify("a", &a, "x").await.unwrap());
        assert!(w.verify("b", &b, "x").await.unwrap());
        assert!(w.verify("a", &a, "x").await.unwrap()); // a is now more recent than b
        assert!(w.verify("c", &c, "x").await.unwrap()); // b leaves
        assert_eq!(w.len(), 2);
        let before = count(&w);
        assert!(w.verify("a", &a, "x").await.unwrap());
        assert_eq!(count(&w), before, "a is still remembered");
        assert!(w.verify("b", &b, "x").await.unwrap());
        assert_eq!(count(&w), before + 1, "b was forgotten");
    }

    #[tokio::test]
    async fn hashing_passes_through() {
        let w = WarmHasher::new(Counting::default(), 1);
        let s = ClientSecret::from_random_bytes(&[3; 32]);
        assert_eq!(
            w.hash(&s, "x").await.unwrap().as_phc(),
            format!("$t${}", s.expose())
        );
    }
}
