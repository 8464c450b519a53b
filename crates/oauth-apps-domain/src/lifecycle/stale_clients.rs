//! Clients that registered themselves and went quiet: when an organisation's policy sets
//! `stale_after` ([`StaleAfter`]), a `dynamic` or `metadata_document` client heard of
//! neither by a credential use nor by a registration read (RFC 7592 `GET`, a metadata
//! document resolution) for that long is disabled, after a warning. Operators' clients
//! (`manual`) are never touched. This module decides what is due for one client
//! ([`Quietness::due`]); the rules are in docs/registration.md.

use std::sync::Arc;

use super::org_policy::StaleAfter;
use super::ports::{QuietClient, RegistrationReads, StaleClientStore};
use super::secret_lifecycle::SecretLifecycleService;
use crate::applications::application::OAuthApplication;
use crate::applications::attributes::Status;
use crate::events::change::{AuditAction, AuditEvent, ChangedField};
use crate::registration::details::Registration;
use crate::shared::errors::RepositoryError;
use crate::shared::time::Timestamp;

/// The actor of the warnings and of the disabling in the audit trail.
pub const STALE_CLIENT_ACTOR: &str = "system:stale-client";

/// How many days before a quiet client is disabled its warning comes (at most the quiet
/// period itself).
pub const STALE_WARNING_DAYS: u32 = 7;

const DAY_SECONDS: u32 = 86_400;

/// What is due now for a quiet client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleStep {
    /// Nothing: it was heard of recently, it was warned already, it is not a client that
    /// registered itself, it is disabled, or its organisation sets no quiet period.
    Nothing,
    /// The warning (once per quiet period).
    Warn,
    /// Disabling it: the quiet period is over and its warning came long enough ago.
    Disable,
}

/// What decides whether a client went quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quietness {
    /// How it was registered.
    pub registration: Registration,
    /// Whether it is disabled already.
    pub disabled: bool,
    /// When it was registered.
    pub created_at: Timestamp,
    /// The latest use of any of its credentials (current or previous), if any.
    pub last_used: Option<Timestamp>,
    /// The latest read of its registration (RFC 7592 `GET`, a document resolution).
    pub last_read: Option<Timestamp>,
    /// When it was last warned, if ever.
    pub warned_at: Option<Timestamp>,
}

impl Quietness {
    /// `app`'s, with its latest registration read and warning as storage keeps them.
    #[must_use]
    pub fn of(
        app: &OAuthApplication,
        last_read: Option<Timestamp>,
        warned_at: Option<Timestamp>,
    ) -> Self {
        let credentials = app.credentials();
        let last_used = [
            credentials.current_credential(),
            credentials.previous_credential(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|c| c.last_used_at)
        .max();
        Self {
            registration: app.registration(),
            disabled: app.is_disabled(),
            created_at: app.created_at(),
            last_used,
            last_read,
            warned_at,
        }
    }

    /// When it was last heard of: the latest of its registration, its last credential use
    /// and its last registration read. A quiet period starts here.
    #[must_use]
    pub fn last_heard_of(&self) -> Timestamp {
        [Some(self.created_at), self.last_used, self.last_read]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.created_at)
    }

    /// What is due at `now` under the quiet period `stale_after` (`None`: never). The
    /// warning is due [`STALE_WARNING_DAYS`] (at most the period) before the period ends,
    /// once per quiet period (a use or a read after it starts a new period); disabling is
    /// due when the period is over and the warning of this period came at least that
    /// long before, so that a client is never disabled unwarned (a policy set on clients
    /// already quiet warns them first).
    #[must_use]
    pub fn due(&self, stale_after: Option<StaleAfter>, now: Timestamp) -> StaleStep {
        let Some(stale_after) = stale_after else {
            return StaleStep::Nothing;
        };
        if self.disabled || self.registration == Registration::Manual {
            return StaleStep::Nothing;
        }
        let heard = self.last_heard_of();
        let days = stale_after.days();
        let lead = STALE_WARNING_DAYS.min(days);
        let after_days = |from: Timestamp, days: u32| from.plus_seconds(days * DAY_SECONDS);
        match self.warned_at.filter(|warned| *warned >= heard) {
            None if now >= after_days(heard, days - lead) => StaleStep::Warn,
            None => StaleStep::Nothing,
            Some(warned) if now >= after_days(heard, days) && now >= after_days(warned, lead) => {
                StaleStep::Disable
            }
            Some(_) => StaleStep::Nothing,
        }
    }
}

impl crate::applications::service::ApplicationService {
    /// With `reads`, where a self-registered client's registration reads are noted (an
    /// RFC 7592 use of its registration access token, a resolution of its metadata
    /// document): a read keeps it from going quiet.
    #[must_use]
    pub fn with_registration_reads(self, reads: Arc<dyn RegistrationReads>) -> Self {
        Self {
            reads: Some(reads),
            ..self
        }
    }

    /// Notes that `app`'s registration was read now, when it registered itself. Best
    /// effort, as a credential's use: a failed write is not the caller's failure.
    pub(crate) async fn note_registration_read(&self, app: &OAuthApplication) {
        let Some(reads) = &self.reads else {
            return;
        };
        if app.registration() == Registration::Manual {
            return;
        }
        let now = self.ports.clock.now();
        let _best_effort = reads.record_registration_read(app.id(), now).await;
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaleSweep {
    /// Clients warned (`stale_warning`).
    pub warned: usize,
    /// Clients disabled (`disabled`, by [`STALE_CLIENT_ACTOR`]).
    pub disabled: usize,
}

/// An event the sweep records of itself.
fn sweep_event(
    action: AuditAction,
    changed_fields: Vec<ChangedField>,
    at: Timestamp,
) -> AuditEvent {
    AuditEvent {
        action,
        actor: STALE_CLIENT_ACTOR.to_owned(),
        request_id: None,
        client_request_id: None,
        changed_fields,
        at,
    }
}

impl SecretLifecycleService {
    /// With `store`, where [`SecretLifecycleService::sweep_stale_clients`] finds the quiet
    /// clients (without it, a sweep does nothing).
    #[must_use]
    pub fn with_stale_clients(mut self, store: Arc<dyn StaleClientStore>) -> Self {
        self.stale = Some(store);
        self
    }

    /// Warns and disables the self-registered clients of every organisation whose policy
    /// sets a quiet period, as [`Quietness::due`] says: a warning is recorded once per
    /// quiet period (`stale_warning`, across replicas); a client is disabled as an admin's
    /// disable is (`disabled` with the status changed, through the repository's
    /// compare-and-set: a client changed meanwhile is judged again at the next sweep), by
    /// [`STALE_CLIENT_ACTOR`]. Reads `page` clients at a time.
    ///
    /// # Errors
    /// [`RepositoryError`] when storage fails.
    pub async fn sweep_stale_clients(&self, page: u32) -> Result<StaleSweep, RepositoryError> {
        let Some(store) = &self.stale else {
            return Ok(StaleSweep::default());
        };
        let now = self.ports.clock.now();
        let mut sweep = StaleSweep::default();
        for (org, stale_after) in store.quiet_periods().await? {
            let days = stale_after.days();
            let quiet_days = days - STALE_WARNING_DAYS.min(days);
            // Heard of since then: nothing is due (one second of margin at the edge).
            let quiet_since = Timestamp::from_unix_micros(
                now.unix_micros() - i64::from(quiet_days) * i64::from(DAY_SECONDS) * 1_000_000,
            )
            .unwrap_or(now)
            .plus_seconds(1);
            let mut after = None;
            loop {
                let clients = store.quiet_clients(&org, quiet_since, after, page).await?;
                let full = clients.len() >= page as usize;
                after = clients.last().map(|c| c.app.id());
                for client in clients {
                    self.sweep_one(store.as_ref(), client, stale_after, now, &mut sweep)
                        .await?;
                }
                if !full || after.is_none() {
                    break;
                }
            }
        }
        Ok(sweep)
    }

    async fn sweep_one(
        &self,
        store: &dyn StaleClientStore,
        client: QuietClient,
        stale_after: StaleAfter,
        now: Timestamp,
        sweep: &mut StaleSweep,
    ) -> Result<(), RepositoryError> {
        let quietness = Quietness::of(&client.app, client.last_read, client.warned_at);
        match quietness.due(Some(stale_after), now) {
            StaleStep::Nothing => {}
            StaleStep::Warn => {
                let event = sweep_event(AuditAction::StaleWarning, Vec::new(), now);
                if store
                    .mark_stale_warned(client.app.id(), quietness.last_heard_of(), now, &event)
                    .await?
                {
                    sweep.warned += 1;
                }
            }
            StaleStep::Disable => {
                let app = client.app;
                let next = app.with_status(Status::Revoked, now);
                let event = sweep_event(AuditAction::Disabled, vec![ChangedField::Status], now);
                match self
                    .ports
                    .repository
                    .update(&next, app.version(), &event)
                    .await
                {
                    Ok(()) => sweep.disabled += 1,
                    // Changed meanwhile (perhaps heard of): judged again next time.
                    Err(RepositoryError::VersionConflict) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u32 = DAY_SECONDS;

    fn at(seconds: u32) -> Timestamp {
        Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .plus_seconds(seconds)
    }

    fn quiet(registration: Registration) -> Quietness {
        Quietness {
            registration,
            disabled: false,
            created_at: at(0),
            last_used: None,
            last_read: None,
            warned_at: None,
        }
    }

    fn thirty() -> Option<StaleAfter> {
        Some(StaleAfter::from_days(30).unwrap())
    }

    #[test]
    fn a_quiet_client_is_warned_once_7_days_before_then_disabled() {
        for registration in [Registration::Dynamic, Registration::MetadataDocument] {
            let client = quiet(registration);
            assert_eq!(client.due(thirty(), at(23 * DAY - 1)), StaleStep::Nothing);
            assert_eq!(client.due(thirty(), at(23 * DAY)), StaleStep::Warn);
            let warned = Quietness {
                warned_at: Some(at(23 * DAY)),
                ..client
            };
            // Warned: not again in this quiet period.
            assert_eq!(warned.due(thirty(), at(25 * DAY)), StaleStep::Nothing);
            assert_eq!(warned.due(thirty(), at(30 * DAY - 1)), StaleStep::Nothing);
            assert_eq!(warned.due(thirty(), at(30 * DAY)), StaleStep::Disable);
        }
    }

    #[test]
    fn a_use_or_a_read_starts_a_new_quiet_period() {
        let warned = Quietness {
            warned_at: Some(at(23 * DAY)),
            ..quiet(Registration::Dynamic)
        };
        let used = Quietness {
            last_used: Some(at(24 * DAY)),
            ..warned
        };
        let read = Quietness {
            last_read: Some(at(24 * DAY)),
            ..warned
        };
        for heard in [used, read] {
            assert_eq!(heard.last_heard_of(), at(24 * DAY));
            assert_eq!(heard.due(thirty(), at(30 * DAY)), StaleStep::Nothing);
            // The earlier warning was of the earlier period: a new one is due.
            assert_eq!(heard.due(thirty(), at(47 * DAY)), StaleStep::Warn);
        }
    }

    #[test]
    fn operators_clients_disabled_ones_and_no_policy_are_never_touched() {
        let long_after = at(3700 * DAY);
        assert_eq!(
            quiet(Registration::Manual).due(thirty(), long_after),
            StaleStep::Nothing
        );
        let disabled = Quietness {
            disabled: true,
            ..quiet(Registration::Dynamic)
        };
        assert_eq!(disabled.due(thirty(), long_after), StaleStep::Nothing);
        assert_eq!(
            quiet(Registration::Dynamic).due(None, long_after),
            StaleStep::Nothing
        );
    }

    #[test]
    fn a_client_long_quiet_when_the_policy_is_set_is_warned_before_it_is_disabled() {
        let client = quiet(Registration::Dynamic);
        assert_eq!(client.due(thirty(), at(100 * DAY)), StaleStep::Warn);
        let warned = Quietness {
            warned_at: Some(at(100 * DAY)),
            ..client
        };
        assert_eq!(warned.due(thirty(), at(107 * DAY - 1)), StaleStep::Nothing);
        assert_eq!(warned.due(thirty(), at(107 * DAY)), StaleStep::Disable);
    }

    #[test]
    fn a_period_shorter_than_the_warning_is_warned_at_its_start() {
        let two = Some(StaleAfter::from_days(2).unwrap());
        let client = quiet(Registration::MetadataDocument);
        assert_eq!(client.due(two, at(0)), StaleStep::Warn);
        let warned = Quietness {
            warned_at: Some(at(0)),
            ..client
        };
        assert_eq!(warned.due(two, at(2 * DAY - 1)), StaleStep::Nothing);
        assert_eq!(warned.due(two, at(2 * DAY)), StaleStep::Disable);
    }
}
