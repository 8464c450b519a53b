//! Scopes (checked against a configurable catalog) and grant types.

use std::fmt;

use super::attributes::wire_enum;
use crate::shared::validation::{Field, FieldError, Violation};

/// One scope token (RFC 6749 §3.3: printable ASCII without space, `"` or `\`), at most 128
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope(String);

impl Scope {
    /// The most characters a scope may have.
    pub const MAX_LEN: usize = 128;

    /// Checks the syntax of a scope token.
    ///
    /// # Errors
    /// [`Violation::Required`] when empty, [`Violation::TooLong`] past 128 characters,
    /// [`Violation::InvalidCharacters`] outside RFC 6749's scope-token alphabet.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        if s.is_empty() {
            return Err(Violation::Required);
        }
        if s.len() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        if !s
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
        {
            return Err(Violation::InvalidCharacters {
                allowed: "printable ASCII other than space, '\"' and '\\'",
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The scope.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The scopes applications may be granted, and which of them clients that register
/// themselves may be given. Configurable; see [`ScopeCatalog::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCatalog {
    scopes: Vec<Scope>,
    /// The scopes clients may register themselves for; `None`: every scope of the catalog
    /// but the privileged ones ([`ScopeCatalog::is_privileged`]).
    self_registrable: Option<Vec<Scope>>,
}

impl ScopeCatalog {
    /// The scopes of the default catalog.
    pub const DEFAULT_SCOPES: &'static [&'static str] = &[
        "workspace:read",
        "workspace:write",
        "read",
        "write",
        "admin",
    ];

    /// A catalog of the given scopes (duplicates are ignored).
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::AllowedScopes`] per scope of invalid syntax.
    pub fn new<S: AsRef<str>>(scopes: &[S]) -> Result<Self, Vec<FieldError>> {
        Scopes::restore(scopes).map(|scopes| Self {
            scopes: scopes.0,
            self_registrable: None,
        })
    }

    /// The catalog, where clients that register themselves may be given `scopes` only (the
    /// setting `OAUTH_APPS_SELF_REGISTRATION_SCOPES`; an empty list: none).
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::AllowedScopes`] per scope not in the catalog.
    pub fn with_self_registrable<S: AsRef<str>>(
        self,
        scopes: &[S],
    ) -> Result<Self, Vec<FieldError>> {
        let chosen = Scopes::parse(scopes, &self)?;
        Ok(Self {
            self_registrable: Some(chosen.0),
            ..self
        })
    }

    /// Whether `scope` is in the catalog.
    #[must_use]
    pub fn contains(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.as_str() == scope)
    }

    /// The catalog's scopes.
    #[must_use]
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// Whether a scope is privileged, so that clients may not register themselves for it
    /// unless the platform says otherwise: `admin`, `write`, and any scope ending in
    /// `:admin` or `:write`.
    #[must_use]
    pub fn is_privileged(scope: &str) -> bool {
        matches!(scope, "admin" | "write") || scope.ends_with(":admin") || scope.ends_with(":write")
    }

    /// Whether clients that register themselves may be given `scope` at all: a scope the
    /// platform lists for them, or, when it lists none, a catalog scope that is not
    /// privileged.
    #[must_use]
    pub fn is_self_registrable(&self, scope: &str) -> bool {
        match &self.self_registrable {
            Some(listed) => listed.iter().any(|s| s.as_str() == scope),
            None => self.contains(scope) && !Self::is_privileged(scope),
        }
    }

    /// The scopes clients that register themselves may be given, in catalog order.
    pub fn self_registrable(&self) -> impl Iterator<Item = &Scope> {
        self.scopes
            .iter()
            .filter(|s| self.is_self_registrable(s.as_str()))
    }
}

impl Default for ScopeCatalog {
    fn default() -> Self {
        Self {
            scopes: Self::DEFAULT_SCOPES
                .iter()
                .map(|s| Scope((*s).to_owned()))
                .collect(),
            self_registrable: None,
        }
    }
}

/// The scopes an application may request: no duplicates, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Checks every scope against `catalog` and removes duplicates (keeping the first).
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::AllowedScopes`] per scope not in the catalog.
    pub fn parse<S: AsRef<str>>(
        scopes: &[S],
        catalog: &ScopeCatalog,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut kept: Vec<Scope> = Vec::new();
        for (i, s) in scopes.iter().enumerate() {
            let s = s.as_ref();
            if !catalog.contains(s) {
                errors.push(FieldError::at(
                    Field::AllowedScopes,
                    i,
                    Violation::UnknownScope {
                        scope: s.chars().take(Scope::MAX_LEN).collect(),
                    },
                ));
            } else if !kept.iter().any(|k| k.as_str() == s) {
                kept.push(Scope(s.to_owned()));
            }
        }
        if errors.is_empty() {
            Ok(Self(kept))
        } else {
            Err(errors)
        }
    }

    /// Rebuilds stored scopes, checking their syntax only: a scope removed from the
    /// catalog since does not make a stored application unreadable.
    ///
    /// # Errors
    /// One [`FieldError`] per scope of invalid syntax.
    pub fn restore<S: AsRef<str>>(scopes: &[S]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut kept: Vec<Scope> = Vec::new();
        for (i, s) in scopes.iter().enumerate() {
            match Scope::parse(s.as_ref()) {
                Ok(scope) if !kept.contains(&scope) => kept.push(scope),
                Ok(_) => {}
                Err(v) => errors.push(FieldError::at(Field::AllowedScopes, i, v)),
            }
        }
        if errors.is_empty() {
            Ok(Self(kept))
        } else {
            Err(errors)
        }
    }

    /// The scopes as strings, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(Scope::as_str)
    }

    /// The scopes.
    #[must_use]
    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    /// Whether the application may request `scope`.
    #[must_use]
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s.as_str() == scope)
    }
}

wire_enum! {
    /// An OAuth grant type an application may use.
    pub enum GrantType {
        /// RFC 6749 §4.1, with PKCE.
        AuthorizationCode => "authorization_code",
        /// RFC 6749 §6.
        RefreshToken => "refresh_token",
        /// RFC 6749 §4.4: confidential (`web`) clients only.
        ClientCredentials => "client_credentials",
        /// RFC 8628.
        DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
    }
}

/// Grant types that OAuth 2.1 and RFC 9700 removed; asking for one is refused by name.
pub const DEPRECATED_GRANTS: &[&str] = &["implicit", "password"];

impl GrantType {
    /// Like [`GrantType::parse`], but names deprecated grants as such.
    ///
    /// # Errors
    /// [`Violation::DeprecatedGrant`] for `implicit` and `password`,
    /// [`Violation::NotOneOf`] for anything else unknown.
    pub fn parse_requested(s: &str) -> Result<Self, Violation> {
        match DEPRECATED_GRANTS.iter().find(|d| **d == s) {
            Some(deprecated) => Err(Violation::DeprecatedGrant { grant: deprecated }),
            None => Self::parse(s),
        }
    }
}

/// The grant types of an application: no duplicates, in the order given. Their rules
/// against the application type and redirect URLs are checked by
/// [`crate::Profile`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GrantTypes(Vec<GrantType>);

impl GrantTypes {
    /// Parses every grant type and removes duplicates.
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::GrantTypes`] per unknown or deprecated grant.
    pub fn parse<S: AsRef<str>>(grants: &[S]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for (i, g) in grants.iter().enumerate() {
            match GrantType::parse_requested(g.as_ref()) {
                Ok(grant) if !kept.contains(&grant) => kept.push(grant),
                Ok(_) => {}
                Err(v) => errors.push(FieldError::at(Field::GrantTypes, i, v)),
            }
        }
        if errors.is_empty() {
            Ok(Self(kept))
        } else {
            Err(errors)
        }
    }

    /// The grant types.
    #[must_use]
    pub fn as_slice(&self) -> &[GrantType] {
        &self.0
    }

    /// Whether `grant` is among them.
    #[must_use]
    pub fn contains(&self, grant: GrantType) -> bool {
        self.0.contains(&grant)
    }

    /// The grant types as wire names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|g| g.as_str())
    }
}

impl Default for GrantTypes {
    /// `[authorization_code, refresh_token]`.
    fn default() -> Self {
        Self(vec![GrantType::AuthorizationCode, GrantType::RefreshToken])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_syntax() {
        assert_eq!(
            Scope::parse("workspace:read").unwrap().as_str(),
            "workspace:read"
        );
        assert_eq!(Scope::parse(""), Err(Violation::Required));
        assert!(Scope::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            Scope::parse(&"a".repeat(129)),
            Err(Violation::TooLong { max: 128 })
        );
        // The edges of RFC 6749's alphabet.
        assert!(Scope::parse("!#[]~").is_ok());
        for bad in ["a b", "a\"b", "a\\b", "é", "a\u{7f}"] {
            assert!(
                matches!(Scope::parse(bad), Err(Violation::InvalidCharacters { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(Scope::parse("x").unwrap().to_string(), "x");
        assert_eq!(Scope::parse("y").unwrap().as_ref(), "y");
    }

    #[test]
    fn default_catalog_is_the_contracts() {
        let catalog = ScopeCatalog::default();
        let names: Vec<_> = catalog.scopes().iter().map(Scope::as_str).collect();
        assert_eq!(
            names,
            [
                "workspace:read",
                "workspace:write",
                "read",
                "write",
                "admin"
            ]
        );
        assert!(catalog.contains("admin"));
        assert!(!catalog.contains("root"));
    }

    #[test]
    fn catalog_is_configurable_and_checked() {
        let catalog = ScopeCatalog::new(&["billing:read", "billing:read", "x"]).unwrap();
        assert_eq!(catalog.scopes().len(), 2);
        assert!(catalog.contains("billing:read"));
        assert!(!catalog.contains("read"));
        let errors = ScopeCatalog::new(&["ok", "not ok"]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].index, Some(1));
    }

    #[test]
    fn privileged_scopes_are_not_self_registrable_by_default() {
        let catalog = ScopeCatalog::default();
        let open: Vec<&str> = catalog.self_registrable().map(Scope::as_str).collect();
        assert_eq!(open, ["workspace:read", "read"]);
        for privileged in ["admin", "write", "workspace:write", "billing:admin"] {
            assert!(ScopeCatalog::is_privileged(privileged), "{privileged}");
        }
        assert!(!catalog.is_self_registrable("admin"));
        assert!(!catalog.is_self_registrable("unknown"));
        let custom = ScopeCatalog::new(&["billing:read", "billing:write", "reports"]).unwrap();
        let open: Vec<&str> = custom.self_registrable().map(Scope::as_str).collect();
        assert_eq!(open, ["billing:read", "reports"]);
    }

    #[test]
    fn the_platform_chooses_which_scopes_are_self_registrable() {
        let chosen = ScopeCatalog::default()
            .with_self_registrable(&["read", "write"])
            .unwrap();
        assert!(chosen.is_self_registrable("write"));
        assert!(!chosen.is_self_registrable("workspace:read"));
        let none = ScopeCatalog::default()
            .with_self_registrable::<&str>(&[])
            .unwrap();
        assert_eq!(none.self_registrable().count(), 0);
        let errors = ScopeCatalog::default()
            .with_self_registrable(&["read", "root"])
            .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].index, Some(1));
    }

    #[test]
    fn scopes_must_be_in_the_catalog() {
        let catalog = ScopeCatalog::default();
        let scopes = Scopes::parse(&["read", "write", "read"], &catalog).unwrap();
        assert_eq!(scopes.iter().collect::<Vec<_>>(), ["read", "write"]);
        assert!(scopes.contains("write"));
        assert!(!scopes.contains("admin"));
        assert_eq!(scopes.as_slice().len(), 2);
        let errors = Scopes::parse(&["read", "root", "sudo"], &catalog).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0],
            FieldError::at(
                Field::AllowedScopes,
                1,
                Violation::UnknownScope {
                    scope: "root".into()
                }
            )
        );
        assert!(
            Scopes::parse::<&str>(&[], &catalog)
                .unwrap()
                .as_slice()
                .is_empty()
        );
    }

    #[test]
    fn stored_scopes_are_restored_without_the_catalog() {
        let scopes = Scopes::restore(&["retired:scope", "read", "read"]).unwrap();
        assert_eq!(scopes.iter().collect::<Vec<_>>(), ["retired:scope", "read"]);
        let errors = Scopes::restore(&["ok", "bad scope"]).unwrap_err();
        assert_eq!(errors[0].index, Some(1));
    }

    #[test]
    fn grants_parse_and_refuse_deprecated_ones_by_name() {
        let grants = GrantTypes::parse(&[
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
            "client_credentials",
        ])
        .unwrap();
        assert_eq!(
            grants.as_slice(),
            [GrantType::ClientCredentials, GrantType::DeviceCode]
        );
        assert!(grants.contains(GrantType::DeviceCode));
        assert!(!grants.contains(GrantType::RefreshToken));
        assert_eq!(
            grants.iter().collect::<Vec<_>>(),
            [
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:device_code"
            ]
        );

        let errors = GrantTypes::parse(&["implicit", "password", "magic"]).unwrap_err();
        assert_eq!(
            errors[0].violation,
            Violation::DeprecatedGrant { grant: "implicit" }
        );
        assert_eq!(
            errors[1].violation,
            Violation::DeprecatedGrant { grant: "password" }
        );
        assert!(errors[0].violation.to_string().contains("deprecated"));
        assert!(matches!(errors[2].violation, Violation::NotOneOf { .. }));
        assert_eq!(errors[2].index, Some(2));
    }

    #[test]
    fn default_grants_are_code_and_refresh() {
        assert_eq!(
            GrantTypes::default().as_slice(),
            [GrantType::AuthorizationCode, GrantType::RefreshToken]
        );
    }
}
