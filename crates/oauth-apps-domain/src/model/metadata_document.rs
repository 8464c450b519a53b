//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-02): the
//! URL that is a client's id (§3), which organisation a document's host belongs to (the
//! `OAUTH_APPS_CIMD_ALLOWED_HOSTS` setting), and the rules a document itself must satisfy
//! (§4, §4.1, §4.2, §8.7 and the Model Context Protocol, revision 2025-11-25).
//!
//! Pure rules: fetching the document is the caller's business.

use std::fmt;

use sha2::{Digest as _, Sha256};
use url::Url;

use crate::shared::ids::{ClientId, OrgId};
use crate::validation::Violation;

/// The largest metadata document accepted, in bytes (5 KiB, the size the draft suggests a
/// server may limit documents to).
pub const MAX_METADATA_DOCUMENT_BYTES: usize = 5 * 1024;

/// What the derived client id's hash starts with, so that it cannot collide with a hash of
/// the same URL made for another purpose.
const CLIENT_ID_DOMAIN: &[u8] = b"oauth-apps client-id-metadata-document\0";

/// The URL of a client's metadata document: the `client_id` the client presents
/// (draft-ietf-oauth-client-id-metadata-document-02 §3).
///
/// It is kept exactly as given (an upper-case `HTTPS` scheme or host included): the
/// document's own `client_id` must equal it by simple string comparison, so no
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

/// Which organisation owns the applications resolved from documents on which hosts: the
/// setting `OAUTH_APPS_CIMD_ALLOWED_HOSTS`. A document on a host no pattern matches is not
/// resolved.
///
/// Written as comma-separated entries `pattern=org`, white space around entries and their
/// parts ignored, empty entries skipped (so an empty setting is an empty list):
///
/// - an exact host: a host name (`client.example.com`, `localhost`), an IPv4 address in
///   dotted decimal (`127.0.0.1`) or an IPv6 address in brackets (`[::1]`);
/// - `*.` followed by a host name: every subdomain of that name at any depth
///   (`*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`
///   itself and not `badexample.com`).
///
/// Hosts are compared without regard to ASCII case; patterns are written in canonical form
/// (an internationalised name in its `xn--` form). A host written with a final dot
/// (`example.com.`) matches only a pattern written with one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPatterns(Vec<(HostPattern, OrgId)>);

/// One pattern, lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// This host only.
    Exact(String),
    /// Any host ending in this suffix, which starts with a dot, after at least one
    /// character.
    Subdomains(String),
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(exact) => exact.eq_ignore_ascii_case(host),
            Self::Subdomains(suffix) => {
                host.len() > suffix.len()
                    && host
                        .get(host.len() - suffix.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
            }
        }
    }
}

/// Why an entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPatternEntryError {
    /// No `=`.
    #[error("write the entry as pattern=org (such as *.example.com=acme)")]
    MissingOrg,
    /// Nothing before the `=`.
    #[error("the host pattern is empty")]
    EmptyPattern,
    /// A `*` other than a leading `*.` (a bare `*`, `a.*.com`, `*example.com`, ...).
    #[error(
        "a wildcard is only allowed as a leading \"*.\" followed by a host name \
         (such as *.example.com)"
    )]
    Wildcard,
    /// `*.` followed by an IP address.
    #[error("\"*.\" must be followed by a host name, not an IP address")]
    WildcardAddress,
    /// Not a host name nor an IP address.
    #[error("not a host name or IP address: {0}")]
    Host(url::ParseError),
    /// A host not written in its canonical form.
    #[error(
        "write the host in canonical form (ASCII, IP addresses as 127.0.0.1 or [::1]): \
         {canonical}"
    )]
    NotCanonical {
        /// The host in canonical form.
        canonical: String,
    },
    /// The organisation is not a valid organisation id.
    #[error("the organisation id {org:?} {violation}")]
    Org {
        /// The organisation as written.
        org: String,
        /// The rule it breaks.
        violation: Violation,
    },
}

/// An entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {reason}")]
pub struct BadHostPattern {
    /// The entry as written (without the white space around it).
    pub entry: String,
    /// Why it cannot be read.
    pub reason: HostPatternEntryError,
}

/// Every entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` that cannot be read, in setting order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct HostPatternsError(pub Vec<BadHostPattern>);

impl fmt::Display for HostPatternsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, bad) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{bad}")?;
        }
        Ok(())
    }
}

/// A host written in canonical form, lower-cased first.
fn canonical_host(written: &str) -> Result<url::Host<String>, HostPatternEntryError> {
    let host = url::Host::parse(written).map_err(HostPatternEntryError::Host)?;
    let canonical = host.to_string();
    if canonical.is_empty() {
        Err(HostPatternEntryError::Host(url::ParseError::EmptyHost))
    } else if canonical == written {
        Ok(host)
    } else {
        Err(HostPatternEntryError::NotCanonical { canonical })
    }
}

fn parse_pattern_entry(entry: &str) -> Result<(HostPattern, OrgId), HostPatternEntryError> {
    let (pattern, org) = entry
        .split_once('=')
        .ok_or(HostPatternEntryError::MissingOrg)?;
    let pattern = pattern.trim().to_ascii_lowercase();
    let org = org.trim();
    if pattern.is_empty() {
        return Err(HostPatternEntryError::EmptyPattern);
    }
    let pattern = if let Some(name) = pattern.strip_prefix("*.") {
        if name.contains('*') {
            return Err(HostPatternEntryError::Wildcard);
        }
        match canonical_host(name)? {
            url::Host::Domain(_) => HostPattern::Subdomains(format!(".{name}")),
            url::Host::Ipv4(_) | url::Host::Ipv6(_) => {
                return Err(HostPatternEntryError::WildcardAddress);
            }
        }
    } else if pattern.contains('*') {
        return Err(HostPatternEntryError::Wildcard);
    } else {
        canonical_host(&pattern)?;
        HostPattern::Exact(pattern)
    };
    let org = OrgId::parse(org).map_err(|violation| HostPatternEntryError::Org {
        org: org.to_owned(),
        violation,
    })?;
    Ok((pattern, org))
}

impl HostPatterns {
    /// Reads the setting's value (see the type's documentation).
    ///
    /// # Errors
    /// [`HostPatternsError`] naming every entry that cannot be read, and why.
    pub fn parse(setting: &str) -> Result<Self, HostPatternsError> {
        let mut patterns = Vec::new();
        let mut bad = Vec::new();
        for entry in setting.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match parse_pattern_entry(entry) {
                Ok(pattern) => patterns.push(pattern),
                Err(reason) => bad.push(BadHostPattern {
                    entry: entry.to_owned(),
                    reason,
                }),
            }
        }
        if bad.is_empty() {
            Ok(Self(patterns))
        } else {
            Err(HostPatternsError(bad))
        }
    }

    /// The organisation that owns documents on `host` (a [`MetadataDocumentUrl::host`]):
    /// that of the first entry, in setting order, whose pattern matches; `None` when none
    /// does. So write a specific host before a wildcard that also covers it.
    #[must_use]
    pub fn owner_of(&self, host: &str) -> Option<&OrgId> {
        self.0
            .iter()
            .find(|(pattern, _)| pattern.matches(host))
            .map(|(_, org)| org)
    }

    /// Whether there is no entry (then no document is resolved).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A client's metadata document that satisfies the rules of the document itself (§4,
/// §4.1, §4.2, §8.7 and the Model Context Protocol): its client metadata, for the same RFC 7591
/// mapping as dynamic registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataDocument {
    /// The document's members but `client_id`, with `token_endpoint_auth_method` always
    /// present.
    metadata: serde_json::Map<String, serde_json::Value>,
}

/// Why a metadata document is refused. Each message is a sentence that names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentRefusal {
    /// Larger than [`MAX_METADATA_DOCUMENT_BYTES`].
    #[error("the document is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The most allowed.
        limit: usize,
    },
    /// Not JSON, or JSON but not an object.
    #[error("the document must be a JSON object; it is {found}")]
    NotJsonObject {
        /// What it is instead: `not valid JSON (...)`, `an array`, `a string`, ...
        found: String,
    },
    /// No `client_id` member.
    #[error("the document must contain client_id, equal to its URL {url:?}")]
    ClientIdMissing {
        /// The document's URL.
        url: String,
    },
    /// A `client_id` that is not a string.
    #[error("the document's client_id must be a string, equal to its URL {url:?}")]
    ClientIdNotString {
        /// The document's URL.
        url: String,
    },
    /// A `client_id` other than the document's URL.
    #[error(
        "the document's client_id {client_id:?} differs from its URL {url:?} (they must be equal)"
    )]
    ClientIdMismatch {
        /// The document's `client_id`.
        client_id: String,
        /// The document's URL.
        url: String,
    },
    /// A `client_secret` member, whatever its value.
    #[error("the document must not contain client_secret")]
    ClientSecretPresent,
    /// A `client_secret_expires_at` member, whatever its value.
    #[error("the document must not contain client_secret_expires_at")]
    ClientSecretExpiresAtPresent,
    /// A `token_endpoint_auth_method` other than `none` and `private_key_jwt`.
    #[error(
        "the document's token_endpoint_auth_method {method} is not allowed: a metadata \
         document may only use \"none\" or \"private_key_jwt\" (shared-secret methods are \
         not allowed in a metadata document)"
    )]
    SharedSecretMethod {
        /// The member's value, as JSON (a string in quotes).
        method: String,
    },
    /// `private_key_jwt` without `jwks` nor `jwks_uri`.
    #[error(
        "the document's token_endpoint_auth_method \"private_key_jwt\" needs the client's \
         public keys: give jwks or jwks_uri"
    )]
    KeysRequired,
    /// Both `jwks` and `jwks_uri`.
    #[error("the document must give either jwks or jwks_uri, not both")]
    KeysConflict,
    /// Grant types that redirect (`authorization_code`, the default) without
    /// `redirect_uris`, or with one that is not a non-empty array of strings.
    #[error(
        "the document must contain redirect_uris, a non-empty array of strings, for its \
         grant types that redirect (authorization_code, the default when grant_types is left \
         out)"
    )]
    RedirectUrisRequired,
}

impl DocumentRefusal {
    /// A short stable name of the rule broken, for logs and metrics: `too_large`,
    /// `not_json_object`, `client_id_missing`, `client_id_not_string`,
    /// `client_id_mismatch`, `client_secret_present`, `client_secret_expires_at_present`,
    /// `shared_secret_method`, `keys_required`, `keys_conflict` or
    /// `redirect_uris_required`.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::NotJsonObject { .. } => "not_json_object",
            Self::ClientIdMissing { .. } => "client_id_missing",
            Self::ClientIdNotString { .. } => "client_id_not_string",
            Self::ClientIdMismatch { .. } => "client_id_mismatch",
            Self::ClientSecretPresent => "client_secret_present",
            Self::ClientSecretExpiresAtPresent => "client_secret_expires_at_present",
            Self::SharedSecretMethod { .. } => "shared_secret_method",
            Self::KeysRequired => "keys_required",
            Self::KeysConflict => "keys_conflict",
            Self::RedirectUrisRequired => "redirect_uris_required",
        }
    }
}

/// What a JSON value is, for a message.
fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl MetadataDocument {
    /// Checks the document `body` fetched from `url`, in this order: at most
    /// [`MAX_METADATA_DOCUMENT_BYTES`] bytes; a JSON object; a `client_id` string equal to
    /// `url` by simple string comparison; no `client_secret` nor
    /// `client_secret_expires_at` member (whatever the value, `null` included); a
    /// `token_endpoint_auth_method` of `none` (the default when absent) or
    /// `private_key_jwt`, the latter with `jwks` or `jwks_uri`; not both `jwks` and
    /// `jwks_uri`; `redirect_uris` a non-empty array of strings when the grant types
    /// redirect (`authorization_code`, the default when `grant_types` is left out): a
    /// document for grants that use no redirect URL (`client_credentials`) needs none
    /// (-02 §4.2).
    ///
    /// A `jwks` or `jwks_uri` member whose value is `null` counts as absent, as in the RFC
    /// 7591 mapping. The redirect URLs themselves are not checked here: the mapping holds
    /// them to the registry's redirect rules.
    ///
    /// # Errors
    /// The first rule broken, as a [`DocumentRefusal`].
    pub fn parse(url: &MetadataDocumentUrl, body: &[u8]) -> Result<Self, DocumentRefusal> {
        if body.len() > MAX_METADATA_DOCUMENT_BYTES {
            return Err(DocumentRefusal::TooLarge {
                size: body.len(),
                limit: MAX_METADATA_DOCUMENT_BYTES,
            });
        }
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| DocumentRefusal::NotJsonObject {
                found: format!("not valid JSON ({e})"),
            })?;
        let serde_json::Value::Object(mut metadata) = value else {
            return Err(DocumentRefusal::NotJsonObject {
                found: kind_of(&value).to_owned(),
            });
        };
        match metadata.remove("client_id") {
            None => {
                return Err(DocumentRefusal::ClientIdMissing {
                    url: url.as_str().to_owned(),
                });
            }
            Some(serde_json::Value::String(client_id)) => {
                if client_id != url.as_str() {
                    return Err(DocumentRefusal::ClientIdMismatch {
                        client_id,
                        url: url.as_str().to_owned(),
                    });
                }
            }
            Some(_) => {
                return Err(DocumentRefusal::ClientIdNotString {
                    url: url.as_str().to_owned(),
                });
            }
        }
        if metadata.contains_key("client_secret") {
            return Err(DocumentRefusal::ClientSecretPresent);
        }
        if metadata.contains_key("client_secret_expires_at") {
            return Err(DocumentRefusal::ClientSecretExpiresAtPresent);
        }
        let private_key_jwt = match metadata.get("token_endpoint_auth_method") {
            None => false,
            Some(serde_json::Value::String(method)) if method == "none" => false,
            Some(serde_json::Value::String(method)) if method == "private_key_jwt" => true,
            Some(other) => {
                return Err(DocumentRefusal::SharedSecretMethod {
                    method: other.to_string(),
                });
            }
        };
        let given = |name: &str| metadata.get(name).is_some_and(|v| !v.is_null());
        match (given("jwks"), given("jwks_uri")) {
            (true, true) => return Err(DocumentRefusal::KeysConflict),
            (false, false) if private_key_jwt => return Err(DocumentRefusal::KeysRequired),
            _ => {}
        }
        // -02 §4.2: redirect URLs are registered for the grants that redirect; a document
        // whose grants use none (client_credentials, say) needs none.
        let redirects = match metadata.get("grant_types") {
            Some(serde_json::Value::Array(grants)) => grants
                .iter()
                .any(|g| g.as_str() == Some("authorization_code")),
            // Left out, the RFC 7591 default (authorization_code); any other value is the
            // mapping's to refuse.
            _ => true,
        };
        let redirect_uris_ok = metadata
            .get("redirect_uris")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|uris| !uris.is_empty() && uris.iter().all(serde_json::Value::is_string));
        if redirects && !redirect_uris_ok {
            return Err(DocumentRefusal::RedirectUrisRequired);
        }
        if !private_key_jwt {
            metadata.insert(
                "token_endpoint_auth_method".to_owned(),
                serde_json::Value::String("none".to_owned()),
            );
        }
        Ok(Self { metadata })
    }

    /// The client metadata: every member of the document but `client_id`, with
    /// `token_endpoint_auth_method` always present (`"none"` when the document had none).
    #[must_use]
    pub fn metadata(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.metadata
    }

    /// The client metadata, owned (see [`MetadataDocument::metadata`]).
    #[must_use]
    pub fn into_metadata(self) -> serde_json::Map<String, serde_json::Value> {
        self.metadata
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn url(s: &str) -> MetadataDocumentUrl {
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

    fn patterns(setting: &str) -> HostPatterns {
        HostPatterns::parse(setting).unwrap()
    }

    fn owner(patterns: &HostPatterns, host: &str) -> Option<String> {
        patterns.owner_of(host).map(ToString::to_string)
    }

    #[test]
    fn host_patterns_are_exact_hosts_or_subdomain_wildcards() {
        let list = patterns(
            " client.example.com=acme , *.example.com = widgets,localhost=dev,127.0.0.1=dev,\
             [::1]=dev, Mixed.Example.ORG=mixed,,",
        );
        assert_eq!(list.len(), 6);
        assert!(!list.is_empty());
        assert_eq!(owner(&list, "client.example.com").as_deref(), Some("acme"));
        assert_eq!(owner(&list, "a.example.com").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "a.b.example.com").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "A.B.Example.COM").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "example.com"), None);
        assert_eq!(owner(&list, "badexample.com"), None);
        assert_eq!(owner(&list, ".example.com"), None);
        assert_eq!(owner(&list, "example.com.evil.example"), None);
        assert_eq!(owner(&list, "localhost").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "a.localhost"), None);
        assert_eq!(owner(&list, "127.0.0.1").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "127.0.0.2"), None);
        assert_eq!(owner(&list, "[::1]").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "mixed.example.org").as_deref(), Some("mixed"));
        assert_eq!(owner(&list, "other.example.org"), None);
        // With a document URL's host.
        let doc = url("https://Tenant.Example.com:8443/client.json");
        assert_eq!(
            list.owner_of(doc.host()).map(OrgId::as_str),
            Some("widgets")
        );
        assert!(patterns("").is_empty());
        assert!(patterns(" , ,").is_empty());
        assert_eq!(patterns("").len(), 0);
    }

    #[test]
    fn the_first_matching_host_pattern_wins() {
        let specific_first = patterns("client.example.com=acme,*.example.com=widgets");
        assert_eq!(
            owner(&specific_first, "client.example.com").as_deref(),
            Some("acme")
        );
        let wildcard_first = patterns("*.example.com=widgets,client.example.com=acme");
        assert_eq!(
            owner(&wildcard_first, "client.example.com").as_deref(),
            Some("widgets")
        );
        let nested = patterns("*.example.com=outer,*.b.example.com=inner");
        assert_eq!(owner(&nested, "a.b.example.com").as_deref(), Some("outer"));
    }

    #[test]
    fn every_bad_host_pattern_is_named_with_its_reason() {
        let error = HostPatterns::parse(
            "ok.example=acme, *=acme, a.*.example=acme, *example.com=acme, *.*.example=acme, \
             no-org.example, =acme, client.example=bad org, client.example=, \
             *.127.0.0.1=acme, host:8443=acme, 127.1=acme, *.=acme, *.ok.example=acme",
        )
        .unwrap_err();
        let entries: Vec<(&str, &HostPatternEntryError)> = error
            .0
            .iter()
            .map(|b| (b.entry.as_str(), &b.reason))
            .collect();
        assert_eq!(entries.len(), 12, "{error}");
        assert_eq!(entries[0], ("*=acme", &HostPatternEntryError::Wildcard));
        assert_eq!(
            entries[1],
            ("a.*.example=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[2],
            ("*example.com=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[3],
            ("*.*.example=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[4],
            ("no-org.example", &HostPatternEntryError::MissingOrg)
        );
        assert_eq!(entries[5], ("=acme", &HostPatternEntryError::EmptyPattern));
        assert_eq!(entries[6].0, "client.example=bad org");
        assert!(matches!(
            entries[6].1,
            HostPatternEntryError::Org { org, violation: Violation::InvalidCharacters { .. } }
                if org == "bad org"
        ));
        assert_eq!(
            entries[7],
            (
                "client.example=",
                &HostPatternEntryError::Org {
                    org: String::new(),
                    violation: Violation::Required
                }
            )
        );
        assert_eq!(
            entries[8],
            ("*.127.0.0.1=acme", &HostPatternEntryError::WildcardAddress)
        );
        assert_eq!(entries[9].0, "host:8443=acme");
        assert!(matches!(entries[9].1, HostPatternEntryError::Host(_)));
        assert_eq!(
            entries[10],
            (
                "127.1=acme",
                &HostPatternEntryError::NotCanonical {
                    canonical: "127.0.0.1".into()
                }
            )
        );
        assert_eq!(
            entries[11],
            (
                "*.=acme",
                &HostPatternEntryError::Host(url::ParseError::EmptyHost)
            )
        );
        assert_eq!(
            error.0[0].to_string(),
            "\"*=acme\": a wildcard is only allowed as a leading \"*.\" followed by a host \
             name (such as *.example.com)"
        );
        assert_eq!(
            error.0[6].to_string(),
            "\"client.example=bad org\": the organisation id \"bad org\" may only contain \
             letters, digits, '_', '.' and '-'"
        );
        assert!(error.to_string().starts_with(
            "\"*=acme\": a wildcard is only allowed as a leading \"*.\" followed by a host \
             name (such as *.example.com); \"a.*.example=acme\": "
        ));
    }

    #[test]
    fn host_patterns_are_written_in_canonical_form() {
        assert_eq!(
            HostPatterns::parse("bücher.example=acme").unwrap_err().0[0].reason,
            HostPatternEntryError::NotCanonical {
                canonical: "xn--bcher-kva.example".into()
            }
        );
        let list = patterns("xn--bcher-kva.example=acme");
        assert_eq!(
            owner(&list, url("https://bücher.example/c").host()).as_deref(),
            Some("acme")
        );
        assert!(HostPatterns::parse("[0:0:0:0:0:0:0:1]=acme").is_err());
        assert!(HostPatterns::parse("*.[::1]=acme").is_err());
    }

    fn document(value: &serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }

    const URL: &str = "https://app.example.com/client.json";

    fn parse(value: &serde_json::Value) -> Result<MetadataDocument, DocumentRefusal> {
        MetadataDocument::parse(&url(URL), &document(value))
    }

    fn rule(value: &serde_json::Value) -> &'static str {
        parse(value).unwrap_err().rule()
    }

    #[test]
    fn a_valid_document_becomes_client_metadata() {
        let doc = parse(&json!({
            "client_id": URL,
            "client_name": "Example",
            "redirect_uris": ["https://app.example.com/cb"],
            "grant_types": ["authorization_code"],
        }))
        .unwrap();
        assert_eq!(
            serde_json::Value::Object(doc.metadata().clone()),
            json!({
                "client_name": "Example",
                "redirect_uris": ["https://app.example.com/cb"],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "none",
            })
        );
        let explicit = parse(&json!({
            "client_id": URL,
            "redirect_uris": ["https://app.example.com/cb"],
            "token_endpoint_auth_method": "none",
        }))
        .unwrap()
        .into_metadata();
        assert_eq!(explicit["token_endpoint_auth_method"], "none");
        assert!(!explicit.contains_key("client_id"));
        for keys in [
            json!({"jwks": {"keys": []}}),
            json!({"jwks_uri": "https://app.example.com/jwks"}),
            json!({"jwks_uri": "https://app.example.com/jwks", "jwks": null}),
        ] {
            let mut value = json!({
                "client_id": URL,
                "redirect_uris": ["https://app.example.com/cb"],
                "token_endpoint_auth_method": "private_key_jwt",
            });
            value
                .as_object_mut()
                .unwrap()
                .extend(keys.as_object().unwrap().clone());
            let metadata = parse(&value).unwrap().into_metadata();
            assert_eq!(metadata["token_endpoint_auth_method"], "private_key_jwt");
        }
        // Keys with `none` are left to the mapping.
        assert!(
            parse(&json!({
                "client_id": URL,
                "redirect_uris": ["https://app.example.com/cb"],
                "jwks_uri": "https://app.example.com/jwks",
            }))
            .is_ok()
        );
    }

    #[test]
    fn the_document_is_at_most_5120_bytes() {
        let fill = |total: usize| {
            let mut body = document(&json!({
                "client_id": URL,
                "redirect_uris": ["https://app.example.com/cb"],
            }));
            // White space after the object keeps it valid JSON.
            body.resize(total, b' ');
            body
        };
        let at_limit = fill(MAX_METADATA_DOCUMENT_BYTES);
        assert_eq!(at_limit.len(), 5120);
        assert!(MetadataDocument::parse(&url(URL), &at_limit).is_ok());
        let over = fill(5121);
        let refused = MetadataDocument::parse(&url(URL), &over).unwrap_err();
        assert_eq!(
            refused,
            DocumentRefusal::TooLarge {
                size: 5121,
                limit: 5120
            }
        );
        assert_eq!(refused.rule(), "too_large");
        assert_eq!(
            DocumentRefusal::TooLarge {
                size: 6000,
                limit: 5120
            }
            .to_string(),
            "the document is 6000 bytes, over the limit of 5120"
        );
    }

    #[test]
    fn the_document_is_a_json_object() {
        for (body, found) in [
            (&b"[]"[..], "an array"),
            (b"\"x\"", "a string"),
            (b"null", "null"),
            (b"12", "a number"),
            (b"true", "a boolean"),
        ] {
            assert_eq!(
                MetadataDocument::parse(&url(URL), body),
                Err(DocumentRefusal::NotJsonObject {
                    found: found.into()
                })
            );
        }
        for body in [&b""[..], b"{", b"<html></html>", b"{\"a\":1} x"] {
            let refused = MetadataDocument::parse(&url(URL), body).unwrap_err();
            assert_eq!(refused.rule(), "not_json_object");
            assert!(
                refused
                    .to_string()
                    .starts_with("the document must be a JSON object; it is not valid JSON ("),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_client_id_must_equal_the_url_exactly() {
        let cb = json!(["https://app.example.com/cb"]);
        assert_eq!(rule(&json!({"redirect_uris": cb})), "client_id_missing");
        assert_eq!(
            rule(&json!({"client_id": 5, "redirect_uris": cb})),
            "client_id_not_string"
        );
        assert_eq!(
            rule(&json!({"client_id": null, "redirect_uris": cb})),
            "client_id_not_string"
        );
        for other in [
            "https://app.example.com/client.json/",
            "https://APP.example.com/client.json",
            "HTTPS://app.example.com/client.json",
            "https://app.example.com:443/client.json",
            "https://app.example.com/client%2Ejson",
            " https://app.example.com/client.json",
        ] {
            assert_eq!(
                parse(&json!({"client_id": other, "redirect_uris": cb})),
                Err(DocumentRefusal::ClientIdMismatch {
                    client_id: other.into(),
                    url: URL.into()
                }),
                "{other:?}"
            );
        }
        assert_eq!(
            DocumentRefusal::ClientIdMismatch {
                client_id: "x".into(),
                url: "y".into()
            }
            .to_string(),
            "the document's client_id \"x\" differs from its URL \"y\" (they must be equal)"
        );
        // The URL as given, upper case and all.
        let upper = "HTTPS://App.Example.com/c";
        assert!(
            MetadataDocument::parse(
                &url(upper),
                &document(&json!({"client_id": upper, "redirect_uris": cb}))
            )
            .is_ok()
        );
    }

    #[test]
    fn the_document_holds_no_client_secret() {
        let cb = json!(["https://app.example.com/cb"]);
        for value in [json!("s3cret"), json!(null), json!(""), json!(0)] {
            assert_eq!(
                parse(&json!({"client_id": URL, "redirect_uris": cb, "client_secret": value})),
                Err(DocumentRefusal::ClientSecretPresent)
            );
            assert_eq!(
                parse(&json!({
                    "client_id": URL,
                    "redirect_uris": cb,
                    "client_secret_expires_at": value
                })),
                Err(DocumentRefusal::ClientSecretExpiresAtPresent)
            );
        }
        assert_eq!(
            DocumentRefusal::ClientSecretPresent.to_string(),
            "the document must not contain client_secret"
        );
        assert_eq!(
            DocumentRefusal::ClientSecretExpiresAtPresent.rule(),
            "client_secret_expires_at_present"
        );
    }

    #[test]
    fn only_none_and_private_key_jwt_are_allowed() {
        let cb = json!(["https://app.example.com/cb"]);
        for (method, shown) in [
            (json!("client_secret_basic"), "\"client_secret_basic\""),
            (json!("client_secret_post"), "\"client_secret_post\""),
            (json!("client_secret_jwt"), "\"client_secret_jwt\""),
            (json!("tls_client_auth"), "\"tls_client_auth\""),
            (json!("None"), "\"None\""),
            (json!(""), "\"\""),
            (json!(null), "null"),
            (json!(["none"]), "[\"none\"]"),
        ] {
            let refused = parse(&json!({
                "client_id": URL,
                "redirect_uris": cb,
                "token_endpoint_auth_method": method,
            }))
            .unwrap_err();
            assert_eq!(
                refused,
                DocumentRefusal::SharedSecretMethod {
                    method: shown.into()
                }
            );
            assert_eq!(refused.rule(), "shared_secret_method");
        }
        assert_eq!(
            DocumentRefusal::SharedSecretMethod {
                method: "\"client_secret_basic\"".into()
            }
            .to_string(),
            "the document's token_endpoint_auth_method \"client_secret_basic\" is not allowed: \
             a metadata document may only use \"none\" or \"private_key_jwt\" (shared-secret \
             methods are not allowed in a metadata document)"
        );
    }

    #[test]
    fn private_key_jwt_needs_exactly_one_key_source() {
        let cb = json!(["https://app.example.com/cb"]);
        for keys in [json!({}), json!({"jwks": null}), json!({"jwks_uri": null})] {
            let mut value = json!({
                "client_id": URL,
                "redirect_uris": cb,
                "token_endpoint_auth_method": "private_key_jwt",
            });
            value
                .as_object_mut()
                .unwrap()
                .extend(keys.as_object().unwrap().clone());
            assert_eq!(parse(&value), Err(DocumentRefusal::KeysRequired), "{keys}");
        }
        for method in [json!("private_key_jwt"), json!("none")] {
            assert_eq!(
                rule(&json!({
                    "client_id": URL,
                    "redirect_uris": cb,
                    "token_endpoint_auth_method": method,
                    "jwks": {"keys": []},
                    "jwks_uri": "https://app.example.com/jwks",
                })),
                "keys_conflict"
            );
        }
        assert_eq!(
            rule(&json!({
                "client_id": URL,
                "redirect_uris": cb,
                "jwks": {"keys": []},
                "jwks_uri": "https://app.example.com/jwks",
            })),
            "keys_conflict"
        );
    }

    #[test]
    fn redirect_uris_are_a_non_empty_array_of_strings() {
        for uris in [
            None,
            Some(json!([])),
            Some(json!(null)),
            Some(json!("https://app.example.com/cb")),
            Some(json!(["https://app.example.com/cb", 5])),
            Some(json!([null])),
        ] {
            let mut value = json!({"client_id": URL});
            if let Some(uris) = uris {
                value["redirect_uris"] = uris;
            }
            assert_eq!(
                parse(&value),
                Err(DocumentRefusal::RedirectUrisRequired),
                "{value}"
            );
        }
        // Not checked against the redirect rules here.
        assert!(parse(&json!({"client_id": URL, "redirect_uris": ["not a url"]})).is_ok());
    }

    #[test]
    fn a_document_whose_grants_redirect_nowhere_needs_no_redirect_uris() {
        // draft-ietf-oauth-client-id-metadata-document-02 §4.2: the redirect URL rules do
        // not apply to grant types that use none, such as client_credentials.
        let machine = json!({
            "client_id": URL,
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "https://app.example.com/jwks",
        });
        for uris in [None, Some(json!([])), Some(json!(null))] {
            let mut value = machine.clone();
            if let Some(uris) = uris {
                value["redirect_uris"] = uris;
            }
            assert!(parse(&value).is_ok(), "{value}");
        }
        // A grant that redirects needs them, with any other grant or none named.
        for grants in [
            json!(["authorization_code"]),
            json!(["client_credentials", "authorization_code"]),
            json!(null),
        ] {
            let mut value = machine.clone();
            value["grant_types"] = grants;
            value["redirect_uris"] = json!([]);
            assert_eq!(
                parse(&value),
                Err(DocumentRefusal::RedirectUrisRequired),
                "{value}"
            );
        }
    }

    #[test]
    fn every_document_refusal_has_a_rule_name() {
        let all = [
            DocumentRefusal::TooLarge { size: 1, limit: 0 },
            DocumentRefusal::NotJsonObject {
                found: "an array".into(),
            },
            DocumentRefusal::ClientIdMissing { url: URL.into() },
            DocumentRefusal::ClientIdNotString { url: URL.into() },
            DocumentRefusal::ClientIdMismatch {
                client_id: "x".into(),
                url: URL.into(),
            },
            DocumentRefusal::ClientSecretPresent,
            DocumentRefusal::ClientSecretExpiresAtPresent,
            DocumentRefusal::SharedSecretMethod {
                method: "\"x\"".into(),
            },
            DocumentRefusal::KeysRequired,
            DocumentRefusal::KeysConflict,
            DocumentRefusal::RedirectUrisRequired,
        ];
        let names: Vec<&str> = all.iter().map(DocumentRefusal::rule).collect();
        assert_eq!(
            names,
            [
                "too_large",
                "not_json_object",
                "client_id_missing",
                "client_id_not_string",
                "client_id_mismatch",
                "client_secret_present",
                "client_secret_expires_at_present",
                "shared_secret_method",
                "keys_required",
                "keys_conflict",
                "redirect_uris_required"
            ]
        );
        for refusal in &all {
            assert!(refusal.to_string().starts_with("the document"), "{refusal}");
        }
    }
}
