//! Mutual-TLS client authentication (RFC 8705 §2): a CA-issued certificate checked by the
//! subject the client registered, a self-signed one by the client's key sets (rotated with
//! grace like keys), validity, and the thumbprint. Certificates are read by an adapter
//! (tested there with real ones); here they are made directly.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::credentials::certificate::{ClientCertificate, SubjectAltNames};
use crate::credentials::distinguished_name::DistinguishedName;
use crate::credentials::input::TlsSubjectInput;
use crate::credentials::keys::AuthMethod;
use crate::credentials::rotate::RotateKeys;
use crate::test_support::*;

/// A certificate of `der`, for `CN=client,O=Example`, with the SAN dNSName `dns`, valid
/// from `from` to `to` (seconds).
fn certificate(der: &[u8], dns: &str, from: i64, to: i64) -> ClientCertificate {
    ClientCertificate::new(
        der.to_vec(),
        DistinguishedName::parse("CN=client,O=Example").unwrap(),
        SubjectAltNames {
            dns_names: vec![dns.to_owned()],
            ip_addresses: vec!["192.0.2.7".parse::<IpAddr>().unwrap()],
            ..SubjectAltNames::default()
        },
        at(from),
        at(to),
    )
}

/// A JWK Set of one Ed25519 key whose `x5c` is `der`.
fn jwks_with(der: &[u8], kid: &str) -> Value {
    json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": kid,
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "x5c": [STANDARD.encode(der)]}]})
}

fn mtls_cmd(method: &str, subject: TlsSubjectInput, jwks: Option<Value>) -> RegisterApplication {
    RegisterApplication {
        token_endpoint_auth_method: Some(method.into()),
        tls_subject: subject,
        keys: KeysInput {
            jwks,
            jwks_uri: None,
        },
        ..register_cmd()
    }
}

fn check(f: &Fakes, app: &OAuthApplication, cert: &ClientCertificate) -> Result<(), Refusal> {
    let answer = block_on(f.service().authenticate_certificate(
        &authenticator(),
        &app.client_id().to_string(),
        cert,
    ))
    .unwrap();
    assert_eq!(answer.thumbprint, *cert.thumbprint());
    match answer.answer {
        ClientAuthentication::Valid(valid) => {
            assert_eq!(valid.client_id(), app.client_id());
            Ok(())
        }
        ClientAuthentication::Invalid(reason) => Err(reason),
    }
}

#[test]
fn a_ca_issued_certificate_passes_by_the_registered_subject_only() {
    let f = Fakes::new();
    let by_dns = TlsSubjectInput {
        san_dns: Some("client.example.com".into()),
        ..TlsSubjectInput::default()
    };
    let app = block_on(
        f.service()
            .register(&admin(), mtls_cmd("tls_client_auth", by_dns, None)),
    )
    .unwrap()
    .application;
    assert_eq!(app.auth_method(), AuthMethod::TlsClientAuth);
    assert!(
        app.secrets().is_none(),
        "a certificate method keeps no secret"
    );
    let good = certificate(b"one", "Client.Example.COM", 0, NOW + 3600);
    assert_eq!(check(&f, &app, &good), Ok(()));
    let wrong_san = certificate(b"two", "other.example.com", 0, NOW + 3600);
    assert_eq!(
        check(&f, &app, &wrong_san),
        Err(Refusal::CertificateMismatch)
    );
    let expired = certificate(b"three", "client.example.com", 0, NOW - 1);
    assert_eq!(
        check(&f, &app, &expired),
        Err(Refusal::CertificateNotValidNow)
    );
    let early = certificate(b"four", "client.example.com", NOW + 1, NOW + 3600);
    assert_eq!(
        check(&f, &app, &early),
        Err(Refusal::CertificateNotValidNow)
    );

    let by_dn = TlsSubjectInput {
        subject_dn: Some("cn=Client, o=example".into()),
        ..TlsSubjectInput::default()
    };
    let dn_app = block_on(
        f.service()
            .register(&admin(), mtls_cmd("tls_client_auth", by_dn, None)),
    )
    .unwrap()
    .application;
    assert_eq!(check(&f, &dn_app, &good), Ok(()));
    // A secret client cannot pass with a certificate, nor an unknown one.
    let secret_app = block_on(f.service().register(&admin(), register_cmd()))
        .unwrap()
        .application;
    assert_eq!(
        check(&f, &secret_app, &good),
        Err(Refusal::MethodMismatch(AuthMethod::ClientSecretBasic))
    );
    let unknown = block_on(f.service().authenticate_certificate(
        &authenticator(),
        "not-a-client",
        &good,
    ))
    .unwrap();
    assert_eq!(
        unknown.answer,
        ClientAuthentication::Invalid(Refusal::UnknownClient)
    );
    assert!(matches!(
        block_on(f.service().authenticate_certificate(&admin(), "x", &good)),
        Err(AuthenticateError::Forbidden(_))
    ));
}

#[test]
fn the_subject_is_required_single_and_only_for_its_method() {
    let f = Fakes::new();
    let refused = |subject: TlsSubjectInput, method: &str| match block_on(
        f.service()
            .register(&admin(), mtls_cmd(method, subject, None)),
    ) {
        Err(RegisterError::Invalid(e)) => fields(&e),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(TlsSubjectInput::default(), "tls_client_auth"),
        [Field::TokenEndpointAuthMethod]
    );
    let two = TlsSubjectInput {
        san_dns: Some("a.example.com".into()),
        san_email: Some("ops@example.com".into()),
        ..TlsSubjectInput::default()
    };
    assert_eq!(
        refused(two, "tls_client_auth"),
        [Field::TlsClientAuthSubject]
    );
    let bad_ip = TlsSubjectInput {
        san_ip: Some("300.1.1.1".into()),
        ..TlsSubjectInput::default()
    };
    assert_eq!(
        refused(bad_ip, "tls_client_auth"),
        [Field::TlsClientAuthSanIp]
    );
    let stray = TlsSubjectInput {
        san_dns: Some("a.example.com".into()),
        ..TlsSubjectInput::default()
    };
    assert_eq!(
        refused(stray, "client_secret_basic"),
        [Field::TlsClientAuthSubject]
    );
    // Switching away from tls_client_auth drops the subject; switching to it needs one.
    let app = block_on(f.service().register(
        &admin(),
        mtls_cmd(
            "tls_client_auth",
            TlsSubjectInput {
                san_uri: Some("spiffe://example.com/client".into()),
                ..TlsSubjectInput::default()
            },
            None,
        ),
    ))
    .unwrap()
    .application;
    assert_eq!(
        app.tls_subject().map(ToString::to_string).as_deref(),
        Some("spiffe://example.com/client")
    );
    let to_pkj = ApplicationPatch {
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        keys: KeysInput {
            jwks: Some(jwks_with(b"k", "k")),
            jwks_uri: None,
        },
        ..ApplicationPatch::default()
    };
    let switched = block_on(
        f.service()
            .update(&admin(), &by_client_id(&app), &to_pkj, None),
    );
    // private_key_jwt needs assertion audiences in this configuration, or it is refused;
    // either way no subject stays with another method.
    if let Ok(switched) = switched {
        assert!(switched.tls_subject().is_none());
    }
    let back = ApplicationPatch {
        token_endpoint_auth_method: Some("tls_client_auth".into()),
        ..ApplicationPatch::default()
    };
    let secret_app = block_on(f.service().register(&admin(), register_cmd()))
        .unwrap()
        .application;
    assert!(matches!(
        block_on(f.service().update(&admin(), &by_client_id(&secret_app), &back, None)),
        Err(UpdateError::Invalid(e)) if fields(&e) == [Field::TokenEndpointAuthMethod]
    ));
}

#[test]
fn a_self_signed_certificate_rotates_with_grace_like_keys() {
    let f = Fakes::new();
    let old = b"old self-signed";
    let new = b"new self-signed";
    let app = block_on(f.service().register(
        &admin(),
        mtls_cmd(
            "self_signed_tls_client_auth",
            TlsSubjectInput::default(),
            Some(jwks_with(old, "old")),
        ),
    ))
    .unwrap()
    .application;
    let old_cert = certificate(old, "client.example.com", 0, NOW + 100_000);
    let new_cert = certificate(new, "client.example.com", 0, NOW + 100_000);
    assert_eq!(check(&f, &app, &old_cert), Ok(()));
    assert_eq!(
        check(&f, &app, &new_cert),
        Err(Refusal::CertificateMismatch)
    );
    block_on(f.service().rotate_keys(
        &admin(),
        &by_client_id(&app),
        RotateKeys {
            keys: KeysInput {
                jwks: Some(jwks_with(new, "new")),
                jwks_uri: None,
            },
            grace_period_seconds: Some(3600),
        },
    ))
    .unwrap();
    assert_eq!(check(&f, &app, &new_cert), Ok(()));
    assert_eq!(
        check(&f, &app, &old_cert),
        Ok(()),
        "within the grace period"
    );
    f.clock.advance(3601);
    assert_eq!(
        check(&f, &app, &old_cert),
        Err(Refusal::CertificateMismatch)
    );
    assert_eq!(check(&f, &app, &new_cert), Ok(()));
    // Without a JWK Set there is nothing to hold the certificates.
    assert!(matches!(
        block_on(f.service().register(
            &admin(),
            mtls_cmd("self_signed_tls_client_auth", TlsSubjectInput::default(), None),
        )),
        Err(RegisterError::Invalid(e)) if fields(&e) == [Field::TokenEndpointAuthMethod]
    ));
}
