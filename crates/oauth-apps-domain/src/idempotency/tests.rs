//! Idempotency keys: the first answer again, sealed at rest; a different request 422; a
//! running one 409; taken over when its holder died; forgotten when released or expired;
//! given again only to a caller who may still write in its organisation; nothing claimed
//! without a data key.

use crate::idempotency::errors::IdempotencyError;
use crate::idempotency::fakes::InMemoryIdempotency;
use crate::idempotency::ports::IdempotencyStore;
use crate::idempotency::service::{Begun, IdempotencyService};
use crate::shared::ids::OrgId;
use crate::shared::principal::Denial;
use crate::shared::sealing::{FakeSealer, MockSealer, SealError, Sealer};
use crate::test_support::*;

fn service() -> (
    IdempotencyService,
    Arc<InMemoryIdempotency>,
    Arc<FixedClock>,
) {
    let store = Arc::new(InMemoryIdempotency::new());
    let clock = Arc::new(FixedClock::new(at(NOW)));
    (
        IdempotencyService::new(store.clone(), Arc::new(FakeSealer), clock.clone()),
        store,
        clock,
    )
}

fn alice() -> Principal {
    Principal::new("alice").with_org("acme", OrgRole::Admin)
}

fn bob() -> Principal {
    Principal::new("bob").with_org("acme", OrgRole::Admin)
}

fn acme() -> OrgId {
    OrgId::parse("acme").unwrap()
}

#[test]
fn a_retry_gets_the_first_answer_and_another_request_with_the_key_is_refused() {
    let (service, store, clock) = service();
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[1; 32])).unwrap(),
        Begun::Run
    );
    // While it runs: busy, for the same request; another request: a mismatch.
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[1; 32])).unwrap(),
        Begun::InFlight
    );
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[2; 32])).unwrap(),
        Begun::Mismatch
    );
    // Another caller's key of the same name is theirs.
    assert_eq!(
        block_on(service.begin(&bob(), "k1", &[2; 32])).unwrap(),
        Begun::Run
    );
    block_on(service.finish(&alice(), "k1", Some(&acme()), b"{\"secret\":\"s\"}")).unwrap();
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[1; 32])).unwrap(),
        Begun::Replay(b"{\"secret\":\"s\"}".to_vec())
    );
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[2; 32])).unwrap(),
        Begun::Mismatch
    );
    // The window ends: the key is new again, and purged.
    clock.advance(IDEMPOTENCY_WINDOW_SECONDS);
    assert_eq!(block_on(service.purge()).unwrap(), 2);
    assert!(store.is_empty());
    assert_eq!(
        block_on(service.begin(&alice(), "k1", &[2; 32])).unwrap(),
        Begun::Run
    );
}

#[test]
fn an_answer_is_kept_sealed_for_its_caller_and_key() {
    let (service, store, _) = service();
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Run
    );
    block_on(service.finish(&alice(), "k", Some(&acme()), b"secret answer")).unwrap();
    let Ok(crate::Claim::Answered(sealed)) = block_on(store.claim(
        "alice",
        "k",
        &[1; 32],
        at(NOW),
        at(NOW + 60),
        at(NOW + 86_400),
    )) else {
        panic!("answered");
    };
    // Sealed for this caller and key: it opens for them only.
    assert!(FakeSealer.open(&sealed, "idempotency:5:alice:k").is_ok());
    assert!(FakeSealer.open(&sealed, "idempotency:3:bob:k").is_err());
}

#[test]
fn a_replay_needs_the_callers_current_right_in_the_answers_organisation() {
    let (service, _, _) = service();
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Run
    );
    block_on(service.finish(&alice(), "k", Some(&acme()), b"the secret")).unwrap();
    // The same subject, no longer an admin: the refusal the request would get.
    let demoted = Principal::new("alice").with_org("acme", OrgRole::Member);
    assert_eq!(
        block_on(service.begin(&demoted, "k", &[1; 32])).unwrap(),
        Begun::Refused(Denial::Forbidden)
    );
    let gone = Principal::new("alice").with_org("globex", OrgRole::Admin);
    assert_eq!(
        block_on(service.begin(&gone, "k", &[1; 32])).unwrap(),
        Begun::Refused(Denial::Hidden)
    );
    // The record stays for a caller who may.
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Replay(b"the secret".to_vec())
    );
    let root = Principal::new("alice").with_role(PlatformRole::PlatformAdmin);
    assert_eq!(
        block_on(service.begin(&root, "k", &[1; 32])).unwrap(),
        Begun::Replay(b"the secret".to_vec())
    );
    // An answer that acted on no organisation (a refusal) is given again as it is.
    assert_eq!(
        block_on(service.begin(&alice(), "early", &[2; 32])).unwrap(),
        Begun::Run
    );
    block_on(service.finish(&alice(), "early", None, b"422")).unwrap();
    assert_eq!(
        block_on(service.begin(&demoted, "early", &[2; 32])).unwrap(),
        Begun::Replay(b"422".to_vec())
    );
}

#[test]
fn without_a_data_key_nothing_is_claimed() {
    let store = Arc::new(InMemoryIdempotency::new());
    let mut sealer = MockSealer::new();
    sealer.expect_seal().returning(|_, _| Err(SealError::NoKey));
    let service = IdempotencyService::new(
        store.clone(),
        Arc::new(sealer),
        Arc::new(FixedClock::new(at(NOW))),
    );
    for _ in 0..2 {
        assert!(matches!(
            block_on(service.begin(&alice(), "k", &[1; 32])),
            Err(IdempotencyError::Unavailable(_))
        ));
        assert!(store.is_empty(), "no claim left to answer 409");
    }
}

#[test]
fn a_released_key_runs_again_and_an_abandoned_one_is_taken_over() {
    let (service, _, clock) = service();
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Run
    );
    block_on(service.release(&alice(), "k")).unwrap();
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Run
    );
    // Its holder died: once the lock runs out, a retry runs it.
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::InFlight
    );
    clock.advance(IDEMPOTENCY_LOCK_SECONDS);
    assert_eq!(
        block_on(service.begin(&alice(), "k", &[1; 32])).unwrap(),
        Begun::Run
    );
}
