//! Why a certificate could not be read (RFC 8705 §2: the one a TLS terminator forwarded,
//! or a JWK's `x5c` entry).

/// Why a presented certificate, or an `x5c` entry, could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Larger than [`MAX_CERTIFICATE_PEM_LEN`](super::certificate::MAX_CERTIFICATE_PEM_LEN) or
    /// [`MAX_X5C_ENTRY_LEN`](super::certificate::MAX_X5C_ENTRY_LEN).
    #[error("the certificate must be at most {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// Not PEM: no `-----BEGIN ...-----` block, or a block that does not decode.
    #[error("the certificate must be PEM: one '-----BEGIN CERTIFICATE-----' block")]
    NotPem,
    /// Not exactly one `CERTIFICATE` block (a chain, or a certificate and a key).
    #[error("the PEM must hold exactly one block, a CERTIFICATE; it holds {found}")]
    NotOneCertificate {
        /// How many PEM blocks it holds.
        found: usize,
    },
    /// A single PEM block of another type (`PRIVATE KEY`, ...).
    #[error("the PEM block is a '{label}', not a CERTIFICATE")]
    NotCertificateBlock {
        /// The block's label (at most 40 characters of it).
        label: String,
    },
    /// An `x5c` entry that is not standard base64 (RFC 7517 §4.7).
    #[error("the x5c entry must be standard base64 (not base64url) of a DER certificate")]
    NotBase64,
    /// Bytes that are not one DER X.509 certificate (RFC 5280 §4.1).
    #[error("not an X.509 certificate: {reason}")]
    NotX509 {
        /// What does not parse.
        reason: String,
    },
}
