//! One error type for both surfaces: RFC 9457 problem details on the flat surface, the
//! `{success: false, message, error}` envelope on the v1 surface.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use oauth_apps_domain::{ErrorKind, Field, ValidationErrors};
use serde_json::json;

/// Which API surface answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/oauth-applications`, camelCase, problem details.
    Flat,
    /// `/api/v1/organizations/{org_id}/oauth-applications`, snake_case, envelope.
    V1,
}

impl Surface {
    /// The surface's name for a domain field.
    #[must_use]
    pub const fn field_name(self, field: Field) -> &'static str {
        match self {
            Self::Flat => match field {
                Field::ClientId => "clientId",
                Field::OwnerOrgId => "ownerOrgId",
                Field::RedirectUrls => "redirectUrls",
                Field::AllowedScopes => "allowedScopes",
                Field::GrantTypes => "grantTypes",
                Field::AccessLevel => "accessLevel",
                Field::IsFirstParty => "isFirstParty",
                Field::GracePeriodSeconds => "gracePeriodSeconds",
                Field::Status => "disabled",
                other => other.name(),
            },
            Self::V1 => match field {
                Field::RedirectUrls => "redirect_uris",
                Field::AllowedScopes => "scopes",
                Field::OwnerOrgId => "org_id",
                Field::Limit => "per_page",
                other => other.name(),
            },
        }
    }
}

/// A field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field, in the surface's spelling (`redirectUrls[2]`).
    pub field: String,
    /// The rule it broke.
    pub message: String,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    surface: Surface,
    status: StatusCode,
    detail: String,
    errors: Vec<FieldProblem>,
    www_authenticate: Option<&'static str>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `status` and a human-readable `detail`.
    #[must_use]
    pub fn new(surface: Surface, status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            surface,
            status,
            detail: detail.into(),
            errors: Vec::new(),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// A 429 asking the caller to wait `retry_after`.
    #[must_use]
    pub fn rate_limited(surface: Surface, retry_after: std::time::Duration) -> Self {
        let mut e = Self::new(
            surface,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests from this caller; retry after the time in Retry-After.",
        );
        e.retry_after = Some(retry_after.as_secs_f64().ceil().max(1.0) as u64);
        e
    }

    /// With field problems.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    /// A 401 with the `WWW-Authenticate` challenge of RFC 6750.
    #[must_use]
    pub fn unauthorized(surface: Surface, invalid_token: bool, detail: &str) -> Self {
        let mut e = Self::new(surface, StatusCode::UNAUTHORIZED, detail);
        e.www_authenticate = Some(if invalid_token {
            "Bearer error=\"invalid_token\""
        } else {
            "Bearer"
        });
        e
    }

    /// A 400 naming the fields of a malformed body.
    #[must_use]
    pub fn bad_request(surface: Surface, detail: &str, errors: Vec<FieldProblem>) -> Self {
        Self::new(surface, StatusCode::BAD_REQUEST, detail).with_errors(errors)
    }

    /// A 422 naming every field that broke a rule.
    #[must_use]
    pub fn validation(surface: Surface, errors: &ValidationErrors) -> Self {
        let problems = errors
            .errors()
            .iter()
            .map(|e| FieldProblem {
                field: match e.index {
                    Some(i) => format!("{}[{i}]", surface.field_name(e.field)),
                    None => surface.field_name(e.field).to_owned(),
                },
                message: e.violation.to_string(),
            })
            .collect();
        Self::new(
            surface,
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request breaks the rules for OAuth applications.",
        )
        .with_errors(problems)
    }

    /// The answer for a use-case error of `kind`; `detail` is the error's own text.
    #[must_use]
    pub fn from_kind(surface: Surface, kind: ErrorKind, detail: String) -> Self {
        let (status, detail) = match kind {
            ErrorKind::NotFound => (
                StatusCode::NOT_FOUND,
                "The OAuth application was not found.".into(),
            ),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, detail),
            ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, detail),
            ErrorKind::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "The current version of the application is not one that If-Match names.".into(),
            ),
            ErrorKind::Conflict => (StatusCode::CONFLICT, detail),
            ErrorKind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable; retry shortly.".into(),
            ),
            ErrorKind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.".into(),
            ),
        };
        Self::new(surface, status, detail)
    }

    /// The status code.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    fn code(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            408 => "request_timeout",
            409 => "conflict",
            412 => "precondition_failed",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "validation_error",
            429 => "rate_limited",
            503 => "service_unavailable",
            _ => "internal_error",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let errors: Vec<_> = self
            .errors
            .iter()
            .map(|e| json!({"field": e.field, "message": e.message}))
            .collect();
        let mut response = HttpResponse::build(self.status);
        if let Some(challenge) = self.www_authenticate {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        match self.surface {
            Surface::Flat => {
                let mut body = json!({
                    "type": format!("urn:oauth-apps:problem:{}", self.code()),
                    "title": self.status.canonical_reason().unwrap_or("Error"),
                    "status": self.status.as_u16(),
                    "detail": self.detail,
                });
                if !errors.is_empty() {
                    body["errors"] = errors.into();
                }
                response
                    .content_type("application/problem+json")
                    .body(body.to_string())
            }
            Surface::V1 => {
                let mut error = json!({"code": self.code()});
                if !errors.is_empty() {
                    error["details"] = errors.into();
                }
                response.json(json!({
                    "success": false,
                    "message": self.detail,
                    "error": error,
                }))
            }
        }
    }
}
