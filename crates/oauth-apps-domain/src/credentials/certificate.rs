//! Client certificates for mutual-TLS client authentication (RFC 8705).
//!
//! - [`TlsSubject`]: the one subject a `tls_client_auth` client registers (RFC 8705
//!   §2.1.2: a subject DN, or a dNSName, URI, iPAddress or rfc822Name SAN entry) and
//!   [`TlsSubject::matches`], whether a presented certificate has it.
//! - [`ClientCertificate`]: what the domain needs of a presented certificate (subject,
//!   SAN entries, validity, DER and its `x5t#S256` [`CertificateThumbprint`], §3.1).
//! - [`CertificateReader`]: the port that reads one from PEM (as a TLS terminator forwards
//!   it) or from a JWK's `x5c` entry (RFC 7517 §4.7).
//! - [`jwks_contains_certificate`]: whether a `self_signed_tls_client_auth` client's JWK
//!   Set holds the presented certificate (§2.2).
//!
//! Checking the certificate chain (§2.1) is the TLS terminator's: what reaches the domain
//! is a certificate the connection proved the client holds the key of.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};

pub use super::certificate_error::CertificateError;
use super::distinguished_name::DistinguishedName;
use crate::shared::time::Timestamp;
use crate::shared::validation::Violation;

/// The largest PEM certificate [`CertificateReader::read_pem`] reads, in bytes.
pub const MAX_CERTIFICATE_PEM_LEN: usize = 5 * 1024;

/// The largest `x5c` entry [`CertificateReader::read_x5c`] reads, in bytes of base64.
pub const MAX_X5C_ENTRY_LEN: usize = 12 * 1024;

/// The longest SAN value (dNSName, URI, rfc822Name) a client may register, in bytes.
pub const MAX_SAN_LEN: usize = 2048;

/// The client metadata members that name a `tls_client_auth` subject (RFC 8705 §2.1.2).
pub const TLS_SUBJECT_MEMBERS: [&str; 5] = [
    "tls_client_auth_subject_dn",
    "tls_client_auth_san_dns",
    "tls_client_auth_san_uri",
    "tls_client_auth_san_ip",
    "tls_client_auth_san_email",
];

/// The subject a `tls_client_auth` client's certificate must have: exactly one of the RFC
/// 8705 §2.1.2 metadata members, checked when registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TlsSubject {
    /// `tls_client_auth_subject_dn`: the subject distinguished name (RFC 4514 string).
    SubjectDn(DistinguishedName),
    /// `tls_client_auth_san_dns`: a dNSName SAN entry.
    SanDns(String),
    /// `tls_client_auth_san_uri`: a uniformResourceIdentifier SAN entry.
    SanUri(String),
    /// `tls_client_auth_san_ip`: an iPAddress SAN entry.
    SanIp(IpAddr),
    /// `tls_client_auth_san_email`: an rfc822Name SAN entry.
    SanEmail(String),
}

impl TlsSubject {
    /// Reads the value of the metadata member `member` (one of [`TLS_SUBJECT_MEMBERS`]).
    ///
    /// - `tls_client_auth_subject_dn`: an RFC 4514 string ([`DistinguishedName::parse`]).
    /// - `tls_client_auth_san_dns`: a DNS name (RFC 1034 §3.5 labels, ASCII: an
    ///   internationalised name in its `xn--` form), no wildcard, no trailing dot, not an
    ///   IP address.
    /// - `tls_client_auth_san_uri`: an absolute URI (RFC 3986 §4.3).
    /// - `tls_client_auth_san_ip`: dotted decimal IPv4 or RFC 5952 IPv6 (kept in binary).
    /// - `tls_client_auth_san_email`: an RFC 5322 §3.4.1 addr-spec with a dot-atom local
    ///   part and a DNS domain, ASCII (an rfc822Name is an IA5String, RFC 5280 §4.2.1.6).
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for another member; for the value, [`Violation::Required`],
    /// [`Violation::TooLong`], [`Violation::UrlWhitespace`], [`Violation::NotAbsoluteUrl`],
    /// [`Violation::NotDistinguishedName`] or [`Violation::Malformed`] naming the rule.
    pub fn parse(member: &str, value: &str) -> Result<Self, Violation> {
        let kind = TLS_SUBJECT_MEMBERS
            .iter()
            .position(|m| *m == member)
            .ok_or(Violation::NotOneOf {
                allowed: &TLS_SUBJECT_MEMBERS,
            })?;
        if kind == 0 {
            return DistinguishedName::parse(value).map(Self::SubjectDn);
        }
        if value.is_empty() {
            return Err(Violation::Required);
        }
        if value.len() > MAX_SAN_LEN {
            return Err(Violation::TooLong { max: MAX_SAN_LEN });
        }
        match kind {
            1 => check_dns_name(value).map(|()| Self::SanDns(value.to_owned())),
            2 => check_uri(value).map(|()| Self::SanUri(value.to_owned())),
            3 => value
                .parse::<IpAddr>()
                .map(Self::SanIp)
                .map_err(|_| Violation::Malformed {
                    what: "IP address (dotted decimal IPv4 such as 192.0.2.1, or RFC 5952 \
                           IPv6 such as 2001:db8::1, without a zone or prefix length)",
                }),
            _ => check_email(value).map(|()| Self::SanEmail(value.to_owned())),
        }
    }

    /// The metadata member that registers this subject (RFC 8705 §2.1.2), one of
    /// [`TLS_SUBJECT_MEMBERS`].
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::SubjectDn(_) => TLS_SUBJECT_MEMBERS[0],
            Self::SanDns(_) => TLS_SUBJECT_MEMBERS[1],
            Self::SanUri(_) => TLS_SUBJECT_MEMBERS[2],
            Self::SanIp(_) => TLS_SUBJECT_MEMBERS[3],
            Self::SanEmail(_) => TLS_SUBJECT_MEMBERS[4],
        }
    }

    /// Whether `certificate` has this subject (RFC 8705 §2.1.2).
    ///
    /// - Subject DN: RFC 4517 §4.2.15 `distinguishedNameMatch` (attribute types by OID,
    ///   values by their matching rule, RDN order significant; see
    ///   [`DistinguishedName`]).
    /// - dNSName: equal to one of the certificate's dNSName entries, ASCII case-insensitive
    ///   (DNS names are, RFC 4343); a wildcard entry in the certificate is not expanded.
    /// - URI, rfc822Name: equal to one of the certificate's entries of that type, exactly:
    ///   §2.1.2 registers "the value of an expected ... SAN entry".
    /// - iPAddress: equal in binary to one of the certificate's entries (§2.1.2, RFC 5952
    ///   §8): an IPv4 address never matches an IPv6 one, even IPv4-mapped.
    #[must_use]
    pub fn matches(&self, certificate: &ClientCertificate) -> bool {
        let names = certificate.alt_names();
        match self {
            Self::SubjectDn(dn) => dn.matches(certificate.subject()),
            Self::SanDns(dns) => names.dns_names.iter().any(|n| n.eq_ignore_ascii_case(dns)),
            Self::SanUri(uri) => names.uris.iter().any(|u| u == uri),
            Self::SanIp(ip) => names.ip_addresses.contains(ip),
            Self::SanEmail(email) => names.emails.iter().any(|e| e == email),
        }
    }
}

/// The value as registered (an IPv6 address in its RFC 5952 form).
impl fmt::Display for TlsSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SubjectDn(dn) => dn.fmt(f),
            Self::SanDns(s) | Self::SanUri(s) | Self::SanEmail(s) => f.write_str(s),
            Self::SanIp(ip) => ip.fmt(f),
        }
    }
}

const DNS_NAME_RULE: &str = "DNS name (RFC 1034 §3.5: dot-separated labels of ASCII letters, \
     digits and hyphens, each 1 to 63 characters, not starting or ending with a hyphen, at \
     most 253 characters; an internationalised name in its xn-- form; no wildcard, no \
     trailing dot, not an IP address)";

fn check_dns_name(value: &str) -> Result<(), Violation> {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if value.len() <= 253 && value.split('.').all(label_ok) && value.parse::<IpAddr>().is_err() {
        Ok(())
    } else {
        Err(Violation::Malformed {
            what: DNS_NAME_RULE,
        })
    }
}

fn check_uri(value: &str) -> Result<(), Violation> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Violation::UrlWhitespace);
    }
    match url::Url::parse(value) {
        Ok(_) => Ok(()),
        Err(_) => Err(Violation::NotAbsoluteUrl),
    }
}

fn check_email(value: &str) -> Result<(), Violation> {
    const ATEXT: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    let malformed = Violation::Malformed {
        what: "e-mail address (RFC 5322 §3.4.1 addr-spec local@domain: a dot-atom local part \
               of ASCII letters, digits and !#$%&'*+-/=?^_`{|}~, and a DNS domain name)",
    };
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err(malformed);
    };
    let atom_ok = |atom: &str| {
        !atom.is_empty()
            && atom
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || ATEXT.contains(&b))
    };
    if local.len() <= 64 && local.split('.').all(atom_ok) && check_dns_name(domain).is_ok() {
        Ok(())
    } else {
        Err(malformed)
    }
}

/// A certificate's `x5t#S256` thumbprint (RFC 8705 §3.1): base64url without padding of the
/// SHA-256 of its DER.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateThumbprint(String);

impl CertificateThumbprint {
    /// The thumbprint of the certificate whose DER is `der`.
    #[must_use]
    pub fn of_der(der: &[u8]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(der)))
    }

    /// The thumbprint: 43 base64url characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CertificateThumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CertificateThumbprint {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A certificate's subject alternative names of the types RFC 8705 §2.1.2 registers
/// (RFC 5280 §4.2.1.6), in the certificate's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAltNames {
    /// The dNSName entries.
    pub dns_names: Vec<String>,
    /// The uniformResourceIdentifier entries.
    pub uris: Vec<String>,
    /// The iPAddress entries.
    pub ip_addresses: Vec<IpAddr>,
    /// The rfc822Name entries.
    pub emails: Vec<String>,
}

/// A certificate a client presented, as the domain needs it: built by a
/// [`CertificateReader`], which has checked it is one X.509 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    der: Vec<u8>,
    thumbprint: CertificateThumbprint,
    subject: DistinguishedName,
    alt_names: SubjectAltNames,
    not_before: Timestamp,
    not_after: Timestamp,
}

impl ClientCertificate {
    /// The certificate whose DER is `der`, with what was read from it; its thumbprint is
    /// computed here.
    #[must_use]
    pub fn new(
        der: Vec<u8>,
        subject: DistinguishedName,
        alt_names: SubjectAltNames,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Self {
        Self {
            thumbprint: CertificateThumbprint::of_der(&der),
            der,
            subject,
            alt_names,
            not_before,
            not_after,
        }
    }

    /// The DER of the whole certificate.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Its `x5t#S256` thumbprint (RFC 8705 §3.1), what certificate-bound access tokens
    /// carry in `cnf`.
    #[must_use]
    pub const fn thumbprint(&self) -> &CertificateThumbprint {
        &self.thumbprint
    }

    /// Its subject.
    #[must_use]
    pub const fn subject(&self) -> &DistinguishedName {
        &self.subject
    }

    /// Its subject alternative names.
    #[must_use]
    pub const fn alt_names(&self) -> &SubjectAltNames {
        &self.alt_names
    }

    /// The start of its validity period.
    #[must_use]
    pub const fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// The end of its validity period.
    #[must_use]
    pub const fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// Whether it is valid at `now`: from `notBefore` through `notAfter`, both inclusive
    /// (RFC 5280 §4.1.2.5).
    #[must_use]
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// Whether `other` is the same certificate (the same DER).
    #[must_use]
    pub fn is_same_certificate(&self, other: &Self) -> bool {
        self.thumbprint == other.thumbprint && self.der == other.der
    }
}

/// The subject, thumbprint and validity; not the DER.
impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("subject", &self.subject.as_str())
            .field("thumbprint", &self.thumbprint.as_str())
            .field("alt_names", &self.alt_names)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// Reads client certificates (an adapter over an X.509 parser).
///
/// An implementation parses; it does not check chains, signatures or validity.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait CertificateReader: Send + Sync {
    /// Reads a PEM certificate, as a TLS terminator forwards the one the client presented:
    /// exactly one `CERTIFICATE` block (text around it is ignored).
    ///
    /// # Errors
    /// [`CertificateError::TooLarge`] beyond [`MAX_CERTIFICATE_PEM_LEN`] bytes (checked
    /// first), [`CertificateError::NotPem`], [`CertificateError::NotOneCertificate`],
    /// [`CertificateError::NotCertificateBlock`], [`CertificateError::NotX509`].
    fn read_pem(&self, pem: &str) -> Result<ClientCertificate, CertificateError>;

    /// Reads one entry of a JWK's `x5c` (RFC 7517 §4.7: standard base64 of a DER
    /// certificate).
    ///
    /// # Errors
    /// [`CertificateError::TooLarge`] beyond [`MAX_X5C_ENTRY_LEN`] bytes (checked first),
    /// [`CertificateError::NotBase64`], [`CertificateError::NotX509`].
    fn read_x5c(&self, entry: &str) -> Result<ClientCertificate, CertificateError>;
}

/// Whether `jwks` (a JWK Set as JSON) holds `presented` as the first `x5c` certificate of
/// one of its keys (RFC 8705 §2.2, RFC 7517 §4.7: each `x5c` entry is the standard base64
/// of a DER certificate, the first the key's own): the same DER, byte for byte. An entry
/// that is not base64 holds nothing.
#[must_use]
pub fn jwks_contains_certificate(jwks: &serde_json::Value, presented: &ClientCertificate) -> bool {
    let Some(keys) = jwks.get("keys").and_then(serde_json::Value::as_array) else {
        return false;
    };
    keys.iter()
        .filter_map(|key| key.get("x5c")?.as_array()?.first()?.as_str())
        .filter(|entry| entry.len() <= MAX_X5C_ENTRY_LEN)
        .filter_map(|entry| STANDARD.decode(entry).ok())
        .any(|der| der == presented.der())
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use serde_json::json;

    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    fn certificate(der: &[u8], subject: &str, alt_names: SubjectAltNames) -> ClientCertificate {
        ClientCertificate::new(
            der.to_vec(),
            DistinguishedName::parse(subject).unwrap(),
            alt_names,
            at(1_000),
            at(2_000),
        )
    }

    fn client() -> ClientCertificate {
        certificate(
            b"client der",
            "CN=Client,O=Example,C=GB",
            SubjectAltNames {
                dns_names: vec!["Client.Example.com".into()],
                uris: vec!["spiffe://example.com/client".into()],
                ip_addresses: vec![
                    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                    "2001:db8::1".parse().unwrap(),
                ],
                emails: vec!["client@example.com".into()],
            },
        )
    }

    fn subject(member: &str, value: &str) -> TlsSubject {
        TlsSubject::parse(member, value).unwrap()
    }

    #[test]
    fn each_member_parses_into_its_kind_and_shows_its_value() {
        for (member, value) in [
            ("tls_client_auth_subject_dn", "CN=Client,O=Example"),
            ("tls_client_auth_san_dns", "client.example.com"),
            ("tls_client_auth_san_uri", "spiffe://example.com/client"),
            ("tls_client_auth_san_ip", "192.0.2.1"),
            ("tls_client_auth_san_email", "client@example.com"),
        ] {
            let parsed = subject(member, value);
            assert_eq!(parsed.kind(), member);
            assert_eq!(parsed.to_string(), value);
        }
        assert_eq!(
            subject("tls_client_auth_san_ip", "2001:DB8:0:0::1"),
            TlsSubject::SanIp(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)))
        );
        assert_eq!(
            subject("tls_client_auth_san_ip", "2001:DB8:0:0::1").to_string(),
            "2001:db8::1"
        );
        assert_eq!(
            TlsSubject::parse("tls_client_auth_san_foo", "x"),
            Err(Violation::NotOneOf {
                allowed: &TLS_SUBJECT_MEMBERS
            })
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_rule() {
        let dns = "tls_client_auth_san_dns";
        for bad in [
            "*.example.com",
            "client.example.com.",
            "-client.example.com",
            "client_1.example.com",
            "cliënt.example.com",
            "client..example.com",
            "192.0.2.1",
            &format!("{}.com", "a".repeat(64)),
        ] {
            assert_eq!(
                TlsSubject::parse(dns, bad),
                Err(Violation::Malformed {
                    what: DNS_NAME_RULE
                }),
                "{bad}"
            );
        }
        let uri = "tls_client_auth_san_uri";
        assert_eq!(
            TlsSubject::parse(uri, "/client"),
            Err(Violation::NotAbsoluteUrl)
        );
        assert_eq!(
            TlsSubject::parse(uri, "example.com/client"),
            Err(Violation::NotAbsoluteUrl)
        );
        assert_eq!(
            TlsSubject::parse(uri, "https://example.com/a b"),
            Err(Violation::UrlWhitespace)
        );
        let ip = "tls_client_auth_san_ip";
        for bad in [
            "192.0.2",
            "192.0.2.1/32",
            "fe80::1%eth0",
            "01.2.3.4",
            "client",
        ] {
            assert!(
                matches!(TlsSubject::parse(ip, bad), Err(Violation::Malformed { what }) if what.starts_with("IP address")),
                "{bad}"
            );
        }
        let email = "tls_client_auth_san_email";
        for bad in [
            "client",
            "@example.com",
            "client@",
            "a..b@example.com",
            "a b@example.com",
            "client@exa_mple.com",
            "clïent@example.com",
        ] {
            assert!(
                matches!(TlsSubject::parse(email, bad), Err(Violation::Malformed { what }) if what.starts_with("e-mail address")),
                "{bad}"
            );
        }
        assert!(TlsSubject::parse(email, "first.last+tag@mail.example.com").is_ok());
        for member in TLS_SUBJECT_MEMBERS {
            assert_eq!(
                TlsSubject::parse(member, ""),
                Err(Violation::Required),
                "{member}"
            );
        }
        assert_eq!(
            TlsSubject::parse(
                uri,
                &format!("https://example.com/{}", "a".repeat(MAX_SAN_LEN))
            ),
            Err(Violation::TooLong { max: MAX_SAN_LEN })
        );
        assert!(matches!(
            TlsSubject::parse("tls_client_auth_subject_dn", "Client"),
            Err(Violation::NotDistinguishedName { .. })
        ));
    }

    #[test]
    fn each_kind_matches_its_entry_and_nothing_else() {
        let cert = client();
        for (member, value) in [
            ("tls_client_auth_subject_dn", "cn=client, o=example, c=gb"),
            ("tls_client_auth_san_dns", "client.example.com"),
            ("tls_client_auth_san_dns", "CLIENT.EXAMPLE.COM"),
            ("tls_client_auth_san_uri", "spiffe://example.com/client"),
            ("tls_client_auth_san_ip", "192.0.2.1"),
            ("tls_client_auth_san_ip", "2001:0db8:0000::0001"),
            ("tls_client_auth_san_email", "client@example.com"),
        ] {
            assert!(subject(member, value).matches(&cert), "{member}={value}");
        }
        for (member, value) in [
            ("tls_client_auth_subject_dn", "C=GB,O=Example,CN=Client"),
            ("tls_client_auth_subject_dn", "CN=Client,O=Example"),
            ("tls_client_auth_san_dns", "other.example.com"),
            ("tls_client_auth_san_dns", "example.com"),
            // URI and e-mail are compared exactly (RFC 8705 §2.1.2).
            ("tls_client_auth_san_uri", "SPIFFE://example.com/client"),
            ("tls_client_auth_san_uri", "spiffe://example.com/client/"),
            ("tls_client_auth_san_ip", "192.0.2.2"),
            ("tls_client_auth_san_ip", "::ffff:192.0.2.1"),
            ("tls_client_auth_san_email", "Client@example.com"),
            // A value of one kind never matches an entry of another.
            ("tls_client_auth_san_dns", "client.example.org"),
        ] {
            assert!(!subject(member, value).matches(&cert), "{member}={value}");
        }
        let bare = certificate(b"x", "CN=Client,O=Example,C=GB", SubjectAltNames::default());
        assert!(!subject("tls_client_auth_san_email", "client@example.com").matches(&bare));
    }

    #[test]
    fn a_wildcard_entry_in_the_certificate_is_not_expanded() {
        let cert = certificate(
            b"w",
            "CN=w",
            SubjectAltNames {
                dns_names: vec!["*.example.com".into()],
                ..SubjectAltNames::default()
            },
        );
        assert!(!subject("tls_client_auth_san_dns", "client.example.com").matches(&cert));
    }

    #[test]
    fn validity_includes_both_ends() {
        let cert = client();
        assert!(!cert.is_valid_at(at(999)));
        assert!(cert.is_valid_at(at(1_000)));
        assert!(cert.is_valid_at(at(2_000)));
        assert!(!cert.is_valid_at(Timestamp::from_unix_micros(2_000_000_001).unwrap()));
        assert_eq!(
            (cert.not_before(), cert.not_after()),
            (at(1_000), at(2_000))
        );
    }

    #[test]
    fn the_thumbprint_is_base64url_sha256_of_the_der() {
        // printf abc | openssl dgst -sha256 -binary | basenc --base64url (without '=')
        let cert = certificate(b"abc", "CN=a", SubjectAltNames::default());
        assert_eq!(
            cert.thumbprint().as_str(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        assert_eq!(cert.thumbprint().to_string(), cert.thumbprint().as_ref());
        assert_eq!(cert.der(), b"abc");
        let debug = format!("{cert:?}");
        assert!(
            debug.contains("ungWv48B") && !debug.contains("97, 98"),
            "{debug}"
        );
    }

    #[test]
    fn a_self_signed_certificate_is_found_by_its_der_in_the_first_x5c_entry() {
        let presented = client();
        let with = json!({"keys": [
            {"kty": "EC", "kid": "a"},
            {"kty": "EC", "kid": "b", "x5c": ["!!"]},
            {"kty": "EC", "kid": "c", "x5c": ["b3RoZXI="]},
            {"kty": "EC", "kid": "d", "x5c": ["Y2xpZW50IGRlcg=="]},
        ]});
        assert!(jwks_contains_certificate(&with, &presented));
        // The same subject with another DER is another certificate; a CA further up the
        // chain is not the client's.
        let without = json!({"keys": [
            {"kty": "EC", "x5c": ["b3RoZXI="]},
            {"kty": "EC", "x5c": ["b3RoZXI=", "Y2xpZW50IGRlcg=="]},
        ]});
        assert!(!jwks_contains_certificate(&without, &presented));
        for odd in [
            json!({}),
            json!({"keys": {}}),
            json!({"keys": [{"x5c": "Y2xpZW50IGRlcg=="}]}),
            json!([]),
        ] {
            assert!(!jwks_contains_certificate(&odd, &presented), "{odd}");
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(
            CertificateError::NotOneCertificate { found: 2 }.to_string(),
            "the PEM must hold exactly one block, a CERTIFICATE; it holds 2"
        );
        assert_eq!(
            CertificateError::TooLarge {
                max: MAX_CERTIFICATE_PEM_LEN
            }
            .to_string(),
            "the certificate must be at most 5120 bytes"
        );
    }
}
