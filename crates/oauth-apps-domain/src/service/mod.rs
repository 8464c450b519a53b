//! The use cases, as one application service over the ports.

pub(crate) mod errors;

use std::sync::{Arc, OnceLock};

pub use crate::credentials::authenticate::{ClientAuthentication, Refusal};
pub use crate::credentials::errors::{
    AuthenticateError, RevokePreviousSecretError, RotateKeysError, RotateSecretError,
};
pub use crate::credentials::input::KeysInput;
pub use crate::credentials::rotate::{RotateKeys, Rotated};
pub use crate::events::audit_trail::EventsPage;
pub use crate::events::errors::{EventsError, FeedError};
pub use crate::events::feed::{EventFeedService, FeedPage, FeedQuery};
pub use crate::events::webhooks::dispatcher::{
    DEFAULT_PER_ORG_IN_FLIGHT, DispatchRound, RetryPolicy, WebhookDispatcher, payload,
};
pub use crate::events::webhooks::errors::WebhookError;
pub use crate::events::webhooks::service::{
    CreateWebhook, DeliveriesPage, WebhookPatch, WebhookPorts, WebhookService, WebhookWithSecret,
};
pub use crate::idempotency::errors::IdempotencyError;
pub use crate::idempotency::service::{
    Begun, IDEMPOTENCY_LOCK_SECONDS, IDEMPOTENCY_WINDOW_SECONDS, IdempotencyService,
    MAX_IDEMPOTENCY_KEY_LEN, is_valid_idempotency_key,
};
pub use crate::lifecycle::errors::PolicyError;
pub use crate::lifecycle::secret_lifecycle::{
    EXPIRY_ACTOR, LeakReport, LeakVerdict, PolicyView, SECRET_SCANNING_ACTOR, SecretLifecyclePorts,
    SecretLifecycleService, SelfRegistrationView, SetPolicy,
};
pub use crate::registration::client_metadata::{
    MetadataError, RequestedClient, UNNAMED_CLIENT, describe_metadata_errors, metadata_member,
    requested_client,
};
pub use crate::registration::errors::ResolveRefusal;
pub use crate::registration::errors::{
    ListTokensError, ManageRegistrationError, MintTokenError, ResolveError, RevokeTokenError,
};
pub use crate::registration::initial_access::{
    InitialAccessTokenPorts, InitialAccessTokenService, MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_USES,
    MIN_TOKEN_LIFETIME_SECONDS, MintInitialAccessToken, MintedToken,
};
pub use crate::registration::self_registration::SelfRegistered;
pub use crate::shared::operation_error::ErrorKind;
use crate::shared::operation_error::{Failure, NOT_AN_ADMIN};
pub use crate::shared::precondition::Precondition;
use errors::{FIRST_PARTY, FOLLOWS_DOCUMENT};
pub use errors::{GetError, ListError, RegisterError, StatusChangeError, UpdateError};

use crate::model::{
    AccessLevel, AppId, AppName, AppType, AuthMethod, ClientId, ClientMetadata, ClientSecret,
    Credentials, Cursor, Description, GrantTypes, HostPatterns, KeySets, KeySource, NewApplication,
    OAuthApplication, OrgId, PageNumber, PageSize, Profile, RedirectUrls, Registration,
    RegistrationDetails, SECRET_RANDOM_BYTES, ScopeCatalog, Scopes, Secret, SecretHash, SecretHint,
    SecretLifecycle, Secrets, Status, Timestamp, grant_rule_errors,
};
use crate::policy::{self, Action, Denial, Principal};
use crate::ports::{
    ApplicationRepository, AssertionVerifier, AuditAction, AuditEvent, Clock, KeyDirectory,
    MetadataDocuments, RandomSource, ReplayGuard, RepositoryError, SecretHasher,
};
use crate::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// The adapters the service runs on.
#[derive(Clone)]
pub struct Ports {
    /// Where applications and their audit trail are stored.
    pub repository: Arc<dyn ApplicationRepository>,
    /// The slow hash for client secrets.
    pub hasher: Arc<dyn SecretHasher>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The CSPRNG for client ids and secrets.
    pub random: Arc<dyn RandomSource>,
    /// Where clients publish their keys (`jwks_uri`).
    pub keys: Arc<dyn KeyDirectory>,
    /// The check of client assertions (`private_key_jwt`).
    pub assertions: Arc<dyn AssertionVerifier>,
    /// The assertions already used, across replicas.
    pub replay: Arc<dyn ReplayGuard>,
    /// Where clients publish their metadata documents.
    pub documents: Arc<dyn MetadataDocuments>,
    /// Organisations' policies (how long new secrets live).
    pub policies: Arc<dyn crate::ports::OrganizationPolicies>,
}

/// The service's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The scopes applications may be granted.
    pub scope_catalog: ScopeCatalog,
    /// How often a write without an expected version is retried when a concurrent writer
    /// wins, before it fails with a conflict.
    pub max_write_attempts: u32,
    /// What a client assertion's `aud` must hold one of (RFC 7523 §3): the authorization
    /// server's issuer and token endpoint URLs. Without any, `private_key_jwt` cannot be
    /// chosen.
    pub assertion_audiences: Vec<String>,
    /// Whether each credential's last use is written (at most once a minute per
    /// credential; see [`ApplicationRepository::record_use`]). On by default.
    pub record_credential_use: bool,
    /// The hosts whose metadata documents are resolved, each bound to the organisation
    /// that owns their clients; empty (the default): none.
    pub metadata_document_hosts: HostPatterns,
    /// How long new secrets live when their organisation's policy says nothing; `None`
    /// (the default): they do not expire.
    pub default_secret_lifetime: Option<crate::model::SecretLifetime>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            scope_catalog: ScopeCatalog::default(),
            max_write_attempts: 64,
            assertion_audiences: Vec::new(),
            record_credential_use: true,
            metadata_document_hosts: HostPatterns::default(),
            default_secret_lifetime: None,
        }
    }
}

/// Which application a call is about: by client id (flat surface) or by organisation and
/// numeric id (v1 surface; an application another organisation owns is not found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRef {
    /// By public client id.
    ClientId(ClientId),
    /// By owner organisation and storage id.
    InOrg {
        /// The organisation named in the request.
        org: OrgId,
        /// The application's id.
        id: AppId,
    },
}

/// A request to register an application, with its fields as given. `None` means "not
/// given": the default applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterApplication {
    /// The owning organisation (required).
    pub owner_org_id: String,
    /// The display name (required).
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// `web` when not given.
    pub app_type: Option<String>,
    /// The redirect URLs.
    pub redirect_urls: Vec<String>,
    /// Empty when not given.
    pub allowed_scopes: Option<Vec<String>>,
    /// `[authorization_code, refresh_token]` when not given.
    pub grant_types: Option<Vec<String>>,
    /// `organization` when not given.
    pub access_level: Option<String>,
    /// `false` when not given; only platform admins may set `true`.
    pub is_first_party: Option<bool>,
    /// `client_secret_basic` when not given.
    pub token_endpoint_auth_method: Option<String>,
    /// The client's public keys, if it has any.
    pub keys: KeysInput,
}

/// A partial update: every `Some` field is changed, every `None` field is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationPatch {
    /// A new display name.
    pub name: Option<String>,
    /// A new description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// New redirect URLs (replacing the old ones).
    pub redirect_urls: Option<Vec<String>>,
    /// New allowed scopes.
    pub allowed_scopes: Option<Vec<String>>,
    /// New grant types.
    pub grant_types: Option<Vec<String>>,
    /// A new access level.
    pub access_level: Option<String>,
    /// A new first-party flag (platform admins only).
    pub is_first_party: Option<bool>,
    /// `active` or `revoked`.
    pub status: Option<String>,
    /// Present when the request tried to change the type: always refused.
    pub app_type: Option<String>,
    /// Present when the request tried to change the client id: always refused.
    pub client_id: Option<String>,
    /// Present when the request tried to change the owner: always refused.
    pub owner_org_id: Option<String>,
    /// A new authentication method.
    pub token_endpoint_auth_method: Option<String>,
    /// New keys, replacing the current ones at once (no grace; see
    /// [`ApplicationService::rotate_keys`] for a rotation with one).
    pub keys: KeysInput,
}

/// A registered application and its secret, to show once.
#[derive(Debug)]
pub struct Registered {
    /// The application.
    pub application: OAuthApplication,
    /// The plaintext secret, when the method uses one: never shown again.
    pub client_secret: Option<ClientSecret>,
}

/// A page of a newest-first keyset listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysetPage {
    /// The applications, newest first.
    pub items: Vec<OAuthApplication>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

/// A numbered page of a newest-first listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedPage {
    /// The applications, newest first.
    pub items: Vec<OAuthApplication>,
    /// The page number.
    pub page: PageNumber,
    /// The page size.
    pub per_page: PageSize,
    /// How many applications the organisation has in all.
    pub total: u64,
}

/// How often registration draws a new client id after a collision.
pub(crate) const CLIENT_ID_ATTEMPTS: usize = 3;

/// The fields a registration sets, as recorded in its audit event.
pub(crate) const REGISTERED_FIELDS: [Field; 10] = [
    Field::OwnerOrgId,
    Field::Name,
    Field::Description,
    Field::AppType,
    Field::RedirectUrls,
    Field::AllowedScopes,
    Field::GrantTypes,
    Field::AccessLevel,
    Field::IsFirstParty,
    Field::TokenEndpointAuthMethod,
];

/// A registration whose every field holds, before its secret (if any) is made.
struct ValidNew {
    app_type: AppType,
    profile: Profile,
    method: AuthMethod,
    keys: Option<KeySource>,
}

/// What a write computes from the current state: the next state and the fields that
/// changed, or `None` when nothing changes.
pub(crate) type Change = Option<(OAuthApplication, Vec<Field>)>;

/// What a whole replacement of an application's settings (RFC 7592 §2.2, a metadata
/// document) does beyond a patch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Whole {
    /// The keys it leaves out are removed (a patch keeps them).
    pub(crate) removes_keys: bool,
    /// The type it moves the application to: only a client whose metadata document is its
    /// source changes type, with its document. `None`: the type stays.
    pub(crate) app_type: Option<AppType>,
}

impl ApplicationPatch {
    /// The patch that replaces `app`'s settings by those of `cmd` (RFC 7592 §2.2, or a
    /// metadata document): every setting the registration holds, what it leaves out
    /// removed (keys) or back to its default (the authentication method); a type or an
    /// owner other than `app`'s is kept in the patch, so that it is refused as immutable,
    /// unless `type_follows` (the client's document is its source: the type moves with it).
    pub(crate) fn replacing(
        cmd: RegisterApplication,
        app: &OAuthApplication,
        type_follows: bool,
    ) -> (Self, Whole) {
        let other_type = cmd
            .app_type
            .filter(|t| t.as_str() != app.app_type().as_str());
        let moved_to = other_type
            .as_deref()
            .filter(|_| type_follows)
            .and_then(|t| AppType::parse(t).ok());
        let whole = Whole {
            removes_keys: cmd.keys.is_empty(),
            app_type: moved_to,
        };
        let patch = Self {
            name: Some(cmd.name),
            redirect_urls: Some(cmd.redirect_urls),
            allowed_scopes: Some(cmd.allowed_scopes.unwrap_or_default()),
            grant_types: cmd.grant_types,
            token_endpoint_auth_method: Some(
                cmd.token_endpoint_auth_method
                    .unwrap_or_else(|| AuthMethod::default().as_str().to_owned()),
            ),
            keys: cmd.keys,
            app_type: other_type.filter(|_| moved_to.is_none()),
            owner_org_id: Some(cmd.owner_org_id)
                .filter(|org| org.as_str() != app.owner_org_id().as_str()),
            ..Self::default()
        };
        (patch, whole)
    }

    /// The application `app` with this patch applied by `principal` at `now`, and the
    /// fields that changed; `None` when nothing changes. The result satisfies every rule as
    /// a whole; immutable fields in the patch are refused.
    pub(crate) fn apply(
        &self,
        principal: &Principal,
        app: &OAuthApplication,
        rules: &ApplicationService,
        now: Timestamp,
    ) -> Result<Change, UpdateError> {
        self.apply_whole(principal, app, rules, now, Whole::default())
    }

    /// [`ApplicationPatch::apply`], doing what `whole` says a whole replacement does
    /// beyond it.
    pub(crate) fn apply_whole(
        &self,
        principal: &Principal,
        app: &OAuthApplication,
        rules: &ApplicationService,
        now: Timestamp,
        whole: Whole,
    ) -> Result<Change, UpdateError> {
        let patch = self;
        let catalog = &rules.config.scope_catalog;
        let is_first_party = patch.is_first_party.unwrap_or(app.is_first_party());
        policy::authorize_first_party(principal, app.is_first_party(), is_first_party)
            .map_err(|_| UpdateError::Forbidden(FIRST_PARTY))?;

        let mut c = Collector::default();
        for (field, given) in [
            (Field::AppType, patch.app_type.is_some()),
            (Field::ClientId, patch.client_id.is_some()),
            (Field::OwnerOrgId, patch.owner_org_id.is_some()),
        ] {
            if given {
                c.push(FieldError::new(field, Violation::Immutable));
            }
        }
        let app_type = whole.app_type.unwrap_or_else(|| app.app_type());
        let old = app.profile();
        let name = keep_or(
            &mut c,
            Field::Name,
            patch.name.as_deref(),
            old.name(),
            AppName::parse,
        );
        let description = match &patch.description {
            None => Some(old.description().cloned()),
            Some(None) => Some(None),
            Some(Some(d)) => c.check(Field::Description, Description::parse(d)).map(Some),
        };
        let redirect_urls = match &patch.redirect_urls {
            None => Some(old.redirect_urls().clone()),
            Some(urls) => c.check_all(RedirectUrls::parse(urls, app_type)),
        };
        let scopes = match &patch.allowed_scopes {
            None => Some(old.allowed_scopes().clone()),
            Some(s) => c.check_all(Scopes::parse(s, catalog)),
        };
        let grants = match &patch.grant_types {
            None => Some(old.grant_types().clone()),
            Some(g) => c.check_all(GrantTypes::parse(g)),
        };
        let access_level = keep_or(
            &mut c,
            Field::AccessLevel,
            patch.access_level.as_deref(),
            &old.access_level(),
            AccessLevel::parse,
        );
        let status = keep_or(
            &mut c,
            Field::Status,
            patch.status.as_deref(),
            &app.status(),
            Status::parse,
        );
        let method = rules.check_method(
            &mut c,
            patch.token_endpoint_auth_method.as_deref(),
            app.auth_method(),
            true,
        );
        let new_keys = rules.check_keys(&mut c, &patch.keys);
        let (keys, removed) = next_keys(app, new_keys.as_ref(), whole.removes_keys, now);
        if let Some(m) = method
            && let Err(e) = Credentials::check(app_type, m, app.secrets().is_some(), keys.is_some())
        {
            c.push(e);
        }
        let profile = build_profile(
            c,
            app_type,
            name,
            description,
            redirect_urls,
            scopes,
            grants,
            access_level,
        )
        .map_err(UpdateError::Invalid)?;
        // A bad status, method or key was recorded in the collector, so the profile failed
        // above.
        let status = status.unwrap_or_else(|| app.status());
        let method = method.unwrap_or_else(|| app.auth_method());
        let secrets = app.secrets().cloned().filter(|_| method.uses_secret());
        let credentials = Credentials::new(app_type, method, secrets, keys)
            .map_err(|e| UpdateError::Invalid(e.into()))?;
        let keys_changed = matches!(new_keys, Some(Some(_)));
        let (jwks_changed, uri_changed) =
            match credentials.keys().map(|k| &k.current().source).or(removed) {
                Some(KeySource::Inline(_)) => (keys_changed || removed.is_some(), false),
                Some(KeySource::Remote(_)) => (false, keys_changed || removed.is_some()),
                None => (false, false),
            };

        let changed: Vec<Field> = [
            (Field::AppType, app_type != app.app_type()),
            (Field::Name, profile.name() != old.name()),
            (
                Field::Description,
                profile.description() != old.description(),
            ),
            (
                Field::RedirectUrls,
                profile.redirect_urls() != old.redirect_urls(),
            ),
            (
                Field::AllowedScopes,
                profile.allowed_scopes() != old.allowed_scopes(),
            ),
            (
                Field::GrantTypes,
                profile.grant_types() != old.grant_types(),
            ),
            (
                Field::AccessLevel,
                profile.access_level() != old.access_level(),
            ),
            (Field::IsFirstParty, is_first_party != app.is_first_party()),
            (Field::Status, status != app.status()),
            (Field::TokenEndpointAuthMethod, method != app.auth_method()),
            (Field::Jwks, jwks_changed),
            (Field::JwksUri, uri_changed),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect();
        if changed.is_empty() {
            return Ok(None);
        }
        Ok(Some((
            app.updated(profile, is_first_party, status, credentials, now)
                .retyped(app_type),
            changed,
        )))
    }
}

/// The key sets `app` has after a change that gives it `new` keys (`Some(None)`: none
/// given; `None`: broken), and the source of the current set the change removes: when
/// none are given and `removes` (a whole replacement removes what it leaves out).
fn next_keys<'a>(
    app: &'a OAuthApplication,
    new: Option<&Option<KeySource>>,
    removes: bool,
    now: Timestamp,
) -> (Option<KeySets>, Option<&'a KeySource>) {
    match new {
        Some(Some(source)) => (
            Some(app.keys().map_or_else(
                || KeySets::first(source.clone(), now),
                |keys| keys.replaced(source.clone(), now),
            )),
            None,
        ),
        Some(None) if removes => (None, app.keys().map(|k| &k.current().source)),
        _ => (app.keys().cloned(), None),
    }
}

/// The use cases. Every one checks who may do it ([`crate::policy`]) before it acts.
pub struct ApplicationService {
    pub(crate) ports: Ports,
    pub(crate) config: ServiceConfig,
    pub(crate) dummy_hash: OnceLock<SecretHash>,
}

impl ApplicationService {
    /// A service over `ports` with `config`.
    #[must_use]
    pub fn new(ports: Ports, config: ServiceConfig) -> Self {
        Self {
            ports,
            config,
            dummy_hash: OnceLock::new(),
        }
    }

    /// The service's settings.
    #[must_use]
    pub const fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Registers an application for `cmd.owner_org_id` and returns it with its secret.
    ///
    /// # Errors
    /// [`RegisterError::Invalid`] naming every field that breaks a rule;
    /// [`RegisterError::Forbidden`] unless the caller is an admin of the organisation (or a
    /// platform admin), or when it sets `is_first_party` without being a platform admin;
    /// `Unavailable` / `Unexpected` when a port fails. Nothing is written on error.
    pub async fn register(
        &self,
        principal: &Principal,
        cmd: RegisterApplication,
    ) -> Result<Registered, RegisterError> {
        self.register_with(
            principal,
            cmd,
            Registration::Manual,
            RegistrationDetails::NONE,
            None,
        )
        .await
    }

    /// Checks `cmd` against every rule of a new application without registering anything:
    /// what [`ApplicationService::register`] would refuse as invalid, apart from the owner
    /// organisation.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every field that breaks a rule.
    pub fn check_registration(&self, cmd: &RegisterApplication) -> Result<(), ValidationErrors> {
        self.validate_new(cmd).map(|_| ())
    }

    /// As [`ApplicationService::register`], recording that the application was registered
    /// the way `registration` says, with what the registration keeps.
    pub(crate) async fn register_with(
        &self,
        principal: &Principal,
        cmd: RegisterApplication,
        registration: Registration,
        details: RegistrationDetails,
        fixed_client_id: Option<ClientId>,
    ) -> Result<Registered, RegisterError> {
        let org = OrgId::parse(cmd.owner_org_id.as_str())
            .map_err(|v| RegisterError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        policy::authorize(principal, &org, Action::Write)
            .map_err(|_| RegisterError::Forbidden(NOT_AN_ADMIN))?;
        let is_first_party = cmd.is_first_party.unwrap_or(false);
        policy::authorize_first_party(principal, false, is_first_party)
            .map_err(|_| RegisterError::Forbidden(FIRST_PARTY))?;
        let valid = self.validate_new(&cmd).map_err(RegisterError::Invalid)?;

        // A hash only for a method that uses a secret, and only once every rule holds.
        let (secret, hash) = if valid.method.uses_secret() {
            let secret = self.new_secret()?;
            let hash = self.ports.hasher.hash(&secret, principal.subject()).await?;
            (Some(secret), Some(hash))
        } else {
            (None, None)
        };
        let now = self.ports.clock.now();
        let lifetime = if secret.is_some() {
            self.secret_lifetime(&org).await?
        } else {
            None
        };
        let secrets = secret.as_ref().zip(hash).map(|(secret, hash)| {
            Secrets::new(
                Secret::first(hash, Some(SecretHint::of(secret)), now)
                    .with_lifecycle(SecretLifecycle::issued(secret, now, lifetime)),
            )
        });
        let keys = valid.keys.map(|source| KeySets::first(source, now));
        let credentials = Credentials::new(valid.app_type, valid.method, secrets, keys)
            .map_err(|e| RegisterError::Invalid(e.into()))?;
        let mut changed = REGISTERED_FIELDS.to_vec();
        match credentials.keys().map(|k| &k.current().source) {
            Some(KeySource::Inline(_)) => changed.push(Field::Jwks),
            Some(KeySource::Remote(_)) => changed.push(Field::JwksUri),
            None => {}
        }
        changed.extend(ClientMetadata::EMPTY.changed_fields(&details.metadata));
        let mut new = NewApplication::new(
            match fixed_client_id {
                Some(id) => id,
                None => self.new_client_id()?,
            },
            org,
            valid.app_type,
            valid.profile,
            is_first_party,
            credentials,
            now,
        )
        .with_registration(registration)
        .with_details(details);
        let event = audit(principal, AuditAction::Created, changed, now);
        for _ in 0..CLIENT_ID_ATTEMPTS {
            match self.ports.repository.insert(&new, &event).await {
                Ok(id) => {
                    return Ok(Registered {
                        application: new.with_id(id),
                        client_secret: secret,
                    });
                }
                Err(RepositoryError::DuplicateClientId) if fixed_client_id.is_none() => {
                    new = new.with_client_id(self.new_client_id()?);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegisterError::Unexpected(
            "no free client id after several random draws".into(),
        ))
    }

    /// The application `target`, for members of its organisation (disabled ones too).
    ///
    /// # Errors
    /// [`GetError::NotFound`] when it does not exist or the caller is outside its
    /// organisation; `Unavailable` / `Unexpected` when storage fails.
    pub async fn get(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, GetError> {
        self.load(principal, target, Action::Read)
            .await
            .map_err(|f| match f {
                Failure::Repository(e) => e.into(),
                _ => GetError::NotFound,
            })
    }

    /// A page of the organisation's applications, newest first, after `cursor`.
    ///
    /// # Errors
    /// [`ListError::Invalid`] for a bad organisation id, page size (1-100) or cursor;
    /// [`ListError::NotFound`] when the caller is outside the organisation;
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn list(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<KeysetPage, ListError> {
        self.search(principal, owner_org_id, None, limit, cursor)
            .await
    }

    /// As [`ApplicationService::list`], only the applications whose name holds `name`
    /// (case-insensitively; 1-100 characters).
    ///
    /// # Errors
    /// As [`ApplicationService::list`]; [`ListError::Invalid`] for an empty or too long
    /// `name`.
    pub async fn search(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        name: Option<&str>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<KeysetPage, ListError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(owner_org_id));
        let size = c.check(Field::Limit, PageSize::new(limit));
        let cursor = optional(&mut c, Field::Cursor, cursor, Cursor::decode);
        let name = optional(&mut c, Field::Name, name, |n: &str| {
            let n = n.trim();
            if n.is_empty() {
                Err(Violation::Required)
            } else if n.chars().count() > 100 {
                Err(Violation::TooLong { max: 100 })
            } else {
                Ok(n.to_owned())
            }
        });
        let (Some(org), Some(size), Some(cursor), Some(name)) = (org, size, cursor, name) else {
            return Err(ListError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Read).map_err(|_| ListError::NotFound)?;
        let limit = size.get();
        let mut items = self
            .ports
            .repository
            .list_after(&org, name.as_deref(), cursor, limit + 1)
            .await?;
        let next_cursor = cut_page(&mut items, limit, |a| Cursor {
            created_at: a.created_at(),
            id: a.id(),
        });
        Ok(KeysetPage { items, next_cursor })
    }

    /// Page `page` (from 1) of the organisation's applications, newest first, with the
    /// total count.
    ///
    /// # Errors
    /// [`ListError::Invalid`] for a bad organisation id, page or page size;
    /// [`ListError::NotFound`] when the caller is outside the organisation;
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn list_page(
        &self,
        principal: &Principal,
        owner_org_id: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<NumberedPage, ListError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(owner_org_id));
        let page = c.check(Field::Page, PageNumber::new(page));
        let per_page = c.check(Field::Limit, PageSize::new(per_page));
        let (Some(org), Some(page), Some(per_page)) = (org, page, per_page) else {
            return Err(ListError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Read).map_err(|_| ListError::NotFound)?;
        let (items, total) = self
            .ports
            .repository
            .list_page(&org, page.offset(per_page), per_page.get())
            .await?;
        Ok(NumberedPage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Applies `patch`. With `expected`, fails unless the stored version satisfies it
    /// ([`Precondition::is_satisfied_by`]); without it, or with [`Precondition::Any`],
    /// re-reads and re-applies the patch when a concurrent writer wins, so that concurrent
    /// updates of different fields all survive (a precondition that names versions fails
    /// instead). A patch that changes nothing writes nothing.
    ///
    /// # Errors
    /// [`UpdateError::NotFound`], [`UpdateError::Forbidden`] (a member, or a first-party
    /// change by a non-platform-admin), [`UpdateError::Invalid`] naming every field when
    /// the result would break a rule or the patch names an immutable field,
    /// [`UpdateError::PreconditionFailed`], [`UpdateError::Conflict`] when retries run out;
    /// `Unavailable` / `Unexpected`. Nothing is written on error.
    pub async fn update(
        &self,
        principal: &Principal,
        target: &AppRef,
        patch: &ApplicationPatch,
        expected: Option<Precondition>,
    ) -> Result<OAuthApplication, UpdateError> {
        self.write(
            principal,
            target,
            expected.as_ref(),
            AuditAction::Updated,
            |app, now| {
                if app.registration() == Registration::MetadataDocument {
                    return Err(UpdateError::Forbidden(FOLLOWS_DOCUMENT));
                }
                patch.apply(principal, app, self, now)
            },
        )
        .await
    }

    /// Disables the application (`status = revoked`); disabling a disabled one is a no-op.
    ///
    /// # Errors
    /// [`StatusChangeError::NotFound`], [`StatusChangeError::Forbidden`],
    /// [`StatusChangeError::Conflict`]; `Unavailable` / `Unexpected`.
    pub async fn disable(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.set_status(principal, target, Status::Revoked, AuditAction::Disabled)
            .await
    }

    /// Re-enables the application; enabling an active one is a no-op.
    ///
    /// # Errors
    /// As [`ApplicationService::disable`].
    pub async fn enable(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.set_status(principal, target, Status::Active, AuditAction::Enabled)
            .await
    }

    async fn set_status(
        &self,
        principal: &Principal,
        target: &AppRef,
        status: Status,
        action: AuditAction,
    ) -> Result<OAuthApplication, StatusChangeError> {
        self.write(principal, target, None, action, |app, now| {
            Ok((app.status() != status)
                .then(|| (app.with_status(status, now), vec![Field::Status])))
        })
        .await
    }

    /// Loads `target` and checks that `principal` may do `action` on it.
    pub(crate) async fn load(
        &self,
        principal: &Principal,
        target: &AppRef,
        action: Action,
    ) -> Result<OAuthApplication, Failure> {
        let repo = &self.ports.repository;
        let found = match target {
            AppRef::ClientId(id) => repo.find_by_client_id(id).await,
            AppRef::InOrg { org, id } => repo.find_by_org_and_id(org, *id).await,
        }
        .map_err(Failure::Repository)?;
        let app = found.ok_or(Failure::NotFound)?;
        match policy::authorize(principal, app.owner_org_id(), action) {
            Ok(()) => Ok(app),
            Err(Denial::Hidden) => Err(Failure::NotFound),
            Err(Denial::Forbidden) => Err(Failure::Forbidden),
        }
    }

    /// The compare-and-set loop every change goes through: load, authorize, compute the
    /// next state, write it if the version is unchanged. A version `expected` does not
    /// accept fails at once, and so does a lost race when it names versions; otherwise a
    /// lost race re-reads and recomputes.
    pub(crate) async fn write<E: From<Failure>>(
        &self,
        principal: &Principal,
        target: &AppRef,
        expected: Option<&Precondition>,
        action: AuditAction,
        change: impl Fn(&OAuthApplication, Timestamp) -> Result<Change, E> + Send,
    ) -> Result<OAuthApplication, E> {
        self.write_from(None, principal, target, expected, action, change)
            .await
    }

    /// [`Self::write`], starting from `loaded` (already loaded and authorized for
    /// writing) instead of loading it again; a lost race loads afresh.
    pub(crate) async fn write_from<E: From<Failure>>(
        &self,
        mut loaded: Option<OAuthApplication>,
        principal: &Principal,
        target: &AppRef,
        expected: Option<&Precondition>,
        action: AuditAction,
        change: impl Fn(&OAuthApplication, Timestamp) -> Result<Change, E> + Send,
    ) -> Result<OAuthApplication, E> {
        for _ in 0..self.config.max_write_attempts {
            let current = match loaded.take() {
                Some(app) => app,
                None => self.load(principal, target, Action::Write).await?,
            };
            if expected.is_some_and(|p| !p.is_satisfied_by(current.version())) {
                return Err(Failure::PreconditionFailed.into());
            }
            let now = self.ports.clock.now();
            let Some((next, changed)) = change(&current, now)? else {
                return Ok(current);
            };
            let events = events(principal, action, changed, &next, now);
            let written = match events.as_slice() {
                [event] => {
                    self.ports
                        .repository
                        .update(&next, current.version(), event)
                        .await
                }
                all => {
                    self.ports
                        .repository
                        .update_recording(&next, current.version(), all)
                        .await
                }
            };
            match written {
                Ok(()) => return Ok(next),
                Err(RepositoryError::VersionConflict)
                    if !expected.is_some_and(Precondition::names_versions) => {}
                Err(RepositoryError::VersionConflict) => {
                    return Err(Failure::PreconditionFailed.into());
                }
                Err(RepositoryError::NotFound) => return Err(Failure::NotFound.into()),
                Err(e) => return Err(Failure::Repository(e).into()),
            }
        }
        Err(Failure::Conflict.into())
    }

    fn validate_new(&self, cmd: &RegisterApplication) -> Result<ValidNew, ValidationErrors> {
        let mut c = Collector::default();
        let app_type = keep_or(
            &mut c,
            Field::AppType,
            cmd.app_type.as_deref(),
            &AppType::default(),
            AppType::parse,
        );
        let name = c.check(Field::Name, AppName::parse(&cmd.name));
        let description = optional(
            &mut c,
            Field::Description,
            cmd.description.as_deref(),
            Description::parse,
        );
        let redirect_urls =
            app_type.and_then(|t| c.check_all(RedirectUrls::parse(&cmd.redirect_urls, t)));
        let scopes = c.check_all(Scopes::parse(
            cmd.allowed_scopes.as_deref().unwrap_or_default(),
            &self.config.scope_catalog,
        ));
        let grants = match &cmd.grant_types {
            None => Some(GrantTypes::default()),
            Some(g) => c.check_all(GrantTypes::parse(g)),
        };
        let access_level = keep_or(
            &mut c,
            Field::AccessLevel,
            cmd.access_level.as_deref(),
            &AccessLevel::default(),
            AccessLevel::parse,
        );
        let method = self.check_method(
            &mut c,
            cmd.token_endpoint_auth_method.as_deref(),
            AuthMethod::default(),
            false,
        );
        let keys = self.check_keys(&mut c, &cmd.keys);
        // The method's own rules, once the method and the keys are known.
        if let (Some(t), Some(m), Some(k)) = (app_type, method, &keys)
            && let Err(e) = Credentials::check(t, m, m.uses_secret(), k.is_some())
        {
            c.push(e);
        }
        let (Some(app_type), Some(method), Some(keys)) = (app_type, method, keys) else {
            return Err(c.into_errors());
        };
        let profile = build_profile(
            c,
            app_type,
            name,
            description,
            redirect_urls,
            scopes,
            grants,
            access_level,
        )?;
        Ok(ValidNew {
            app_type,
            profile,
            method,
            keys,
        })
    }

    /// How long a secret issued now for `org` lives, in days: its policy's lifetime, else
    /// the platform default; `None`: for ever.
    pub(crate) async fn secret_lifetime(
        &self,
        org: &OrgId,
    ) -> Result<Option<u32>, RepositoryError> {
        let own = self
            .ports
            .policies
            .policy(org)
            .await?
            .and_then(|p| p.secret_lifetime);
        Ok(own
            .or(self.config.default_secret_lifetime)
            .map(crate::model::SecretLifetime::days))
    }

    pub(crate) fn new_secret(&self) -> Result<ClientSecret, crate::ports::RandomError> {
        let mut bytes = [0u8; SECRET_RANDOM_BYTES];
        self.ports.random.fill(&mut bytes)?;
        Ok(ClientSecret::from_random_bytes(&bytes))
    }

    pub(crate) fn new_client_id(&self) -> Result<ClientId, crate::ports::RandomError> {
        let mut bytes = [0u8; 16];
        self.ports.random.fill(&mut bytes)?;
        Ok(ClientId::from_random_bytes(bytes))
    }
}

/// Cuts a page fetched with one item more than `limit` down to `limit`; the cursor of its
/// last item when there was more, `None` on the last page.
pub(crate) fn cut_page<T, C>(
    items: &mut Vec<T>,
    limit: u32,
    cursor: impl Fn(&T) -> C,
) -> Option<C> {
    if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(cursor)
    } else {
        None
    }
}

/// Parses `raw` when given; `Some(None)` when not given; `None` (error recorded) when bad.
pub(crate) fn optional<T>(
    c: &mut Collector,
    field: Field,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, Violation>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(s) => c.check(field, parse(s)).map(Some),
    }
}

/// Parses `raw` when given, else keeps `current`; `None` (error recorded) when bad.
pub(crate) fn keep_or<T: Clone>(
    c: &mut Collector,
    field: Field,
    raw: Option<&str>,
    current: &T,
    parse: impl FnOnce(&str) -> Result<T, Violation>,
) -> Option<T> {
    match raw {
        None => Some(current.clone()),
        Some(s) => c.check(field, parse(s)),
    }
}

/// Joins checked fields into a [`Profile`], which checks the rules that join them; when a
/// field is invalid, the joined rules whose fields are valid are named with it, so that
/// one answer names every problem. Either way the joined rules run once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_profile(
    mut c: Collector,
    app_type: AppType,
    name: Option<AppName>,
    description: Option<Option<Description>>,
    redirect_urls: Option<RedirectUrls>,
    scopes: Option<Scopes>,
    grants: Option<GrantTypes>,
    access_level: Option<AccessLevel>,
) -> Result<Profile, ValidationErrors> {
    match (
        name,
        description,
        redirect_urls,
        scopes,
        grants,
        access_level,
    ) {
        // Every field is valid: the profile checks the rules that join them.
        (Some(name), Some(description), Some(urls), Some(scopes), Some(grants), Some(access))
            if c.is_empty() =>
        {
            Profile::new(app_type, name, description, urls, scopes, grants, access)
        }
        // Some field is not: the joined rules whose fields are valid are named too.
        (_, _, urls, _, grants, _) => {
            if let (Some(grants), Some(urls)) = (&grants, &urls) {
                for error in grant_rule_errors(app_type, grants, urls) {
                    c.push(error);
                }
            }
            Err(c.into_errors())
        }
    }
}

/// The events a change to `next` records. A status change is always told as what it is
/// (`disabled` / `enabled`), whichever surface made it: a settings change (`updated`) that
/// also changes the status records the other fields as `updated`, then the status change
/// as its own event, so that a listener for disables hears every one.
pub(crate) fn events(
    principal: &Principal,
    action: AuditAction,
    changed: Vec<Field>,
    next: &OAuthApplication,
    at: Timestamp,
) -> Vec<AuditEvent> {
    if action != AuditAction::Updated || !changed.contains(&Field::Status) {
        return vec![audit(principal, action, changed, at)];
    }
    let status_change = if next.is_disabled() {
        AuditAction::Disabled
    } else {
        AuditAction::Enabled
    };
    let others: Vec<Field> = changed
        .into_iter()
        .filter(|f| *f != Field::Status)
        .collect();
    let mut events = Vec::with_capacity(2);
    if !others.is_empty() {
        events.push(audit(principal, AuditAction::Updated, others, at));
    }
    events.push(audit(principal, status_change, vec![Field::Status], at));
    events
}

pub(crate) fn audit(
    principal: &Principal,
    action: AuditAction,
    changed_fields: Vec<Field>,
    at: Timestamp,
) -> AuditEvent {
    AuditEvent {
        action,
        actor: principal.subject().to_owned(),
        request_id: principal.request_id().map(str::to_owned),
        client_request_id: principal.client_request_id().map(str::to_owned),
        changed_fields,
        at,
    }
}

#[cfg(test)]
mod tests;
