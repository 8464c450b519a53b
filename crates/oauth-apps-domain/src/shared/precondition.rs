//! What a conditional write requires of the stored version (HTTP `If-Match`, RFC 9110
//! §13.1.1).

use crate::shared::ids::Version;

/// The versions a conditional write accepts as its starting point. Without one, a write
/// applies to whatever version is current.
///
/// An adapter builds it from its own form of the condition: HTTP's `If-Match: *` is
/// [`Precondition::Any`]; a list of entity tags is [`Precondition::OneOf`] the versions
/// its strong tags name, leaving out tags that name no version (weak or foreign ones), so
/// a list with none left matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Any version: the application only has to exist.
    Any,
    /// One of these versions; an empty list is never satisfied.
    OneOf(Vec<Version>),
}

impl Precondition {
    /// Whether an application at `version` satisfies the precondition.
    #[must_use]
    pub fn is_satisfied_by(&self, version: Version) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(versions) => versions.contains(&version),
        }
    }

    /// Whether it names particular versions, so that a concurrent write between the check
    /// and the write voids it.
    #[must_use]
    pub const fn names_versions(&self) -> bool {
        matches!(self, Self::OneOf(_))
    }
}

impl From<Version> for Precondition {
    /// Exactly `version`.
    fn from(version: Version) -> Self {
        Self::OneOf(vec![version])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: i64) -> Version {
        Version::new(n).unwrap()
    }

    #[test]
    fn any_accepts_every_version() {
        assert!(Precondition::Any.is_satisfied_by(Version::INITIAL));
        assert!(Precondition::Any.is_satisfied_by(v(99)));
        assert!(!Precondition::Any.names_versions());
    }

    #[test]
    fn a_list_accepts_exactly_its_members() {
        let list = Precondition::OneOf(vec![v(99), v(3)]);
        assert!(list.is_satisfied_by(v(3)));
        assert!(list.is_satisfied_by(v(99)));
        assert!(!list.is_satisfied_by(v(4)));
        assert!(list.names_versions());
        assert_eq!(Precondition::from(v(3)), Precondition::OneOf(vec![v(3)]));
    }

    #[test]
    fn an_empty_list_accepts_nothing() {
        let none = Precondition::OneOf(Vec::new());
        assert!(!none.is_satisfied_by(Version::INITIAL));
        assert!(!none.is_satisfied_by(v(i64::MAX)));
    }
}
