//! Registration: how an application was registered, what that keeps, initial access tokens.

#[allow(clippy::wildcard_imports)]
use super::*;

/// How an application was registered is stored with it, read back with it (also in lists),
/// and kept by every update.
pub async fn registration_round_trips(f: &impl Fixture) {
    let repo = f.repository();
    let mut apps = Vec::new();
    for registration in Registration::ALL {
        let app = insert(
            &*repo,
            new_app("acme", registration.as_str(), at(10)).with_registration(registration),
        )
        .await;
        assert_eq!(app.registration(), registration);
        let stored = reload(&*repo, &app).await;
        assert_eq!(stored, app);
        let next = renamed(&stored, "Renamed", at(20));
        write(
            &*repo,
            &stored,
            &next,
            AuditAction::Updated,
            vec![ChangedField::Name],
        )
        .await;
        assert_eq!(reload(&*repo, &app).await.registration(), registration);
        apps.push(app);
    }
    let listed = repo.list_after(&org("acme"), None, None, 10).await.unwrap();
    for app in &apps {
        let found = listed.iter().find(|a| a.id() == app.id()).expect("listed");
        assert_eq!(found.registration(), app.registration());
    }
}

/// What a registration keeps (the client's metadata, the registration access token's
/// digest, the metadata document's URL) round-trips through insert, update and reads; a
/// second application cannot take a document URL another one has.
pub async fn registration_details_round_trip(f: &impl Fixture) {
    let repo = f.repository();
    let metadata = ClientMetadata::new(ClientMetadataRecord {
        client_uri: Some("https://client.example/".into()),
        logo_uri: Some("https://client.example/logo.png".into()),
        contacts: vec!["ops@client.example".into(), "sec@client.example".into()],
        software_id: Some("soft-1".into()),
        software_version: Some("1.2.3".into()),
        ..ClientMetadataRecord::default()
    })
    .expect("valid metadata");
    let dynamic = insert(
        &*repo,
        new_app("acme", "dynamic", at(10))
            .with_registration(Registration::Dynamic)
            .with_details(RegistrationDetails {
                metadata: metadata.clone(),
                access_token: Some(TokenDigest::of("oart_first")),
                document: None,
            }),
    )
    .await;
    let stored = reload(&*repo, &dynamic).await;
    assert_eq!(stored, dynamic);
    assert!(stored.accepts_registration_token("oart_first"));
    // Replaced metadata and a rotated token, written as one change.
    let next = stored.with_details(
        RegistrationDetails {
            metadata: ClientMetadata::EMPTY,
            access_token: Some(TokenDigest::of("oart_second")),
            document: None,
        },
        at(20),
    );
    write(
        &*repo,
        &stored,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Registration],
    )
    .await;
    let reread = reload(&*repo, &dynamic).await;
    assert_eq!(reread, next);
    assert!(reread.accepts_registration_token("oart_second"));
    assert!(!reread.accepts_registration_token("oart_first"));

    let url = MetadataDocumentUrl::parse("https://tools.example.com/tool.json").expect("url");
    let document = |label: &str| {
        new_app("acme", label, at(30))
            .with_registration(Registration::MetadataDocument)
            .with_details(RegistrationDetails {
                metadata: metadata.clone(),
                access_token: None,
                document: Some(url.clone()),
            })
    };
    let resolved = insert(&*repo, document("document")).await;
    let stored = reload(&*repo, &resolved).await;
    assert_eq!(stored.details().document.as_ref(), Some(&url));
    assert_eq!(stored, resolved);
    let listed = repo.list_after(&org("acme"), None, None, 10).await.unwrap();
    let found = listed
        .iter()
        .find(|a| a.id() == resolved.id())
        .expect("listed");
    assert_eq!(found.details(), resolved.details());
    assert!(
        repo.insert(&document("again"), &event(AuditAction::Created, at(40)))
            .await
            .is_err(),
        "one application per document URL"
    );
}

/// An initial access token of `org` minted at `created` seconds, expiring `lifetime`
/// seconds later, allowing `max_uses`.
pub(crate) fn access_token(
    org: &str,
    label: &str,
    created: i64,
    lifetime: i64,
    max_uses: Option<u32>,
) -> InitialAccessToken {
    InitialAccessToken {
        id: InitialAccessTokenId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        owner_org_id: OrgId::parse(org).expect("valid org"),
        digest: TokenDigest::of(&format!("oait_{label}")),
        created_by: "alice".into(),
        created_at: at(created),
        expires_at: at(created + lifetime),
        max_uses,
        uses: 0,
        revoked_at: None,
        allowance: oauth_apps_domain::SelfRegistrationAllowance::default(),
    }
}

/// Tokens are stored as they are minted (with what their allowance adds to the
/// organisation's self-registration policy), found by id and by digest, listed per
/// organisation newest first, and a revocation stands as first made.
pub async fn initial_access_tokens_round_trip(f: &impl Fixture) {
    use oauth_apps_domain::{AuthMethod, GrantType, SelfRegistrationAllowance};
    let store = f.initial_access_tokens();
    let older = access_token("acme", "older", 100, 600, Some(3));
    let newer = InitialAccessToken {
        allowance: SelfRegistrationAllowance {
            grant_types: vec![GrantType::ClientCredentials, GrantType::DeviceCode],
            scopes: vec!["admin".into(), "retired:scope".into()],
            auth_methods: vec![AuthMethod::PrivateKeyJwt],
        },
        ..access_token("acme", "newer", 200, 600, None)
    };
    let elsewhere = access_token("globex", "elsewhere", 300, 600, Some(1));
    for token in [&older, &newer, &elsewhere] {
        store.insert_initial_access_token(token).await.unwrap();
    }
    assert_eq!(
        store.initial_access_tokens(&org("acme")).await.unwrap(),
        vec![newer.clone(), older.clone()]
    );
    assert_eq!(
        store.find_initial_access_token(elsewhere.id).await.unwrap(),
        Some(elsewhere.clone())
    );
    assert_eq!(
        store
            .find_initial_access_token_by_digest(newer.digest)
            .await
            .unwrap(),
        Some(newer.clone())
    );
    let redeemed = store
        .redeem_initial_access_token(newer.digest, at(250))
        .await
        .unwrap()
        .expect("usable");
    assert_eq!(
        redeemed.allowance, newer.allowance,
        "a use keeps the allowance"
    );
    let unknown = InitialAccessTokenId::from_random_bytes([7; 16]);
    assert_eq!(
        store.find_initial_access_token(unknown).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .revoke_initial_access_token(unknown, at(400))
            .await
            .unwrap(),
        None
    );

    let revoked = store
        .revoke_initial_access_token(older.id, at(400))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(400)));
    let again = store
        .revoke_initial_access_token(older.id, at(500))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(at(400)),
        "the first revocation stands"
    );
    // The digest is unique: two tokens never share one.
    let twin = InitialAccessToken {
        id: InitialAccessTokenId::from_random_bytes([8; 16]),
        ..newer.clone()
    };
    assert!(store.insert_initial_access_token(&twin).await.is_err());
}

/// A token is redeemed while usable: each use counted, none past its last use, its expiry
/// or its revocation; of concurrent uses of its last use, one wins.
pub async fn initial_access_tokens_are_redeemed_while_usable(f: &impl Fixture) {
    let store = f.initial_access_tokens();
    let twice = access_token("acme", "twice", 100, 600, Some(2));
    store.insert_initial_access_token(&twice).await.unwrap();
    let first = store
        .redeem_initial_access_token(twice.digest, at(150))
        .await
        .unwrap()
        .expect("usable");
    assert_eq!(first.uses, 1);
    assert_eq!(
        store
            .redeem_initial_access_token(twice.digest, at(160))
            .await
            .unwrap()
            .map(|t| t.uses),
        Some(2)
    );
    assert_eq!(
        store
            .redeem_initial_access_token(twice.digest, at(170))
            .await
            .unwrap(),
        None,
        "used up"
    );
    assert_eq!(
        store
            .redeem_initial_access_token(TokenDigest::of("oait_unknown"), at(170))
            .await
            .unwrap(),
        None
    );

    let timed = access_token("acme", "timed", 100, 600, None);
    store.insert_initial_access_token(&timed).await.unwrap();
    assert!(
        store
            .redeem_initial_access_token(timed.digest, at(699))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .redeem_initial_access_token(timed.digest, at(700))
            .await
            .unwrap(),
        None
    );

    let revoked = access_token("acme", "revoked", 100, 600, None);
    store.insert_initial_access_token(&revoked).await.unwrap();
    store
        .revoke_initial_access_token(revoked.id, at(120))
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_initial_access_token(revoked.digest, at(130))
            .await
            .unwrap(),
        None
    );

    let last = access_token("acme", "last", 100, 600, Some(1));
    store.insert_initial_access_token(&last).await.unwrap();
    let attempts = (0..8).map(|_| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .redeem_initial_access_token(last.digest, at(150))
                .await
                .unwrap()
                .is_some()
        })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.expect("joined"));
    }
    assert_eq!(won, 1, "one registration gets the last use");
    let stored = store
        .find_initial_access_token(last.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.uses, 1);
}
