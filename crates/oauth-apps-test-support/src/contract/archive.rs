//! Export and import: the archive keeps everything exactly.

#[allow(clippy::wildcard_imports)]
use super::*;

/// An application as an export carries it: id `id`, two audit events with ids
/// `id * 10` and `id * 10 + 1`, and with `previous` a previous secret too.
fn archived(id: i64, previous: bool) -> ArchivedApplication {
    let secret = |label: &str, serial: u32, created_at: Timestamp| {
        Secret::new(
            HashedSecret::new(hash(label), None),
            CredentialSerial::new(serial).expect("a serial"),
            created_at,
        )
    };
    let current = Secret {
        last_used_at: Some(at(id * 100 + 70)),
        ..secret(&format!("current-{id}"), 2, at(id * 100 + 50))
    }
    .with_lifecycle(SecretLifecycle {
        expires_at: Some(at(id * 100 + 50 + 86_400)),
        lookup: Some(TokenDigest::of(&format!("current-{id}"))),
        expiry_warned_days: Some(14),
        leaked_at: (id % 2 == 0).then(|| at(id * 100 + 60)),
    });
    let current = Secret {
        credential: HashedSecret {
            hint: Some(SecretHint::restore(format!("c{:03}", id % 1000)).expect("a hint")),
            ..current.credential
        },
        ..current
    };
    let previous = previous.then(|| PreviousSecret {
        issued: secret(&format!("previous-{id}"), 1, at(id * 100)),
        expires_at: at(90_000),
    });
    let dynamic = id % 2 == 1;
    let metadata = if dynamic {
        ClientMetadataRecord {
            client_uri: Some(format!("https://client{id}.example.com/")),
            contacts: vec![format!("ops{id}@example.com")],
            software_id: Some("imported-software".into()),
            ..ClientMetadataRecord::default()
        }
    } else {
        ClientMetadataRecord::default()
    };
    let stored = StoredApplication {
        id: AppId::new(id).expect("a valid id"),
        client_id: ClientId::parse(&uuid::Uuid::new_v4().hyphenated().to_string())
            .expect("a client id"),
        owner_org_id: OrgId::parse("acme").expect("an org"),
        app_type: AppType::Native,
        name: format!("Imported {id}"),
        description: Some("moved here".into()),
        redirect_urls: vec!["http://127.0.0.1/cb".into(), "com.example.app:/cb".into()],
        allowed_scopes: vec!["read".into(), "write".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        access_level: AccessLevel::User,
        status: if id % 2 == 0 {
            Status::Revoked
        } else {
            Status::Active
        },
        is_first_party: id % 3 == 0,
        auth_method: AuthMethod::ClientSecretBasic,
        secrets: Some(Secrets::restore(current, previous)),
        keys: None,
        tls_subject: None,
        requirements: ClientRequirements {
            dpop_bound_access_tokens: id % 2 == 1,
            tls_client_certificate_bound_access_tokens: id % 3 == 1,
            require_pushed_authorization_requests: dynamic,
        },
        registration: if dynamic {
            Registration::Dynamic
        } else {
            Registration::Manual
        },
        details: RegistrationDetails {
            metadata: ClientMetadata::new(metadata).expect("valid metadata"),
            access_token: dynamic.then(|| TokenDigest::of(&format!("oart_imported-{id}"))),
            document: None,
        },
        created_at: at(id * 100),
        updated_at: at(id * 100 + 50),
        version: Version::new(2).expect("a version"),
    };
    let application = OAuthApplication::restore(stored).expect("a valid application");
    let events = vec![
        StoredAuditEvent {
            id: id * 10,
            event: event(AuditAction::Created, at(id * 100)),
        },
        StoredAuditEvent {
            id: id * 10 + 1,
            event: event(AuditAction::Updated, at(id * 100 + 50)),
        },
    ];
    ArchivedApplication {
        application,
        events,
    }
}

/// Import keeps ids, versions, timestamps, secrets and events exactly; export pages by id;
/// identities continue after imported ids; a colliding import writes nothing.
pub async fn archive_round_trips(f: &impl Fixture) {
    let archive = f.archive();
    let repo = f.repository();
    assert!(archive.is_empty().await.expect("is_empty"));
    let apps: Vec<ArchivedApplication> = [3, 5, 8, 13, 21]
        .iter()
        .map(|&id| archived(id, id == 5))
        .collect();
    archive.import(&apps).await.expect("import");
    assert!(!archive.is_empty().await.expect("is_empty"));

    let mut exported = Vec::new();
    let mut after = 0;
    loop {
        let page = archive.export_after(after, 2).await.expect("export");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last.application.id().get();
        exported.extend(page);
    }
    assert_eq!(exported, apps);
    assert_eq!(
        reload(&*repo, &apps[1].application).await,
        apps[1].application,
        "the repository reads what was imported"
    );

    // New rows continue after the imported ids.
    let fresh = insert(&*repo, new_app("acme", "After", at(5_000))).await;
    assert!(fresh.id().get() > 21, "{:?}", fresh.id());
    let trail = repo
        .list_events(fresh.id(), None, 10)
        .await
        .expect("events");
    assert!(trail[0].id > 211, "{}", trail[0].id);

    // A batch with one taken client id is refused whole.
    let new_one = archived(34, false);
    let batch = [new_one.clone(), apps[0].clone()];
    assert!(matches!(
        archive.import(&batch).await,
        Err(RepositoryError::DuplicateClientId)
    ));
    assert_eq!(
        repo.find_by_client_id(new_one.application.client_id())
            .await
            .expect("find"),
        None
    );
}

/// An exported application with keys, as [`archived`] but authenticating with
/// `private_key_jwt` (inline keys, and a previous set at a URL when `previous`) or, when
/// `id` is even, with `none` as a native app.
fn archived_with_keys(id: i64, previous: bool) -> ArchivedApplication {
    let mut archived = archived(id, false);
    let stored = archived.application.to_stored();
    let stored = if id % 2 == 0 {
        StoredApplication {
            auth_method: AuthMethod::None,
            secrets: None,
            ..stored
        }
    } else {
        let set = |source, serial, created_at, last_used_at| KeySet {
            last_used_at,
            ..KeySet::new(
                source,
                CredentialSerial::new(serial).expect("a serial"),
                created_at,
            )
        };
        let current = set(
            KeySource::Inline(jwks(&[format!("key-{id}").as_str(), "p256"])),
            3,
            at(id * 100 + 50),
            Some(at(id * 100 + 60)),
        );
        let previous = previous.then(|| PreviousKeySet {
            issued: set(
                KeySource::Remote(
                    JwksUri::parse(&format!("https://client.example/{id}/jwks")).expect("a URL"),
                ),
                2,
                at(id * 100),
                None,
            ),
            expires_at: at(90_000),
        });
        StoredApplication {
            app_type: AppType::Web,
            redirect_urls: vec!["https://app.example.com/cb".into()],
            auth_method: AuthMethod::PrivateKeyJwt,
            secrets: None,
            keys: Some(KeySets::restore(current, previous)),
            ..stored
        }
    };
    archived.application = OAuthApplication::restore(stored).expect("a valid application");
    archived
}

/// Import keeps the methods and key sets (current, previous with its expiry) exactly, and
/// export gives them back, beside applications with secrets.
pub async fn archive_round_trips_with_keys(f: &impl Fixture) {
    let archive = f.archive();
    let repo = f.repository();
    let apps = vec![
        archived(2, true),
        archived_with_keys(3, true),
        archived_with_keys(4, false),
        archived_with_keys(7, false),
    ];
    archive.import(&apps).await.expect("import");
    let exported = archive.export_after(0, 10).await.expect("export");
    assert_eq!(exported, apps);
    let signed = reload(&*repo, &apps[1].application).await;
    assert_eq!(signed, apps[1].application);
    assert_eq!(signed.auth_method(), AuthMethod::PrivateKeyJwt);
    let previous = signed.keys().and_then(KeySets::previous).expect("previous");
    assert_eq!(previous.expires_at, at(90_000));
    assert_eq!(
        sorted(f.key_set_states(AppId::new(3).expect("valid")).await),
        ["current", "previous"]
    );
    assert!(
        f.secret_states(AppId::new(3).expect("valid"))
            .await
            .is_empty()
    );
    let public = reload(&*repo, &apps[2].application).await;
    assert_eq!(public.auth_method(), AuthMethod::None);
    assert!(public.secrets().is_none() && public.keys().is_none());
}
