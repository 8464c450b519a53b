//! What an application proves itself with: its authentication method and the credentials
//! the method needs, held together so that they always agree.

use super::attributes::AppType;
use super::keys::{AuthMethod, KeySets};
use super::secret::Secrets;
use crate::validation::{Field, FieldError, Violation};

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
        })
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
        }
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
    use crate::model::{Jwks, KeySet, KeySource, SecretHash, Timestamp};

    fn secrets() -> Secrets {
        Secrets::new(SecretHash::new("$test$h").unwrap())
    }

    fn keys() -> KeySets {
        let jwks = Jwks::parse(
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        )
        .unwrap();
        KeySets::new(KeySet::new(
            KeySource::Inline(jwks),
            Timestamp::from_unix_micros(0).unwrap(),
        ))
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
