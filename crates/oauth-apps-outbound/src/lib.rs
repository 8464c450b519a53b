//! The outbound HTTP guard: every URL the registry fetches (a client's JWKS at `jwks_uri`,
//! Client ID Metadata Documents, webhook deliveries) goes through [`OutboundGuard`], so that
//! a URL a client registers cannot make the service reach into its own network (SSRF).
//!
//! - `https` only, no user name or password, no fragment ([`check_url`], also usable before
//!   a URL is stored, with messages that name the rule).
//! - Only public addresses ([`check_public`]): no loopback, private, link-local (cloud
//!   metadata at `169.254.169.254`), carrier-grade NAT, documentation, benchmarking,
//!   multicast, broadcast or reserved address, nor an IPv6 form of one, unless
//!   [`AllowList`] (`OAUTH_APPS_OUTBOUND_ALLOW`) lists it. An IP-literal host is checked by
//!   [`check_url`]; a host name is resolved by the guard, every address it resolves to is
//!   checked, and the connection uses only those addresses (no second resolution that
//!   could rebind).
//! - No redirects (a 3xx is [`FetchError::Redirect`]), no proxies, no retries.
//! - One time-out over the whole fetch (3 s by default) and a body limit (64 KiB by
//!   default) enforced on the declared length and while reading.
//! - Certificates verified against the Mozilla roots built into the binary, plus the roots
//!   of `OAUTH_APPS_OUTBOUND_CA_FILE` ([`ExtraRoots`]).
//!
//! See `docs/outbound.md`.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use oauth_apps_outbound::{OutboundConfig, OutboundGuard};
//!
//! # async fn example(jwks_uri: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let allow = std::env::var("OAUTH_APPS_OUTBOUND_ALLOW").ok();
//! let ca_file = std::env::var("OAUTH_APPS_OUTBOUND_CA_FILE").ok();
//! let config = OutboundConfig::from_settings(allow.as_deref(), ca_file.as_deref())
//!     .map_err(|errors| {
//!         let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
//!         messages.join("; ")
//!     })?;
//! let guard = OutboundGuard::new(config)?;
//!
//! // Before storing: a refusal reads as a field message ("must use https, not http").
//! let jwks_uri = guard.check_url(jwks_uri)?;
//! // At each use: the name is resolved and checked again.
//! let fetched = guard
//!     .get(jwks_uri.as_str(), "application/jwk-set+json, application/json")
//!     .await?;
//! let keep_for = fetched.cache_for(Duration::from_secs(300), Duration::from_secs(86_400));
//! # let _ = keep_for;
//! # Ok(())
//! # }
//! ```

mod address;
mod allow;
mod cache;
mod config;
mod error;
mod resolve;
mod url_check;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use rustls::{ClientConfig, RootCertStore};
use url::Url;

pub use address::{
    AddressRefusal, Cidr, CidrError, Ipv4Form, SpecialKind, SpecialRange, carried_ipv4,
    check_public,
};
pub use allow::{AllowEntryError, AllowList, AllowListError, BadAllowEntry};
pub use cache::{clamp_max_age, max_age};
pub use config::{
    ALLOW_SETTING, CA_FILE_SETTING, CaFileError, ConfigError, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT,
    ExtraRoots, ExtraRootsError, OutboundConfig,
};
pub use error::{BoxError, BuildError, FetchError, Refusal};
pub use url_check::{UrlRefusal, check_url};

use crate::resolve::GuardedResolver;

/// The one way out: an HTTP client that keeps to the address policy. Cheap to clone (the
/// clones share one connection pool).
#[derive(Clone)]
pub struct OutboundGuard {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    timeout: Duration,
    max_bytes: u64,
}

/// A 2xx answer and its body.
#[derive(Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The status code (200-299).
    pub status: u16,
    /// The `Content-Type` field as sent, when present and readable.
    pub content_type: Option<String>,
    /// The freshness lifetime `Cache-Control` gives ([`max_age`]), when it gives one.
    pub max_age: Option<Duration>,
    /// The body, at most the configured limit.
    pub body: Vec<u8>,
}

impl Fetched {
    /// The media type without parameters, in lower case (`application/jwk-set+json` for
    /// `Application/JWK-Set+JSON; charset=utf-8`).
    #[must_use]
    pub fn media_type(&self) -> Option<String> {
        let essence = self.content_type.as_deref()?.split(';').next()?.trim();
        (!essence.is_empty()).then(|| essence.to_ascii_lowercase())
    }

    /// How long to keep this answer: its `max-age` within `min..=max` ([`clamp_max_age`]).
    #[must_use]
    pub fn cache_for(&self, min: Duration, max: Duration) -> Duration {
        clamp_max_age(self.max_age, min, max)
    }
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("max_age", &self.max_age)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl fmt::Debug for OutboundGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundGuard")
            .field("allow", &self.allow)
            .field("timeout", &self.timeout)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// The TLS configuration of an HTTP client of the registry's own that talks to operators'
/// servers (the command-line client): TLS 1.2 and 1.3 with the `ring` provider and the
/// built-in Mozilla roots, as the guard uses, without the guard's address policy.
///
/// # Errors
/// When rustls refuses the configuration.
pub fn client_tls_config() -> Result<ClientConfig, rustls::Error> {
    tls_config(&ExtraRoots::default())
}

/// TLS 1.2 and 1.3 with the `ring` provider, the built-in Mozilla roots and the extra ones.
fn tls_config(extra: &ExtraRoots) -> Result<ClientConfig, rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra.certificates() {
        roots.add(cert.clone())?;
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl OutboundGuard {
    /// Builds the guard and its HTTP client.
    ///
    /// # Errors
    /// [`BuildError`]: a zero time-out or size limit, or a TLS or client set-up failure.
    pub fn new(config: OutboundConfig) -> Result<Self, BuildError> {
        if config.timeout.is_zero() {
            return Err(BuildError::ZeroTimeout);
        }
        if config.max_bytes == 0 {
            return Err(BuildError::ZeroMaxBytes);
        }
        let tls = tls_config(&config.extra_roots).map_err(BuildError::Tls)?;
        let allow = Arc::new(config.allow);
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(GuardedResolver {
                allow: Arc::clone(&allow),
            }))
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .retry(reqwest::retry::never())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("oauth-apps/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BuildError::Client(Box::new(e)))?;
        Ok(Self {
            client,
            allow,
            timeout: config.timeout,
            max_bytes: config.max_bytes,
        })
    }

    /// The exceptions to the address policy.
    #[must_use]
    pub fn allow(&self) -> &AllowList {
        &self.allow
    }

    /// The time-out over a whole fetch.
    #[must_use]
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The largest body read.
    #[must_use]
    pub const fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// [`check_url`] under this guard's allow list: use it before storing a URL.
    ///
    /// # Errors
    /// [`UrlRefusal`] naming the rule the URL breaks.
    pub fn check_url(&self, url: &str) -> Result<Url, UrlRefusal> {
        check_url(url, &self.allow)
    }

    /// Fetches `url` with `GET`, asking for `accept` (an `Accept` field value such as
    /// `application/jwk-set+json, application/json`).
    ///
    /// The URL is checked first ([`check_url`]); a host name is resolved and its addresses
    /// checked before any connection; the certificate must chain to a trusted root and name
    /// the host. Only a 2xx answer is read, up to the size limit, all within the time-out.
    ///
    /// # Errors
    /// [`FetchError`]: refused by policy, time-out, too large, TLS or connection failure, a
    /// redirect, another status, or the unexpected.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        self.get_at_most(url, accept, self.max_bytes).await
    }

    /// Sends `body` to `url` with `POST` (a webhook delivery), with `content_type` and the
    /// extra header fields `fields`; the status code of a 2xx answer. The same policy as
    /// [`OutboundGuard::get`]: checked URL and addresses, no redirect followed, one
    /// time-out. At most the size limit of the answer's body is read, and dropped.
    ///
    /// # Errors
    /// As [`OutboundGuard::get`]: [`FetchError::Status`] for an answer that is neither 2xx
    /// nor 3xx, [`FetchError::Redirect`] for a 3xx.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        fields: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<u16, FetchError> {
        let url = self
            .check_url(url)
            .map_err(|r| FetchError::Refused(Refusal::Url(r)))?;
        let fail = |e| error::classify(e, self.timeout);
        let mut request = self.client.post(url).header(CONTENT_TYPE, content_type);
        for (name, value) in fields {
            request = request.header(*name, value.as_str());
        }
        let mut response = request.body(body).send().await.map_err(fail)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect {
                status: status.as_u16(),
                location: response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let mut read = 0_u64;
        while read <= self.max_bytes {
            match response.chunk().await.map_err(fail)? {
                Some(chunk) => read += chunk.len() as u64,
                None => break,
            }
        }
        Ok(status.as_u16())
    }

    /// [`OutboundGuard::get`] with a smaller size limit for this fetch: `limit` bytes, or
    /// the guard's own limit if that is smaller.
    ///
    /// # Errors
    /// As [`OutboundGuard::get`]; [`FetchError::TooLarge`] names the limit applied.
    pub async fn get_at_most(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Fetched, FetchError> {
        let max_bytes = limit.min(self.max_bytes);
        let url = self
            .check_url(url)
            .map_err(|r| FetchError::Refused(Refusal::Url(r)))?;
        let fail = |e| error::classify(e, self.timeout);
        let mut response = self
            .client
            .get(url)
            .header(ACCEPT, accept)
            .send()
            .await
            .map_err(fail)?;

        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return Err(FetchError::Redirect {
                status: status.as_u16(),
                location,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let too_large = FetchError::TooLarge { limit: max_bytes };
        let declared = response.content_length();
        if declared.is_some_and(|length| length > max_bytes) {
            return Err(too_large);
        }

        let headers = response.headers();
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let max_age = max_age(
            headers
                .get_all(CACHE_CONTROL)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );

        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let expected = declared.map_or(0, |l| usize::try_from(l).unwrap_or(limit));
        let mut body = Vec::with_capacity(expected.min(limit));
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if chunk.len() > limit - body.len() {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status: status.as_u16(),
            content_type,
            max_age,
            body,
        })
    }
}
