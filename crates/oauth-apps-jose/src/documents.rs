//! [`PublishedDocuments`]: Client ID Metadata Documents, fetched through the outbound guard
//! and kept in a bounded in-process cache.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oauth_apps_domain::{
    DocumentFetchError, DocumentRefusal, MAX_METADATA_DOCUMENT_BYTES, MetadataDocument,
    MetadataDocumentUrl, MetadataDocuments,
};
use oauth_apps_outbound::{FetchError, OutboundGuard};

use crate::directory::{DEFAULT_CAPACITY, FetchCache, InstantSource, MAX_FRESHNESS, MIN_FRESHNESS};

/// The `Accept` field of every fetch (draft-ietf-oauth-client-id-metadata-document-03; -02
/// §4: the document is JSON, `application/json` or a more specific `+json` type).
pub const DOCUMENT_ACCEPT: &str = "application/json";

/// The [`MetadataDocuments`] clients publish at their client id:
///
/// - fetched only through the [`OutboundGuard`] (https only, special-purpose addresses
///   refused unless allowed, its time-out, no redirects followed: the draft's (-03; section
///   numbers here are -02's) §5 and §8.6), reading at most [`MAX_METADATA_DOCUMENT_BYTES`]
///   (5 KiB) and treating a longer document as an error (§8.7);
/// - only a 200 answer is a document (§5); a 2xx other than 200, a redirect or another
///   status is [`DocumentFetchError::Unreachable`];
/// - checked with [`MetadataDocument::parse`] (its `client_id` the URL exactly, no secret,
///   no shared-secret method, ...); only a valid document is kept (§5.2: never an error);
/// - kept for its `Cache-Control` freshness within [`MIN_FRESHNESS`]..=[`MAX_FRESHNESS`]
///   (5 minutes to 24 hours), at most [`DEFAULT_CAPACITY`] URLs, the least recently used
///   out.
pub struct PublishedDocuments {
    guard: OutboundGuard,
    clock: Arc<dyn InstantSource>,
    cache: Mutex<FetchCache<MetadataDocumentUrl, MetadataDocument>>,
}

impl fmt::Debug for PublishedDocuments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishedDocuments")
            .field("guard", &self.guard)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
}

impl PublishedDocuments {
    /// Fetches through `guard`, caching up to [`DEFAULT_CAPACITY`] URLs, on the system's
    /// monotonic clock.
    #[must_use]
    pub fn new(guard: OutboundGuard) -> Self {
        Self {
            guard,
            clock: Arc::new(Instant::now),
            cache: Mutex::new(FetchCache::new(DEFAULT_CAPACITY)),
        }
    }

    /// Reads the time from `clock` (tests move it forward).
    #[must_use]
    pub fn with_clock(mut self, clock: impl InstantSource + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many URLs have a document in the cache (fresh or not).
    #[must_use]
    pub fn cached(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FetchCache<MetadataDocumentUrl, MetadataDocument>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn download(
        &self,
        url: &MetadataDocumentUrl,
    ) -> Result<(MetadataDocument, Duration), DocumentFetchError> {
        let limit = MAX_METADATA_DOCUMENT_BYTES as u64;
        let fetched = self
            .guard
            .get_at_most(url.as_str(), DOCUMENT_ACCEPT, limit)
            .await
            .map_err(|e| match e {
                FetchError::Refused(refusal) => DocumentFetchError::Refused(refusal.to_string()),
                FetchError::TooLarge { .. } => DocumentFetchError::TooLarge {
                    limit: MAX_METADATA_DOCUMENT_BYTES,
                },
                other => DocumentFetchError::Unreachable(other.to_string()),
            })?;
        if fetched.status != 200 {
            return Err(DocumentFetchError::Unreachable(format!(
                "answered {} (only 200 is a document)",
                fetched.status
            )));
        }
        let document = MetadataDocument::parse(url, &fetched.body).map_err(|r| match r {
            DocumentRefusal::TooLarge { .. } => DocumentFetchError::TooLarge {
                limit: MAX_METADATA_DOCUMENT_BYTES,
            },
            other => DocumentFetchError::Invalid(other),
        })?;
        Ok((document, fetched.cache_for(MIN_FRESHNESS, MAX_FRESHNESS)))
    }
}

#[async_trait]
impl MetadataDocuments for PublishedDocuments {
    async fn fetch(
        &self,
        url: &MetadataDocumentUrl,
    ) -> Result<MetadataDocument, DocumentFetchError> {
        let now = self.clock.now();
        if let Some(cached) = self.lock().before_fetch(url, false, now) {
            return Ok(cached);
        }
        let (document, fresh_for) = self.download(url).await?;
        self.lock().store(url, document.clone(), now, fresh_for);
        Ok(document)
    }
}
