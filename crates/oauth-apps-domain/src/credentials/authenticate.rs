//! Checking a client's credentials for an authorization server: a secret
//! (`authenticate_client`) or a client assertion (`authenticate_assertion`,
//! `private_key_jwt`), each answering valid or invalid after the same work, and noting the
//! use of the credential that passed.

use super::errors::{AuthenticateError, NOT_AN_AUTHENTICATOR};
use super::key_sets::{KeySet, KeySource};
use super::keys::AuthMethod;
use super::method::{CredentialKind, CredentialRef};
use super::ports::{AssertionRefusal, AssertionRules, KeyFetchError};
use super::secret::{SecretHash, is_well_formed_secret};
use super::secrets::Secrets;
use crate::applications::application::OAuthApplication;
use crate::applications::service::ApplicationService;
use crate::registration::document_url::{ClientIdKind, ClientIdKindError};
use crate::registration::errors::{ResolveError, ResolveRefusal};
use crate::registration::metadata_documents::url_refused;
use crate::shared::ids::ClientId;
use crate::shared::principal::{self as policy, Principal};
use crate::shared::time::Timestamp;

/// The answer to a client authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuthentication {
    /// The credential is valid for this active application, by its method.
    Valid(Box<OAuthApplication>),
    /// Unknown client, disabled application, a credential the method does not use, an
    /// expired or wrong one: all alike to the caller. The reason is for the logs only.
    Invalid(Refusal),
}

/// Why a client was not authenticated: for the logs, never for the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The secret fails the offline format check.
    #[error("the secret is not one this service issues")]
    MalformedSecret,
    /// No application has this client id.
    #[error("unknown client")]
    UnknownClient,
    /// The application is disabled.
    #[error("the application is disabled")]
    Disabled,
    /// The credential is not the kind the application's method uses.
    #[error("the application authenticates with {0}")]
    MethodMismatch(AuthMethod),
    /// The secret matches no valid hash.
    #[error("the secret does not match")]
    WrongSecret,
    /// The assertion is refused.
    #[error("{0}")]
    Assertion(AssertionRefusal),
    /// The published keys could not be had.
    #[error("the client's published keys could not be had: {0}")]
    KeysUnavailable(String),
    /// The assertion's `jti` was used before.
    #[error("the assertion was used before (jti replayed)")]
    Replayed,
    /// The certificate is outside its validity period (RFC 5280 §4.1.2.5).
    #[error("the certificate is not valid now (expired or not yet valid)")]
    CertificateNotValidNow,
    /// The certificate is not the one the client registered (RFC 8705 §2.1.2, §2.2).
    #[error("the certificate is not the client's: its subject or its key set does not hold it")]
    CertificateMismatch,
    /// The client id is a metadata document URL that did not resolve.
    #[error("the client's metadata document did not resolve: {0}")]
    MetadataDocument(ResolveRefusal),
}

/// How far ahead an assertion's `exp` may be (RFC 7523 leaves it to the server).
const ASSERTION_MAX_LIFETIME_SECONDS: u32 = 600;

/// Clock skew tolerated on an assertion's `exp`, `nbf` and `iat`.
const ASSERTION_LEEWAY_SECONDS: u32 = 60;

/// A metadata document client's resolution as the answer to an assertion: the application,
/// or the refusal.
fn document_client(
    resolved: Result<OAuthApplication, ResolveError>,
) -> Result<Result<OAuthApplication, Refusal>, AuthenticateError> {
    match resolved {
        Ok(app) => Ok(Ok(app)),
        Err(ResolveError::Disabled) => Ok(Err(Refusal::Disabled)),
        Err(ResolveError::Refused(refusal)) => Ok(Err(Refusal::MetadataDocument(refusal))),
        Err(ResolveError::Unavailable(source)) => Err(AuthenticateError::Unavailable(source)),
        Err(e) => Err(AuthenticateError::Unexpected(Box::new(e))),
    }
}

impl ApplicationService {
    /// Checks a client's credentials for an authorization server. Unknown client, disabled
    /// application, expired previous secret and wrong secret all answer
    /// [`ClientAuthentication::Invalid`] after the same work: every failed authentication
    /// costs [`Secrets::MAX_VALID`] full verifications (against the application's valid
    /// hashes, made up with a dummy hash), so its time tells nothing about the
    /// application: not whether it exists, nor whether it is disabled or in the middle of
    /// a rotation. A disabled application's hashes are never consulted, so its real secret
    /// is refused exactly as a wrong one. A secret that fails the offline format check is
    /// invalid at once, whatever the client.
    ///
    /// # Errors
    /// [`AuthenticateError::Forbidden`] unless the caller is a client authenticator or a
    /// platform admin; `Unavailable` / `Unexpected` when a port fails.
    pub async fn authenticate_client(
        &self,
        principal: &Principal,
        client_id: &str,
        client_secret: &str,
    ) -> Result<ClientAuthentication, AuthenticateError> {
        policy::authorize_client_authentication(principal)
            .map_err(|_| AuthenticateError::Forbidden(NOT_AN_AUTHENTICATOR))?;
        if !is_well_formed_secret(client_secret) {
            return Ok(ClientAuthentication::Invalid(Refusal::MalformedSecret));
        }
        let found = match ClientId::parse(client_id) {
            Ok(id) => self.ports.repository.find_by_client_id(&id).await?,
            Err(_) => None,
        };
        let now = self.ports.clock.now();
        let mut verified = 0;
        // Only an active application whose method uses a secret is checked against its
        // hashes; every other failure pays the same verifications against the dummy.
        let refusal = match &found {
            None => Refusal::UnknownClient,
            Some(app) if app.is_disabled() => Refusal::Disabled,
            Some(app) if !app.auth_method().uses_secret() => {
                Refusal::MethodMismatch(app.auth_method())
            }
            Some(_) => Refusal::WrongSecret,
        };
        let checked = found.filter(|_| refusal == Refusal::WrongSecret);
        if let Some(app) = checked {
            let mut matched = None;
            for secret in app.secrets().into_iter().flat_map(|s| s.valid_at(now)) {
                verified += 1;
                if self
                    .ports
                    .hasher
                    .verify(client_secret, &secret.credential.hash, principal.subject())
                    .await?
                {
                    matched = Some(secret.serial);
                    break;
                }
            }
            if let Some(serial) = matched {
                let used = CredentialRef {
                    kind: CredentialKind::Secret,
                    serial,
                };
                self.note_use(&app, used, now).await;
                return Ok(ClientAuthentication::Valid(Box::new(app)));
            }
        }
        let dummy = self.dummy_hash(principal).await?;
        for _ in verified..Secrets::MAX_VALID {
            self.ports
                .hasher
                .verify(client_secret, &dummy, principal.subject())
                .await?;
        }
        Ok(ClientAuthentication::Invalid(refusal))
    }

    /// Checks a client assertion (`private_key_jwt`, RFC 7523 §3 and RFC 7521 §4.2) for an
    /// authorization server: `iss` and `sub` the client id (`client_id`, when the request
    /// names it, must be the same), `aud` holding one of
    /// [`ServiceConfig::assertion_audiences`], `exp` required and at most 10 minutes ahead,
    /// `nbf` and `iat` not in the future (60 s of leeway), signed with a key of the
    /// application's current key set or of its previous one while its grace period lasts,
    /// with an algorithm that key may use, and a `jti` never used before by this client
    /// (across replicas). A `jwks_uri` is read through the key directory's cache; an
    /// assertion naming a key the cached set lacks fetches it again (at most once a
    /// minute). Only an active `private_key_jwt` application can pass.
    ///
    /// # Errors
    /// [`AuthenticateError::Forbidden`] unless the caller is a client authenticator or a
    /// platform admin; `Unavailable` / `Unexpected` when storage fails.
    ///
    /// [`ServiceConfig::assertion_audiences`]: crate::ServiceConfig::assertion_audiences
    pub async fn authenticate_assertion(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        assertion: &str,
    ) -> Result<ClientAuthentication, AuthenticateError> {
        use ClientAuthentication::Invalid;
        policy::authorize_client_authentication(principal)
            .map_err(|_| AuthenticateError::Forbidden(NOT_AN_AUTHENTICATOR))?;
        let assertion = self.ports.assertions.read(assertion);
        let named = match client_id {
            Some(id) => Some(id.to_owned()),
            None => assertion.subject().map(str::to_owned),
        };
        let Some(named) = named else {
            return Ok(Invalid(Refusal::UnknownClient));
        };
        let app = match self.assertion_client(&named).await? {
            Ok(app) => app,
            Err(refusal) => return Ok(Invalid(refusal)),
        };
        if app.is_disabled() {
            return Ok(Invalid(Refusal::Disabled));
        }
        let (true, Some(key_sets)) = (app.auth_method().signs_assertions(), app.keys()) else {
            return Ok(Invalid(Refusal::MethodMismatch(app.auth_method())));
        };
        let now = self.ports.clock.now();
        let rules = AssertionRules {
            client_id: named,
            audiences: self.config.assertion_audiences.clone(),
            now,
            max_lifetime_seconds: ASSERTION_MAX_LIFETIME_SECONDS,
            leeway_seconds: ASSERTION_LEEWAY_SECONDS,
        };
        let mut verified = None;
        let offered: Vec<&KeySet> = key_sets.valid_at(now).collect();
        for refresh in [false, true] {
            let mut sets = Vec::new();
            let mut remote = false;
            for set in &offered {
                match &set.credential {
                    KeySource::Inline(jwks) => sets.push(jwks.clone()),
                    KeySource::Remote(uri) => {
                        remote = true;
                        match self.ports.keys.fetch(uri, refresh).await {
                            Ok(jwks) => sets.push(jwks),
                            Err(KeyFetchError::Refused(reason)) => {
                                return Ok(Invalid(Refusal::KeysUnavailable(reason)));
                            }
                            Err(e) => return Ok(Invalid(Refusal::KeysUnavailable(e.to_string()))),
                        }
                    }
                }
            }
            match self.ports.assertions.verify(&assertion, &sets, &rules) {
                Ok(claims) => {
                    verified = Some(claims);
                    break;
                }
                // A key the cached set lacks: the client may have published a new one.
                Err(AssertionRefusal::UnknownKey) if remote && !refresh => {}
                Err(refusal) => return Ok(Invalid(Refusal::Assertion(refusal))),
            }
        }
        let Some(claims) = verified else {
            return Ok(Invalid(Refusal::Assertion(AssertionRefusal::UnknownKey)));
        };
        if !self
            .ports
            .replay
            .first_use(app.id(), &claims.jti, claims.expires_at, now)
            .await?
        {
            return Ok(Invalid(Refusal::Replayed));
        }
        if let Some(set) = offered.get(claims.key_set) {
            let used = CredentialRef {
                kind: CredentialKind::KeySet,
                serial: set.serial,
            };
            self.note_use(&app, used, now).await;
        }
        Ok(ClientAuthentication::Valid(Box::new(app)))
    }

    /// The application an assertion names: a metadata document client, resolved from its
    /// URL, or a registered client; the refusal when there is none to check it against.
    async fn assertion_client(
        &self,
        named: &str,
    ) -> Result<Result<OAuthApplication, Refusal>, AuthenticateError> {
        let id = match ClientIdKind::parse(named) {
            Ok(ClientIdKind::Registered(id)) => id,
            Ok(ClientIdKind::Document(url)) => {
                // A metadata document client: `iss` and `sub` are its URL.
                return document_client(self.resolve_document_url(url).await);
            }
            Err(ClientIdKindError::Document(refusal)) => {
                return document_client(Err(url_refused(&refusal)));
            }
            Err(ClientIdKindError::Unknown) => return Ok(Err(Refusal::UnknownClient)),
        };
        match self.ports.repository.find_by_client_id(&id).await? {
            Some(app) => Ok(Ok(app)),
            None => Ok(Err(Refusal::UnknownClient)),
        }
    }

    /// Writes that `app`'s `credential` was used `now` when the last use it was loaded
    /// with is a minute old or more (see [`ApplicationRepository::record_use`]), unless
    /// [`ServiceConfig::record_credential_use`] is off. Best effort: a failed write is
    /// not the client's failure.
    pub(crate) async fn note_use(
        &self,
        app: &OAuthApplication,
        credential: CredentialRef,
        now: Timestamp,
    ) {
        if self.config.record_credential_use && app.credentials().use_is_due(credential, now) {
            let _best_effort = self
                .ports
                .repository
                .record_use(app.id(), credential, now)
                .await;
        }
    }

    /// A hash of a random secret, made once, to verify against when a client is unknown.
    pub(crate) async fn dummy_hash(
        &self,
        principal: &Principal,
    ) -> Result<SecretHash, AuthenticateError> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash.clone());
        }
        let hash = self
            .ports
            .hasher
            .hash(&self.new_secret()?, principal.subject())
            .await?;
        Ok(self.dummy_hash.get_or_init(|| hash).clone())
    }
}
