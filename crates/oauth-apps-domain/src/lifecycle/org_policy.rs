//! An organisation's policy: how long its applications' secrets live, what a leak report
//! does, and what clients that register themselves may have (RFC 7591 §2 lets the server
//! refuse or replace requested metadata).

use std::fmt;

use super::policy_profile::PolicyProfile;
use crate::applications::application::OAuthApplication;
use crate::applications::scopes_grants::{GrantType, GrantTypes, Scope, ScopeCatalog};
use crate::credentials::keys::AuthMethod;
use crate::shared::ids::OrgId;
use crate::shared::time::Timestamp;
use crate::shared::validation::{Field, FieldError, ValidationErrors, Violation};

/// The longest secret lifetime a policy may set: 3650 days.
pub const MAX_SECRET_LIFETIME_DAYS: u32 = 3650;

/// What a leak report of a live secret does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LeakedSecretAction {
    /// The leaked secret stops authenticating at once (the default).
    #[default]
    Revoke,
    /// The leak is recorded and announced (`secret.leaked`); the secret keeps working.
    Notify,
}

impl LeakedSecretAction {
    /// Both actions' names.
    pub const NAMES: [&'static str; 2] = ["revoke", "notify"];

    /// The action's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Notify => "notify",
        }
    }

    /// Parses a name.
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for another name.
    pub fn parse(name: &str) -> Result<Self, Violation> {
        match name {
            "revoke" => Ok(Self::Revoke),
            "notify" => Ok(Self::Notify),
            _ => Err(Violation::NotOneOf {
                allowed: &Self::NAMES,
            }),
        }
    }
}

impl fmt::Display for LeakedSecretAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secret lifetime in days: 1 to [`MAX_SECRET_LIFETIME_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretLifetime(u32);

impl SecretLifetime {
    /// Checks a lifetime in days.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 1..=3650.
    pub fn from_days(days: i64) -> Result<Self, Violation> {
        u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_SECRET_LIFETIME_DAYS).contains(d))
            .map(Self)
            .ok_or(Violation::OutOfRange {
                min: 1,
                max: i64::from(MAX_SECRET_LIFETIME_DAYS),
            })
    }

    /// The lifetime in days.
    #[must_use]
    pub const fn days(self) -> u32 {
        self.0
    }
}

/// The longest quiet period a policy may set before its self-registered clients are
/// disabled: 3650 days.
pub const MAX_STALE_AFTER_DAYS: u32 = 3650;

/// How long a client that registered itself (`dynamic`, `metadata_document`) may go
/// without a credential use or a registration read before it is disabled: 1 to
/// [`MAX_STALE_AFTER_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StaleAfter(u32);

impl StaleAfter {
    /// Checks a quiet period in days.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 1..=3650.
    pub fn from_days(days: i64) -> Result<Self, Violation> {
        u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_STALE_AFTER_DAYS).contains(d))
            .map(Self)
            .ok_or(Violation::OutOfRange {
                min: 1,
                max: i64::from(MAX_STALE_AFTER_DAYS),
            })
    }

    /// The quiet period in days.
    #[must_use]
    pub const fn days(self) -> u32 {
        self.0
    }
}

/// An organisation's stored policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationPolicy {
    /// The organisation.
    pub owner_org_id: OrgId,
    /// How long its new secrets live; `None`: the platform default.
    pub secret_lifetime: Option<SecretLifetime>,
    /// What a leak report of a live secret does.
    pub leaked_secret_action: LeakedSecretAction,
    /// What its clients that register themselves may have.
    pub self_registration: SelfRegistrationLimits,
    /// The profile every client of the organisation holds to, on every path.
    pub profile: PolicyProfile,
    /// How long its self-registered clients may stay quiet; `None`: for ever.
    pub stale_after: Option<StaleAfter>,
    /// Who set it.
    pub updated_by: String,
    /// When.
    pub updated_at: Timestamp,
}

/// The grant types clients that register themselves may have when their organisation's
/// policy names none: no `client_credentials` (a machine client of the organisation) and
/// no device code grant (a phishing vector for a client nobody vetted).
pub const DEFAULT_SELF_REGISTRATION_GRANTS: [GrantType; 2] =
    [GrantType::AuthorizationCode, GrantType::RefreshToken];

/// What an organisation lets clients that register themselves have (open registration,
/// initial access tokens, metadata documents). Each `None` takes its default: the grant
/// types [`DEFAULT_SELF_REGISTRATION_GRANTS`], the scopes the platform lets clients
/// register themselves for ([`ScopeCatalog::is_self_registrable`]), every authentication
/// method.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelfRegistrationLimits {
    /// The grant types.
    pub grant_types: Option<Vec<GrantType>>,
    /// The scopes, each one the platform lets clients register themselves for.
    pub scopes: Option<Vec<String>>,
    /// The authentication methods.
    pub auth_methods: Option<Vec<AuthMethod>>,
}

/// A self-registration policy as an admin writes it: names, unchecked. Each `None` takes
/// its default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelfRegistrationNames {
    /// Grant type names.
    pub grant_types: Option<Vec<String>>,
    /// Scopes.
    pub scopes: Option<Vec<String>>,
    /// Authentication method names.
    pub auth_methods: Option<Vec<String>>,
}

/// Checks names against what they must be; `None` (with the errors recorded) when one
/// is not.
fn parsed<T: PartialEq>(
    names: &[String],
    field: Field,
    errors: &mut Vec<FieldError>,
    parse: impl Fn(&str) -> Result<T, Violation>,
) -> Vec<T> {
    let mut kept = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match parse(name) {
            Ok(value) if !kept.contains(&value) => kept.push(value),
            Ok(_) => {}
            Err(violation) => errors.push(FieldError::at(field, i, violation)),
        }
    }
    kept
}

/// A scope of the catalog (and, when `self_registrable`, one the platform lets clients
/// register themselves for).
fn catalog_scope(
    catalog: &ScopeCatalog,
    self_registrable: bool,
) -> impl Fn(&str) -> Result<String, Violation> + '_ {
    move |scope| {
        if !catalog.contains(scope) {
            Err(Violation::UnknownScope {
                scope: scope.chars().take(Scope::MAX_LEN).collect(),
            })
        } else if self_registrable && !catalog.is_self_registrable(scope) {
            Err(Violation::ScopeNotSelfRegistrable {
                scope: scope.to_owned(),
            })
        } else {
            Ok(scope.to_owned())
        }
    }
}

impl SelfRegistrationLimits {
    /// Checks an admin's self-registration policy: known grant types and methods, and only
    /// scopes the platform lets clients register themselves for.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every value that breaks a rule, on
    /// [`Field::SelfRegistrationGrantTypes`], [`Field::SelfRegistrationScopes`] and
    /// [`Field::SelfRegistrationAuthMethods`].
    pub fn parse(
        names: &SelfRegistrationNames,
        catalog: &ScopeCatalog,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let limits = Self {
            grant_types: names.grant_types.as_ref().map(|g| {
                parsed(
                    g,
                    Field::SelfRegistrationGrantTypes,
                    &mut errors,
                    GrantType::parse_requested,
                )
            }),
            scopes: names.scopes.as_ref().map(|s| {
                parsed(
                    s,
                    Field::SelfRegistrationScopes,
                    &mut errors,
                    catalog_scope(catalog, true),
                )
            }),
            auth_methods: names.auth_methods.as_ref().map(|m| {
                parsed(
                    m,
                    Field::SelfRegistrationAuthMethods,
                    &mut errors,
                    AuthMethod::parse,
                )
            }),
        };
        ValidationErrors::from_vec(errors).map_or(Ok(limits), Err)
    }

    /// The grant types that apply.
    #[must_use]
    pub fn grant_types(&self) -> &[GrantType] {
        self.grant_types
            .as_deref()
            .unwrap_or(&DEFAULT_SELF_REGISTRATION_GRANTS)
    }

    /// The scopes that apply, under `catalog`: the policy's, else every scope the platform
    /// lets clients register themselves for.
    #[must_use]
    pub fn scopes(&self, catalog: &ScopeCatalog) -> Vec<String> {
        self.scopes.clone().unwrap_or_else(|| {
            catalog
                .self_registrable()
                .map(|s| s.as_str().to_owned())
                .collect()
        })
    }

    /// The authentication methods that apply.
    #[must_use]
    pub fn auth_methods(&self) -> &[AuthMethod] {
        self.auth_methods.as_deref().unwrap_or(&AuthMethod::ALL)
    }
}

/// What an initial access token lets the clients it registers have beyond their
/// organisation's self-registration policy, as the admin who minted it chose: anything
/// that admin could give an application by hand (a grant type, a scope of the catalog,
/// privileged ones included, an authentication method). Empty: nothing beyond the policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelfRegistrationAllowance {
    /// Grant types.
    pub grant_types: Vec<GrantType>,
    /// Scopes of the catalog.
    pub scopes: Vec<String>,
    /// Authentication methods.
    pub auth_methods: Vec<AuthMethod>,
}

impl SelfRegistrationAllowance {
    /// Checks an admin's allowance: known grant types, methods and catalog scopes (each
    /// list left out is empty).
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every value that breaks a rule, on
    /// [`Field::AllowanceGrantTypes`], [`Field::AllowanceScopes`] and
    /// [`Field::AllowanceAuthMethods`].
    pub fn parse(
        names: &SelfRegistrationNames,
        catalog: &ScopeCatalog,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let none = Vec::new();
        let allowance = Self {
            grant_types: parsed(
                names.grant_types.as_ref().unwrap_or(&none),
                Field::AllowanceGrantTypes,
                &mut errors,
                GrantType::parse_requested,
            ),
            scopes: parsed(
                names.scopes.as_ref().unwrap_or(&none),
                Field::AllowanceScopes,
                &mut errors,
                catalog_scope(catalog, false),
            ),
            auth_methods: parsed(
                names.auth_methods.as_ref().unwrap_or(&none),
                Field::AllowanceAuthMethods,
                &mut errors,
                AuthMethod::parse,
            ),
        };
        ValidationErrors::from_vec(errors).map_or(Ok(allowance), Err)
    }

    /// Whether it allows nothing beyond the policy.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.grant_types.is_empty() && self.scopes.is_empty() && self.auth_methods.is_empty()
    }
}

/// What one client that registers itself may ask for: its organisation's
/// self-registration policy, with what an initial access token's allowance adds and, for
/// a client replacing its registration (RFC 7592 §2.2), what it already has (it keeps what
/// it was given, and gains nothing by replacing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfRegistrationPermit {
    grant_types: Vec<GrantType>,
    scopes: Vec<String>,
    auth_methods: Vec<AuthMethod>,
}

impl SelfRegistrationPermit {
    /// What `limits` allows under `catalog`.
    #[must_use]
    pub fn new(limits: &SelfRegistrationLimits, catalog: &ScopeCatalog) -> Self {
        Self {
            grant_types: limits.grant_types().to_vec(),
            scopes: limits.scopes(catalog),
            auth_methods: limits.auth_methods().to_vec(),
        }
    }

    /// With what `allowance` adds.
    #[must_use]
    pub fn with_allowance(mut self, allowance: &SelfRegistrationAllowance) -> Self {
        self.grant_types.extend(&allowance.grant_types);
        self.scopes.extend(allowance.scopes.iter().cloned());
        self.auth_methods.extend(&allowance.auth_methods);
        self
    }

    /// With what `app` already has.
    #[must_use]
    pub fn with_held(mut self, app: &OAuthApplication) -> Self {
        let profile = app.profile();
        self.grant_types
            .extend(profile.grant_types().as_slice().iter().copied());
        self.scopes
            .extend(profile.allowed_scopes().iter().map(str::to_owned));
        self.auth_methods.push(app.auth_method());
        self
    }

    /// Checks what a client asks for: its grant types (`None`: the registry's default),
    /// scopes and authentication method (`None`: `client_secret_basic`). Names that are
    /// not grant types, scopes of `catalog` or methods at all are left to the
    /// registration's own rules.
    ///
    /// # Errors
    /// [`ValidationErrors`] with [`Violation::NotSelfRegistrable`] on
    /// [`Field::GrantTypes`], [`Field::AllowedScopes`] (at each value's position) and
    /// [`Field::TokenEndpointAuthMethod`], for every value the permit does not include.
    pub fn check(
        &self,
        grant_types: Option<&[String]>,
        scopes: &[String],
        auth_method: Option<&str>,
        catalog: &ScopeCatalog,
    ) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let refused = |value: &str| Violation::NotSelfRegistrable {
            value: value.to_owned(),
        };
        let default_grants: Vec<String> = GrantTypes::default().iter().map(str::to_owned).collect();
        for (i, name) in grant_types.unwrap_or(&default_grants).iter().enumerate() {
            if GrantType::parse(name).is_ok_and(|g| !self.grant_types.contains(&g)) {
                errors.push(FieldError::at(Field::GrantTypes, i, refused(name)));
            }
        }
        for (i, scope) in scopes.iter().enumerate() {
            if catalog.contains(scope) && !self.scopes.iter().any(|s| s == scope) {
                errors.push(FieldError::at(Field::AllowedScopes, i, refused(scope)));
            }
        }
        let method = auth_method.unwrap_or(AuthMethod::default().as_str());
        if AuthMethod::parse(method).is_ok_and(|m| !self.auth_methods.contains(&m)) {
            errors.push(FieldError::new(
                Field::TokenEndpointAuthMethod,
                refused(method),
            ));
        }
        ValidationErrors::from_vec(errors).map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_and_actions_are_checked() {
        assert_eq!(SecretLifetime::from_days(90).unwrap().days(), 90);
        assert!(SecretLifetime::from_days(0).is_err());
        assert!(SecretLifetime::from_days(3651).is_err());
        assert_eq!(
            LeakedSecretAction::parse("notify"),
            Ok(LeakedSecretAction::Notify)
        );
        assert!(LeakedSecretAction::parse("ignore").is_err());
        assert_eq!(LeakedSecretAction::default().as_str(), "revoke");
    }

    fn names(grants: &[&str], scopes: &[&str], methods: &[&str]) -> SelfRegistrationNames {
        let owned = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect());
        SelfRegistrationNames {
            grant_types: owned(grants),
            scopes: owned(scopes),
            auth_methods: owned(methods),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_default_limits_are_safe() {
        let catalog = ScopeCatalog::default();
        let limits = SelfRegistrationLimits::default();
        assert_eq!(limits.grant_types(), DEFAULT_SELF_REGISTRATION_GRANTS);
        assert_eq!(limits.scopes(&catalog), ["workspace:read", "read"]);
        assert_eq!(limits.auth_methods(), AuthMethod::ALL);
        let permit = SelfRegistrationPermit::new(&limits, &catalog);
        let refused = permit
            .check(
                Some(&strings(&[
                    "client_credentials",
                    "authorization_code",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ])),
                &strings(&["read", "admin", "workspace:write", "unknown"]),
                Some("none"),
                &catalog,
            )
            .unwrap_err();
        let found: Vec<(Field, Option<usize>)> = refused
            .errors()
            .iter()
            .map(|e| (e.field, e.index))
            .collect();
        assert_eq!(
            found,
            [
                (Field::GrantTypes, Some(0)),
                (Field::GrantTypes, Some(2)),
                (Field::AllowedScopes, Some(1)),
                (Field::AllowedScopes, Some(2)),
            ],
            "{refused}"
        );
        assert!(
            refused
                .to_string()
                .contains("'client_credentials' is not allowed")
        );
        // Left out: the registry's defaults, which the default policy allows.
        assert!(permit.check(None, &[], None, &catalog).is_ok());
    }

    #[test]
    fn a_policy_names_known_values_and_self_registrable_scopes_only() {
        let catalog = ScopeCatalog::default();
        let limits = SelfRegistrationLimits::parse(
            &names(
                &["client_credentials", "client_credentials"],
                &["read"],
                &["private_key_jwt"],
            ),
            &catalog,
        )
        .unwrap();
        assert_eq!(limits.grant_types(), [GrantType::ClientCredentials]);
        assert_eq!(limits.auth_methods(), [AuthMethod::PrivateKeyJwt]);
        let errors = SelfRegistrationLimits::parse(
            &names(
                &["implicit"],
                &["admin", "root"],
                &["client_secret_jwt", "magic"],
            ),
            &catalog,
        )
        .unwrap_err();
        let found: Vec<(Field, Option<usize>)> =
            errors.errors().iter().map(|e| (e.field, e.index)).collect();
        assert_eq!(
            found,
            [
                (Field::SelfRegistrationGrantTypes, Some(0)),
                (Field::SelfRegistrationScopes, Some(0)),
                (Field::SelfRegistrationScopes, Some(1)),
                (Field::SelfRegistrationAuthMethods, Some(0)),
                (Field::SelfRegistrationAuthMethods, Some(1)),
            ]
        );
        assert!(matches!(
            &errors.errors()[1].violation,
            Violation::ScopeNotSelfRegistrable { scope } if scope == "admin"
        ));
        // An empty list allows none.
        let closed = SelfRegistrationLimits::parse(&names(&[], &[], &[]), &catalog).unwrap();
        assert!(
            SelfRegistrationPermit::new(&closed, &catalog)
                .check(None, &[], None, &catalog)
                .is_err()
        );
    }

    #[test]
    fn an_allowance_and_what_a_client_holds_widen_the_permit() {
        let catalog = ScopeCatalog::default();
        let allowance = SelfRegistrationAllowance::parse(
            &names(&["client_credentials"], &["admin"], &[]),
            &catalog,
        )
        .unwrap();
        assert!(!allowance.is_empty());
        assert!(SelfRegistrationAllowance::default().is_empty());
        let permit = SelfRegistrationPermit::new(&SelfRegistrationLimits::default(), &catalog)
            .with_allowance(&allowance);
        let machine = strings(&["client_credentials"]);
        assert!(
            permit
                .check(Some(&machine), &strings(&["admin", "read"]), None, &catalog)
                .is_ok()
        );
        assert!(
            permit
                .check(Some(&machine), &strings(&["write"]), None, &catalog)
                .is_err()
        );
        let errors = SelfRegistrationAllowance::parse(
            &names(&["password"], &["root"], &["magic"]),
            &catalog,
        )
        .unwrap_err();
        let fields: Vec<Field> = errors.errors().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::AllowanceGrantTypes,
                Field::AllowanceScopes,
                Field::AllowanceAuthMethods
            ]
        );
        let held = crate::test_support::sample(1, "acme");
        let kept = SelfRegistrationPermit::new(&SelfRegistrationLimits::default(), &catalog)
            .with_held(&held);
        let scopes: Vec<String> = held
            .profile()
            .allowed_scopes()
            .iter()
            .map(str::to_owned)
            .collect();
        let grants: Vec<String> = held
            .profile()
            .grant_types()
            .iter()
            .map(str::to_owned)
            .collect();
        assert!(
            kept.check(
                Some(&grants),
                &scopes,
                Some(held.auth_method().as_str()),
                &catalog
            )
            .is_ok()
        );
    }
}
