//! The webhook dispatcher's loop: one per process, attempting due deliveries a bounded
//! number at a time (docs/webhooks.md, "Fairness").

use std::sync::Arc;
use std::time::Duration;

use oauth_apps_domain::WebhookDispatcher;
use tokio::sync::{Notify, Semaphore};

/// How long the loop lets wake-ups gather after one, so that a burst of commits (or of
/// attempts ending) costs one lease, not one each.
const GATHER: Duration = Duration::from_millis(20);

/// How many attempts at once one organisation may hold, out of a process's
/// `concurrency`: a quarter (at least one), so that up to three organisations whose
/// receivers hang leave attempts free for everyone else.
#[must_use]
pub fn per_org_share(concurrency: usize) -> u32 {
    u32::try_from(concurrency / 4).unwrap_or(u32::MAX).max(1)
}

/// Starts the loop: it leases as many due deliveries as there are free slots (of
/// `concurrency`) and starts each attempt on its own, so that a slow receiver holds one
/// slot, not the loop. It looks again as soon as an attempt ends, when `wake` is notified
/// (a change was committed, by this process or another), or after `poll` when nothing was
/// due. Leases in the database keep the loops of every replica apart.
pub fn start(dispatcher: WebhookDispatcher, concurrency: usize, poll: Duration, wake: Arc<Notify>) {
    let dispatcher = Arc::new(dispatcher);
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    actix_web::rt::spawn(async move {
        loop {
            let Ok(first) = Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let free = 1 + slots.available_permits();
            let due = match dispatcher
                .lease(u32::try_from(free).unwrap_or(u32::MAX))
                .await
            {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries could not be leased");
                    drop(first);
                    actix_web::rt::time::sleep(poll).await;
                    continue;
                }
            };
            let leased = due.len();
            let mut first = Some(first);
            for delivery in due {
                let slot = match first.take() {
                    Some(slot) => slot,
                    None => match Arc::clone(&slots).acquire_owned().await {
                        Ok(slot) => slot,
                        Err(_) => return,
                    },
                };
                let dispatcher = Arc::clone(&dispatcher);
                let wake = Arc::clone(&wake);
                actix_web::rt::spawn(async move {
                    match dispatcher.deliver(&delivery).await {
                        Ok(delivered) => tracing::debug!(
                            delivery = delivery.id,
                            attempt = delivery.attempt,
                            delivered,
                            "webhook delivery attempted"
                        ),
                        Err(e) => tracing::warn!(
                            delivery = delivery.id,
                            error = %e,
                            "a webhook delivery's outcome could not be recorded; it is \
                             attempted again when its lease runs out"
                        ),
                    }
                    drop(slot);
                    // The slot is free, and the next delivery of the same lane may be due.
                    wake.notify_one();
                });
            }
            drop(first);
            if leased < free {
                // Nothing more is due now: wait for an attempt to end, a commit, or the poll.
                tokio::select! {
                    () = wake.notified() => actix_web::rt::time::sleep(GATHER.min(poll)).await,
                    () = actix_web::rt::time::sleep(poll) => {}
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_holds_a_quarter_of_the_attempts() {
        assert_eq!(per_org_share(1), 1);
        assert_eq!(per_org_share(4), 1);
        assert_eq!(per_org_share(16), 4);
        assert_eq!(per_org_share(64), 16);
    }
}
