//! Credentials as a request gives them ([`KeysInput`]), and their checks, shared by
//! registration, updates and key rotation: the authentication method asked for, and keys
//! given inline or by a URL the server may fetch.

use super::certificate::{TLS_SUBJECT_MEMBERS, TlsSubject};
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

/// The certificate subject a `tls_client_auth` client expects, as a request gives it: at
/// most one of the five RFC 8705 §2.1.2 members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSubjectInput {
    /// `tls_client_auth_subject_dn`.
    pub subject_dn: Option<String>,
    /// `tls_client_auth_san_dns`.
    pub san_dns: Option<String>,
    /// `tls_client_auth_san_uri`.
    pub san_uri: Option<String>,
    /// `tls_client_auth_san_ip`.
    pub san_ip: Option<String>,
    /// `tls_client_auth_san_email`.
    pub san_email: Option<String>,
}

impl TlsSubjectInput {
    /// The members given, each with its field, in RFC 8705 §2.1.2 order.
    #[must_use]
    pub fn given(&self) -> Vec<(&'static str, Field, &str)> {
        [
            (
                TLS_SUBJECT_MEMBERS[0],
                Field::TlsClientAuthSubjectDn,
                &self.subject_dn,
            ),
            (
                TLS_SUBJECT_MEMBERS[1],
                Field::TlsClientAuthSanDns,
                &self.san_dns,
            ),
            (
                TLS_SUBJECT_MEMBERS[2],
                Field::TlsClientAuthSanUri,
                &self.san_uri,
            ),
            (
                TLS_SUBJECT_MEMBERS[3],
                Field::TlsClientAuthSanIp,
                &self.san_ip,
            ),
            (
                TLS_SUBJECT_MEMBERS[4],
                Field::TlsClientAuthSanEmail,
                &self.san_email,
            ),
        ]
        .into_iter()
        .filter_map(|(member, field, value)| value.as_deref().map(|v| (member, field, v)))
        .collect()
    }

    /// The input that gives `subject`, by its member.
    #[must_use]
    pub fn of(subject: &TlsSubject) -> Self {
        let value = Some(subject.to_string());
        let mut input = Self::default();
        match subject {
            TlsSubject::SubjectDn(_) => input.subject_dn = value,
            TlsSubject::SanDns(_) => input.san_dns = value,
            TlsSubject::SanUri(_) => input.san_uri = value,
            TlsSubject::SanIp(_) => input.san_ip = value,
            TlsSubject::SanEmail(_) => input.san_email = value,
        }
        input
    }

    /// Checks what is given: `Some(None)` when nothing is, `Some(Some(_))` for one member
    /// whose value holds, `None` when broken (recorded in `c`: two members or more, or a
    /// value that breaks its member's rule).
    pub(crate) fn check(&self, c: &mut Collector) -> Option<Option<TlsSubject>> {
        match self.given().as_slice() {
            [] => Some(None),
            [(member, field, value)] => c.check(*field, TlsSubject::parse(member, value)).map(Some),
            _ => {
                c.push(FieldError::new(
                    Field::TlsClientAuthSubject,
                    Violation::TlsSubjectTwice,
                ));
                None
            }
        }
    }
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
