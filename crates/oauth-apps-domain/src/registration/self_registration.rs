//! Clients that register and manage themselves: RFC 7591 registration with a registration
//! access token, and RFC 7592 read, replacement and deletion with that token; both held
//! to what their organisation lets clients that register themselves have.

use super::access_token::{ACCESS_TOKEN_RANDOM_BYTES, AccessTokenSecret};
use super::client_metadata::RequestedClient;
use super::details::{
    ClientMetadata, ClientMetadataRecord, REGISTRATION_ACCESS_TOKEN_PREFIX, Registration,
    RegistrationDetails,
};
use super::errors::ManageRegistrationError;
use super::pipeline::{Admission, RegistrationPath};
use crate::applications::application::OAuthApplication;
use crate::applications::attributes::Status;
use crate::applications::errors::{RegisterError, UpdateError};
use crate::applications::patch::ApplicationPatch;
use crate::applications::register::{RegisterApplication, Registered, owner_of};
use crate::applications::service::{AppRef, ApplicationService, Change};
use crate::events::change::AuditAction;
use crate::events::change::ChangedField;
use crate::lifecycle::org_policy::{
    SelfRegistrationAllowance, SelfRegistrationLimits, SelfRegistrationPermit,
};
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{ClientId, OrgId};
use crate::shared::operation_error::Failure;
use crate::shared::principal::{OrgRole, Principal};
use crate::shared::random::RandomError;
use crate::shared::validation::ValidationErrors;

/// A client registered by itself (RFC 7591 §3.2.1), with what it is shown once: its secret
/// (when its method uses one) and its registration access token (RFC 7592 §3).
#[derive(Debug)]
pub struct SelfRegistered {
    /// The application and its secret.
    pub registered: Registered,
    /// The token with which the client reads, replaces and deletes its registration.
    pub registration_access_token: AccessTokenSecret,
}

impl From<Failure> for ManageRegistrationError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotFound | Failure::Forbidden => Self::InvalidToken,
            Failure::Conflict => Self::Conflict,
            Failure::PreconditionFailed => Self::Unexpected(
                "a version precondition was checked without an expected version".into(),
            ),
            Failure::Repository(e) => e.into(),
        }
    }
}

impl From<UpdateError> for ManageRegistrationError {
    fn from(e: UpdateError) -> Self {
        match e {
            UpdateError::Invalid(errors) => Self::Invalid(errors),
            UpdateError::NotFound | UpdateError::Forbidden(_) => Self::InvalidToken,
            UpdateError::Conflict | UpdateError::PreconditionFailed => Self::Conflict,
            UpdateError::Unavailable(source) => Self::Unavailable(source),
            UpdateError::Unexpected(source) => Self::Unexpected(source),
        }
    }
}

/// The subject audit events name for a client acting with its registration access token.
fn registration_actor(client_id: &ClientId) -> String {
    format!("registration-access-token:{client_id}")
}

impl ApplicationService {
    /// What a client that registers itself into `org` may have under its organisation's
    /// self-registration `limits`, with what `allowance` (an initial access token's) adds
    /// and what `held` (the client replacing its registration) already has.
    pub(crate) fn self_registration_permit(
        &self,
        limits: &SelfRegistrationLimits,
        allowance: Option<&SelfRegistrationAllowance>,
        held: Option<&OAuthApplication>,
    ) -> SelfRegistrationPermit {
        let mut permit = SelfRegistrationPermit::new(limits, &self.config.scope_catalog);
        if let Some(allowance) = allowance {
            permit = permit.with_allowance(allowance);
        }
        if let Some(app) = held {
            permit = permit.with_held(app);
        }
        permit
    }

    /// The admission of `cmd` with `metadata` into `org` by `path` (the one pipeline,
    /// `super::pipeline`): on a self-service path, the organisation's self-registration
    /// limits with what `allowance` (an initial access token's) adds and what `held` (the
    /// client changing its registration) already has.
    ///
    /// # Errors
    /// When the organisation's policy cannot be read.
    pub(crate) async fn admission(
        &self,
        path: RegistrationPath,
        org: &OrgId,
        cmd: &RegisterApplication,
        metadata: ClientMetadataRecord,
        allowance: Option<&SelfRegistrationAllowance>,
        held: Option<&OAuthApplication>,
    ) -> Result<Admission, RepositoryError> {
        let policy = self.ports.policies.policy(org).await?;
        let secret_lifetime = policy.as_ref().and_then(|p| p.secret_lifetime);
        let (limits, profile) = policy
            .map(|p| (p.self_registration, p.profile))
            .unwrap_or_default();
        let limits = if path.is_self_service() {
            let permit = self.self_registration_permit(&limits, allowance, held);
            self.check_permit(&permit, cmd).err()
        } else {
            None
        };
        Ok(Admission::new(
            path,
            ClientMetadata::new(metadata),
            limits,
            profile,
            cmd.app_type.is_some(),
        )
        .with_secret_lifetime(secret_lifetime))
    }

    /// Checks `cmd` against `permit` (see [`SelfRegistrationPermit::check`]).
    pub(crate) fn check_permit(
        &self,
        permit: &SelfRegistrationPermit,
        cmd: &RegisterApplication,
    ) -> Result<(), ValidationErrors> {
        permit.check(
            cmd.grant_types.as_deref(),
            cmd.allowed_scopes.as_deref().unwrap_or_default(),
            cmd.token_endpoint_auth_method.as_deref(),
            &self.config.scope_catalog,
        )
    }

    /// Checks a self-registration without writing anything: the application's rules, the
    /// client's metadata and what its organisation lets clients that register themselves
    /// have (with what `allowance`, an initial access token's, adds), every broken rule
    /// named.
    ///
    /// # Errors
    /// [`RegisterError::Invalid`] naming every field that breaks a rule;
    /// `Unavailable` / `Unexpected` when the organisation's policy cannot be read.
    pub async fn check_self_registration(
        &self,
        requested: &RequestedClient,
        allowance: Option<&SelfRegistrationAllowance>,
    ) -> Result<(), RegisterError> {
        let cmd = &requested.cmd;
        let org = owner_of(cmd)?;
        self.admission(
            RegistrationPath::SelfRegistration,
            &org,
            cmd,
            requested.metadata.clone(),
            allowance,
            None,
        )
        .await?
        .with_type_given(requested.application_type_given)
        .judge(self.validate_new(cmd))
        .map(|_| ())
        .map_err(RegisterError::Invalid)
    }

    /// Registers a client that registers itself (RFC 7591 §3), `principal` standing for
    /// what allowed it (the initial access token it presented, say, whose `allowance` it
    /// may have beyond its organisation's self-registration policy): the application, its
    /// metadata, and a new registration access token whose digest alone is kept.
    ///
    /// # Errors
    /// As [`ApplicationService::register`]; [`RegisterError::Invalid`] names broken
    /// metadata and what the organisation does not let clients that register themselves
    /// have too.
    pub async fn register_self(
        &self,
        principal: &Principal,
        requested: RequestedClient,
        allowance: Option<&SelfRegistrationAllowance>,
    ) -> Result<SelfRegistered, RegisterError> {
        let RequestedClient {
            cmd,
            metadata,
            application_type_given,
        } = requested;
        let org = owner_of(&cmd)?;
        let admission = self
            .admission(
                RegistrationPath::SelfRegistration,
                &org,
                &cmd,
                metadata,
                allowance,
                None,
            )
            .await?
            .with_type_given(application_type_given);
        let token = self.new_registration_token()?;
        let details = RegistrationDetails {
            metadata: ClientMetadata::EMPTY,
            access_token: Some(token.digest()),
            document: None,
        };
        let registered = self
            .register_with(principal, cmd, &admission, details, None)
            .await?;
        Ok(SelfRegistered {
            registered,
            registration_access_token: token,
        })
    }

    /// The client `client_id` as it reads its registration (RFC 7592 §2.1) with
    /// `presented`. A use of the token (to read, replace or delete) is noted as a
    /// registration read: the client is alive (see `with_registration_reads`).
    ///
    /// # Errors
    /// [`ManageRegistrationError::InvalidToken`] unless `client_id` names an active client
    /// that registered itself and `presented` is its registration access token;
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn self_registered(
        &self,
        client_id: &str,
        presented: &str,
    ) -> Result<OAuthApplication, ManageRegistrationError> {
        let client_id =
            ClientId::parse(client_id).map_err(|_| ManageRegistrationError::InvalidToken)?;
        let app = self
            .ports
            .repository
            .find_by_client_id(&client_id)
            .await?
            .ok_or(ManageRegistrationError::InvalidToken)?;
        manageable(&app, presented)?;
        self.note_registration_read(&app).await;
        Ok(app)
    }

    /// Replaces the client's registration with `cmd` and `metadata` (RFC 7592 §2.2: what is
    /// left out is removed: its keys, its descriptive metadata; its method is the default
    /// one), and rotates its registration access token: the one presented stops working,
    /// the new one is returned with the application. The client acts as an admin of its
    /// organisation, recorded in the audit trail as its registration access token (with
    /// `request_id`). A `client_secret` in the replacement must be the client's current
    /// secret. The replacement may keep what the client has, and otherwise only what its
    /// organisation lets clients that register themselves have.
    ///
    /// # Errors
    /// [`ManageRegistrationError::InvalidToken`] as for
    /// [`ApplicationService::self_registered`] (also when a concurrent replacement rotated
    /// the token first); [`ManageRegistrationError::Invalid`] naming every broken rule (the
    /// type and the owner cannot change); [`ManageRegistrationError::SecretMismatch`];
    /// `Conflict`, `Unavailable`, `Unexpected`. Nothing is written on error.
    pub async fn replace_self_registration(
        &self,
        request_id: Option<&str>,
        client_id: &str,
        presented: &str,
        client_secret: Option<&str>,
        requested: RequestedClient,
    ) -> Result<(OAuthApplication, AccessTokenSecret), ManageRegistrationError> {
        let RequestedClient {
            cmd,
            metadata,
            application_type_given,
        } = requested;
        let app = self.self_registered(client_id, presented).await?;
        if let Some(secret) = client_secret {
            let matches = match app.secrets() {
                Some(secrets) => {
                    self.ports
                        .hasher
                        .verify(
                            secret,
                            &secrets.current().credential.hash,
                            &registration_actor(app.client_id()),
                        )
                        .await?
                }
                None => false,
            };
            if !matches {
                return Err(ManageRegistrationError::SecretMismatch);
            }
        }
        let admission = self
            .admission(
                RegistrationPath::RegistrationUpdate,
                app.owner_org_id(),
                &cmd,
                metadata,
                None,
                Some(&app),
            )
            .await?
            .with_type_given(application_type_given);
        let (patch, whole) = ApplicationPatch::replacing(cmd, &app, false);
        let token = self.new_registration_token()?;
        let digest = token.digest();
        let principal = acting_for(request_id, &app);
        let target = AppRef::ClientId(*app.client_id());
        let next = self
            .write_from(
                Some(app),
                &principal,
                &target,
                None,
                AuditAction::Updated,
                |current, now| -> Result<Change, ManageRegistrationError> {
                    manageable(current, presented)?;
                    let (applied, metadata) = admission.judge_change(
                        current,
                        patch.apply_whole(&principal, current, self, now, whole),
                    )?;
                    let mut changed = current.details().metadata.changed_fields(&metadata);
                    changed.push(ChangedField::Registration);
                    let details = RegistrationDetails {
                        metadata,
                        access_token: Some(digest),
                        document: None,
                    };
                    Ok(Some(match applied {
                        Some((next, mut fields)) => {
                            fields.extend(changed);
                            (next.replacing_details(details), fields)
                        }
                        None => (current.with_details(details, now), changed),
                    }))
                },
            )
            .await?;
        Ok((next, token))
    }

    /// Deletes the client's registration (RFC 7592 §2.3): the application is disabled, as
    /// the management API's delete does, and its registration access token stops working
    /// (so later calls are refused, whoever enables the application again).
    ///
    /// # Errors
    /// As [`ApplicationService::self_registered`]; `Conflict`, `Unavailable`, `Unexpected`.
    pub async fn delete_self_registration(
        &self,
        request_id: Option<&str>,
        client_id: &str,
        presented: &str,
    ) -> Result<(), ManageRegistrationError> {
        let app = self.self_registered(client_id, presented).await?;
        let principal = acting_for(request_id, &app);
        let target = AppRef::ClientId(*app.client_id());
        self.write_from(
            Some(app),
            &principal,
            &target,
            None,
            AuditAction::Disabled,
            |current, now| -> Result<Change, ManageRegistrationError> {
                manageable(current, presented)?;
                let details = RegistrationDetails {
                    access_token: None,
                    ..current.details().clone()
                };
                Ok(Some((
                    current
                        .with_status(Status::Revoked, now)
                        .replacing_details(details),
                    vec![ChangedField::Status, ChangedField::Registration],
                )))
            },
        )
        .await
        .map(|_| ())
    }

    fn new_registration_token(&self) -> Result<AccessTokenSecret, RandomError> {
        let mut bytes = [0u8; ACCESS_TOKEN_RANDOM_BYTES];
        self.ports.random.fill(&mut bytes)?;
        Ok(AccessTokenSecret::from_random_bytes(
            REGISTRATION_ACCESS_TOKEN_PREFIX,
            &bytes,
        ))
    }
}

/// Whether the client may manage its registration with `presented`.
fn manageable(app: &OAuthApplication, presented: &str) -> Result<(), ManageRegistrationError> {
    if app.registration() == Registration::Dynamic
        && !app.is_disabled()
        && app.accepts_registration_token(presented)
    {
        Ok(())
    } else {
        Err(ManageRegistrationError::InvalidToken)
    }
}

/// The client acting as an admin of `app`'s organisation, recorded as `app`'s registration
/// access token.
fn acting_for(request_id: Option<&str>, app: &OAuthApplication) -> Principal {
    let principal = Principal::new(registration_actor(app.client_id()))
        .with_org(app.owner_org_id().as_str(), OrgRole::Admin);
    match request_id {
        Some(id) => principal.with_request_id(id),
        None => principal,
    }
}
