//! Field-level validation errors: which field broke which rule.
//!
//! Every constructor of a value object returns a [`Violation`]; the use cases collect them
//! into [`ValidationErrors`], one [`FieldError`] per offending field (or list element), so
//! that a caller learns about every problem of a request at once.

use std::fmt;

/// A field of the application, or of a request about applications, that a rule applies to.
///
/// Adapters translate these into the field names of their own surface (`redirectUrls`,
/// `redirect_uris`, ...); [`Field::name`] is the domain's canonical snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The storage identifier (`app_id`).
    Id,
    /// The application's public identifier.
    ClientId,
    /// The owning organisation.
    OwnerOrgId,
    /// The display name.
    Name,
    /// The free-text description.
    Description,
    /// The application type (`web`, `native`, ...).
    AppType,
    /// The registered redirect URLs.
    RedirectUrls,
    /// The scopes the application may request.
    AllowedScopes,
    /// The OAuth grant types the application may use.
    GrantTypes,
    /// Whether the application acts for the organisation or for a user.
    AccessLevel,
    /// `active` or `revoked`.
    Status,
    /// Whether the application is a first-party application.
    IsFirstParty,
    /// The grace period of a secret rotation.
    GracePeriodSeconds,
    /// A page size.
    Limit,
    /// A keyset pagination cursor.
    Cursor,
    /// A page number.
    Page,
    /// A stored secret hash.
    Secret,
    /// The optimistic-concurrency version (`If-Match`).
    Version,
    /// What an audit event records as having happened.
    AuditAction,
    /// Who an audit event records as having done it.
    Actor,
    /// The id the client gave the request an audit event was recorded in.
    ClientRequestId,
    /// The fields an audit event records as changed.
    ChangedFields,
    /// How the client authenticates at the token endpoint.
    TokenEndpointAuthMethod,
    /// The client's public keys, given inline.
    Jwks,
    /// The URL of the client's public keys.
    JwksUri,
    /// How the application was registered.
    Registration,
    /// How long an initial access token works.
    ExpiresInSeconds,
    /// How many registrations an initial access token allows.
    MaxUses,
    /// The client's home page (RFC 7591 §2 `client_uri`).
    ClientUri,
    /// The client's logo (RFC 7591 §2 `logo_uri`).
    LogoUri,
    /// The client's terms of service (RFC 7591 §2 `tos_uri`).
    TosUri,
    /// The client's privacy policy (RFC 7591 §2 `policy_uri`).
    PolicyUri,
    /// Ways to contact the people responsible for the client (RFC 7591 §2 `contacts`).
    Contacts,
    /// The software the client runs (RFC 7591 §2 `software_id`).
    SoftwareId,
    /// The version of that software (RFC 7591 §2 `software_version`).
    SoftwareVersion,
    /// A signed statement of the client's metadata (RFC 7591 §2.3).
    SoftwareStatement,
    /// The URL of a client's metadata document (its client id in that protocol).
    MetadataDocument,
    /// A webhook's URL.
    Url,
    /// The event types a webhook hears.
    Events,
    /// How long an organisation's new secrets live, in days.
    SecretLifetimeDays,
    /// What a leak report of a live secret does.
    LeakedSecretAction,
    /// How many quiet days disable an organisation's self-registered clients.
    StaleAfterDays,
    /// The grant types an organisation lets clients that register themselves have.
    SelfRegistrationGrantTypes,
    /// The scopes an organisation lets clients that register themselves have.
    SelfRegistrationScopes,
    /// The authentication methods an organisation lets clients that register themselves
    /// use.
    SelfRegistrationAuthMethods,
    /// The grant types an initial access token lets its clients have beyond their
    /// organisation's policy.
    AllowanceGrantTypes,
    /// The scopes an initial access token lets its clients have beyond their
    /// organisation's policy.
    AllowanceScopes,
    /// The authentication methods an initial access token lets its clients use beyond their
    /// organisation's policy.
    AllowanceAuthMethods,
    /// Whether access tokens are bound with DPoP (RFC 9449 §5.2).
    DpopBoundAccessTokens,
    /// Whether access tokens are bound to the client's certificate (RFC 8705 §3.4).
    TlsClientCertificateBoundAccessTokens,
    /// Whether authorization requests must be pushed (RFC 9126 §6).
    RequirePushedAuthorizationRequests,
    /// The certificate subject DN `tls_client_auth` expects (RFC 8705 §2.1.2).
    TlsClientAuthSubjectDn,
    /// The certificate dNSName SAN `tls_client_auth` expects.
    TlsClientAuthSanDns,
    /// The certificate URI SAN `tls_client_auth` expects.
    TlsClientAuthSanUri,
    /// The certificate iPAddress SAN `tls_client_auth` expects.
    TlsClientAuthSanIp,
    /// The certificate rfc822Name SAN `tls_client_auth` expects.
    TlsClientAuthSanEmail,
    /// The certificate subject `tls_client_auth` expects, whichever member names it.
    TlsClientAuthSubject,
    /// An organisation's policy profile (`baseline`, `fapi2`, `mcp`).
    PolicyProfile,
}

impl Field {
    /// Every field.
    pub const ALL: [Self; 58] = [
        Self::Id,
        Self::ClientId,
        Self::OwnerOrgId,
        Self::Name,
        Self::Description,
        Self::AppType,
        Self::RedirectUrls,
        Self::AllowedScopes,
        Self::GrantTypes,
        Self::AccessLevel,
        Self::Status,
        Self::IsFirstParty,
        Self::GracePeriodSeconds,
        Self::Limit,
        Self::Cursor,
        Self::Page,
        Self::Secret,
        Self::Version,
        Self::AuditAction,
        Self::Actor,
        Self::ClientRequestId,
        Self::ChangedFields,
        Self::TokenEndpointAuthMethod,
        Self::Jwks,
        Self::JwksUri,
        Self::Registration,
        Self::ExpiresInSeconds,
        Self::MaxUses,
        Self::ClientUri,
        Self::LogoUri,
        Self::TosUri,
        Self::PolicyUri,
        Self::Contacts,
        Self::SoftwareId,
        Self::SoftwareVersion,
        Self::SoftwareStatement,
        Self::MetadataDocument,
        Self::Url,
        Self::Events,
        Self::SecretLifetimeDays,
        Self::LeakedSecretAction,
        Self::StaleAfterDays,
        Self::SelfRegistrationGrantTypes,
        Self::SelfRegistrationScopes,
        Self::SelfRegistrationAuthMethods,
        Self::AllowanceGrantTypes,
        Self::AllowanceScopes,
        Self::AllowanceAuthMethods,
        Self::DpopBoundAccessTokens,
        Self::TlsClientCertificateBoundAccessTokens,
        Self::RequirePushedAuthorizationRequests,
        Self::TlsClientAuthSubjectDn,
        Self::TlsClientAuthSanDns,
        Self::TlsClientAuthSanUri,
        Self::TlsClientAuthSanIp,
        Self::TlsClientAuthSanEmail,
        Self::TlsClientAuthSubject,
        Self::PolicyProfile,
    ];

    /// The field with this canonical name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The canonical snake_case name of the field.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::ClientId => "client_id",
            Self::OwnerOrgId => "owner_org_id",
            Self::Name => "name",
            Self::Description => "description",
            Self::AppType => "type",
            Self::RedirectUrls => "redirect_urls",
            Self::AllowedScopes => "allowed_scopes",
            Self::GrantTypes => "grant_types",
            Self::AccessLevel => "access_level",
            Self::Status => "status",
            Self::IsFirstParty => "is_first_party",
            Self::GracePeriodSeconds => "grace_period_seconds",
            Self::Limit => "limit",
            Self::Cursor => "cursor",
            Self::Page => "page",
            Self::Secret => "secret",
            Self::Version => "version",
            Self::AuditAction => "action",
            Self::Actor => "actor",
            Self::ClientRequestId => "client_request_id",
            Self::ChangedFields => "changed_fields",
            Self::TokenEndpointAuthMethod => "token_endpoint_auth_method",
            Self::Jwks => "jwks",
            Self::JwksUri => "jwks_uri",
            Self::Registration => "registration",
            Self::ExpiresInSeconds => "expires_in_seconds",
            Self::MaxUses => "max_uses",
            Self::ClientUri => "client_uri",
            Self::LogoUri => "logo_uri",
            Self::TosUri => "tos_uri",
            Self::PolicyUri => "policy_uri",
            Self::Contacts => "contacts",
            Self::SoftwareId => "software_id",
            Self::SoftwareVersion => "software_version",
            Self::SoftwareStatement => "software_statement",
            Self::MetadataDocument => "metadata_document",
            Self::Url => "url",
            Self::Events => "events",
            Self::SecretLifetimeDays => "secret_lifetime_days",
            Self::LeakedSecretAction => "leaked_secret_action",
            Self::StaleAfterDays => "stale_after_days",
            Self::SelfRegistrationGrantTypes => "self_registration.grant_types",
            Self::SelfRegistrationScopes => "self_registration.scopes",
            Self::SelfRegistrationAuthMethods => "self_registration.auth_methods",
            Self::AllowanceGrantTypes => "allowance.grant_types",
            Self::AllowanceScopes => "allowanceScopes",
            Self::AllowanceAuthMethods => "allowance.auth_methods",
            Self::DpopBoundAccessTokens => "dpop_bound_access_tokens",
            Self::TlsClientCertificateBoundAccessTokens => {
                "tls_client_certificate_bound_access_tokens"
            }
            Self::RequirePushedAuthorizationRequests => "require_pushed_authorization_requests",
            Self::TlsClientAuthSubjectDn => "tls_client_auth_subject_dn",
            Self::TlsClientAuthSanDns => "tls_client_auth_san_dns",
            Self::TlsClientAuthSanUri => "tls_client_auth_san_uri",
            Self::TlsClientAuthSanIp => "tls_client_auth_san_ip",
            Self::TlsClientAuthSanEmail => "tls_client_auth_san_email",
            Self::TlsClientAuthSubject => "tls_client_auth_subject",
            Self::PolicyProfile => "profile",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A rule that a value broke. Its `Display` is a sentence that states the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The value is missing or empty.
    #[error("is required and must not be empty")]
    Required,
    /// The value has more characters than allowed.
    #[error("must be at most {max} characters long")]
    TooLong {
        /// The largest number of characters allowed.
        max: usize,
    },
    /// A list has more elements than allowed.
    #[error("must hold at most {max} entries")]
    TooMany {
        /// The largest number of elements allowed.
        max: usize,
    },
    /// A number is outside its range.
    #[error("must be between {min} and {max}")]
    OutOfRange {
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
    /// The value holds characters outside its alphabet.
    #[error("may only contain {allowed}")]
    InvalidCharacters {
        /// A description of the allowed characters.
        allowed: &'static str,
    },
    /// The value holds control characters.
    #[error("must not contain control characters")]
    ControlCharacters,
    /// The value holds invisible formatting characters (Unicode general category Cf).
    #[error(
        "must not contain invisible formatting characters (Unicode category Cf, such as \
         U+200B, U+200D, U+202E, U+FEFF or U+00AD)"
    )]
    FormatCharacters,
    /// The text holds control characters other than tab, line feed and carriage return.
    #[error("must not contain control characters other than tab, line feed and carriage return")]
    ControlCharactersExceptTabAndNewlines,
    /// The value is not one of an enumeration's members.
    #[error("must be one of: {}", allowed.join(", "))]
    NotOneOf {
        /// The values allowed.
        allowed: &'static [&'static str],
    },
    /// The value is not a well-formed identifier.
    #[error("is not a valid {what}")]
    Malformed {
        /// What the value should have been.
        what: &'static str,
    },
    /// The field cannot be changed after creation.
    #[error("cannot be changed after the application is created")]
    Immutable,
    /// A distinguished name that is not an RFC 4514 string (RFC 8705 §2.1.2
    /// `tls_client_auth_subject_dn`).
    #[error("must be an RFC 4514 distinguished name such as CN=client,O=Example,C=GB: {reason}")]
    NotDistinguishedName {
        /// What does not parse.
        reason: String,
    },
    /// A redirect URL is not an absolute URL.
    #[error("must be an absolute URL")]
    NotAbsoluteUrl,
    /// A redirect URL contains a fragment.
    #[error("must not contain a fragment (#)")]
    UrlFragment,
    /// A redirect URL contains user information.
    #[error("must not contain user information (user:password@)")]
    UrlUserinfo,
    /// A redirect URL contains a wildcard.
    #[error("must not contain a wildcard (*)")]
    UrlWildcard,
    /// A redirect URL contains white space or control characters.
    #[error("must not contain white space or control characters")]
    UrlWhitespace,
    /// A redirect URL contains a backslash, which URL parsers disagree about (a path
    /// separator for some, part of the user information for others).
    #[error("must not contain backslashes (\\)")]
    UrlBackslash,
    /// A redirect URL's host is not written the way a normalised URL writes it
    /// (percent-encoded, non-ASCII, upper-case, an IP address in another notation, ...).
    #[error(
        "must have its host in canonical form (lower-case ASCII, IP addresses as 127.0.0.1 \
         or [::1]): write it as {canonical}"
    )]
    UrlHostNotCanonical {
        /// The host as a normalised URL writes it.
        canonical: String,
    },
    /// A redirect URL is not written in its normalised form (a missing `/` path, an
    /// upper-case scheme, a default port, characters that normalisation percent-encodes,
    /// a missing `//`, ...).
    #[error("must be written in normalised form: {normalised}")]
    UrlNotNormalised {
        /// The URL in normalised form.
        normalised: String,
    },
    /// A redirect URL uses a scheme that is never allowed.
    #[error("must not use the dangerous scheme '{scheme}'")]
    DangerousScheme {
        /// The scheme that was used.
        scheme: String,
    },
    /// A redirect URL's scheme or host is not allowed for the application's type.
    #[error("is not allowed for a '{app_type}' application: {rule}")]
    UrlNotAllowedForType {
        /// The application type.
        app_type: &'static str,
        /// What that type accepts.
        rule: &'static str,
    },
    /// A scope is not in the configured catalog.
    #[error("'{scope}' is not a known scope")]
    UnknownScope {
        /// The scope that was asked for.
        scope: String,
    },
    /// A grant type is deprecated and refused.
    #[error("'{grant}' is deprecated by RFC 9700 and OAuth 2.1 and is not supported")]
    DeprecatedGrant {
        /// The grant type that was asked for.
        grant: &'static str,
    },
    /// A grant type is not allowed for the application's type.
    #[error("'client_credentials' is only allowed for 'web' applications")]
    ClientCredentialsNeedsWeb,
    /// `authorization_code` was asked for without a redirect URL.
    #[error("'authorization_code' needs at least one redirect URL")]
    AuthorizationCodeNeedsRedirect,
    /// `refresh_token` was asked for without a grant that issues refresh tokens.
    #[error("'refresh_token' needs 'authorization_code' or the device code grant")]
    RefreshTokenNeedsIssuingGrant,
    /// `client_secret_jwt` was asked for.
    #[error(
        "'client_secret_jwt' is refused: it signs with the shared secret (symmetric, forbidden \
         by FAPI 2.0); use private_key_jwt"
    )]
    SymmetricAuthMethod,
    /// `none` was asked for by an application that must authenticate.
    #[error("'none' is for public clients: a '{app_type}' application must authenticate")]
    AuthMethodNotForType {
        /// The application's type.
        app_type: &'static str,
    },
    /// `private_key_jwt` without keys.
    #[error("'private_key_jwt' needs the client's public keys: give jwks or jwks_uri")]
    KeysRequired,
    /// `self_signed_tls_client_auth` without a JWK Set to hold its certificates.
    #[error(
        "'self_signed_tls_client_auth' needs the client's self-signed certificates: give jwks \
         (each certificate as x5c, RFC 8705 §2.2) or jwks_uri"
    )]
    CertificatesRequired,
    /// `tls_client_auth` without the certificate subject it expects.
    #[error(
        "'tls_client_auth' needs exactly one of tls_client_auth_subject_dn, \
         tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, \
         tls_client_auth_san_email (RFC 8705 §2.1.2)"
    )]
    TlsSubjectRequired,
    /// More than one certificate subject was given.
    #[error(
        "give exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, \
         tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email \
         (RFC 8705 §2.1.2)"
    )]
    TlsSubjectTwice,
    /// A certificate subject for a method that does not use one.
    #[error("is only used with 'tls_client_auth' (RFC 8705 §2.1.2)")]
    TlsSubjectNotForMethod,
    /// A rule of the organisation's policy profile is broken.
    #[error("the organisation's '{profile}' profile requires {requirement} (rule '{rule}')")]
    ProfileRule {
        /// The profile (`fapi2`, `mcp`).
        profile: &'static str,
        /// The rule's name, `profile.rule`.
        rule: &'static str,
        /// What the rule requires, in words.
        requirement: &'static str,
    },
    /// `private_key_jwt` on a server that cannot check assertions.
    #[error(
        "'private_key_jwt' is not enabled on this server: it has no assertion audiences \
         (OAUTH_APPS_ASSERTION_AUDIENCES)"
    )]
    AssertionsDisabled,
    /// A secret method for an application that has no secret.
    #[error(
        "an application without a secret cannot switch to a secret method; register a new \
         application for it"
    )]
    NoSecretForMethod,
    /// Both `jwks` and `jwks_uri` were given.
    #[error("give either jwks or jwks_uri, not both")]
    KeysTwice,
    /// A URL that must be `https`.
    #[error("must be an https URL")]
    NotHttps,
    /// A JWK holds private key material.
    #[error("key '{key}' holds the private member '{member}': give public keys only")]
    JwkPrivateMember {
        /// The key's `kid` (or `#index`).
        key: String,
        /// The member.
        member: String,
    },
    /// A JWK breaks a rule.
    #[error("key '{key}': {rule}")]
    JwkInvalid {
        /// The key's `kid` (or `#index`).
        key: String,
        /// The rule.
        rule: &'static str,
    },
    /// A JWK Set over the size limit.
    #[error("must be at most {max} bytes of JSON")]
    JwksTooLarge {
        /// The limit.
        max: usize,
    },
    /// A URL the server may not fetch.
    #[error("cannot be fetched: {reason}")]
    UnfetchableUrl {
        /// Why (the address policy's words).
        reason: String,
    },
    /// A client that registers itself asked for a value its organisation's self-registration
    /// policy (and the initial access token's allowance, if it presented one) does not
    /// include.
    #[error(
        "'{value}' is not allowed for a client that registers itself: its organisation's \
         self-registration policy (or the initial access token's allowance) does not include it"
    )]
    NotSelfRegistrable {
        /// The value asked for.
        value: String,
    },
    /// An organisation's policy named a scope the platform does not let clients register
    /// themselves for.
    #[error(
        "'{scope}' may not be given to clients that register themselves on this platform \
         (OAUTH_APPS_SELF_REGISTRATION_SCOPES does not list it); an admin can give it through \
         an initial access token's allowance"
    )]
    ScopeNotSelfRegistrable {
        /// The scope.
        scope: String,
    },
}

/// One broken rule: the field, the list position when the field is a list, and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field that broke the rule.
    pub field: Field,
    /// The position in the list, when the rule concerns one element of a list field.
    pub index: Option<usize>,
    /// The rule that was broken.
    pub violation: Violation,
}

impl FieldError {
    /// A rule broken by a whole field.
    #[must_use]
    pub const fn new(field: Field, violation: Violation) -> Self {
        Self {
            field,
            index: None,
            violation,
        }
    }

    /// A rule broken by the element at `index` of a list field.
    #[must_use]
    pub const fn at(field: Field, index: usize, violation: Violation) -> Self {
        Self {
            field,
            index: Some(index),
            violation,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(index) => write!(f, "{}[{index}] {}", self.field, self.violation),
            None => write!(f, "{} {}", self.field, self.violation),
        }
    }
}

/// Every rule a request broke, in the order the fields were checked. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// The errors, in the order they were found.
    #[must_use]
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Whether `field` broke at least one rule.
    #[must_use]
    pub fn concerns(&self, field: Field) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// The errors `errors` holds; `None` when it holds none.
    pub(crate) fn from_vec(errors: Vec<FieldError>) -> Option<Self> {
        (!errors.is_empty()).then_some(Self(errors))
    }

    /// These errors followed by `other`'s.
    #[must_use]
    pub fn merged(mut self, other: Self) -> Self {
        self.0.extend(other.0);
        self
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Collects field errors while a request is checked field by field.
#[derive(Debug, Default)]
pub(crate) struct Collector(Vec<FieldError>);

impl Collector {
    /// Keeps the value, or records the error under `field` and returns `None`.
    pub(crate) fn check<T>(&mut self, field: Field, result: Result<T, Violation>) -> Option<T> {
        result
            .map_err(|v| self.push(FieldError::new(field, v)))
            .ok()
    }

    /// Keeps the value, or records the (possibly several) errors and returns `None`.
    pub(crate) fn check_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        result.map_err(|errors| self.0.extend(errors)).ok()
    }

    pub(crate) fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ValidationErrors(self.0))
        }
    }

    /// The errors recorded so far (call when a check returned `None`).
    pub(crate) fn into_errors(self) -> ValidationErrors {
        ValidationErrors(self.0)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_names_field_index_and_rule() {
        let e = FieldError::at(Field::RedirectUrls, 2, Violation::UrlFragment);
        assert_eq!(
            e.to_string(),
            "redirect_urls[2] must not contain a fragment (#)"
        );
        let e = FieldError::new(Field::Name, Violation::TooLong { max: 100 });
        assert_eq!(e.to_string(), "name must be at most 100 characters long");
    }

    #[test]
    fn errors_join_and_report_their_fields() {
        let mut c = Collector::default();
        assert!(c.is_empty());
        assert_eq!(c.check(Field::Name, Ok::<_, Violation>(1)), Some(1));
        assert_eq!(c.check::<()>(Field::Name, Err(Violation::Required)), None);
        c.push(FieldError::new(
            Field::AppType,
            Violation::NotOneOf {
                allowed: &["web", "native"],
            },
        ));
        assert!(!c.is_empty());
        let errors = c.finish(()).unwrap_err();
        assert!(errors.concerns(Field::Name));
        assert!(errors.concerns(Field::AppType));
        assert!(!errors.concerns(Field::Description));
        assert_eq!(
            errors.to_string(),
            "name is required and must not be empty; type must be one of: web, native"
        );
    }

    #[test]
    fn every_field_has_a_distinct_name() {
        let all = Field::ALL;
        for field in all {
            assert_eq!(Field::parse(field.name()), Some(field));
        }
        assert_eq!(Field::parse("colour"), None);
        let names: std::collections::HashSet<_> = all.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), all.len());
        assert!(names.iter().all(|n| !n.is_empty()));
        assert_eq!(Field::AppType.to_string(), "type");
    }
}
