//! Client metadata as RFC 7591 §2 writes it (a JSON object of snake_case members), mapped
//! onto a registration: the one reading of the protocol's metadata, for dynamic
//! registration (RFC 7591/7592) and for Client ID Metadata Documents alike.

use serde_json::{Map, Value};

use super::details::ClientMetadataRecord;
use crate::applications::register::RegisterApplication;
use crate::applications::requirements::RequirementsInput;
use crate::credentials::input::{KeysInput, TlsSubjectInput};
use crate::shared::validation::{Field, ValidationErrors};

/// What a client's metadata asks for: the registration (the application's fields) and the
/// client's descriptive metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedClient {
    /// The application's fields, in the organisation the caller named.
    pub cmd: RegisterApplication,
    /// What the client says about itself.
    pub metadata: ClientMetadataRecord,
    /// Whether the metadata named its `application_type` (left out, it reads as `web`).
    pub application_type_given: bool,
}

impl RequestedClient {
    /// A registration `cmd` with `metadata`, its type named when `cmd` names one.
    #[must_use]
    pub fn new(cmd: RegisterApplication, metadata: ClientMetadataRecord) -> Self {
        let application_type_given = cmd.app_type.is_some();
        Self {
            cmd,
            metadata,
            application_type_given,
        }
    }
}

/// Metadata that cannot be read as a registration: a member of the wrong JSON type, an
/// unknown application type, or grant and response types that do not go together (RFC 7591
/// §2.1). The message names the member and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MetadataError(pub String);

/// The name a client gets when its metadata names none.
pub const UNNAMED_CLIENT: &str = "Dynamically registered client";

/// Reads `object` (RFC 7591 §2 metadata) as a registration into organisation `org`.
///
/// Members this registry does not understand are ignored (§2), and a member sent as `null`
/// reads as left out. Left out: `grant_types` is `["authorization_code"]` (§2), and
/// `response_types` is what the grant types need: `["code"]` with `authorization_code`,
/// none without it (a machine client that sends `grant_types: ["client_credentials"]`
/// alone, as openid-client and the MCP SDKs do, asks for no response type; §2's default
/// `["code"]` would contradict its own grants). `code` and `authorization_code` go
/// together (§2.1) and no other response type is served. `application_type` is `web` (the default) or
/// `native` (OpenID Connect Registration §2); a `web` client with
/// `token_endpoint_auth_method` `none` is registered as a `public` application. `scope` is
/// space-separated (RFC 6749 §3.3).
///
/// # Errors
/// [`MetadataError`] naming the member and the rule.
pub fn requested_client(
    org: &str,
    object: &Map<String, Value>,
) -> Result<RequestedClient, MetadataError> {
    let grants =
        strings(object, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    let redirects = grants.iter().any(|g| g == "authorization_code");
    let responses = strings(object, "response_types")?.unwrap_or_else(|| {
        if redirects {
            vec!["code".to_owned()]
        } else {
            Vec::new()
        }
    });
    if let Some(other) = responses.iter().find(|r| r.as_str() != "code") {
        return Err(MetadataError(format!(
            "response_types: {other:?} is not supported (only \"code\")"
        )));
    }
    let code = responses.iter().any(|r| r == "code");
    if code != redirects {
        return Err(MetadataError(
            "response_types \"code\" and grant_types \"authorization_code\" go together \
             (RFC 7591 §2.1)"
                .to_owned(),
        ));
    }
    let method = string(object, "token_endpoint_auth_method")?;
    let app_type = match (
        string(object, "application_type")?.as_deref(),
        method.as_deref(),
    ) {
        (None | Some("web"), Some("none")) => "public",
        (None | Some("web"), _) => "web",
        (Some("native"), _) => "native",
        (Some(other), _) => {
            return Err(MetadataError(format!(
                "application_type must be \"web\" or \"native\" (got {other:?})"
            )));
        }
    };
    let metadata = ClientMetadataRecord {
        client_uri: string(object, "client_uri")?,
        logo_uri: string(object, "logo_uri")?,
        tos_uri: string(object, "tos_uri")?,
        policy_uri: string(object, "policy_uri")?,
        contacts: strings(object, "contacts")?.unwrap_or_default(),
        software_id: string(object, "software_id")?,
        software_version: string(object, "software_version")?,
    };
    let jwks = match object.get("jwks") {
        None | Some(Value::Null) => None,
        Some(jwks @ Value::Object(_)) => Some(jwks.clone()),
        Some(_) => return Err(wrong_type("jwks", "a JSON object (a JWK Set)")),
    };
    let cmd = RegisterApplication {
        owner_org_id: org.to_owned(),
        name: string(object, "client_name")?.unwrap_or_else(|| UNNAMED_CLIENT.to_owned()),
        description: None,
        app_type: Some(app_type.to_owned()),
        redirect_urls: strings(object, "redirect_uris")?.unwrap_or_default(),
        allowed_scopes: Some(
            string(object, "scope")?
                .as_deref()
                .unwrap_or("")
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        grant_types: Some(grants),
        access_level: None,
        is_first_party: None,
        token_endpoint_auth_method: method,
        keys: KeysInput {
            jwks,
            jwks_uri: string(object, "jwks_uri")?,
        },
        tls_subject: TlsSubjectInput {
            subject_dn: string(object, "tls_client_auth_subject_dn")?,
            san_dns: string(object, "tls_client_auth_san_dns")?,
            san_uri: string(object, "tls_client_auth_san_uri")?,
            san_ip: string(object, "tls_client_auth_san_ip")?,
            san_email: string(object, "tls_client_auth_san_email")?,
        },
        requirements: RequirementsInput {
            dpop_bound_access_tokens: boolean(object, "dpop_bound_access_tokens")?,
            tls_client_certificate_bound_access_tokens: boolean(
                object,
                "tls_client_certificate_bound_access_tokens",
            )?,
            require_pushed_authorization_requests: boolean(
                object,
                "require_pushed_authorization_requests",
            )?,
        },
    };
    Ok(RequestedClient {
        cmd,
        metadata,
        application_type_given: !matches!(object.get("application_type"), None | Some(Value::Null)),
    })
}

/// The RFC 7591 §2 name of the metadata member that holds a registration's `field`.
#[must_use]
pub const fn metadata_member(field: Field) -> &'static str {
    match field {
        Field::Name => "client_name",
        Field::RedirectUrls => "redirect_uris",
        Field::AllowedScopes => "scope",
        Field::AppType => "application_type",
        other => other.name(),
    }
}

/// Every broken rule of `errors`, each named by its RFC 7591 metadata member (and the
/// value's position in a list: `scope[1]`), separated by `; `.
#[must_use]
pub fn describe_metadata_errors(errors: &ValidationErrors) -> String {
    errors
        .errors()
        .iter()
        .map(|e| match e.index {
            Some(i) => format!("{}[{i}] {}", metadata_member(e.field), e.violation),
            None => format!("{} {}", metadata_member(e.field), e.violation),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn wrong_type(name: &str, what: &str) -> MetadataError {
    MetadataError(format!("{name} must be {what}"))
}

/// The string member `name`; `None` when absent or `null`.
fn string(object: &Map<String, Value>, name: &str) -> Result<Option<String>, MetadataError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

/// The boolean member `name`; `None` when absent or `null`.
fn boolean(object: &Map<String, Value>, name: &str) -> Result<Option<bool>, MetadataError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong_type(name, "a boolean")),
    }
}

/// The array-of-strings member `name`; `None` when absent or `null`.
fn strings(object: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, MetadataError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "an array of strings")),
        Some(_) => Err(wrong_type(name, "an array of strings")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: &Value) -> Result<RequestedClient, MetadataError> {
        requested_client("acme", value.as_object().unwrap())
    }

    #[test]
    fn left_out_metadata_takes_the_rfc_defaults_and_unknown_members_are_ignored() {
        let r = read(&json!({"redirect_uris": ["https://c.example/cb"], "x-other": 1})).unwrap();
        assert_eq!(r.cmd.owner_org_id, "acme");
        assert_eq!(r.cmd.name, UNNAMED_CLIENT);
        assert_eq!(r.cmd.app_type.as_deref(), Some("web"));
        assert_eq!(
            r.cmd.grant_types,
            Some(vec!["authorization_code".to_owned()])
        );
        assert_eq!(r.cmd.allowed_scopes, Some(Vec::new()));
        assert_eq!(r.cmd.token_endpoint_auth_method, None);
        assert_eq!(r.metadata, ClientMetadataRecord::default());
    }

    #[test]
    fn every_understood_member_is_read() {
        let r = read(&json!({
            "client_name": "C", "redirect_uris": ["https://c.example/cb"],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "scope": "read  write", "token_endpoint_auth_method": "none",
            "jwks_uri": "https://c.example/jwks", "client_uri": "https://c.example/",
            "logo_uri": "https://c.example/l.png", "tos_uri": "https://c.example/tos",
            "policy_uri": "https://c.example/p", "contacts": ["a@c.example"],
            "software_id": "s", "software_version": "1", "client_secret": null
        }))
        .unwrap();
        assert_eq!(r.cmd.name, "C");
        assert_eq!(r.cmd.app_type.as_deref(), Some("public"));
        assert_eq!(
            r.cmd.allowed_scopes,
            Some(vec!["read".to_owned(), "write".to_owned()])
        );
        assert_eq!(
            r.cmd.keys.jwks_uri.as_deref(),
            Some("https://c.example/jwks")
        );
        assert_eq!(r.metadata.contacts, vec!["a@c.example".to_owned()]);
        assert_eq!(r.metadata.software_version.as_deref(), Some("1"));
        let native =
            read(&json!({"application_type": "native", "token_endpoint_auth_method": "none"}))
                .unwrap();
        assert_eq!(native.cmd.app_type.as_deref(), Some("native"));
    }

    #[test]
    fn wrong_types_and_inconsistent_grants_are_named() {
        for (value, needle) in [
            (
                json!({"redirect_uris": "https://c.example/cb"}),
                "redirect_uris",
            ),
            (json!({"contacts": [1]}), "contacts"),
            (json!({"client_name": 3}), "client_name"),
            (json!({"jwks": []}), "jwks"),
            (json!({"application_type": "tv"}), "application_type"),
            (json!({"response_types": ["token"]}), "response_types"),
            (
                json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
                "go together",
            ),
        ] {
            let e = read(&value).unwrap_err();
            assert!(e.0.contains(needle), "{value}: {e}");
        }
        let machine =
            read(&json!({"grant_types": ["client_credentials"], "response_types": []})).unwrap();
        assert_eq!(
            machine.cmd.grant_types,
            Some(vec!["client_credentials".to_owned()])
        );
    }

    #[test]
    fn left_out_response_types_follow_the_grants() {
        // What openid-client and the MCP SDKs send for a machine client.
        let machine = read(&json!({"grant_types": ["client_credentials"]})).unwrap();
        assert_eq!(
            machine.cmd.grant_types,
            Some(vec!["client_credentials".to_owned()])
        );
        let device = read(&json!({
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"]
        }))
        .unwrap();
        assert_eq!(device.cmd.grant_types.map(|g| g.len()), Some(2));
        // Grants that redirect infer `code`; what a client sends is still checked.
        assert!(
            read(&json!({"grant_types": ["authorization_code", "client_credentials"]})).is_ok()
        );
        let sent =
            read(&json!({"grant_types": ["client_credentials"], "response_types": ["code"]}))
                .unwrap_err();
        assert!(sent.0.contains("go together"), "{sent}");
    }
}
