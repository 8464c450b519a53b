//! In-memory fakes of the credentials' ports, for tests (feature `testing`):
//! [`FakeHasher`] is fast on purpose, [`RefuseAssertions`] refuses every assertion and
//! [`FakeCertificateReader`] knows only the certificates it is given.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::certificate::{CertificateError, CertificateReader, ClientCertificate};
use super::keys::{Jwks, JwksUri};
use super::ports::{
    AssertionRefusal, AssertionRules, AssertionVerifier, KeyDirectory, KeyFetchError,
    ReadAssertion, ReplayGuard, SecretHasher, VerifiedAssertion,
};
use super::secret::{ClientSecret, SecretHash};
use crate::shared::errors::{HasherError, RepositoryError};
use crate::shared::ids::AppId;
use crate::shared::outbound::OutboundRefusal;
use crate::shared::time::Timestamp;

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
    fn permits(&self, uri: &JwksUri) -> Result<(), OutboundRefusal> {
        let host = url::Url::parse(uri.as_str())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        if self.refused_hosts.contains(&host) {
            Err(OutboundRefusal::SpecialPurposeAddress(format!(
                "{host} is a refused address"
            )))
        } else {
            Ok(())
        }
    }

    async fn fetch(&self, uri: &JwksUri, refresh: bool) -> Result<Jwks, KeyFetchError> {
        self.permits(uri)
            .map_err(|refusal| KeyFetchError::Refused(refusal.to_string()))?;
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

/// Used assertion ids in memory: a `jti` is accepted once per client until it expires, as
/// the stores keep it: a record whose assertion expired by the time the use case gives
/// ([`ReplayGuard::first_use`]'s `now`) no longer refuses the value. Clones share their
/// records, as replicas share a database.
#[derive(Clone, Default)]
pub struct InMemoryReplayGuard {
    used: Arc<Mutex<HashMap<(AppId, String), Timestamp>>>,
}

impl InMemoryReplayGuard {
    /// An empty guard.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Deletes the records whose assertions expired by `now` (as the stores'
    /// `purge_expired_assertions`); how many went.
    pub fn purge_expired(&self, now: Timestamp) -> usize {
        let mut used = self.lock();
        let before = used.len();
        used.retain(|_, expires_at| *expires_at > now);
        before - used.len()
    }

    /// How many records are kept, of every client, expired or not.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no record is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(AppId, String), Timestamp>> {
        self.used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl ReplayGuard for InMemoryReplayGuard {
    async fn first_use(
        &self,
        client: AppId,
        jti: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let mut used = self.lock();
        // A record whose assertion expired by `now` no longer counts.
        let key = (client, jti.to_owned());
        if used.get(&key).is_some_and(|until| *until > now) {
            return Ok(false);
        }
        used.insert(key, expires_at);
        Ok(true)
    }
}

/// An assertion check for tests that need none: it refuses every assertion as malformed.
/// (The real check is cryptographic and lives in an adapter.)
#[derive(Debug, Default, Clone, Copy)]
pub struct RefuseAssertions;

impl AssertionVerifier for RefuseAssertions {
    fn read(&self, assertion: &str) -> ReadAssertion {
        ReadAssertion {
            header: Err(AssertionRefusal::Malformed),
            claims: None,
            signing_input: assertion.to_owned(),
            signature: String::new(),
        }
    }

    fn verify(
        &self,
        _assertion: &ReadAssertion,
        _keys: &[Jwks],
        _rules: &AssertionRules,
    ) -> Result<VerifiedAssertion, AssertionRefusal> {
        Err(AssertionRefusal::Malformed)
    }
}

/// A certificate reader for tests: it knows the certificates it was given, by their exact
/// PEM text or `x5c` entry, and refuses everything else (as [`CertificateError::NotPem`] or
/// [`CertificateError::NotBase64`]). (The real reader parses X.509 in an adapter.)
#[derive(Debug, Default, Clone)]
pub struct FakeCertificateReader {
    known: HashMap<String, ClientCertificate>,
}

impl FakeCertificateReader {
    /// A reader that knows no certificate.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `text` (a PEM text or an `x5c` entry) as `certificate`.
    #[must_use]
    pub fn with(mut self, text: &str, certificate: ClientCertificate) -> Self {
        self.known.insert(text.to_owned(), certificate);
        self
    }
}

impl CertificateReader for FakeCertificateReader {
    fn read_pem(&self, pem: &str) -> Result<ClientCertificate, CertificateError> {
        self.known.get(pem).cloned().ok_or(CertificateError::NotPem)
    }

    fn read_x5c(&self, entry: &str) -> Result<ClientCertificate, CertificateError> {
        self.known
            .get(entry)
            .cloned()
            .ok_or(CertificateError::NotBase64)
    }
}
