//! In-memory fakes of registration's ports, for tests (feature `testing`): initial access
//! tokens, and metadata documents a test publishes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::access_token::{InitialAccessToken, InitialAccessTokenId};
use super::document::MetadataDocument;
use super::document_url::MetadataDocumentUrl;
use super::ports::{DocumentFetchError, InitialAccessTokenRepository, MetadataDocuments};
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::time::Timestamp;

/// Initial access tokens in memory, with the store's rules: ids and digests are unique, a
/// use is counted only while the token is usable, and a first revocation stands.
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
        let mut tokens = self.lock();
        if tokens
            .iter()
            .any(|t| t.id == token.id || t.digest == token.digest)
        {
            // A store's unique keys refuse it the same way.
            return Err(RepositoryError::Unexpected(
                "an initial access token with this id or digest is stored already".into(),
            ));
        }
        tokens.push(token.clone());
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
            super::document::DocumentRefusal::TooLarge { limit, .. } => {
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
