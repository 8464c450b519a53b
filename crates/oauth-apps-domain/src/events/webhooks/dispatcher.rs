//! The dispatcher: leases due deliveries, signs and sends each (the body written by its
//! [`ChangeEncoder`]),
//! records the outcome and retries with exponential back-off ([`RetryPolicy`]).

use std::sync::Arc;
use std::time::Duration;

use super::model::{Webhook, message_id};
use super::ports::{ChangeEncoder, DeliveryOutcome, DueDelivery, OutgoingMessage, SendFailure};
use super::service::WebhookPorts;
use crate::shared::errors::RepositoryError;
use crate::shared::sealing::SealError;
use crate::shared::time::Timestamp;

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
///
/// [`WebhookRepository::lease_deliveries`]: crate::WebhookRepository::lease_deliveries
/// [`WebhookRepository::defer_deliveries`]: crate::WebhookRepository::defer_deliveries
pub struct WebhookDispatcher {
    ports: WebhookPorts,
    retry: RetryPolicy,
    encoder: Arc<dyn ChangeEncoder>,
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
    /// The dispatcher over `ports`, retrying by `retry`, writing each delivery's body with
    /// `encoder`; an organisation holds at most [`DEFAULT_PER_ORG_IN_FLIGHT`] attempts at
    /// once.
    #[must_use]
    pub fn new(ports: WebhookPorts, retry: RetryPolicy, encoder: Arc<dyn ChangeEncoder>) -> Self {
        Self {
            ports,
            retry,
            encoder,
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
    ///
    /// [`WebhookRepository::lease_deliveries`]: crate::WebhookRepository::lease_deliveries
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
                    body: self.encoder.encode(&delivery.entry),
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
}
