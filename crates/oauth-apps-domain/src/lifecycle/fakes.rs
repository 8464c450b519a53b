//! In-memory fakes of the lifecycle's ports, for tests (feature `testing`):
//! organisations' policies, and the in-memory repository's secrets that end or leak.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::org_policy::OrganizationPolicy;
use super::ports::{OrganizationPolicies, SecretLifecycleStore, SecretMark};
use crate::applications::application::OAuthApplication;
use crate::applications::fakes::{InMemoryRepository, check_event};
use crate::credentials::rotation::CredentialSerial;
use crate::events::change::AuditEvent;
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
