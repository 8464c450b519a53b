//! Who may do what: the caller ([`Principal`]) and the authorization rules the use cases
//! enforce.
//!
//! - Platform admins may do everything, in every organisation.
//! - Members of the owner organisation may read its applications; its admins may also
//!   create, update, disable, re-enable and rotate them.
//! - To a caller outside the owner organisation, an application does not exist (not found).
//! - A member who tries to write is refused (forbidden).
//! - Only platform admins may set or clear the first-party flag.
//! - Only client authenticators (and platform admins) may verify client secrets.

use std::collections::{BTreeMap, BTreeSet};

use crate::shared::ids::OrgId;

/// A caller's role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgRole {
    /// May read the organisation's applications.
    Member,
    /// May also create, change, disable and rotate them.
    Admin,
}

impl OrgRole {
    /// Parses `"admin"` or `"member"`; `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    /// The role as tokens name it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
}

/// A platform-wide role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlatformRole {
    /// Everything, in every organisation.
    PlatformAdmin,
    /// May verify client secrets (the authorization server).
    ClientAuthenticator,
}

impl PlatformRole {
    /// Parses `"platform-admin"` or `"client-authenticator"`; `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "platform-admin" => Some(Self::PlatformAdmin),
            "client-authenticator" => Some(Self::ClientAuthenticator),
            _ => None,
        }
    }

    /// The role as tokens name it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform-admin",
            Self::ClientAuthenticator => "client-authenticator",
        }
    }
}

/// The longest subject a [`Principal`] may have, in characters: the audit trail's actor
/// column holds at most this many (both stores check it).
pub const MAX_SUBJECT_LEN: usize = 256;

/// Why a token subject cannot name a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSubject {
    /// Empty or only white space: it names nobody.
    #[error("the subject is empty or blank")]
    Blank,
    /// Longer than [`MAX_SUBJECT_LEN`] characters.
    #[error("the subject is longer than {MAX_SUBJECT_LEN} characters")]
    TooLong,
    /// Holds a control character (NUL, line breaks, escapes, ...).
    #[error("the subject contains a control character")]
    ControlCharacter,
}

/// The id a client gave its request (`X-Request-Id`) as it is recorded: trimmed, 1 to
/// [`Principal::MAX_CLIENT_REQUEST_ID_LEN`] characters of printable ASCII; `None` for
/// anything else.
#[must_use]
pub fn client_request_id(raw: &str) -> Option<&str> {
    let id = raw.trim();
    (!id.is_empty()
        && id.len() <= Principal::MAX_CLIENT_REQUEST_ID_LEN
        && id.bytes().all(|b| (0x20..=0x7e).contains(&b)))
    .then_some(id)
}

/// The authenticated caller of a use case: who it is and what it may do.
///
/// Its subject is recorded as the actor of every change it makes, so a caller built from
/// untrusted input (a token) goes through [`Principal::try_new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    subject: String,
    orgs: BTreeMap<String, OrgRole>,
    roles: BTreeSet<PlatformRole>,
    request_id: Option<String>,
    client_request_id: Option<String>,
}

impl Principal {
    /// A caller with no organisation and no platform role, whose subject is checked: 1 to
    /// [`MAX_SUBJECT_LEN`] characters, not only white space, no control characters. The
    /// subject is kept exactly as given (not trimmed): it is an identifier.
    ///
    /// # Errors
    /// [`InvalidSubject`] naming the rule the subject breaks.
    pub fn try_new(subject: impl Into<String>) -> Result<Self, InvalidSubject> {
        let subject = subject.into();
        if subject.trim().is_empty() {
            return Err(InvalidSubject::Blank);
        }
        if subject.chars().any(char::is_control) {
            return Err(InvalidSubject::ControlCharacter);
        }
        if subject.chars().nth(MAX_SUBJECT_LEN).is_some() {
            return Err(InvalidSubject::TooLong);
        }
        Ok(Self::new(subject))
    }

    /// A caller with no organisation and no platform role, with `subject` taken as it is:
    /// for callers the program itself names (tests, examples, internal jobs). Subjects from
    /// outside go through [`Principal::try_new`]; a subject it would refuse cannot be
    /// recorded as an actor, so writes by such a caller fail in storage.
    #[must_use]
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            orgs: BTreeMap::new(),
            roles: BTreeSet::new(),
            request_id: None,
            client_request_id: None,
        }
    }

    /// With `role` in organisation `org`.
    #[must_use]
    pub fn with_org(mut self, org: impl Into<String>, role: OrgRole) -> Self {
        self.orgs.insert(org.into(), role);
        self
    }

    /// With a platform role.
    #[must_use]
    pub fn with_role(mut self, role: PlatformRole) -> Self {
        self.roles.insert(role);
        self
    }

    /// With the id of the request it acts in, recorded in audit events.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// With the id the client gave its request (`X-Request-Id`), recorded in audit events
    /// beside the service's own. Surrounding spaces are trimmed; an id that is empty, longer
    /// than [`Self::MAX_CLIENT_REQUEST_ID_LEN`] characters or holds anything but printable
    /// ASCII is not recorded.
    #[must_use]
    pub fn with_client_request_id(mut self, id: &str) -> Self {
        if let Some(id) = client_request_id(id) {
            self.client_request_id = Some(id.to_owned());
        }
        self
    }

    /// The longest client request id recorded.
    pub const MAX_CLIENT_REQUEST_ID_LEN: usize = 128;

    /// The id the client gave its request, if it gave a valid one.
    #[must_use]
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }

    /// Who the caller is (the token's `sub`).
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The request the caller acts in, if known.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The caller's role in `org`, if any.
    #[must_use]
    pub fn org_role(&self, org: &OrgId) -> Option<OrgRole> {
        self.orgs.get(org.as_str()).copied()
    }

    /// Whether the caller holds `role`.
    #[must_use]
    pub fn has_role(&self, role: PlatformRole) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the caller is a platform admin.
    #[must_use]
    pub fn is_platform_admin(&self) -> bool {
        self.has_role(PlatformRole::PlatformAdmin)
    }
}

/// What a caller wants to do with an organisation's applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read or list.
    Read,
    /// Create, update, disable, enable, rotate.
    Write,
}

/// Why a caller was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The caller may not even know the application exists: answer as not found.
    #[error("not found")]
    Hidden,
    /// The caller may see the application but not do this.
    #[error("forbidden")]
    Forbidden,
}

/// Whether `principal` may do `action` on applications owned by `org`.
///
/// # Errors
/// [`Denial::Hidden`] for a caller outside `org`; [`Denial::Forbidden`] for a member who
/// wants to write.
pub fn authorize(principal: &Principal, org: &OrgId, action: Action) -> Result<(), Denial> {
    if principal.is_platform_admin() {
        return Ok(());
    }
    match (principal.org_role(org), action) {
        (None, _) => Err(Denial::Hidden),
        (Some(OrgRole::Member), Action::Write) => Err(Denial::Forbidden),
        (Some(_), _) => Ok(()),
    }
}

/// Whether `principal` may change the first-party flag from `current` to `requested`.
///
/// # Errors
/// [`Denial::Forbidden`] when it would change and the caller is not a platform admin.
pub fn authorize_first_party(
    principal: &Principal,
    current: bool,
    requested: bool,
) -> Result<(), Denial> {
    if current == requested || principal.is_platform_admin() {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// Whether `principal` may verify client secrets.
///
/// # Errors
/// [`Denial::Forbidden`] unless the caller is a client authenticator or a platform admin.
pub fn authorize_client_authentication(principal: &Principal) -> Result<(), Denial> {
    if principal.has_role(PlatformRole::ClientAuthenticator) || principal.is_platform_admin() {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(s: &str) -> OrgId {
        OrgId::parse(s).unwrap()
    }

    #[test]
    fn roles_parse() {
        assert_eq!(OrgRole::parse("admin"), Some(OrgRole::Admin));
        assert_eq!(OrgRole::parse("member"), Some(OrgRole::Member));
        assert_eq!(OrgRole::parse("owner"), None);
        assert_eq!(
            PlatformRole::parse("platform-admin"),
            Some(PlatformRole::PlatformAdmin)
        );
        assert_eq!(
            PlatformRole::parse("client-authenticator"),
            Some(PlatformRole::ClientAuthenticator)
        );
        assert_eq!(PlatformRole::parse("admin"), None);
    }

    #[test]
    fn principal_carries_subject_orgs_roles_and_request() {
        let p = Principal::new("alice")
            .with_org("1", OrgRole::Member)
            .with_role(PlatformRole::ClientAuthenticator)
            .with_request_id("req-1");
        assert_eq!(p.subject(), "alice");
        assert_eq!(p.org_role(&org("1")), Some(OrgRole::Member));
        assert_eq!(p.org_role(&org("2")), None);
        assert!(p.has_role(PlatformRole::ClientAuthenticator));
        assert!(!p.is_platform_admin());
        assert_eq!(p.request_id(), Some("req-1"));
        assert_eq!(Principal::new("x").request_id(), None);
        for role in [OrgRole::Admin, OrgRole::Member] {
            assert_eq!(OrgRole::parse(role.as_str()), Some(role));
        }
        for role in [
            PlatformRole::PlatformAdmin,
            PlatformRole::ClientAuthenticator,
        ] {
            assert_eq!(PlatformRole::parse(role.as_str()), Some(role));
        }
        let given = |id: &str| {
            Principal::new("x")
                .with_client_request_id(id)
                .client_request_id()
                .map(str::to_owned)
        };
        assert_eq!(given(" order-42 "), Some("order-42".to_owned()));
        assert_eq!(given("a b/c:d"), Some("a b/c:d".to_owned()));
        assert_eq!(given(&"x".repeat(128)).map(|s| s.len()), Some(128));
        assert_eq!(given(&"x".repeat(129)), None);
        assert_eq!(given("tab\there"), None);
        assert_eq!(given("caf\u{e9}"), None);
        assert_eq!(given("nul\0"), None);
        assert_eq!(given("   "), None);
    }

    #[test]
    fn a_checked_subject_is_one_to_256_characters_without_control_characters() {
        assert_eq!(Principal::try_new("alice").unwrap().subject(), "alice");
        // Kept as given: an identifier is not trimmed.
        assert_eq!(Principal::try_new(" bob ").unwrap().subject(), " bob ");
        let longest = "é".repeat(MAX_SUBJECT_LEN);
        assert_eq!(
            Principal::try_new(longest.clone()).unwrap().subject(),
            longest
        );
        assert_eq!(
            Principal::try_new("é".repeat(MAX_SUBJECT_LEN + 1)),
            Err(InvalidSubject::TooLong)
        );
        for blank in ["", " ", "\u{3000}\t "] {
            assert_eq!(
                Principal::try_new(blank),
                Err(InvalidSubject::Blank),
                "{blank:?}"
            );
        }
        for control in ["a\0b", "line\nbreak", "\u{1b}[31m", "del\u{7f}", "c1\u{85}"] {
            assert_eq!(
                Principal::try_new(control),
                Err(InvalidSubject::ControlCharacter),
                "{control:?}"
            );
        }
        let checked = Principal::try_new("carol").unwrap();
        assert_eq!(checked, Principal::new("carol"));
        assert_eq!(checked.request_id(), None);
    }

    #[test]
    fn outsiders_see_nothing() {
        let p = Principal::new("eve").with_org("other", OrgRole::Admin);
        assert_eq!(
            authorize(&p, &org("acme"), Action::Read),
            Err(Denial::Hidden)
        );
        assert_eq!(
            authorize(&p, &org("acme"), Action::Write),
            Err(Denial::Hidden)
        );
        let nobody = Principal::new("nobody").with_role(PlatformRole::ClientAuthenticator);
        assert_eq!(
            authorize(&nobody, &org("acme"), Action::Read),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn members_read_and_admins_write() {
        let member = Principal::new("m").with_org("acme", OrgRole::Member);
        assert_eq!(authorize(&member, &org("acme"), Action::Read), Ok(()));
        assert_eq!(
            authorize(&member, &org("acme"), Action::Write),
            Err(Denial::Forbidden)
        );
        let admin = Principal::new("a").with_org("acme", OrgRole::Admin);
        assert_eq!(authorize(&admin, &org("acme"), Action::Read), Ok(()));
        assert_eq!(authorize(&admin, &org("acme"), Action::Write), Ok(()));
    }

    #[test]
    fn platform_admins_do_everything_everywhere() {
        let root = Principal::new("root").with_role(PlatformRole::PlatformAdmin);
        assert_eq!(authorize(&root, &org("any"), Action::Write), Ok(()));
        assert_eq!(authorize(&root, &org("any"), Action::Read), Ok(()));
        assert_eq!(authorize_first_party(&root, false, true), Ok(()));
        assert_eq!(authorize_first_party(&root, true, false), Ok(()));
        assert_eq!(authorize_client_authentication(&root), Ok(()));
    }

    #[test]
    fn only_platform_admins_change_first_party() {
        let admin = Principal::new("a").with_org("acme", OrgRole::Admin);
        assert_eq!(
            authorize_first_party(&admin, false, true),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize_first_party(&admin, true, false),
            Err(Denial::Forbidden)
        );
        // Restating the current value is no change.
        assert_eq!(authorize_first_party(&admin, false, false), Ok(()));
        assert_eq!(authorize_first_party(&admin, true, true), Ok(()));
    }

    #[test]
    fn only_authenticators_verify_secrets() {
        let auth = Principal::new("as").with_role(PlatformRole::ClientAuthenticator);
        assert_eq!(authorize_client_authentication(&auth), Ok(()));
        let admin = Principal::new("a").with_org("acme", OrgRole::Admin);
        assert_eq!(
            authorize_client_authentication(&admin),
            Err(Denial::Forbidden)
        );
    }
}
