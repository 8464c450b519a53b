//! The server's background jobs: the purge of ended idempotency records, the secret expiry
//! warnings and the sweep of quiet self-registered clients, each a loop on the runtime.

use std::sync::Arc;
use std::time::Duration;

use oauth_apps_domain::{IdempotencyService, SecretLifecycleService};

/// Deletes the idempotency records whose window ended, once a minute.
pub fn start_idempotency_purge(idempotency: Arc<IdempotencyService>) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(Duration::from_secs(60)).await;
            match idempotency.purge().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(purged = n, "expired idempotency records deleted"),
                Err(e) => tracing::warn!(error = %e, "idempotency records could not be purged"),
            }
        }
    });
}

/// Emits the due `secret.expiring` warnings every `every` (each once, across replicas).
pub fn start_expiry_warnings(secrets: Arc<SecretLifecycleService>, every: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            loop {
                match secrets.warn_expiring(100).await {
                    Ok(0) => break,
                    Ok(n) => tracing::info!(warnings = n, "secret expiry warnings emitted"),
                    Err(e) => {
                        tracing::warn!(error = %e, "secret expiry warnings could not be emitted");
                        break;
                    }
                }
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}

/// How many clients a sweep reads at a time.
const STALE_PAGE: u32 = 100;

/// Starts the sweep of self-registered clients that went quiet (docs/registration.md,
/// "Clients that went quiet"): warned, then disabled, by the organisation's
/// `staleAfterDays`; at once, then every `every` (each warning and each disabling written
/// once across replicas).
pub fn start_stale_sweep(secrets: Arc<SecretLifecycleService>, every: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            match secrets.sweep_stale_clients(STALE_PAGE).await {
                Ok(sweep) if sweep.warned + sweep.disabled > 0 => tracing::info!(
                    warned = sweep.warned,
                    disabled = sweep.disabled,
                    "quiet self-registered clients swept"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "quiet self-registered clients could not be swept");
                }
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}
