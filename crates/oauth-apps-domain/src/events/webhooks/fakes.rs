//! In-memory fakes of the webhooks' ports, for tests (feature `testing`): webhooks and
//! deliveries in memory, and a sender that records what it sends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::model::{Delivery, Webhook, WebhookId, WebhookUrl};
use super::ports::{
    ChangeEncoder, DeliveryOutcome, DueDelivery, OutgoingMessage, SendFailure, WebhookRepository,
    WebhookSender,
};
use crate::events::feed::FeedEntry;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{ClientId, OrgId};
use crate::shared::outbound::OutboundRefusal;
use crate::shared::time::Timestamp;

/// Webhooks and deliveries in memory. Deliveries are written by the store that records
/// events: an [`InMemoryRepository`](crate::testing::InMemoryRepository) made
/// [`with_webhooks`](crate::testing::InMemoryRepository::with_webhooks) this store, or a
/// test through [`InMemoryWebhooks::add_delivery`].
#[derive(Default)]
pub struct InMemoryWebhooks {
    state: Mutex<WebhookState>,
}

#[derive(Default)]
struct WebhookState {
    hooks: Vec<Webhook>,
    /// Each delivery with its event, its lease and its status row.
    deliveries: Vec<(Delivery, FeedEntry, Option<Timestamp>)>,
    /// The last delivery id given (ids are never reused, also after a delete).
    last_delivery_id: i64,
}

impl InMemoryWebhooks {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a pending delivery of `entry` to `webhook`, due at once; its id.
    ///
    /// # Panics
    /// When the lock is poisoned.
    pub fn add_delivery(&self, webhook: WebhookId, entry: FeedEntry) -> i64 {
        let mut s = self.state.lock().expect("lock");
        s.add_delivery(webhook, entry)
    }

    /// Writes a delivery of `entry` for every webhook of its organisation that hears its
    /// type, as a store does in the transaction that records the event.
    pub(crate) fn fan_out(&self, entry: &FeedEntry) {
        let mut s = self.state.lock().expect("lock");
        let event_type = super::model::EventType::of(entry.event.action);
        let hearing: Vec<WebhookId> = s
            .hooks
            .iter()
            .filter(|h| h.owner_org_id == entry.owner_org_id && h.hears(event_type))
            .map(|h| h.id)
            .collect();
        for webhook in hearing {
            s.add_delivery(webhook, entry.clone());
        }
    }
}

impl WebhookState {
    /// Adds a pending delivery of `entry` to `webhook`, due at once; its id.
    fn add_delivery(&mut self, webhook: WebhookId, entry: FeedEntry) -> i64 {
        self.last_delivery_id += 1;
        let id = self.last_delivery_id;
        let delivery = Delivery {
            id,
            webhook_id: webhook,
            position: entry.position,
            event_type: super::model::EventType::of(entry.event.action),
            client_id: entry.client_id,
            status: super::model::DeliveryStatus::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            next_attempt_at: Some(entry.event.at),
            created_at: entry.event.at,
            delivered_at: None,
        };
        self.deliveries.push((delivery, entry, None));
        id
    }
}

#[async_trait]
impl WebhookRepository for InMemoryWebhooks {
    async fn insert_webhook(&self, webhook: &Webhook, max: u32) -> Result<bool, RepositoryError> {
        let mut s = self.state.lock().expect("lock");
        let count = s
            .hooks
            .iter()
            .filter(|h| h.owner_org_id == webhook.owner_org_id)
            .count();
        if count >= max as usize {
            return Ok(false);
        }
        s.hooks.push(webhook.clone());
        Ok(true)
    }

    async fn webhooks(&self, org: &OrgId) -> Result<Vec<Webhook>, RepositoryError> {
        Ok(self
            .state
            .lock()
            .expect("lock")
            .hooks
            .iter()
            .filter(|h| &h.owner_org_id == org)
            .cloned()
            .collect())
    }

    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, RepositoryError> {
        Ok(self
            .state
            .lock()
            .expect("lock")
            .hooks
            .iter()
            .find(|h| h.id == id)
            .cloned())
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected: i64,
    ) -> Result<(), RepositoryError> {
        let mut s = self.state.lock().expect("lock");
        let stored = s
            .hooks
            .iter_mut()
            .find(|h| h.id == webhook.id)
            .ok_or(RepositoryError::NotFound)?;
        if stored.version != expected {
            return Err(RepositoryError::VersionConflict);
        }
        *stored = webhook.clone();
        Ok(())
    }

    async fn delete_webhook(&self, id: WebhookId) -> Result<bool, RepositoryError> {
        let mut s = self.state.lock().expect("lock");
        let before = s.hooks.len();
        s.hooks.retain(|h| h.id != id);
        s.deliveries.retain(|(d, _, _)| d.webhook_id != id);
        Ok(s.hooks.len() < before)
    }

    async fn deliveries(
        &self,
        id: WebhookId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, RepositoryError> {
        let s = self.state.lock().expect("lock");
        Ok(s.deliveries
            .iter()
            .rev()
            .map(|(d, _, _)| d)
            .filter(|d| d.webhook_id == id && before.is_none_or(|b| d.id < b))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn lease_deliveries(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        per_org: u32,
    ) -> Result<Vec<DueDelivery>, RepositoryError> {
        use super::model::DeliveryStatus::Pending;
        let mut s = self.state.lock().expect("lock");
        let hooks = s.hooks.clone();
        let org_of = |id: WebhookId| {
            hooks
                .iter()
                .find(|h| h.id == id)
                .map(|h| h.owner_org_id.clone())
        };
        // Attempts in flight per organisation; the heads of each webhook and application.
        let mut busy: HashMap<OrgId, u32> = HashMap::new();
        let mut heads: Vec<(WebhookId, ClientId)> = Vec::new();
        // Candidates: (index, organisation, webhook's turn, id).
        let mut candidates: Vec<(usize, OrgId, u32, i64)> = Vec::new();
        let mut turns: HashMap<WebhookId, u32> = HashMap::new();
        for (i, (d, _, lease)) in s.deliveries.iter().enumerate() {
            if d.status != Pending {
                continue;
            }
            let Some(org) = org_of(d.webhook_id) else {
                continue;
            };
            if lease.is_some_and(|l| l > now) {
                *busy.entry(org.clone()).or_default() += 1;
            }
            let key = (d.webhook_id, d.client_id);
            if heads.contains(&key) {
                continue;
            }
            heads.push(key);
            let is_due = d.next_attempt_at.is_some_and(|t| t <= now);
            if is_due && lease.is_none_or(|l| l <= now) {
                let turn = turns.entry(d.webhook_id).or_default();
                *turn += 1;
                candidates.push((i, org, *turn, d.id));
            }
        }
        // Within an organisation, its webhooks' first turns before their second ones.
        candidates.sort_by_key(|(_, _, turn, id)| (*turn, *id));
        let mut org_turns: HashMap<OrgId, u32> = HashMap::new();
        let mut ranked: Vec<(u32, i64, usize)> = Vec::new();
        for (i, org, _, id) in candidates {
            let turn = org_turns.entry(org.clone()).or_default();
            *turn += 1;
            if *turn + busy.get(&org).copied().unwrap_or(0) <= per_org {
                ranked.push((*turn, id, i));
            }
        }
        ranked.sort_unstable();
        let mut due = Vec::new();
        for (_, _, i) in ranked.into_iter().take(limit as usize) {
            let (d, entry, lease) = &mut s.deliveries[i];
            let Some(webhook) = hooks.iter().find(|h| h.id == d.webhook_id) else {
                continue;
            };
            d.attempts += 1;
            *lease = Some(until);
            due.push(DueDelivery {
                id: d.id,
                attempt: d.attempts,
                created_at: d.created_at,
                webhook: webhook.clone(),
                entry: entry.clone(),
            });
        }
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    async fn defer_deliveries(
        &self,
        id: WebhookId,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<u64, RepositoryError> {
        use super::model::DeliveryStatus::Pending;
        let mut s = self.state.lock().expect("lock");
        let mut moved = 0;
        for (d, _, lease) in &mut s.deliveries {
            if d.webhook_id == id
                && d.status == Pending
                && d.next_attempt_at.is_some_and(|t| t < until)
                && lease.is_none_or(|l| l <= now)
            {
                d.next_attempt_at = Some(until);
                moved += 1;
            }
        }
        Ok(moved)
    }

    async fn finish_delivery(
        &self,
        id: i64,
        attempt: u32,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, RepositoryError> {
        use super::model::DeliveryStatus;
        use super::ports::DeliveryOutcome;
        let mut s = self.state.lock().expect("lock");
        let Some((d, _, lease)) = s.deliveries.iter_mut().find(|(d, _, _)| {
            d.id == id && d.attempts == attempt && d.status == DeliveryStatus::Pending
        }) else {
            return Ok(false);
        };
        *lease = None;
        match outcome {
            DeliveryOutcome::Delivered { status, at } => {
                d.status = DeliveryStatus::Delivered;
                d.last_status = Some(*status);
                d.last_error = None;
                d.delivered_at = Some(*at);
                d.next_attempt_at = None;
            }
            DeliveryOutcome::Retry {
                status,
                error,
                retry_at,
            } => {
                d.last_status = *status;
                d.last_error = Some(error.clone());
                d.next_attempt_at = Some(*retry_at);
            }
            DeliveryOutcome::Failed { status, error } => {
                d.status = DeliveryStatus::Failed;
                d.last_status = *status;
                d.last_error = Some(error.clone());
                d.next_attempt_at = None;
            }
        }
        Ok(true)
    }
}

/// A webhook sender that records every message and answers from a script of statuses
/// (then 200); it permits every URL unless told which host to refuse, and can hang on the
/// URLs of one host until released ([`RecordingSender::hanging`]).
#[derive(Default)]
pub struct RecordingSender {
    answers: Mutex<std::collections::VecDeque<u16>>,
    sent: Mutex<Vec<(WebhookUrl, OutgoingMessage)>>,
    refused_host: Option<String>,
    hanging_host: Option<String>,
    gate: Gate,
}

/// Holds the sends to a hanging host until it is opened.
#[derive(Default)]
struct Gate {
    open: std::sync::atomic::AtomicBool,
    waiting: Mutex<Vec<std::task::Waker>>,
}

/// A send waiting at the [`Gate`].
struct Held<'a>(&'a Gate);

impl std::future::Future for Held<'_> {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let mut waiting = self.0.waiting.lock().expect("lock");
        if self.0.open.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(());
        }
        waiting.push(cx.waker().clone());
        std::task::Poll::Pending
    }
}

impl RecordingSender {
    /// A sender answering 200 to everything.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A sender answering `statuses` in turn, then 200.
    #[must_use]
    pub fn answering(statuses: &[u16]) -> Self {
        Self {
            answers: Mutex::new(statuses.iter().copied().collect()),
            ..Self::default()
        }
    }

    /// A sender that refuses URLs on `host` (as the outbound policy refuses a private
    /// address).
    #[must_use]
    pub fn refusing(host: &str) -> Self {
        Self {
            refused_host: Some(host.to_owned()),
            ..Self::default()
        }
    }

    /// A sender that answers 200, but never answers a URL on `host` until
    /// [`RecordingSender::release`], which ends those attempts as time-outs (no status).
    #[must_use]
    pub fn hanging(host: &str) -> Self {
        Self {
            hanging_host: Some(host.to_owned()),
            ..Self::default()
        }
    }

    /// Ends the attempts held on the hanging host, and every later one at once, as
    /// time-outs.
    ///
    /// # Panics
    /// When the lock is poisoned.
    pub fn release(&self) {
        let mut waiting = self.gate.waiting.lock().expect("lock");
        self.gate.open.store(true, Ordering::SeqCst);
        for waker in waiting.drain(..) {
            waker.wake();
        }
    }

    /// What was sent, in order.
    ///
    /// # Panics
    /// When the lock is poisoned.
    #[must_use]
    pub fn sent(&self) -> Vec<(WebhookUrl, OutgoingMessage)> {
        self.sent.lock().expect("lock").clone()
    }
}

#[async_trait]
impl WebhookSender for RecordingSender {
    fn permits(&self, url: &WebhookUrl) -> Result<(), OutboundRefusal> {
        match &self.refused_host {
            Some(host) if url.as_str().contains(host.as_str()) => {
                Err(OutboundRefusal::SpecialPurposeAddress(format!(
                    "host {host} is refused by the outbound policy"
                )))
            }
            _ => Ok(()),
        }
    }

    async fn send(&self, url: &WebhookUrl, message: &OutgoingMessage) -> Result<u16, SendFailure> {
        self.sent
            .lock()
            .expect("lock")
            .push((url.clone(), message.clone()));
        if let Some(host) = &self.hanging_host
            && url.as_str().contains(host.as_str())
        {
            Held(&self.gate).await;
            return Err(SendFailure {
                status: None,
                reason: "timed out".to_owned(),
            });
        }
        let status = self
            .answers
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or(200);
        if (200..300).contains(&status) {
            Ok(status)
        } else {
            Err(SendFailure {
                status: Some(status),
                reason: format!("answered {status}"),
            })
        }
    }
}

/// Writes a delivery's body as the HTTP adapter's `WebhookPayload` does (`type`,
/// `timestamp`, `data` in the change feed's vocabulary), for unit tests of the dispatcher;
/// the adapter's own test checks the two agree for every action.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonChanges;

impl ChangeEncoder for JsonChanges {
    fn encode(&self, entry: &FeedEntry) -> Vec<u8> {
        let event = &entry.event;
        let body = serde_json::json!({
            "type": super::model::EventType::of(event.action).as_str(),
            "timestamp": event.at.to_rfc3339(),
            "data": {
                "position": entry.position,
                "action": event.action.as_str(),
                "clientId": entry.client_id.to_string(),
                "ownerOrgId": entry.owner_org_id.as_str(),
                "actor": event.actor,
                "changedFields": event
                    .changed_fields
                    .iter()
                    .map(|f| f.change_name())
                    .collect::<Vec<_>>(),
                "requestId": event.request_id,
            },
        });
        body.to_string().into_bytes()
    }
}
