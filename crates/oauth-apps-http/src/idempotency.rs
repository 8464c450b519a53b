//! `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on the creates and
//! rotations of both surfaces: a request retried with the same key and the same content
//! within 24 hours is answered with the first answer again (the secret included) instead
//! of running twice; the same key with other content is 422 (§2.7); a request with the key
//! still running is 409 (§2.7). Keys are the caller's own: the record is kept per token
//! subject, so two callers' keys never meet.
//!
//! The header is a Structured Field String (§2.1, RFC 8941: `"8e03978e-..."`); a bare
//! value of visible characters is read as the same key, as widely deployed clients send
//! it. The request's fingerprint is the SHA-256 of its method, path and query, and body.
//! Answers of 5xx, 408 and 429 are not kept (the retry runs again); every other answer is,
//! sealed (`IdempotencyService`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use oauth_apps_domain::{Begun, is_valid_idempotency_key};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::problem::{FieldProblem, Problem, Surface};
use crate::state::AppState;
use crate::{apps_api, org_api, request};

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header on an answer given again.
pub const REPLAYED: &str = "idempotent-replayed";

/// The header fields kept with an answer.
const KEPT_FIELDS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "cache-control",
    "pragma",
];

/// What is kept of an answer.
#[derive(Serialize, Deserialize)]
struct StoredAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// The key an `Idempotency-Key` value names: an sf-string's content (with `\"` and `\\`
/// unescaped), or a bare value; `None` when it is neither, or not a key this service keeps
/// (1-255 visible ASCII characters).
#[must_use]
pub fn key_of(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let key = match text.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"')?;
            let mut key = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some(e @ ('"' | '\\')) => key.push(e),
                        _ => return None,
                    },
                    '"' => return None,
                    c => key.push(c),
                }
            }
            key
        }
        None => text.to_owned(),
    };
    is_valid_idempotency_key(&key).then_some(key)
}

/// The answer to `problem` in the shape of the request's surface.
fn problem_answer(req: ServiceRequest, problem: &Problem) -> ServiceResponse<BoxBody> {
    let answer = if req.path().starts_with("/api/v1/") {
        <org_api::OrgApi as Surface>::respond(problem)
    } else {
        <apps_api::AppsApi as Surface>::respond(problem)
    };
    req.into_response(answer)
}

fn header_problem(status: StatusCode, detail: &str, rule: &str) -> Problem {
    Problem::new(status, detail).with_errors(vec![FieldProblem::new("Idempotency-Key", rule)])
}

/// The SHA-256 of the request's method, path and query, and body.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update([0]);
    hash.update(
        req.uri()
            .path_and_query()
            .map_or(req.path(), |p| p.as_str())
            .as_bytes(),
    );
    hash.update([0]);
    hash.update(body);
    hash.finalize().into()
}

/// Whether an answer with `status` is given again to a retry (§2.6: the first answer is);
/// a server fault, a time-out or a rate limit is not, so that the retry runs again.
fn is_kept(status: StatusCode) -> bool {
    !status.is_server_error()
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
}

fn replay(req: ServiceRequest, bytes: &[u8]) -> ServiceResponse<BoxBody> {
    let Ok(stored) = serde_json::from_slice::<StoredAnswer>(bytes) else {
        tracing::error!("a kept idempotent answer cannot be read");
        return problem_answer(
            req,
            &Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
            ),
        );
    };
    let mut answer =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            answer.append_header((name, value));
        }
    }
    answer.insert_header((REPLAYED, "true"));
    req.into_response(answer.body(stored.body))
}

/// The middleware on the routes that create or rotate (see the module documentation).
///
/// # Errors
/// What the route returns.
pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let values: Vec<HeaderValue> = req.headers().get_all(IDEMPOTENCY_KEY).cloned().collect();
    if values.is_empty() || req.method() != Method::POST {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match values.as_slice() {
        [value] => key_of(value),
        _ => None,
    };
    let Some(key) = key else {
        return Ok(problem_answer(
            req,
            &header_problem(
                StatusCode::BAD_REQUEST,
                "The Idempotency-Key header cannot be read.",
                "must be one string of 1 to 255 visible ASCII characters, such as \
                 \"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
            ),
        ));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Without a valid token the route answers 401 itself; nothing to remember.
    let Ok(principal) = request::authenticate(req.request(), &state) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let scope = principal.subject().to_owned();
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk?);
    }
    let body = body.freeze();
    let print = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));
    match state.idempotency.begin(&scope, &key, &print).await {
        Err(e) => {
            tracing::warn!(error = %e, "idempotency records unavailable");
            Ok(problem_answer(
                req,
                &Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is temporarily unavailable.",
                ),
            ))
        }
        Ok(Begun::InFlight) => Ok(problem_answer(
            req,
            &header_problem(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being processed.",
                "names a request still being processed; retry when it has finished",
            ),
        )),
        Ok(Begun::Mismatch) => Ok(problem_answer(
            req,
            &header_problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used for another request.",
                "was used within 24 hours for a request with another method, path or body; \
                 use a new key for a new request",
            ),
        )),
        Ok(Begun::Replay(bytes)) => Ok(replay(req, &bytes)),
        Ok(Begun::Run) => {
            let res = match next.call(req).await {
                Ok(res) => res.map_into_boxed_body(),
                Err(e) => {
                    let _ = state.idempotency.release(&scope, &key).await;
                    return Err(e);
                }
            };
            let status = res.status();
            let (req, response) = res.into_parts();
            let (head, answer) = response.into_parts();
            let bytes = actix_web::body::to_bytes(answer).await.unwrap_or_default();
            if is_kept(status) {
                let stored = StoredAnswer {
                    status: status.as_u16(),
                    headers: KEPT_FIELDS
                        .iter()
                        .flat_map(|name| {
                            head.headers().get_all(*name).filter_map(|v| {
                                v.to_str().ok().map(|v| ((*name).to_owned(), v.to_owned()))
                            })
                        })
                        .collect(),
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                };
                let kept = match serde_json::to_vec(&stored) {
                    Ok(encoded) => state.idempotency.finish(&scope, &key, &encoded).await,
                    Err(e) => {
                        tracing::error!(error = %e, "an answer could not be encoded");
                        state.idempotency.release(&scope, &key).await
                    }
                };
                if let Err(e) = kept {
                    // The answer still goes out; a retry runs again after the lock.
                    tracing::warn!(error = %e, "an idempotent answer could not be kept");
                }
            } else if let Err(e) = state.idempotency.release(&scope, &key).await {
                tracing::warn!(error = %e, "an idempotency key could not be released");
            }
            Ok(ServiceResponse::new(
                req,
                head.set_body(BoxBody::new(bytes)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_structured_strings_or_bare_values() {
        let key = |v: &str| key_of(&HeaderValue::from_str(v).unwrap());
        assert_eq!(key("\"8e03978e-40d5\"").as_deref(), Some("8e03978e-40d5"));
        assert_eq!(key("8e03978e-40d5").as_deref(), Some("8e03978e-40d5"));
        assert_eq!(
            key(r#""a \"quoted\" \\ key""#).as_deref(),
            Some(r#"a "quoted" \ key"#)
        );
        assert_eq!(key("\"\""), None);
        assert_eq!(key("\"open"), None);
        assert_eq!(key(r#""bad \n escape""#), None);
        assert_eq!(key(r#""in"side""#), None);
        assert_eq!(key(&"k".repeat(256)), None);
    }

    #[test]
    fn faults_time_outs_and_rate_limits_are_not_kept() {
        assert!(is_kept(StatusCode::CREATED));
        assert!(is_kept(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(is_kept(StatusCode::CONFLICT));
        assert!(!is_kept(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_kept(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_kept(StatusCode::REQUEST_TIMEOUT));
        assert!(!is_kept(StatusCode::TOO_MANY_REQUESTS));
    }
}
