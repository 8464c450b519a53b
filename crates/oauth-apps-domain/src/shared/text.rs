//! Rules of written text that several capabilities check: invisible formatting characters
//! (in names and URLs) and the written form of a URL the registry keeps (redirect URLs,
//! webhook URLs).

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use url::Url;

use crate::shared::validation::Violation;

/// Whether `c` is an invisible formatting character (Unicode general category Cf: U+200B
/// zero width space, U+200D zero width joiner, U+202E right-to-left override, U+FEFF, U+00AD
/// soft hyphen, ...), which could make a name look like another one.
pub(crate) fn is_format_character(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// The rules for how a URL the registry stores is written, before it is parsed: not
/// empty, at most `max` characters, no white space or control characters. Shared by every
/// URL the registry keeps (redirect URLs, webhook URLs).
pub(crate) fn check_written(s: &str, max: usize) -> Result<(), Violation> {
    if s.is_empty() {
        return Err(Violation::Required);
    }
    if s.chars().count() > max {
        return Err(Violation::TooLong { max });
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Violation::UrlWhitespace);
    }
    Ok(())
}

/// No backslash: URL parsers disagree about it (a path separator for WHATWG parsers, part
/// of the user information for RFC 3986 ones).
pub(crate) fn check_no_backslash(s: &str) -> Result<(), Violation> {
    if s.contains('\\') {
        return Err(Violation::UrlBackslash);
    }
    Ok(())
}

/// No user information (`user:password@`) in the parsed URL.
pub(crate) fn check_no_userinfo(url: &Url) -> Result<(), Violation> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Violation::UrlUserinfo);
    }
    Ok(())
}
