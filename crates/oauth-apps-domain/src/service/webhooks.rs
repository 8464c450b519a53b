//! Webhooks: an organisation's admins register endpoints that hear what happens to its
//! applications; the dispatcher delivers each event to each of them, signed, at least
//! once, in order per application, retrying with exponential back-off.

use std::sync::Arc;
use std::time::Duration;

use super::errors::WebhookError;
use crate::model::{
    DEFAULT_WEBHOOKS_PER_ORG, Delivery, EventType, OrgId, PageSize, Sealed, Timestamp, Version,
    WEBHOOK_SECRET_BYTES, WEBHOOK_SECRET_GRACE_SECONDS, Webhook, WebhookId, WebhookSigningSecret,
    WebhookUrl, message_id, seal_context,
};
use crate::policy::{self, Action, Denial, Principal};
use crate::ports::{
    Clock, DeliveryOutcome, DueDelivery, OutgoingMessage, RandomSource, RepositoryError, SealError,
    Sealer, SendFailure, WebhookRepository, WebhookSender,
};
use crate::shared::precondition::Precondition;
use crate::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

const NOT_A_WEBHOOK_ADMIN: &str = "only admins of the organisation may manage its webhooks";

/// How often a change without `If-Match` (or with `*`) is re-applied to a webhook that
/// another writer changed meanwhile, before it answers [`WebhookError::Conflict`].
const MAX_WRITE_ATTEMPTS: u32 = 8;

/// The ports of the webhook use cases.
#[derive(Clone)]
pub struct WebhookPorts {
    /// Where webhooks and deliveries are kept.
    pub repository: Arc<dyn WebhookRepository>,
    /// Seals the signing keys.
    pub sealer: Arc<dyn Sealer>,
    /// Delivers (and says which URLs may be delivered to).
    pub sender: Arc<dyn WebhookSender>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Random bytes for ids and signing keys.
    pub random: Arc<dyn RandomSource>,
}

/// What an admin asks for when creating a webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateWebhook {
    /// The organisation whose applications' events it hears.
    pub owner_org_id: String,
    /// Where it delivers.
    pub url: String,
    /// The event types it hears; `None`: every type.
    pub events: Option<Vec<String>>,
}

/// A change to a webhook: what is given is replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    /// A new URL.
    pub url: Option<String>,
    /// New event types: `Some(None)` for every type.
    pub events: Option<Option<Vec<String>>>,
}

/// A webhook with its new signing secret, shown this once.
#[derive(Debug)]
pub struct WebhookWithSecret {
    /// The webhook as stored.
    pub webhook: Webhook,
    /// The signing secret (`whsec_...`).
    pub secret: WebhookSigningSecret,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveriesPage {
    /// The deliveries.
    pub items: Vec<Delivery>,
    /// Where the next (older) page starts, when there may be one.
    pub next_cursor: Option<String>,
}

/// The webhook use cases.
pub struct WebhookService {
    ports: WebhookPorts,
    max_per_org: u32,
}

/// Checks a list of event type names: known, each once; sorted.
fn event_types(c: &mut Collector, names: Vec<String>) -> Option<Vec<EventType>> {
    if names.is_empty() {
        c.push(FieldError::new(Field::Events, Violation::Required));
        return None;
    }
    let before = c.len();
    let mut types = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        match EventType::parse(name) {
            Some(t) if types.contains(&t) => c.push(FieldError::at(
                Field::Events,
                i,
                Violation::Malformed {
                    what: "event type named once",
                },
            )),
            Some(t) => types.push(t),
            None => c.push(FieldError::at(
                Field::Events,
                i,
                Violation::NotOneOf {
                    allowed: &EventType::NAMES,
                },
            )),
        }
    }
    types.sort_unstable();
    (c.len() == before).then_some(types)
}

impl WebhookService {
    /// The use cases over `ports`, with at most [`DEFAULT_WEBHOOKS_PER_ORG`] webhooks per
    /// organisation.
    #[must_use]
    pub const fn new(ports: WebhookPorts) -> Self {
        Self {
            ports,
            max_per_org: DEFAULT_WEBHOOKS_PER_ORG,
        }
    }

    /// The same use cases with at most `max` webhooks per organisation.
    #[must_use]
    pub const fn with_max_per_org(mut self, max: u32) -> Self {
        self.max_per_org = max;
        self
    }

    fn url(&self, c: &mut Collector, url: String) -> Option<WebhookUrl> {
        let url = c.check(Field::Url, WebhookUrl::parse(url))?;
        match self.ports.sender.permits(&url) {
            Ok(()) => Some(url),
            Err(reason) => {
                c.push(FieldError::new(
                    Field::Url,
                    Violation::UnfetchableUrl { reason },
                ));
                None
            }
        }
    }

    /// A new signing key, and the secret that shows it.
    fn new_key(&self, id: WebhookId) -> Result<(Sealed, WebhookSigningSecret), WebhookError> {
        let mut key = [0u8; WEBHOOK_SECRET_BYTES];
        self.ports.random.fill(&mut key)?;
        let sealed = self.ports.sealer.seal(&key, &seal_context(id))?;
        Ok((sealed, WebhookSigningSecret::of_key(&key)))
    }

    /// The webhook `id` if the caller may manage it.
    async fn visible(&self, principal: &Principal, id: &str) -> Result<Webhook, WebhookError> {
        let id = WebhookId::parse(id).map_err(|_| WebhookError::NotFound)?;
        let webhook = self
            .ports
            .repository
            .find_webhook(id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        admin_of(principal, &webhook.owner_org_id)?;
        Ok(webhook)
    }

    /// Registers a webhook for `request.owner_org_id`; its signing secret is shown once.
    ///
    /// # Errors
    /// [`WebhookError::Invalid`] naming every field that breaks a rule (the URL's address
    /// policy included); [`WebhookError::NotFound`] for an organisation the caller is
    /// outside of; [`WebhookError::Forbidden`] for members; [`WebhookError::TooMany`] when
    /// the organisation already has as many webhooks as it may have (nothing is written);
    /// `Unavailable` without a data key or when storage is down.
    pub async fn create(
        &self,
        principal: &Principal,
        request: CreateWebhook,
    ) -> Result<WebhookWithSecret, WebhookError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(request.owner_org_id));
        let url = self.url(&mut c, request.url);
        let events = match request.events {
            None => Some(None),
            Some(names) => event_types(&mut c, names).map(Some),
        };
        let (Some(org), Some(url), Some(events)) = (org, url, events) else {
            return Err(WebhookError::Invalid(c.into_errors()));
        };
        admin_of(principal, &org)?;
        let mut id_bytes = [0u8; 16];
        self.ports.random.fill(&mut id_bytes)?;
        let id = WebhookId::from_random_bytes(id_bytes);
        let (sealed, secret) = self.new_key(id)?;
        let now = self.ports.clock.now();
        let webhook = Webhook {
            id,
            owner_org_id: org,
            url,
            events,
            secret: sealed,
            previous_secret: None,
            created_by: principal.subject().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        if !self
            .ports
            .repository
            .insert_webhook(&webhook, self.max_per_org)
            .await?
        {
            return Err(WebhookError::TooMany(self.max_per_org));
        }
        Ok(WebhookWithSecret { webhook, secret })
    }

    /// The webhooks of `owner_org_id`, oldest first.
    ///
    /// # Errors
    /// [`WebhookError::Invalid`] for a malformed organisation id; `NotFound` / `Forbidden`
    /// as [`WebhookService::create`].
    pub async fn list(
        &self,
        principal: &Principal,
        owner_org_id: &str,
    ) -> Result<Vec<Webhook>, WebhookError> {
        let org = OrgId::parse(owner_org_id)
            .map_err(|v| WebhookError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        admin_of(principal, &org)?;
        Ok(self.ports.repository.webhooks(&org).await?)
    }

    /// The webhook `id`.
    ///
    /// # Errors
    /// [`WebhookError::NotFound`] for a malformed or unknown id, or one of an organisation
    /// the caller is outside of; [`WebhookError::Forbidden`] for members.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Webhook, WebhookError> {
        self.visible(principal, id).await
    }

    /// Changes the webhook `id`'s URL or event types. With `expected` naming versions
    /// (HTTP `If-Match`), the change is made only to one of them; without it (or with
    /// [`Precondition::Any`]), a change that loses a race with another writer is applied
    /// again to what that writer left.
    ///
    /// # Errors
    /// As [`WebhookService::get`]; [`WebhookError::PreconditionFailed`] when the webhook's
    /// version is not one `expected` names; [`WebhookError::Invalid`] naming every field
    /// that breaks a rule; [`WebhookError::Conflict`] when other writers kept winning.
    /// Nothing is written in any of these cases.
    pub async fn update(
        &self,
        principal: &Principal,
        id: &str,
        patch: WebhookPatch,
        expected: Option<&Precondition>,
    ) -> Result<Webhook, WebhookError> {
        let mut current = self.visible(principal, id).await?;
        satisfies(&current, expected)?;
        let mut c = Collector::default();
        let url = patch.url.map(|u| self.url(&mut c, u));
        let events = patch.events.map(|e| match e {
            None => Some(None),
            Some(names) => event_types(&mut c, names).map(Some),
        });
        if !c.is_empty() {
            return Err(WebhookError::Invalid(c.into_errors()));
        }
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut next = current.clone();
            if let Some(Some(url)) = &url {
                next.url = url.clone();
            }
            if let Some(Some(events)) = &events {
                next.events = events.clone();
            }
            if next == current {
                return Ok(current);
            }
            next.updated_at = self.ports.clock.now();
            next.version = current.version + 1;
            match self.store(&next, current.version).await {
                Ok(()) => return Ok(next),
                Err(WebhookError::Conflict)
                    if expected.is_some_and(Precondition::names_versions) =>
                {
                    return Err(WebhookError::PreconditionFailed);
                }
                Err(WebhookError::Conflict) => {
                    current = self.visible(principal, id).await?;
                    satisfies(&current, expected)?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(WebhookError::Conflict)
    }

    async fn store(&self, webhook: &Webhook, expected: i64) -> Result<(), WebhookError> {
        match self
            .ports
            .repository
            .update_webhook(webhook, expected)
            .await
        {
            Ok(()) => Ok(()),
            Err(RepositoryError::VersionConflict) => Err(WebhookError::Conflict),
            Err(RepositoryError::NotFound) => Err(WebhookError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives the webhook `id` a new signing secret, shown once; the previous one keeps
    /// signing (a second signature) for [`WEBHOOK_SECRET_GRACE_SECONDS`], so receivers can
    /// switch without losing a delivery.
    ///
    /// # Errors
    /// As [`WebhookService::update`].
    pub async fn rotate_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<WebhookWithSecret, WebhookError> {
        let current = self.visible(principal, id).await?;
        let (sealed, secret) = self.new_key(current.id)?;
        let now = self.ports.clock.now();
        let mut next = current.clone();
        next.previous_secret = Some((
            current.secret.clone(),
            now.plus_seconds(WEBHOOK_SECRET_GRACE_SECONDS),
        ));
        next.secret = sealed;
        next.updated_at = now;
        next.version = current.version + 1;
        self.store(&next, current.version).await?;
        Ok(WebhookWithSecret {
            webhook: next,
            secret,
        })
    }

    /// Deletes the webhook `id` and its deliveries: nothing more is sent to it.
    ///
    /// # Errors
    /// As [`WebhookService::get`].
    pub async fn delete(&self, principal: &Principal, id: &str) -> Result<(), WebhookError> {
        let webhook = self.visible(principal, id).await?;
        if self.ports.repository.delete_webhook(webhook.id).await? {
            Ok(())
        } else {
            Err(WebhookError::NotFound)
        }
    }

    /// The deliveries of webhook `id`, newest first, a page at a time (`before`: the
    /// `nextCursor` of the previous page).
    ///
    /// # Errors
    /// As [`WebhookService::get`]; [`WebhookError::Invalid`] for a bad cursor or size.
    pub async fn deliveries(
        &self,
        principal: &Principal,
        id: &str,
        before: Option<&str>,
        limit: Option<i64>,
    ) -> Result<DeliveriesPage, WebhookError> {
        let webhook = self.visible(principal, id).await?;
        let mut c = Collector::default();
        let before = match before {
            None => Some(None),
            Some(cursor) => c
                .check(
                    Field::Cursor,
                    cursor
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0 && cursor == n.to_string())
                        .ok_or(Violation::Malformed {
                            what: "deliveries cursor (a nextCursor this listing handed out)",
                        }),
                )
                .map(Some),
        };
        let size = c.check(Field::Limit, PageSize::new(limit));
        let (Some(before), Some(size)) = (before, size) else {
            return Err(WebhookError::Invalid(c.into_errors()));
        };
        let items = self
            .ports
            .repository
            .deliveries(webhook.id, before, size.get())
            .await?;
        let next_cursor = (items.len() == size.get() as usize)
            .then(|| items.last().map(|d| d.id.to_string()))
            .flatten();
        Ok(DeliveriesPage { items, next_cursor })
    }
}

/// Whether `webhook`'s version is one `expected` accepts (any, without a precondition).
fn satisfies(webhook: &Webhook, expected: Option<&Precondition>) -> Result<(), WebhookError> {
    match expected {
        Some(p) if !Version::new(webhook.version).is_ok_and(|v| p.is_satisfied_by(v)) => {
            Err(WebhookError::PreconditionFailed)
        }
        _ => Ok(()),
    }
}

/// Admins of `org` (and platform admins) manage its webhooks; members are refused,
/// outsiders see nothing.
fn admin_of(principal: &Principal, org: &OrgId) -> Result<(), WebhookError> {
    policy::authorize(principal, org, Action::Write).map_err(|d| match d {
        Denial::Hidden => WebhookError::NotFound,
        Denial::Forbidden => WebhookError::Forbidden(NOT_A_WEBHOOK_ADMIN),
    })
}

/// How the dispatcher retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// How long after the event attempts go on; then the delivery is failed.
    pub give_up_after: Duration,
    /// How long a leased delivery is held before another replica may take it over.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    /// 5 s, doubling up to 1 h, for 24 h; leases of 60 s.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            lease: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first).
    #[must_use]
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.first_delay
            .saturating_mul(1_u32 << doublings)
            .min(self.max_delay)
    }
}

/// The instant `d` after `t`, saturating.
fn after(t: Timestamp, d: Duration) -> Timestamp {
    let micros = i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    Timestamp::from_unix_micros(t.unix_micros().saturating_add(micros)).unwrap_or(t)
}

/// The JSON body of an event's delivery, in the Standard Webhooks shape: `type`,
/// `timestamp` (when the event happened) and `data`. The same on every attempt. `data`
/// speaks the change feed's vocabulary: its `action` is the feed entry's, and its
/// `changedFields` are named by [`Field::change_name`], as the feed names them.
#[must_use]
pub fn payload(entry: &crate::ports::FeedEntry) -> Vec<u8> {
    let event = &entry.event;
    let body = serde_json::json!({
        "type": EventType::of(event.action).as_str(),
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

/// How many of the dispatchers' attempts one organisation may hold at once unless told
/// otherwise ([`WebhookDispatcher::with_per_org`]).
pub const DEFAULT_PER_ORG_IN_FLIGHT: u32 = 4;

/// Delivers due webhook deliveries: leases them, signs and sends each, records the
/// outcome. Run by every replica (leases keep them apart).
///
/// Fairness: leasing takes turns between organisations and, within one, between its
/// webhooks, and an organisation holds at most [`WebhookDispatcher::with_per_org`]
/// attempts at once ([`WebhookRepository::lease_deliveries`]); the leased deliveries are
/// attempted at once, not one after another; and after an attempt that got no answer (or
/// 429, 503) the webhook's other due deliveries wait for that attempt's retry time
/// ([`WebhookRepository::defer_deliveries`]), so a receiver that hangs holds neither
/// another organisation's deliveries nor the dispatcher's attempts.
pub struct WebhookDispatcher {
    ports: WebhookPorts,
    retry: RetryPolicy,
    per_org: u32,
}

/// What one round of the dispatcher did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchRound {
    /// Deliveries leased.
    pub leased: usize,
    /// Acknowledged with a 2xx.
    pub delivered: usize,
    /// Failed, to be retried or given up.
    pub failed: usize,
}

/// Whether a failed attempt says the receiver is not answering (a time-out, a connection
/// or TLS failure, an address the policy refuses) or asks to be left alone (429, 503):
/// then its webhook backs off as a whole.
fn receiver_unavailable(failure: &SendFailure) -> bool {
    failure.status.is_none_or(|s| s == 429 || s == 503)
}

impl WebhookDispatcher {
    /// The dispatcher over `ports`, retrying by `retry`; an organisation holds at most
    /// [`DEFAULT_PER_ORG_IN_FLIGHT`] attempts at once.
    #[must_use]
    pub const fn new(ports: WebhookPorts, retry: RetryPolicy) -> Self {
        Self {
            ports,
            retry,
            per_org: DEFAULT_PER_ORG_IN_FLIGHT,
        }
    }

    /// The same dispatcher, letting an organisation hold at most `per_org` attempts at
    /// once (at least 1).
    #[must_use]
    pub const fn with_per_org(mut self, per_org: u32) -> Self {
        self.per_org = if per_org == 0 { 1 } else { per_org };
        self
    }

    /// Leases up to `limit` due deliveries, in turns between organisations and webhooks
    /// ([`WebhookRepository::lease_deliveries`]).
    ///
    /// # Errors
    /// [`RepositoryError`] when they cannot be leased.
    pub async fn lease(&self, limit: u32) -> Result<Vec<DueDelivery>, RepositoryError> {
        let now = self.ports.clock.now();
        self.ports
            .repository
            .lease_deliveries(now, after(now, self.retry.lease), limit, self.per_org)
            .await
    }

    /// Attempts a leased delivery and records how it ended; after an attempt that got no
    /// answer (or 429, 503), the webhook's other due deliveries wait for its retry time.
    /// Whether the receiver acknowledged it.
    ///
    /// # Errors
    /// [`RepositoryError`] when the outcome cannot be recorded (the lease runs out and
    /// the delivery is attempted again).
    pub async fn deliver(&self, delivery: &DueDelivery) -> Result<bool, RepositoryError> {
        let (outcome, back_off) = self.attempt(delivery).await;
        self.ports
            .repository
            .finish_delivery(delivery.id, delivery.attempt, &outcome)
            .await?;
        if let Some(until) = back_off {
            self.ports
                .repository
                .defer_deliveries(delivery.webhook.id, until, self.ports.clock.now())
                .await?;
        }
        Ok(matches!(outcome, DeliveryOutcome::Delivered { .. }))
    }

    /// Leases up to `limit` due deliveries and attempts them all at once.
    ///
    /// # Errors
    /// [`RepositoryError`] when the deliveries cannot be leased, or an outcome cannot be
    /// recorded (once every attempt has ended). An attempt that fails is recorded, not
    /// returned.
    pub async fn run_once(&self, limit: u32) -> Result<DispatchRound, RepositoryError> {
        let due = self.lease(limit).await?;
        let ended = futures_util::future::join_all(due.iter().map(|d| self.deliver(d))).await;
        let mut round = DispatchRound {
            leased: due.len(),
            ..DispatchRound::default()
        };
        let mut first_error = None;
        for result in ended {
            match result {
                Ok(true) => round.delivered += 1,
                Ok(false) => round.failed += 1,
                Err(e) => {
                    round.failed += 1;
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(round), Err)
    }

    /// The signing keys of `webhook` at `now`: the current one, and the previous one
    /// while its grace period lasts.
    fn keys(&self, webhook: &Webhook, now: Timestamp) -> Result<Vec<Vec<u8>>, SealError> {
        let context = webhook.seal_context();
        let mut keys = vec![self.ports.sealer.open(&webhook.secret, &context)?];
        if let Some((previous, until)) = &webhook.previous_secret
            && now < *until
        {
            keys.push(self.ports.sealer.open(previous, &context)?);
        }
        Ok(keys)
    }

    /// Signs and sends `delivery`: how it ended, and until when its webhook backs off
    /// when the receiver did not answer.
    async fn attempt(&self, delivery: &DueDelivery) -> (DeliveryOutcome, Option<Timestamp>) {
        let now = self.ports.clock.now();
        let sent = match self.keys(&delivery.webhook, now) {
            Ok(keys) => {
                let message = OutgoingMessage {
                    id: message_id(delivery.id),
                    timestamp: now.as_offset_date_time().unix_timestamp(),
                    body: payload(&delivery.entry),
                    keys,
                };
                self.ports
                    .sender
                    .send(&delivery.webhook.url, &message)
                    .await
            }
            Err(_) => Err(SendFailure {
                status: None,
                reason: "the signing key could not be opened".to_owned(),
            }),
        };
        let done = self.ports.clock.now();
        match sent {
            Ok(status) => (DeliveryOutcome::Delivered { status, at: done }, None),
            Err(failure) => {
                let retry_at = after(done, self.retry.delay_after(delivery.attempt));
                if retry_at > after(delivery.created_at, self.retry.give_up_after) {
                    let outcome = DeliveryOutcome::Failed {
                        status: failure.status,
                        error: failure.reason,
                    };
                    (outcome, None)
                } else {
                    let back_off = receiver_unavailable(&failure).then_some(retry_at);
                    let outcome = DeliveryOutcome::Retry {
                        status: failure.status,
                        error: failure.reason,
                        retry_at,
                    };
                    (outcome, back_off)
                }
            }
        }
    }
}

impl From<SealError> for WebhookError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::NoKey => Self::Unavailable(Box::new(e)),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<ValidationErrors> for WebhookError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_the_cap() {
        let retry = RetryPolicy::default();
        let secs: Vec<u64> = (1..=12).map(|n| retry.delay_after(n).as_secs()).collect();
        assert_eq!(
            secs,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(retry.delay_after(u32::MAX).as_secs(), 3600);
    }

    #[test]
    fn event_type_lists_are_checked_and_sorted() {
        let mut c = Collector::default();
        let types = event_types(
            &mut c,
            vec!["secret.rotated".into(), "application.created".into()],
        );
        assert_eq!(
            types,
            Some(vec![
                EventType::ApplicationCreated,
                EventType::SecretRotated
            ])
        );
        let mut c = Collector::default();
        assert_eq!(
            event_types(
                &mut c,
                vec![
                    "secret.rotated".into(),
                    "nope".into(),
                    "secret.rotated".into()
                ]
            ),
            None
        );
        let errors = c.into_errors();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| (e.field, e.index))
                .collect::<Vec<_>>(),
            [(Field::Events, Some(1)), (Field::Events, Some(2))]
        );
        let mut c = Collector::default();
        assert_eq!(event_types(&mut c, Vec::new()), None);
        assert!(c.into_errors().concerns(Field::Events));
    }
}
