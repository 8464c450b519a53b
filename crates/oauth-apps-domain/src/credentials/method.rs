//! What an application proves itself with: its authentication method and the credentials
//! the method needs, held together so that they always agree.

use super::certificate::TlsSubject;
use super::key_sets::{KeySet, KeySets, KeySource};
use super::keys::AuthMethod;
use super::rotation::CredentialSerial;
use super::secrets::{Secret, Secrets};
use crate::applications::attributes::AppType;
use crate::shared::time::Timestamp;
use crate::shared::validation::{Field, FieldError, Violation};

/// How stale a credential's last use may be: a use is written at most once in this many
/// seconds per credential, across replicas, so that authentication costs no write on the
/// warm path.
pub const CREDENTIAL_USE_RESOLUTION_SECONDS: u32 = 60;

/// What kind of credential an application proves itself with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// A client secret (`client_secret_basic`, `client_secret_post`).
    Secret,
    /// A key set (`private_key_jwt`).
    KeySet,
}

impl CredentialKind {
    /// The wire name: `secret` or `key_set`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::KeySet => "key_set",
        }
    }
}

/// One credential of an application, by kind and serial: what a use is recorded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CredentialRef {
    /// A secret or a key set.
    pub kind: CredentialKind,
    /// Which one.
    pub serial: CredentialSerial,
}

/// What an operator is shown of a credential: never the credential itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    /// Which credential.
    pub credential: CredentialRef,
    /// When it was issued or registered.
    pub created_at: Timestamp,
    /// When a previous credential stops being accepted; `None` for the current one.
    pub expires_at: Option<Timestamp>,
    /// When a client last proved itself with it (at most a minute stale), if ever.
    pub last_used_at: Option<Timestamp>,
    /// A secret's last four characters; a key set's key ids (space-separated) or, for
    /// published keys, their URL. `None` for a secret issued before hints were kept.
    pub hint: Option<String>,
}

impl CredentialSummary {
    fn of_secret(secret: &Secret, expires_at: Option<Timestamp>) -> Self {
        Self {
            credential: CredentialRef {
                kind: CredentialKind::Secret,
                serial: secret.serial,
            },
            created_at: secret.created_at,
            expires_at,
            last_used_at: secret.last_used_at,
            hint: secret
                .credential
                .hint
                .as_ref()
                .map(|h| h.as_str().to_owned()),
        }
    }

    fn of_key_set(set: &KeySet, expires_at: Option<Timestamp>) -> Self {
        let hint = match &set.credential {
            KeySource::Inline(jwks) => jwks.kids().collect::<Vec<_>>().join(" "),
            KeySource::Remote(uri) => uri.as_str().to_owned(),
        };
        Self {
            credential: CredentialRef {
                kind: CredentialKind::KeySet,
                serial: set.serial,
            },
            created_at: set.created_at,
            expires_at,
            last_used_at: set.last_used_at,
            hint: Some(hint),
        }
    }
}

/// An application's authentication method with its secrets and key sets.
///
/// The rules, checked by [`Credentials::new`]:
/// - a method that uses a secret (`client_secret_basic`, `client_secret_post`) has one,
///   and only those methods keep one (switching away from a secret revokes it);
/// - `private_key_jwt` has a current key set (key sets may also be registered ahead of a
///   switch to it);
/// - `none` (no client authentication) is for public clients, never for `web`
///   applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    method: AuthMethod,
    secrets: Option<Secrets>,
    keys: Option<KeySets>,
    tls_subject: Option<TlsSubject>,
}

impl Credentials {
    /// Checks `method` against the credentials given and the application's type.
    ///
    /// # Errors
    /// On [`Field::TokenEndpointAuthMethod`]: [`Violation::AuthMethodNotForType`],
    /// [`Violation::NoSecretForMethod`], [`Violation::KeysRequired`].
    pub fn new(
        app_type: AppType,
        method: AuthMethod,
        secrets: Option<Secrets>,
        keys: Option<KeySets>,
    ) -> Result<Self, FieldError> {
        Self::check(app_type, method, secrets.is_some(), keys.is_some())?;
        Ok(Self {
            method,
            secrets: secrets.filter(|_| method.uses_secret()),
            keys,
            tls_subject: None,
        })
    }

    /// With the certificate subject `tls_client_auth` expects (RFC 8705 §2.1.2): kept only
    /// for that method (switching away from it drops the subject, as leaving a secret
    /// method revokes the secret).
    ///
    /// # Errors
    /// [`Violation::TlsSubjectRequired`] on [`Field::TokenEndpointAuthMethod`] for
    /// `tls_client_auth` without one.
    pub fn with_tls_subject(mut self, subject: Option<TlsSubject>) -> Result<Self, FieldError> {
        Self::check_tls_subject(self.method, subject.is_some())?;
        self.tls_subject = subject.filter(|_| self.method == AuthMethod::TlsClientAuth);
        Ok(self)
    }

    /// The rule of [`Credentials::with_tls_subject`], for credentials about to be made.
    ///
    /// # Errors
    /// As [`Credentials::with_tls_subject`].
    pub fn check_tls_subject(method: AuthMethod, has_subject: bool) -> Result<(), FieldError> {
        if method == AuthMethod::TlsClientAuth && !has_subject {
            return Err(FieldError::new(
                Field::TokenEndpointAuthMethod,
                Violation::TlsSubjectRequired,
            ));
        }
        Ok(())
    }

    /// The certificate subject a `tls_client_auth` client is registered with.
    #[must_use]
    pub const fn tls_subject(&self) -> Option<&TlsSubject> {
        self.tls_subject.as_ref()
    }

    /// The rules of [`Credentials::new`], for credentials about to be made: whether a
    /// secret and keys will be there.
    ///
    /// # Errors
    /// As [`Credentials::new`].
    pub fn check(
        app_type: AppType,
        method: AuthMethod,
        has_secret: bool,
        has_keys: bool,
    ) -> Result<(), FieldError> {
        let broken = |v| Err(FieldError::new(Field::TokenEndpointAuthMethod, v));
        if method == AuthMethod::None && app_type.is_confidential() {
            return broken(Violation::AuthMethodNotForType {
                app_type: app_type.as_str(),
            });
        }
        if method.uses_secret() && !has_secret {
            return broken(Violation::NoSecretForMethod);
        }
        if method == AuthMethod::SelfSignedTlsClientAuth && !has_keys {
            return broken(Violation::CertificatesRequired);
        }
        if method.uses_keys() && !has_keys {
            return broken(Violation::KeysRequired);
        }
        Ok(())
    }

    /// Secret credentials with `client_secret_basic`, the seed surfaces' default.
    #[must_use]
    pub const fn secret(secrets: Secrets) -> Self {
        Self {
            method: AuthMethod::ClientSecretBasic,
            secrets: Some(secrets),
            keys: None,
            tls_subject: None,
        }
    }

    /// The authentication method.
    #[must_use]
    pub const fn method(&self) -> AuthMethod {
        self.method
    }

    /// The secrets, when the method uses one.
    #[must_use]
    pub const fn secrets(&self) -> Option<&Secrets> {
        self.secrets.as_ref()
    }

    /// The key sets, when any are registered.
    #[must_use]
    pub const fn keys(&self) -> Option<&KeySets> {
        self.keys.as_ref()
    }

    /// With `secrets` in place of the current ones (a rotation).
    #[must_use]
    pub(crate) fn with_secrets(&self, secrets: Secrets) -> Self {
        Self {
            secrets: Some(secrets),
            ..self.clone()
        }
    }

    /// With `keys` in place of the current ones (a rotation or a replacement).
    #[must_use]
    pub(crate) fn with_keys(&self, keys: KeySets) -> Self {
        Self {
            keys: Some(keys),
            ..self.clone()
        }
    }

    /// Without the previous secret and the previous key set.
    #[must_use]
    pub(crate) fn without_previous(&self) -> Self {
        Self {
            method: self.method,
            secrets: self.secrets.as_ref().map(Secrets::without_previous),
            keys: self.keys.as_ref().map(KeySets::without_previous),
            tls_subject: self.tls_subject.clone(),
        }
    }

    /// The credential the method uses: the current secret, the current key set, or none
    /// (`none`).
    #[must_use]
    pub fn current_credential(&self) -> Option<CredentialSummary> {
        if self.method.uses_keys() {
            let keys = self.keys.as_ref()?;
            Some(CredentialSummary::of_key_set(keys.current(), None))
        } else {
            let secrets = self.secrets.as_ref()?;
            Some(CredentialSummary::of_secret(secrets.current(), None))
        }
    }

    /// The rotated-out credential of the method's kind while one is kept (its grace
    /// period may have ended).
    #[must_use]
    pub fn previous_credential(&self) -> Option<CredentialSummary> {
        if self.method.uses_keys() {
            let previous = self.keys.as_ref()?.previous()?;
            Some(CredentialSummary::of_key_set(
                &previous.issued,
                Some(previous.expires_at),
            ))
        } else {
            let previous = self.secrets.as_ref()?.previous()?;
            Some(CredentialSummary::of_secret(
                &previous.issued,
                Some(previous.expires_at),
            ))
        }
    }

    /// When `credential` was last used, as loaded; `None` if never or if the
    /// application has no such credential.
    #[must_use]
    pub fn last_used(&self, credential: CredentialRef) -> Option<Timestamp> {
        match credential.kind {
            CredentialKind::Secret => {
                let secrets = self.secrets.as_ref()?;
                std::iter::once(secrets.current())
                    .chain(secrets.previous().map(|p| &p.issued))
                    .find(|s| s.serial == credential.serial)?
                    .last_used_at
            }
            CredentialKind::KeySet => {
                let keys = self.keys.as_ref()?;
                std::iter::once(keys.current())
                    .chain(keys.previous().map(|p| &p.issued))
                    .find(|s| s.serial == credential.serial)?
                    .last_used_at
            }
        }
    }

    /// Whether a use of `credential` at `now` should be written: it exists and its last
    /// use, as loaded, is not within [`CREDENTIAL_USE_RESOLUTION_SECONDS`] before `now`.
    #[must_use]
    pub fn use_is_due(&self, credential: CredentialRef, now: Timestamp) -> bool {
        let known = match credential.kind {
            CredentialKind::Secret => self.secrets.as_ref().is_some_and(|s| {
                std::iter::once(s.current())
                    .chain(s.previous().map(|p| &p.issued))
                    .any(|s| s.serial == credential.serial)
            }),
            CredentialKind::KeySet => self.keys.as_ref().is_some_and(|k| {
                std::iter::once(k.current())
                    .chain(k.previous().map(|p| &p.issued))
                    .any(|s| s.serial == credential.serial)
            }),
        };
        known
            && self
                .last_used(credential)
                .is_none_or(|last| now >= last.plus_seconds(CREDENTIAL_USE_RESOLUTION_SECONDS))
    }

    /// With `credential`'s last use at `at`, as storage returns it after
    /// [`crate::ApplicationRepository::record_use`]; unchanged when there is no such
    /// credential.
    #[must_use]
    pub(crate) fn with_use(&self, credential: CredentialRef, at: Timestamp) -> Self {
        let mut next = self.clone();
        match credential.kind {
            CredentialKind::Secret => {
                if let Some(secrets) = &self.secrets {
                    next.secrets = Some(secrets.with_use(credential.serial, at));
                }
            }
            CredentialKind::KeySet => {
                if let Some(keys) = &self.keys {
                    next.keys = Some(keys.with_use(credential.serial, at));
                }
            }
        }
        next
    }

    /// Whether a previous secret or key set is kept (it may have expired).
    #[must_use]
    pub fn has_previous(&self) -> bool {
        self.secrets
            .as_ref()
            .is_some_and(|s| s.previous().is_some())
            || self.keys.as_ref().is_some_and(|k| k.previous().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::key_sets::KeySource;
    use crate::credentials::keys::Jwks;
    use crate::credentials::secret::SecretHash;
    use crate::credentials::secrets::Secret;
    use crate::shared::time::Timestamp;

    fn secrets() -> Secrets {
        Secrets::new(Secret::first(
            SecretHash::new("$test$h").unwrap(),
            None,
            Timestamp::from_unix_micros(0).unwrap(),
        ))
    }

    fn keys() -> KeySets {
        let jwks = Jwks::parse(
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        )
        .unwrap();
        KeySets::first(
            KeySource::Inline(jwks),
            Timestamp::from_unix_micros(0).unwrap(),
        )
    }

    fn violation(r: Result<Credentials, FieldError>) -> Violation {
        let e = r.unwrap_err();
        assert_eq!(e.field, Field::TokenEndpointAuthMethod);
        e.violation
    }

    #[test]
    fn each_method_needs_its_credentials() {
        use AuthMethod as M;
        assert!(
            Credentials::new(AppType::Web, M::ClientSecretBasic, Some(secrets()), None).is_ok()
        );
        assert_eq!(
            violation(Credentials::new(
                AppType::Web,
                M::ClientSecretPost,
                None,
                Some(keys())
            )),
            Violation::NoSecretForMethod
        );
        assert_eq!(
            violation(Credentials::new(
                AppType::Web,
                M::PrivateKeyJwt,
                Some(secrets()),
                None
            )),
            Violation::KeysRequired
        );
        let pkj = Credentials::new(
            AppType::Web,
            M::PrivateKeyJwt,
            Some(secrets()),
            Some(keys()),
        )
        .unwrap();
        assert!(pkj.secrets().is_none(), "a key method keeps no secret");
        assert_eq!(
            violation(Credentials::new(AppType::Web, M::None, None, None)),
            Violation::AuthMethodNotForType { app_type: "web" }
        );
        for t in [AppType::Native, AppType::Public, AppType::UserAgentBased] {
            let public = Credentials::new(t, M::None, None, None).unwrap();
            assert!(public.secrets().is_none() && public.keys().is_none());
        }
        // Keys may be registered ahead of a switch to private_key_jwt.
        let ahead = Credentials::new(
            AppType::Web,
            M::ClientSecretBasic,
            Some(secrets()),
            Some(keys()),
        )
        .unwrap();
        assert!(ahead.keys().is_some());
    }
}
