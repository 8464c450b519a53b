//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-03): the
//! rules a document itself must satisfy (-02 §4, §4.1, §4.2, §8.7, -03's Client
//! Authentication, and the Model Context Protocol, revision 2026-07-28). Section numbers
//! are -02's; docs/registration.md, "Draft revisions", lists what each revision changed.
//!
//! Pure rules: fetching the document is the caller's business.

use super::document_url::MetadataDocumentUrl;

/// The largest metadata document accepted, in bytes (5 KiB, the size the draft suggests a
/// server may limit documents to).
pub const MAX_METADATA_DOCUMENT_BYTES: usize = 5 * 1024;

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
    /// Grant types that redirect (`authorization_code`, the default) without
    /// `redirect_uris`, or with one that is not a non-empty array of strings.
    #[error(
        "the document must contain redirect_uris, a non-empty array of strings, for its \
         grant types that redirect (authorization_code, the default when grant_types is left \
         out)"
    )]
    RedirectUrisRequired,
    /// A `token_endpoint_auth_methods_supported` that is not an array of strings.
    #[error("the document's token_endpoint_auth_methods_supported must be an array of strings")]
    AuthMethodsSupportedMalformed,
    /// A `token_endpoint_auth_methods_supported` (with no usable
    /// `token_endpoint_auth_method`) that lists neither `none` nor `private_key_jwt`.
    #[error(
        "the document's token_endpoint_auth_methods_supported lists no method a metadata \
         document may use here (\"none\" or \"private_key_jwt\")"
    )]
    NoUsableAuthMethod,
}

impl DocumentRefusal {
    /// A short stable name of the rule broken, for logs and metrics: `too_large`,
    /// `not_json_object`, `client_id_missing`, `client_id_not_string`,
    /// `client_id_mismatch`, `client_secret_present`, `client_secret_expires_at_present`,
    /// `shared_secret_method`, `redirect_uris_required`, `auth_methods_supported_malformed`
    /// or `no_usable_auth_method`.
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
            Self::RedirectUrisRequired => "redirect_uris_required",
            Self::AuthMethodsSupportedMalformed => "auth_methods_supported_malformed",
            Self::NoUsableAuthMethod => "no_usable_auth_method",
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

/// The methods a metadata document may never name: those built on a shared secret
/// (-02 §4.1).
const SHARED_SECRET_METHODS: [&str; 3] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
];

/// The method the registry serves a document client with, from its
/// `token_endpoint_auth_method` and its `token_endpoint_auth_methods_supported` (-03,
/// Client Authentication; OpenID Connect RP Metadata Choices 1.0):
///
/// - a shared-secret method named in either is refused (-02 §4.1);
/// - `token_endpoint_auth_method`, when it is `none` or `private_key_jwt`, stands;
/// - else, when the document lists the methods it supports: `private_key_jwt` when listed
///   and the document gives keys (`jwks` or `jwks_uri`), else `none` when listed, else
///   `private_key_jwt` when listed (the pipeline then asks for its keys); a list with
///   neither is refused;
/// - else a named method other than those two is refused, and none named is `none`.
///
/// A member whose value is `null` counts as absent.
fn auth_method(
    metadata: &serde_json::Map<String, serde_json::Value>,
) -> Result<&'static str, DocumentRefusal> {
    let present = |name: &str| metadata.get(name).filter(|v| !v.is_null());
    let listed = match present("token_endpoint_auth_methods_supported") {
        None => None,
        Some(serde_json::Value::Array(methods)) => Some(
            methods
                .iter()
                .map(|m| {
                    m.as_str()
                        .ok_or(DocumentRefusal::AuthMethodsSupportedMalformed)
                })
                .collect::<Result<Vec<&str>, _>>()?,
        ),
        Some(_) => return Err(DocumentRefusal::AuthMethodsSupportedMalformed),
    };
    let named = metadata.get("token_endpoint_auth_method");
    let shared_secret = named
        .and_then(serde_json::Value::as_str)
        .into_iter()
        .chain(listed.iter().flatten().copied())
        .find(|m| SHARED_SECRET_METHODS.contains(m));
    if let Some(method) = shared_secret {
        return Err(DocumentRefusal::SharedSecretMethod {
            method: serde_json::Value::String(method.to_owned()).to_string(),
        });
    }
    match (named, listed) {
        (None, None) => Ok("none"),
        (Some(serde_json::Value::String(m)), _) if m == "none" => Ok("none"),
        (Some(serde_json::Value::String(m)), _) if m == "private_key_jwt" => Ok("private_key_jwt"),
        (_, Some(listed)) => {
            let has = |m: &str| listed.contains(&m);
            let keys = present("jwks").is_some() || present("jwks_uri").is_some();
            if has("private_key_jwt") && (keys || !has("none")) {
                Ok("private_key_jwt")
            } else if has("none") {
                Ok("none")
            } else {
                Err(DocumentRefusal::NoUsableAuthMethod)
            }
        }
        (Some(other), None) => Err(DocumentRefusal::SharedSecretMethod {
            method: other.to_string(),
        }),
    }
}

impl MetadataDocument {
    /// Checks the document `body` fetched from `url`, in this order: at most
    /// [`MAX_METADATA_DOCUMENT_BYTES`] bytes; a JSON object; a `client_id` string equal to
    /// `url` by simple string comparison; no `client_secret` nor
    /// `client_secret_expires_at` member (whatever the value, `null` included); the
    /// method the client is served with, `none` (the default when neither
    /// `token_endpoint_auth_method` nor `token_endpoint_auth_methods_supported` is given)
    /// or `private_key_jwt`, chosen as docs/registration.md ("Which method") says;
    /// `redirect_uris` a non-empty array of strings when the grant types redirect
    /// (`authorization_code`, the default when `grant_types` is left out): a document for
    /// grants that use no redirect URL (`client_credentials`) needs none (-02 §4.2).
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
        // Which keys a `private_key_jwt` client needs, and that it gives one source of
        // them, are the registration pipeline's rules, as on every path.
        let method = auth_method(&metadata)?;
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
        metadata.insert(
            "token_endpoint_auth_method".to_owned(),
            serde_json::Value::String(method.to_owned()),
        );
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
    use crate::registration::document_url::tests::url;

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
    fn keys_are_left_to_the_registration_pipeline() {
        let cb = json!(["https://app.example.com/cb"]);
        for keys in [
            json!({}),
            json!({"jwks": null}),
            json!({"jwks": {"keys": []}, "jwks_uri": "https://app.example.com/jwks"}),
        ] {
            let mut value = json!({
                "client_id": URL,
                "redirect_uris": cb,
                "token_endpoint_auth_method": "private_key_jwt",
            });
            value
                .as_object_mut()
                .unwrap()
                .extend(keys.as_object().unwrap().clone());
            assert!(parse(&value).is_ok(), "{keys}");
        }
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
    fn a_document_may_list_the_methods_it_supports() {
        // -03 (Client Authentication) and OpenID Connect RP Metadata Choices 1.0: a document
        // published once for every authorization server lists the methods the client can
        // use; the registry picks one it serves. Each case: the members beside client_id
        // and redirect_uris, and the method served.
        let both = json!(["none", "private_key_jwt"]);
        let jwks_uri = "https://app.example.com/jwks";
        let listing = "token_endpoint_auth_methods_supported";
        let named = "token_endpoint_auth_method";
        for (members, method) in [
            // With keys, the stronger method; without, the public one.
            (
                json!({listing: both, "jwks_uri": jwks_uri}),
                "private_key_jwt",
            ),
            (
                json!({listing: both, "jwks": {"keys": []}}),
                "private_key_jwt",
            ),
            (json!({listing: both}), "none"),
            (json!({listing: both, "jwks": null}), "none"),
            (json!({listing: ["private_key_jwt"]}), "private_key_jwt"),
            (json!({listing: ["none"]}), "none"),
            // Methods the registry does not serve for documents are passed over.
            (json!({listing: ["tls_client_auth", "none"]}), "none"),
            (
                json!({listing: ["attest_jwt_client_auth", "private_key_jwt"]}),
                "private_key_jwt",
            ),
            // The method the document names, when the registry serves it, stands; one it
            // does not serve falls back to the list.
            (
                json!({named: "none", listing: both, "jwks_uri": jwks_uri}),
                "none",
            ),
            (json!({named: "tls_client_auth", listing: ["none"]}), "none"),
            // A list sent as null is left out.
            (json!({listing: null}), "none"),
        ] {
            let mut value =
                json!({"client_id": URL, "redirect_uris": ["https://app.example.com/cb"]});
            value
                .as_object_mut()
                .unwrap()
                .extend(members.as_object().unwrap().clone());
            let metadata = parse(&value).unwrap().into_metadata();
            assert_eq!(metadata[named], method, "{value}");
        }
    }

    #[test]
    fn a_listed_method_must_be_one_a_document_may_use() {
        let cb = json!(["https://app.example.com/cb"]);
        let with = |listed: serde_json::Value| {
            json!({
                "client_id": URL,
                "redirect_uris": cb,
                "token_endpoint_auth_methods_supported": listed,
            })
        };
        // -02 §4.1: no shared-secret method, wherever the document names it.
        for secret in [
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
        ] {
            assert_eq!(
                parse(&with(json!(["none", secret]))),
                Err(DocumentRefusal::SharedSecretMethod {
                    method: format!("{secret:?}")
                })
            );
        }
        for listed in [json!([]), json!(["tls_client_auth"]), json!(["None"])] {
            let refused = parse(&with(listed.clone())).unwrap_err();
            assert_eq!(refused.rule(), "no_usable_auth_method", "{listed}");
            assert_eq!(
                refused.to_string(),
                "the document's token_endpoint_auth_methods_supported lists no method a \
                 metadata document may use here (\"none\" or \"private_key_jwt\")"
            );
        }
        for listed in [json!("none"), json!([5]), json!(["none", null]), json!({})] {
            let refused = parse(&with(listed.clone())).unwrap_err();
            assert_eq!(
                refused.rule(),
                "auth_methods_supported_malformed",
                "{listed}"
            );
            assert_eq!(
                refused.to_string(),
                "the document's token_endpoint_auth_methods_supported must be an array of \
                 strings"
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
            DocumentRefusal::RedirectUrisRequired,
            DocumentRefusal::AuthMethodsSupportedMalformed,
            DocumentRefusal::NoUsableAuthMethod,
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
                "redirect_uris_required",
                "auth_methods_supported_malformed",
                "no_usable_auth_method"
            ]
        );
        for refusal in &all {
            assert!(refusal.to_string().starts_with("the document"), "{refusal}");
        }
    }
}
