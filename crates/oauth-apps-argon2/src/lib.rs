//! The secret hasher (Argon2id, PHC strings) and the operating system's random source.
//!
//! Hashing and verifying are CPU-bound and slow on purpose, so they run on Tokio's
//! blocking pool, and at most [`HasherConfig::max_concurrent`] of them at once: a flood of
//! verifications waits its turn instead of starving the async executor.

mod warm;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use oauth_apps_domain::{
    ClientSecret, HasherError, RandomError, RandomSource, SecretHash, SecretHasher,
};
use tokio::sync::Semaphore;
pub use warm::{DEFAULT_CAPACITY, WarmHasher};

/// Argon2id cost parameters and the concurrency bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HasherConfig {
    /// Memory in KiB (default 19456, the OWASP minimum for Argon2id).
    pub memory_kib: u32,
    /// Iterations (default 2).
    pub iterations: u32,
    /// Lanes (default 1).
    pub parallelism: u32,
    /// How many hashes may run at once (default: the number of CPUs).
    pub max_concurrent: usize,
}

impl Default for HasherConfig {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            max_concurrent: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

/// The parameters are outside what Argon2 accepts.
#[derive(Debug, thiserror::Error)]
#[error("invalid Argon2 parameters: {0}")]
pub struct InvalidParams(String);

/// Argon2id over Tokio's blocking pool, with bounded concurrency.
#[derive(Clone)]
pub struct Argon2Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    max_concurrent: usize,
    in_flight: Arc<AtomicUsize>,
}

impl Argon2Hasher {
    /// A hasher with `config`.
    ///
    /// # Errors
    /// [`InvalidParams`] when Argon2 refuses the cost parameters or `max_concurrent` is 0.
    pub fn new(config: HasherConfig) -> Result<Self, InvalidParams> {
        if config.max_concurrent == 0 {
            return Err(InvalidParams("max_concurrent must be at least 1".into()));
        }
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| InvalidParams(e.to_string()))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(config.max_concurrent)),
            max_concurrent: config.max_concurrent,
            in_flight: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// How many hashes run right now (for saturation metrics).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The most hashes that may run at once.
    #[must_use]
    pub const fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HasherError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HasherError::Unexpected(Box::new(e)))?;
        let in_flight = self.in_flight.clone();
        in_flight.fetch_add(1, Ordering::Relaxed);
        let result = tokio::task::spawn_blocking(work).await;
        in_flight.fetch_sub(1, Ordering::Relaxed);
        result.map_err(|e| HasherError::Unexpected(Box::new(e)))
    }
}

#[async_trait]
impl SecretHasher for Argon2Hasher {
    async fn hash(&self, secret: &ClientSecret) -> Result<SecretHash, HasherError> {
        let argon2 = self.argon2();
        let plaintext = secret.expose().as_bytes().to_vec();
        let phc = self
            .run(move || argon2.hash_password(&plaintext).map(|h| h.to_string()))
            .await?
            .map_err(|e| HasherError::Unexpected(e.to_string().into()))?;
        SecretHash::new(phc).map_err(|e| HasherError::Unexpected(Box::new(e)))
    }

    async fn verify(&self, presented: &str, hash: &SecretHash) -> Result<bool, HasherError> {
        // Parse first: a malformed stored hash is an error, not a mismatch.
        PasswordHash::new(hash.as_phc())
            .map_err(|e| HasherError::Unexpected(e.to_string().into()))?;
        let argon2 = self.argon2();
        let presented = presented.as_bytes().to_vec();
        let phc = hash.as_phc().to_owned();
        self.run(move || {
            PasswordHash::new(&phc)
                .map(|parsed| argon2.verify_password(&presented, &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
    }
}

/// The operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|e| RandomError(e.to_string().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters so the tests run fast; the production ones are checked separately.
    fn cheap(max_concurrent: usize) -> Argon2Hasher {
        Argon2Hasher::new(HasherConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_concurrent,
        })
        .unwrap()
    }

    fn secret(byte: u8) -> ClientSecret {
        ClientSecret::from_random_bytes(&[byte; 32])
    }

    #[tokio::test]
    async fn hashes_verify_their_secret_only() {
        let hasher = cheap(2);
        let s = secret(1);
        let hash = hasher.hash(&s).await.unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!hash.as_phc().contains(s.expose()));
        assert!(hasher.verify(s.expose(), &hash).await.unwrap());
        assert!(!hasher.verify(secret(2).expose(), &hash).await.unwrap());
        assert!(!hasher.verify("", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn each_hash_has_its_own_salt() {
        let hasher = cheap(1);
        let s = secret(3);
        let a = hasher.hash(&s).await.unwrap();
        let b = hasher.hash(&s).await.unwrap();
        assert_ne!(a.as_phc(), b.as_phc());
        assert!(hasher.verify(s.expose(), &b).await.unwrap());
    }

    #[tokio::test]
    async fn default_parameters_are_the_owasp_minimum() {
        let hasher = Argon2Hasher::new(HasherConfig::default()).unwrap();
        let s = secret(4);
        let hash = hasher.hash(&s).await.unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        // Verification uses the parameters stored in the hash, whatever the hasher's.
        assert!(cheap(1).verify(s.expose(), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let hasher = cheap(1);
        let bad = SecretHash::new("$argon2id$garbage").unwrap();
        assert!(matches!(
            hasher.verify("x", &bad).await,
            Err(HasherError::Unexpected(_))
        ));
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let config = HasherConfig {
            memory_kib: 1,
            ..HasherConfig::default()
        };
        assert!(Argon2Hasher::new(config).is_err());
        let config = HasherConfig {
            max_concurrent: 0,
            ..HasherConfig::default()
        };
        assert!(Argon2Hasher::new(config).is_err());
        let config = HasherConfig {
            iterations: 0,
            ..HasherConfig::default()
        };
        assert!(Argon2Hasher::new(config).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_than_the_bound_run_at_once() {
        let hasher = Argon2Hasher::new(HasherConfig {
            memory_kib: 4096,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 2,
        })
        .unwrap();
        assert_eq!(hasher.max_concurrent(), 2);
        let observed = Arc::new(AtomicUsize::new(0));
        let watcher = {
            let hasher = hasher.clone();
            let observed = observed.clone();
            tokio::spawn(async move {
                loop {
                    observed.fetch_max(hasher.in_flight(), Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            })
        };
        let tasks: Vec<_> = (0..8u8)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(&secret(i)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        watcher.abort();
        let max = observed.load(Ordering::Relaxed);
        assert!((1..=2).contains(&max), "{max} hashes ran at once");
        assert_eq!(hasher.in_flight(), 0);
    }

    #[test]
    fn os_random_fills_the_buffer() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        OsRandom.fill(&mut a).unwrap();
        OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
