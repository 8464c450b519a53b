//! Credentials as a request gives them ([`KeysInput`]), and their checks, shared by
//! registration, updates and key rotation: the authentication method asked for, and keys
//! given inline or by a URL the server may fetch.

use super::key_sets::KeySource;
use super::keys::{AuthMethod, Jwks, JwksUri};
use crate::applications::service::{ApplicationService, keep_or};
use crate::shared::validation::{Collector, Field, FieldError, Violation};

/// Public keys as a request gives them: at most one of a JWK Set or its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeysInput {
    /// A JWK Set (RFC 7517 §5), as JSON.
    pub jwks: Option<serde_json::Value>,
    /// The https URL the client publishes its JWK Set at.
    pub jwks_uri: Option<String>,
}

impl KeysInput {
    /// Whether neither is given.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.jwks.is_none() && self.jwks_uri.is_none()
    }
}

impl ApplicationService {
    /// Parses an authentication method when given (else `current`); `private_key_jwt`
    /// newly chosen needs assertion audiences. `None` when broken (recorded in `c`).
    pub(crate) fn check_method(
        &self,
        c: &mut Collector,
        raw: Option<&str>,
        current: AuthMethod,
        keeps_current: bool,
    ) -> Option<AuthMethod> {
        let method = keep_or(
            c,
            Field::TokenEndpointAuthMethod,
            raw,
            &current,
            AuthMethod::parse,
        )?;
        let newly_chosen = !(keeps_current && method == current);
        if method.signs_assertions() && newly_chosen && self.config.assertion_audiences.is_empty() {
            c.push(FieldError::new(
                Field::TokenEndpointAuthMethod,
                Violation::AssertionsDisabled,
            ));
            return None;
        }
        Some(method)
    }

    /// Checks keys as given: at most one of a JWK Set and its URL, the URL one the server
    /// may fetch. `Some(None)` when neither is given; `None` when broken (recorded in `c`).
    pub(crate) fn check_keys(
        &self,
        c: &mut Collector,
        input: &KeysInput,
    ) -> Option<Option<KeySource>> {
        match (&input.jwks, &input.jwks_uri) {
            (None, None) => Some(None),
            (Some(_), Some(_)) => {
                c.push(FieldError::new(Field::Jwks, Violation::KeysTwice));
                None
            }
            (Some(jwks), None) => c
                .check(Field::Jwks, Jwks::from_value(jwks))
                .map(|jwks| Some(KeySource::Inline(jwks))),
            (None, Some(uri)) => {
                let uri = c.check(Field::JwksUri, JwksUri::parse(uri))?;
                match self.ports.keys.permits(&uri) {
                    Ok(()) => Some(Some(KeySource::Remote(uri))),
                    Err(refusal) => {
                        c.push(FieldError::new(
                            Field::JwksUri,
                            Violation::UnfetchableUrl {
                                reason: refusal.to_string(),
                            },
                        ));
                        None
                    }
                }
            }
        }
    }
}
