//! What every handler needs from a request: the caller, a strictly read JSON body, and
//! the `If-Match` version.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use oauth_apps_domain::{Principal, Version};
use serde_json::{Map, Value};

use crate::auth::TokenError;
use crate::error::{ApiError, FieldProblem, Surface};
use crate::state::AppState;

pub use crate::body::MAX_BODY_BYTES;

/// The id of the request, set by the request-id middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The caller of `req`, from its bearer token.
///
/// # Errors
/// 401 without a token (`WWW-Authenticate: Bearer`) or with a bad one
/// (`error="invalid_token"`).
pub fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    surface: Surface,
) -> Result<Principal, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            surface,
            false,
            "A bearer token is required.",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized(surface, true, &TokenError::Malformed.to_string()))?;
    let principal = state
        .verifier
        .verify(token)
        .map_err(|e| ApiError::unauthorized(surface, true, &e.to_string()))?;
    Ok(match req.extensions().get::<RequestId>() {
        Some(id) => principal.with_request_id(id.0.clone()),
        None => principal,
    })
}

/// Which limit a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// A change to an application.
    Write,
    /// A client authentication.
    Authentication,
}

/// Counts the call against the caller's limit.
///
/// # Errors
/// 429 with `Retry-After` when the caller is over it.
pub fn rate_limit(
    state: &AppState,
    principal: &Principal,
    kind: Limited,
    surface: Surface,
) -> Result<(), ApiError> {
    let limiter = match kind {
        Limited::Write => state.limits.writes.as_ref(),
        Limited::Authentication => state.limits.authentications.as_ref(),
    };
    match limiter.map(|l| l.check(principal.subject())) {
        Some(Err(wait)) => Err(ApiError::rate_limited(surface, wait)),
        _ => Ok(()),
    }
}

/// The version named by `If-Match`, if any. `*` matches any version.
///
/// # Errors
/// 412 when the header is not an ETag this service made (it cannot match).
pub fn if_match(req: &HttpRequest, surface: Surface) -> Result<Option<Version>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|v| Version::new(v).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                surface,
                StatusCode::PRECONDITION_FAILED,
                "If-Match does not name a current version of the application.",
            )
        })
}

/// Marks an answer that carries a secret as never to be stored by a cache, shared or
/// private (RFC 9111 §5.2.2.5 `no-store`, and `Pragma: no-cache` for HTTP/1.0 caches, as
/// RFC 6749 §5.1 asks of token answers).
#[must_use]
pub fn no_store(mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    response
}

/// The strong ETag of a version.
#[must_use]
pub fn etag(version: Version) -> String {
    format!("\"{version}\"")
}

/// How long a client may take to send a request body (app data set by
/// [`crate::serve`]; [`crate::body::DEFAULT_BODY_TIMEOUT`] when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout(pub std::time::Duration);

async fn read_body(mut payload: web::Payload, surface: Surface) -> Result<web::BytesMut, ApiError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(surface, &e.to_string(), vec![]))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                surface,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The body must be at most {MAX_BODY_BYTES} bytes."),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the body: at most 64 KiB, `application/json`, a JSON object. An empty body is
/// `None` (for calls whose body is optional). Under [`crate::serve`] the body is already
/// in memory (see [`crate::body`]), read within the body time-out.
///
/// # Errors
/// 413 when too large, 415 when not JSON, 400 when malformed or not an object.
pub async fn json_object(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let bytes = read_body(payload, surface).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            surface,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body must be application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(ApiError::bad_request(
            surface,
            "The body must be a JSON object.",
            vec![],
        )),
        Err(e) => Err(ApiError::bad_request(
            surface,
            &format!("The body is not valid JSON: {e}."),
            vec![],
        )),
    }
}

/// Like [`json_object`], but the body is required.
///
/// # Errors
/// As [`json_object`], and 400 when the body is empty.
pub async fn required_json_object(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
) -> Result<Map<String, Value>, ApiError> {
    json_object(req, payload, surface)
        .await?
        .ok_or_else(|| ApiError::bad_request(surface, "A JSON body is required.", vec![]))
}

/// An optional body holding at most one optional integer field `key` (rotations).
///
/// # Errors
/// As [`json_object`], and 400 for a wrong type or another field.
pub async fn optional_integer_body(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
    key: &str,
) -> Result<Option<i64>, ApiError> {
    let Some(body) = json_object(req, payload, surface).await? else {
        return Ok(None);
    };
    let mut f = Fields::new(surface, body);
    let value = f.integer(key);
    f.finish()?;
    Ok(value)
}

/// Reads fields of a JSON object strictly: wrong types, missing required fields and
/// unknown fields are collected and answered together with 400.
pub struct Fields {
    surface: Surface,
    map: Map<String, Value>,
    problems: Vec<FieldProblem>,
}

impl Fields {
    /// A reader over `map`.
    #[must_use]
    pub fn new(surface: Surface, map: Map<String, Value>) -> Self {
        Self {
            surface,
            map,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, field: &str, message: &str) {
        self.problems.push(FieldProblem {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    /// A required string.
    pub fn required_string(&mut self, key: &str) -> String {
        match self.map.remove(key) {
            Some(Value::String(s)) => s,
            None => {
                self.problem(key, "is required");
                String::new()
            }
            Some(_) => {
                self.problem(key, "must be a string");
                String::new()
            }
        }
    }

    /// An optional string (`null` counts as absent).
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.map.remove(key) {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be a string");
                None
            }
        }
    }

    /// An optional string that may be `null` (clears it): absent is `None`.
    pub fn nullable_string(&mut self, key: &str) -> Option<Option<String>> {
        match self.map.remove(key) {
            Some(Value::String(s)) => Some(Some(s)),
            Some(Value::Null) => Some(None),
            None => None,
            Some(_) => {
                self.problem(key, "must be a string or null");
                None
            }
        }
    }

    /// An optional list of strings (`null` counts as absent).
    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s),
                        _ => self.problem(&format!("{key}[{i}]"), "must be a string"),
                    }
                }
                Some(out)
            }
            Some(_) => {
                self.problem(key, "must be an array of strings");
                None
            }
        }
    }

    /// A required list of strings.
    pub fn required_string_list(&mut self, key: &str) -> Vec<String> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            self.problem(key, "is required");
        }
        self.string_list(key).unwrap_or_default()
    }

    /// An optional boolean (`null` counts as absent).
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        match self.map.remove(key) {
            Some(Value::Bool(b)) => Some(b),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be a boolean");
                None
            }
        }
    }

    /// An optional integer (`null` counts as absent).
    pub fn integer(&mut self, key: &str) -> Option<i64> {
        match self.map.remove(key) {
            Some(Value::Number(n)) => n.as_i64().or_else(|| {
                self.problem(key, "must be an integer");
                None
            }),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be an integer");
                None
            }
        }
    }

    /// Any value but `null`, as text: for fields that are refused whatever they hold.
    pub fn present(&mut self, key: &str) -> Option<String> {
        self.map
            .remove(key)
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
    }

    /// Fails with 400 naming every unknown field and every type problem.
    ///
    /// # Errors
    /// 400 with the problems.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            self.problem(&key, "is not a known field");
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            let names: Vec<_> = self.problems.iter().map(|p| p.field.as_str()).collect();
            let detail = format!("The body has problems with: {}.", names.join(", "));
            Err(ApiError::bad_request(self.surface, &detail, self.problems))
        }
    }
}

/// The query string as name-value pairs.
///
/// # Errors
/// 400 when it cannot be decoded.
pub fn query(
    req: &HttpRequest,
    surface: Surface,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| ApiError::bad_request(surface, "The query string is malformed.", vec![]))
}

/// An optional integer query parameter; a non-integer is recorded in `problems`.
pub fn integer_param(
    query: &std::collections::HashMap<String, String>,
    key: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<i64> {
    let value = query.get(key)?;
    value.parse().map_or_else(
        |_| {
            problems.push(FieldProblem {
                field: key.to_owned(),
                message: "must be an integer".to_owned(),
            });
            None
        },
        Some,
    )
}
