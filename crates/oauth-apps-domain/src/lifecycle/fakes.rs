//! In-memory fakes of the lifecycle's ports, for tests (feature `testing`):
//! organisations' policies, the in-memory repository's secrets that end or leak, and its
//! self-registered clients' reads and warnings ([`InMemoryStaleClients`]).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::org_policy::{OrganizationPolicy, StaleAfter};
use super::ports::{
    OrganizationPolicies, QuietClient, RegistrationReads, SecretLifecycleStore, SecretMark,
    StaleClientStore,
};
use super::stale_clients::Quietness;
use crate::applications::application::OAuthApplication;
use crate::applications::fakes::{InMemoryRepository, check_event};
use crate::credentials::method::CREDENTIAL_USE_RESOLUTION_SECONDS;
use crate::credentials::rotation::CredentialSerial;
use crate::events::change::AuditEvent;
use crate::registration::details::Registration;
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, OrgId};
use crate::shared::time::Timestamp;

/// Organisations' policies in memory.
#[derive(Default)]
pub struct InMemoryPolicies {
    policies: Mutex<HashMap<OrgId, OrganizationPolicy>>,
}

impl InMemoryPolicies {
    /// No policy set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl OrganizationPolicies for InMemoryPolicies {
    async fn policy(&self, org: &OrgId) -> Result<Option<OrganizationPolicy>, RepositoryError> {
        Ok(self.policies.lock().expect("lock").get(org).cloned())
    }

    async fn put_policy(&self, policy: &OrganizationPolicy) -> Result<(), RepositoryError> {
        self.policies
            .lock()
            .expect("lock")
            .insert(policy.owner_org_id.clone(), policy.clone());
        Ok(())
    }
}

#[async_trait]
impl SecretLifecycleStore for InMemoryRepository {
    async fn find_by_secret_lookup(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        Ok(store
            .apps
            .iter()
            .find(|app| {
                app.secrets().is_some_and(|s| {
                    s.current().credential.lifecycle.lookup == Some(digest)
                        || s.previous()
                            .is_some_and(|p| p.issued.credential.lifecycle.lookup == Some(digest))
                })
            })
            .map(|app| store.seen(app)))
    }

    async fn secrets_ending_between(
        &self,
        after: Timestamp,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        let mut apps: Vec<OAuthApplication> = store
            .apps
            .iter()
            .filter(|app| {
                app.secrets()
                    .and_then(|s| s.current().credential.lifecycle.expires_at)
                    .is_some_and(|end| after < end && end < before)
            })
            .map(|app| store.seen(app))
            .collect();
        apps.sort_by_key(|app| {
            app.secrets()
                .and_then(|s| s.current().credential.lifecycle.expires_at)
        });
        apps.truncate(limit as usize);
        Ok(apps)
    }

    async fn mark_secret(
        &self,
        app: AppId,
        serial: CredentialSerial,
        mark: SecretMark,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError> {
        use super::ports::SecretMark;
        check_event(event)?;
        let mut store = self.lock();
        let Some(index) = store.apps.iter().position(|a| a.id() == app) else {
            return Ok(false);
        };
        let stored = store.apps[index].clone();
        let Some(secrets) = stored.secrets() else {
            return Ok(false);
        };
        let secret = std::iter::once(secrets.current())
            .chain(secrets.previous().map(|p| &p.issued))
            .find(|s| s.serial == serial);
        let Some(secret) = secret else {
            return Ok(false);
        };
        let applies = match mark {
            SecretMark::ExpiryWarned(days) => secret
                .credential
                .lifecycle
                .expiry_warned_days
                .is_none_or(|warned| warned > days),
            SecretMark::Leaked(_) => secret.credential.lifecycle.leaked_at.is_none(),
        };
        if !applies {
            return Ok(false);
        }
        store.apps[index] = stored.with_secret_lifecycle(serial, |l| match mark {
            SecretMark::ExpiryWarned(days) => l.expiry_warned_days = Some(days),
            SecretMark::Leaked(at) => l.leaked_at = Some(at),
        });
        self.record(&mut store, app, event);
        Ok(true)
    }
}

impl InMemoryPolicies {
    /// Every stored policy.
    fn all(&self) -> Vec<OrganizationPolicy> {
        self.policies
            .lock()
            .expect("lock")
            .values()
            .cloned()
            .collect()
    }
}

/// A client's latest registration read and latest warning.
type Marks = (Option<Timestamp>, Option<Timestamp>);

/// What storage keeps of a self-registered client's quiet period, in memory: its
/// registration reads and warnings, beside the in-memory repository's applications and the
/// in-memory policies.
pub struct InMemoryStaleClients {
    repository: std::sync::Arc<InMemoryRepository>,
    policies: std::sync::Arc<InMemoryPolicies>,
    /// By application: the latest read, the latest warning.
    marks: Mutex<HashMap<AppId, Marks>>,
}

impl InMemoryStaleClients {
    /// Over `repository`'s applications and `policies`.
    #[must_use]
    pub fn new(
        repository: std::sync::Arc<InMemoryRepository>,
        policies: std::sync::Arc<InMemoryPolicies>,
    ) -> Self {
        Self {
            repository,
            policies,
            marks: Mutex::default(),
        }
    }

    /// Whether `app` is stored and registered itself (storage keeps marks of those only).
    fn self_registered(&self, app: AppId) -> bool {
        let store = self.repository.lock();
        store
            .apps
            .iter()
            .any(|a| a.id() == app && a.registration() != Registration::Manual)
    }

    fn marks_of(&self, app: AppId) -> Marks {
        self.marks
            .lock()
            .expect("lock")
            .get(&app)
            .copied()
            .unwrap_or_default()
    }
}

#[async_trait]
impl RegistrationReads for InMemoryStaleClients {
    async fn record_registration_read(
        &self,
        app: AppId,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        if !self.self_registered(app) {
            return Ok(false);
        }
        let mut marks = self.marks.lock().expect("lock");
        let entry = marks.entry(app).or_default();
        if entry
            .0
            .is_some_and(|last| last.plus_seconds(CREDENTIAL_USE_RESOLUTION_SECONDS) > at)
        {
            return Ok(false);
        }
        entry.0 = Some(at);
        Ok(true)
    }
}

#[async_trait]
impl StaleClientStore for InMemoryStaleClients {
    async fn quiet_periods(&self) -> Result<Vec<(OrgId, StaleAfter)>, RepositoryError> {
        let mut periods: Vec<(OrgId, StaleAfter)> = self
            .policies
            .all()
            .into_iter()
            .filter_map(|p| p.stale_after.map(|s| (p.owner_org_id, s)))
            .collect();
        periods.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(periods)
    }

    async fn quiet_clients(
        &self,
        org: &OrgId,
        quiet_since: Timestamp,
        after: Option<AppId>,
        limit: u32,
    ) -> Result<Vec<QuietClient>, RepositoryError> {
        let apps: Vec<OAuthApplication> = {
            let store = self.repository.lock();
            store.apps.iter().map(|app| store.seen(app)).collect()
        };
        let mut quiet: Vec<QuietClient> = apps
            .into_iter()
            .filter(|app| {
                app.owner_org_id() == org
                    && !app.is_disabled()
                    && app.registration() != Registration::Manual
                    && after.is_none_or(|after| app.id().get() > after.get())
            })
            .map(|app| {
                let (last_read, warned_at) = self.marks_of(app.id());
                QuietClient {
                    app,
                    last_read,
                    warned_at,
                }
            })
            .filter(|c| Quietness::of(&c.app, c.last_read, None).last_heard_of() < quiet_since)
            .collect();
        quiet.sort_by_key(|c| c.app.id().get());
        quiet.truncate(limit as usize);
        Ok(quiet)
    }

    async fn mark_stale_warned(
        &self,
        app: AppId,
        heard: Timestamp,
        at: Timestamp,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError> {
        check_event(event)?;
        if !self.self_registered(app) {
            return Ok(false);
        }
        {
            let mut marks = self.marks.lock().expect("lock");
            let entry = marks.entry(app).or_default();
            if entry.1.is_some_and(|warned| warned >= heard) {
                return Ok(false);
            }
            entry.1 = Some(at);
        }
        let mut store = self.repository.lock();
        self.repository.record(&mut store, app, event);
        Ok(true)
    }
}
