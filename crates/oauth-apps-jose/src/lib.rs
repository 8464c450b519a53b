//! Client assertions (`private_key_jwt`, RFC 7523): the two adapters the domain's
//! [`ApplicationService::authenticate_assertion`](oauth_apps_domain::ApplicationService::authenticate_assertion)
//! needs.
//!
//! - [`JoseAssertionVerifier`] implements [`AssertionVerifier`]: the header's algorithm
//!   (ES256, ES384, PS256, RS256, EdDSA only; never `none` or an HMAC), the key its `kid`
//!   names in the offered sets and that key's own algorithm, the signature (all three
//!   through `jsonwebtoken`), then the claims against the domain's rules and clock.
//! - [`PublishedKeys`] implements [`KeyDirectory`]: the JWK Sets clients publish at their
//!   `jwks_uri`, fetched only through the [`OutboundGuard`] (SSRF policy, https, time-out,
//!   size limit; `docs/outbound.md`) and cached per `Cache-Control` within 5 minutes to
//!   24 hours, with a refresh for an unknown `kid` at most once a minute per URL.
//! - [`PublishedDocuments`] implements [`MetadataDocuments`]: the Client ID Metadata
//!   Documents clients publish at their client id, through the same guard with a 5 KiB
//!   limit, checked, and cached the same way.
//! - [`TrustedStatements`] implements [`SoftwareStatementVerifier`]: RFC 7591 software
//!   statements signed by keys the operator trusts.
//! - [`X509CertificateReader`] implements [`CertificateReader`](oauth_apps_domain::CertificateReader):
//!   the client certificates of mutual-TLS client authentication (RFC 8705), read with
//!   `x509-parser` from PEM or a JWK's `x5c` entry.
//!
//! Nothing cryptographic is done here: decoding keys, algorithms and signatures are
//! `jsonwebtoken`'s (its `rust_crypto` provider); what a JWK may hold is the domain's
//! [`Jwks`](oauth_apps_domain::Jwks). [`verification_key`] is the one place a JWK's
//! public members become a `jsonwebtoken` key (and [`jose_algorithm`] the one place an
//! algorithm becomes `jsonwebtoken`'s): client assertions, software statements and the
//! HTTP crate's admin-token JWKS all use it. Whether a `jti` was seen before is the
//! [`ReplayGuard`](oauth_apps_domain::ReplayGuard)'s to say.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use oauth_apps_domain::{AssertionVerifier, KeyDirectory};
//! use oauth_apps_jose::{JoseAssertionVerifier, PublishedKeys};
//! use oauth_apps_outbound::{OutboundConfig, OutboundGuard};
//!
//! # fn wire() -> Result<(), Box<dyn std::error::Error>> {
//! let guard = OutboundGuard::new(OutboundConfig::default())?;
//! let keys: Arc<dyn KeyDirectory> = Arc::new(PublishedKeys::new(guard));
//! let assertions: Arc<dyn AssertionVerifier> = Arc::new(JoseAssertionVerifier::new());
//! # let _ = (keys, assertions);
//! # Ok(())
//! # }
//! ```
//!
//! [`AssertionVerifier`]: oauth_apps_domain::AssertionVerifier
//! [`KeyDirectory`]: oauth_apps_domain::KeyDirectory
//! [`MetadataDocuments`]: oauth_apps_domain::MetadataDocuments
//! [`SoftwareStatementVerifier`]: oauth_apps_domain::SoftwareStatementVerifier
//! [`OutboundGuard`]: oauth_apps_outbound::OutboundGuard
#![deny(missing_docs)]

mod certificate;
mod directory;
mod documents;
mod jws;
mod scanning;
mod statements;
mod verification_key;
mod verifier;

pub use certificate::X509CertificateReader;
pub use directory::{
    ACCEPT, DEFAULT_CAPACITY, InstantSource, MAX_FRESHNESS, MIN_FRESHNESS, PublishedKeys,
    REFRESH_INTERVAL,
};
pub use documents::{DOCUMENT_ACCEPT, PublishedDocuments};
pub use scanning::{ScanRefusal, ScanningKeys};
pub use statements::{STATEMENT_LEEWAY_SECONDS, TrustedStatements};
pub use verification_key::{
    KeyMaterialError, assertion_algorithms, jose_algorithm, verification_key,
};
pub use verifier::JoseAssertionVerifier;
