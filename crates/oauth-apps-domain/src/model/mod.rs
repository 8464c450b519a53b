//! The aggregate and its value objects.

pub(crate) mod application;
mod attributes;
mod redirect;
mod scopes_grants;

pub use crate::credentials::key_sets::{KeySet, KeySets, KeySource, PreviousKeySet};
pub use crate::credentials::keys::{
    AuthMethod, Jwks, JwksUri, KeyKind, PublicJwk, SigningAlgorithm,
};
pub use crate::credentials::method::{
    CREDENTIAL_USE_RESOLUTION_SECONDS, CredentialKind, CredentialRef, CredentialSummary,
    Credentials,
};
pub use crate::credentials::rotation::{CredentialSerial, GracePeriod};
pub use crate::credentials::secret::{
    ClientSecret, SECRET_LEN, SECRET_PREFIX, SECRET_RANDOM_BYTES, SecretHash, SecretHint,
    is_well_formed_secret,
};
pub use crate::credentials::secrets::{
    EXPIRY_WARNING_DAYS, PreviousSecret, Secret, SecretLifecycle, Secrets,
};
pub use crate::events::webhooks::model::{
    DEFAULT_WEBHOOKS_PER_ORG, Delivery, DeliveryStatus, EventType, MAX_WEBHOOK_URL_LEN,
    WEBHOOK_SECRET_BYTES, WEBHOOK_SECRET_GRACE_SECONDS, WEBHOOK_SECRET_PREFIX, Webhook, WebhookId,
    WebhookSigningSecret, WebhookUrl, message_id, seal_context,
};
pub use crate::lifecycle::org_policy::{
    DEFAULT_SELF_REGISTRATION_GRANTS, LeakedSecretAction, MAX_SECRET_LIFETIME_DAYS,
    OrganizationPolicy, SecretLifetime, SelfRegistrationAllowance, SelfRegistrationLimits,
    SelfRegistrationNames, SelfRegistrationPermit,
};
pub use crate::registration::access_token::{
    ACCESS_TOKEN_RANDOM_BYTES, AccessTokenSecret, INITIAL_ACCESS_TOKEN_PREFIX, InitialAccessToken,
    InitialAccessTokenId, TokenDigest,
};
pub use crate::registration::details::{
    ClientMetadata, ClientMetadataRecord, REGISTRATION_ACCESS_TOKEN_PREFIX, Registration,
    RegistrationDetails,
};
pub use crate::registration::document::{
    DocumentRefusal, MAX_METADATA_DOCUMENT_BYTES, MetadataDocument,
};
pub use crate::registration::document_url::{DocumentUrlRefusal, MetadataDocumentUrl};
pub use crate::registration::host_patterns::{
    BadHostPattern, HostPatternEntryError, HostPatterns, HostPatternsError,
};
pub use crate::shared::ids::{AppId, ClientId, OrgId, Version};
pub use crate::shared::page::{Cursor, PageNumber, PageSize};
pub use crate::shared::sealing::Sealed;
pub use crate::shared::time::Timestamp;
pub(crate) use application::grant_rule_errors;
pub use application::{
    ApplicationRecord, KeySetRecord, KeysRecord, NewApplication, OAuthApplication, Profile,
    RotationRefused, SecretRecord, StoredApplication,
};
pub use attributes::{AccessLevel, AppName, AppType, Description, Status};
pub use redirect::{DANGEROUS_SCHEMES, RedirectUrl, RedirectUrls};
pub use scopes_grants::{DEPRECATED_GRANTS, GrantType, GrantTypes, Scope, ScopeCatalog, Scopes};
