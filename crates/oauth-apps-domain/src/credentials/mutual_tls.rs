//! Mutual-TLS client authentication (RFC 8705 §2) for an authorization server: the
//! certificate its TLS terminator saw the client prove it holds, checked against the
//! client's registration, and the thumbprint a certificate-bound token carries (§3.1).

use super::certificate::{CertificateThumbprint, ClientCertificate, jwks_contains_certificate};
use super::errors::{AuthenticateError, NOT_AN_AUTHENTICATOR};
use super::key_sets::{KeySet, KeySource};
use super::keys::AuthMethod;
use super::method::{CredentialKind, CredentialRef};
use super::ports::KeyFetchError;
use crate::applications::application::OAuthApplication;
use crate::applications::service::ApplicationService;
use crate::credentials::authenticate::{ClientAuthentication, Refusal};
use crate::shared::ids::ClientId;
use crate::shared::principal::{self as policy, Principal};
use crate::shared::time::Timestamp;

/// The answer to a mutual-TLS client authentication: valid or not, and the presented
/// certificate's SHA-256 thumbprint (`x5t#S256`, RFC 8705 §3.1) for the authorization
/// server to bind the tokens it issues to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAuthentication {
    /// Valid for this application, by its method, or invalid with the reason.
    pub answer: ClientAuthentication,
    /// The certificate's thumbprint.
    pub thumbprint: CertificateThumbprint,
}

impl ApplicationService {
    /// Checks the certificate a client presented in its TLS handshake (as the authorization
    /// server's TLS terminator forwarded it) against the client `client_id`:
    ///
    /// - `tls_client_auth` (§2.1): the certificate has the subject the client registered
    ///   (§2.1.2; the chain is the terminator's to check, against the CAs it trusts);
    /// - `self_signed_tls_client_auth` (§2.2): the certificate is the first `x5c` entry of a
    ///   key of the client's current key set, or of its previous one while its grace period
    ///   lasts (inline or published at its `jwks_uri`);
    ///
    /// and, either way, the certificate is valid now (RFC 5280 §4.1.2.5). Only an active
    /// application of one of these methods can pass; any other client is invalid, the
    /// reason kept for the logs. A self-signed certificate's use is noted on its key set.
    ///
    /// # Errors
    /// [`AuthenticateError::Forbidden`] unless the caller is a client authenticator or a
    /// platform admin; `Unavailable` / `Unexpected` when storage fails.
    pub async fn authenticate_certificate(
        &self,
        principal: &Principal,
        client_id: &str,
        certificate: &ClientCertificate,
    ) -> Result<CertificateAuthentication, AuthenticateError> {
        policy::authorize_client_authentication(principal)
            .map_err(|_| AuthenticateError::Forbidden(NOT_AN_AUTHENTICATOR))?;
        let answer = self.certificate_answer(client_id, certificate).await?;
        Ok(CertificateAuthentication {
            answer,
            thumbprint: certificate.thumbprint().clone(),
        })
    }

    async fn certificate_answer(
        &self,
        client_id: &str,
        certificate: &ClientCertificate,
    ) -> Result<ClientAuthentication, AuthenticateError> {
        use ClientAuthentication::Invalid;
        let found = match ClientId::parse(client_id) {
            Ok(id) => self.ports.repository.find_by_client_id(&id).await?,
            Err(_) => None,
        };
        let Some(app) = found else {
            return Ok(Invalid(Refusal::UnknownClient));
        };
        if app.is_disabled() {
            return Ok(Invalid(Refusal::Disabled));
        }
        let now = self.ports.clock.now();
        if !certificate.is_valid_at(now) {
            return Ok(Invalid(Refusal::CertificateNotValidNow));
        }
        match app.auth_method() {
            AuthMethod::TlsClientAuth => {
                if app.tls_subject().is_some_and(|s| s.matches(certificate)) {
                    Ok(ClientAuthentication::Valid(Box::new(app)))
                } else {
                    Ok(Invalid(Refusal::CertificateMismatch))
                }
            }
            AuthMethod::SelfSignedTlsClientAuth => {
                match self.registered_certificate(&app, certificate, now).await {
                    Ok(Some(set)) => {
                        let used = CredentialRef {
                            kind: CredentialKind::KeySet,
                            serial: set,
                        };
                        self.note_use(&app, used, now).await;
                        Ok(ClientAuthentication::Valid(Box::new(app)))
                    }
                    Ok(None) => Ok(Invalid(Refusal::CertificateMismatch)),
                    Err(refusal) => Ok(Invalid(refusal)),
                }
            }
            other => Ok(Invalid(Refusal::MethodMismatch(other))),
        }
    }

    /// The serial of the valid key set of `app` that holds `certificate` (its published
    /// set fetched through the key directory, once more when the cached one lacks it).
    async fn registered_certificate(
        &self,
        app: &OAuthApplication,
        certificate: &ClientCertificate,
        now: Timestamp,
    ) -> Result<Option<super::rotation::CredentialSerial>, Refusal> {
        let Some(keys) = app.keys() else {
            return Ok(None);
        };
        let offered: Vec<&KeySet> = keys.valid_at(now).collect();
        for refresh in [false, true] {
            let mut remote = false;
            for set in &offered {
                let jwks = match &set.credential {
                    KeySource::Inline(jwks) => jwks.clone(),
                    KeySource::Remote(uri) => {
                        remote = true;
                        match self.ports.keys.fetch(uri, refresh).await {
                            Ok(jwks) => jwks,
                            Err(KeyFetchError::Refused(reason)) => {
                                return Err(Refusal::KeysUnavailable(reason));
                            }
                            Err(e) => return Err(Refusal::KeysUnavailable(e.to_string())),
                        }
                    }
                };
                if jwks_contains_certificate(&jwks.to_value(), certificate) {
                    return Ok(Some(set.serial));
                }
            }
            // A certificate the cached set lacks: the client may have published it since.
            if !remote {
                break;
            }
        }
        Ok(None)
    }
}
