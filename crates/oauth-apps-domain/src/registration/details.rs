//! How an application came to be registered, and what its registration keeps.

use std::fmt;

use serde_json::{Map, Value};

use super::document_url::MetadataDocumentUrl;
use crate::events::change::ChangedField;
use crate::shared::digest::TokenDigest;
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// The prefix of every registration access token (RFC 7592 §3), so that secret scanners
/// can find one.
pub const REGISTRATION_ACCESS_TOKEN_PREFIX: &str = "oart_";

/// How an application was registered: by an operator through the API, by the client
/// itself (RFC 7591 dynamic registration), or from the Client ID Metadata Document its
/// client id names. Fixed at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Registration {
    /// Created through the management API (either surface).
    #[default]
    Manual,
    /// Registered by the client at `POST /register` (RFC 7591).
    Dynamic,
    /// Resolved from the client's metadata document
    /// (draft-ietf-oauth-client-id-metadata-document).
    MetadataDocument,
}

impl Registration {
    /// Every way, in declaration order.
    pub const ALL: [Self; 3] = [Self::Manual, Self::Dynamic, Self::MetadataDocument];

    /// The wire names, in declaration order.
    pub const NAMES: &'static [&'static str] = &["manual", "dynamic", "metadata_document"];

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Dynamic => "dynamic",
            Self::MetadataDocument => "metadata_document",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(Violation::NotOneOf {
                allowed: Self::NAMES,
            })
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The descriptive metadata a client registers about itself (RFC 7591 §2): pages to show
/// people, ways to reach its operators, and what software it is. Every value is checked:
/// URLs are absolute `https` URLs, texts are short and hold no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientMetadata(ClientMetadataRecord);

/// [`ClientMetadata`] as plain values, unchecked: what a request or a stored row holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientMetadataRecord {
    /// The client's home page.
    pub client_uri: Option<String>,
    /// The client's logo.
    pub logo_uri: Option<String>,
    /// The client's terms of service.
    pub tos_uri: Option<String>,
    /// The client's privacy policy.
    pub policy_uri: Option<String>,
    /// Ways to contact the people responsible for the client (e-mail addresses, say).
    pub contacts: Vec<String>,
    /// An identifier of the client's software, the same for every instance of it.
    pub software_id: Option<String>,
    /// The version of that software.
    pub software_version: Option<String>,
}

impl ClientMetadata {
    /// The most characters a URL may have.
    pub const MAX_URL_LEN: usize = 2000;
    /// The most characters a contact, a software id or a version may have.
    pub const MAX_TEXT_LEN: usize = 255;
    /// The most contacts.
    pub const MAX_CONTACTS: usize = 10;

    /// No metadata at all.
    pub const EMPTY: Self = Self(ClientMetadataRecord {
        client_uri: None,
        logo_uri: None,
        tos_uri: None,
        policy_uri: None,
        contacts: Vec::new(),
        software_id: None,
        software_version: None,
    });

    /// Checks every value.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every value that breaks a rule: a URL that is not an
    /// absolute `https` URL (or is longer than 2000 characters), a contact, software id or
    /// version that is empty, longer than 255 characters or holds control characters, more
    /// than 10 contacts.
    pub fn new(record: ClientMetadataRecord) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        for (field, value) in [
            (Field::ClientUri, &record.client_uri),
            (Field::LogoUri, &record.logo_uri),
            (Field::TosUri, &record.tos_uri),
            (Field::PolicyUri, &record.policy_uri),
        ] {
            if let Some(url) = value {
                c.check(field, web_url(url));
            }
        }
        if record.contacts.len() > Self::MAX_CONTACTS {
            c.check::<()>(
                Field::Contacts,
                Err(Violation::TooMany {
                    max: Self::MAX_CONTACTS,
                }),
            );
        }
        for (i, contact) in record.contacts.iter().enumerate() {
            if let Err(v) = short_text(contact) {
                c.push(FieldError::at(Field::Contacts, i, v));
            }
        }
        for (field, value) in [
            (Field::SoftwareId, &record.software_id),
            (Field::SoftwareVersion, &record.software_version),
        ] {
            if let Some(text) = value {
                c.check(field, short_text(text));
            }
        }
        c.finish(Self(record))
    }

    /// The fields whose values differ between `self` and `other`, in declaration order.
    #[must_use]
    pub fn changed_fields(&self, other: &Self) -> Vec<ChangedField> {
        let (a, b) = (&self.0, &other.0);
        [
            (ChangedField::ClientUri, a.client_uri != b.client_uri),
            (ChangedField::LogoUri, a.logo_uri != b.logo_uri),
            (ChangedField::TosUri, a.tos_uri != b.tos_uri),
            (ChangedField::PolicyUri, a.policy_uri != b.policy_uri),
            (ChangedField::Contacts, a.contacts != b.contacts),
            (ChangedField::SoftwareId, a.software_id != b.software_id),
            (
                ChangedField::SoftwareVersion,
                a.software_version != b.software_version,
            ),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect()
    }

    /// Whether it holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0 == ClientMetadataRecord::default()
    }

    /// Its values.
    #[must_use]
    pub const fn record(&self) -> &ClientMetadataRecord {
        &self.0
    }

    /// Its values as the members of a JSON object, named as RFC 7591 §2 names them; absent
    /// values (and an empty contact list) are left out.
    #[must_use]
    pub fn to_json(&self) -> Map<String, Value> {
        let r = &self.0;
        let mut map = Map::new();
        for (name, value) in [
            ("client_uri", &r.client_uri),
            ("logo_uri", &r.logo_uri),
            ("tos_uri", &r.tos_uri),
            ("policy_uri", &r.policy_uri),
            ("software_id", &r.software_id),
            ("software_version", &r.software_version),
        ] {
            if let Some(value) = value {
                map.insert(name.to_owned(), Value::String(value.clone()));
            }
        }
        if !r.contacts.is_empty() {
            map.insert(
                "contacts".to_owned(),
                Value::Array(r.contacts.iter().cloned().map(Value::String).collect()),
            );
        }
        map
    }

    /// [`ClientMetadata::to_json`] as JSON text, as storage keeps it.
    #[must_use]
    pub fn to_json_text(&self) -> String {
        Value::Object(self.to_json()).to_string()
    }

    /// The metadata of JSON text written by [`ClientMetadata::to_json_text`].
    ///
    /// # Errors
    /// [`ValidationErrors`] when the text is not a JSON object, or as
    /// [`ClientMetadata::from_json`].
    pub fn from_json_text(text: &str) -> Result<Self, ValidationErrors> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Self::from_json(&map),
            _ => Err(FieldError::new(
                Field::ClientUri,
                Violation::Malformed {
                    what: "client metadata (a JSON object)",
                },
            )
            .into()),
        }
    }

    /// The metadata of a JSON object written by [`ClientMetadata::to_json`] (members of
    /// other names are ignored).
    ///
    /// # Errors
    /// [`ValidationErrors`] when a member has the wrong JSON type or breaks a rule.
    pub fn from_json(map: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let mut text = |field: Field| -> Option<String> {
            match map.get(field.name()) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    c.push(FieldError::new(
                        field,
                        Violation::Malformed {
                            what: "string (a JSON string)",
                        },
                    ));
                    None
                }
            }
        };
        let mut record = ClientMetadataRecord {
            client_uri: text(Field::ClientUri),
            logo_uri: text(Field::LogoUri),
            tos_uri: text(Field::TosUri),
            policy_uri: text(Field::PolicyUri),
            contacts: Vec::new(),
            software_id: text(Field::SoftwareId),
            software_version: text(Field::SoftwareVersion),
        };
        match map.get("contacts") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                record.contacts = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
            }
            Some(_) => c.push(FieldError::new(
                Field::Contacts,
                Violation::Malformed {
                    what: "list of contacts (a JSON array of strings)",
                },
            )),
        }
        if !c.is_empty() {
            return Err(c.into_errors());
        }
        Self::new(record)
    }
}

/// An absolute `https` URL of at most [`ClientMetadata::MAX_URL_LEN`] characters, with no
/// white space, control characters or user information.
fn web_url(url: &str) -> Result<(), Violation> {
    if url.chars().count() > ClientMetadata::MAX_URL_LEN {
        return Err(Violation::TooLong {
            max: ClientMetadata::MAX_URL_LEN,
        });
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Violation::UrlWhitespace);
    }
    let parsed = url::Url::parse(url).map_err(|_| Violation::NotAbsoluteUrl)?;
    if parsed.scheme() != "https" || parsed.host_str().is_none_or(str::is_empty) {
        return Err(Violation::NotHttps);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Violation::UrlUserinfo);
    }
    Ok(())
}

/// Text of 1 to [`ClientMetadata::MAX_TEXT_LEN`] characters with no control characters.
fn short_text(text: &str) -> Result<(), Violation> {
    if text.trim().is_empty() {
        return Err(Violation::Required);
    }
    if text.chars().count() > ClientMetadata::MAX_TEXT_LEN {
        return Err(Violation::TooLong {
            max: ClientMetadata::MAX_TEXT_LEN,
        });
    }
    if text.chars().any(char::is_control) {
        return Err(Violation::ControlCharacters);
    }
    Ok(())
}

/// What a registration keeps beside the application: the client's descriptive metadata
/// and, for a client that registered itself (RFC 7591), the digest of the registration
/// access token with which it manages its registration (RFC 7592).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistrationDetails {
    /// What the client says about itself.
    pub metadata: ClientMetadata,
    /// What is kept of its registration access token; `None`: it has none.
    pub access_token: Option<TokenDigest>,
    /// The URL of the metadata document the client was resolved from (its client id in
    /// that protocol), for a [`Registration::MetadataDocument`] client.
    pub document: Option<MetadataDocumentUrl>,
}

impl RegistrationDetails {
    /// Nothing kept: an application made by hand.
    pub const NONE: Self = Self {
        metadata: ClientMetadata::EMPTY,
        access_token: None,
        document: None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for r in Registration::ALL {
            assert_eq!(Registration::parse(r.as_str()), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
        }
        assert_eq!(Registration::default(), Registration::Manual);
        assert!(matches!(
            Registration::parse("Manual"),
            Err(Violation::NotOneOf { .. })
        ));
        assert!(Registration::parse("").is_err());
    }

    fn metadata(
        f: impl FnOnce(&mut ClientMetadataRecord),
    ) -> Result<ClientMetadata, ValidationErrors> {
        let mut record = ClientMetadataRecord::default();
        f(&mut record);
        ClientMetadata::new(record)
    }

    #[test]
    fn client_metadata_keeps_https_pages_and_short_texts() {
        let ok = metadata(|r| {
            r.client_uri = Some("https://app.example.com/".into());
            r.logo_uri = Some("https://cdn.example.com/logo.png".into());
            r.contacts = vec!["ops@example.com".into()];
            r.software_id = Some("4NRB1-0XZABZI9E6-5SM3R".into());
            r.software_version = Some("2.1".into());
        })
        .unwrap();
        assert!(!ok.is_empty());
        let json = ok.to_json();
        assert_eq!(json["contacts"], serde_json::json!(["ops@example.com"]));
        assert!(!json.contains_key("tos_uri"));
        assert_eq!(ClientMetadata::from_json(&json).unwrap(), ok);
        assert!(ClientMetadata::default().is_empty());
        assert!(ClientMetadata::default().to_json().is_empty());
    }

    #[test]
    fn client_metadata_names_every_broken_value() {
        let errors = metadata(|r| {
            r.client_uri = Some("http://app.example.com/".into());
            r.logo_uri = Some("logo.png".into());
            r.tos_uri = Some("https://user:pw@example.com/tos".into());
            r.policy_uri = Some(format!("https://example.com/{}", "a".repeat(2000)));
            r.contacts = vec!["ok@example.com".into(), "bad\u{7}".into(), " ".into()];
            r.software_id = Some("x".repeat(256));
            r.software_version = Some(String::new());
        })
        .unwrap_err();
        let found: Vec<(Field, Option<usize>)> =
            errors.errors().iter().map(|e| (e.field, e.index)).collect();
        assert_eq!(
            found,
            vec![
                (Field::ClientUri, None),
                (Field::LogoUri, None),
                (Field::TosUri, None),
                (Field::PolicyUri, None),
                (Field::Contacts, Some(1)),
                (Field::Contacts, Some(2)),
                (Field::SoftwareId, None),
                (Field::SoftwareVersion, None),
            ],
            "{errors}"
        );
        let too_many = metadata(|r| r.contacts = vec!["a@example.com".into(); 11]).unwrap_err();
        assert!(too_many.concerns(Field::Contacts));
        let wrong_type = ClientMetadata::from_json(
            serde_json::json!({"client_uri": 1, "contacts": "ops@example.com"})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert!(wrong_type.concerns(Field::ClientUri) && wrong_type.concerns(Field::Contacts));
    }
}
