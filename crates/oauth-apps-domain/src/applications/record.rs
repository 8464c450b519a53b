//! The application as storage and exports keep it, and the one path back: a stored
//! application ([`StoredApplication`], typed where storage keeps a type) or its plain
//! values ([`ApplicationRecord`], an export's line) restored with every rule checked.

use super::application::{Inner, NewApplication, OAuthApplication};
use super::attributes::{AccessLevel, AppName, AppType, Description, Status};
use super::profile::Profile;
use super::redirect::RedirectUrls;
use super::scopes_grants::{GrantTypes, Scopes};
use crate::credentials::key_sets::{KeySet, KeySets, KeySource, PreviousKeySet};
use crate::credentials::keys::{AuthMethod, Jwks, JwksUri};
use crate::credentials::method::Credentials;
use crate::credentials::rotation::CredentialSerial;
use crate::credentials::secret::{SecretHash, SecretHint};
use crate::credentials::secrets::{
    EXPIRY_WARNING_DAYS, HashedSecret, PreviousSecret, Secret, SecretLifecycle, Secrets,
};
use crate::registration::details::{
    ClientMetadata, ClientMetadataRecord, Registration, RegistrationDetails,
};
use crate::registration::document_url::MetadataDocumentUrl;
use crate::shared::digest::TokenDigest;
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
    pub(super) fn to_record(&self) -> ApplicationRecord {
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
                .map(|p| (SecretRecord::of(&p.issued), p.expires_at)),
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
            hash: secret.credential.hash.as_phc().to_owned(),
            hint: secret
                .credential
                .hint
                .as_ref()
                .map(|h| h.as_str().to_owned()),
            serial: secret.serial.get(),
            created_at: secret.created_at,
            last_used_at: secret.last_used_at,
            lifetime_ends_at: secret.credential.lifecycle.expires_at,
            lookup_digest: secret.credential.lifecycle.lookup.map(|d| d.to_hex()),
            expiry_warned_days: secret.credential.lifecycle.expiry_warned_days,
            leaked_at: secret.credential.lifecycle.leaked_at,
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
                .check(Field::Secret, TokenDigest::from_hex(&hex))
                .map(Some),
            None => Some(None),
        };
        let warned = match self.expiry_warned_days {
            Some(days) if !EXPIRY_WARNING_DAYS.contains(&days) => {
                c.push(FieldError::new(
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
            credential: HashedSecret {
                hash: hash?,
                hint: hint?,
                lifecycle: SecretLifecycle {
                    expires_at: self.lifetime_ends_at,
                    lookup: lookup?,
                    expiry_warned_days: warned?,
                    leaked_at: self.leaked_at,
                },
            },
            serial: serial?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
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
        let (jwks, jwks_uri) = match &set.credential {
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
            credential: source?,
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
                .map(|p| (KeySetRecord::of(&p.issued), p.expires_at)),
        }
    }

    fn restore(self, c: &mut Collector) -> Option<KeySets> {
        let current = self.current.restore(c);
        let previous = match self.previous {
            Some((set, expires_at)) => set.restore(c).map(|set| {
                Some(PreviousKeySet {
                    issued: set,
                    expires_at,
                })
            }),
            None => Some(None),
        };
        Some(KeySets::restore(current?, previous?))
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
        let secrets = restore_secrets(&mut c, record.current_secret, record.previous_secret);
        let keys = match record.keys {
            Some(keys) => keys.restore(&mut c).map(Some),
            None => Some(None),
        };
        let details = restore_details(
            &mut c,
            record.client_metadata,
            record.metadata_document.as_deref(),
            record.registration_access_token.as_deref(),
        );
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
            Some(secrets),
            Some(keys),
            Some(details),
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
            secrets,
            keys,
            details,
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
            secrets,
            keys,
            registration,
            details,
            created_at: record.created_at,
            updated_at: record.updated_at,
            version,
        })
    }
}

/// A record's secrets: its current secret and the previous one in its grace period, when
/// its method uses a secret (`Some(None)` when it has none); `None` when one is broken
/// (recorded in `c`).
fn restore_secrets(
    c: &mut Collector,
    current: Option<SecretRecord>,
    previous: Option<(SecretRecord, Timestamp)>,
) -> Option<Option<Secrets>> {
    let current = match current {
        Some(secret) => secret.restore(c).map(Some),
        None => Some(None),
    };
    let previous = match previous {
        Some((secret, expires_at)) => secret.restore(c).map(|secret| {
            Some(PreviousSecret {
                issued: secret,
                expires_at,
            })
        }),
        None => Some(None),
    };
    let (Some(current), Some(previous)) = (current, previous) else {
        return None;
    };
    Some(current.map(|current| Secrets::restore(current, previous)))
}

/// What a record's registration keeps: the client's metadata, the URL of the metadata
/// document it was resolved from and the digest of its registration access token; `None`
/// when one is broken (recorded in `c`).
fn restore_details(
    c: &mut Collector,
    metadata: ClientMetadataRecord,
    document: Option<&str>,
    access_token: Option<&str>,
) -> Option<RegistrationDetails> {
    let metadata = c.check_all(ClientMetadata::new(metadata).map_err(|e| e.errors().to_vec()));
    let document = match document {
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
    let access_token = match access_token {
        Some(hex) => c
            .check(Field::Registration, TokenDigest::from_hex(hex))
            .map(Some),
        None => Some(None),
    };
    Some(RegistrationDetails {
        metadata: metadata?,
        access_token: access_token?,
        document: document?,
    })
}

impl NewApplication {
    /// Its fields as plain values.
    #[must_use]
    pub fn to_record(&self) -> ApplicationRecord {
        self.0.to_record()
    }
}

impl OAuthApplication {
    /// Its fields as plain values (an export's line, say).
    #[must_use]
    pub fn to_record(&self) -> ApplicationRecord {
        self.inner.to_record()
    }
}

#[cfg(test)]
mod tests;
