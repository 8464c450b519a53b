//! An organisation's policy profile: the set of rules every client of the organisation
//! holds to, on every path that makes or changes one (both management surfaces, RFC 7591
//! registration, the RFC 7592 replacement, metadata documents at every resolution, import).
//!
//! - `baseline`: the registry's own rules (RFC 9700), nothing more.
//! - `fapi2`: FAPI 2.0 Security Profile §5.3's rules for clients: confidential clients
//!   only, authenticated by `private_key_jwt`, `tls_client_auth` or
//!   `self_signed_tls_client_auth`, pushed authorization requests required (RFC 9126 §6),
//!   sender-constrained access tokens (DPoP, RFC 9449 §5.2, or mutual TLS, RFC 8705 §3.4),
//!   `https` redirect URIs.
//! - `mcp`: the Model Context Protocol's authorization (2026-07-28): public clients with
//!   PKCE are welcome, a client registering at `/register` names its `application_type`
//!   (RFC 7591 metadata defaults it to `web`), metadata documents are preferred, and
//!   redirect URIs are `https` or `http` on a loopback host.

use std::fmt;

use crate::applications::application::OAuthApplication;
use crate::applications::attributes::AppType;
use crate::applications::redirect::RedirectUrls;
use crate::applications::requirements::ClientRequirements;
use crate::applications::scopes_grants::{GrantType, GrantTypes};
use crate::credentials::keys::AuthMethod;
use crate::shared::validation::{Field, FieldError, ValidationErrors, Violation};

/// An organisation's policy profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PolicyProfile {
    /// The registry's own rules (the default).
    #[default]
    Baseline,
    /// FAPI 2.0 Security Profile §5.3.
    Fapi2,
    /// MCP authorization, 2026-07-28.
    Mcp,
}

/// One rule of a profile: its name (`profile.rule`), the field it concerns and what it
/// requires, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileRule {
    /// `fapi2.confidential_client`, say.
    pub name: &'static str,
    /// The field it concerns.
    pub field: Field,
    /// What it requires.
    pub requirement: &'static str,
}

const CONFIDENTIAL: ProfileRule = ProfileRule {
    name: "fapi2.confidential_client",
    field: Field::AppType,
    requirement: "a confidential client (type 'web'; FAPI 2.0 Security Profile §5.3)",
};
const AUTHENTICATION: ProfileRule = ProfileRule {
    name: "fapi2.client_authentication",
    field: Field::TokenEndpointAuthMethod,
    requirement: "authentication by 'private_key_jwt', 'tls_client_auth' or \
                  'self_signed_tls_client_auth' (FAPI 2.0 Security Profile §5.3)",
};
const PAR: ProfileRule = ProfileRule {
    name: "fapi2.pushed_authorization_requests",
    field: Field::RequirePushedAuthorizationRequests,
    requirement: "require_pushed_authorization_requests for a client of the authorization \
                  code grant (RFC 9126 §6; FAPI 2.0 Security Profile §5.3)",
};
const SENDER_CONSTRAINED: ProfileRule = ProfileRule {
    name: "fapi2.sender_constrained_tokens",
    field: Field::DpopBoundAccessTokens,
    requirement: "sender-constrained access tokens: dpop_bound_access_tokens (RFC 9449 §5.2) \
                  or tls_client_certificate_bound_access_tokens (RFC 8705 §3.4)",
};
const FAPI_REDIRECTS: ProfileRule = ProfileRule {
    name: "fapi2.https_redirect_uris",
    field: Field::RedirectUrls,
    requirement: "https redirect URIs (FAPI 2.0 Security Profile §5.3)",
};
const APPLICATION_TYPE: ProfileRule = ProfileRule {
    name: "mcp.application_type",
    field: Field::AppType,
    requirement: "a client registering itself to name its application_type (MCP \
                  authorization 2026-07-28)",
};
const MCP_REDIRECTS: ProfileRule = ProfileRule {
    name: "mcp.redirect_uris",
    field: Field::RedirectUrls,
    requirement: "redirect URIs that are https or http on localhost (MCP authorization \
                  2026-07-28)",
};

impl ProfileRule {
    fn violation(self, profile: PolicyProfile) -> Violation {
        Violation::ProfileRule {
            profile: profile.as_str(),
            rule: self.name,
            requirement: self.requirement,
        }
    }
}

/// What a profile judges of a client: the client a request would make (or an existing
/// one), and whether the request named its application type.
#[derive(Debug, Clone, Copy)]
pub struct ClientShape<'a> {
    /// Its type.
    pub app_type: AppType,
    /// How it authenticates.
    pub method: AuthMethod,
    /// Its grant types.
    pub grant_types: &'a GrantTypes,
    /// Its redirect URLs.
    pub redirect_urls: &'a RedirectUrls,
    /// What it requires of its tokens and requests.
    pub requirements: ClientRequirements,
    /// Whether the request named the type (an existing client, an admin's request and a
    /// metadata document: `true`; only RFC 7591 requests are asked to).
    pub type_given: bool,
}

impl<'a> ClientShape<'a> {
    /// An existing client.
    #[must_use]
    pub fn of(app: &'a OAuthApplication) -> Self {
        Self {
            app_type: app.app_type(),
            method: app.auth_method(),
            grant_types: app.profile().grant_types(),
            redirect_urls: app.profile().redirect_urls(),
            requirements: app.requirements(),
            type_given: true,
        }
    }
}

impl PolicyProfile {
    /// Every profile, in declaration order.
    pub const ALL: [Self; 3] = [Self::Baseline, Self::Fapi2, Self::Mcp];

    /// The wire names, in declaration order.
    pub const NAMES: &'static [&'static str] = &["baseline", "fapi2", "mcp"];

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Fapi2 => "fapi2",
            Self::Mcp => "mcp",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for another name.
    pub fn parse(name: &str) -> Result<Self, Violation> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or(Violation::NotOneOf {
                allowed: Self::NAMES,
            })
    }

    /// Every rule `client` breaks under this profile, in a fixed order.
    #[must_use]
    pub fn broken(self, client: &ClientShape<'_>) -> Vec<FieldError> {
        let mut broken = Vec::new();
        let mut rule = |rule: ProfileRule, index: Option<usize>| {
            let violation = rule.violation(self);
            broken.push(match index {
                Some(i) => FieldError::at(rule.field, i, violation),
                None => FieldError::new(rule.field, violation),
            });
        };
        match self {
            Self::Baseline => {}
            Self::Fapi2 => {
                if !client.app_type.is_confidential() {
                    rule(CONFIDENTIAL, None);
                }
                if !client.method.is_fapi2() {
                    rule(AUTHENTICATION, None);
                }
                if client.grant_types.contains(GrantType::AuthorizationCode)
                    && !client.requirements.require_pushed_authorization_requests
                {
                    rule(PAR, None);
                }
                if !client.requirements.sender_constrained() {
                    rule(SENDER_CONSTRAINED, None);
                }
                for (i, https) in client.redirect_urls.https().enumerate() {
                    if !https {
                        rule(FAPI_REDIRECTS, Some(i));
                    }
                }
            }
            Self::Mcp => {
                if !client.type_given {
                    rule(APPLICATION_TYPE, None);
                }
                for (i, allowed) in client.redirect_urls.https_or_loopback().enumerate() {
                    if !allowed {
                        rule(MCP_REDIRECTS, Some(i));
                    }
                }
            }
        }
        broken
    }

    /// [`Self::broken`] as a verdict.
    ///
    /// # Errors
    /// [`ValidationErrors`] with a [`Violation::ProfileRule`] per broken rule.
    pub fn check(self, client: &ClientShape<'_>) -> Result<(), ValidationErrors> {
        ValidationErrors::from_vec(self.broken(client)).map_or(Ok(()), Err)
    }
}

impl fmt::Display for PolicyProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str], t: AppType) -> RedirectUrls {
        let owned: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        RedirectUrls::parse(&owned, t).unwrap()
    }

    fn rules(
        profile: PolicyProfile,
        shape: &ClientShape<'_>,
    ) -> Vec<(&'static str, Option<usize>)> {
        profile
            .broken(shape)
            .into_iter()
            .map(|e| match e.violation {
                Violation::ProfileRule { rule, .. } => (rule, e.index),
                other => panic!("{other}"),
            })
            .collect()
    }

    #[test]
    fn fapi2_names_every_client_rule_it_breaks() {
        let grants = GrantTypes::default();
        let redirects = urls(
            &["https://a.example/cb", "http://localhost/cb"],
            AppType::Public,
        );
        let public = ClientShape {
            app_type: AppType::Public,
            method: AuthMethod::None,
            grant_types: &grants,
            redirect_urls: &redirects,
            requirements: ClientRequirements::NONE,
            type_given: true,
        };
        assert_eq!(
            rules(PolicyProfile::Fapi2, &public),
            [
                ("fapi2.confidential_client", None),
                ("fapi2.client_authentication", None),
                ("fapi2.pushed_authorization_requests", None),
                ("fapi2.sender_constrained_tokens", None),
                ("fapi2.https_redirect_uris", Some(1)),
            ]
        );
        let https = urls(&["https://a.example/cb"], AppType::Web);
        let strict = ClientShape {
            app_type: AppType::Web,
            method: AuthMethod::TlsClientAuth,
            redirect_urls: &https,
            requirements: ClientRequirements {
                dpop_bound_access_tokens: true,
                tls_client_certificate_bound_access_tokens: false,
                require_pushed_authorization_requests: true,
            },
            ..public
        };
        assert!(PolicyProfile::Fapi2.check(&strict).is_ok());
        assert!(PolicyProfile::Baseline.check(&public).is_ok());
        let words = PolicyProfile::Fapi2.check(&public).unwrap_err().to_string();
        assert!(words.contains("'fapi2' profile requires"), "{words}");
    }

    #[test]
    fn mcp_wants_the_type_named_and_web_or_loopback_redirects() {
        let grants = GrantTypes::default();
        let redirects = urls(
            &["com.example.app:/cb", "http://127.0.0.1/cb"],
            AppType::Native,
        );
        let native = ClientShape {
            app_type: AppType::Native,
            method: AuthMethod::None,
            grant_types: &grants,
            redirect_urls: &redirects,
            requirements: ClientRequirements::NONE,
            type_given: false,
        };
        assert_eq!(
            rules(PolicyProfile::Mcp, &native),
            [
                ("mcp.application_type", None),
                ("mcp.redirect_uris", Some(0))
            ]
        );
        assert_eq!(PolicyProfile::parse("mcp"), Ok(PolicyProfile::Mcp));
        assert!(PolicyProfile::parse("fapi1").is_err());
        assert_eq!(PolicyProfile::default(), PolicyProfile::Baseline);
    }
}
