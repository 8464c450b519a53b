//! The domain of the OAuth application registry, one folder per capability; each holds its
//! model, its ports (what it needs from outside, with their `# Errors` contracts), its use
//! cases, its errors and, with the `testing` feature, the in-memory fakes of its ports.
//!
//! - [`applications`]: the [`OAuthApplication`] aggregate and its value objects
//!   (constructors parse and return errors that name the field and the rule, so an invalid
//!   application cannot be represented): redirect URLs per application type and their
//!   matching ([`RedirectUrl::matches`]), grant types, the configurable [`ScopeCatalog`];
//!   how an application is stored and restored; the [`ApplicationService`] and the use
//!   cases that register, read, update, disable and enable applications.
//! - [`credentials`]: how clients prove themselves: the authentication method, client
//!   secrets and their rotation ([`Secrets`], [`is_well_formed_secret`]), public key sets,
//!   and the checks of a client's credentials for an authorization server.
//! - [`registration`]: initial access tokens, RFC 7591/7592 self-registration, and Client
//!   ID Metadata Documents: the URL that is the client id ([`MetadataDocumentUrl`]), the
//!   hosts allowed and their organisations ([`HostPatterns`]), and the rules of the
//!   document itself ([`MetadataDocument`]).
//! - [`events`]: the record of a change ([`AuditEvent`]), the audit trail, the change feed
//!   and webhooks.
//! - [`idempotency`]: requests retried with the same `Idempotency-Key`.
//! - [`lifecycle`]: organisations' policies, secrets that expire and secrets that leak.
//! - [`shared`]: what they share: identifiers, time, randomness, the caller
//!   ([`Principal`]) and the authorization policy ([`policy`]), pages, field errors, the
//!   errors of ports and use cases, sealing.
//!
//! Every public type is also exported here, at the crate's root. It knows nothing of HTTP,
//! SQL or an async runtime. With the `mocks` feature every port has a `mockall` mock
//! (`MockApplicationRepository`, ...); with `testing`, an in-memory fake (the `testing`
//! module).
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

pub mod applications;
pub mod credentials;
pub mod events;
pub mod idempotency;
pub mod lifecycle;
pub mod registration;
pub mod shared;
#[cfg(test)]
mod test_support;
#[cfg(feature = "testing")]
pub mod testing;

/// Who may do what: the caller and the authorization rules (an alias of
/// [`shared::principal`]).
pub use shared::principal as policy;

pub use applications::application::{NewApplication, OAuthApplication, RotationRefused};
pub use applications::attributes::{AccessLevel, AppName, AppType, Description, Status};
pub use applications::errors::{
    GetError, ListError, RegisterError, StatusChangeError, UpdateError,
};
pub use applications::patch::ApplicationPatch;
pub use applications::ports::{ApplicationArchive, ApplicationRepository, ArchivedApplication};
#[cfg(any(test, feature = "mocks"))]
pub use applications::ports::{MockApplicationArchive, MockApplicationRepository};
pub use applications::profile::Profile;
pub use applications::read::{KeysetPage, NumberedPage};
pub use applications::record::StoredApplication;
pub use applications::redirect::{DANGEROUS_SCHEMES, RedirectUrl, RedirectUrls};
pub use applications::register::{RegisterApplication, Registered};
pub use applications::requirements::{ClientRequirements, RequirementsInput};
pub use applications::scopes_grants::{
    DEPRECATED_GRANTS, GrantType, GrantTypes, Scope, ScopeCatalog, Scopes,
};
pub use applications::service::{AppRef, ApplicationService, Ports, ServiceConfig};
pub use credentials::authenticate::{ClientAuthentication, Refusal};
#[cfg(any(test, feature = "mocks"))]
pub use credentials::certificate::MockCertificateReader;
pub use credentials::certificate::{
    CertificateError, CertificateReader, CertificateThumbprint, ClientCertificate,
    MAX_CERTIFICATE_PEM_LEN, MAX_SAN_LEN, MAX_X5C_ENTRY_LEN, SubjectAltNames, TLS_SUBJECT_MEMBERS,
    TlsSubject, jwks_contains_certificate,
};
pub use credentials::distinguished_name::{DistinguishedName, MAX_DISTINGUISHED_NAME_LEN};
pub use credentials::errors::{
    AuthenticateError, RevokePreviousSecretError, RotateKeysError, RotateSecretError,
};
pub use credentials::input::{KeysInput, TlsSubjectInput};
pub use credentials::key_sets::{KeySet, KeySets, KeySource, PreviousKeySet};
pub use credentials::keys::{AuthMethod, Jwks, JwksUri, KeyKind, PublicJwk, SigningAlgorithm};
pub use credentials::method::{
    CREDENTIAL_USE_RESOLUTION_SECONDS, CredentialKind, CredentialRef, CredentialSummary,
    Credentials,
};
pub use credentials::mutual_tls::CertificateAuthentication;
pub use credentials::ports::{
    AssertionHeader, AssertionRefusal, AssertionRules, AssertionVerifier,
    JWT_BEARER_ASSERTION_TYPE, KeyDirectory, KeyFetchError, ReadAssertion, ReplayGuard,
    SecretHasher, VerifiedAssertion,
};
#[cfg(any(test, feature = "mocks"))]
pub use credentials::ports::{
    MockAssertionVerifier, MockKeyDirectory, MockReplayGuard, MockSecretHasher,
};
pub use credentials::rotate::{RotateKeys, Rotated};
pub use credentials::rotation::{
    CredentialSerial, GracePeriod, Issued, Previous, Rotating, RotatingCredential,
};
pub use credentials::secret::{
    ClientSecret, SECRET_LEN, SECRET_PREFIX, SECRET_RANDOM_BYTES, SecretHash, SecretHint,
    is_well_formed_secret,
};
pub use credentials::secrets::{
    EXPIRY_WARNING_DAYS, HashedSecret, PreviousSecret, Secret, SecretLifecycle, Secrets,
};
pub use events::audit_trail::EventsPage;
pub use events::change::{AuditAction, AuditEvent, ChangedField, StoredAuditEvent};
pub use events::errors::{EventsError, FeedError};
#[cfg(any(test, feature = "mocks"))]
pub use events::feed::MockEventFeed;
pub use events::feed::{EventFeed, EventFeedService, FeedEntry, FeedPage, FeedQuery};
pub use events::webhooks::dispatcher::{
    DEFAULT_PER_ORG_IN_FLIGHT, DispatchRound, RetryPolicy, WebhookDispatcher,
};
pub use events::webhooks::errors::WebhookError;
pub use events::webhooks::model::{
    DEFAULT_WEBHOOKS_PER_ORG, Delivery, DeliveryStatus, EventType, MAX_WEBHOOK_URL_LEN,
    WEBHOOK_SECRET_BYTES, WEBHOOK_SECRET_GRACE_SECONDS, WEBHOOK_SECRET_PREFIX, Webhook, WebhookId,
    WebhookSigningSecret, WebhookUrl, message_id, seal_context,
};
pub use events::webhooks::ports::{
    ChangeEncoder, DeliveryOutcome, DueDelivery, OutgoingMessage, SendFailure, WebhookRepository,
    WebhookSender,
};
#[cfg(any(test, feature = "mocks"))]
pub use events::webhooks::ports::{MockWebhookRepository, MockWebhookSender};
pub use events::webhooks::service::{
    CreateWebhook, DeliveriesPage, WebhookPatch, WebhookPorts, WebhookService, WebhookWithSecret,
};
pub use idempotency::errors::IdempotencyError;
pub use idempotency::ports::{Claim, IdempotencyStore};
pub use idempotency::service::{
    Begun, IDEMPOTENCY_LOCK_SECONDS, IDEMPOTENCY_WINDOW_SECONDS, IdempotencyService,
    MAX_IDEMPOTENCY_KEY_LEN, is_valid_idempotency_key,
};
pub use lifecycle::errors::PolicyError;
pub use lifecycle::org_policy::{
    DEFAULT_SELF_REGISTRATION_GRANTS, LeakedSecretAction, MAX_SECRET_LIFETIME_DAYS,
    OrganizationPolicy, SecretLifetime, SelfRegistrationAllowance, SelfRegistrationLimits,
    SelfRegistrationNames, SelfRegistrationPermit,
};
pub use lifecycle::org_policy::{MAX_STALE_AFTER_DAYS, StaleAfter};
pub use lifecycle::policy_profile::{ClientShape, PolicyProfile, ProfileRule};
pub use lifecycle::ports::{
    OrganizationPolicies, QuietClient, RegistrationReads, SecretLifecycleStore, SecretMark,
    StaleClientStore,
};
pub use lifecycle::secret_lifecycle::{
    EXPIRY_ACTOR, LeakReport, LeakVerdict, PolicyView, SECRET_SCANNING_ACTOR, SecretLifecyclePorts,
    SecretLifecycleService, SelfRegistrationView, SetPolicy,
};
pub use lifecycle::stale_clients::{
    Quietness, STALE_CLIENT_ACTOR, STALE_WARNING_DAYS, StaleStep, StaleSweep,
};
pub use lifecycle::violations::{ProfileViolation, import_violations};
pub use registration::access_token::{
    ACCESS_TOKEN_RANDOM_BYTES, AccessTokenSecret, INITIAL_ACCESS_TOKEN_PREFIX, InitialAccessToken,
    InitialAccessTokenId,
};
pub use registration::client_metadata::{
    MetadataError, RequestedClient, UNNAMED_CLIENT, describe_metadata_errors, metadata_member,
    requested_client,
};
pub use registration::details::{
    ClientMetadata, ClientMetadataRecord, REGISTRATION_ACCESS_TOKEN_PREFIX, Registration,
    RegistrationDetails,
};
pub use registration::document::{DocumentRefusal, MAX_METADATA_DOCUMENT_BYTES, MetadataDocument};
pub use registration::document_url::{
    ClientIdKind, ClientIdKindError, DocumentUrlRefusal, MetadataDocumentUrl,
};
pub use registration::errors::{
    ListTokensError, ManageRegistrationError, MintTokenError, ResolveError, ResolveRefusal,
    RevokeTokenError,
};
pub use registration::host_patterns::{
    BadHostPattern, HostPatternEntryError, HostPatterns, HostPatternsError,
};
pub use registration::initial_access::{
    InitialAccessTokenPorts, InitialAccessTokenService, MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_USES,
    MIN_TOKEN_LIFETIME_SECONDS, MintInitialAccessToken, MintedToken,
};
pub use registration::ports::{
    DocumentFetchError, InitialAccessTokenRepository, MetadataDocuments, SoftwareStatementVerifier,
    StatementRefusal,
};
#[cfg(any(test, feature = "mocks"))]
pub use registration::ports::{
    MockInitialAccessTokenRepository, MockMetadataDocuments, MockSoftwareStatementVerifier,
};
pub use registration::self_registration::SelfRegistered;
pub use shared::digest::TokenDigest;
pub use shared::errors::{BoxError, HasherError, RepositoryError};
pub use shared::ids::{AppId, ClientId, OrgId, Version};
pub use shared::operation_error::ErrorKind;
pub use shared::outbound::OutboundRefusal;
pub use shared::page::{Cursor, PageNumber, PageSize};
pub use shared::precondition::Precondition;
pub use shared::principal::{
    InvalidSubject, MAX_SUBJECT_LEN, OrgRole, PlatformRole, Principal, client_request_id,
};
#[cfg(any(test, feature = "mocks"))]
pub use shared::random::MockRandomSource;
pub use shared::random::{RandomError, RandomSource};
#[cfg(any(test, feature = "mocks"))]
pub use shared::sealing::MockSealer;
pub use shared::sealing::{SealError, Sealed, Sealer};
#[cfg(any(test, feature = "mocks"))]
pub use shared::time::MockClock;
pub use shared::time::{Clock, SystemClock, Timestamp};
pub use shared::validation::{Field, FieldError, ValidationErrors, Violation};
