//! The in-memory fake of application storage, for tests (feature `testing`): it keeps the
//! repository's contract (compare-and-set, org-scoped lookups, newest-first order).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::application::{NewApplication, OAuthApplication};
use super::ports::ApplicationRepository;
use crate::credentials::method::{CREDENTIAL_USE_RESOLUTION_SECONDS, CredentialRef};
use crate::events::change::{AuditEvent, StoredAuditEvent};
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::page::Cursor;
use crate::shared::time::Timestamp;
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) apps: Vec<OAuthApplication>,
    pub(crate) events: Vec<(AppId, AuditEvent)>,
    /// The credentials' last uses, kept apart from the applications as a store keeps
    /// them (an update does not overwrite them).
    pub(crate) uses: HashMap<(AppId, CredentialRef), Timestamp>,
    /// How many uses were written.
    pub(crate) uses_written: usize,
}

impl Store {
    /// `app` with the uses written since it was stored.
    pub(crate) fn seen(&self, app: &OAuthApplication) -> OAuthApplication {
        self.uses
            .iter()
            .filter(|((id, _), _)| *id == app.id())
            .fold(app.clone(), |app, ((_, credential), at)| {
                app.with_recorded_use(*credential, *at)
            })
    }
}

/// Applications and audit events in memory.
#[derive(Default)]
pub struct InMemoryRepository {
    store: Mutex<Store>,
}

impl InMemoryRepository {
    /// An empty repository.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The audit events recorded so far, oldest first.
    ///
    /// # Panics
    /// When a previous user of the store panicked while holding it.
    #[must_use]
    pub fn events(&self) -> Vec<(AppId, AuditEvent)> {
        self.lock().events.clone()
    }

    /// How many applications are stored.
    #[must_use]
    pub fn application_count(&self) -> usize {
        self.lock().apps.len()
    }

    /// How many credential uses were written (see
    /// [`ApplicationRepository::record_use`]).
    #[must_use]
    pub fn uses_written(&self) -> usize {
        self.lock().uses_written
    }

    /// How many audit events are stored.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.lock().events.len()
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn newest_first(&self, org: &OrgId) -> Vec<OAuthApplication> {
        let store = self.lock();
        let mut apps: Vec<_> = store
            .apps
            .iter()
            .filter(|a| a.owner_org_id() == org)
            .map(|a| store.seen(a))
            .collect();
        apps.sort_by_key(|a| std::cmp::Reverse((a.created_at(), a.id())));
        apps
    }
}

#[async_trait]
impl ApplicationRepository for InMemoryRepository {
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError> {
        let mut store = self.lock();
        if store.apps.iter().any(|a| a.client_id() == app.client_id()) {
            return Err(RepositoryError::DuplicateClientId);
        }
        let next = i64::try_from(store.apps.len()).unwrap_or(i64::MAX - 1) + 1;
        let id = AppId::new(next).map_err(|e| RepositoryError::Unexpected(Box::new(e)))?;
        store.apps.push(app.clone().with_id(id));
        store.events.push((id, event.clone()));
        Ok(id)
    }

    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        Ok(store
            .apps
            .iter()
            .find(|a| a.client_id() == client_id)
            .map(|a| store.seen(a)))
    }

    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let store = self.lock();
        Ok(store
            .apps
            .iter()
            .find(|a| a.id() == id && a.owner_org_id() == org)
            .map(|a| store.seen(a)))
    }

    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        Ok(self
            .newest_first(org)
            .into_iter()
            .filter(|a| after.is_none_or(|c| (a.created_at(), a.id()) < (c.created_at, c.id)))
            .filter(|a| {
                name.is_none_or(|n| {
                    a.profile()
                        .name()
                        .as_str()
                        .to_lowercase()
                        .contains(&n.to_lowercase())
                })
            })
            .take(limit as usize)
            .collect())
    }

    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError> {
        let all = self.newest_first(org);
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .collect();
        Ok((page, total))
    }

    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError> {
        let store = self.lock();
        let mut events: Vec<StoredAuditEvent> = store
            .events
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| *id == app)
            .map(|(i, (_, event))| StoredAuditEvent {
                id: i64::try_from(i).unwrap_or(i64::MAX - 1) + 1,
                event: event.clone(),
            })
            .filter(|e| before.is_none_or(|b| e.id < b))
            .collect();
        events.reverse();
        events.truncate(limit as usize);
        Ok(events)
    }

    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        if events.is_empty() {
            return Err(RepositoryError::Unexpected(
                "a change without an event to record".into(),
            ));
        }
        let mut store = self.lock();
        let slot = store
            .apps
            .iter_mut()
            .find(|a| a.id() == app.id())
            .ok_or(RepositoryError::NotFound)?;
        if slot.version() != expected {
            return Err(RepositoryError::VersionConflict);
        }
        *slot = app.clone();
        store
            .events
            .extend(events.iter().map(|event| (app.id(), event.clone())));
        Ok(())
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let mut store = self.lock();
        if !store.apps.iter().any(|a| a.id() == app) {
            return Ok(false);
        }
        let recent = store
            .uses
            .get(&(app, credential))
            .is_some_and(|last| last.plus_seconds(CREDENTIAL_USE_RESOLUTION_SECONDS) > at);
        if recent {
            return Ok(false);
        }
        store.uses.insert((app, credential), at);
        store.uses_written += 1;
        Ok(true)
    }
}
