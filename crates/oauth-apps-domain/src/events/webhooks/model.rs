//! Webhooks: where an organisation wants to hear what happens to its applications, signed
//! as the Standard Webhooks specification writes it, and the deliveries made to them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::events::change::AuditAction;
use crate::shared::ids::{ClientId, OrgId};
use crate::shared::sealing::Sealed;
use crate::shared::text::{
    check_no_backslash, check_no_userinfo, check_written, is_format_character,
};
use crate::shared::time::Timestamp;
use crate::shared::validation::Violation;

/// The longest webhook URL, in characters.
pub const MAX_WEBHOOK_URL_LEN: usize = 2048;
/// How many webhooks an organisation may have unless configured otherwise: each event
/// is written once per webhook of its organisation, in the transaction that records it,
/// and every webhook is a lane the dispatcher serves in turn (docs/webhooks.md).
pub const DEFAULT_WEBHOOKS_PER_ORG: u32 = 10;
/// How many random bytes a webhook signing secret has.
pub const WEBHOOK_SECRET_BYTES: usize = 32;
/// The prefix of a webhook signing secret (Standard Webhooks).
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";
/// How long the previous signing secret keeps signing after a rotation: 24 hours.
pub const WEBHOOK_SECRET_GRACE_SECONDS: u32 = 24 * 3600;

/// A webhook's identifier: a version-4 UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(uuid::Uuid);

impl WebhookId {
    /// The identifier of 16 random bytes (a version-4 UUID).
    #[must_use]
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// The identifier of a stored UUID.
    #[must_use]
    pub const fn from_uuid(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }

    /// Parses a lowercase hyphenated UUID.
    ///
    /// # Errors
    /// [`Violation::Malformed`] for anything else.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        uuid::Uuid::try_parse(s)
            .ok()
            .filter(|u| u.hyphenated().to_string() == s)
            .map(Self)
            .ok_or(Violation::Malformed {
                what: "webhook id (a lowercase hyphenated UUID)",
            })
    }

    /// The UUID.
    #[must_use]
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// The type of an event a webhook hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An application was registered.
    ApplicationCreated,
    /// An application's settings changed.
    ApplicationUpdated,
    /// An application was disabled.
    ApplicationDisabled,
    /// An application was re-enabled.
    ApplicationEnabled,
    /// An application's secret was rotated.
    SecretRotated,
    /// An application's previous secret was revoked before its grace period ended.
    SecretPreviousRevoked,
    /// An application's key set was rotated.
    KeysRotated,
    /// An application's secret expires soon.
    SecretExpiring,
    /// An application's secret was reported leaked.
    SecretLeaked,
    /// A self-registered application went quiet and is disabled soon unless heard of.
    ApplicationStaleWarning,
}

impl EventType {
    /// Every type.
    pub const ALL: [Self; 10] = [
        Self::ApplicationCreated,
        Self::ApplicationUpdated,
        Self::ApplicationDisabled,
        Self::ApplicationEnabled,
        Self::SecretRotated,
        Self::SecretPreviousRevoked,
        Self::KeysRotated,
        Self::SecretExpiring,
        Self::SecretLeaked,
        Self::ApplicationStaleWarning,
    ];

    /// The names of every type, in the order of [`EventType::ALL`].
    pub const NAMES: [&'static str; 10] = [
        "application.created",
        "application.updated",
        "application.disabled",
        "application.enabled",
        "secret.rotated",
        "secret.previous_revoked",
        "keys.rotated",
        "secret.expiring",
        "secret.leaked",
        "application.stale_warning",
    ];

    /// The type with this name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The type's name (`application.created`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The type of an audit event with this action.
    #[must_use]
    pub const fn of(action: AuditAction) -> Self {
        match action {
            AuditAction::Created => Self::ApplicationCreated,
            AuditAction::Updated => Self::ApplicationUpdated,
            AuditAction::Disabled => Self::ApplicationDisabled,
            AuditAction::Enabled => Self::ApplicationEnabled,
            AuditAction::SecretRotated => Self::SecretRotated,
            AuditAction::PreviousSecretRevoked => Self::SecretPreviousRevoked,
            AuditAction::KeysRotated => Self::KeysRotated,
            AuditAction::SecretExpiring => Self::SecretExpiring,
            AuditAction::SecretLeaked => Self::SecretLeaked,
            AuditAction::StaleWarning => Self::ApplicationStaleWarning,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a webhook delivers: an absolute `https` URL without user information or
/// fragment, at most [`MAX_WEBHOOK_URL_LEN`] characters, kept in its normalised form (as
/// [`url::Url`] serialises it). Whether the server may reach it (its address policy) is
/// the sender's to say ([`crate::WebhookSender::permits`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks `s` and normalises it: `HTTPS://Hooks.Example:443/a/../in` is kept as
    /// `https://hooks.example/in`, so the URL stored and shown is the one delivered to.
    /// What redirect URLs refuse is refused here too (the same checks,
    /// `model/redirect.rs`): backslashes, which parsers disagree about
    /// (`https://hooks.example\@10.0.0.1/`), user information, white space and control
    /// characters, and invisible formatting characters (Unicode category Cf), which the
    /// normal form would drop or hide.
    ///
    /// # Errors
    /// The first [`Violation`] broken: [`Violation::Required`], [`Violation::TooLong`],
    /// [`Violation::UrlWhitespace`], [`Violation::FormatCharacters`],
    /// [`Violation::UrlBackslash`], [`Violation::NotAbsoluteUrl`], [`Violation::Malformed`]
    /// (not `https`), [`Violation::UrlUserinfo`], [`Violation::UrlFragment`], or
    /// [`Violation::TooLong`] for a normal form past the limit.
    pub fn parse(s: impl Into<String>) -> Result<Self, Violation> {
        let s = s.into();
        check_written(&s, MAX_WEBHOOK_URL_LEN)?;
        if s.chars().any(is_format_character) {
            return Err(Violation::FormatCharacters);
        }
        check_no_backslash(&s)?;
        let url = Self::check_parsed(&s)?;
        let normalised = url.as_str();
        if normalised.chars().count() > MAX_WEBHOOK_URL_LEN {
            return Err(Violation::TooLong {
                max: MAX_WEBHOOK_URL_LEN,
            });
        }
        Ok(Self(normalised.to_owned()))
    }

    /// Rebuilds a stored URL under the rules that held before URLs were normalised and
    /// backslashes and invisible characters refused, keeping it as stored, so that a
    /// webhook stored then stays readable. New URLs go through [`WebhookUrl::parse`].
    ///
    /// # Errors
    /// As [`WebhookUrl::parse`], but for the rules about backslashes and invisible
    /// characters.
    pub fn restore(s: impl Into<String>) -> Result<Self, Violation> {
        let s = s.into();
        check_written(&s, MAX_WEBHOOK_URL_LEN)?;
        Self::check_parsed(&s)?;
        Ok(Self(s))
    }

    /// The rules of the parsed URL: absolute, `https`, a host, no user information, no
    /// fragment.
    fn check_parsed(s: &str) -> Result<url::Url, Violation> {
        let url = url::Url::parse(s).map_err(|_| Violation::NotAbsoluteUrl)?;
        if url.scheme() != "https" {
            return Err(Violation::Malformed {
                what: "https URL (webhooks are delivered over https only)",
            });
        }
        check_no_userinfo(&url)?;
        if url.fragment().is_some() {
            return Err(Violation::UrlFragment);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Violation::NotAbsoluteUrl);
        }
        Ok(url)
    }

    /// The URL, in normalised form (or as stored before URLs were normalised).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signing secret in the Standard Webhooks form (`whsec_` and the standard base64 of
/// its key), shown once when a webhook is created or its secret rotated. `Debug` is
/// redacted and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
#[must_use = "a new signing secret must be shown to the caller; it is never shown again"]
pub struct WebhookSigningSecret(String);

impl WebhookSigningSecret {
    /// The secret of `key` (random bytes).
    pub fn of_key(key: &[u8]) -> Self {
        Self(format!("{WEBHOOK_SECRET_PREFIX}{}", STANDARD.encode(key)))
    }

    /// The secret as shown to the caller.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSigningSecret(<redacted>)")
    }
}

/// A webhook: an organisation's endpoint, the events it hears, and its signing keys
/// (sealed; the previous one signs too until its grace period ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its identifier.
    pub id: WebhookId,
    /// The organisation whose applications' events it hears.
    pub owner_org_id: OrgId,
    /// Where it delivers.
    pub url: WebhookUrl,
    /// The types it hears, sorted, each once; `None`: every type.
    pub events: Option<Vec<EventType>>,
    /// The current signing key, sealed.
    pub secret: Sealed,
    /// The previous signing key, sealed, and until when it signs too.
    pub previous_secret: Option<(Sealed, Timestamp)>,
    /// Who created it (the subject of their token).
    pub created_by: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Its version, raised by every change (compare-and-set).
    pub version: i64,
}

impl Webhook {
    /// Whether it hears events of type `event`.
    #[must_use]
    pub fn hears(&self, event: EventType) -> bool {
        self.events.as_ref().is_none_or(|e| e.contains(&event))
    }

    /// The context its signing keys are sealed under: a key sealed for one webhook cannot
    /// be opened as another's.
    #[must_use]
    pub fn seal_context(&self) -> String {
        seal_context(self.id)
    }
}

/// The context the signing keys of webhook `id` are sealed under.
#[must_use]
pub fn seal_context(id: WebhookId) -> String {
    format!("webhook-secret:{id}")
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not delivered yet: waiting for its first attempt or a retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: no 2xx within the retry window.
    Failed,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    /// The status's stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// The status with this stored name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One event's delivery to one webhook, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its identifier (the `webhook-id` sent is `msg_` followed by it).
    pub id: i64,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event's position in the change feed.
    pub position: i64,
    /// The event's type.
    pub event_type: EventType,
    /// The application's client id.
    pub client_id: ClientId,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// How many attempts were started.
    pub attempts: u32,
    /// The status code of the last answer, if there was one.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<Timestamp>,
    /// When the event was recorded.
    pub created_at: Timestamp,
    /// When the receiver acknowledged it.
    pub delivered_at: Option<Timestamp>,
}

/// The message id (`webhook-id`) of delivery `id`: the same on every attempt.
#[must_use]
pub fn message_id(delivery: i64) -> String {
    format!("msg_{delivery}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_have_their_names_and_follow_the_audit_actions() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("application.deleted"), None);
        assert_eq!(
            AuditAction::ALL.map(|a| EventType::of(a).as_str()),
            [
                "application.created",
                "application.updated",
                "application.disabled",
                "application.enabled",
                "secret.rotated",
                "secret.previous_revoked",
                "keys.rotated",
                "secret.expiring",
                "secret.leaked",
                "application.stale_warning",
            ]
        );
    }

    #[test]
    fn webhook_urls_are_https_without_credentials_or_fragment() {
        assert!(WebhookUrl::parse("https://hooks.example.com/oauth?x=1").is_ok());
        assert_eq!(
            WebhookUrl::parse("http://hooks.example.com/"),
            Err(Violation::Malformed {
                what: "https URL (webhooks are delivered over https only)"
            })
        );
        assert_eq!(
            WebhookUrl::parse("https://u:p@hooks.example.com/"),
            Err(Violation::UrlUserinfo)
        );
        assert_eq!(
            WebhookUrl::parse("https://hooks.example.com/#x"),
            Err(Violation::UrlFragment)
        );
        assert_eq!(WebhookUrl::parse("hooks"), Err(Violation::NotAbsoluteUrl));
        assert_eq!(WebhookUrl::parse(""), Err(Violation::Required));
        assert_eq!(
            WebhookUrl::parse("https://a.example/ b"),
            Err(Violation::UrlWhitespace)
        );
        let long = format!("https://a.example/{}", "x".repeat(MAX_WEBHOOK_URL_LEN));
        assert_eq!(
            WebhookUrl::parse(long),
            Err(Violation::TooLong {
                max: MAX_WEBHOOK_URL_LEN
            })
        );
    }

    /// What redirect URLs refuse is refused (backslashes, user information, control and
    /// invisible characters); what is accepted is kept in its normalised form.
    #[test]
    fn webhook_urls_refuse_confusable_input_and_are_kept_normalised() {
        for (input, expected) in [
            ("https://hooks.example\\@10.0.0.1/", Violation::UrlBackslash),
            ("https:\\\\hooks.example\\in", Violation::UrlBackslash),
            ("https://hooks.example/a\\b", Violation::UrlBackslash),
            ("https://u@hooks.example/", Violation::UrlUserinfo),
            ("https://hooks.example/\u{7f}", Violation::UrlWhitespace),
            ("https://hooks.example/\u{85}", Violation::UrlWhitespace),
            (
                "https://hooks.exa\u{200B}mple/",
                Violation::FormatCharacters,
            ),
            (
                "https://hooks.example/\u{202E}ni",
                Violation::FormatCharacters,
            ),
            ("https://hooks.ex\u{ad}ample/", Violation::FormatCharacters),
            (
                "\u{FEFF}https://hooks.example/",
                Violation::FormatCharacters,
            ),
        ] {
            assert_eq!(WebhookUrl::parse(input), Err(expected), "{input:?}");
        }
        for (input, normalised) in [
            ("https://hooks.example.com", "https://hooks.example.com/"),
            (
                "https://@hooks.example.com/in",
                "https://hooks.example.com/in",
            ),
            (
                "HTTPS://Hooks.Example.COM:443/in",
                "https://hooks.example.com/in",
            ),
            (
                "https://hooks.example.com/a/../in?x=é",
                "https://hooks.example.com/in?x=%C3%A9",
            ),
            (
                "https://bücher.example/in",
                "https://xn--bcher-kva.example/in",
            ),
            ("https://127.1/in", "https://127.0.0.1/in"),
            (
                "https://hooks.example.com:8443/in",
                "https://hooks.example.com:8443/in",
            ),
        ] {
            assert_eq!(
                WebhookUrl::parse(input).map(|u| u.as_str().to_owned()),
                Ok(normalised.to_owned()),
                "{input}"
            );
        }
        // Stored before these rules: read back as stored.
        for stored in [
            "https://hooks.example\\@10.0.0.1/",
            "https://hooks.example.com",
        ] {
            assert_eq!(WebhookUrl::restore(stored).unwrap().as_str(), stored);
        }
        assert_eq!(
            WebhookUrl::restore("http://hooks.example.com/"),
            WebhookUrl::parse("http://hooks.example.com/")
        );
    }

    #[test]
    fn ids_secrets_and_statuses() {
        let id = WebhookId::from_random_bytes([0xab; 16]);
        assert_eq!(WebhookId::parse(&id.to_string()), Ok(id));
        assert!(WebhookId::parse(&id.to_string().to_uppercase()).is_err());
        let secret = WebhookSigningSecret::of_key(&[0; WEBHOOK_SECRET_BYTES]);
        assert!(secret.expose().starts_with("whsec_AAAA"));
        assert_eq!(format!("{secret:?}"), "WebhookSigningSecret(<redacted>)");
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(message_id(7), "msg_7");
        assert_ne!(
            seal_context(id),
            seal_context(WebhookId::from_random_bytes([4; 16]))
        );
    }
}
