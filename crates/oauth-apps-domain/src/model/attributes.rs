//! The application's simple attributes: name, description and its enumerations.

use std::fmt;

use crate::validation::Violation;

/// An application's display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppName(String);

impl AppName {
    /// The most characters a name may have after trimming.
    pub const MAX_LEN: usize = 100;

    /// Trims and checks a name.
    ///
    /// # Errors
    /// [`Violation::Required`] when nothing is left after trimming,
    /// [`Violation::TooLong`] past 100 characters, [`Violation::ControlCharacters`] when it
    /// holds any control character.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(Violation::Required);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Violation::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AppName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A free-text description of at most 1000 characters (kept as given).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Description(String);

impl Description {
    /// The most characters a description may have.
    pub const MAX_LEN: usize = 1000;

    /// Checks a description.
    ///
    /// # Errors
    /// [`Violation::TooLong`] past 1000 characters.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        if s.chars().count() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        Ok(Self(s.to_owned()))
    }

    /// The description.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Description {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Declares a closed enumeration with its wire names, parsing and `Display`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The wire names of every member, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }

            /// Parses a wire name (exact, case-sensitive).
            ///
            /// # Errors
            /// [`Violation::NotOneOf`] listing the accepted names.
            pub fn parse(s: &str) -> Result<Self, Violation> {
                match s {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err(Violation::NotOneOf { allowed: Self::NAMES }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// The kind of client (RFC 6749 §2.1 profiles). Immutable after creation; `web` by
    /// default.
    #[derive(Default)]
    pub enum AppType {
        /// A confidential server-side web application.
        #[default]
        Web => "web",
        /// A native (mobile or desktop) application: public, uses PKCE.
        Native => "native",
        /// A public client of no narrower kind: accepts what native and browser apps accept.
        Public => "public",
        /// A browser-based (single-page) application: public, uses PKCE.
        UserAgentBased => "user-agent-based",
    }
}

impl AppType {
    /// Whether clients of this type can keep a secret and must authenticate with it
    /// (RFC 6749 §2.1): only `web` applications are confidential.
    #[must_use]
    pub const fn is_confidential(self) -> bool {
        matches!(self, Self::Web)
    }
}

wire_enum! {
    /// Whether the application acts for the organisation or on behalf of a user;
    /// `organization` by default.
    #[derive(Default)]
    pub enum AccessLevel {
        /// Acts for the whole organisation.
        #[default]
        Organization => "organization",
        /// Acts on behalf of one user.
        User => "user",
    }
}

wire_enum! {
    /// Whether the application may be used. The flat surface's `disabled` is `Revoked`.
    pub enum Status {
        /// In use: its clients can authenticate.
        Active => "active",
        /// Disabled: its clients cannot authenticate and its secret cannot be rotated.
        Revoked => "revoked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(AppName::parse("  My App  ").unwrap().as_str(), "My App");
        assert_eq!(AppName::parse("   "), Err(Violation::Required));
        assert_eq!(AppName::parse(""), Err(Violation::Required));
        assert!(AppName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            AppName::parse(&"é".repeat(101)),
            Err(Violation::TooLong { max: 100 })
        );
        // Trimming happens before the length check.
        assert!(AppName::parse(&format!("  {}  ", "a".repeat(100))).is_ok());
        assert_eq!(
            AppName::parse("bad\u{7}name"),
            Err(Violation::ControlCharacters)
        );
        assert_eq!(
            AppName::parse("two\nlines"),
            Err(Violation::ControlCharacters)
        );
        assert_eq!(AppName::parse("日本語 ✓").unwrap().to_string(), "日本語 ✓");
        assert_eq!(AppName::parse("x").unwrap().as_ref(), "x");
    }

    #[test]
    fn description_is_bounded() {
        assert_eq!(Description::parse("").unwrap().as_str(), "");
        assert!(Description::parse(&"ü".repeat(1000)).is_ok());
        assert_eq!(
            Description::parse(&"ü".repeat(1001)),
            Err(Violation::TooLong { max: 1000 })
        );
        assert_eq!(
            Description::parse(" kept \n as is ").unwrap().as_ref(),
            " kept \n as is "
        );
    }

    #[test]
    fn enumerations_parse_their_wire_names_only() {
        for t in AppType::ALL {
            assert_eq!(AppType::parse(t.as_str()).unwrap(), *t);
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(
            AppType::NAMES,
            ["web", "native", "public", "user-agent-based"]
        );
        assert!(matches!(
            AppType::parse("Web"),
            Err(Violation::NotOneOf { .. })
        ));
        assert!(AccessLevel::parse("org").is_err());
        assert_eq!(AccessLevel::parse("user").unwrap(), AccessLevel::User);
        assert_eq!(Status::parse("revoked").unwrap(), Status::Revoked);
        assert!(Status::parse("disabled").is_err());
        assert_eq!(AppType::default(), AppType::Web);
        assert_eq!(AccessLevel::default(), AccessLevel::Organization);
    }

    #[test]
    fn only_web_apps_are_confidential() {
        assert!(AppType::Web.is_confidential());
        assert!(!AppType::Native.is_confidential());
        assert!(!AppType::Public.is_confidential());
        assert!(!AppType::UserAgentBased.is_confidential());
    }
}
