//! The use cases' service: [`ApplicationService`] over its [`Ports`] and [`ServiceConfig`],
//! and what its use cases share: loading an application for a caller, the
//! compare-and-set loop every change goes through, the audit events a change records, and
//! the checks and helpers of the requests' fields.

use crate::registration::pipeline::Admission;
use std::sync::{Arc, OnceLock};

use super::application::OAuthApplication;
use super::attributes::{AccessLevel, AppName, AppType, Description};
use super::ports::ApplicationRepository;
use super::profile::{Profile, grant_rule_errors};
use super::redirect::RedirectUrls;
use super::scopes_grants::{GrantTypes, ScopeCatalog, Scopes};
use crate::credentials::ports::{AssertionVerifier, KeyDirectory, ReplayGuard, SecretHasher};
use crate::credentials::secret::{ClientSecret, SECRET_RANDOM_BYTES, SecretHash};
use crate::events::change::ChangedField;
use crate::events::change::{AuditAction, AuditEvent};
use crate::lifecycle::org_policy::SecretLifetime;
use crate::lifecycle::ports::OrganizationPolicies;
use crate::registration::host_patterns::HostPatterns;
use crate::registration::ports::MetadataDocuments;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, ClientId, OrgId};
use crate::shared::operation_error::Failure;
use crate::shared::precondition::Precondition;
use crate::shared::principal::{self as policy, Action, Denial, Principal};
use crate::shared::random::{RandomError, RandomSource};
use crate::shared::time::{Clock, Timestamp};
use crate::shared::validation::{Collector, Field, ValidationErrors, Violation};

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
    pub policies: Arc<dyn OrganizationPolicies>,
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
    pub default_secret_lifetime: Option<SecretLifetime>,
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

/// What a write computes from the current state: the next state and the fields that
/// changed, or `None` when nothing changes.
pub(crate) type Change = Option<(OAuthApplication, Vec<ChangedField>)>;

/// The use cases. Every one checks who may do it ([`crate::policy`]) before it acts.
pub struct ApplicationService {
    pub(crate) ports: Ports,
    pub(crate) config: ServiceConfig,
    pub(crate) dummy_hash: OnceLock<SecretHash>,
    /// Where registration reads are noted (see `with_registration_reads`).
    pub(crate) reads: Option<Arc<dyn crate::lifecycle::ports::RegistrationReads>>,
}

impl ApplicationService {
    /// A service over `ports` with `config`.
    #[must_use]
    pub fn new(ports: Ports, config: ServiceConfig) -> Self {
        Self {
            ports,
            config,
            dummy_hash: OnceLock::new(),
            reads: None,
        }
    }

    /// The service's settings.
    #[must_use]
    pub const fn config(&self) -> &ServiceConfig {
        &self.config
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

    /// The admission of an admin's request into `org`: under the profile its policy holds
    /// its clients to (`baseline` without a policy), with the secret lifetime it sets, both
    /// from one read of the policy; `type_given`: whether the request named the type.
    ///
    /// # Errors
    /// When the policy cannot be read.
    pub(crate) async fn management_admission(
        &self,
        org: &OrgId,
        type_given: bool,
    ) -> Result<Admission, RepositoryError> {
        let policy = self.ports.policies.policy(org).await?;
        Ok(Admission::management(
            policy.as_ref().map(|p| p.profile).unwrap_or_default(),
            type_given,
        )
        .with_secret_lifetime(policy.and_then(|p| p.secret_lifetime)))
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
        Ok(self.lifetime_days(own))
    }

    /// How long a secret lives, in days, when its organisation's policy sets `own`: that,
    /// else the platform default; `None`: for ever.
    pub(crate) fn lifetime_days(&self, own: Option<SecretLifetime>) -> Option<u32> {
        own.or(self.config.default_secret_lifetime)
            .map(SecretLifetime::days)
    }

    pub(crate) fn new_secret(&self) -> Result<ClientSecret, RandomError> {
        let mut bytes = [0u8; SECRET_RANDOM_BYTES];
        self.ports.random.fill(&mut bytes)?;
        Ok(ClientSecret::from_random_bytes(&bytes))
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
    changed: Vec<ChangedField>,
    next: &OAuthApplication,
    at: Timestamp,
) -> Vec<AuditEvent> {
    if action != AuditAction::Updated || !changed.contains(&ChangedField::Status) {
        return vec![audit(principal, action, changed, at)];
    }
    let status_change = if next.is_disabled() {
        AuditAction::Disabled
    } else {
        AuditAction::Enabled
    };
    let others: Vec<ChangedField> = changed
        .into_iter()
        .filter(|f| *f != ChangedField::Status)
        .collect();
    let mut events = Vec::with_capacity(2);
    if !others.is_empty() {
        events.push(audit(principal, AuditAction::Updated, others, at));
    }
    events.push(audit(
        principal,
        status_change,
        vec![ChangedField::Status],
        at,
    ));
    events
}

pub(crate) fn audit(
    principal: &Principal,
    action: AuditAction,
    changed_fields: Vec<ChangedField>,
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
