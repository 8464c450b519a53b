//! The `OAuthApplication` aggregate: a new application ([`NewApplication`]), a stored one,
//! and every change it can go through.

use super::attributes::{AppType, Status};
use super::profile::Profile;
use super::requirements::ClientRequirements;
use crate::credentials::certificate::TlsSubject;
use crate::credentials::key_sets::{KeySets, KeySource};
use crate::credentials::keys::AuthMethod;
use crate::credentials::method::{CredentialRef, Credentials};
use crate::credentials::rotation::{CredentialSerial, GracePeriod};
use crate::credentials::secret::{SecretHash, SecretHint};
use crate::credentials::secrets::{HashedSecret, SecretLifecycle, Secrets};
use crate::registration::details::{Registration, RegistrationDetails};
use crate::shared::digest::TokenDigest;
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::time::Timestamp;

/// An application about to be stored for the first time; storage assigns its [`AppId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication(pub(super) Inner);

/// A registered OAuth client application. One that exists is valid: every constructor
/// checks every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApplication {
    pub(super) id: AppId,
    pub(super) inner: Inner,
}

/// What a new and a stored application hold alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Inner {
    pub(super) client_id: ClientId,
    pub(super) owner_org_id: OrgId,
    pub(super) app_type: AppType,
    pub(super) profile: Profile,
    pub(super) status: Status,
    pub(super) is_first_party: bool,
    pub(super) credentials: Credentials,
    pub(super) requirements: ClientRequirements,
    pub(super) registration: Registration,
    pub(super) details: RegistrationDetails,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
    pub(super) version: Version,
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
            requirements: ClientRequirements::NONE,
            registration: Registration::Manual,
            details: RegistrationDetails::NONE,
            created_at: now,
            updated_at: now,
            version: Version::INITIAL,
        })
    }

    /// With what it requires of its tokens and requests.
    #[must_use]
    pub const fn with_requirements(mut self, requirements: ClientRequirements) -> Self {
        self.0.requirements = requirements;
        self
    }

    /// What it requires of its tokens and requests.
    #[must_use]
    pub const fn requirements(&self) -> ClientRequirements {
        self.0.requirements
    }

    /// With `tls_client_auth`, the certificate subject it expects.
    #[must_use]
    pub const fn tls_subject(&self) -> Option<&TlsSubject> {
        self.0.credentials.tls_subject()
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

    /// With `tls_client_auth`, the certificate subject it expects (RFC 8705 §2.1.2).
    #[must_use]
    pub const fn tls_subject(&self) -> Option<&TlsSubject> {
        self.inner.credentials.tls_subject()
    }

    /// What it requires of its tokens and requests (sender-constrained access tokens,
    /// pushed authorization requests).
    #[must_use]
    pub const fn requirements(&self) -> ClientRequirements {
        self.inner.requirements
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

    /// The application just changed, now with `requirements`, as part of the same change
    /// (its version and time stay those of that change).
    #[must_use]
    pub(crate) const fn requiring(mut self, requirements: ClientRequirements) -> Self {
        self.inner.requirements = requirements;
        self
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
        let credentials = self.inner.credentials.with_secrets(secrets.rotate(
            HashedSecret::new(new, hint),
            now,
            grace,
        ));
        Ok(self.changed(now, |app| app.credentials = credentials))
    }

    /// When its current secret stops working (its lifetime's end, or a leak's revocation);
    /// `None` when it does not end or the method uses no secret.
    #[must_use]
    pub fn secret_expires_at(&self) -> Option<Timestamp> {
        self.secrets()
            .and_then(|s| s.current().credential.lifecycle.expires_at)
    }

    /// The application whose secret numbered `serial` has its lifecycle changed by
    /// `change`, as part of the change being made (version and times as they are).
    #[must_use]
    pub fn with_secret_lifecycle(
        &self,
        serial: CredentialSerial,
        change: impl FnOnce(&mut SecretLifecycle),
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
    pub fn with_leaked_secret_revoked(&self, serial: CredentialSerial, now: Timestamp) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::applications::record::StoredApplication;
    use crate::test_support::{at, hash, profile, sample, secret};

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
        assert_eq!(
            app.secrets().unwrap().current().credential.hash,
            hash("current")
        );
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
        assert_eq!(new.to_stored(AppId::new(1).unwrap()).client_id, second);
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
        assert_eq!(current.credential.hash, hash("new"));
        assert_eq!((current.serial.get(), current.created_at), (2, at(2000)));
        let previous = &rotated.secrets().unwrap().previous().unwrap().issued;
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
            let app = OAuthApplication::restore(StoredApplication {
                app_type: t,
                redirect_urls: vec!["https://a.example/cb".into()],
                ..web.to_stored()
            })
            .unwrap();
            assert!(!app.requires_client_authentication(), "{t}");
            assert!(app.requires_pkce(), "{t}");
        }
    }

    #[test]
    fn redirect_matching_uses_the_apps_type() {
        let web = sample(1, "acme");
        assert!(web.matches_redirect_url("https://app.example.com/cb"));
        assert!(!web.matches_redirect_url("https://app.example.com/cb2"));
        let native = OAuthApplication::restore(StoredApplication {
            app_type: AppType::Native,
            redirect_urls: vec!["http://127.0.0.1/cb".into()],
            ..web.to_stored()
        })
        .unwrap();
        assert!(native.matches_redirect_url("http://127.0.0.1:7777/cb"));
    }
}
