//! The guard's settings and how they are read.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::allow::{AllowList, AllowListError};

/// The setting that lists the exceptions to the address policy ([`AllowList`]).
pub const ALLOW_SETTING: &str = "OAUTH_APPS_OUTBOUND_ALLOW";
/// The setting that names a PEM file of extra trust roots ([`ExtraRoots`]).
pub const CA_FILE_SETTING: &str = "OAUTH_APPS_OUTBOUND_CA_FILE";
/// How long a fetch may take, from resolving the name to the last byte of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest body the guard reads: 64 KiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024;

/// Certificates trusted as roots beside the built-in ones (an internal CA, a test CA).
///
/// An `ExtraRoots` that exists holds certificates that can each serve as a trust anchor.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExtraRoots(Vec<CertificateDer<'static>>);

/// Why a PEM text gives no extra roots.
#[derive(Debug, thiserror::Error)]
pub enum ExtraRootsError {
    /// No `CERTIFICATE` section at all.
    #[error("holds no PEM CERTIFICATE section")]
    NoCertificate,
    /// The PEM text is broken.
    #[error("is not readable PEM: {0}")]
    Pem(rustls::pki_types::pem::Error),
    /// A certificate cannot serve as a trust anchor (not a parseable X.509 certificate).
    #[error("certificate {number} cannot be a trust root: {error}")]
    NotARoot {
        /// Its position in the file, from 1.
        number: usize,
        /// Why.
        error: rustls::Error,
    },
}

impl ExtraRoots {
    /// Reads every `CERTIFICATE` section of a PEM text (other sections are skipped).
    ///
    /// # Errors
    /// [`ExtraRootsError`]: broken PEM, no certificate, or a certificate that cannot be a root.
    pub fn from_pem(pem: &[u8]) -> Result<Self, ExtraRootsError> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(ExtraRootsError::Pem)?;
        if certs.is_empty() {
            return Err(ExtraRootsError::NoCertificate);
        }
        let mut store = RootCertStore::empty();
        for (i, cert) in certs.iter().enumerate() {
            store
                .add(cert.clone())
                .map_err(|error| ExtraRootsError::NotARoot {
                    number: i + 1,
                    error,
                })?;
        }
        Ok(Self(certs))
    }

    /// Reads the PEM file at `path`.
    ///
    /// # Errors
    /// [`CaFileError`] naming the file: unreadable, or [`ExtraRootsError`].
    pub fn read_file(path: &Path) -> Result<Self, CaFileError> {
        let pem = std::fs::read(path).map_err(|error| CaFileError::Unreadable {
            path: path.to_owned(),
            error,
        })?;
        Self::from_pem(&pem).map_err(|error| CaFileError::Content {
            path: path.to_owned(),
            error,
        })
    }

    /// The certificates, in DER.
    #[must_use]
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.0
    }
}

impl fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtraRoots({} certificates)", self.0.len())
    }
}

/// Why the file of extra roots cannot be used. The message holds the whole reason.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    /// It cannot be read.
    #[error("{} cannot be read: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Its content gives no roots.
    #[error("{} {error}", path.display())]
    Content {
        /// The file.
        path: PathBuf,
        /// Why.
        error: ExtraRootsError,
    },
}

/// A setting of the guard that is wrong; the message starts with the setting's name and
/// holds the whole reason (no source chain to follow).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `OAUTH_APPS_OUTBOUND_ALLOW` has entries that cannot be read.
    #[error("OAUTH_APPS_OUTBOUND_ALLOW: {0}")]
    Allow(AllowListError),
    /// `OAUTH_APPS_OUTBOUND_CA_FILE` cannot be used.
    #[error("OAUTH_APPS_OUTBOUND_CA_FILE: {0}")]
    CaFile(CaFileError),
}

/// What the guard allows and how long and how much it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundConfig {
    /// Exceptions to the address policy; empty: public addresses only.
    pub allow: AllowList,
    /// Trust roots beside the built-in Mozilla roots.
    pub extra_roots: ExtraRoots,
    /// The whole fetch (resolution, connection, TLS, answer, body) must end within it; more
    /// than zero.
    pub timeout: Duration,
    /// The largest body read, in bytes; more than zero.
    pub max_bytes: u64,
}

impl Default for OutboundConfig {
    /// Public addresses only, built-in roots only, [`DEFAULT_TIMEOUT`], [`DEFAULT_MAX_BYTES`].
    fn default() -> Self {
        Self {
            allow: AllowList::default(),
            extra_roots: ExtraRoots::default(),
            timeout: DEFAULT_TIMEOUT,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl OutboundConfig {
    /// Reads the two settings as the environment gives them ([`ALLOW_SETTING`],
    /// [`CA_FILE_SETTING`]; unset or empty means none) over the defaults.
    ///
    /// # Errors
    /// Every [`ConfigError`] found, so all can be reported at once.
    pub fn from_settings(
        allow: Option<&str>,
        ca_file: Option<&str>,
    ) -> Result<Self, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let allow = AllowList::parse(allow.unwrap_or("")).unwrap_or_else(|e| {
            errors.push(ConfigError::Allow(e));
            AllowList::default()
        });
        let extra_roots = match ca_file.map(str::trim).filter(|p| !p.is_empty()) {
            None => ExtraRoots::default(),
            Some(path) => ExtraRoots::read_file(Path::new(path)).unwrap_or_else(|e| {
                errors.push(ConfigError::CaFile(e));
                ExtraRoots::default()
            }),
        };
        if errors.is_empty() {
            Ok(Self {
                allow,
                extra_roots,
                ..Self::default()
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_A_CERTIFICATE: &str =
        "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";

    #[test]
    fn unset_or_empty_settings_give_the_defaults() {
        let config = OutboundConfig::from_settings(None, None).unwrap();
        assert_eq!(config, OutboundConfig::default());
        assert_eq!(config.timeout, Duration::from_secs(3));
        assert_eq!(config.max_bytes, 65_536);
        let config = OutboundConfig::from_settings(Some(""), Some(" ")).unwrap();
        assert_eq!(config, OutboundConfig::default());
    }

    #[test]
    fn every_wrong_setting_is_reported_with_its_name() {
        let errors =
            OutboundConfig::from_settings(Some("a:1"), Some("/nonexistent/ca.pem")).unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "OAUTH_APPS_OUTBOUND_ALLOW: \"a:1\": entries carry no port (every port of an allowed host is allowed)",
                "OAUTH_APPS_OUTBOUND_CA_FILE: /nonexistent/ca.pem cannot be read: No such file or directory (os error 2)",
            ]
        );
    }

    #[test]
    fn pem_without_usable_certificates_is_refused() {
        assert!(matches!(
            ExtraRoots::from_pem(b"nothing here"),
            Err(ExtraRootsError::NoCertificate)
        ));
        assert!(matches!(
            ExtraRoots::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n"),
            Err(ExtraRootsError::NoCertificate)
        ));
        assert!(matches!(
            ExtraRoots::from_pem(NOT_A_CERTIFICATE.as_bytes()),
            Err(ExtraRootsError::NotARoot { number: 1, .. })
        ));
        assert!(matches!(
            ExtraRoots::from_pem(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"),
            Err(ExtraRootsError::Pem(_))
        ));
    }

    #[test]
    fn a_file_that_gives_no_roots_is_named() {
        let dir = std::env::temp_dir().join(format!("outbound-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.pem");
        std::fs::write(&path, "").unwrap();
        let errors = OutboundConfig::from_settings(None, path.to_str()).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            format!(
                "OAUTH_APPS_OUTBOUND_CA_FILE: {} holds no PEM CERTIFICATE section",
                path.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
