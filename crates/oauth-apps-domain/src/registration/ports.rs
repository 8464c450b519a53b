//! What registration needs from outside: storage of initial access tokens
//! ([`InitialAccessTokenRepository`]), the fetching of clients' metadata documents
//! ([`MetadataDocuments`]) and the check of software statements
//! ([`SoftwareStatementVerifier`]).

use async_trait::async_trait;

use super::access_token::{InitialAccessToken, InitialAccessTokenId};
use super::document::{DocumentRefusal, MetadataDocument};
use super::document_url::MetadataDocumentUrl;
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::time::Timestamp;

/// Why a software statement (RFC 7591 §2.3) is not accepted (§3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementRefusal {
    /// Not a valid statement: not a signed JWT, a bad signature, expired, no `iss`
    /// (`invalid_software_statement`).
    #[error("{0}")]
    Invalid(String),
    /// Well formed, but not one this registry accepts: signed by a key it does not trust,
    /// or statements are not accepted here (`unapproved_software_statement`).
    #[error("{0}")]
    Unapproved(String),
}

/// Checks software statements (RFC 7591 §2.3): JWTs whose claims are client metadata,
/// signed by a party the registry trusts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SoftwareStatementVerifier: Send + Sync {
    /// The statement's claims, when it is signed by a trusted key, unexpired and names its
    /// issuer (`iss`).
    ///
    /// # Errors
    /// [`StatementRefusal`] saying why not.
    fn verify(
        &self,
        statement: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StatementRefusal>;
}

/// Why a client's metadata document could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentFetchError {
    /// The outbound policy refused the fetch before connecting (a host that resolves to a
    /// special-purpose address, say).
    #[error("fetching the document was refused: {0}")]
    Refused(String),
    /// The answer is larger than [`crate::MAX_METADATA_DOCUMENT_BYTES`].
    #[error("the document is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The document breaks a rule.
    #[error("{0}")]
    Invalid(DocumentRefusal),
    /// No document: a connection failure, a time-out, a redirect or a status other than
    /// 200.
    #[error("the document could not be fetched: {0}")]
    Unreachable(String),
}

impl DocumentFetchError {
    /// A short, stable name of the rule or failure (`address_refused`, `too_large`,
    /// `unreachable`, or [`DocumentRefusal::rule`]).
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::Refused(_) => "address_refused",
            Self::TooLarge { .. } => "too_large",
            Self::Invalid(refusal) => refusal.rule(),
            Self::Unreachable(_) => "unreachable",
        }
    }
}

/// Where clients publish their metadata documents (draft-ietf-oauth-client-id-metadata-
/// document-03): fetched through the outbound guard, at most 5 KiB, only a valid document
/// (as [`MetadataDocument::parse`] checks it) kept in a cache, for the time its
/// `Cache-Control` asks within the adapter's bounds.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MetadataDocuments: Send + Sync {
    /// The document at `url`, checked: from the cache while it is fresh, else fetched.
    ///
    /// # Errors
    /// [`DocumentFetchError`] saying why there is none.
    async fn fetch(
        &self,
        url: &MetadataDocumentUrl,
    ) -> Result<MetadataDocument, DocumentFetchError>;
}

/// Storage of initial access tokens (RFC 7591 §3): kept by digest, never in plaintext.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InitialAccessTokenRepository: Send + Sync {
    /// Stores a new token.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn insert_initial_access_token(
        &self,
        token: &InitialAccessToken,
    ) -> Result<(), RepositoryError>;

    /// The tokens of `org`, newest first (revoked and expired ones too).
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::insert_initial_access_token`];
    /// [`RepositoryError::Corrupt`] for a stored row that breaks a rule.
    async fn initial_access_tokens(
        &self,
        org: &OrgId,
    ) -> Result<Vec<InitialAccessToken>, RepositoryError>;

    /// The token with this id, in any organisation.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn find_initial_access_token(
        &self,
        id: InitialAccessTokenId,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// The token with this digest, in any organisation, whatever its state.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn find_initial_access_token_by_digest(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// Revokes the token `id` at `at` unless it was revoked before (its first revocation
    /// stands); the token as stored afterwards, or `None` when there is no such token.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn revoke_initial_access_token(
        &self,
        id: InitialAccessTokenId,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// Counts one use of the token of `digest` if it is usable at `at`
    /// ([`InitialAccessToken::is_usable_at`]), in one atomic step: of concurrent uses of a
    /// token with one use left, one wins. The token after its use, or `None` when no usable
    /// token has this digest.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn redeem_initial_access_token(
        &self,
        digest: TokenDigest,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;
}
