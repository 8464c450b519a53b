//! How applications authenticate: the method, secrets only for secret methods, keys for
//! `private_key_jwt`, and key rotation with the rules of secrets.

use serde_json::{Value, json};

use crate::credentials::key_sets::{KeySet, KeySource};
use crate::credentials::keys::AuthMethod;
use crate::test_support::*;

fn ed25519(kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
}

fn jwks(kids: &[&str]) -> Value {
    json!({"keys": kids.iter().map(|k| ed25519(k)).collect::<Vec<_>>()})
}

fn with_method(method: &str, keys: KeysInput) -> RegisterApplication {
    RegisterApplication {
        token_endpoint_auth_method: Some(method.into()),
        keys,
        ..register_cmd()
    }
}

fn inline(kids: &[&str]) -> KeysInput {
    KeysInput {
        jwks: Some(jwks(kids)),
        jwks_uri: None,
    }
}

fn remote(uri: &str) -> KeysInput {
    KeysInput {
        jwks: None,
        jwks_uri: Some(uri.into()),
    }
}

fn invalid(err: RegisterError) -> Vec<(Field, String)> {
    let RegisterError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    errors
        .errors()
        .iter()
        .map(|e| (e.field, e.violation.to_string()))
        .collect()
}

#[test]
fn seed_calls_register_with_client_secret_basic_and_a_secret() {
    let f = Fakes::new();
    let registered = block_on(f.service().register(&admin(), register_cmd())).unwrap();
    assert!(registered.client_secret.is_some());
    let stored = f.stored(&registered.application);
    assert_eq!(stored.auth_method(), AuthMethod::ClientSecretBasic);
    assert!(stored.secrets().is_some() && stored.keys().is_none());
}

#[test]
fn private_key_jwt_and_none_get_no_secret_and_pay_no_hash() {
    // A hasher with no expectation panics when asked: no hash is paid for.
    let f = Fakes::new().with_hasher(MockSecretHasher::new());
    let keyed = block_on(f.service().register(
        &admin(),
        with_method("private_key_jwt", inline(&["k1", "k2"])),
    ))
    .unwrap();
    assert!(keyed.client_secret.is_none());
    let stored = f.stored(&keyed.application);
    assert_eq!(stored.auth_method(), AuthMethod::PrivateKeyJwt);
    assert!(stored.secrets().is_none());
    let Some(KeySource::Inline(set)) = stored.keys().map(|k| &k.current().credential) else {
        panic!("inline keys expected")
    };
    assert_eq!(set.kids().collect::<Vec<_>>(), ["k1", "k2"]);
    let (_, event) = f.written().into_iter().next().unwrap();
    assert!(event.changed_fields.contains(&ChangedField::Jwks));

    let public = RegisterApplication {
        app_type: Some("native".into()),
        redirect_urls: vec!["http://127.0.0.1/cb".into()],
        ..with_method("none", KeysInput::default())
    };
    let public = block_on(f.service().register(&admin(), public)).unwrap();
    assert!(public.client_secret.is_none());
    assert_eq!(
        f.stored(&public.application).auth_method(),
        AuthMethod::None
    );
}

#[test]
fn method_rules_are_named_and_nothing_is_written() {
    let f = Fakes::new();
    let service = f.service();
    let refused = |cmd| invalid(block_on(service.register(&admin(), cmd)).unwrap_err());
    let symmetric = refused(with_method("client_secret_jwt", KeysInput::default()));
    assert_eq!(symmetric[0].0, Field::TokenEndpointAuthMethod);
    assert!(
        symmetric[0].1.contains("client_secret_jwt") && symmetric[0].1.contains("private_key_jwt")
    );
    let none_for_web = refused(with_method("none", KeysInput::default()));
    assert_eq!(
        none_for_web,
        [(
            Field::TokenEndpointAuthMethod,
            Violation::AuthMethodNotForType { app_type: "web" }.to_string()
        )]
    );
    let keyless = refused(with_method("private_key_jwt", KeysInput::default()));
    assert_eq!(
        keyless,
        [(
            Field::TokenEndpointAuthMethod,
            Violation::KeysRequired.to_string()
        )]
    );
    let both = refused(with_method(
        "private_key_jwt",
        KeysInput {
            jwks: Some(jwks(&["k"])),
            jwks_uri: Some("https://c.example/jwks".into()),
        },
    ));
    assert_eq!(both, [(Field::Jwks, Violation::KeysTwice.to_string())]);
    let mut leaky = ed25519("leaky");
    leaky["d"] = json!("c2VjcmV0");
    let private = refused(with_method(
        "private_key_jwt",
        KeysInput {
            jwks: Some(json!({"keys": [leaky]})),
            jwks_uri: None,
        },
    ));
    assert_eq!(private[0].0, Field::Jwks);
    assert!(private[0].1.contains("'leaky'") && private[0].1.contains("'d'"));
    // The address policy refuses an IP literal in a refused range before anything else.
    for host in ["10.0.0.1", "169.254.169.254"] {
        let refused_uri = refused(with_method(
            "private_key_jwt",
            remote(&format!("https://{host}/jwks")),
        ));
        assert_eq!(refused_uri[0].0, Field::JwksUri, "{host}");
        assert!(refused_uri[0].1.contains("cannot be fetched"));
    }
    assert_eq!(
        refused(with_method(
            "private_key_jwt",
            remote("http://c.example/jwks")
        ))[0],
        (Field::JwksUri, Violation::NotHttps.to_string())
    );
    f.assert_nothing_written();
}

#[test]
fn private_key_jwt_needs_assertion_audiences() {
    let mut f = Fakes::new();
    f.config.assertion_audiences.clear();
    let err = block_on(
        f.service()
            .register(&admin(), with_method("private_key_jwt", inline(&["k"]))),
    )
    .unwrap_err();
    assert_eq!(
        invalid(err),
        [(
            Field::TokenEndpointAuthMethod,
            Violation::AssertionsDisabled.to_string()
        )]
    );
    // Keys alone may still be registered ahead of a switch.
    let ahead = block_on(
        f.service()
            .register(&admin(), with_method("client_secret_basic", inline(&["k"]))),
    )
    .unwrap();
    assert!(f.stored(&ahead.application).keys().is_some());
}

#[test]
fn a_patch_switches_the_method_by_the_same_rules() {
    let f = Fakes::new();
    let service = f.service();
    let app = block_on(service.register(&admin(), register_cmd()))
        .unwrap()
        .application;
    let target = by_client_id(&app);
    let patch = |p: ApplicationPatch| block_on(service.update(&admin(), &target, &p, None));
    // To private_key_jwt without keys: refused.
    let err = patch(ApplicationPatch {
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        ..ApplicationPatch::default()
    })
    .unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::TokenEndpointAuthMethod]);
    // With keys in the same body: switched, the secret revoked.
    let switched = patch(ApplicationPatch {
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        keys: remote("https://client.example/jwks.json"),
        ..ApplicationPatch::default()
    })
    .unwrap();
    assert_eq!(switched.auth_method(), AuthMethod::PrivateKeyJwt);
    assert!(switched.secrets().is_none(), "the secret is revoked");
    let (_, event) = f.written().into_iter().last().unwrap();
    assert_eq!(
        event.changed_fields,
        [ChangedField::TokenEndpointAuthMethod, ChangedField::JwksUri]
    );
    // Back to a secret method: there is no secret any more.
    let err = patch(ApplicationPatch {
        token_endpoint_auth_method: Some("client_secret_post".into()),
        ..ApplicationPatch::default()
    })
    .unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.errors()[0].violation, Violation::NoSecretForMethod);
    assert_eq!(f.stored(&app), switched);
}

#[test]
fn secret_rotation_is_a_conflict_for_apps_without_a_secret() {
    let f = Fakes::new();
    let keyed = block_on(
        f.service()
            .register(&admin(), with_method("private_key_jwt", inline(&["k"]))),
    )
    .unwrap()
    .application;
    let err = block_on(
        f.service()
            .rotate_secret(&admin(), &by_client_id(&keyed), None),
    )
    .unwrap_err();
    assert!(
        matches!(err, RotateSecretError::NoSecret(AuthMethod::PrivateKeyJwt)),
        "{err:?}"
    );
    assert!(err.to_string().contains("private_key_jwt"));
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn keys_rotate_with_a_grace_period_and_the_previous_set_can_be_revoked() {
    let f = Fakes::new();
    let app = block_on(
        f.service()
            .register(&admin(), with_method("private_key_jwt", inline(&["old"]))),
    )
    .unwrap()
    .application;
    let target = by_client_id(&app);
    let rotated = block_on(f.service().rotate_keys(
        &admin(),
        &target,
        RotateKeys {
            keys: inline(&["new"]),
            grace_period_seconds: Some(600),
        },
    ))
    .unwrap();
    let keys = rotated.keys().unwrap();
    let kids = |set: &KeySet| match &set.credential {
        KeySource::Inline(jwks) => jwks.kids().map(str::to_owned).collect::<Vec<_>>(),
        KeySource::Remote(_) => vec![],
    };
    assert_eq!(kids(keys.current()), ["new"]);
    let previous = keys.previous().unwrap();
    assert_eq!(kids(&previous.issued), ["old"]);
    assert_eq!(previous.expires_at, at(NOW + 600));
    assert_eq!(f.stored(&app), rotated);
    let (_, event) = f.written().into_iter().last().unwrap();
    assert_eq!(event.action, AuditAction::KeysRotated);

    // "Revoke the previous credential" ends the previous key set too.
    let revoked = block_on(f.service().revoke_previous_secret(&admin(), &target)).unwrap();
    assert!(revoked.keys().unwrap().previous().is_none());

    // Missing keys, a bad grace period: named, nothing written.
    let before = f.written().len();
    let err = block_on(f.service().rotate_keys(
        &admin(),
        &target,
        RotateKeys {
            keys: KeysInput::default(),
            grace_period_seconds: Some(-1),
        },
    ))
    .unwrap_err();
    let RotateKeysError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields(&errors), [Field::GracePeriodSeconds, Field::Jwks]);
    assert_eq!(f.written().len(), before);

    // A disabled application's keys cannot be rotated.
    block_on(f.service().disable(&admin(), &target)).unwrap();
    let err = block_on(f.service().rotate_keys(
        &admin(),
        &target,
        RotateKeys {
            keys: inline(&["newer"]),
            grace_period_seconds: None,
        },
    ))
    .unwrap_err();
    assert!(matches!(err, RotateKeysError::Revoked));
}

#[test]
fn a_secret_never_authenticates_an_app_that_does_not_use_one() {
    // The same two verifications as any failure, against the dummy hash.
    let f = Fakes::new();
    let keyed = block_on(
        f.service()
            .register(&admin(), with_method("private_key_jwt", inline(&["k"]))),
    )
    .unwrap()
    .application;
    let mut hasher = MockSecretHasher::new();
    hasher
        .expect_hash()
        .times(1)
        .returning(|_, _| Ok(SecretHash::new("$test$dummy").unwrap()));
    hasher
        .expect_verify()
        .withf(|_, h, _| h.as_phc() == "$test$dummy")
        .times(2)
        .returning(|_, _, _| Ok(false));
    let f = f.with_hasher(hasher);
    let secret = ClientSecret::from_random_bytes(&[9; 32]);
    let answer = block_on(f.service().authenticate_client(
        &authenticator(),
        &keyed.client_id().to_string(),
        secret.expose(),
    ))
    .unwrap();
    assert!(
        matches!(answer, ClientAuthentication::Invalid(_)),
        "{answer:?}"
    );
}
