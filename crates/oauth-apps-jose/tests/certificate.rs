//! The X.509 certificate reader (mutual-TLS client authentication, RFC 8705) on
//! certificates made by `rcgen` and by `openssl`.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oauth_apps_domain::{
    CertificateError, CertificateReader, ClientCertificate, DistinguishedName,
    MAX_CERTIFICATE_PEM_LEN, MAX_X5C_ENTRY_LEN, Timestamp, TlsSubject, jwks_contains_certificate,
};
use oauth_apps_jose::X509CertificateReader;
use rcgen::{CertificateParams, DnType, KeyPair, SanType, date_time_ymd};
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650
/// -subj "/C=GB/O=Example Ltd/OU=Payments/CN=Client One" -set_serial 7 -addext
/// "subjectAltName=DNS:client.example.com,URI:spiffe://example.com/client,IP:192.0.2.7,
/// IP:2001:db8::7,email:client@example.com"`.
const OPENSSL_PEM: &str = "-----BEGIN CERTIFICATE-----
MIICQzCCAeigAwIBAgIBBzAKBggqhkjOPQQDAjBLMQswCQYDVQQGEwJHQjEUMBIG
A1UECgwLRXhhbXBsZSBMdGQxETAPBgNVBAsMCFBheW1lbnRzMRMwEQYDVQQDDApD
bGllbnQgT25lMB4XDTI2MTIwODAwMDgzN1oXDTM2MTIwNTAwMDgzN1owSzELMAkG
A1UEBhMCR0IxFDASBgNVBAoMC0V4YW1wbGUgTHRkMREwDwYDVQQLDAhQYXltZW50
czETMBEGA1UEAwwKQ2xpZW50IE9uZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BAXlrdQwTh6HXlS/dcHgPZd4L57nBu7bBFKgg+Z4ZukwetBuPClywNVjZ0XqZ8vz
Wr2KBQw4VxjjIdF+aUu47jyjgbwwgbkwHQYDVR0OBBYEFIEFgaMnnPWW0gnrU9eV
+z51nnPcMB8GA1UdIwQYMBaAFIEFgaMnnPWW0gnrU9eV+z51nnPcMA8GA1UdEwEB
/wQFMAMBAf8wZgYDVR0RBF8wXYISY2xpZW50LmV4YW1wbGUuY29thhtzcGlmZmU6
Ly9leGFtcGxlLmNvbS9jbGllbnSHBMAAAgeHECABDbgAAAAAAAAAAAAAAAeBEmNs
aWVudEBleGFtcGxlLmNvbTAKBggqhkjOPQQDAgNJADBGAiEAovpPmUMzuq0U5Sq4
oGLB3dWXRwOlerrRw8dZyGhp+fgCIQCmvCnCtNNxIZDy3QEnJKm0n7qYIP8SGiyT
sgkWorEmFg==
-----END CERTIFICATE-----
";

/// `openssl x509 -in c.pem -outform der | openssl dgst -sha256 -binary | basenc
/// --base64url`, without the padding.
const OPENSSL_THUMBPRINT: &str = "q-qFbfTZcPIsS7vBMY32gDpal_UiBuSKj_IRLMKLRCE";

fn reader() -> X509CertificateReader {
    X509CertificateReader::new()
}

fn at_unix(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(seconds * 1_000_000).expect("test fixture")
}

/// A certificate with a DN (C, O, CN in DER order), one SAN of each type, valid through
/// 2020..2040 unless `validity` says otherwise; its PEM and DER.
fn rcgen_certificate(cn: &str, validity: Option<(i32, i32)>) -> (String, Vec<u8>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("test fixture");
    // Without rcgen's default CN, which would come first.
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CountryName, "GB");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Example Ltd");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.subject_alt_names = vec![
        SanType::DnsName("client.example.com".try_into().expect("test fixture")),
        SanType::URI(
            "https://client.example.com/id"
                .try_into()
                .expect("test fixture"),
        ),
        SanType::IpAddress("192.0.2.7".parse().expect("test fixture")),
        SanType::IpAddress("2001:db8::7".parse().expect("test fixture")),
        SanType::Rfc822Name("client@example.com".try_into().expect("test fixture")),
    ];
    let (from, to) = validity.unwrap_or((2020, 2040));
    params.not_before = date_time_ymd(from, 1, 1);
    params.not_after = date_time_ymd(to, 1, 1);
    let certificate = params
        .self_signed(&KeyPair::generate().expect("test fixture"))
        .expect("test fixture");
    (certificate.pem(), certificate.der().to_vec())
}

fn subject(member: &str, value: &str) -> TlsSubject {
    TlsSubject::parse(member, value).expect("test fixture")
}

#[test]
fn a_pki_certificate_gives_its_subject_san_entries_validity_and_der() {
    let (pem, der) = rcgen_certificate("Client One", None);
    let cert = reader().read_pem(&pem).unwrap();
    assert_eq!(cert.der(), der.as_slice());
    assert_eq!(cert.subject().as_str(), "CN=Client One,O=Example Ltd,C=GB");
    let names = cert.alt_names();
    assert_eq!(names.dns_names, ["client.example.com"]);
    assert_eq!(names.uris, ["https://client.example.com/id"]);
    assert_eq!(
        names.ip_addresses,
        [
            "192.0.2.7".parse::<IpAddr>().unwrap(),
            "2001:db8::7".parse().unwrap()
        ]
    );
    assert_eq!(names.emails, ["client@example.com"]);
    assert_eq!(
        cert.not_before(),
        Timestamp::parse_rfc3339("2020-01-01T00:00:00Z").unwrap()
    );
    assert_eq!(
        cert.not_after(),
        Timestamp::parse_rfc3339("2040-01-01T00:00:00Z").unwrap()
    );
}

#[test]
fn each_registered_subject_kind_matches_the_certificate() {
    let (pem, _) = rcgen_certificate("Client One", None);
    let cert = reader().read_pem(&pem).unwrap();
    for (member, value) in [
        (
            "tls_client_auth_subject_dn",
            "CN=Client One,O=Example Ltd,C=GB",
        ),
        (
            "tls_client_auth_subject_dn",
            "cn=client  one, o=EXAMPLE LTD, c=gb",
        ),
        (
            "tls_client_auth_subject_dn",
            "2.5.4.3=Client One,2.5.4.10=Example Ltd,2.5.4.6=GB",
        ),
        ("tls_client_auth_san_dns", "Client.Example.COM"),
        ("tls_client_auth_san_uri", "https://client.example.com/id"),
        ("tls_client_auth_san_ip", "192.0.2.7"),
        ("tls_client_auth_san_ip", "2001:db8:0:0:0:0:0:7"),
        ("tls_client_auth_san_email", "client@example.com"),
    ] {
        assert!(subject(member, value).matches(&cert), "{member}={value}");
    }
}

#[test]
fn a_different_value_of_each_kind_does_not_match() {
    let (pem, _) = rcgen_certificate("Client One", None);
    let cert = reader().read_pem(&pem).unwrap();
    for (member, value) in [
        (
            "tls_client_auth_subject_dn",
            "CN=Client Two,O=Example Ltd,C=GB",
        ),
        // The RDNs in another order are another name (RFC 4517 §4.2.15).
        (
            "tls_client_auth_subject_dn",
            "C=GB,O=Example Ltd,CN=Client One",
        ),
        ("tls_client_auth_subject_dn", "CN=Client One,O=Example Ltd"),
        ("tls_client_auth_san_dns", "other.example.com"),
        ("tls_client_auth_san_uri", "https://client.example.com/ID"),
        ("tls_client_auth_san_ip", "192.0.2.8"),
        ("tls_client_auth_san_ip", "::ffff:192.0.2.7"),
        ("tls_client_auth_san_email", "other@example.com"),
    ] {
        assert!(!subject(member, value).matches(&cert), "{member}={value}");
    }
}

#[test]
fn an_openssl_certificate_reads_the_same_way() {
    let cert = reader().read_pem(OPENSSL_PEM).unwrap();
    assert_eq!(cert.thumbprint().as_str(), OPENSSL_THUMBPRINT);
    assert_eq!(
        cert.subject(),
        &DistinguishedName::parse("CN=Client One,OU=Payments,O=Example Ltd,C=GB").unwrap()
    );
    assert_eq!(cert.not_before(), at_unix(1_796_688_517));
    assert_eq!(cert.not_after(), at_unix(2_112_048_517));
    assert!(subject("tls_client_auth_san_ip", "2001:db8::7").matches(&cert));
    assert!(subject("tls_client_auth_san_uri", "spiffe://example.com/client").matches(&cert));
}

#[test]
fn the_thumbprint_is_base64url_sha256_of_the_der() {
    let (pem, der) = rcgen_certificate("Client One", None);
    let cert = reader().read_pem(&pem).unwrap();
    let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(&der));
    assert_eq!(cert.thumbprint().as_str(), expected);
    assert_eq!(cert.thumbprint().as_str().len(), 43);
}

#[test]
fn validity_is_checked_against_a_time() {
    let now = Timestamp::parse_rfc3339("2030-06-01T00:00:00Z").unwrap();
    let read = |validity| {
        let (pem, _) = rcgen_certificate("Client One", Some(validity));
        reader().read_pem(&pem).unwrap()
    };
    assert!(read((2020, 2040)).is_valid_at(now));
    assert!(!read((2020, 2025)).is_valid_at(now), "expired");
    assert!(!read((2031, 2040)).is_valid_at(now), "not yet valid");
}

fn x5c_entry(der: &[u8]) -> String {
    STANDARD.encode(der)
}

#[test]
fn a_self_signed_certificate_is_found_in_or_absent_from_a_jwks() {
    let (pem, der) = rcgen_certificate("Client One", None);
    let (_, other_der) = rcgen_certificate("Client One", None);
    let presented = reader().read_pem(&pem).unwrap();
    let from_x5c: ClientCertificate = reader().read_x5c(&x5c_entry(&der)).unwrap();
    assert!(from_x5c.is_same_certificate(&presented));
    assert_eq!(from_x5c.thumbprint(), presented.thumbprint());

    let with = json!({"keys": [
        {"kty": "EC", "kid": "old", "x5c": [x5c_entry(&other_der)]},
        {"kty": "EC", "kid": "new", "x5c": [x5c_entry(&der)]},
    ]});
    assert!(jwks_contains_certificate(&with, &presented));
    // Another certificate with the same subject and SANs (another key) is not it.
    let without = json!({"keys": [{"kty": "EC", "x5c": [x5c_entry(&other_der)]}]});
    assert!(!jwks_contains_certificate(&without, &presented));
    let none = json!({"keys": [{"kty": "EC", "x": "..."}]});
    assert!(!jwks_contains_certificate(&none, &presented));
}

#[test]
fn garbage_is_not_pem() {
    for garbage in [
        "",
        "hello",
        "MIICQzCCAeigAwIBAgIBBzAKBggqhkjOPQQDAjBLMQswCQYDVQQGEwJHQjEUMBIG",
        "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIC\n",
    ] {
        assert_eq!(
            reader().read_pem(garbage),
            Err(CertificateError::NotPem),
            "{garbage}"
        );
    }
    let not_x509 = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        reader().read_pem(not_x509),
        Err(CertificateError::NotX509 { .. })
    ));
    let key = "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        reader().read_pem(key),
        Err(CertificateError::NotCertificateBlock {
            label: "PRIVATE KEY".into()
        })
    );
}

#[test]
fn two_certificates_are_refused() {
    let (pem, _) = rcgen_certificate("Client One", None);
    let (ca, _) = rcgen_certificate("CA", None);
    assert_eq!(
        reader().read_pem(&format!("{pem}{ca}")),
        Err(CertificateError::NotOneCertificate { found: 2 })
    );
    let key = "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        reader().read_pem(&format!("{pem}{key}")),
        Err(CertificateError::NotOneCertificate { found: 2 })
    );
    // Text around the one block is ignored.
    assert!(reader().read_pem(&format!("subject=...\n{pem}\n")).is_ok());
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let (pem, der) = rcgen_certificate("Client One", None);
    let padded = format!("{}{pem}", " ".repeat(MAX_CERTIFICATE_PEM_LEN));
    assert_eq!(
        reader().read_pem(&padded),
        Err(CertificateError::TooLarge {
            max: MAX_CERTIFICATE_PEM_LEN
        })
    );
    assert_eq!(
        reader().read_x5c(&"A".repeat(MAX_X5C_ENTRY_LEN + 4)),
        Err(CertificateError::TooLarge {
            max: MAX_X5C_ENTRY_LEN
        })
    );
    assert!(reader().read_x5c(&x5c_entry(&der)).is_ok());
}

#[test]
fn an_x5c_entry_must_be_standard_base64_of_one_certificate() {
    let (_, der) = rcgen_certificate("Client One", None);
    assert_eq!(
        reader().read_x5c(&URL_SAFE_NO_PAD.encode(&der)),
        Err(CertificateError::NotBase64),
        "base64url is not what RFC 7517 §4.7 says"
    );
    assert_eq!(
        reader().read_x5c("not base64!"),
        Err(CertificateError::NotBase64)
    );
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(
        reader().read_x5c(&x5c_entry(&trailing)),
        Err(CertificateError::NotX509 { reason }) if reason.contains("follow the certificate")
    ));
    assert!(matches!(
        reader().read_x5c(&x5c_entry(b"hello")),
        Err(CertificateError::NotX509 { .. })
    ));
}
