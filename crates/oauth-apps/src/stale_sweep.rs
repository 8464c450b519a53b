//! The sweep of self-registered clients that went quiet (docs/registration.md, "Clients
//! that went quiet"): warned, then disabled, by the organisation's `staleAfterDays`. It
//! runs beside the secret expiry warnings, every `OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS`;
//! each warning and each disabling is written once across replicas.

use std::sync::Arc;
use std::time::Duration;

use oauth_apps_domain::SecretLifecycleService;

/// How many clients a sweep reads at a time.
const PAGE: u32 = 100;

/// Starts the sweep: at once, then every `every`.
pub fn start(secrets: Arc<SecretLifecycleService>, every: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            match secrets.sweep_stale_clients(PAGE).await {
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
