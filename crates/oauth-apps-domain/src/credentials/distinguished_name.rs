//! Distinguished names for mutual-TLS client authentication (RFC 8705 §2.1.2
//! `tls_client_auth_subject_dn`): the RFC 4514 string a client registers and the X.501
//! `Name` of a certificate's subject, both in one comparable form.
//!
//! Two names are equal when RFC 4517 §4.2.15 `distinguishedNameMatch` says so: the same
//! number of relative distinguished names (RDNs) in the same order, each the same set of
//! attribute type and value pairs. Attribute types compare by OID (`CN`, `cn`,
//! `commonName` and `2.5.4.3` are one type). Values compare by their type's equality
//! rule: the `directoryString` and IA5 attributes of RFC 4519, RFC 4524 and PKCS #9
//! (`CN`, `O`, `OU`, `C`, `L`, `ST`, `STREET`, `DC`, `UID`, `serialNumber`,
//! `emailAddress`, ...) by `caseIgnoreMatch` / `caseIgnoreIA5Match` (RFC 4517 §4.2.11 and
//! §4.2.12, prepared per RFC 4518: NFKC, case folded, insignificant spaces removed);
//! other string attributes exactly, whatever their ASN.1 string type; values that are not
//! strings by their DER.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::der::asn1::Any;
use x509_cert::der::{Decode, Tag, Tagged as _};
use x509_cert::name::RdnSequence;

use super::certificate_error::CertificateError;
use crate::shared::text::is_format_character;
use crate::shared::validation::Violation;

/// The longest distinguished name string accepted, in bytes.
pub const MAX_DISTINGUISHED_NAME_LEN: usize = 1024;

/// Attribute types compared case-insensitively with insignificant spaces removed:
/// `caseIgnoreMatch` (RFC 4519 §2, RFC 4517 §4.2.11) or `caseIgnoreIA5Match` (§4.2.12).
const CASE_IGNORE_TYPES: [&str; 24] = [
    "2.5.4.3",                    // cn
    "2.5.4.4",                    // sn
    "2.5.4.5",                    // serialNumber
    "2.5.4.6",                    // c
    "2.5.4.7",                    // l
    "2.5.4.8",                    // st
    "2.5.4.9",                    // street
    "2.5.4.10",                   // o
    "2.5.4.11",                   // ou
    "2.5.4.12",                   // title
    "2.5.4.13",                   // description
    "2.5.4.15",                   // businessCategory
    "2.5.4.17",                   // postalCode
    "2.5.4.18",                   // postOfficeBox
    "2.5.4.42",                   // givenName
    "2.5.4.43",                   // initials
    "2.5.4.44",                   // generationQualifier
    "2.5.4.46",                   // dnQualifier
    "2.5.4.65",                   // pseudonym
    "2.5.4.97",                   // organizationIdentifier
    "0.9.2342.19200300.100.1.1",  // uid
    "0.9.2342.19200300.100.1.3",  // mail (RFC 4524)
    "0.9.2342.19200300.100.1.25", // dc
    "1.2.840.113549.1.9.1",       // emailAddress (PKCS #9)
];

/// An attribute value as compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Compared {
    /// A `caseIgnoreMatch` value after RFC 4518 preparation.
    Folded(String),
    /// A string of a type whose matching rule is not known here: exactly.
    Exact(String),
    /// A value that is not a string: its DER.
    Der(Vec<u8>),
}

/// One attribute type and value of an RDN, as compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Attribute {
    oid: String,
    value: Compared,
}

/// A distinguished name: the text it was read from (or, for a certificate's subject, its
/// RFC 4514 rendering) and the form it compares in (RFC 4517 §4.2.15, see the module).
///
/// Equality (`==`, [`DistinguishedName::matches`]) is that comparison, never the text's.
#[derive(Debug, Clone)]
pub struct DistinguishedName {
    text: String,
    /// The RDNs in DER order (the reverse of the string's), each sorted.
    rdns: Vec<Vec<Attribute>>,
}

impl DistinguishedName {
    /// Reads an RFC 4514 §3 string such as `CN=client,O=Example,C=GB`.
    ///
    /// Attribute types are short names (`CN`, `O`, `OU`, `C`, `L`, `ST`, `STREET`, `DC`,
    /// `UID`, ..., in any case) or dotted OIDs; values are strings with RFC 4514 escapes or
    /// `#` and hex DER. Beyond RFC 4514, spaces around `,`, `+` and `=` are allowed and
    /// ignored (`CN=client, O=Example`, as many tools print names).
    ///
    /// # Errors
    /// [`Violation::Required`] for an empty name, [`Violation::TooLong`] beyond
    /// [`MAX_DISTINGUISHED_NAME_LEN`], [`Violation::ControlCharacters`],
    /// [`Violation::FormatCharacters`] (invisible characters), and
    /// [`Violation::NotDistinguishedName`] naming what does not parse.
    pub fn parse(text: &str) -> Result<Self, Violation> {
        if text.trim().is_empty() {
            return Err(Violation::Required);
        }
        if text.len() > MAX_DISTINGUISHED_NAME_LEN {
            return Err(Violation::TooLong {
                max: MAX_DISTINGUISHED_NAME_LEN,
            });
        }
        if text.chars().any(char::is_control) {
            return Err(Violation::ControlCharacters);
        }
        if text.chars().any(is_format_character) {
            return Err(Violation::FormatCharacters);
        }
        let mut rdns = Vec::new();
        for rdn in split_rdns(text)? {
            let mut attributes = Vec::with_capacity(rdn.len());
            for atv in rdn {
                let parsed = AttributeTypeAndValue::from_str(&atv).map_err(|_| {
                    Violation::NotDistinguishedName {
                        reason: format!(
                            "'{}' is not type=value with a known attribute type (CN, O, OU, C, \
                             L, ST, STREET, DC, UID, ... or a dotted OID) and a value with \
                             valid escapes",
                            shorten(&atv)
                        ),
                    }
                })?;
                attributes.push(compared(&parsed));
            }
            attributes.sort();
            rdns.push(attributes);
        }
        rdns.reverse();
        Ok(Self {
            text: text.to_owned(),
            rdns,
        })
    }

    /// Reads the DER of an X.501 `Name` (a certificate's subject, RFC 5280 §4.1.2.6).
    ///
    /// # Errors
    /// [`CertificateError::NotX509`] when `der` is not a `Name`.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let name = RdnSequence::from_der(der).map_err(|e| CertificateError::NotX509 {
            reason: format!("the subject is not an X.501 Name: {e}"),
        })?;
        let rdns = name
            .iter()
            .map(|rdn| {
                let mut attributes: Vec<Attribute> = rdn.iter().map(compared).collect();
                attributes.sort();
                attributes
            })
            .collect();
        Ok(Self {
            text: name.to_string(),
            rdns,
        })
    }

    /// The text: as registered, or a certificate subject's RFC 4514 rendering.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the name has no RDN (a certificate whose subject is only in its SAN).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// Whether `other` is the same name by RFC 4517 §4.2.15 `distinguishedNameMatch`
    /// (see the module): the same as `==`.
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        self.rdns == other.rdns
    }
}

impl PartialEq for DistinguishedName {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other)
    }
}

impl Eq for DistinguishedName {}

impl std::hash::Hash for DistinguishedName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rdns.hash(state);
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for DistinguishedName {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// The first 60 characters of `s`, for error messages.
fn shorten(s: &str) -> String {
    let mut short: String = s.chars().take(60).collect();
    if short.len() < s.len() {
        short.push('…');
    }
    short
}

/// Splits an RFC 4514 string into its RDNs and their `type=value` pairs (still escaped),
/// dropping the spaces around unescaped `,`, `+` and `=`.
fn split_rdns(text: &str) -> Result<Vec<Vec<String>>, Violation> {
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut atv = String::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            atv.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                atv.push(c);
            }
            ',' | '+' => {
                rdn.push(finish_atv(&atv)?);
                atv.clear();
                if c == ',' {
                    rdns.push(std::mem::take(&mut rdn));
                }
            }
            '"' | ';' | '<' | '>' => {
                return Err(Violation::NotDistinguishedName {
                    reason: format!("'{c}' must be escaped as '\\{c}' (RFC 4514 §3)"),
                });
            }
            _ => atv.push(c),
        }
    }
    if escaped {
        return Err(Violation::NotDistinguishedName {
            reason: "it ends in an unfinished escape '\\'".into(),
        });
    }
    rdn.push(finish_atv(&atv)?);
    rdns.push(rdn);
    Ok(rdns)
}

/// One `type=value` pair without the unescaped spaces around it and around its `=`.
fn finish_atv(raw: &str) -> Result<String, Violation> {
    let raw = trim_unescaped_end(raw.trim_start());
    let Some((kind, value)) = raw.split_once('=') else {
        return Err(Violation::NotDistinguishedName {
            reason: if raw.is_empty() {
                "it has an empty relative distinguished name (two separators in a row, or one \
                 at an end)"
                    .into()
            } else {
                format!("'{}' is not type=value", shorten(raw))
            },
        });
    };
    let (kind, value) = (kind.trim_end(), value.trim_start());
    if kind.is_empty() {
        return Err(Violation::NotDistinguishedName {
            reason: format!("'{}' has no attribute type before '='", shorten(raw)),
        });
    }
    Ok(format!("{kind}={value}"))
}

/// `s` without its trailing spaces, except one that a backslash escapes.
fn trim_unescaped_end(s: &str) -> &str {
    let mut end = s.len();
    while s[..end].ends_with(' ') {
        let backslashes = s[..end - 1]
            .bytes()
            .rev()
            .take_while(|b| *b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            break;
        }
        end -= 1;
    }
    &s[..end]
}

/// An attribute in the form it compares in.
fn compared(atv: &AttributeTypeAndValue) -> Attribute {
    let oid = atv.oid.to_string();
    let value = match decode_string(&atv.value) {
        Some(s) if CASE_IGNORE_TYPES.contains(&oid.as_str()) => Compared::Folded(case_ignore(&s)),
        Some(s) => Compared::Exact(s),
        None => Compared::Der(atv.value.value().to_vec()),
    };
    Attribute { oid, value }
}

/// The text of a value of one of the ASN.1 string types, if it is one.
fn decode_string(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String => String::from_utf8(bytes.to_vec()).ok(),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned()),
        // T.61 in theory; Latin-1 in the certificates that use it.
        Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|pair| match pair {
                    [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                    _ => 0xFFFF,
                })
                .collect();
            bytes
                .len()
                .is_multiple_of(2)
                .then(|| String::from_utf16(&units).ok())
                .flatten()
        }
        _ => None,
    }
}

/// RFC 4518 string preparation for `caseIgnoreMatch`: characters mapped to nothing
/// removed, other white space mapped to SPACE (§2.2), NFKC (§2.3) and case folded, then
/// insignificant spaces removed (§2.6.1: none leading or trailing, runs as one).
fn case_ignore(value: &str) -> String {
    let mapped: String = value
        .chars()
        .filter(|c| !is_mapped_to_nothing(*c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let folded: String = mapped.nfkc().collect::<String>().to_lowercase();
    let normalised: String = folded.nfkc().collect();
    normalised
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// RFC 4518 §2.2: the characters mapped to nothing (soft hyphens, joiners, variation
/// selectors, zero-width and bidirectional controls, the byte order mark, and every control
/// character that is not white space).
fn is_mapped_to_nothing(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}'))
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{1806}'
                | '\u{180B}'..='\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2063}'
                | '\u{206A}'..='\u{206F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFC}'
        )
}

#[cfg(test)]
mod tests {
    use x509_cert::der::Encode;
    use x509_cert::name::Name;

    use super::*;

    fn dn(text: &str) -> DistinguishedName {
        DistinguishedName::parse(text).unwrap()
    }

    fn der_of(text: &str) -> Vec<u8> {
        Name::from_str(text).unwrap().to_der().unwrap()
    }

    #[test]
    fn names_equal_regardless_of_case_spacing_and_type_spelling() {
        let registered = dn("CN=Client One,O=Example Ltd,C=GB");
        for same in [
            "cn=client one,o=EXAMPLE LTD,c=gb",
            "CN=Client One, O=Example Ltd, C=GB",
            "CN = Client One , O = Example Ltd , C = GB",
            "CN=Client   One,O=Example Ltd,C=GB",
            "commonName=Client One,organizationName=Example Ltd,countryName=GB",
            "2.5.4.3=Client One,2.5.4.10=Example Ltd,2.5.4.6=GB",
            "CN=#0c0a436c69656e74204f6e65,O=Example Ltd,C=GB",
            "CN=\\43lient One,O=Example Ltd,C=GB",
        ] {
            assert_eq!(dn(same), registered, "{same}");
        }
        // The text is kept as given.
        assert_eq!(registered.as_str(), "CN=Client One,O=Example Ltd,C=GB");
        assert_eq!(registered.to_string(), "CN=Client One,O=Example Ltd,C=GB");
    }

    #[test]
    fn names_differ_by_value_order_type_and_count() {
        let registered = dn("CN=client,O=Example,C=GB");
        for other in [
            "CN=client2,O=Example,C=GB",
            "O=Example,CN=client,C=GB",
            "C=GB,O=Example,CN=client",
            "CN=client,OU=Example,C=GB",
            "CN=client,O=Example",
            "CN=client,O=Example,C=GB,DC=com",
            "CN=cli ent,O=Example,C=GB",
        ] {
            assert_ne!(dn(other), registered, "{other}");
        }
    }

    #[test]
    fn a_multi_valued_rdn_is_a_set() {
        assert_eq!(
            dn("OU=Sales+CN=J Smith,DC=example"),
            dn("CN=j smith + OU=sales,DC=example")
        );
        assert_ne!(
            dn("OU=Sales+CN=J Smith,DC=example"),
            dn("OU=Sales,CN=J Smith,DC=example")
        );
    }

    #[test]
    fn unknown_types_compare_exactly() {
        assert_eq!(dn("1.2.3.4=Value,CN=a"), dn("1.2.3.4=Value,CN=A"));
        assert_ne!(dn("1.2.3.4=Value,CN=a"), dn("1.2.3.4=value,CN=a"));
    }

    #[test]
    fn case_ignore_preparation_follows_rfc_4518() {
        assert_eq!(case_ignore("  Ex\u{00AD}ample \t  LTD "), "example ltd");
        assert_eq!(case_ignore("\u{FB01}rm"), "firm");
        assert_eq!(case_ignore("STRASSE Ä"), "strasse ä");
    }

    #[test]
    fn a_certificate_subject_in_der_compares_with_the_registered_string() {
        // x509-cert encodes C as PrintableString and the rest as UTF8String.
        let subject = DistinguishedName::from_der(&der_of("CN=Client,O=Example,C=GB")).unwrap();
        assert_eq!(subject, dn("cn=client, o=example, c=gb"));
        assert_ne!(subject, dn("C=GB,O=Example,CN=Client"));
        assert_eq!(subject.as_str(), "CN=Client,O=Example,C=GB");
        assert!(!subject.is_empty());
        // An empty SEQUENCE: a subject that is only in the SAN.
        assert!(
            DistinguishedName::from_der(&[0x30, 0x00])
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            DistinguishedName::from_der(b"not der"),
            Err(CertificateError::NotX509 { .. })
        ));
    }

    #[test]
    fn bad_strings_are_refused_with_the_rule() {
        assert_eq!(DistinguishedName::parse(""), Err(Violation::Required));
        assert_eq!(DistinguishedName::parse("  "), Err(Violation::Required));
        assert_eq!(
            DistinguishedName::parse(&format!("CN={}", "a".repeat(MAX_DISTINGUISHED_NAME_LEN))),
            Err(Violation::TooLong {
                max: MAX_DISTINGUISHED_NAME_LEN
            })
        );
        assert_eq!(
            DistinguishedName::parse("CN=a\nb"),
            Err(Violation::ControlCharacters)
        );
        assert_eq!(
            DistinguishedName::parse("CN=a\u{200B}b"),
            Err(Violation::FormatCharacters)
        );
        for (bad, reason) in [
            ("CN=a;O=b", "';' must be escaped as '\\;' (RFC 4514 §3)"),
            ("CN=a,,O=b", "empty relative distinguished name"),
            ("CN=a,", "empty relative distinguished name"),
            ("client", "'client' is not type=value"),
            ("=client", "'=client' has no attribute type before '='"),
            (
                "FOO=client",
                "'FOO=client' is not type=value with a known attribute type",
            ),
            ("CN=a\\", "unfinished escape"),
            ("CN=a\\zz", "'CN=a\\zz' is not type=value"),
            ("CN=#zz", "'CN=#zz' is not type=value"),
        ] {
            let Err(Violation::NotDistinguishedName { reason: got }) =
                DistinguishedName::parse(bad)
            else {
                panic!("{bad} was accepted");
            };
            assert!(got.contains(reason), "{bad}: {got}");
        }
        let message = DistinguishedName::parse("client").unwrap_err().to_string();
        assert!(
            message.starts_with("must be an RFC 4514 distinguished name"),
            "{message}"
        );
    }

    #[test]
    fn escaped_separators_and_spaces_stay_in_the_value() {
        let name = dn("CN=Smith\\, John\\ ,O=a\\+b");
        assert_eq!(name.rdns.len(), 2);
        assert_eq!(name, dn("CN=smith\\, john,O=A\\+B"));
        assert_eq!(trim_unescaped_end("a\\  "), "a\\ ");
        assert_eq!(trim_unescaped_end("a\\\\  "), "a\\\\");
    }
}
