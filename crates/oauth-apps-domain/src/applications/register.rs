//! Registering an application (`register`): the request, its checks and what is stored.

use super::application::{NewApplication, OAuthApplication};
use super::attributes::{AccessLevel, AppName, AppType, Description};
use super::errors::{FIRST_PARTY, RegisterError};
use super::profile::Profile;
use super::redirect::RedirectUrls;
use super::requirements::{ClientRequirements, RequirementsInput};
use super::scopes_grants::{GrantTypes, Scopes};
use super::service::{ApplicationService, audit, build_profile, keep_or, optional};
use crate::credentials::certificate::TlsSubject;
use crate::credentials::input::{KeysInput, TlsSubjectInput};
use crate::credentials::key_sets::{KeySets, KeySource};
use crate::credentials::keys::AuthMethod;
use crate::credentials::method::Credentials;
use crate::credentials::secret::{ClientSecret, SecretHint};
use crate::credentials::secrets::{Secret, SecretLifecycle, Secrets};
use crate::events::change::AuditAction;
use crate::events::change::ChangedField;
use crate::lifecycle::policy_profile::ClientShape;
use crate::registration::details::{ClientMetadata, RegistrationDetails};
use crate::registration::pipeline::{Admissible, Admission};
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{ClientId, OrgId};
use crate::shared::operation_error::NOT_AN_ADMIN;
use crate::shared::principal::{self as policy, Action, Principal};
use crate::shared::random::RandomError;
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};
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
    /// What it requires of its tokens and requests; each left out is `false`.
    pub requirements: RequirementsInput,
    /// With `tls_client_auth`, the certificate subject it expects.
    pub tls_subject: TlsSubjectInput,
}

/// A registered application and its secret, to show once.
#[derive(Debug)]
pub struct Registered {
    /// The application.
    pub application: OAuthApplication,
    /// The plaintext secret, when the method uses one: never shown again.
    pub client_secret: Option<ClientSecret>,
}

/// The organisation `cmd` names as its owner.
///
/// # Errors
/// [`RegisterError::Invalid`] on [`Field::OwnerOrgId`] when it is not an organisation id.
pub(crate) fn owner_of(cmd: &RegisterApplication) -> Result<OrgId, RegisterError> {
    OrgId::parse(cmd.owner_org_id.as_str())
        .map_err(|v| RegisterError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))
}

/// How often registration draws a new client id after a collision.
pub(crate) const CLIENT_ID_ATTEMPTS: usize = 3;

/// The fields a registration sets, as recorded in its audit event.
pub(crate) const REGISTERED_FIELDS: [ChangedField; 10] = [
    ChangedField::OwnerOrgId,
    ChangedField::Name,
    ChangedField::Description,
    ChangedField::AppType,
    ChangedField::RedirectUrls,
    ChangedField::AllowedScopes,
    ChangedField::GrantTypes,
    ChangedField::AccessLevel,
    ChangedField::IsFirstParty,
    ChangedField::TokenEndpointAuthMethod,
];

/// A registration whose every field holds, before its secret (if any) is made.
pub(crate) struct ValidNew {
    app_type: AppType,
    profile: Profile,
    method: AuthMethod,
    keys: Option<KeySource>,
    requirements: ClientRequirements,
    tls_subject: Option<TlsSubject>,
}

impl Admissible for ValidNew {
    fn shape(&self) -> ClientShape<'_> {
        ClientShape {
            app_type: self.app_type,
            method: self.method,
            grant_types: self.profile.grant_types(),
            redirect_urls: self.profile.redirect_urls(),
            requirements: self.requirements,
            type_given: true,
        }
    }
}

impl ApplicationService {
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
        let org = owner_of(&cmd)?;
        policy::authorize(principal, &org, Action::Write)
            .map_err(|_| RegisterError::Forbidden(NOT_AN_ADMIN))?;
        let admission = self
            .management_admission(&org, cmd.app_type.is_some())
            .await?;
        self.register_with(principal, cmd, &admission, RegistrationDetails::NONE, None)
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

    /// As [`ApplicationService::register`], through `admission` (the path it came by,
    /// recorded as how the application was registered, and that path's rules), with what
    /// the registration keeps besides its metadata in `details`.
    pub(crate) async fn register_with(
        &self,
        principal: &Principal,
        cmd: RegisterApplication,
        admission: &Admission,
        mut details: RegistrationDetails,
        fixed_client_id: Option<ClientId>,
    ) -> Result<Registered, RegisterError> {
        let org = owner_of(&cmd)?;
        policy::authorize(principal, &org, Action::Write)
            .map_err(|_| RegisterError::Forbidden(NOT_AN_ADMIN))?;
        let is_first_party = cmd.is_first_party.unwrap_or(false);
        policy::authorize_first_party(principal, false, is_first_party)
            .map_err(|_| RegisterError::Forbidden(FIRST_PARTY))?;
        let Some(registration) = admission.path().registration() else {
            return Err(RegisterError::Unexpected(
                "a path that only changes clients cannot register one".into(),
            ));
        };
        let (valid, metadata) = admission
            .judge(self.validate_new(&cmd))
            .map_err(RegisterError::Invalid)?;
        details.metadata = metadata;

        // A hash only for a method that uses a secret, and only once every rule holds.
        let (secret, hash) = if valid.method.uses_secret() {
            let secret = self.new_secret()?;
            let hash = self.ports.hasher.hash(&secret, principal.subject()).await?;
            (Some(secret), Some(hash))
        } else {
            (None, None)
        };
        let now = self.ports.clock.now();
        // The organisation's policy was read once, with the admission.
        let lifetime = secret
            .as_ref()
            .and_then(|_| self.lifetime_days(admission.secret_lifetime()));
        let secrets = secret.as_ref().zip(hash).map(|(secret, hash)| {
            Secrets::new(
                Secret::first(hash, Some(SecretHint::of(secret)), now)
                    .with_lifecycle(SecretLifecycle::issued(secret, now, lifetime)),
            )
        });
        let keys = valid.keys.map(|source| KeySets::first(source, now));
        let has_subject = valid.tls_subject.is_some();
        let credentials = Credentials::new(valid.app_type, valid.method, secrets, keys)
            .and_then(|c| c.with_tls_subject(valid.tls_subject))
            .map_err(|e| RegisterError::Invalid(e.into()))?;
        let mut changed = REGISTERED_FIELDS.to_vec();
        match credentials.keys().map(|k| &k.current().credential) {
            Some(KeySource::Inline(_)) => changed.push(ChangedField::Jwks),
            Some(KeySource::Remote(_)) => changed.push(ChangedField::JwksUri),
            None => {}
        }
        if has_subject {
            changed.push(ChangedField::TlsClientAuthSubject);
        }
        let requirements = valid.requirements;
        changed.extend(requirements.set_fields());
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
        .with_requirements(requirements)
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

    pub(crate) fn validate_new(
        &self,
        cmd: &RegisterApplication,
    ) -> Result<ValidNew, ValidationErrors> {
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
        let tls_subject = cmd.tls_subject.check(&mut c);
        // The method's own rules, once the method and the keys are known.
        if let (Some(t), Some(m), Some(k)) = (app_type, method, &keys)
            && let Err(e) = Credentials::check(t, m, m.uses_secret(), k.is_some())
        {
            c.push(e);
        }
        if let (Some(m), Some(subject)) = (method, &tls_subject) {
            check_subject_for(&mut c, m, subject.is_some());
        }
        let (Some(app_type), Some(method), Some(keys), Some(tls_subject)) =
            (app_type, method, keys, tls_subject)
        else {
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
            requirements: ClientRequirements::NONE.with(&cmd.requirements),
            tls_subject,
        })
    }

    pub(crate) fn new_client_id(&self) -> Result<ClientId, RandomError> {
        let mut bytes = [0u8; 16];
        self.ports.random.fill(&mut bytes)?;
        Ok(ClientId::from_random_bytes(bytes))
    }
}

/// The method's rule for a certificate subject (RFC 8705 §2.1.2): `tls_client_auth` needs
/// one, and no other method takes one. Broken rules are recorded in `c`.
pub(crate) fn check_subject_for(c: &mut Collector, method: AuthMethod, has_subject: bool) {
    if let Err(e) = Credentials::check_tls_subject(method, has_subject) {
        c.push(e);
    } else if has_subject && method != AuthMethod::TlsClientAuth {
        c.push(FieldError::new(
            Field::TlsClientAuthSubject,
            Violation::TlsSubjectNotForMethod,
        ));
    }
}
