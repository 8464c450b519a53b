//! The `OAuthApplication` aggregate.

use super::attributes::{AccessLevel, AppName, AppType, Description, Status};
use super::ids::{AppId, ClientId, OrgId, Timestamp, Version};
use super::redirect::RedirectUrls;
use super::scopes_grants::{GrantType, GrantTypes, Scopes};
use super::secret::{GracePeriod, PreviousSecret, SecretHash, Secrets};
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
    if let Some(i) = position(GrantType::ClientCredentials) {
        if app_type != AppType::Web {
            errors.push(FieldError::at(
                Field::GrantTypes,
                i,
                Violation::ClientCredentialsNeedsWeb,
            ));
        }
    }
    if let Some(i) = position(GrantType::RefreshToken) {
        if !grants.contains(GrantType::AuthorizationCode) && !grants.contains(GrantType::DeviceCode)
        {
            errors.push(FieldError::at(
                Field::GrantTypes,
                i,
                Violation::RefreshTokenNeedsIssuingGrant,
            ));
        }
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
    secrets: Secrets,
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
        secret: SecretHash,
        now: Timestamp,
    ) -> Self {
        Self(Inner {
            client_id,
            owner_org_id,
            app_type,
            profile,
            status: Status::Active,
            is_first_party,
            secrets: Secrets::new(secret),
            created_at: now,
            updated_at: now,
            version: Version::INITIAL,
        })
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

    /// Its fields as plain values, for storage.
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

    /// The secret hashes.
    #[must_use]
    pub const fn secrets(&self) -> &Secrets {
        &self.inner.secrets
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

    /// Whether `presented` matches a registered redirect URL (exact string comparison; any
    /// port on a loopback IP for `native` and `public` applications).
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

    /// The application with new settings, first-party flag and status.
    #[must_use]
    pub fn updated(
        &self,
        profile: Profile,
        is_first_party: bool,
        status: Status,
        now: Timestamp,
    ) -> Self {
        self.changed(now, |app| {
            app.profile = profile;
            app.is_first_party = is_first_party;
            app.status = status;
        })
    }

    /// The application with the given status.
    #[must_use]
    pub fn with_status(&self, status: Status, now: Timestamp) -> Self {
        self.changed(now, |app| app.status = status)
    }

    /// The application with `new` as its current secret (see [`Secrets::rotate`]).
    ///
    /// # Errors
    /// [`SecretRotationRefused`] when the application is disabled.
    pub fn rotated(
        &self,
        new: SecretHash,
        grace: GracePeriod,
        now: Timestamp,
    ) -> Result<Self, SecretRotationRefused> {
        if self.is_disabled() {
            return Err(SecretRotationRefused);
        }
        Ok(self.changed(now, |app| app.secrets = app.secrets.rotate(new, now, grace)))
    }

    /// The application with its previous secret revoked now.
    #[must_use]
    pub fn without_previous_secret(&self, now: Timestamp) -> Self {
        self.changed(now, |app| app.secrets = app.secrets.without_previous())
    }

    /// Its fields as plain values, for storage.
    #[must_use]
    pub fn to_record(&self) -> ApplicationRecord {
        self.inner.to_record()
    }

    /// Rebuilds a stored application, checking every rule but the scope catalog (a scope
    /// retired from the catalog does not make stored applications unreadable).
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every field that breaks a rule.
    pub fn from_record(id: i64, record: ApplicationRecord) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let id = c.check(Field::Id, AppId::new(id));
        let client_id = c.check(Field::ClientId, ClientId::parse(&record.client_id));
        let owner_org_id = c.check(Field::OwnerOrgId, OrgId::parse(record.owner_org_id));
        let app_type = c.check(Field::AppType, AppType::parse(&record.app_type));
        let name = c.check(Field::Name, AppName::parse(&record.name));
        let description = record
            .description
            .map(|d| c.check(Field::Description, Description::parse(&d)));
        let redirect_urls =
            app_type.and_then(|t| c.check_all(RedirectUrls::parse(&record.redirect_urls, t)));
        let scopes = c.check_all(Scopes::restore(&record.allowed_scopes));
        let grants = c.check_all(GrantTypes::parse(&record.grant_types));
        let access_level = c.check(Field::AccessLevel, AccessLevel::parse(&record.access_level));
        let status = c.check(Field::Status, Status::parse(&record.status));
        let current = c.check(Field::Secret, SecretHash::new(record.current_secret_hash));
        let previous = match record.previous_secret {
            Some((hash, expires_at)) => c
                .check(Field::Secret, SecretHash::new(hash))
                .map(|hash| Some(PreviousSecret { hash, expires_at })),
            None => Some(None),
        };
        let version = c.check(Field::Version, Version::new(record.version));
        let (
            Some(id),
            Some(client_id),
            Some(owner_org_id),
            Some(app_type),
            Some(name),
            Some(redirect_urls),
            Some(scopes),
            Some(grants),
            Some(access_level),
            Some(status),
            Some(current),
            Some(previous),
            Some(version),
        ) = (
            id,
            client_id,
            owner_org_id,
            app_type,
            name,
            redirect_urls,
            scopes,
            grants,
            access_level,
            status,
            current,
            previous,
            version,
        )
        else {
            return Err(c.into_errors());
        };
        if !c.is_empty() {
            return Err(c.into_errors());
        }
        let description = description.flatten();
        let profile = Profile::new(
            app_type,
            name,
            description,
            redirect_urls,
            scopes,
            grants,
            access_level,
        )?;
        Ok(Self {
            id,
            inner: Inner {
                client_id,
                owner_org_id,
                app_type,
                profile,
                status,
                is_first_party: record.is_first_party,
                secrets: Secrets::restore(current, previous),
                created_at: record.created_at,
                updated_at: record.updated_at,
                version,
            },
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
            current_secret_hash: self.secrets.current().as_phc().to_owned(),
            previous_secret: self
                .secrets
                .previous()
                .map(|p| (p.hash.as_phc().to_owned(), p.expires_at)),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version.get(),
        }
    }
}

/// An application's fields as plain values: what storage adapters write and read back.
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
    /// The PHC string of the current secret.
    pub current_secret_hash: String,
    /// The PHC string of the previous secret and the instant it stops working.
    pub previous_secret: Option<(String, Timestamp)>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The optimistic-concurrency version.
    pub version: i64,
}

/// A disabled application's secret cannot be rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a disabled application's secret cannot be rotated")]
pub struct SecretRotationRefused;
