//! The application's simple attributes: name, description and its enumerations.

use std::fmt;

use crate::shared::text::is_format_character;
use crate::shared::validation::Violation;

/// An application's display name: trimmed, 1 to 100 characters, no control characters and
/// no invisible formatting characters (Unicode general category Cf).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppName(String);

impl AppName {
    /// The most characters a name may have after trimming.
    pub const MAX_LEN: usize = 100;

    /// Trims and checks a name.
    ///
    /// # Errors
    /// [`Violation::Required`] when nothing is left after trimming, or nothing but white
    /// space once invisible formatting characters are taken out, [`Violation::TooLong`]
    /// past 100 characters, [`Violation::ControlCharacters`] when it holds any control
    /// character, [`Violation::FormatCharacters`] when it holds any invisible formatting
    /// character.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let name = Self::restore(s)?;
        if name
            .0
            .chars()
            .all(|c| c.is_whitespace() || is_format_character(c))
        {
            return Err(Violation::Required);
        }
        if name.0.chars().any(is_format_character) {
            return Err(Violation::FormatCharacters);
        }
        Ok(name)
    }

    /// Rebuilds a stored name under the rules that held before invisible formatting
    /// characters were refused, so that an application stored then stays readable. New
    /// names go through [`AppName::parse`].
    ///
    /// # Errors
    /// As [`AppName::parse`], but for the rules about invisible formatting characters.
    pub fn restore(s: &str) -> Result<Self, Violation> {
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

/// A free-text description of at most 1000 characters (kept as given), without control
/// characters other than tab, line feed and carriage return.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Description(String);

impl Description {
    /// The most characters a description may have.
    pub const MAX_LEN: usize = 1000;

    /// Checks a description.
    ///
    /// # Errors
    /// [`Violation::TooLong`] past 1000 characters,
    /// [`Violation::ControlCharactersExceptTabAndNewlines`] when it holds a control
    /// character other than tab, line feed or carriage return (U+0000 among them, which
    /// PostgreSQL cannot store in text).
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let description = Self::restore(s)?;
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(Violation::ControlCharactersExceptTabAndNewlines);
        }
        Ok(description)
    }

    /// Rebuilds a stored description under the rules that held before control characters
    /// were refused, so that an application stored then stays readable. New descriptions
    /// go through [`Description::parse`].
    ///
    /// # Errors
    /// [`Violation::TooLong`] past 1000 characters.
    pub fn restore(s: &str) -> Result<Self, Violation> {
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
    /// The kind of client (RFC 6749 §2.1 profiles). Operators cannot change it after
    /// creation (a metadata document client's follows its document); `web` by default.
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
    fn names_refuse_invisible_formatting_characters() {
        for c in [
            '\u{00AD}',  // soft hyphen
            '\u{061C}',  // Arabic letter mark
            '\u{200B}',  // zero width space
            '\u{200C}',  // zero width non-joiner
            '\u{200D}',  // zero width joiner
            '\u{200E}',  // left-to-right mark
            '\u{202E}',  // right-to-left override
            '\u{2060}',  // word joiner
            '\u{2066}',  // left-to-right isolate
            '\u{FEFF}',  // zero width no-break space
            '\u{E0041}', // tag latin capital letter A
        ] {
            for name in [
                format!("Pay{c}Pal"),
                format!("{c}PayPal"),
                format!("PayPal{c}"),
            ] {
                assert_eq!(
                    AppName::parse(&name),
                    Err(Violation::FormatCharacters),
                    "U+{:04X}",
                    u32::from(c)
                );
                // Stored before the rule, such a name still loads, as stored.
                assert_eq!(AppName::restore(&name).unwrap().as_str(), name);
            }
        }
        // Blank once they are taken out.
        for name in ["\u{200B}", " \u{200B} \u{FEFF} ", "\u{202E}\u{202C}"] {
            assert_eq!(AppName::parse(name), Err(Violation::Required), "{name:?}");
            assert!(AppName::restore(name).is_ok(), "{name:?}");
        }
        // Visible look-alikes and marks that combine with letters are not formatting.
        assert!(AppName::parse("Café ☕ 日本語 ✓").is_ok());
        assert!(AppName::parse("e\u{301}").is_ok());
        // The earlier rules hold for stored names too.
        assert_eq!(AppName::restore("  "), Err(Violation::Required));
        assert_eq!(
            AppName::restore("a\u{7}"),
            Err(Violation::ControlCharacters)
        );
        assert_eq!(
            AppName::restore(&"a".repeat(101)),
            Err(Violation::TooLong { max: 100 })
        );
        assert_eq!(AppName::restore(" a ").unwrap().as_str(), "a");
        assert_eq!(
            Violation::FormatCharacters.to_string(),
            "must not contain invisible formatting characters (Unicode category Cf, such as \
             U+200B, U+200D, U+202E, U+FEFF or U+00AD)"
        );
    }

    #[test]
    fn descriptions_refuse_control_characters_but_tab_and_newlines() {
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}',
        ] {
            let d = format!("before{c}after");
            assert_eq!(
                Description::parse(&d),
                Err(Violation::ControlCharactersExceptTabAndNewlines),
                "U+{:04X}",
                u32::from(c)
            );
            // Stored before the rule, such a description still loads, as stored.
            assert_eq!(Description::restore(&d).unwrap().as_str(), d);
        }
        assert_eq!(
            Description::parse("a\tb\r\nc\n").unwrap().as_str(),
            "a\tb\r\nc\n"
        );
        assert_eq!(
            Description::restore(&"ü".repeat(1001)),
            Err(Violation::TooLong { max: 1000 })
        );
        assert_eq!(
            Violation::ControlCharactersExceptTabAndNewlines.to_string(),
            "must not contain control characters other than tab, line feed and carriage return"
        );
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
