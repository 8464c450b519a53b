//! [`X509CertificateReader`]: the domain's [`CertificateReader`] over `x509-parser`, for
//! mutual-TLS client authentication (RFC 8705).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oauth_apps_domain::{
    CertificateError, CertificateReader, ClientCertificate, DistinguishedName,
    MAX_CERTIFICATE_PEM_LEN, MAX_X5C_ENTRY_LEN, SubjectAltNames, Timestamp,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer as _;

/// The PEM label of a certificate (RFC 7468 §5).
const CERTIFICATE_LABEL: &str = "CERTIFICATE";

/// Reads client certificates with `x509-parser`: one PEM `CERTIFICATE` block (RFC 7468
/// §5) or one `x5c` entry (RFC 7517 §4.7), a DER X.509 certificate (RFC 5280 §4.1) with
/// nothing after it. It checks neither chain, signature nor validity.
#[derive(Debug, Default, Clone, Copy)]
pub struct X509CertificateReader;

impl X509CertificateReader {
    /// The reader.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

impl CertificateReader for X509CertificateReader {
    fn read_pem(&self, pem: &str) -> Result<ClientCertificate, CertificateError> {
        if pem.len() > MAX_CERTIFICATE_PEM_LEN {
            return Err(CertificateError::TooLarge {
                max: MAX_CERTIFICATE_PEM_LEN,
            });
        }
        let blocks = Pem::iter_from_buffer(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| CertificateError::NotPem)?;
        match blocks.as_slice() {
            [] => Err(CertificateError::NotPem),
            [block] if block.label == CERTIFICATE_LABEL => read_der(&block.contents),
            [block] => Err(CertificateError::NotCertificateBlock {
                label: block.label.chars().take(40).collect(),
            }),
            more => Err(CertificateError::NotOneCertificate { found: more.len() }),
        }
    }

    fn read_x5c(&self, entry: &str) -> Result<ClientCertificate, CertificateError> {
        if entry.len() > MAX_X5C_ENTRY_LEN {
            return Err(CertificateError::TooLarge {
                max: MAX_X5C_ENTRY_LEN,
            });
        }
        let der = STANDARD
            .decode(entry)
            .map_err(|_| CertificateError::NotBase64)?;
        read_der(&der)
    }
}

/// Reads one DER certificate, with nothing after it.
fn read_der(der: &[u8]) -> Result<ClientCertificate, CertificateError> {
    let not_x509 = |reason: String| CertificateError::NotX509 { reason };
    let (rest, certificate) =
        X509Certificate::from_der(der).map_err(|e| not_x509(e.to_string()))?;
    if !rest.is_empty() {
        return Err(not_x509(format!(
            "{} bytes follow the certificate",
            rest.len()
        )));
    }
    let subject = DistinguishedName::from_der(certificate.subject().as_raw())?;
    let alt_names = alt_names(&certificate)?;
    let validity = certificate.validity();
    Ok(ClientCertificate::new(
        der.to_vec(),
        subject,
        alt_names,
        Timestamp::from_offset_date_time(validity.not_before.to_datetime()),
        Timestamp::from_offset_date_time(validity.not_after.to_datetime()),
    ))
}

/// The dNSName, URI, iPAddress and rfc822Name entries of the subject alternative name
/// extension (RFC 5280 §4.2.1.6); other types are passed over.
fn alt_names(certificate: &X509Certificate<'_>) -> Result<SubjectAltNames, CertificateError> {
    let mut names = SubjectAltNames::default();
    let extension =
        certificate
            .subject_alternative_name()
            .map_err(|e| CertificateError::NotX509 {
                reason: format!("its subject alternative names: {e}"),
            })?;
    let Some(extension) = extension else {
        return Ok(names);
    };
    for name in &extension.value.general_names {
        match name {
            GeneralName::DNSName(dns) => names.dns_names.push((*dns).to_owned()),
            GeneralName::URI(uri) => names.uris.push((*uri).to_owned()),
            GeneralName::RFC822Name(email) => names.emails.push((*email).to_owned()),
            GeneralName::IPAddress(bytes) => {
                let ip = match *bytes {
                    [a, b, c, d] => std::net::IpAddr::from([*a, *b, *c, *d]),
                    octets => <[u8; 16]>::try_from(octets)
                        .map(std::net::IpAddr::from)
                        .map_err(|_| CertificateError::NotX509 {
                            reason: format!(
                                "an iPAddress entry has {} bytes, not 4 or 16",
                                octets.len()
                            ),
                        })?,
                };
                names.ip_addresses.push(ip);
            }
            GeneralName::Invalid(..) => {
                return Err(CertificateError::NotX509 {
                    reason: "a subject alternative name is malformed".into(),
                });
            }
            _ => {}
        }
    }
    Ok(names)
}
