//! In-memory fakes of every port, for tests and examples (feature `testing`). Each lives
//! beside its port, in its capability's `fakes` module; they are all here too.
//!
//! They keep the ports' contracts (compare-and-set updates, org-scoped lookups, keyset
//! order), checked by the repository contract suite that the stores pass too
//! (`oauth-apps-test-support`'s `fakes` backend), but none of their production qualities: [`SeededRandom`] is **not** a CSPRNG and
//! [`FakeHasher`] is fast on purpose. Never use them outside tests.

pub use crate::applications::fakes::InMemoryRepository;
pub use crate::credentials::fakes::{
    FakeCertificateReader, FakeHasher, FakeKeyDirectory, InMemoryReplayGuard, RefuseAssertions,
};
pub use crate::events::webhooks::fakes::{InMemoryWebhooks, JsonChanges, RecordingSender};
pub use crate::idempotency::fakes::InMemoryIdempotency;
pub use crate::lifecycle::fakes::{InMemoryPolicies, InMemoryStaleClients};
pub use crate::registration::fakes::{InMemoryInitialAccessTokens, InMemoryMetadataDocuments};
pub use crate::shared::random::SeededRandom;
pub use crate::shared::sealing::FakeSealer;
pub use crate::shared::time::FixedClock;
