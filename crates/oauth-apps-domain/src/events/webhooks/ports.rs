//! What webhooks need from outside: storage of webhooks and their deliveries
//! ([`WebhookRepository`]) and the signed sending of a message ([`WebhookSender`]).

use async_trait::async_trait;

use super::model::{Delivery, Webhook, WebhookId, WebhookUrl};
use crate::events::feed::FeedEntry;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::outbound::OutboundRefusal;
use crate::shared::time::Timestamp;

/// A delivery leased for an attempt: the webhook, the event, and the attempt's number
/// (which the outcome must name: a lease that expired and was taken over is not finished
/// by its first holder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery's id.
    pub id: i64,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
    /// When the event was recorded (the retry window runs from it).
    pub created_at: Timestamp,
    /// The webhook.
    pub webhook: Webhook,
    /// The event.
    pub entry: FeedEntry,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered {
        /// The status code.
        status: u16,
        /// When.
        at: Timestamp,
    },
    /// No 2xx; another attempt is due at `retry_at`.
    Retry {
        /// The status code, when there was an answer.
        status: Option<u16>,
        /// Why it failed.
        error: String,
        /// When to try again.
        retry_at: Timestamp,
    },
    /// No 2xx, and the retry window is over: given up.
    Failed {
        /// The status code, when there was an answer.
        status: Option<u16>,
        /// Why it failed.
        error: String,
    },
}

/// Storage of webhooks and their deliveries. A delivery is written for every webhook of
/// the application's organisation that hears the event's type, in the transaction that
/// records the event: an acknowledged write is never without its deliveries.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new webhook unless its organisation already has `max` webhooks; whether
    /// it was stored. The count and the insert are one step: concurrent inserts for one
    /// organisation never leave it with more than `max`.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn insert_webhook(&self, webhook: &Webhook, max: u32) -> Result<bool, RepositoryError>;

    /// The webhooks of `org`, oldest first.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`]; [`RepositoryError::Corrupt`].
    async fn webhooks(&self, org: &OrgId) -> Result<Vec<Webhook>, RepositoryError>;

    /// The webhook `id`, in any organisation.
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, RepositoryError>;

    /// Replaces the stored webhook by `webhook` if its stored version is still `expected`.
    ///
    /// # Errors
    /// [`RepositoryError::VersionConflict`] when it changed meanwhile;
    /// [`RepositoryError::NotFound`] when it was deleted; as
    /// [`WebhookRepository::insert_webhook`].
    async fn update_webhook(&self, webhook: &Webhook, expected: i64)
    -> Result<(), RepositoryError>;

    /// Deletes the webhook `id` and its deliveries; whether there was one.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn delete_webhook(&self, id: WebhookId) -> Result<bool, RepositoryError>;

    /// Up to `limit` deliveries of webhook `id`, newest first, older than `before` when
    /// given.
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn deliveries(
        &self,
        id: WebhookId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, RepositoryError>;

    /// Leases up to `limit` deliveries due at `now` until `until`: pending, due, not leased
    /// by another holder, and the oldest pending one of their webhook and application (so
    /// that each application's events reach a webhook in order). Every replica may call it
    /// at once: a delivery is leased by one of them (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL). Counts the attempt.
    ///
    /// Organisations take turns: each organisation's first due delivery is leased before
    /// any organisation's second, and within an organisation its webhooks take turns the
    /// same way (oldest first within a turn). A lease leaves an organisation with at most
    /// `per_org` deliveries leased, counting those leased earlier and not yet finished (by
    /// any holder whose lease has not run out), so that receivers that hang hold at most
    /// that many of the dispatchers' attempts (replicas leasing at the same instant may
    /// each take the organisation's share: they do not see each other's uncommitted
    /// leases).
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn lease_deliveries(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        per_org: u32,
    ) -> Result<Vec<DueDelivery>, RepositoryError>;

    /// Moves the pending deliveries of webhook `id` that are due before `until` and not
    /// leased at `now` to `until` (a webhook whose receiver does not answer backs off as a
    /// whole); how many moved. Their attempts are not counted.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn defer_deliveries(
        &self,
        id: WebhookId,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<u64, RepositoryError>;

    /// Records how attempt `attempt` of delivery `id` ended, unless the delivery has moved
    /// on since (another attempt leased it after this lease expired); whether it was
    /// recorded.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn finish_delivery(
        &self,
        id: i64,
        attempt: u32,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, RepositoryError>;
}

/// A signed message ready to be sent: the Standard Webhooks headers' inputs and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// `webhook-id`: the same on every attempt of a delivery.
    pub id: String,
    /// `webhook-timestamp`: seconds since the epoch, of this attempt.
    pub timestamp: i64,
    /// The JSON body.
    pub body: Vec<u8>,
    /// The signing keys (current, then previous during a rotation's grace period): one
    /// signature each.
    pub keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("body_len", &self.body.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Why an attempt got no 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendFailure {
    /// The status code, when the receiver answered.
    pub status: Option<u16>,
    /// What happened, for the deliveries listing (never a secret).
    pub reason: String,
}

/// Sends signed webhook messages, through the outbound guard in production.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Whether the server may deliver to `url` at all, as far as can be told before
    /// resolving it.
    ///
    /// # Errors
    /// [`OutboundRefusal`] naming the first rule `url` breaks (not https, a user name or
    /// password, a fragment, no host, a special-purpose address); its message reads as a
    /// field message once prefixed with "the URL ".
    fn permits(&self, url: &WebhookUrl) -> Result<(), OutboundRefusal>;

    /// Signs `message` with each of its keys (Standard Webhooks) and POSTs it to `url`;
    /// the status code of a 2xx answer.
    ///
    /// # Errors
    /// [`SendFailure`] for anything but a 2xx answer.
    async fn send(&self, url: &WebhookUrl, message: &OutgoingMessage) -> Result<u16, SendFailure>;
}

/// How a change is written for webhook receivers: the body of its deliveries. The HTTP
/// adapter's encoder is the one served (its type is the OpenAPI document's `webhooks`
/// payload); [`crate::testing::JsonChanges`] writes the same shape for unit tests.
pub trait ChangeEncoder: Send + Sync {
    /// The body of `entry`'s deliveries: the same bytes on every attempt.
    fn encode(&self, entry: &FeedEntry) -> Vec<u8>;
}
