//! Rotating credentials: a new secret (`rotate_secret`), new keys (`rotate_keys`), each
//! with a grace period for the one it replaces, and ending that grace early
//! (`revoke_previous_secret`).

use super::errors::{RevokePreviousSecretError, RotateKeysError, RotateSecretError};
use super::input::KeysInput;
use super::key_sets::KeySource;
use super::rotation::GracePeriod;
use super::secret::{ClientSecret, SecretHint};
use super::secrets::SecretLifecycle;
use crate::applications::application::{OAuthApplication, RotationRefused};
use crate::applications::errors::FOLLOWS_DOCUMENT;
use crate::applications::service::{AppRef, ApplicationService};
use crate::events::change::AuditAction;
use crate::events::change::ChangedField;
use crate::registration::details::Registration;
use crate::shared::principal::{Action, Principal};
use crate::shared::validation::{Collector, Field, FieldError, Violation};

/// A request to rotate an application's keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotateKeys {
    /// The new keys (required).
    pub keys: KeysInput,
    /// How long the current keys stay valid (0-604800 s; none when not given).
    pub grace_period_seconds: Option<i64>,
}

/// A rotated application and its new secret, to show once.
#[derive(Debug)]
pub struct Rotated {
    /// The application, whose previous secret (if any) shows when it expires.
    pub application: OAuthApplication,
    /// The new plaintext secret: never shown again.
    pub client_secret: ClientSecret,
}

impl ApplicationService {
    /// Issues a new secret. The old one stays valid for `grace_period_seconds` (0 to
    /// 604800; none when not given); an older previous secret is revoked at once.
    ///
    /// # Errors
    /// [`RotateSecretError::Invalid`] for a grace period out of range,
    /// [`RotateSecretError::NotFound`], [`RotateSecretError::Forbidden`],
    /// [`RotateSecretError::Revoked`] when the application is disabled,
    /// [`RotateSecretError::Conflict`]; `Unavailable` / `Unexpected`.
    pub async fn rotate_secret(
        &self,
        principal: &Principal,
        target: &AppRef,
        grace_period_seconds: Option<i64>,
    ) -> Result<Rotated, RotateSecretError> {
        let grace = grace_period_seconds
            .map_or(Ok(GracePeriod::NONE), GracePeriod::from_seconds)
            .map_err(|v| {
                RotateSecretError::Invalid(FieldError::new(Field::GracePeriodSeconds, v).into())
            })?;
        // Check access and state before paying for a hash.
        let current = self.load(principal, target, Action::Write).await?;
        if current.is_disabled() {
            return Err(RotateSecretError::Revoked);
        }
        if !current.auth_method().uses_secret() {
            return Err(RotateSecretError::NoSecret(current.auth_method()));
        }
        let secret = self.new_secret()?;
        let hash = self.ports.hasher.hash(&secret, principal.subject()).await?;
        let hint = SecretHint::of(&secret);
        let lifetime = self.secret_lifetime(current.owner_org_id()).await?;
        let application = self
            .write_from(
                Some(current),
                principal,
                target,
                None,
                AuditAction::SecretRotated,
                |app, now| {
                    app.rotated(hash.clone(), Some(hint.clone()), grace, now)
                        .map(|next| {
                            let serial = next.secrets().map(|s| s.current().serial);
                            let next = match serial {
                                Some(serial) => next.with_secret_lifecycle(serial, |l| {
                                    *l = SecretLifecycle::issued(&secret, now, lifetime);
                                }),
                                None => next,
                            };
                            Some((next, vec![ChangedField::Secret]))
                        })
                        .map_err(|refused| match refused {
                            RotationRefused::Disabled => RotateSecretError::Revoked,
                            RotationRefused::NoSecret(method) => {
                                RotateSecretError::NoSecret(method)
                            }
                        })
                },
            )
            .await?;
        Ok(Rotated {
            application,
            client_secret: secret,
        })
    }

    /// Makes `cmd.keys` the current key set; the current one stays valid for
    /// `cmd.grace_period_seconds` (0 to 604800; none when not given), and an older previous
    /// set is dropped at once. An application without keys gets its first set.
    ///
    /// # Errors
    /// [`RotateKeysError::Invalid`] for missing or broken keys or a grace period out of
    /// range; [`RotateKeysError::NotFound`], [`RotateKeysError::Forbidden`],
    /// [`RotateKeysError::Revoked`] when the application is disabled,
    /// [`RotateKeysError::Conflict`]; `Unavailable` / `Unexpected`.
    pub async fn rotate_keys(
        &self,
        principal: &Principal,
        target: &AppRef,
        cmd: RotateKeys,
    ) -> Result<OAuthApplication, RotateKeysError> {
        let mut c = Collector::default();
        let grace = match cmd.grace_period_seconds {
            None => Some(GracePeriod::NONE),
            Some(seconds) => c.check(
                Field::GracePeriodSeconds,
                GracePeriod::from_seconds(seconds),
            ),
        };
        let source = match self.check_keys(&mut c, &cmd.keys) {
            Some(None) => {
                c.push(FieldError::new(Field::Jwks, Violation::Required));
                None
            }
            other => other.flatten(),
        };
        let (Some(grace), Some(source)) = (grace, source) else {
            return Err(RotateKeysError::Invalid(c.into_errors()));
        };
        let field = match source {
            KeySource::Inline(_) => ChangedField::Jwks,
            KeySource::Remote(_) => ChangedField::JwksUri,
        };
        self.write(
            principal,
            target,
            None,
            AuditAction::KeysRotated,
            |app, now| {
                if app.registration() == Registration::MetadataDocument {
                    return Err(RotateKeysError::Forbidden(FOLLOWS_DOCUMENT));
                }
                app.with_rotated_keys(source.clone(), grace, now)
                    .map(|next| Some((next, vec![field])))
                    .map_err(|_| RotateKeysError::Revoked)
            },
        )
        .await
    }

    /// Revokes the previous credential now, ending its grace period: the previous secret
    /// and the previous key set; a no-op when there is none.
    ///
    /// # Errors
    /// [`RevokePreviousSecretError::NotFound`], [`RevokePreviousSecretError::Forbidden`],
    /// [`RevokePreviousSecretError::Conflict`]; `Unavailable` / `Unexpected`.
    pub async fn revoke_previous_secret(
        &self,
        principal: &Principal,
        target: &AppRef,
    ) -> Result<OAuthApplication, RevokePreviousSecretError> {
        self.write(
            principal,
            target,
            None,
            AuditAction::PreviousSecretRevoked,
            |app, now| {
                Ok(app.credentials().has_previous().then(|| {
                    (
                        app.without_previous_credential(now),
                        vec![ChangedField::Secret],
                    )
                }))
            },
        )
        .await
    }
}
