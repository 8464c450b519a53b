//! What an application's admins may change ([`Profile`]), and the rules that join its
//! fields together (grant types against the type and the redirect URLs).

use super::attributes::{AccessLevel, AppName, AppType, Description};
use super::redirect::RedirectUrls;
use super::scopes_grants::{GrantType, GrantTypes, Scopes};
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// The settings of an application that its admins may change, valid as a whole for the
/// application's type: every redirect URL fits the type, `client_credentials` only for
/// `web`, `authorization_code` only with a redirect URL, `refresh_token` only with a grant
/// that issues refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub(super) name: AppName,
    pub(super) description: Option<Description>,
    pub(super) redirect_urls: RedirectUrls,
    pub(super) allowed_scopes: Scopes,
    pub(super) grant_types: GrantTypes,
    pub(super) access_level: AccessLevel,
}

impl Profile {
    /// Checks the rules that join the fields together.
    ///
    /// `redirect_urls` must already have been checked for `app_type`
    /// ([`RedirectUrls::parse`]).
    ///
    /// # Errors
    /// [`Violation::ClientCredentialsNeedsWeb`] and
    /// [`Violation::RefreshTokenNeedsIssuingGrant`] on [`Field::GrantTypes`],
    /// [`Violation::AuthorizationCodeNeedsRedirect`] on [`Field::RedirectUrls`].
    pub fn new(
        app_type: AppType,
        name: AppName,
        description: Option<Description>,
        redirect_urls: RedirectUrls,
        allowed_scopes: Scopes,
        grant_types: GrantTypes,
        access_level: AccessLevel,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Collector::default();
        for error in grant_rule_errors(app_type, &grant_types, &redirect_urls) {
            errors.push(error);
        }
        errors.finish(Self {
            name,
            description,
            redirect_urls,
            allowed_scopes,
            grant_types,
            access_level,
        })
    }

    /// The display name.
    #[must_use]
    pub const fn name(&self) -> &AppName {
        &self.name
    }

    /// The description, if any.
    #[must_use]
    pub const fn description(&self) -> Option<&Description> {
        self.description.as_ref()
    }

    /// The registered redirect URLs.
    #[must_use]
    pub const fn redirect_urls(&self) -> &RedirectUrls {
        &self.redirect_urls
    }

    /// The scopes the application may request.
    #[must_use]
    pub const fn allowed_scopes(&self) -> &Scopes {
        &self.allowed_scopes
    }

    /// The grant types the application may use.
    #[must_use]
    pub const fn grant_types(&self) -> &GrantTypes {
        &self.grant_types
    }

    /// The access level.
    #[must_use]
    pub const fn access_level(&self) -> AccessLevel {
        self.access_level
    }
}

pub(crate) fn grant_rule_errors(
    app_type: AppType,
    grants: &GrantTypes,
    redirect_urls: &RedirectUrls,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let position = |g: GrantType| grants.as_slice().iter().position(|x| *x == g);
    if let Some(i) = position(GrantType::ClientCredentials)
        && app_type != AppType::Web
    {
        errors.push(FieldError::at(
            Field::GrantTypes,
            i,
            Violation::ClientCredentialsNeedsWeb,
        ));
    }
    if let Some(i) = position(GrantType::RefreshToken)
        && !grants.contains(GrantType::AuthorizationCode)
        && !grants.contains(GrantType::DeviceCode)
    {
        errors.push(FieldError::at(
            Field::GrantTypes,
            i,
            Violation::RefreshTokenNeedsIssuingGrant,
        ));
    }
    if grants.contains(GrantType::AuthorizationCode) && redirect_urls.is_empty() {
        errors.push(FieldError::new(
            Field::RedirectUrls,
            Violation::AuthorizationCodeNeedsRedirect,
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::scopes_grants::ScopeCatalog;
    use crate::test_support::profile;

    fn violations(result: Result<Profile, ValidationErrors>) -> Vec<(Field, Violation)> {
        result
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| (e.field, e.violation.clone()))
            .collect()
    }

    #[test]
    fn client_credentials_only_for_web_apps() {
        assert!(profile(AppType::Web, &[], &["client_credentials"]).is_ok());
        for t in [AppType::Native, AppType::Public, AppType::UserAgentBased] {
            let errors = profile(t, &[], &["client_credentials"]).unwrap_err();
            assert_eq!(
                errors.errors(),
                [FieldError::at(
                    Field::GrantTypes,
                    0,
                    Violation::ClientCredentialsNeedsWeb
                )]
            );
        }
    }

    #[test]
    fn authorization_code_needs_a_redirect_url() {
        assert_eq!(
            violations(profile(AppType::Web, &[], &["authorization_code"])),
            [(
                Field::RedirectUrls,
                Violation::AuthorizationCodeNeedsRedirect
            )]
        );
        assert!(
            profile(
                AppType::Web,
                &["https://a.example/cb"],
                &["authorization_code"]
            )
            .is_ok()
        );
        // Without authorization_code no redirect URL is needed.
        assert!(
            profile(
                AppType::Native,
                &[],
                &["urn:ietf:params:oauth:grant-type:device_code"]
            )
            .is_ok()
        );
    }

    #[test]
    fn refresh_token_needs_code_or_device_grant() {
        let errors =
            profile(AppType::Web, &[], &["client_credentials", "refresh_token"]).unwrap_err();
        assert_eq!(
            errors.errors(),
            [FieldError::at(
                Field::GrantTypes,
                1,
                Violation::RefreshTokenNeedsIssuingGrant
            )]
        );
        assert!(
            profile(
                AppType::Native,
                &[],
                &[
                    "urn:ietf:params:oauth:grant-type:device_code",
                    "refresh_token"
                ]
            )
            .is_ok()
        );
        assert!(
            profile(
                AppType::Web,
                &["https://a.example/cb"],
                &["refresh_token", "authorization_code"]
            )
            .is_ok()
        );
    }

    #[test]
    fn several_cross_rules_are_reported_together() {
        assert_eq!(
            violations(profile(
                AppType::Native,
                &[],
                &["client_credentials", "authorization_code"],
            )),
            [
                (Field::GrantTypes, Violation::ClientCredentialsNeedsWeb),
                (
                    Field::RedirectUrls,
                    Violation::AuthorizationCodeNeedsRedirect
                ),
            ]
        );
        assert_eq!(
            violations(profile(
                AppType::Public,
                &[],
                &["client_credentials", "refresh_token"],
            )),
            [
                (Field::GrantTypes, Violation::ClientCredentialsNeedsWeb),
                (Field::GrantTypes, Violation::RefreshTokenNeedsIssuingGrant),
            ]
        );
    }

    #[test]
    fn profile_exposes_its_fields() {
        let p = Profile::new(
            AppType::Web,
            AppName::parse("Name").unwrap(),
            Some(Description::parse("d").unwrap()),
            RedirectUrls::parse(&["https://a.example/cb"], AppType::Web).unwrap(),
            Scopes::parse(&["admin"], &ScopeCatalog::default()).unwrap(),
            GrantTypes::default(),
            AccessLevel::User,
        )
        .unwrap();
        assert_eq!(p.name().as_str(), "Name");
        assert_eq!(p.description().unwrap().as_str(), "d");
        assert_eq!(p.redirect_urls().len(), 1);
        assert!(p.allowed_scopes().contains("admin"));
        assert_eq!(p.grant_types(), &GrantTypes::default());
        assert_eq!(p.access_level(), AccessLevel::User);
    }
}
