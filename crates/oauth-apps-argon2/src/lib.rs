//! The secret hasher (Argon2id, PHC strings) and the operating system's random source.
//!
//! Hashing and verifying are CPU-bound and slow on purpose, so they run on a small pool of
//! dedicated threads, [`HasherConfig::max_concurrent`] of them, never on the async
//! executor. Each thread keeps its Argon2 working memory (19 MiB with the defaults) and
//! reuses it, so memory stays at `max_concurrent` times that, however many hashes run.
//! Jobs wait in a bounded queue that is fair between callers and serves client
//! authentications first ([`fair`]); when it is full the hasher answers
//! [`HasherError::Busy`] at once (the HTTP layer turns that into 503 with `Retry-After`)
//! instead of letting the queue grow.

pub mod fair;
mod warm;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use oauth_apps_domain::{
    ClientSecret, HasherError, RandomError, RandomSource, SecretHash, SecretHasher,
};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use fair::{Class, FairQueue};
pub use warm::{DEFAULT_CAPACITY, WarmHasher};

/// Argon2id cost parameters, the number of hashing threads and the queue bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HasherConfig {
    /// Memory in KiB (default 19456, the OWASP minimum for Argon2id).
    pub memory_kib: u32,
    /// Iterations (default 2).
    pub iterations: u32,
    /// Lanes (default 1).
    pub parallelism: u32,
    /// Hashing threads, so how many hashes run at once (default: the number of CPUs).
    pub max_concurrent: usize,
    /// How many hashes may wait for a thread before new ones are refused as busy
    /// (default: 64 per thread).
    pub queue_capacity: usize,
}

impl Default for HasherConfig {
    fn default() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            max_concurrent: threads,
            queue_capacity: 64 * threads,
        }
    }
}

/// The parameters are outside what Argon2 accepts.
#[derive(Debug, thiserror::Error)]
#[error("invalid Argon2 parameters: {0}")]
pub struct InvalidParams(String);

enum Work {
    Hash(Vec<u8>),
    Verify(Vec<u8>, String),
}

/// What a job answers: a PHC string for a hash, a match for a verification.
enum Done {
    Hashed(String),
    Verified(bool),
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Done, String>>,
}

/// What the hashing threads share: the queue, and whether the hasher is gone.
struct Shared {
    state: Mutex<State>,
    ready: Condvar,
}

struct State {
    queue: FairQueue<Job>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Closes the queue when the last [`Argon2Hasher`] clone is dropped, so the threads end.
struct Pool(Arc<Shared>);

impl Drop for Pool {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.ready.notify_all();
    }
}

/// Argon2id on dedicated threads with reusable memory and a bounded, fair queue.
#[derive(Clone)]
pub struct Argon2Hasher {
    pool: Arc<Pool>,
    in_flight: Arc<AtomicUsize>,
    max_concurrent: usize,
}

const SALT_LEN: usize = 16;

fn hash_with(params: &Params, secret: &[u8], memory: &mut Vec<Block>) -> Result<String, String> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(secret, &salt, &mut out, &mut memory[..blocks])
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn verify_with(presented: &[u8], phc: &str, memory: &mut Vec<Block>) -> Result<bool, String> {
    let parsed = PasswordHash::new(phc).map_err(|e| e.to_string())?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err("not an Argon2id hash".into());
    }
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let salt = parsed.salt.ok_or("the hash has no salt")?;
    let expected = parsed.hash.ok_or("the hash has no output")?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .map_err(|e| e.to_string())?;
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(Algorithm::Argon2id, version, params)
        .hash_password_into_with_memory(presented, &salt, &mut out, &mut memory[..blocks])
        .map_err(|e| e.to_string())?;
    Ok(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
}

/// The next job, waiting for one; `None` once the hasher is gone and nothing waits.
fn next_job(shared: &Shared) -> Option<Job> {
    let mut state = shared.lock();
    loop {
        if let Some((_, job)) = state.queue.pop() {
            return Some(job);
        }
        if state.closed {
            return None;
        }
        state = shared
            .ready
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

fn worker(params: Params, shared: Arc<Shared>, in_flight: Arc<AtomicUsize>) {
    let mut memory: Vec<Block> = Vec::new();
    while let Some(job) = next_job(&shared) {
        in_flight.fetch_add(1, Ordering::Relaxed);
        let result = match job.work {
            Work::Hash(secret) => hash_with(&params, &secret, &mut memory).map(Done::Hashed),
            Work::Verify(presented, phc) => {
                verify_with(&presented, &phc, &mut memory).map(Done::Verified)
            }
        };
        in_flight.fetch_sub(1, Ordering::Relaxed);
        let _ = job.reply.send(result);
    }
}

impl Argon2Hasher {
    /// A hasher with `config`; starts its threads.
    ///
    /// # Errors
    /// [`InvalidParams`] when Argon2 refuses the cost parameters, `max_concurrent` or
    /// `queue_capacity` is 0, or a thread cannot be started.
    pub fn new(config: HasherConfig) -> Result<Self, InvalidParams> {
        if config.max_concurrent == 0 || config.queue_capacity == 0 {
            return Err(InvalidParams(
                "max_concurrent and queue_capacity must be at least 1".into(),
            ));
        }
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| InvalidParams(e.to_string()))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: FairQueue::new(config.queue_capacity),
                closed: false,
            }),
            ready: Condvar::new(),
        });
        let pool = Arc::new(Pool(shared.clone()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        for i in 0..config.max_concurrent {
            let (params, shared, in_flight) = (params.clone(), shared.clone(), in_flight.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(params, shared, in_flight))
                .map_err(|e| InvalidParams(e.to_string()))?;
        }
        Ok(Self {
            pool,
            in_flight,
            max_concurrent: config.max_concurrent,
        })
    }

    /// How many hashes run right now (for saturation metrics).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The most hashes that run at once.
    #[must_use]
    pub const fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// How many jobs wait for a thread.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.pool.0.lock().queue.len()
    }

    async fn run(&self, class: Class, requester: &str, work: Work) -> Result<Done, HasherError> {
        let (reply, answer) = oneshot::channel();
        let shared = &self.pool.0;
        shared
            .lock()
            .queue
            .push(class, requester, Job { work, reply })
            .map_err(|_| HasherError::Busy)?;
        shared.ready.notify_one();
        answer
            .await
            .map_err(|e| HasherError::Unexpected(Box::new(e)))?
            .map_err(|e| HasherError::Unexpected(e.into()))
    }
}

#[async_trait]
impl SecretHasher for Argon2Hasher {
    async fn hash(
        &self,
        secret: &ClientSecret,
        requester: &str,
    ) -> Result<SecretHash, HasherError> {
        let work = Work::Hash(secret.expose().as_bytes().to_vec());
        match self.run(Class::Hash, requester, work).await? {
            Done::Hashed(phc) => {
                SecretHash::new(phc).map_err(|e| HasherError::Unexpected(Box::new(e)))
            }
            Done::Verified(_) => Err(HasherError::Unexpected("a hash job verified".into())),
        }
    }

    async fn verify(
        &self,
        presented: &str,
        hash: &SecretHash,
        requester: &str,
    ) -> Result<bool, HasherError> {
        // Parse first: a malformed stored hash is an error, not a mismatch.
        PasswordHash::new(hash.as_phc())
            .map_err(|e| HasherError::Unexpected(e.to_string().into()))?;
        let work = Work::Verify(presented.as_bytes().to_vec(), hash.as_phc().to_owned());
        match self.run(Class::Verify, requester, work).await? {
            Done::Verified(matches) => Ok(matches),
            Done::Hashed(_) => Err(HasherError::Unexpected("a verify job hashed".into())),
        }
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
            queue_capacity: 64,
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
        let hash = hasher.hash(&s, "tenant").await.unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!hash.as_phc().contains(s.expose()));
        assert!(
            hasher
                .verify(s.expose(), &hash, "authenticator")
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(secret(2).expose(), &hash, "authenticator")
                .await
                .unwrap()
        );
        assert!(!hasher.verify("", &hash, "authenticator").await.unwrap());
    }

    #[tokio::test]
    async fn each_hash_has_its_own_salt() {
        let hasher = cheap(1);
        let s = secret(3);
        let a = hasher.hash(&s, "tenant").await.unwrap();
        let b = hasher.hash(&s, "tenant").await.unwrap();
        assert_ne!(a.as_phc(), b.as_phc());
        assert!(
            hasher
                .verify(s.expose(), &b, "authenticator")
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn default_parameters_are_the_owasp_minimum() {
        let hasher = Argon2Hasher::new(HasherConfig::default()).unwrap();
        let s = secret(4);
        let hash = hasher.hash(&s, "tenant").await.unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        // Verification uses the parameters stored in the hash, whatever the hasher's.
        assert!(
            cheap(1)
                .verify(s.expose(), &hash, "authenticator")
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let hasher = cheap(1);
        let bad = SecretHash::new("$argon2id$garbage").unwrap();
        assert!(matches!(
            hasher.verify("x", &bad, "authenticator").await,
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
            queue_capacity: 0,
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
            queue_capacity: 64,
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
                tokio::spawn(async move { hasher.hash(&secret(i), "tenant").await })
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_busy_instead_of_growing() {
        let hasher = Argon2Hasher::new(HasherConfig {
            memory_kib: 8192,
            iterations: 16,
            parallelism: 1,
            max_concurrent: 1,
            queue_capacity: 2,
        })
        .unwrap();
        let tasks: Vec<_> = (0..12u8)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(&secret(i), "tenant").await })
            })
            .collect();
        let mut busy = 0;
        let mut done = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => done += 1,
                Err(HasherError::Busy) => busy += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert!(busy > 0, "nothing was refused");
        assert!(done >= 1, "nothing was hashed");
        assert_eq!(done + busy, 12);
        // Once the queue drains, hashing works again.
        assert!(hasher.hash(&secret(99), "tenant").await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_client_authentication_does_not_wait_for_another_callers_creations() {
        let hasher = Argon2Hasher::new(HasherConfig {
            memory_kib: 4096,
            iterations: 4,
            parallelism: 1,
            max_concurrent: 1,
            queue_capacity: 64,
        })
        .unwrap();
        let stored = hasher.hash(&secret(1), "tenant-b").await.unwrap();
        let finished = Arc::new(Mutex::new(Vec::new()));
        // Tenant A queues eight creations at once...
        let creations: Vec<_> = (0..8u8)
            .map(|i| {
                let (hasher, finished) = (hasher.clone(), finished.clone());
                tokio::spawn(async move {
                    hasher.hash(&secret(i), "tenant-a").await.unwrap();
                    finished.lock().unwrap().push("create");
                })
            })
            .collect();
        while hasher.queued() < 7 {
            tokio::task::yield_now().await;
        }
        // ...then an authorization server asks for one verification: it runs next.
        assert!(
            hasher
                .verify(secret(1).expose(), &stored, "auth-server")
                .await
                .unwrap()
        );
        finished.lock().unwrap().push("verify");
        for task in creations {
            task.await.unwrap();
        }
        let order = finished.lock().unwrap().clone();
        let at = order.iter().position(|e| *e == "verify").unwrap();
        assert!(
            at <= 1,
            "the verification waited for {at} creations: {order:?}"
        );
    }

    #[tokio::test]
    async fn hashes_made_elsewhere_verify() {
        // A PHC string from the reference API, with other parameters.
        use argon2::password_hash::PasswordHasher;
        let s = secret(5);
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 3, 1, None).unwrap(),
        )
        .hash_password(s.expose().as_bytes())
        .unwrap()
        .to_string();
        let hash = SecretHash::new(reference).unwrap();
        let hasher = cheap(1);
        assert!(
            hasher
                .verify(s.expose(), &hash, "authenticator")
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(secret(6).expose(), &hash, "authenticator")
                .await
                .unwrap()
        );
        // An argon2i hash is refused as unreadable, not as a mismatch.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password(b"x")
        .unwrap()
        .to_string();
        assert!(
            hasher
                .verify("x", &SecretHash::new(argon2i).unwrap(), "authenticator")
                .await
                .is_err()
        );
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
