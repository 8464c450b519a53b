//! How a client authenticates at the token endpoint (RFC 7591 §2
//! `token_endpoint_auth_method`, the names of the IANA "OAuth Token Endpoint
//! Authentication Methods" registry).

use std::fmt;

use crate::shared::validation::Violation;

/// How a client authenticates at the token endpoint. `client_secret_jwt` is refused: it
/// signs with the shared secret (symmetric), which FAPI 2.0 forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthMethod {
    /// The secret in HTTP Basic (RFC 6749 §2.3.1); the default.
    #[default]
    ClientSecretBasic,
    /// The secret in the request body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// A JWT signed with the client's private key (RFC 7523 §2.2, OIDC Core §9).
    PrivateKeyJwt,
    /// No client authentication: a public client (it uses PKCE instead).
    None,
    /// Mutual TLS with a certificate a trusted CA issued, whose subject is the one
    /// registered (RFC 8705 §2.1).
    TlsClientAuth,
    /// Mutual TLS with a self-signed certificate registered in the client's JWK Set as
    /// `x5c` (RFC 8705 §2.2).
    SelfSignedTlsClientAuth,
}

impl AuthMethod {
    /// Every method, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
        Self::TlsClientAuth,
        Self::SelfSignedTlsClientAuth,
    ];

    /// The wire names, in declaration order.
    pub const NAMES: &'static [&'static str] = &[
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
        "tls_client_auth",
        "self_signed_tls_client_auth",
    ];

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
            Self::TlsClientAuth => "tls_client_auth",
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// [`Violation::SymmetricAuthMethod`] for `client_secret_jwt`; [`Violation::NotOneOf`]
    /// for anything else unknown.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        match s {
            "client_secret_jwt" => Err(Violation::SymmetricAuthMethod),
            _ => Self::ALL
                .into_iter()
                .find(|m| m.as_str() == s)
                .ok_or(Violation::NotOneOf {
                    allowed: Self::NAMES,
                }),
        }
    }

    /// Whether the method proves the client with its secret.
    #[must_use]
    pub const fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }

    /// Whether the method needs the client's JWK Set: its signing keys
    /// (`private_key_jwt`) or its self-signed certificates (`self_signed_tls_client_auth`).
    #[must_use]
    pub const fn uses_keys(self) -> bool {
        matches!(self, Self::PrivateKeyJwt | Self::SelfSignedTlsClientAuth)
    }

    /// Whether the method proves the client with a signed assertion (`private_key_jwt`).
    #[must_use]
    pub const fn signs_assertions(self) -> bool {
        matches!(self, Self::PrivateKeyJwt)
    }

    /// Whether the method proves the client with its TLS certificate (RFC 8705 §2).
    #[must_use]
    pub const fn uses_certificate(self) -> bool {
        matches!(self, Self::TlsClientAuth | Self::SelfSignedTlsClientAuth)
    }

    /// Whether the method is asymmetric or mutual TLS: what FAPI 2.0 Security Profile
    /// §5.3.3 lets a client authenticate with.
    #[must_use]
    pub const fn is_fapi2(self) -> bool {
        matches!(
            self,
            Self::PrivateKeyJwt | Self::TlsClientAuth | Self::SelfSignedTlsClientAuth
        )
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_by_their_registry_names_and_client_secret_jwt_is_refused() {
        for m in AuthMethod::ALL {
            assert_eq!(AuthMethod::parse(m.as_str()), Ok(m));
        }
        assert_eq!(AuthMethod::NAMES.len(), AuthMethod::ALL.len());
        assert_eq!(AuthMethod::default(), AuthMethod::ClientSecretBasic);
        assert_eq!(
            AuthMethod::parse("client_secret_jwt"),
            Err(Violation::SymmetricAuthMethod)
        );
        assert!(matches!(
            AuthMethod::parse("tls_client_auth_x"),
            Err(Violation::NotOneOf { .. })
        ));
        assert!(AuthMethod::ClientSecretPost.uses_secret());
        assert!(!AuthMethod::PrivateKeyJwt.uses_secret());
        assert!(AuthMethod::PrivateKeyJwt.uses_keys());
        assert!(AuthMethod::PrivateKeyJwt.signs_assertions());
        assert!(!AuthMethod::None.uses_secret() && !AuthMethod::None.uses_keys());
        assert!(AuthMethod::SelfSignedTlsClientAuth.uses_keys());
        assert!(!AuthMethod::SelfSignedTlsClientAuth.signs_assertions());
        assert!(AuthMethod::TlsClientAuth.uses_certificate());
        assert!(!AuthMethod::TlsClientAuth.uses_keys() && !AuthMethod::TlsClientAuth.uses_secret());
        let fapi: Vec<_> = AuthMethod::ALL
            .into_iter()
            .filter(|m| m.is_fapi2())
            .collect();
        assert_eq!(
            fapi,
            [
                AuthMethod::PrivateKeyJwt,
                AuthMethod::TlsClientAuth,
                AuthMethod::SelfSignedTlsClientAuth
            ]
        );
    }
}
