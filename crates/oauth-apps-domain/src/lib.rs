//! The domain of the OAuth application registry.
//!
//! - [`OAuthApplication`], the aggregate, and its value objects ([`model`]): constructors
//!   parse and return errors that name the field and the rule, so an invalid application
//!   cannot be represented.
//! - The rules: redirect URLs per application type and their matching
//!   ([`RedirectUrl::matches`]), grant types, the configurable [`ScopeCatalog`], client
//!   secrets and their rotation ([`Secrets`], [`is_well_formed_secret`]).
//! - Client ID Metadata Documents: the URL that is the client id
//!   ([`MetadataDocumentUrl`]), the hosts allowed and their organisations
//!   ([`HostPatterns`]), and the rules of the document itself ([`MetadataDocument`]).
//! - The authorization policy ([`policy`]) over a [`Principal`].
//! - The use cases ([`ApplicationService`]) behind the [`ports`]: storage, the secret
//!   hasher, the clock and the random source.
//!
//! It knows nothing of HTTP, SQL or an async runtime. With the `mocks` feature every port
//! has a `mockall` mock (`MockApplicationRepository`, ...); with `testing`, an in-memory
//! fake (the `testing` module).
//!
//! # Example: another service registers an application and authenticates its client
//!
//! ```
//! use std::sync::Arc;
//! use oauth_apps_domain::testing::{
//!     FakeHasher, FakeKeyDirectory, FixedClock, InMemoryMetadataDocuments, InMemoryPolicies,
//!     InMemoryReplayGuard,
//!     InMemoryRepository,
//!     RefuseAssertions, SeededRandom,
//! };
//! use oauth_apps_domain::{
//!     ApplicationService, ClientAuthentication, OrgRole, PlatformRole, Ports, Principal,
//!     Refusal, RegisterApplication, ServiceConfig, Timestamp,
//! };
//!
//! # futures_executor::block_on(async {
//! let service = ApplicationService::new(
//!     Ports {
//!         repository: Arc::new(InMemoryRepository::new()),
//!         hasher: Arc::new(FakeHasher::new()),
//!         clock: Arc::new(FixedClock::new(Timestamp::from_unix_micros(0).unwrap())),
//!         random: Arc::new(SeededRandom::new(7)),
//!         // Client assertions (private_key_jwt): none in this example.
//!         keys: Arc::new(FakeKeyDirectory::new()),
//!         assertions: Arc::new(RefuseAssertions),
//!         replay: Arc::new(InMemoryReplayGuard::new()),
//!         // Clients named by metadata documents: none in this example.
//!         documents: Arc::new(InMemoryMetadataDocuments::new()),
//!         // Organisations' policies (secret lifetimes): none set.
//!         policies: Arc::new(InMemoryPolicies::new()),
//!     },
//!     ServiceConfig::default(),
//! );
//!
//! // An admin of organisation "acme" registers a web application.
//! let admin = Principal::new("alice").with_org("acme", OrgRole::Admin);
//! let registered = service
//!     .register(&admin, RegisterApplication {
//!         owner_org_id: "acme".into(),
//!         name: "Billing".into(),
//!         redirect_urls: vec!["https://billing.example.com/callback".into()],
//!         allowed_scopes: Some(vec!["read".into()]),
//!         ..RegisterApplication::default()
//!     })
//!     .await
//!     .expect("a valid application");
//! let client_id = registered.application.client_id().to_string();
//! // Its method (client_secret_basic by default) uses a secret, shown this once.
//! let secret = registered.client_secret.expect("a secret").expose().to_owned();
//! assert!(registered.application.requires_client_authentication());
//!
//! // The authorization server checks the client's credentials.
//! let server = Principal::new("auth-server").with_role(PlatformRole::ClientAuthenticator);
//! let answer = service.authenticate_client(&server, &client_id, &secret).await.unwrap();
//! assert!(matches!(answer, ClientAuthentication::Valid(app) if app.client_id().to_string() == client_id));
//!
//! let wrong = service.authenticate_client(&server, &client_id, "oas_wrong").await.unwrap();
//! // Refused; the reason is for the logs only.
//! assert_eq!(wrong, ClientAuthentication::Invalid(Refusal::MalformedSecret));
//! # });
//! ```
#![deny(missing_docs)]

pub mod credentials;
pub mod events;
pub mod idempotency;
pub mod lifecycle;
pub mod model;
pub mod registration;
pub use shared::principal as policy;
pub mod ports;
mod service;
pub mod shared;
#[cfg(test)]
mod test_support;
#[cfg(feature = "testing")]
pub mod testing;
pub(crate) use shared::validation;

pub use model::*;
pub use policy::{
    InvalidSubject, MAX_SUBJECT_LEN, OrgRole, PlatformRole, Principal, client_request_id,
};
pub use ports::{
    ApplicationArchive, ApplicationRepository, ArchivedApplication, AssertionRefusal,
    AssertionRules, AssertionVerifier, AuditAction, AuditEvent, BoxError, Clock,
    DocumentFetchError, EventFeed, FeedEntry, HasherError, InitialAccessTokenRepository,
    JWT_BEARER_ASSERTION_TYPE, KeyDirectory, KeyFetchError, MetadataDocuments, RandomError,
    RandomSource, ReplayGuard, RepositoryError, SealError, Sealer, SecretHasher, SendFailure,
    SoftwareStatementVerifier, StatementRefusal, StoredAuditEvent, SystemClock, VerifiedAssertion,
    WebhookRepository, WebhookSender,
};
pub use ports::{
    Claim, DeliveryOutcome, DueDelivery, IdempotencyStore, OrganizationPolicies, OutgoingMessage,
    SecretLifecycleStore, SecretMark,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{
    MockApplicationArchive, MockApplicationRepository, MockAssertionVerifier, MockClock,
    MockEventFeed, MockInitialAccessTokenRepository, MockKeyDirectory, MockMetadataDocuments,
    MockRandomSource, MockReplayGuard, MockSealer, MockSecretHasher, MockSoftwareStatementVerifier,
    MockWebhookRepository, MockWebhookSender,
};
pub use service::{
    AppRef, ApplicationPatch, ApplicationService, AuthenticateError, ClientAuthentication,
    ErrorKind, EventFeedService, EventsError, EventsPage, FeedError, FeedPage, FeedQuery, GetError,
    InitialAccessTokenPorts, InitialAccessTokenService, KeysInput, KeysetPage, ListError,
    ListTokensError, MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_USES, MIN_TOKEN_LIFETIME_SECONDS,
    ManageRegistrationError, MetadataError, MintInitialAccessToken, MintTokenError, MintedToken,
    NumberedPage, Ports, Precondition, Refusal, RegisterApplication, RegisterError, Registered,
    RequestedClient, ResolveError, ResolveRefusal, RevokePreviousSecretError, RevokeTokenError,
    RotateKeys, RotateKeysError, RotateSecretError, Rotated, SelfRegistered, ServiceConfig,
    StatusChangeError, UNNAMED_CLIENT, UpdateError, requested_client,
};
pub use service::{
    Begun, IDEMPOTENCY_LOCK_SECONDS, IDEMPOTENCY_WINDOW_SECONDS, IdempotencyError,
    IdempotencyService, MAX_IDEMPOTENCY_KEY_LEN, is_valid_idempotency_key,
};
pub use service::{
    CreateWebhook, DEFAULT_PER_ORG_IN_FLIGHT, DeliveriesPage, DispatchRound, RetryPolicy,
    WebhookDispatcher, WebhookError, WebhookPatch, WebhookPorts, WebhookService, WebhookWithSecret,
    payload,
};
pub use service::{
    EXPIRY_ACTOR, LeakReport, LeakVerdict, PolicyError, PolicyView, SECRET_SCANNING_ACTOR,
    SecretLifecyclePorts, SecretLifecycleService, SetPolicy,
};
pub use service::{SelfRegistrationView, describe_metadata_errors, metadata_member};
pub use validation::{Field, FieldError, ValidationErrors, Violation};
