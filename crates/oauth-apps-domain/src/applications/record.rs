//! The application as it is kept, and the one path back: [`StoredApplication`] (typed
//! where a type is kept, the profile's text as stored) restored by
//! [`OAuthApplication::restore`] with every rule checked. Storage rows, export lines and
//! tests all come back through it: each adapter parses its own plain values into it.

use super::application::{Inner, NewApplication, OAuthApplication};
use super::attributes::{AccessLevel, AppName, AppType, Description, Status};
use super::profile::Profile;
use super::redirect::RedirectUrls;
use super::requirements::ClientRequirements;
use super::scopes_grants::{GrantTypes, Scopes};
use crate::credentials::certificate::TlsSubject;
use crate::credentials::key_sets::KeySets;
use crate::credentials::keys::AuthMethod;
use crate::credentials::method::Credentials;
use crate::credentials::secrets::{EXPIRY_WARNING_DAYS, Secrets};
use crate::registration::details::{Registration, RegistrationDetails};
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::time::Timestamp;
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

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
    /// With `tls_client_auth`, the certificate subject it expects.
    pub tls_subject: Option<TlsSubject>,
    /// What it requires of its tokens and requests.
    pub requirements: ClientRequirements,
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
    fn to_stored(&self, id: AppId) -> StoredApplication {
        let p = &self.profile;
        StoredApplication {
            id,
            client_id: self.client_id,
            owner_org_id: self.owner_org_id.clone(),
            app_type: self.app_type,
            name: p.name.as_str().to_owned(),
            description: p.description.as_ref().map(|d| d.as_str().to_owned()),
            redirect_urls: p.redirect_urls.iter().map(str::to_owned).collect(),
            allowed_scopes: p.allowed_scopes.iter().map(str::to_owned).collect(),
            grant_types: p.grant_types.iter().map(str::to_owned).collect(),
            access_level: p.access_level,
            status: self.status,
            is_first_party: self.is_first_party,
            auth_method: self.credentials.method(),
            secrets: self.credentials.secrets().cloned(),
            keys: self.credentials.keys().cloned(),
            tls_subject: self.credentials.tls_subject().cloned(),
            requirements: self.requirements,
            registration: self.registration,
            details: self.details.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// Checks what a stored secret keeps untyped: its last expiry warning is one of
/// [`EXPIRY_WARNING_DAYS`].
fn check_secrets(c: &mut Collector, secrets: Option<&Secrets>) {
    let Some(secrets) = secrets else {
        return;
    };
    let kept = std::iter::once(secrets.current()).chain(secrets.previous().map(|p| &p.issued));
    for secret in kept {
        if let Some(days) = secret.credential.lifecycle.expiry_warned_days
            && !EXPIRY_WARNING_DAYS.contains(&days)
        {
            c.push(FieldError::new(
                Field::Secret,
                Violation::Malformed {
                    what: "expiry warning (14, 7 or 1 days)",
                },
            ));
        }
    }
}

impl OAuthApplication {
    /// Rebuilds an application that storage kept, from the values storage keeps typed and
    /// the stored text of its profile, checking every rule but those added after it may
    /// have been stored, so that stored applications stay readable: the scope catalog (a
    /// scope may have been retired since), the normal form of redirect URLs
    /// ([`RedirectUrls::restore`]), invisible formatting characters in names
    /// ([`AppName::restore`]) and control characters in descriptions
    /// ([`Description::restore`]). The rules that join fields together (grant types
    /// against the type and the redirect URLs, see [`Profile::new`]) are checked as for a
    /// new application, and each secret's last expiry warning is one of
    /// [`EXPIRY_WARNING_DAYS`]. Every way back into an application (storage rows, export
    /// lines, tests) goes through it; [`OAuthApplication::to_stored`] is its inverse.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every field that breaks a rule.
    pub fn restore(stored: StoredApplication) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let text = StoredText::restore(
            &mut c,
            Some(stored.app_type),
            &stored.name,
            stored.description.as_deref(),
            &stored.redirect_urls,
            &stored.allowed_scopes,
            &stored.grant_types,
        );
        check_secrets(&mut c, stored.secrets.as_ref());
        let (Some(text), true) = (text, c.is_empty()) else {
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
        .and_then(|c| c.with_tls_subject(stored.tls_subject))
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
                requirements: stored.requirements,
                registration: stored.registration,
                details: stored.details,
                created_at: stored.created_at,
                updated_at: stored.updated_at,
                version: stored.version,
            },
        })
    }
}

impl NewApplication {
    /// What storage keeps of it once it is stored as `id`.
    #[must_use]
    pub fn to_stored(&self, id: AppId) -> StoredApplication {
        self.0.to_stored(id)
    }
}

impl OAuthApplication {
    /// What storage keeps of it: [`OAuthApplication::restore`] of it gives it back.
    #[must_use]
    pub fn to_stored(&self) -> StoredApplication {
        self.inner.to_stored(self.id)
    }
}

#[cfg(test)]
mod tests;
