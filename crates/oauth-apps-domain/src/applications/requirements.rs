//! What an authorization server must require of a client's tokens and requests beyond its
//! authentication: sender-constrained access tokens (DPoP, RFC 9449 §5.2; mutual TLS,
//! RFC 8705 §3.4) and pushed authorization requests (RFC 9126 §6). The registry stores and
//! shows them; an organisation's policy profile may require them.

use crate::events::change::ChangedField;

/// A client's token and request requirements, each `false` unless set (as RFC 9449 §5.2,
/// RFC 8705 §3.4 and RFC 9126 §6 default them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClientRequirements {
    /// Access tokens are always DPoP-bound (`dpop_bound_access_tokens`).
    pub dpop_bound_access_tokens: bool,
    /// Access tokens are always bound to the client's TLS certificate
    /// (`tls_client_certificate_bound_access_tokens`).
    pub tls_client_certificate_bound_access_tokens: bool,
    /// Authorization requests are only accepted when pushed
    /// (`require_pushed_authorization_requests`).
    pub require_pushed_authorization_requests: bool,
}

/// [`ClientRequirements`] as a request gives them: each `None` keeps what there is (or, for
/// a new client, `false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RequirementsInput {
    /// `dpop_bound_access_tokens`, if given.
    pub dpop_bound_access_tokens: Option<bool>,
    /// `tls_client_certificate_bound_access_tokens`, if given.
    pub tls_client_certificate_bound_access_tokens: Option<bool>,
    /// `require_pushed_authorization_requests`, if given.
    pub require_pushed_authorization_requests: Option<bool>,
}

impl ClientRequirements {
    /// None required.
    pub const NONE: Self = Self {
        dpop_bound_access_tokens: false,
        tls_client_certificate_bound_access_tokens: false,
        require_pushed_authorization_requests: false,
    };

    /// These requirements with what `input` gives in place of each.
    #[must_use]
    pub fn with(self, input: &RequirementsInput) -> Self {
        Self {
            dpop_bound_access_tokens: input
                .dpop_bound_access_tokens
                .unwrap_or(self.dpop_bound_access_tokens),
            tls_client_certificate_bound_access_tokens: input
                .tls_client_certificate_bound_access_tokens
                .unwrap_or(self.tls_client_certificate_bound_access_tokens),
            require_pushed_authorization_requests: input
                .require_pushed_authorization_requests
                .unwrap_or(self.require_pushed_authorization_requests),
        }
    }

    /// Whether access tokens are sender-constrained one way or the other.
    #[must_use]
    pub const fn sender_constrained(self) -> bool {
        self.dpop_bound_access_tokens || self.tls_client_certificate_bound_access_tokens
    }

    /// The fields whose values differ between `self` and `other`, in declaration order.
    #[must_use]
    pub fn changed_fields(self, other: Self) -> Vec<ChangedField> {
        [
            (
                ChangedField::DpopBoundAccessTokens,
                self.dpop_bound_access_tokens != other.dpop_bound_access_tokens,
            ),
            (
                ChangedField::TlsClientCertificateBoundAccessTokens,
                self.tls_client_certificate_bound_access_tokens
                    != other.tls_client_certificate_bound_access_tokens,
            ),
            (
                ChangedField::RequirePushedAuthorizationRequests,
                self.require_pushed_authorization_requests
                    != other.require_pushed_authorization_requests,
            ),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect()
    }

    /// The fields set (`true`), as a registration records them.
    #[must_use]
    pub fn set_fields(self) -> Vec<ChangedField> {
        Self::NONE.changed_fields(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_replaces_only_what_it_gives_and_changes_are_named() {
        let set = ClientRequirements::NONE.with(&RequirementsInput {
            dpop_bound_access_tokens: Some(true),
            ..RequirementsInput::default()
        });
        assert!(set.dpop_bound_access_tokens && set.sender_constrained());
        assert!(!set.require_pushed_authorization_requests);
        let kept = set.with(&RequirementsInput {
            require_pushed_authorization_requests: Some(true),
            ..RequirementsInput::default()
        });
        assert!(kept.dpop_bound_access_tokens && kept.require_pushed_authorization_requests);
        assert_eq!(
            set.changed_fields(kept),
            [ChangedField::RequirePushedAuthorizationRequests]
        );
        assert_eq!(
            kept.set_fields(),
            [
                ChangedField::DpopBoundAccessTokens,
                ChangedField::RequirePushedAuthorizationRequests
            ]
        );
        assert!(!ClientRequirements::default().sender_constrained());
        let mtls = ClientRequirements {
            tls_client_certificate_bound_access_tokens: true,
            ..ClientRequirements::NONE
        };
        assert!(mtls.sender_constrained());
    }
}
