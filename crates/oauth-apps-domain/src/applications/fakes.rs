//! The in-memory fake of application storage, for tests (feature `testing`): it keeps the
//! repository's contract (compare-and-set, org-scoped lookups, newest-first order, one
//! feed of every event, a delivery of each event for every webhook that hears it) and is
//! checked by the same contract suite as the stores (`oauth-apps-test-support`'s
//! `fakes` module).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::application::{NewApplication, OAuthApplication};
use super::ports::{ApplicationArchive, ApplicationRepository, ArchivedApplication};
use crate::credentials::method::{
    CREDENTIAL_USE_RESOLUTION_SECONDS, CredentialKind, CredentialRef,
};
use crate::events::change::{AuditEvent, StoredAuditEvent};
use crate::events::feed::FeedEntry;
use crate::events::webhooks::fakes::InMemoryWebhooks;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{AppId, ClientId, OrgId, Version};
use crate::shared::page::Cursor;
use crate::shared::time::Timestamp;

/// One recorded audit event: its id (also its position in the change feed), its
/// application, the event.
#[derive(Clone)]
pub(crate) struct RecordedEvent {
    pub(crate) id: i64,
    pub(crate) app: AppId,
    pub(crate) event: AuditEvent,
}

/// A secret as a store keeps it: every secret an application had stays, revoked once it
/// is neither the current nor the previous one (history, as the stores keep it).
struct SecretRow {
    app: AppId,
    hash: String,
    state: &'static str,
}

#[derive(Default)]
pub(crate) struct Store {
    pub(crate) apps: Vec<OAuthApplication>,
    /// The audit events, by id (the order of the feed).
    pub(crate) events: Vec<RecordedEvent>,
    /// The credentials' last uses, kept apart from the applications as a store keeps
    /// them (an update does not overwrite them).
    pub(crate) uses: HashMap<(AppId, CredentialRef), Timestamp>,
    /// How many uses were written.
    pub(crate) uses_written: usize,
    /// Every secret stored, in the order it was stored.
    secrets: Vec<SecretRow>,
    /// The last application id and event id given (an import moves them on, as a store's
    /// sequences are).
    last_app_id: i64,
    last_event_id: i64,
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

    /// Brings the stored secrets of `app` in line with it: a secret not stored yet is
    /// stored as current, the previous one is marked previous, every other one revoked.
    fn keep_secrets(&mut self, app: &OAuthApplication) {
        let current = app
            .secrets()
            .map(|s| s.current().credential.hash.as_phc().to_owned());
        let previous = app
            .secrets()
            .and_then(|s| s.previous())
            .map(|p| p.issued.credential.hash.as_phc().to_owned());
        for row in self
            .secrets
            .iter_mut()
            .filter(|r| r.app == app.id() && r.state != "revoked")
        {
            row.state = if current.as_deref() == Some(row.hash.as_str()) {
                "current"
            } else if previous.as_deref() == Some(row.hash.as_str()) {
                "previous"
            } else {
                "revoked"
            };
        }
        let stored = |hash: &str, secrets: &[SecretRow]| {
            secrets
                .iter()
                .any(|r| r.app == app.id() && r.state != "revoked" && r.hash == hash)
        };
        for (hash, state) in [(previous, "previous"), (current, "current")] {
            if let Some(hash) = hash
                && !stored(&hash, &self.secrets)
            {
                self.secrets.push(SecretRow {
                    app: app.id(),
                    hash,
                    state,
                });
            }
        }
    }

    /// Refuses `app` when another application is registered from its metadata document
    /// URL (a store's unique key: an unexpected error there too).
    fn check_document(&self, app: &OAuthApplication) -> Result<(), RepositoryError> {
        let Some(url) = &app.details().document else {
            return Ok(());
        };
        let taken = self
            .apps
            .iter()
            .any(|a| a.id() != app.id() && a.details().document.as_ref() == Some(url));
        if taken {
            return Err(RepositoryError::Unexpected(
                "another application is registered from this metadata document URL".into(),
            ));
        }
        Ok(())
    }

    /// Whether `app` holds `credential`: a current or previous secret or key set of that
    /// serial (a store writes a use only to a credential row still in use).
    fn holds(app: &OAuthApplication, credential: CredentialRef) -> bool {
        let serial = credential.serial;
        match credential.kind {
            CredentialKind::Secret => app.secrets().is_some_and(|s| {
                s.current().serial == serial
                    || s.previous().is_some_and(|p| p.issued.serial == serial)
            }),
            CredentialKind::KeySet => app.keys().is_some_and(|k| {
                k.current().serial == serial
                    || k.previous().is_some_and(|p| p.issued.serial == serial)
            }),
        }
    }

    /// The next application id.
    fn next_app_id(&mut self) -> Result<AppId, RepositoryError> {
        self.last_app_id += 1;
        AppId::new(self.last_app_id).map_err(|e| RepositoryError::Unexpected(Box::new(e)))
    }
}

/// Refuses what a store's constraints refuse in an audit event: an actor empty or longer
/// than 256 characters, a request id longer than 256, a client request id empty or longer
/// than 128. Checked before anything is written, so that the write is all or nothing.
pub(crate) fn check_event(event: &AuditEvent) -> Result<(), RepositoryError> {
    let chars = |s: &str| s.chars().count();
    let broken = if !(1..=256).contains(&chars(&event.actor)) {
        Some("an audit event's actor must be 1 to 256 characters")
    } else if event.request_id.as_deref().is_some_and(|r| chars(r) > 256) {
        Some("an audit event's request id must be at most 256 characters")
    } else if event
        .client_request_id
        .as_deref()
        .is_some_and(|r| !(1..=128).contains(&chars(r)))
    {
        Some("an audit event's client request id must be 1 to 128 characters")
    } else {
        None
    };
    broken.map_or(Ok(()), |rule| Err(RepositoryError::Unexpected(rule.into())))
}

/// Applications and audit events in memory: one store behind the repository, the
/// archive, the change feed and the secret lifecycles, and, when made
/// [`InMemoryRepository::with_webhooks`], the webhooks' deliveries too.
#[derive(Default)]
pub struct InMemoryRepository {
    store: Mutex<Store>,
    webhooks: Option<Arc<InMemoryWebhooks>>,
}

impl InMemoryRepository {
    /// An empty repository; its events reach no webhook.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty repository that writes a delivery of each event it records for every
    /// webhook of `webhooks` that hears it, with the event, as the stores do.
    #[must_use]
    pub fn with_webhooks(webhooks: Arc<InMemoryWebhooks>) -> Self {
        Self {
            store: Mutex::default(),
            webhooks: Some(webhooks),
        }
    }

    /// The audit events recorded so far, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<(AppId, AuditEvent)> {
        self.lock()
            .events
            .iter()
            .map(|e| (e.app, e.event.clone()))
            .collect()
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

    /// How many audit events of `app` are stored.
    #[must_use]
    pub fn event_count_of(&self, app: AppId) -> usize {
        self.lock().events.iter().filter(|e| e.app == app).count()
    }

    /// The states of every secret stored for `app`, in the order they were stored, as a
    /// store keeps them: `current`, `previous`, or `revoked` (a secret is kept, revoked,
    /// once it is neither the current nor the previous one).
    #[must_use]
    pub fn secret_states(&self, app: AppId) -> Vec<&'static str> {
        self.lock()
            .secrets
            .iter()
            .filter(|r| r.app == app)
            .map(|r| r.state)
            .collect()
    }

    /// The states of the key sets stored for `app`, oldest first: `previous` then
    /// `current` (a set that is neither is not kept, as the stores keep public keys no
    /// longer than they are used).
    #[must_use]
    pub fn key_set_states(&self, app: AppId) -> Vec<&'static str> {
        let store = self.lock();
        let Some(keys) = store
            .apps
            .iter()
            .find(|a| a.id() == app)
            .and_then(|a| a.keys())
        else {
            return Vec::new();
        };
        let previous = keys.previous().map(|_| "previous");
        previous.into_iter().chain(["current"]).collect()
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records `event` of `app` (stored in `store`) at the next id, with its deliveries.
    pub(crate) fn record(&self, store: &mut Store, app: AppId, event: &AuditEvent) {
        store.last_event_id += 1;
        let id = store.last_event_id;
        store.events.push(RecordedEvent {
            id,
            app,
            event: event.clone(),
        });
        let stored = store.apps.iter().find(|a| a.id() == app);
        if let (Some(webhooks), Some(stored)) = (&self.webhooks, stored) {
            webhooks.fan_out(&FeedEntry {
                position: id,
                client_id: *stored.client_id(),
                owner_org_id: stored.owner_org_id().clone(),
                event: event.clone(),
            });
        }
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
        check_event(event)?;
        let mut store = self.lock();
        if store.apps.iter().any(|a| a.client_id() == app.client_id()) {
            return Err(RepositoryError::DuplicateClientId);
        }
        let id = store.next_app_id()?;
        let stored = app.clone().with_id(id);
        store.check_document(&stored)?;
        store.keep_secrets(&stored);
        store.apps.push(stored);
        self.record(&mut store, id, event);
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
        Ok(store
            .events
            .iter()
            .rev()
            .filter(|e| e.app == app && before.is_none_or(|b| e.id < b))
            .take(limit as usize)
            .map(|e| StoredAuditEvent {
                id: e.id,
                event: e.event.clone(),
            })
            .collect())
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
        events.iter().try_for_each(check_event)?;
        let mut store = self.lock();
        let slot = store
            .apps
            .iter_mut()
            .find(|a| a.id() == app.id())
            .ok_or(RepositoryError::NotFound)?;
        if slot.version() != expected {
            return Err(RepositoryError::VersionConflict);
        }
        store.check_document(app)?;
        let slot = store
            .apps
            .iter_mut()
            .find(|a| a.id() == app.id())
            .ok_or(RepositoryError::NotFound)?;
        *slot = app.clone();
        store.keep_secrets(app);
        for event in events {
            self.record(&mut store, app.id(), event);
        }
        Ok(())
    }

    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError> {
        let mut store = self.lock();
        if !store
            .apps
            .iter()
            .any(|a| a.id() == app && Store::holds(a, credential))
        {
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

#[async_trait]
impl ApplicationArchive for InMemoryRepository {
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError> {
        let store = self.lock();
        let mut apps: Vec<&OAuthApplication> =
            store.apps.iter().filter(|a| a.id().get() > after).collect();
        apps.sort_by_key(|a| a.id());
        Ok(apps
            .into_iter()
            .take(limit as usize)
            .map(|app| ArchivedApplication {
                application: store.seen(app),
                events: store
                    .events
                    .iter()
                    .filter(|e| e.app == app.id())
                    .map(|e| StoredAuditEvent {
                        id: e.id,
                        event: e.event.clone(),
                    })
                    .collect(),
            })
            .collect())
    }

    async fn is_empty(&self) -> Result<bool, RepositoryError> {
        Ok(self.lock().apps.is_empty())
    }

    async fn count(&self) -> Result<u64, RepositoryError> {
        Ok(self.lock().apps.len() as u64)
    }

    /// Stores every application as it is, with its events under their own ids (history:
    /// no deliveries), or, when an id, a client id or an event id is taken, nothing.
    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError> {
        let mut store = self.lock();
        let mut app_ids = std::collections::HashSet::new();
        let mut client_ids = std::collections::HashSet::new();
        let mut event_ids = std::collections::HashSet::new();
        for archived in apps {
            let app = &archived.application;
            let taken = store
                .apps
                .iter()
                .any(|a| a.id() == app.id() || a.client_id() == app.client_id());
            let repeated = !app_ids.insert(app.id()) || !client_ids.insert(*app.client_id());
            let event_taken = archived
                .events
                .iter()
                .any(|e| !event_ids.insert(e.id) || store.events.iter().any(|s| s.id == e.id));
            if taken || repeated || event_taken {
                return Err(RepositoryError::DuplicateClientId);
            }
            archived
                .events
                .iter()
                .try_for_each(|e| check_event(&e.event))?;
            store.check_document(app)?;
        }
        for archived in apps {
            let app = &archived.application;
            store.keep_secrets(app);
            store.apps.push(app.clone());
            store
                .events
                .extend(archived.events.iter().map(|e| RecordedEvent {
                    id: e.id,
                    app: app.id(),
                    event: e.event.clone(),
                }));
            store.last_app_id = store.last_app_id.max(app.id().get());
        }
        store.events.sort_by_key(|e| e.id);
        store.last_event_id = store
            .events
            .last()
            .map_or(0, |e| e.id)
            .max(store.last_event_id);
        Ok(())
    }
}
