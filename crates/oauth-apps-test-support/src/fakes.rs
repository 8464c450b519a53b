//! The contract suite's third backend: the domain's in-memory fakes
//! (`oauth_apps_domain::testing`), one store behind every port as one database is behind
//! a store's. A write through the repository shows in the feed, the webhooks' deliveries
//! and the lifecycle store; the "other replica" and the "other webhooks" are views of the
//! same state, as a second pool on one database is.
//!
//! Library users' unit tests rely on these fakes: running the suite on them keeps them
//! meaning what the stores mean.

use std::sync::Arc;

use async_trait::async_trait;
use oauth_apps_domain::testing::{
    InMemoryIdempotency, InMemoryInitialAccessTokens, InMemoryPolicies, InMemoryReplayGuard,
    InMemoryRepository, InMemoryWebhooks,
};
use oauth_apps_domain::{
    AppId, ApplicationArchive, ApplicationRepository, EventFeed, IdempotencyStore,
    InitialAccessTokenRepository, OrganizationPolicies, ReplayGuard, SecretLifecycleStore,
    Timestamp, WebhookRepository,
};

use crate::Fixture;

/// Every in-memory fake, sharing state where the stores share a database.
pub struct FakesFixture {
    repository: Arc<InMemoryRepository>,
    webhooks: Arc<InMemoryWebhooks>,
    replay: InMemoryReplayGuard,
    tokens: Arc<InMemoryInitialAccessTokens>,
    idempotency: Arc<InMemoryIdempotency>,
    policies: Arc<InMemoryPolicies>,
    stale: Arc<oauth_apps_domain::testing::InMemoryStaleClients>,
}

/// A fresh set of empty fakes.
pub async fn fixture() -> FakesFixture {
    let webhooks = Arc::new(InMemoryWebhooks::new());
    let repository = Arc::new(InMemoryRepository::with_webhooks(webhooks.clone()));
    let policies = Arc::new(InMemoryPolicies::new());
    FakesFixture {
        stale: Arc::new(oauth_apps_domain::testing::InMemoryStaleClients::new(
            repository.clone(),
            policies.clone(),
        )),
        repository,
        webhooks,
        replay: InMemoryReplayGuard::new(),
        tokens: Arc::new(InMemoryInitialAccessTokens::new()),
        idempotency: Arc::new(InMemoryIdempotency::new()),
        policies,
    }
}

#[async_trait]
impl Fixture for FakesFixture {
    fn repository(&self) -> Arc<dyn ApplicationRepository> {
        self.repository.clone()
    }

    fn archive(&self) -> Arc<dyn ApplicationArchive> {
        self.repository.clone()
    }

    async fn audit_event_count(&self, app: AppId) -> usize {
        self.repository.event_count_of(app)
    }

    async fn secret_states(&self, app: AppId) -> Vec<String> {
        self.repository
            .secret_states(app)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    async fn key_set_states(&self, app: AppId) -> Vec<String> {
        self.repository
            .key_set_states(app)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn initial_access_tokens(&self) -> Arc<dyn InitialAccessTokenRepository> {
        self.tokens.clone()
    }

    fn replay_guard(&self) -> Arc<dyn ReplayGuard> {
        Arc::new(self.replay.clone())
    }

    fn feed(&self) -> Arc<dyn EventFeed> {
        self.repository.clone()
    }

    fn other_replica(&self) -> Arc<dyn ReplayGuard> {
        Arc::new(self.replay.clone())
    }

    fn webhooks(&self) -> Arc<dyn WebhookRepository> {
        self.webhooks.clone()
    }

    fn other_webhooks(&self) -> Arc<dyn WebhookRepository> {
        self.webhooks.clone()
    }

    fn idempotency(&self) -> Arc<dyn IdempotencyStore> {
        self.idempotency.clone()
    }

    fn lifecycle(&self) -> Arc<dyn SecretLifecycleStore> {
        self.repository.clone()
    }

    fn policies(&self) -> Arc<dyn OrganizationPolicies> {
        self.policies.clone()
    }

    fn stale_clients(&self) -> Arc<dyn oauth_apps_domain::StaleClientStore> {
        self.stale.clone()
    }

    fn registration_reads(&self) -> Arc<dyn oauth_apps_domain::RegistrationReads> {
        self.stale.clone()
    }

    async fn purge_expired_assertions(&self, now: Timestamp) -> usize {
        self.replay.purge_expired(now)
    }

    async fn assertion_records(&self) -> usize {
        self.replay.len()
    }
}
