//! Secrets that end and secrets that leak: organisations' policies (how long new secrets
//! live, what a leak does), the `secret.expiring` warnings at 14, 7 and 1 days before a
//! secret ends (each once), and leak reports from secret scanners.

use std::sync::Arc;

use super::errors::PolicyError;
use super::org_policy::{
    LeakedSecretAction, OrganizationPolicy, SecretLifetime, SelfRegistrationLimits,
    SelfRegistrationNames, StaleAfter,
};
use super::policy_profile::PolicyProfile;
use super::ports::{OrganizationPolicies, SecretLifecycleStore, SecretMark};
use crate::applications::application::OAuthApplication;
use crate::applications::ports::ApplicationRepository;
use crate::applications::scopes_grants::{GrantType, ScopeCatalog};
use crate::credentials::keys::AuthMethod;
use crate::credentials::rotation::CredentialSerial;
use crate::credentials::secret::is_well_formed_secret;
use crate::events::change::ChangedField;
use crate::events::change::{AuditAction, AuditEvent};
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::principal::{self as policy, Action, Denial, Principal};
use crate::shared::time::{Clock, Timestamp};
use crate::shared::validation::{Collector, Field, FieldError};

const NOT_A_POLICY_ADMIN: &str = "only admins of the organisation may set its policy";
/// The actor of the expiry warnings in the audit trail.
pub const EXPIRY_ACTOR: &str = "secret-expiry";
/// The actor of leak reports in the audit trail.
pub const SECRET_SCANNING_ACTOR: &str = "secret-scanning";

/// The ports of the secret lifecycle use cases.
#[derive(Clone)]
pub struct SecretLifecyclePorts {
    /// Where applications are stored (a leak's revocation is a write).
    pub repository: Arc<dyn ApplicationRepository>,
    /// Lookups and marks of secrets.
    pub lifecycle: Arc<dyn SecretLifecycleStore>,
    /// Organisations' policies.
    pub policies: Arc<dyn OrganizationPolicies>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
}

/// What an admin sets: the whole policy (what is left out takes its default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetPolicy {
    /// How long new secrets live, in days (1-3650); `None`: the platform default.
    pub secret_lifetime_days: Option<i64>,
    /// `revoke` (the default) or `notify`.
    pub leaked_secret_action: Option<String>,
    /// What clients that register themselves may have; `None` (or a member of it left
    /// out): the defaults.
    pub self_registration: Option<SelfRegistrationNames>,
    /// `baseline` (the default), `fapi2` or `mcp`.
    pub profile: Option<String>,
    /// After how many quiet days (1-3650) its self-registered clients are disabled;
    /// `None`: never.
    pub stale_after_days: Option<i64>,
}

/// What clients that register themselves may have in an organisation, as it applies (the
/// policy's own values, else the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfRegistrationView {
    /// The grant types.
    pub grant_types: Vec<GrantType>,
    /// The scopes.
    pub scopes: Vec<String>,
    /// The authentication methods.
    pub auth_methods: Vec<AuthMethod>,
}

/// An organisation's policy as it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    /// The organisation.
    pub owner_org_id: OrgId,
    /// The lifetime it set; `None`: the platform default.
    pub secret_lifetime_days: Option<u32>,
    /// The lifetime its new secrets get: its own, else the platform default; `None`: they
    /// do not expire.
    pub effective_secret_lifetime_days: Option<u32>,
    /// What a leak report of a live secret does.
    pub leaked_secret_action: LeakedSecretAction,
    /// What clients that register themselves may have.
    pub self_registration: SelfRegistrationView,
    /// The profile every client of the organisation holds to.
    pub profile: PolicyProfile,
    /// After how many quiet days its self-registered clients are disabled; `None`: never.
    pub stale_after_days: Option<u32>,
    /// Who set it, when it was set.
    pub updated: Option<(String, Timestamp)>,
}

/// One reported token (GitHub's secret scanning partner format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakReport {
    /// The string found.
    pub token: String,
    /// The type the scanner gave it.
    pub token_type: String,
    /// Where it was found.
    pub url: Option<String>,
    /// What kind of place (`content`, `commit`, ...).
    pub source: Option<String>,
}

/// The answer about one reported token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakVerdict {
    /// The string reported.
    pub token: String,
    /// Its type, as reported.
    pub token_type: String,
    /// Whether it is a live secret of this registry.
    pub true_positive: bool,
}

/// The secret lifecycle use cases.
pub struct SecretLifecycleService {
    pub(super) ports: SecretLifecyclePorts,
    default_lifetime: Option<SecretLifetime>,
    catalog: ScopeCatalog,
    /// Where quiet self-registered clients are found; `None`: they are never swept.
    pub(super) stale: Option<Arc<dyn super::ports::StaleClientStore>>,
}

impl SecretLifecycleService {
    /// The use cases over `ports`, with the platform's default lifetime and the default
    /// scope catalog (see [`SecretLifecycleService::with_scope_catalog`]).
    #[must_use]
    pub fn new(ports: SecretLifecyclePorts, default_lifetime: Option<SecretLifetime>) -> Self {
        Self {
            ports,
            default_lifetime,
            catalog: ScopeCatalog::default(),
            stale: None,
        }
    }

    /// With `catalog`, whose self-registrable scopes a policy's self-registration limits
    /// may name (the platform's `OAUTH_APPS_SCOPES` and
    /// `OAUTH_APPS_SELF_REGISTRATION_SCOPES`).
    #[must_use]
    pub fn with_scope_catalog(self, catalog: ScopeCatalog) -> Self {
        Self { catalog, ..self }
    }

    fn view(&self, org: OrgId, stored: Option<OrganizationPolicy>) -> PolicyView {
        let own = stored.as_ref().and_then(|p| p.secret_lifetime);
        let limits = stored
            .as_ref()
            .map(|p| p.self_registration.clone())
            .unwrap_or_default();
        PolicyView {
            owner_org_id: org,
            secret_lifetime_days: own.map(SecretLifetime::days),
            effective_secret_lifetime_days: own.or(self.default_lifetime).map(SecretLifetime::days),
            leaked_secret_action: stored
                .as_ref()
                .map_or(LeakedSecretAction::default(), |p| p.leaked_secret_action),
            self_registration: SelfRegistrationView {
                grant_types: limits.grant_types().to_vec(),
                scopes: limits.scopes(&self.catalog),
                auth_methods: limits.auth_methods().to_vec(),
            },
            profile: stored.as_ref().map(|p| p.profile).unwrap_or_default(),
            stale_after_days: stored
                .as_ref()
                .and_then(|p| p.stale_after)
                .map(StaleAfter::days),
            updated: stored.map(|p| (p.updated_by, p.updated_at)),
        }
    }

    /// The policy of `org`: for its members and admins.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] for a malformed id, [`PolicyError::NotFound`] for an
    /// organisation the caller is outside of.
    pub async fn policy(
        &self,
        principal: &Principal,
        org: &str,
    ) -> Result<PolicyView, PolicyError> {
        let org = OrgId::parse(org)
            .map_err(|v| PolicyError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        policy::authorize(principal, &org, Action::Read).map_err(|_| PolicyError::NotFound)?;
        let stored = self.ports.policies.policy(&org).await?;
        Ok(self.view(org, stored))
    }

    /// Replaces the policy of `org`. New secrets get the new lifetime; secrets issued
    /// before keep their end. Clients that register themselves are held to the new
    /// self-registration limits from their next registration, replacement or resolution.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] naming every field that breaks a rule (a self-registration
    /// scope the platform does not let clients register themselves for among them);
    /// [`PolicyError::NotFound`] / [`PolicyError::Forbidden`] for outsiders / members.
    pub async fn set_policy(
        &self,
        principal: &Principal,
        org: &str,
        request: SetPolicy,
    ) -> Result<PolicyView, PolicyError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(org));
        let lifetime = match request.secret_lifetime_days {
            None => Some(None),
            Some(days) => c
                .check(Field::SecretLifetimeDays, SecretLifetime::from_days(days))
                .map(Some),
        };
        let action = match request.leaked_secret_action.as_deref() {
            None => Some(LeakedSecretAction::default()),
            Some(name) => c.check(Field::LeakedSecretAction, LeakedSecretAction::parse(name)),
        };
        let limits = match &request.self_registration {
            None => Some(SelfRegistrationLimits::default()),
            Some(names) => match SelfRegistrationLimits::parse(names, &self.catalog) {
                Ok(limits) => Some(limits),
                Err(errors) => {
                    for error in errors.errors() {
                        c.push(error.clone());
                    }
                    None
                }
            },
        };
        let profile = match request.profile.as_deref() {
            None => Some(PolicyProfile::default()),
            Some(name) => c.check(Field::PolicyProfile, PolicyProfile::parse(name)),
        };
        let stale_after = match request.stale_after_days {
            None => Some(None),
            Some(days) => c
                .check(Field::StaleAfterDays, StaleAfter::from_days(days))
                .map(Some),
        };
        let (
            Some(org),
            Some(lifetime),
            Some(action),
            Some(limits),
            Some(profile),
            Some(stale_after),
        ) = (org, lifetime, action, limits, profile, stale_after)
        else {
            return Err(PolicyError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Write).map_err(|d| match d {
            Denial::Hidden => PolicyError::NotFound,
            Denial::Forbidden => PolicyError::Forbidden(NOT_A_POLICY_ADMIN),
        })?;
        let stored = OrganizationPolicy {
            owner_org_id: org.clone(),
            secret_lifetime: lifetime,
            leaked_secret_action: action,
            self_registration: limits,
            profile,
            stale_after,
            updated_by: principal.subject().to_owned(),
            updated_at: self.ports.clock.now(),
        };
        self.ports.policies.put_policy(&stored).await?;
        Ok(self.view(org, Some(stored)))
    }

    /// Emits the expiry warnings due now: for each application whose current secret ends
    /// within 14 days, a `secret_expiring` event at the smallest of the 14, 7 and 1 day
    /// thresholds reached, unless it was emitted; up to `limit` applications a call. How
    /// many warnings were emitted.
    ///
    /// # Errors
    /// [`RepositoryError`] when storage fails.
    pub async fn warn_expiring(&self, limit: u32) -> Result<usize, RepositoryError> {
        let now = self.ports.clock.now();
        // Up to and including 14 days from now.
        let soon = now.plus_seconds(14 * 86_400 + 1);
        let apps = self
            .ports
            .lifecycle
            .secrets_ending_between(now, soon, limit)
            .await?;
        let mut emitted = 0;
        for app in apps {
            let Some(current) = app.secrets().map(|s| s.current().clone()) else {
                continue;
            };
            let Some(days) = current.credential.lifecycle.expiry_warning_due(now) else {
                continue;
            };
            let event = system_event(AuditAction::SecretExpiring, EXPIRY_ACTOR, now);
            if self
                .ports
                .lifecycle
                .mark_secret(
                    app.id(),
                    current.serial,
                    SecretMark::ExpiryWarned(days),
                    &event,
                )
                .await?
            {
                emitted += 1;
            }
        }
        Ok(emitted)
    }

    /// Answers a secret scanner's report. A string that is not a well-formed secret of
    /// this registry (prefix, length, checksum) is a false positive without a lookup; a
    /// live current or previous secret is a true positive: `secret_leaked` is recorded
    /// and, under the organisation's `revoke` policy (the default), the secret stops
    /// authenticating at once. A secret that no longer authenticates is a false positive.
    ///
    /// # Errors
    /// [`RepositoryError`] when storage fails.
    pub async fn report_leaks(
        &self,
        reports: Vec<LeakReport>,
    ) -> Result<Vec<LeakVerdict>, RepositoryError> {
        let mut verdicts = Vec::with_capacity(reports.len());
        for report in reports {
            let true_positive =
                is_well_formed_secret(&report.token) && self.leaked(&report.token).await?;
            verdicts.push(LeakVerdict {
                token: report.token,
                token_type: report.token_type,
                true_positive,
            });
        }
        Ok(verdicts)
    }

    /// Whether `token` is a live secret; if it is, its leak is recorded and acted on.
    async fn leaked(&self, token: &str) -> Result<bool, RepositoryError> {
        let digest = TokenDigest::of(token);
        for _ in 0..8 {
            let Some(app) = self.ports.lifecycle.find_by_secret_lookup(digest).await? else {
                return Ok(false);
            };
            let now = self.ports.clock.now();
            let Some(serial) = live_secret(&app, digest, now) else {
                return Ok(false);
            };
            let action = self
                .ports
                .policies
                .policy(app.owner_org_id())
                .await?
                .map_or(LeakedSecretAction::default(), |p| p.leaked_secret_action);
            let event = system_event(AuditAction::SecretLeaked, SECRET_SCANNING_ACTOR, now);
            match action {
                LeakedSecretAction::Notify => {
                    self.ports
                        .lifecycle
                        .mark_secret(app.id(), serial, SecretMark::Leaked(now), &event)
                        .await?;
                    return Ok(true);
                }
                LeakedSecretAction::Revoke => {
                    let next = app.with_leaked_secret_revoked(serial, now);
                    match self
                        .ports
                        .repository
                        .update(&next, app.version(), &event)
                        .await
                    {
                        Ok(()) => return Ok(true),
                        // Changed meanwhile: look again.
                        Err(RepositoryError::VersionConflict) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Err(RepositoryError::VersionConflict)
    }
}

/// The serial of `app`'s secret with lookup `digest` if it authenticates at `now`.
fn live_secret(
    app: &OAuthApplication,
    digest: TokenDigest,
    now: Timestamp,
) -> Option<CredentialSerial> {
    let secrets = app.secrets()?;
    secrets
        .valid_at(now)
        .find(|s| s.credential.lifecycle.lookup == Some(digest))
        .map(|s| s.serial)
}

/// An event the service records of itself.
fn system_event(action: AuditAction, actor: &str, at: Timestamp) -> AuditEvent {
    AuditEvent {
        action,
        actor: actor.to_owned(),
        request_id: None,
        client_request_id: None,
        changed_fields: vec![ChangedField::Secret],
        at,
    }
}
