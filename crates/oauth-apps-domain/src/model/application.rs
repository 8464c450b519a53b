//! The `OAuthApplication` aggregate.

use super::attributes::{AccessLevel, AppName, AppType, Description, Status};
use super::redirect::RedirectUrls;
use super::scopes_grants::{GrantType, GrantTypes, Scopes};
use crate::credentials::key_sets::{KeySet, KeySets, KeySource, PreviousKeySet};
use crate::credentials::keys::{AuthMethod, Jwks, JwksUri};
use crate::credentials::method::{CredentialRef, Credentials};
use crate::credentials::rotation::{CredentialSerial, GracePeriod};
use crate::credentials::secret::{SecretHash, SecretHint};
use crate::credentials::secrets::{PreviousSecret, Secret, Secrets};
use crate::registration::access_token::TokenDigest;
use crate::registration::details::{
    ClientMetadata, ClientMetadataRecord, Registration, RegistrationDetails,
};
use crate::registration::document_url::MetadataDocumentUrl;
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::time::Timestamp;
use crate::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// The settings of an application that its admins may change, valid as a whole for the
/// application's type: every redirect URL fits the type, `client_credentials` only for
/// `web`, `authorization_code` only with a redirect URL, `refresh_token` only with a grant
/// that issues refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: AppName,
    description: Option<Description>,
    redirect_urls: RedirectUrls,
    allowed_scopes: Scopes,
    grant_types: GrantTypes,
    access_level: AccessLevel,
}

impl Profile {
    /// Checks the rules that join the fields together.
    ///
    /// `redirect_urls` must already have been checked for `app_type`
    /// ([`RedirectUrls::parse`]).
    ///
    /// # Errors
    /// [`Violation::ClientCredentialsNeedsWeb`] and
    /// [`Violation::RefreshTokenNeedsIssuingGrant`] on [`Field::GrantTypes`],
    /// [`Violation::AuthorizationCodeNeedsRedirect`] on [`Field::RedirectUrls`].
    pub fn new(
        app_type: AppType,
        name: AppName,
        description: Option<Description>,
        redirect_urls: RedirectUrls,
        allowed_scopes: Scopes,
        grant_types: GrantTypes,
        access_level: AccessLevel,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Collector::default();
        for error in grant_rule_errors(app_type, &grant_types, &redirect_urls) {
            errors.push(error);
        }
        errors.finish(Self {
            name,
            description,
            redirect_urls,
            allowed_scopes,
            grant_types,
            access_level,
        })
    }

    /// The display name.
    #[must_use]
    pub const fn name(&self) -> &AppName {
        &self.name
    }

    /// The description, if any.
    #[must_use]
    pub const fn description(&self) -> Option<&Description> {
        self.description.as_ref()
    }

    /// The registered redirect URLs.
    #[must_use]
    pub const fn redirect_urls(&self) -> &RedirectUrls {
        &self.redirect_urls
    }

    /// The scopes the application may request.
    #[must_use]
    pub const fn allowed_scopes(&self) -> &Scopes {
        &self.allowed_scopes
    }

    /// The grant types the application may use.
    #[must_use]
    pub const fn grant_types(&self) -> &GrantTypes {
        &self.grant_types
    }

    /// The access level.
    #[must_use]
    pub const fn access_level(&self) -> AccessLevel {
        self.access_level
    }
}

pub(crate) fn grant_rule_errors(
    app_type: AppType,
    grants: &GrantTypes,
    redirect_urls: &RedirectUrls,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let position = |g: GrantType| grants.as_slice().iter().position(|x| *x == g);
    if let Some(i) = position(GrantType::ClientCredentials)
        && app_type != AppType::Web
    {
        errors.push(FieldError::at(
            Field::GrantTypes,
            i,
            Violation::ClientCredentialsNeedsWeb,
        ));
    }
    if let Some(i) = position(GrantType::RefreshToken)
        && !grants.contains(GrantType::AuthorizationCode)
        && !grants.contains(GrantType::DeviceCode)
    {
        errors.push(FieldError::at(
            Field::GrantTypes,
            i,
            Violation::RefreshTokenNeedsIssuingGrant,
        ));
    }
    if grants.contains(GrantType::AuthorizationCode) && redirect_urls.is_empty() {
        errors.push(FieldError::new(
            Field::RedirectUrls,
            Violation::AuthorizationCodeNeedsRedirect,
        ));
    }
    errors
}

/// An application about to be stored for the first time; storage assigns its [`AppId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication(Inner);

/// A registered OAuth client application. One that exists is valid: every constructor
/// checks every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApplication {
    id: AppId,
    inner: Inner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    client_id: ClientId,
    owner_org_id: OrgId,
    app_type: AppType,
    profile: Profile,
    status: Status,
    is_first_party: bool,
    credentials: Credentials,
    registration: Registration,
    details: RegistrationDetails,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Version,
}

impl NewApplication {
    /// An active application at version 1, created `now`.
    #[must_use]
    pub const fn new(
        client_id: ClientId,
        owner_org_id: OrgId,
        app_type: AppType,
        profile: Profile,
        is_first_party: bool,
        credentials: Credentials,
        now: Timestamp,
    ) -> Self {
        Self(Inner {
            client_id,
            owner_org_id,
            app_type,
            profile,
            status: Status::Active,
            is_first_party,
            credentials,
            registration: Registration::Manual,
            details: RegistrationDetails::NONE,
            created_at: now,
            updated_at: now,
            version: Version::INITIAL,
        })
    }

    /// Registered the way `registration` says (by an operator, unless told otherwise).
    #[must_use]
    pub const fn with_registration(mut self, registration: Registration) -> Self {
        self.0.registration = registration;
        self
    }

    /// How it is being registered.
    #[must_use]
    pub const fn registration(&self) -> Registration {
        self.0.registration
    }

    /// With what its registration keeps: the client's metadata and the digest of its
    /// registration access token.
    #[must_use]
    pub fn with_details(mut self, details: RegistrationDetails) -> Self {
        self.0.details = details;
        self
    }

    /// What its registration keeps.
    #[must_use]
    pub const fn details(&self) -> &RegistrationDetails {
        &self.0.details
    }

    /// The application with the identifier storage gave it.
    #[must_use]
    pub fn with_id(self, id: AppId) -> OAuthApplication {
        OAuthApplication { id, inner: self.0 }
    }

    /// The client id it was given.
    #[must_use]
    pub const fn client_id(&self) -> &ClientId {
        &self.0.client_id
    }

    /// With another client id (used when a generated one collided with an existing one).
    #[must_use]
    pub fn with_client_id(mut self, client_id: ClientId) -> Self {
        self.0.client_id = client_id;
        self
    }

    /// The owning organisation.
    #[must_use]
    pub const fn owner_org_id(&self) -> &OrgId {
        &self.0.owner_org_id
    }

    /// The application type.
    #[must_use]
    pub const fn app_type(&self) -> AppType {
        self.0.app_type
    }

    /// The changeable settings.
    #[must_use]
    pub const fn profile(&self) -> &Profile {
        &self.0.profile
    }

    /// `active`: every new application is.
    #[must_use]
    pub const fn status(&self) -> Status {
        self.0.status
    }

    /// Whether this is a first-party application.
    #[must_use]
    pub const fn is_first_party(&self) -> bool {
        self.0.is_first_party
    }

    /// Its authentication method and credentials.
    #[must_use]
    pub const fn credentials(&self) -> &Credentials {
        &self.0.credentials
    }

    /// Its one current secret hash, when its method uses a secret.
    #[must_use]
    pub const fn secrets(&self) -> Option<&Secrets> {
        self.0.credentials.secrets()
    }

    /// When it was created.
    #[must_use]
    pub const fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    /// When it last changed: when it was created.
    #[must_use]
    pub const fn updated_at(&self) -> Timestamp {
        self.0.updated_at
    }

    /// [`Version::INITIAL`].
    #[must_use]
    pub const fn version(&self) -> Version {
        self.0.version
    }

    /// Its fields as plain values.
    #[must_use]
    pub fn to_record(&self) -> ApplicationRecord {
        self.0.to_record()
    }
}

impl OAuthApplication {
    /// The storage identifier (the v1 surface's `app_id`).
    #[must_use]
    pub const fn id(&self) -> AppId {
        self.id
    }

    /// The public OAuth client id.
    #[must_use]
    pub const fn client_id(&self) -> &ClientId {
        &self.inner.client_id
    }

    /// The owning organisation.
    #[must_use]
    pub const fn owner_org_id(&self) -> &OrgId {
        &self.inner.owner_org_id
    }

    /// The application type.
    #[must_use]
    pub const fn app_type(&self) -> AppType {
        self.inner.app_type
    }

    /// The changeable settings.
    #[must_use]
    pub const fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// `active` or `revoked`.
    #[must_use]
    pub const fn status(&self) -> Status {
        self.inner.status
    }

    /// Whether the application is disabled (`status == revoked`).
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        self.inner.status == Status::Revoked
    }

    /// Whether this is a first-party application.
    #[must_use]
    pub const fn is_first_party(&self) -> bool {
        self.inner.is_first_party
    }

    /// How it was registered.
    #[must_use]
    pub const fn registration(&self) -> Registration {
        self.inner.registration
    }

    /// What its registration keeps: the client's descriptive metadata and the digest of
    /// its registration access token (RFC 7592), if it has one.
    #[must_use]
    pub const fn details(&self) -> &RegistrationDetails {
        &self.inner.details
    }

    /// Whether `presented` is this application's registration access token.
    #[must_use]
    pub fn accepts_registration_token(&self, presented: &str) -> bool {
        self.inner
            .details
            .access_token
            .is_some_and(|digest| digest == TokenDigest::of(presented))
    }

    /// How the client authenticates, and with what.
    #[must_use]
    pub const fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// How the client authenticates at the token endpoint.
    #[must_use]
    pub const fn auth_method(&self) -> AuthMethod {
        self.inner.credentials.method()
    }

    /// The secret hashes, when the method uses a secret.
    #[must_use]
    pub const fn secrets(&self) -> Option<&Secrets> {
        self.inner.credentials.secrets()
    }

    /// The key sets, when any are registered.
    #[must_use]
    pub const fn keys(&self) -> Option<&KeySets> {
        self.inner.credentials.keys()
    }

    /// When it was created.
    #[must_use]
    pub const fn created_at(&self) -> Timestamp {
        self.inner.created_at
    }

    /// When it last changed.
    #[must_use]
    pub const fn updated_at(&self) -> Timestamp {
        self.inner.updated_at
    }

    /// The optimistic-concurrency version.
    #[must_use]
    pub const fn version(&self) -> Version {
        self.inner.version
    }

    /// Whether the client must authenticate with its secret at the token endpoint: only
    /// confidential (`web`) clients can keep one.
    #[must_use]
    pub const fn requires_client_authentication(&self) -> bool {
        self.inner.app_type.is_confidential()
    }

    /// Whether the client must use PKCE (RFC 7636): every public client does. Authorization
    /// servers may require it of confidential clients too (RFC 9700 recommends it).
    #[must_use]
    pub const fn requires_pkce(&self) -> bool {
        !self.inner.app_type.is_confidential()
    }

    /// Whether `presented` matches a registered redirect URL: `presented` in normalised
    /// form and equal to one of them, or for `native` and `public` applications on the same
    /// loopback IP with another port (see [`RedirectUrl::matches`]).
    ///
    /// [`RedirectUrl::matches`]: super::redirect::RedirectUrl::matches
    #[must_use]
    pub fn matches_redirect_url(&self, presented: &str) -> bool {
        self.inner
            .profile
            .redirect_urls
            .matches(self.inner.app_type, presented)
    }

    fn changed(&self, now: Timestamp, change: impl FnOnce(&mut Inner)) -> Self {
        let mut next = self.clone();
        change(&mut next.inner);
        next.inner.updated_at = now.max(self.inner.updated_at);
        next.inner.version = self.inner.version.next();
        next
    }

    /// The application with new settings, first-party flag, status and credentials.
    #[must_use]
    pub fn updated(
        &self,
        profile: Profile,
        is_first_party: bool,
        status: Status,
        credentials: Credentials,
        now: Timestamp,
    ) -> Self {
        self.changed(now, |app| {
            app.profile = profile;
            app.is_first_party = is_first_party;
            app.status = status;
            app.credentials = credentials;
        })
    }

    /// The application with new registration details (metadata replaced, a registration
    /// access token rotated): a change like any other.
    #[must_use]
    pub fn with_details(&self, details: RegistrationDetails, now: Timestamp) -> Self {
        self.changed(now, |app| app.details = details)
    }

    /// The application just changed with new registration details as part of the same
    /// change (its version and time stay those of that change).
    #[must_use]
    pub fn replacing_details(mut self, details: RegistrationDetails) -> Self {
        self.inner.details = details;
        self
    }

    /// The application just changed, now of type `app_type`, as part of the same change
    /// (its version and time stay those of that change). Only a client whose metadata
    /// document is its source changes type, with its document; operators cannot. The
    /// change must already have checked its settings and credentials for that type.
    #[must_use]
    pub(crate) fn retyped(mut self, app_type: AppType) -> Self {
        self.inner.app_type = app_type;
        self
    }

    /// The application with the given status.
    #[must_use]
    pub fn with_status(&self, status: Status, now: Timestamp) -> Self {
        self.changed(now, |app| app.status = status)
    }

    /// The application with `new` as its current secret (see [`Secrets::rotate`]).
    ///
    /// # Errors
    /// [`RotationRefused::Disabled`] when the application is disabled,
    /// [`RotationRefused::NoSecret`] when its method uses no secret.
    pub fn rotated(
        &self,
        new: SecretHash,
        hint: Option<SecretHint>,
        grace: GracePeriod,
        now: Timestamp,
    ) -> Result<Self, RotationRefused> {
        if self.is_disabled() {
            return Err(RotationRefused::Disabled);
        }
        let Some(secrets) = self.secrets() else {
            return Err(RotationRefused::NoSecret(self.auth_method()));
        };
        let credentials = self
            .inner
            .credentials
            .with_secrets(secrets.rotate(new, hint, now, grace));
        Ok(self.changed(now, |app| app.credentials = credentials))
    }

    /// When its current secret stops working (its lifetime's end, or a leak's revocation);
    /// `None` when it does not end or the method uses no secret.
    #[must_use]
    pub fn secret_expires_at(&self) -> Option<Timestamp> {
        self.secrets()
            .and_then(|s| s.current().lifecycle.expires_at)
    }

    /// The application whose secret numbered `serial` has its lifecycle changed by
    /// `change`, as part of the change being made (version and times as they are).
    #[must_use]
    pub fn with_secret_lifecycle(
        &self,
        serial: crate::model::CredentialSerial,
        change: impl FnOnce(&mut crate::model::SecretLifecycle),
    ) -> Self {
        let Some(secrets) = self.secrets() else {
            return self.clone();
        };
        let mut next = self.clone();
        next.inner.credentials = self
            .inner
            .credentials
            .with_secrets(secrets.with_lifecycle_of(serial, change));
        next
    }

    /// The application with its secret numbered `serial` revoked because it leaked: the
    /// current secret ends now (the application keeps no valid secret until it is rotated),
    /// a previous one is revoked. Both record the leak.
    #[must_use]
    pub fn with_leaked_secret_revoked(
        &self,
        serial: crate::model::CredentialSerial,
        now: Timestamp,
    ) -> Self {
        let Some(secrets) = self.secrets() else {
            return self.clone();
        };
        let secrets = if secrets.current().serial == serial {
            secrets.with_lifecycle_of(serial, |l| {
                l.expires_at = Some(now);
                l.leaked_at = Some(now);
            })
        } else {
            secrets.without_previous()
        };
        let credentials = self.inner.credentials.with_secrets(secrets);
        self.changed(now, |app| app.credentials = credentials)
    }

    /// The application with `new` as its current key set; the current one stays valid for
    /// `grace` (see [`KeySets::rotate`]). An application without keys gets its first set.
    ///
    /// # Errors
    /// [`RotationRefused::Disabled`] when the application is disabled.
    pub fn with_rotated_keys(
        &self,
        new: KeySource,
        grace: GracePeriod,
        now: Timestamp,
    ) -> Result<Self, RotationRefused> {
        if self.is_disabled() {
            return Err(RotationRefused::Disabled);
        }
        let keys = match self.keys() {
            Some(keys) => keys.rotate(new, now, grace),
            None => KeySets::first(new, now),
        };
        let credentials = self.inner.credentials.with_keys(keys);
        Ok(self.changed(now, |app| app.credentials = credentials))
    }

    /// The application as storage returns it once `credential`'s use at `at` is written:
    /// not a change (version and `updated_at` stay).
    #[must_use]
    pub fn with_recorded_use(&self, credential: CredentialRef, at: Timestamp) -> Self {
        let mut next = self.clone();
        next.inner.credentials = self.inner.credentials.with_use(credential, at);
        next
    }

    /// The application with its previous credential revoked now: the previous secret and
    /// the previous key set.
    #[must_use]
    pub fn without_previous_credential(&self, now: Timestamp) -> Self {
        let credentials = self.inner.credentials.without_previous();
        self.changed(now, |app| app.credentials = credentials)
    }

    /// Its fields as plain values (an export's line, say).
    #[must_use]
    pub fn to_record(&self) -> ApplicationRecord {
        self.inner.to_record()
    }

    /// Rebuilds an application that storage kept, from the values storage keeps typed and
    /// the stored text of its profile, checking every rule but those added after it may
    /// have been stored, so that stored applications stay readable: the scope catalog (a
    /// scope may have been retired since), the normal form of redirect URLs
    /// ([`RedirectUrls::restore`]), invisible formatting characters in names
    /// ([`AppName::restore`]) and control characters in descriptions
    /// ([`Description::restore`]). The rules that join fields together (grant types
    /// against the type and the redirect URLs, see [`Profile::new`]) are checked as for a
    /// new application.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every field that breaks a rule.
    pub fn restore(stored: StoredApplication) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let Some(text) = StoredText::restore(
            &mut c,
            Some(stored.app_type),
            &stored.name,
            stored.description.as_deref(),
            &stored.redirect_urls,
            &stored.allowed_scopes,
            &stored.grant_types,
        ) else {
            return Err(c.into_errors());
        };
        let profile = Profile::new(
            stored.app_type,
            text.name,
            text.description,
            text.redirect_urls,
            text.allowed_scopes,
            text.grant_types,
            stored.access_level,
        )?;
        let credentials = Credentials::new(
            stored.app_type,
            stored.auth_method,
            stored.secrets,
            stored.keys,
        )
        .map_err(ValidationErrors::from)?;
        Ok(Self {
            id: stored.id,
            inner: Inner {
                client_id: stored.client_id,
                owner_org_id: stored.owner_org_id,
                app_type: stored.app_type,
                profile,
                status: stored.status,
                is_first_party: stored.is_first_party,
                credentials,
                registration: stored.registration,
                details: stored.details,
                created_at: stored.created_at,
                updated_at: stored.updated_at,
                version: stored.version,
            },
        })
    }

    /// Rebuilds an application from its plain values (an export's line, say): parses what
    /// [`OAuthApplication::restore`] takes typed, then restores it.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every field that breaks a rule.
    pub fn from_record(id: i64, record: ApplicationRecord) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let id = c.check(Field::Id, AppId::new(id));
        let client_id = c.check(Field::ClientId, ClientId::parse(&record.client_id));
        let owner_org_id = c.check(Field::OwnerOrgId, OrgId::parse(record.owner_org_id));
        let app_type = c.check(Field::AppType, AppType::parse(&record.app_type));
        let access_level = c.check(Field::AccessLevel, AccessLevel::parse(&record.access_level));
        let status = c.check(Field::Status, Status::parse(&record.status));
        let auth_method = c.check(
            Field::TokenEndpointAuthMethod,
            AuthMethod::parse(&record.token_endpoint_auth_method),
        );
        let registration = c.check(
            Field::Registration,
            Registration::parse(&record.registration),
        );
        let current = match record.current_secret {
            Some(secret) => secret.restore(&mut c).map(Some),
            None => Some(None),
        };
        let previous = match record.previous_secret {
            Some((secret, expires_at)) => secret
                .restore(&mut c)
                .map(|secret| Some(PreviousSecret { secret, expires_at })),
            None => Some(None),
        };
        let keys = match record.keys {
            Some(keys) => keys.restore(&mut c).map(Some),
            None => Some(None),
        };
        let metadata = c.check_all(
            ClientMetadata::new(record.client_metadata).map_err(|e| e.errors().to_vec()),
        );
        let document = match record.metadata_document.as_deref() {
            Some(url) => c
                .check(
                    Field::MetadataDocument,
                    MetadataDocumentUrl::parse(url).map_err(|_| Violation::Malformed {
                        what: "metadata document URL",
                    }),
                )
                .map(Some),
            None => Some(None),
        };
        let access_token = match record.registration_access_token.as_deref() {
            Some(hex) => c
                .check(Field::Registration, TokenDigest::from_hex(hex))
                .map(Some),
            None => Some(None),
        };
        let version = c.check(Field::Version, Version::new(record.version));
        let (
            Some(id),
            Some(client_id),
            Some(owner_org_id),
            Some(app_type),
            Some(access_level),
            Some(status),
            Some(auth_method),
            Some(registration),
            Some(current),
            Some(previous),
            Some(keys),
            Some(metadata),
            Some(access_token),
            Some(document),
            Some(version),
        ) = (
            id,
            client_id,
            owner_org_id,
            app_type,
            access_level,
            status,
            auth_method,
            registration,
            current,
            previous,
            keys,
            metadata,
            access_token,
            document,
            version,
        )
        else {
            // Name every broken field at once: the profile's text too.
            let _ = StoredText::restore(
                &mut c,
                app_type,
                &record.name,
                record.description.as_deref(),
                &record.redirect_urls,
                &record.allowed_scopes,
                &record.grant_types,
            );
            return Err(c.into_errors());
        };
        Self::restore(StoredApplication {
            id,
            client_id,
            owner_org_id,
            app_type,
            name: record.name,
            description: record.description,
            redirect_urls: record.redirect_urls,
            allowed_scopes: record.allowed_scopes,
            grant_types: record.grant_types,
            access_level,
            status,
            is_first_party: record.is_first_party,
            auth_method,
            secrets: current.map(|current| Secrets::restore(current, previous)),
            keys,
            registration,
            details: RegistrationDetails {
                metadata,
                access_token,
                document,
            },
            created_at: record.created_at,
            updated_at: record.updated_at,
            version,
        })
    }
}

/// An application as storage keeps it, for [`OAuthApplication::restore`]: typed where
/// storage keeps a type or the rules have not changed since the application may have been
/// stored, and the stored text of the profile (name, description and its lists), which
/// `restore` checks under the rules it may have been stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApplication {
    /// The storage identifier.
    pub id: AppId,
    /// The public OAuth client id.
    pub client_id: ClientId,
    /// The owning organisation.
    pub owner_org_id: OrgId,
    /// The application type.
    pub app_type: AppType,
    /// The display name, as stored.
    pub name: String,
    /// The description, as stored.
    pub description: Option<String>,
    /// The redirect URLs, as stored, in order.
    pub redirect_urls: Vec<String>,
    /// The allowed scopes, as stored, in order.
    pub allowed_scopes: Vec<String>,
    /// The grant types' wire names, as stored, in order.
    pub grant_types: Vec<String>,
    /// The access level.
    pub access_level: AccessLevel,
    /// `active` or `revoked`.
    pub status: Status,
    /// Whether it is first-party.
    pub is_first_party: bool,
    /// How the client authenticates.
    pub auth_method: AuthMethod,
    /// The current secret and the previous one in its grace period, when the method uses
    /// a secret.
    pub secrets: Option<Secrets>,
    /// The current key set and the previous one, when any are registered.
    pub keys: Option<KeySets>,
    /// How it was registered.
    pub registration: Registration,
    /// What its registration keeps.
    pub details: RegistrationDetails,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The optimistic-concurrency version.
    pub version: Version,
}

/// The text of a stored profile, checked under the rules it may have been stored under.
struct StoredText {
    name: AppName,
    description: Option<Description>,
    redirect_urls: RedirectUrls,
    allowed_scopes: Scopes,
    grant_types: GrantTypes,
}

impl StoredText {
    /// Checks every value, recording what is broken in `c`; the redirect URLs only when
    /// the application type is known.
    fn restore(
        c: &mut Collector,
        app_type: Option<AppType>,
        name: &str,
        description: Option<&str>,
        redirect_urls: &[String],
        allowed_scopes: &[String],
        grant_types: &[String],
    ) -> Option<Self> {
        let name = c.check(Field::Name, AppName::restore(name));
        let description = description.map(|d| c.check(Field::Description, Description::restore(d)));
        let redirect_urls =
            app_type.and_then(|t| c.check_all(RedirectUrls::restore(redirect_urls, t)));
        let allowed_scopes = c.check_all(Scopes::restore(allowed_scopes));
        let grant_types = c.check_all(GrantTypes::parse(grant_types));
        Some(Self {
            name: name?,
            description: match description {
                Some(checked) => Some(checked?),
                None => None,
            },
            redirect_urls: redirect_urls?,
            allowed_scopes: allowed_scopes?,
            grant_types: grant_types?,
        })
    }
}

impl Inner {
    fn to_record(&self) -> ApplicationRecord {
        let p = &self.profile;
        ApplicationRecord {
            client_id: self.client_id.to_string(),
            owner_org_id: self.owner_org_id.as_str().to_owned(),
            name: p.name.as_str().to_owned(),
            description: p.description.as_ref().map(|d| d.as_str().to_owned()),
            app_type: self.app_type.as_str().to_owned(),
            redirect_urls: p.redirect_urls.iter().map(str::to_owned).collect(),
            allowed_scopes: p.allowed_scopes.iter().map(str::to_owned).collect(),
            grant_types: p.grant_types.iter().map(str::to_owned).collect(),
            access_level: p.access_level.as_str().to_owned(),
            status: self.status.as_str().to_owned(),
            is_first_party: self.is_first_party,
            token_endpoint_auth_method: self.credentials.method().as_str().to_owned(),
            current_secret: self
                .credentials
                .secrets()
                .map(|s| SecretRecord::of(s.current())),
            previous_secret: self
                .credentials
                .secrets()
                .and_then(Secrets::previous)
                .map(|p| (SecretRecord::of(&p.secret), p.expires_at)),
            keys: self.credentials.keys().map(KeysRecord::of),
            registration: self.registration.as_str().to_owned(),
            client_metadata: self.details.metadata.record().clone(),
            registration_access_token: self.details.access_token.map(|d| d.to_hex()),
            metadata_document: self
                .details
                .document
                .as_ref()
                .map(|d| d.as_str().to_owned()),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version.get(),
        }
    }
}

/// An application's fields as plain values: the form of a line of `oauth-apps export`, and
/// of tests that build an application field by field. Storage adapters write typed values
/// and read back through [`OAuthApplication::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    /// Lowercase hyphenated UUID.
    pub client_id: String,
    /// The owning organisation.
    pub owner_org_id: String,
    /// The display name.
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// The application type's wire name.
    pub app_type: String,
    /// Redirect URLs, in order.
    pub redirect_urls: Vec<String>,
    /// Allowed scopes, in order.
    pub allowed_scopes: Vec<String>,
    /// Grant types' wire names, in order.
    pub grant_types: Vec<String>,
    /// The access level's wire name.
    pub access_level: String,
    /// `active` or `revoked`.
    pub status: String,
    /// Whether it is first-party.
    pub is_first_party: bool,
    /// The authentication method's wire name.
    pub token_endpoint_auth_method: String,
    /// The current secret, when the method uses one.
    pub current_secret: Option<SecretRecord>,
    /// The previous secret and the instant it stops working.
    pub previous_secret: Option<(SecretRecord, Timestamp)>,
    /// The key sets, when any are registered.
    pub keys: Option<KeysRecord>,
    /// How it was registered: `manual`, `dynamic` or `metadata_document`.
    pub registration: String,
    /// What the client says about itself (RFC 7591 §2).
    pub client_metadata: ClientMetadataRecord,
    /// The digest of its registration access token (64 lowercase hexadecimal characters).
    pub registration_access_token: Option<String>,
    /// The URL of the metadata document it was resolved from.
    pub metadata_document: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The optimistic-concurrency version.
    pub version: i64,
}

/// Why a credential cannot be rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RotationRefused {
    /// The application is disabled.
    #[error("a disabled application's credentials cannot be rotated")]
    Disabled,
    /// The application's method uses no secret.
    #[error("the application authenticates with {0}: it has no secret to rotate")]
    NoSecret(AuthMethod),
}

/// One secret as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    /// The PHC string of its hash.
    pub hash: String,
    /// Its last four characters, when known.
    pub hint: Option<String>,
    /// Which of the application's secrets it is (1, 2, ...).
    pub serial: u32,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When a client last authenticated with it.
    pub last_used_at: Option<Timestamp>,
    /// When it ends (its lifetime, or a leak's revocation); `None`: never.
    pub lifetime_ends_at: Option<Timestamp>,
    /// The SHA-256 of its plaintext (64 lowercase hexadecimal characters), when kept.
    pub lookup_digest: Option<String>,
    /// The last expiry warning emitted (14, 7 or 1 days before its end).
    pub expiry_warned_days: Option<u8>,
    /// When it was reported leaked.
    pub leaked_at: Option<Timestamp>,
}

impl SecretRecord {
    fn of(secret: &Secret) -> Self {
        Self {
            hash: secret.hash.as_phc().to_owned(),
            hint: secret.hint.as_ref().map(|h| h.as_str().to_owned()),
            serial: secret.serial.get(),
            created_at: secret.created_at,
            last_used_at: secret.last_used_at,
            lifetime_ends_at: secret.lifecycle.expires_at,
            lookup_digest: secret.lifecycle.lookup.map(|d| d.to_hex()),
            expiry_warned_days: secret.lifecycle.expiry_warned_days,
            leaked_at: secret.lifecycle.leaked_at,
        }
    }

    fn restore(self, c: &mut Collector) -> Option<Secret> {
        let hash = c.check(Field::Secret, SecretHash::new(self.hash));
        let hint = match self.hint {
            Some(hint) => c.check(Field::Secret, SecretHint::restore(hint)).map(Some),
            None => Some(None),
        };
        let serial = c.check(Field::Secret, CredentialSerial::new(self.serial));
        let lookup = match self.lookup_digest {
            Some(hex) => c
                .check(Field::Secret, crate::model::TokenDigest::from_hex(&hex))
                .map(Some),
            None => Some(None),
        };
        let warned = match self.expiry_warned_days {
            Some(days) if !crate::model::EXPIRY_WARNING_DAYS.contains(&days) => {
                c.push(crate::validation::FieldError::new(
                    Field::Secret,
                    Violation::Malformed {
                        what: "expiry warning (14, 7 or 1 days)",
                    },
                ));
                None
            }
            days => Some(days),
        };
        Some(Secret {
            hash: hash?,
            hint: hint?,
            serial: serial?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            lifecycle: crate::model::SecretLifecycle {
                expires_at: self.lifetime_ends_at,
                lookup: lookup?,
                expiry_warned_days: warned?,
                leaked_at: self.leaked_at,
            },
        })
    }
}

/// One key set as plain values: the inline JWK Set's JSON or the URL, which of the
/// application's sets it is, when it was registered and last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetRecord {
    /// The JWK Set's JSON, when given inline.
    pub jwks: Option<String>,
    /// The URL the keys are published at.
    pub jwks_uri: Option<String>,
    /// Which of the application's key sets it is (1, 2, ...).
    pub serial: u32,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When a client last authenticated with it.
    pub last_used_at: Option<Timestamp>,
}

/// An application's key sets as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysRecord {
    /// The current set.
    pub current: KeySetRecord,
    /// The previous set and the instant it stops being accepted.
    pub previous: Option<(KeySetRecord, Timestamp)>,
}

impl KeySetRecord {
    fn of(set: &KeySet) -> Self {
        let (jwks, jwks_uri) = match &set.source {
            KeySource::Inline(jwks) => (Some(jwks.as_json().to_owned()), None),
            KeySource::Remote(uri) => (None, Some(uri.as_str().to_owned())),
        };
        Self {
            jwks,
            jwks_uri,
            serial: set.serial.get(),
            created_at: set.created_at,
            last_used_at: set.last_used_at,
        }
    }

    fn restore(self, c: &mut Collector) -> Option<KeySet> {
        let field = if self.jwks_uri.is_some() {
            Field::JwksUri
        } else {
            Field::Jwks
        };
        let source = match (self.jwks, self.jwks_uri) {
            (Some(jwks), None) => c
                .check(Field::Jwks, Jwks::parse(&jwks))
                .map(KeySource::Inline),
            (None, Some(uri)) => c
                .check(Field::JwksUri, JwksUri::parse(&uri))
                .map(KeySource::Remote),
            _ => {
                c.push(FieldError::new(Field::Jwks, Violation::KeysTwice));
                None
            }
        };
        let serial = c.check(field, CredentialSerial::new(self.serial));
        Some(KeySet {
            source: source?,
            serial: serial?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        })
    }
}

impl KeysRecord {
    fn of(keys: &KeySets) -> Self {
        Self {
            current: KeySetRecord::of(keys.current()),
            previous: keys
                .previous()
                .map(|p| (KeySetRecord::of(&p.set), p.expires_at)),
        }
    }

    fn restore(self, c: &mut Collector) -> Option<KeySets> {
        let current = self.current.restore(c);
        let previous = match self.previous {
            Some((set, expires_at)) => set
                .restore(c)
                .map(|set| Some(PreviousKeySet { set, expires_at })),
            None => Some(None),
        };
        Some(KeySets::restore(current?, previous?))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::ScopeCatalog;
    use crate::test_support::{at, hash, profile, sample, secret};

    fn violations(result: Result<Profile, ValidationErrors>) -> Vec<(Field, Violation)> {
        result
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| (e.field, e.violation.clone()))
            .collect()
    }

    #[test]
    fn client_credentials_only_for_web_apps() {
        assert!(profile(AppType::Web, &[], &["client_credentials"]).is_ok());
        for t in [AppType::Native, AppType::Public, AppType::UserAgentBased] {
            let errors = profile(t, &[], &["client_credentials"]).unwrap_err();
            assert_eq!(
                errors.errors(),
                [FieldError::at(
                    Field::GrantTypes,
                    0,
                    Violation::ClientCredentialsNeedsWeb
                )]
            );
        }
    }

    #[test]
    fn authorization_code_needs_a_redirect_url() {
        assert_eq!(
            violations(profile(AppType::Web, &[], &["authorization_code"])),
            [(
                Field::RedirectUrls,
                Violation::AuthorizationCodeNeedsRedirect
            )]
        );
        assert!(
            profile(
                AppType::Web,
                &["https://a.example/cb"],
                &["authorization_code"]
            )
            .is_ok()
        );
        // Without authorization_code no redirect URL is needed.
        assert!(
            profile(
                AppType::Native,
                &[],
                &["urn:ietf:params:oauth:grant-type:device_code"]
            )
            .is_ok()
        );
    }

    #[test]
    fn refresh_token_needs_code_or_device_grant() {
        let errors =
            profile(AppType::Web, &[], &["client_credentials", "refresh_token"]).unwrap_err();
        assert_eq!(
            errors.errors(),
            [FieldError::at(
                Field::GrantTypes,
                1,
                Violation::RefreshTokenNeedsIssuingGrant
            )]
        );
        assert!(
            profile(
                AppType::Native,
                &[],
                &[
                    "urn:ietf:params:oauth:grant-type:device_code",
                    "refresh_token"
                ]
            )
            .is_ok()
        );
        assert!(
            profile(
                AppType::Web,
                &["https://a.example/cb"],
                &["refresh_token", "authorization_code"]
            )
            .is_ok()
        );
    }

    #[test]
    fn several_cross_rules_are_reported_together() {
        assert_eq!(
            violations(profile(
                AppType::Native,
                &[],
                &["client_credentials", "authorization_code"],
            )),
            [
                (Field::GrantTypes, Violation::ClientCredentialsNeedsWeb),
                (
                    Field::RedirectUrls,
                    Violation::AuthorizationCodeNeedsRedirect
                ),
            ]
        );
        assert_eq!(
            violations(profile(
                AppType::Public,
                &[],
                &["client_credentials", "refresh_token"],
            )),
            [
                (Field::GrantTypes, Violation::ClientCredentialsNeedsWeb),
                (Field::GrantTypes, Violation::RefreshTokenNeedsIssuingGrant),
            ]
        );
    }

    #[test]
    fn profile_exposes_its_fields() {
        let p = Profile::new(
            AppType::Web,
            AppName::parse("Name").unwrap(),
            Some(Description::parse("d").unwrap()),
            RedirectUrls::parse(&["https://a.example/cb"], AppType::Web).unwrap(),
            Scopes::parse(&["admin"], &ScopeCatalog::default()).unwrap(),
            GrantTypes::default(),
            AccessLevel::User,
        )
        .unwrap();
        assert_eq!(p.name().as_str(), "Name");
        assert_eq!(p.description().unwrap().as_str(), "d");
        assert_eq!(p.redirect_urls().len(), 1);
        assert!(p.allowed_scopes().contains("admin"));
        assert_eq!(p.grant_types(), &GrantTypes::default());
        assert_eq!(p.access_level(), AccessLevel::User);
    }

    #[test]
    fn a_new_application_is_active_at_version_one() {
        let app = sample(7, "acme");
        assert_eq!(app.id().get(), 7);
        assert_eq!(app.owner_org_id().as_str(), "acme");
        assert_eq!(app.app_type(), AppType::Web);
        assert_eq!(app.status(), Status::Active);
        assert!(!app.is_disabled());
        assert!(!app.is_first_party());
        assert_eq!(app.version(), Version::INITIAL);
        assert_eq!(app.created_at(), at(1000));
        assert_eq!(app.updated_at(), at(1000));
        assert_eq!(app.secrets().unwrap().current().hash, hash("current"));
        assert!(app.secrets().unwrap().previous().is_none());
        assert_eq!(app.profile().name().as_str(), "App");
    }

    #[test]
    fn new_application_can_take_another_client_id() {
        let first = ClientId::from_random_bytes([1; 16]);
        let second = ClientId::from_random_bytes([2; 16]);
        let new = NewApplication::new(
            first,
            OrgId::parse("o").unwrap(),
            AppType::Web,
            profile(AppType::Web, &[], &["client_credentials"]).unwrap(),
            true,
            Credentials::secret(Secrets::new(secret("h", at(5)))),
            at(5),
        );
        assert_eq!(new.client_id(), &first);
        let new = new.with_client_id(second);
        assert_eq!(new.client_id(), &second);
        assert_eq!(new.to_record().client_id, second.to_string());
        assert!(new.with_id(AppId::new(1).unwrap()).is_first_party());
    }

    #[test]
    fn every_change_bumps_version_and_updated_at() {
        let app = sample(1, "acme");
        let changed = app.with_status(Status::Revoked, at(2000));
        assert!(changed.is_disabled());
        assert_eq!(changed.version().get(), 2);
        assert_eq!(changed.updated_at(), at(2000));
        assert_eq!(changed.created_at(), at(1000));
        let again = changed.with_status(Status::Active, at(3000));
        assert_eq!(again.version().get(), 3);
        assert!(!again.is_disabled());
        // A clock that went backwards never moves updated_at back.
        let back = app.with_status(Status::Revoked, at(10));
        assert_eq!(back.updated_at(), at(1000));
    }

    #[test]
    fn update_replaces_profile_flag_and_status() {
        let app = sample(1, "acme");
        let p = profile(
            AppType::Web,
            &["https://b.example/cb"],
            &["authorization_code"],
        )
        .unwrap();
        let updated = app.updated(
            p.clone(),
            true,
            Status::Revoked,
            app.credentials().clone(),
            at(1500),
        );
        assert_eq!(updated.profile(), &p);
        assert!(updated.is_first_party());
        assert_eq!(updated.status(), Status::Revoked);
        assert_eq!(updated.version().get(), 2);
        assert_eq!(updated.client_id(), app.client_id());
        assert_eq!(updated.secrets(), app.secrets());
    }

    #[test]
    fn rotation_is_refused_for_disabled_apps() {
        let app = sample(1, "acme");
        let grace = GracePeriod::from_seconds(60).unwrap();
        let rotated = app.rotated(hash("new"), None, grace, at(2000)).unwrap();
        let current = rotated.secrets().unwrap().current();
        assert_eq!(current.hash, hash("new"));
        assert_eq!((current.serial.get(), current.created_at), (2, at(2000)));
        let previous = &rotated.secrets().unwrap().previous().unwrap().secret;
        assert_eq!(previous, app.secrets().unwrap().current());
        assert_eq!(
            rotated.secrets().unwrap().previous().unwrap().expires_at,
            at(2060)
        );
        assert_eq!(rotated.version().get(), 2);
        let disabled = app.with_status(Status::Revoked, at(2000));
        assert_eq!(
            disabled.rotated(hash("new"), None, grace, at(2001)),
            Err(RotationRefused::Disabled)
        );
        let revoked = rotated.without_previous_credential(at(2010));
        assert!(revoked.secrets().unwrap().previous().is_none());
        assert_eq!(revoked.version().get(), 3);
        assert_eq!(revoked.updated_at(), at(2010));
    }

    #[test]
    fn only_web_apps_authenticate_and_the_others_use_pkce() {
        let web = sample(1, "acme");
        assert!(web.requires_client_authentication());
        assert!(!web.requires_pkce());
        for t in [AppType::Native, AppType::Public, AppType::UserAgentBased] {
            let mut record = web.to_record();
            record.app_type = t.as_str().into();
            record.redirect_urls = vec!["https://a.example/cb".into()];
            let app = OAuthApplication::from_record(1, record).unwrap();
            assert!(!app.requires_client_authentication(), "{t}");
            assert!(app.requires_pkce(), "{t}");
        }
    }

    #[test]
    fn redirect_matching_uses_the_apps_type() {
        let web = sample(1, "acme");
        assert!(web.matches_redirect_url("https://app.example.com/cb"));
        assert!(!web.matches_redirect_url("https://app.example.com/cb2"));
        let mut record = web.to_record();
        record.app_type = "native".into();
        record.redirect_urls = vec!["http://127.0.0.1/cb".into()];
        let native = OAuthApplication::from_record(2, record).unwrap();
        assert!(native.matches_redirect_url("http://127.0.0.1:7777/cb"));
    }

    #[test]
    fn records_round_trip() {
        let app = sample(3, "acme")
            .rotated(
                hash("next"),
                SecretHint::restore("Wx9z").ok(),
                GracePeriod::from_seconds(10).unwrap(),
                at(1100),
            )
            .unwrap();
        let record = app.to_record();
        assert_eq!(
            record.previous_secret,
            Some((
                SecretRecord {
                    hash: "$test$current".into(),
                    hint: None,
                    serial: 1,
                    created_at: at(1000),
                    last_used_at: None,
                    lifetime_ends_at: None,
                    lookup_digest: None,
                    expiry_warned_days: None,
                    leaked_at: None,
                },
                at(1110)
            ))
        );
        let current = record.current_secret.as_ref().unwrap();
        assert_eq!((current.hint.as_deref(), current.serial), (Some("Wx9z"), 2));
        assert_eq!(record.version, 2);
        assert_eq!(record.registration, "manual");
        assert_eq!(OAuthApplication::from_record(3, record).unwrap(), app);
    }

    #[test]
    fn how_an_application_was_registered_is_kept() {
        let new = sample(3, "acme");
        assert_eq!(new.registration(), Registration::Manual);
        let record = |r: Registration| {
            let app = NewApplication::new(
                *new.client_id(),
                new.owner_org_id().clone(),
                new.app_type(),
                new.profile().clone(),
                false,
                new.credentials().clone(),
                at(1000),
            )
            .with_registration(r)
            .with_id(AppId::new(3).unwrap());
            assert_eq!(app.registration(), r);
            app.to_record()
        };
        for r in Registration::ALL {
            let restored = OAuthApplication::from_record(3, record(r)).unwrap();
            assert_eq!(restored.registration(), r);
            assert_eq!(
                OAuthApplication::restore(stored(&restored)).unwrap(),
                restored
            );
        }
        let mut bad = record(Registration::Dynamic);
        bad.registration = "by hand".into();
        let errors = OAuthApplication::from_record(3, bad).unwrap_err();
        assert!(errors.concerns(Field::Registration), "{errors}");
    }

    /// `app` as storage keeps it.
    fn stored(app: &OAuthApplication) -> StoredApplication {
        let p = app.profile();
        StoredApplication {
            id: app.id(),
            client_id: *app.client_id(),
            owner_org_id: app.owner_org_id().clone(),
            app_type: app.app_type(),
            name: p.name().as_str().to_owned(),
            description: p.description().map(|d| d.as_str().to_owned()),
            redirect_urls: p.redirect_urls().iter().map(str::to_owned).collect(),
            allowed_scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
            grant_types: p.grant_types().iter().map(str::to_owned).collect(),
            access_level: p.access_level(),
            status: app.status(),
            is_first_party: app.is_first_party(),
            auth_method: app.auth_method(),
            secrets: app.secrets().cloned(),
            keys: app.keys().cloned(),
            registration: app.registration(),
            details: app.details().clone(),
            created_at: app.created_at(),
            updated_at: app.updated_at(),
            version: app.version(),
        }
    }

    #[test]
    fn restore_rebuilds_from_typed_values() {
        let app = sample(3, "acme")
            .rotated(
                hash("next"),
                SecretHint::restore("Wx9z").ok(),
                GracePeriod::from_seconds(10).unwrap(),
                at(1100),
            )
            .unwrap()
            .with_status(Status::Revoked, at(1200));
        assert_eq!(OAuthApplication::restore(stored(&app)).unwrap(), app);
    }

    #[test]
    fn restore_reads_text_stored_under_earlier_rules() {
        let legacy = StoredApplication {
            name: "Pay\u{200B}Pal".into(),
            description: Some("nul \0 inside".into()),
            redirect_urls: vec!["https://app.example.com".into()],
            allowed_scopes: vec!["retired:scope".into()],
            ..stored(&sample(3, "acme"))
        };
        let app = OAuthApplication::restore(legacy.clone()).unwrap();
        assert_eq!(stored(&app), legacy);
    }

    #[test]
    fn restore_names_every_broken_text_and_keeps_the_cross_field_rules() {
        let broken = StoredApplication {
            name: " ".into(),
            description: Some("d".repeat(1001)),
            redirect_urls: vec!["https://a.example/#frag".into()],
            allowed_scopes: vec!["bad scope".into()],
            grant_types: vec!["implicit".into()],
            ..stored(&sample(3, "acme"))
        };
        let errors = OAuthApplication::restore(broken).unwrap_err();
        for field in [
            Field::Name,
            Field::Description,
            Field::RedirectUrls,
            Field::AllowedScopes,
            Field::GrantTypes,
        ] {
            assert!(errors.concerns(field), "{field}");
        }
        let no_redirect = StoredApplication {
            redirect_urls: vec![],
            ..stored(&sample(3, "acme"))
        };
        assert_eq!(
            OAuthApplication::restore(no_redirect)
                .unwrap_err()
                .errors()
                .iter()
                .map(|e| (e.field, e.violation.clone()))
                .collect::<Vec<_>>(),
            [(
                Field::RedirectUrls,
                Violation::AuthorizationCodeNeedsRedirect
            )]
        );
    }

    #[test]
    fn a_new_application_shows_what_storage_writes() {
        let new = NewApplication::new(
            ClientId::from_random_bytes([4; 16]),
            OrgId::parse("acme").unwrap(),
            AppType::Web,
            profile(AppType::Web, &[], &["client_credentials"]).unwrap(),
            true,
            Credentials::secret(Secrets::new(secret("h", at(5)))),
            at(5),
        );
        let app = new.clone().with_id(AppId::new(9).unwrap());
        assert_eq!(new.owner_org_id(), app.owner_org_id());
        assert_eq!(new.app_type(), app.app_type());
        assert_eq!(new.profile(), app.profile());
        assert_eq!(new.status(), Status::Active);
        assert!(new.is_first_party());
        assert_eq!(new.secrets(), Some(&Secrets::new(secret("h", at(5)))));
        assert_eq!((new.created_at(), new.updated_at()), (at(5), at(5)));
        assert_eq!(new.version(), Version::INITIAL);
    }

    #[test]
    fn records_stored_under_earlier_rules_still_load_as_stored() {
        let mut r = sample(3, "acme").to_record();
        r.redirect_urls = vec!["https://app.example.com".into(), "http://127.1/cb".into()];
        r.name = "Pay\u{200B}Pal".into();
        r.description = Some("nul \0 inside".into());
        let app = OAuthApplication::from_record(3, r.clone()).unwrap();
        assert_eq!(app.to_record(), r);
        // New values are held to the current rules.
        assert!(RedirectUrls::parse(&r.redirect_urls, AppType::Web).is_err());
        assert!(AppName::parse(&r.name).is_err());
        assert!(
            r.description
                .as_deref()
                .map(Description::parse)
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn corrupt_records_name_every_bad_field() {
        let mut r = sample(3, "acme").to_record();
        r.client_id = "x".into();
        r.owner_org_id = "bad org".into();
        r.name = String::new();
        r.description = Some("d".repeat(1001));
        r.allowed_scopes = vec!["bad scope".into()];
        r.grant_types = vec!["implicit".into()];
        r.access_level = "galaxy".into();
        r.status = "gone".into();
        let plain = SecretRecord {
            hash: "plain".into(),
            hint: None,
            serial: 1,
            created_at: at(1),
            last_used_at: None,
            lifetime_ends_at: None,
            lookup_digest: Some("not hex".into()),
            expiry_warned_days: Some(3),
            leaked_at: None,
        };
        r.current_secret = Some(plain.clone());
        r.previous_secret = Some((plain, at(1)));
        r.version = 0;
        let errors = OAuthApplication::from_record(0, r).unwrap_err();
        for field in [
            Field::Id,
            Field::ClientId,
            Field::OwnerOrgId,
            Field::Name,
            Field::Description,
            Field::AllowedScopes,
            Field::GrantTypes,
            Field::AccessLevel,
            Field::Status,
            Field::Secret,
            Field::Version,
        ] {
            assert!(errors.concerns(field), "{field}");
        }
        assert_eq!(
            errors
                .errors()
                .iter()
                .filter(|e| e.field == Field::Secret)
                .count(),
            6,
            "each secret's hash, lookup digest and expiry warning"
        );

        let mut r = sample(3, "acme").to_record();
        r.app_type = "robot".into();
        let errors = OAuthApplication::from_record(3, r).unwrap_err();
        assert_eq!(errors.errors().len(), 1);
        assert!(errors.concerns(Field::AppType));

        let mut r = sample(3, "acme").to_record();
        r.redirect_urls = vec!["http://plain.example/cb".into()];
        assert!(
            OAuthApplication::from_record(3, r)
                .unwrap_err()
                .concerns(Field::RedirectUrls)
        );

        // A single bad description is enough to refuse the record.
        let mut r = sample(3, "acme").to_record();
        r.description = Some("d".repeat(1001));
        assert!(
            OAuthApplication::from_record(3, r)
                .unwrap_err()
                .concerns(Field::Description)
        );

        // Cross-field rules apply to stored rows too.
        let mut r = sample(3, "acme").to_record();
        r.redirect_urls = vec![];
        assert!(
            OAuthApplication::from_record(3, r)
                .unwrap_err()
                .concerns(Field::RedirectUrls)
        );
    }
}
