//! The URL that is a client's id when the client publishes a Client ID Metadata Document
//! (draft-ietf-oauth-client-id-metadata-document-03; -02 §3), and the client id the registry
//! derives from it.

use std::fmt;

use sha2::{Digest as _, Sha256};
use url::Url;

use crate::shared::ids::ClientId;

/// What the derived client id's hash starts with, so that it cannot collide with a hash of
/// the same URL made for another purpose.
const CLIENT_ID_DOMAIN: &[u8] = b"oauth-apps client-id-metadata-document\0";

/// The URL of a client's metadata document: the `client_id` the client presents
/// (draft-ietf-oauth-client-id-metadata-document-03; -02 §3).
///
/// It is kept exactly as given (an upper-case `HTTPS` scheme or host included): the
/// document's own `client_id` must equal it by simple string comparison (-02 §3: no default
/// port normalisation; -03: the client normalises its URL, the server never does), so no
/// normalisation is applied. [`MetadataDocumentUrl::host`] is the host as `url::Url`
/// parses it, the one a fetch connects to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetadataDocumentUrl {
    /// The URL as given.
    url: String,
    /// Its host as parsed: lower case, without port.
    host: String,
}

/// Why a string is not a metadata document URL. Each message is a predicate about the URL
/// ("must ..."), to follow the URL or the name of the field that held it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentUrlRefusal {
    /// Longer than [`MetadataDocumentUrl::MAX_LEN`] characters.
    #[error("must be at most {max} characters long (it has {length})")]
    TooLong {
        /// The number of characters it has.
        length: usize,
        /// The most allowed.
        max: usize,
    },
    /// White space, a control character or a backslash somewhere in it.
    #[error("must not contain white space, control characters or backslashes (\\)")]
    BadCharacters,
    /// Not an `https` URL (it must start with `https://`).
    #[error("must use the https scheme (start with https://)")]
    NotHttps,
    /// A `#` somewhere in it.
    #[error("must not contain a fragment (#)")]
    Fragment,
    /// A user name or password (`user:password@`) before the host.
    #[error("must not contain a user name or password (user:password@)")]
    Credentials,
    /// Not a URL a parser accepts, or without a host.
    #[error("must be a valid URL with a host: {0}")]
    Malformed(url::ParseError),
    /// No path, or the path `/` alone.
    #[error(
        "must contain a path component other than / (such as \
         https://app.example.com/client.json)"
    )]
    NoPath,
    /// A `.` or `..` path segment, percent-encoded or not.
    #[error("must not contain . or .. path segments (percent-encoded or not): {segment:?}")]
    DotSegment {
        /// The segment as written.
        segment: String,
    },
}

impl DocumentUrlRefusal {
    /// A short stable name of the rule broken, for logs and metrics: `too_long`,
    /// `bad_characters`, `not_https`, `fragment`, `credentials`, `malformed`, `no_path` or
    /// `dot_segment`.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "too_long",
            Self::BadCharacters => "bad_characters",
            Self::NotHttps => "not_https",
            Self::Fragment => "fragment",
            Self::Credentials => "credentials",
            Self::Malformed(_) => "malformed",
            Self::NoPath => "no_path",
            Self::DotSegment { .. } => "dot_segment",
        }
    }
}

/// A `client_id` as a client presents it, by its kind: one this registry issued, or the
/// URL of the client's metadata document (draft-ietf-oauth-client-id-metadata-document-03;
/// -02 §3). What kind a presented id is, is decided here only: the ids this registry issues
/// are UUIDs and never begin with `https://` (-02 §7.1), so the two kinds cannot meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientIdKind {
    /// A client id this registry issued (a UUID v4).
    Registered(ClientId),
    /// The URL of the client's metadata document.
    Document(MetadataDocumentUrl),
}

/// Why a presented `client_id` is of neither kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdKindError {
    /// Neither a client id this registry issues nor a URL.
    #[error("is neither a client id this registry issued nor a URL")]
    Unknown,
    /// A URL (it starts with a scheme), but not one a metadata document may have.
    #[error("{0}")]
    Document(DocumentUrlRefusal),
}

impl ClientIdKind {
    /// The kind of `s`: [`ClientIdKind::Registered`] when it is a client id this registry
    /// issues ([`ClientId::parse`]); else, when it starts with a URI scheme (RFC 3986
    /// §3.1: a letter, then letters, digits, `+`, `-` or `.`, then `:`), a metadata
    /// document URL ([`MetadataDocumentUrl::parse`]).
    ///
    /// # Errors
    /// [`ClientIdKindError::Document`] naming the rule a URL breaks;
    /// [`ClientIdKindError::Unknown`] for anything else.
    pub fn parse(s: &str) -> Result<Self, ClientIdKindError> {
        if let Ok(id) = ClientId::parse(s) {
            return Ok(Self::Registered(id));
        }
        if !has_scheme(s) {
            return Err(ClientIdKindError::Unknown);
        }
        MetadataDocumentUrl::parse(s)
            .map(Self::Document)
            .map_err(ClientIdKindError::Document)
    }
}

/// Whether `s` starts with a URI scheme and its `:` (RFC 3986 §3.1).
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

impl MetadataDocumentUrl {
    /// The most characters a metadata document URL may have.
    pub const MAX_LEN: usize = 2048;

    /// Checks `s` against the rules of a client id URL (§3): at most
    /// [`MAX_LEN`](Self::MAX_LEN) characters without white space, control characters or
    /// backslashes; the `https` scheme (compared without regard to case); a host and no
    /// user name or password; no fragment; a path with at least one non-empty segment and
    /// no `.` or `..` segment, percent-encoded or not. A query and a port are allowed.
    ///
    /// The path is checked as written: a URL parser removes dot segments, so the parsed
    /// URL cannot tell whether there were any.
    ///
    /// # Errors
    /// The first rule broken, as a [`DocumentUrlRefusal`].
    pub fn parse(s: &str) -> Result<Self, DocumentUrlRefusal> {
        let length = s.chars().count();
        if length > Self::MAX_LEN {
            return Err(DocumentUrlRefusal::TooLong {
                length,
                max: Self::MAX_LEN,
            });
        }
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(DocumentUrlRefusal::BadCharacters);
        }
        let rest = s
            .get(..HTTPS_PREFIX.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(HTTPS_PREFIX))
            .and_then(|_| s.get(HTTPS_PREFIX.len()..))
            .ok_or(DocumentUrlRefusal::NotHttps)?;
        if s.contains('#') {
            return Err(DocumentUrlRefusal::Fragment);
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.is_empty() {
            // `https:///x`: a parser would take `x` for the host.
            return Err(DocumentUrlRefusal::Malformed(url::ParseError::EmptyHost));
        }
        if authority.contains('@') {
            return Err(DocumentUrlRefusal::Credentials);
        }
        let path = path_and_query
            .split_once('?')
            .map_or(path_and_query, |(path, _)| path);
        if let Some(segment) = path.split('/').find(|segment| is_dot_segment(segment)) {
            return Err(DocumentUrlRefusal::DotSegment {
                segment: segment.to_owned(),
            });
        }
        if path.split('/').all(str::is_empty) {
            return Err(DocumentUrlRefusal::NoPath);
        }
        let parsed = Url::parse(s).map_err(DocumentUrlRefusal::Malformed)?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(DocumentUrlRefusal::Credentials);
        }
        let host = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or(DocumentUrlRefusal::Malformed(url::ParseError::EmptyHost))?;
        Ok(Self {
            url: s.to_owned(),
            host: host.to_owned(),
        })
    }

    /// The URL exactly as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host as `url::Url` parses it, without the port: a domain in lower-case ASCII
    /// (an internationalised one in its `xn--` form), an IPv4 address in dotted decimal,
    /// or an IPv6 address in brackets (`[::1]`).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The client id this registry gives the application resolved from this document: a
    /// version 4 UUID made of the first 16 bytes of the SHA-256 of
    /// `"oauth-apps client-id-metadata-document\0"` followed by the URL as given.
    ///
    /// Deterministic, so that a document URL has one registry row: two resolutions of the
    /// same URL at once both try to store the same client id, and the store's uniqueness
    /// of client ids refuses the second. URLs that differ in any character (case
    /// included) are different documents and get different ids.
    #[must_use]
    pub fn client_id(&self) -> ClientId {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(CLIENT_ID_DOMAIN)
            .chain_update(self.url.as_bytes())
            .finalize()
            .into();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        ClientId::from_random_bytes(bytes)
    }
}

impl fmt::Display for MetadataDocumentUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl AsRef<str> for MetadataDocumentUrl {
    fn as_ref(&self) -> &str {
        &self.url
    }
}

const HTTPS_PREFIX: &str = "https://";

/// Whether a path segment as written is `.` or `..`, with any of its dots written `%2e`
/// or `%2E`.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment;
    let mut dots = 0;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else if rest
            .get(..3)
            .is_some_and(|code| code.eq_ignore_ascii_case("%2e"))
        {
            rest = rest.get(3..).unwrap_or_default();
        } else {
            return false;
        }
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn url(s: &str) -> MetadataDocumentUrl {
        MetadataDocumentUrl::parse(s).unwrap()
    }

    fn refusal(s: &str) -> &'static str {
        MetadataDocumentUrl::parse(s).unwrap_err().rule()
    }

    #[test]
    fn a_document_url_is_kept_as_given() {
        for ok in [
            "https://app.example.com/client.json",
            "https://app.example.com/a/b/c",
            "https://app.example.com:8443/client",
            "https://app.example.com/client?version=2",
            "https://app.example.com/...",
            "https://app.example.com/.well-known/client",
            "https://app.example.com/a./b..",
            "https://127.0.0.1/client",
            "https://[::1]:8443/client",
        ] {
            let parsed = url(ok);
            assert_eq!(parsed.as_str(), ok);
            assert_eq!(parsed.to_string(), ok);
            assert_eq!(parsed.as_ref(), ok);
        }
        let upper = url("HTTPS://Example.com/a");
        assert_eq!(upper.as_str(), "HTTPS://Example.com/a");
        assert_eq!(upper.host(), "example.com");
        assert_eq!(
            url("https://A.Example.com:8443/x?y").host(),
            "a.example.com"
        );
        assert_eq!(url("https://127.0.0.1/x").host(), "127.0.0.1");
        assert_eq!(url("https://[::1]:8443/x").host(), "[::1]");
        assert_eq!(
            url("https://bücher.example/x").host(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn a_document_url_must_be_https() {
        for bad in [
            "http://app.example.com/client",
            "ftp://app.example.com/client",
            "https:/app.example.com/client",
            "https:app.example.com/client",
            "app.example.com/client",
            "",
            "httpsé://x/y",
        ] {
            assert_eq!(refusal(bad), "not_https", "{bad:?}");
        }
        assert_eq!(
            MetadataDocumentUrl::parse("http://a.example/x")
                .unwrap_err()
                .to_string(),
            "must use the https scheme (start with https://)"
        );
    }

    #[test]
    fn a_document_url_must_have_a_path() {
        for bad in [
            "https://app.example.com",
            "https://app.example.com/",
            "https://app.example.com//",
            "https://app.example.com?x=1",
            "https://app.example.com/?x=1",
            "https://app.example.com:8443",
        ] {
            assert_eq!(refusal(bad), "no_path", "{bad:?}");
        }
    }

    #[test]
    fn a_document_url_has_no_dot_segments_however_written() {
        for bad in [
            "https://app.example.com/./client",
            "https://app.example.com/a/../client",
            "https://app.example.com/client/.",
            "https://app.example.com/client/..",
            "https://app.example.com/a/%2e%2e/client",
            "https://app.example.com/a/%2E%2E/client",
            "https://app.example.com/a/.%2e/client",
            "https://app.example.com/a/%2E./client",
            "https://app.example.com/%2e/client",
            "https://app.example.com/a/..?x",
        ] {
            assert_eq!(refusal(bad), "dot_segment", "{bad:?}");
        }
        assert_eq!(
            MetadataDocumentUrl::parse("https://a.example/x/%2e%2e/y")
                .unwrap_err()
                .to_string(),
            "must not contain . or .. path segments (percent-encoded or not): \"%2e%2e\""
        );
        // Dots in the query are not path segments.
        assert!(MetadataDocumentUrl::parse("https://app.example.com/client?a=/../").is_ok());
        assert!(MetadataDocumentUrl::parse("https://app.example.com/%2e%2e%2e").is_ok());
        assert!(MetadataDocumentUrl::parse("https://app.example.com/%2ex").is_ok());
    }

    #[test]
    fn a_document_url_has_no_credentials_fragment_or_odd_characters() {
        for (bad, rule) in [
            ("https://user@app.example.com/x", "credentials"),
            ("https://user:pw@app.example.com/x", "credentials"),
            ("https://:pw@app.example.com/x", "credentials"),
            ("https://@app.example.com/x", "credentials"),
            ("https://app.example.com/x#frag", "fragment"),
            ("https://app.example.com/x#", "fragment"),
            ("https://app.example.com/a b", "bad_characters"),
            ("https://app.example.com/a\tb", "bad_characters"),
            ("https://app.example.com/a\nb", "bad_characters"),
            ("https://app.example.com/a\u{7f}", "bad_characters"),
            ("https://app.example.com\\@evil.example/x", "bad_characters"),
            ("https://app.example.com/a\\b", "bad_characters"),
            (" https://app.example.com/x", "bad_characters"),
            ("https:///x", "malformed"),
            ("https://:443/x", "malformed"),
            ("https://exa mple.com/x", "bad_characters"),
            ("https://a<b.example/x", "malformed"),
            ("https://app.example.com:99999/x", "malformed"),
        ] {
            assert_eq!(refusal(bad), rule, "{bad:?}");
        }
        // An `@` in the path or query is not in the authority.
        assert!(MetadataDocumentUrl::parse("https://app.example.com/@x?y@z").is_ok());
    }

    #[test]
    fn a_document_url_is_at_most_2048_characters() {
        let base = "https://app.example.com/";
        let longest = format!("{base}{}", "a".repeat(2048 - base.len()));
        assert!(MetadataDocumentUrl::parse(&longest).is_ok());
        let over = format!("{longest}a");
        assert_eq!(
            MetadataDocumentUrl::parse(&over),
            Err(DocumentUrlRefusal::TooLong {
                length: 2049,
                max: 2048
            })
        );
        assert_eq!(refusal(&over), "too_long");
    }

    #[test]
    fn every_url_refusal_has_a_rule_name() {
        let all = [
            DocumentUrlRefusal::TooLong { length: 1, max: 0 },
            DocumentUrlRefusal::BadCharacters,
            DocumentUrlRefusal::NotHttps,
            DocumentUrlRefusal::Fragment,
            DocumentUrlRefusal::Credentials,
            DocumentUrlRefusal::Malformed(url::ParseError::EmptyHost),
            DocumentUrlRefusal::NoPath,
            DocumentUrlRefusal::DotSegment {
                segment: "..".into(),
            },
        ];
        let names: Vec<&str> = all.iter().map(DocumentUrlRefusal::rule).collect();
        assert_eq!(
            names,
            [
                "too_long",
                "bad_characters",
                "not_https",
                "fragment",
                "credentials",
                "malformed",
                "no_path",
                "dot_segment"
            ]
        );
        for refusal in &all {
            assert!(refusal.to_string().starts_with("must "), "{refusal}");
        }
    }

    #[test]
    fn the_derived_client_id_is_a_deterministic_v4_uuid_per_url() {
        let a = url("https://app.example.com/client.json");
        let id = a.client_id();
        assert_eq!(id, url("https://app.example.com/client.json").client_id());
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_eq!(ClientId::parse(&id.to_string()), Ok(id));
        assert_ne!(id, url("https://app.example.com/client2.json").client_id());
        assert_ne!(id, url("HTTPS://app.example.com/client.json").client_id());
        // No normalisation (-02 §3, -03): the default port written out is another client.
        assert_ne!(
            id,
            url("https://app.example.com:443/client.json").client_id()
        );
        // The domain-separated hash, as computed independently.
        let digest = Sha256::digest(
            [
                &b"oauth-apps client-id-metadata-document\0"[..],
                b"https://app.example.com/client.json",
            ]
            .concat(),
        );
        assert_eq!(
            id,
            ClientId::from_random_bytes(digest[..16].try_into().unwrap())
        );
    }

    #[test]
    fn a_presented_client_id_has_one_kind() {
        let id = ClientId::from_random_bytes([0xab; 16]);
        assert_eq!(
            ClientIdKind::parse(&id.to_string()),
            Ok(ClientIdKind::Registered(id))
        );
        assert_eq!(
            ClientIdKind::parse("https://app.example.com/client.json"),
            Ok(ClientIdKind::Document(url(
                "https://app.example.com/client.json"
            )))
        );
        // A URL of another scheme, or breaking a rule, is still taken for a document URL.
        for (s, rule) in [
            ("http://app.example.com/client.json", "not_https"),
            ("urn:example:client", "not_https"),
            ("https://app.example.com/", "no_path"),
            ("HTTPS://app.example.com/a b", "bad_characters"),
        ] {
            assert!(
                matches!(ClientIdKind::parse(s), Err(ClientIdKindError::Document(r)) if r.rule() == rule),
                "{s}"
            );
        }
        // Neither a client id nor a URL.
        for s in [
            "",
            "client-1",
            &id.to_string().to_uppercase(),
            "1:x",
            ":x",
            "a b:c",
        ] {
            assert_eq!(
                ClientIdKind::parse(s),
                Err(ClientIdKindError::Unknown),
                "{s}"
            );
        }
    }
}
