//! What the handlers share.

use std::sync::Arc;

use async_trait::async_trait;
use oauth_apps_domain::{
    ApplicationService, EventFeedService, IdempotencyService, InitialAccessTokenService,
    SecretLifecycleService, SoftwareStatementVerifier, WebhookService,
};

use crate::auth::{DevSignIn, JwtVerifier};
use crate::limits::{Limits, RateLimiter};
use crate::metrics::Metrics;

/// Whether the service's dependencies answer (for `/readyz`).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// `Err` with a short reason when a dependency does not answer.
    async fn check(&self) -> Result<(), String>;
}

/// The state every handler sees.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub service: Arc<ApplicationService>,
    /// The initial access token use cases.
    pub tokens: Arc<InitialAccessTokenService>,
    /// The change feed.
    pub feed: Arc<EventFeedService>,
    /// The webhook use cases.
    pub webhooks: Arc<WebhookService>,
    /// Idempotency keys on creates and rotations.
    pub idempotency: Arc<IdempotencyService>,
    /// Organisations' policies, secret expiry and leak reports.
    pub secrets: Arc<SecretLifecycleService>,
    /// The keys secret scanning reports are signed with; `None`: reports are refused.
    pub scanning: Option<Arc<dyn ReportSignatures>>,
    /// The development token the console gives for the code of the sign-in link printed
    /// at start: only in development mode on a loopback bind.
    pub console_dev_token: Option<Arc<DevSignIn>>,
    /// The bearer token verifier.
    pub verifier: Arc<JwtVerifier>,
    /// The readiness probe.
    pub readiness: Arc<dyn Readiness>,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// Per-caller rate limits.
    pub limits: Arc<Limits>,
    /// How clients register themselves.
    pub registration: Arc<RegistrationSettings>,
}

/// Checks the signature of a secret scanning report.
pub trait ReportSignatures: Send + Sync {
    /// Whether `signature` over `body` is by the key `key_id`.
    ///
    /// # Errors
    /// Why not, for the logs.
    fn verify(&self, key_id: &str, signature: &str, body: &[u8]) -> Result<(), String>;
}

/// The settings of self-registration (RFC 7591/7592).
#[derive(Default)]
pub struct RegistrationSettings {
    /// The registry's public base URL (`https://apps.example.com`, no trailing `/`), for
    /// the `registration_client_uri` of RFC 7592: `OAUTH_APPS_PUBLIC_URL`, else the
    /// address the server is bound to. Never taken from a request (`Host`,
    /// `X-Forwarded-Host` and `Forwarded` are the caller's to choose).
    pub public_url: String,
    /// Who checks software statements (RFC 7591 §2.3); `None`: none is accepted.
    pub software_statements: Option<Arc<dyn SoftwareStatementVerifier>>,
    /// Open registration: the organisation clients without an initial access token
    /// register into; `None`: an initial access token is required.
    pub open_org: Option<String>,
    /// Open registrations per client address (`None`: no limit).
    pub open_limiter: Option<RateLimiter>,
}
