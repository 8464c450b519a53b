//! Initial access tokens: minting (its rules, who may), listing, revoking and redeeming.

use crate::registration::fakes::InMemoryInitialAccessTokens;
use crate::registration::ports::{
    InitialAccessTokenRepository as _, MockInitialAccessTokenRepository,
};
use crate::shared::digest::TokenDigest;
use crate::test_support::*;

struct Tokens {
    service: InitialAccessTokenService,
    store: Arc<InMemoryInitialAccessTokens>,
    clock: Arc<FixedClock>,
}

fn tokens() -> Tokens {
    let store = Arc::new(InMemoryInitialAccessTokens::new());
    let clock = Arc::new(FixedClock::new(at(1_000)));
    let service = InitialAccessTokenService::new(InitialAccessTokenPorts {
        repository: store.clone(),
        clock: clock.clone(),
        random: Arc::new(SeededRandom::new(3)),
    });
    Tokens {
        service,
        store,
        clock,
    }
}

fn admin() -> Principal {
    Principal::new("alice").with_org("acme", OrgRole::Admin)
}

fn mint(expires_in_seconds: i64, max_uses: Option<i64>) -> MintInitialAccessToken {
    MintInitialAccessToken {
        owner_org_id: "acme".into(),
        expires_in_seconds,
        max_uses,
        allowance: None,
    }
}

#[test]
fn a_minted_token_is_shown_once_and_kept_as_its_digest() {
    let t = tokens();
    let minted = block_on(t.service.mint(&admin(), mint(3_600, Some(2)))).unwrap();
    let token = &minted.token;
    assert!(minted.secret.expose().starts_with("oait_"));
    assert_eq!(token.digest, TokenDigest::of(minted.secret.expose()));
    assert_eq!(token.owner_org_id.as_str(), "acme");
    assert_eq!(token.created_by, "alice");
    assert_eq!(token.created_at, at(1_000));
    assert_eq!(token.expires_at, at(4_600));
    assert_eq!(
        (token.max_uses, token.uses, token.revoked_at),
        (Some(2), 0, None)
    );
    let listed = block_on(t.service.list(&admin(), "acme")).unwrap();
    assert_eq!(listed, vec![token.clone()]);
    // Two tokens never share their plaintext or id.
    let other = block_on(t.service.mint(&admin(), mint(60, None))).unwrap();
    assert_ne!(other.secret.expose(), minted.secret.expose());
    assert_ne!(other.token.id, token.id);
    assert_eq!(other.token.max_uses, None);
}

#[test]
fn every_broken_rule_is_named_and_nothing_is_stored() {
    let t = tokens();
    for (request, fields) in [
        (mint(59, None), vec![Field::ExpiresInSeconds]),
        (
            mint(MAX_TOKEN_LIFETIME_SECONDS + 1, None),
            vec![Field::ExpiresInSeconds],
        ),
        (mint(60, Some(0)), vec![Field::MaxUses]),
        (mint(60, Some(MAX_TOKEN_USES + 1)), vec![Field::MaxUses]),
        (
            MintInitialAccessToken {
                owner_org_id: "bad org".into(),
                expires_in_seconds: -1,
                max_uses: Some(-1),
                allowance: None,
            },
            vec![Field::OwnerOrgId, Field::ExpiresInSeconds, Field::MaxUses],
        ),
    ] {
        let Err(MintTokenError::Invalid(errors)) = block_on(t.service.mint(&admin(), request))
        else {
            panic!("refused");
        };
        for field in fields {
            assert!(errors.concerns(field), "{field}: {errors}");
        }
    }
    assert!(block_on(t.service.mint(&admin(), mint(60, Some(1)))).is_ok());
    assert!(
        block_on(t.service.mint(
            &admin(),
            mint(MAX_TOKEN_LIFETIME_SECONDS, Some(MAX_TOKEN_USES))
        ))
        .is_ok()
    );
    assert_eq!(block_on(t.service.list(&admin(), "acme")).unwrap().len(), 2);
}

#[test]
fn only_the_organisations_admins_manage_its_tokens() {
    let t = tokens();
    let member = Principal::new("bob").with_org("acme", OrgRole::Member);
    let outsider = Principal::new("eve").with_org("globex", OrgRole::Admin);
    let platform = Principal::new("root").with_role(PlatformRole::PlatformAdmin);
    assert!(matches!(
        block_on(t.service.mint(&member, mint(60, None))),
        Err(MintTokenError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(t.service.mint(&outsider, mint(60, None))),
        Err(MintTokenError::Forbidden(_))
    ));
    let minted = block_on(t.service.mint(&platform, mint(60, None))).unwrap();
    assert!(matches!(
        block_on(t.service.list(&member, "acme")),
        Err(ListTokensError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(t.service.list(&outsider, "acme")),
        Err(ListTokensError::NotFound)
    ));
    let id = minted.token.id.to_string();
    assert!(matches!(
        block_on(t.service.revoke(&member, &id)),
        Err(RevokeTokenError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(t.service.revoke(&outsider, &id)),
        Err(RevokeTokenError::NotFound)
    ));
    assert!(matches!(
        block_on(t.service.revoke(&admin(), "not-an-id")),
        Err(RevokeTokenError::NotFound)
    ));
    assert!(block_on(t.service.revoke(&admin(), &id)).is_ok());
}

#[test]
fn a_token_redeems_until_used_up_expired_or_revoked() {
    let t = tokens();
    let once = block_on(t.service.mint(&admin(), mint(600, Some(1)))).unwrap();
    let redeemed = block_on(t.service.redeem(once.secret.expose()))
        .unwrap()
        .unwrap();
    assert_eq!(redeemed.uses, 1);
    assert_eq!(
        block_on(t.service.redeem(once.secret.expose())).unwrap(),
        None
    );
    assert_eq!(block_on(t.service.redeem("oait_made-up")).unwrap(), None);

    let timed = block_on(t.service.mint(&admin(), mint(600, None))).unwrap();
    t.clock.advance(599);
    assert!(
        block_on(t.service.redeem(timed.secret.expose()))
            .unwrap()
            .is_some()
    );
    t.clock.advance(1);
    assert_eq!(
        block_on(t.service.redeem(timed.secret.expose())).unwrap(),
        None
    );

    t.clock.advance(400);
    let revoked = block_on(t.service.mint(&admin(), mint(600, None))).unwrap();
    let id = revoked.token.id.to_string();
    let first = block_on(t.service.revoke(&admin(), &id)).unwrap();
    assert_eq!(first.revoked_at, Some(at(2_000)));
    t.clock.advance(100);
    let again = block_on(t.service.revoke(&admin(), &id)).unwrap();
    assert_eq!(
        again.revoked_at,
        Some(at(2_000)),
        "the first revocation stands"
    );
    assert_eq!(
        block_on(t.service.redeem(revoked.secret.expose())).unwrap(),
        None
    );
    let stored = block_on(t.store.find_initial_access_token(revoked.token.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.uses, 0);
}

#[test]
fn a_failing_store_is_unavailable_and_no_token_is_shown() {
    let mut repository = MockInitialAccessTokenRepository::new();
    repository
        .expect_insert_initial_access_token()
        .returning(|_| Err(RepositoryError::Unavailable("down".into())));
    let service = InitialAccessTokenService::new(InitialAccessTokenPorts {
        repository: Arc::new(repository),
        clock: Arc::new(FixedClock::new(at(1))),
        random: Arc::new(SeededRandom::new(1)),
    });
    let err = block_on(service.mint(&admin(), mint(60, None))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}
