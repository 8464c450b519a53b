//! Test helpers shared by the storage adapters:
//!
//! - [`pg::TestDatabase`]: a throwaway PostgreSQL database per test, copied from a migrated
//!   template, dropped when the test ends;
//! - [`pg_server::PrivateServer`]: a PostgreSQL server of a test's own, to stop and restart;
//! - [`contract`]: the repository contract suite, written once and run against every
//!   adapter through [`repository_contract_tests!`];
//! - [`fakes`]: the suite's third backend, the domain's in-memory fakes;
//! - [`closed_sets`]: the columns of closed sets, refused or named by each database.

// A test-only crate: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

pub mod closed_sets;
pub mod contract;
pub mod fakes;
#[cfg(feature = "https")]
pub mod https;
#[cfg(feature = "keys")]
pub mod keys;
pub mod pg;
pub mod pg_server;
#[cfg(feature = "https")]
pub mod receiver;

use std::sync::Arc;

use async_trait::async_trait;
use oauth_apps_domain::{
    AppId, ApplicationArchive, ApplicationRepository, EventFeed, IdempotencyStore,
    InitialAccessTokenRepository, OrganizationPolicies, RegistrationReads, ReplayGuard,
    SecretLifecycleStore, StaleClientStore, Timestamp, WebhookRepository,
};

/// A repository under test, with the storage-specific views the contract suite needs.
#[async_trait]
pub trait Fixture: Send + Sync {
    /// The repository under test.
    fn repository(&self) -> Arc<dyn ApplicationRepository>;

    /// The same store as an archive (export/import).
    fn archive(&self) -> Arc<dyn ApplicationArchive>;

    /// How many audit events are stored for `app`.
    async fn audit_event_count(&self, app: AppId) -> usize;

    /// The states (`current`, `previous`, `revoked`) of every stored secret of `app`, by id.
    async fn secret_states(&self, app: AppId) -> Vec<String>;

    /// The states (`current`, `previous`) of every stored key set of `app`, by id.
    async fn key_set_states(&self, app: AppId) -> Vec<String>;

    /// The same store as the store of initial access tokens.
    fn initial_access_tokens(&self) -> Arc<dyn InitialAccessTokenRepository>;

    /// The same store as the replay guard of client assertions.
    fn replay_guard(&self) -> Arc<dyn ReplayGuard>;

    /// The same store as the change feed.
    fn feed(&self) -> Arc<dyn EventFeed>;

    /// A second, independent store (its own pool) on the same database: another replica.
    fn other_replica(&self) -> Arc<dyn ReplayGuard>;

    /// The same store as the store of webhooks and their deliveries.
    fn webhooks(&self) -> Arc<dyn WebhookRepository>;

    /// Webhooks and deliveries through a second, independent store on the same database.
    fn other_webhooks(&self) -> Arc<dyn WebhookRepository>;

    /// The same store as the store of idempotency keys.
    fn idempotency(&self) -> Arc<dyn IdempotencyStore>;

    /// The same store as the store of secret lifecycles.
    fn lifecycle(&self) -> Arc<dyn SecretLifecycleStore>;

    /// The same store as the store of organisations' policies.
    fn policies(&self) -> Arc<dyn OrganizationPolicies>;

    /// The same store as the store of self-registered clients' quiet periods.
    fn stale_clients(&self) -> Arc<dyn StaleClientStore>;

    /// The same store as the store of registration reads.
    fn registration_reads(&self) -> Arc<dyn RegistrationReads>;

    /// Purges the assertion records expired by `now`; how many went.
    async fn purge_expired_assertions(&self, now: Timestamp) -> usize;

    /// How many assertion records are stored, of every client.
    async fn assertion_records(&self) -> usize;
}

/// Declares one `#[tokio::test]` per case of the contract suite, each on a fresh fixture
/// made by `$fixture().await`.
#[macro_export]
macro_rules! repository_contract_tests {
    ($fixture:path) => {
        $crate::repository_contract_tests!(@cases $fixture;
            crud_and_not_found,
            org_isolation,
            keyset_pagination_across_equal_timestamps,
            numbered_pages_and_totals,
            compare_and_set_conflicts,
            concurrent_updates_lose_nothing,
            concurrent_rotations_leave_one_current_secret,
            aborted_update_writes_nothing,
            every_field_round_trips,
            duplicate_client_id_is_refused,
            audit_trail_round_trips,
            archive_round_trips,
            values_stored_under_earlier_rules_stay_readable,
            private_key_jwt_with_inline_keys_round_trips,
            auth_method_none_round_trips,
            key_rotation_round_trips_then_the_previous_set_is_revoked,
            concurrent_key_rotations_leave_one_current_set,
            switching_method_by_update_drops_the_secrets,
            an_application_with_a_jwks_uri_round_trips,
            archive_round_trips_with_keys,
            credential_uses_are_written_once_a_minute_and_survive_updates,
            key_set_uses_are_written_and_go_with_the_set,
            secret_serials_hints_and_issue_times_round_trip,
            assertion_ids_are_single_use_per_client_across_replicas,
            expired_assertion_ids_are_purged_and_may_be_used_again,
            assertion_ids_expire_by_the_time_the_guard_is_given,
            registration_round_trips,
            registration_details_round_trip,
            the_feed_holds_every_event_once_in_commit_order,
            a_write_records_each_of_its_events_in_order,
            initial_access_tokens_round_trip,
            initial_access_tokens_are_redeemed_while_usable,
            webhook_deliveries_are_written_with_each_event_for_the_webhooks_that_hear_it,
            webhooks_round_trip_with_compare_and_set,
            leases_keep_each_applications_order_and_one_holder,
            replicas_leasing_at_once_take_each_delivery_once,
            leases_take_turns_between_organisations_and_webhooks,
            webhook_inserts_keep_to_the_organisations_limit,
            idempotency_keys_are_claimed_once_answered_and_expire,
            secret_lifecycles_round_trip_and_marks_are_written_once,
            policies_round_trip,
            quiet_self_registered_clients_are_found_warned_once_and_heard_of,
            names_are_searched_case_insensitively_with_wildcards_taken_literally,
        );
        $crate::repository_contract_tests!(@cases_of closed_sets $fixture;
            every_member_of_each_closed_set_round_trips,
        );
    };
    (@cases $fixture:path; $($case:ident),* $(,)?) => {
        $crate::repository_contract_tests!(@cases_of contract $fixture; $($case),*);
    };
    (@cases_of $module:ident $fixture:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let fixture = $fixture().await;
                $crate::$module::$case(&fixture).await;
            }
        )*
    };
}

/// A folder under the system's temporary folder, removed with everything in it on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// A new empty folder.
    ///
    /// # Panics
    /// When it cannot be created.
    #[must_use]
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("oauth-apps-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        Self(path)
    }

    /// Its path.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
