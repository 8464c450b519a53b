//! What goes wrong, once for both surfaces: a [`Problem`] (status, detail, the fields and
//! the rules they broke, challenge and retry headers), and [`ApiError`], the error type of
//! one surface, which renders a problem in that surface's shape (RFC 9457 problem details
//! on surface A, the `{success: false, message, error}` envelope on surface B).

use std::marker::PhantomData;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use oauth_apps_domain::{
    AuthenticateError, ErrorKind, EventsError, FeedError, Field, GetError, ListError,
    ListTokensError, MintTokenError, PolicyError, RegisterError, ResolveError,
    RevokePreviousSecretError, RevokeTokenError, RotateKeysError, RotateSecretError,
    StatusChangeError, UpdateError, ValidationErrors, WebhookError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One API surface: how it names the domain's fields and how it answers a problem.
pub trait Surface: 'static {
    /// The surface's name for a domain field (`redirectUrls` or `redirect_uris`).
    fn field_name(field: Field) -> &'static str;

    /// The answer for `problem`, in the surface's shape.
    fn respond(problem: &Problem) -> HttpResponse;
}

/// A machine-readable error code: the v1 envelope's `error.code`, and the last part of a
/// problem's `type` (`urn:oauth-apps:problem:<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: malformed JSON, a wrong type, a missing or unknown field, a bad parameter.
    BadRequest,
    /// 401: no token, or one that is not valid.
    Unauthorized,
    /// 403: the caller may not do this.
    Forbidden,
    /// 404: no such application for this caller.
    NotFound,
    /// 408: the body was not received in time.
    RequestTimeout,
    /// 409: the application's state forbids it.
    Conflict,
    /// 412: `If-Match` names no current version.
    PreconditionFailed,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: a value breaks a rule.
    ValidationError,
    /// 429: the caller is over its rate limit.
    RateLimited,
    /// 503: a dependency is unavailable.
    ServiceUnavailable,
    /// 500: a fault of the service.
    InternalError,
}

impl ErrorCode {
    /// The code of an answer with `status`.
    #[must_use]
    pub fn of(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            408 => Self::RequestTimeout,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationError,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            _ => Self::InternalError,
        }
    }

    /// The code as written on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::RequestTimeout => "request_timeout",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationError => "validation_error",
            Self::RateLimited => "rate_limited",
            Self::ServiceUnavailable => "service_unavailable",
            Self::InternalError => "internal_error",
        }
    }
}

/// A field and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field, in the surface's spelling; list elements with their index
    /// (`redirectUrls[2]`).
    pub field: String,
    /// The rule it broke.
    pub message: String,
}

impl FieldProblem {
    /// `field` broke `message`.
    #[must_use]
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What a use case acts on, for the texts of its problems: the rules a request breaks,
/// what was not found, what changed since `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// The resources whose rules a request breaks (plural: `webhooks`).
    rules: &'static str,
    /// The detail of a 404.
    not_found: &'static str,
    /// The detail of a 412.
    changed: &'static str,
}

impl Resource {
    /// OAuth applications (both surfaces, registration).
    pub const APPLICATION: Self = Self {
        rules: "OAuth applications",
        not_found: "The OAuth application was not found.",
        changed: "The application has changed since the version in If-Match.",
    };
    /// Webhooks (`/api/webhooks`).
    pub const WEBHOOK: Self = Self {
        rules: "webhooks",
        not_found: "The webhook was not found.",
        changed: "The webhook has changed since the version in If-Match.",
    };
    /// Initial access tokens (`/api/initial-access-tokens`).
    pub const INITIAL_ACCESS_TOKEN: Self = Self {
        rules: "initial access tokens",
        not_found: "The initial access token was not found.",
        changed: "The initial access token has changed since the version in If-Match.",
    };
    /// An organisation's initial access tokens, listed (404: the organisation).
    pub const INITIAL_ACCESS_TOKENS: Self = Self {
        not_found: "The organisation was not found.",
        ..Self::INITIAL_ACCESS_TOKEN
    };
    /// An organisation's policy (`/api/organizations/{orgId}/policy`; 404: the
    /// organisation).
    pub const POLICY: Self = Self {
        rules: "organisation policies",
        not_found: "The organisation was not found.",
        changed: "The policy has changed since the version in If-Match.",
    };
    /// The change feed (`/api/events`; 404: the organisation).
    pub const FEED: Self = Self {
        rules: "the change feed",
        not_found: "The organisation was not found.",
        changed: "The feed has changed since the version in If-Match.",
    };

    /// The detail of a 422: `The request breaks the rules for webhooks.`
    #[must_use]
    pub fn breaks_the_rules(self) -> String {
        format!("The request breaks the rules for {}.", self.rules)
    }
}

/// What went wrong, before a surface gives it its shape.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldProblem>,
    www_authenticate: Option<&'static str>,
    retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status` and a human-readable `detail`.
    #[must_use]
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: Vec::new(),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// With the fields and the rules they broke.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    /// A 400 naming each problem of a request's body or parameters.
    #[must_use]
    pub fn bad_request(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail).with_errors(errors)
    }

    /// A 404 for an application this caller cannot see (or that does not exist).
    #[must_use]
    pub fn not_found() -> Self {
        Self::not_found_about(Resource::APPLICATION)
    }

    /// A 404 for a `resource` this caller cannot see (or that does not exist).
    #[must_use]
    pub fn not_found_about(resource: Resource) -> Self {
        Self::new(StatusCode::NOT_FOUND, resource.not_found)
    }

    /// A 401 with the `WWW-Authenticate` challenge of RFC 6750: `error="invalid_token"`
    /// when a token was given but refused.
    #[must_use]
    pub fn unauthorized(invalid_token: bool, detail: impl Into<String>) -> Self {
        let mut p = Self::new(StatusCode::UNAUTHORIZED, detail);
        p.www_authenticate = Some(if invalid_token {
            "Bearer error=\"invalid_token\""
        } else {
            "Bearer"
        });
        p
    }

    /// A 429 asking the caller to wait `retry_after`.
    #[must_use]
    pub fn rate_limited(retry_after: Duration) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests from this caller; retry after the time in Retry-After.",
        );
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        p.retry_after = Some(seconds.max(1));
        p
    }

    /// A 422 naming every field that broke a rule of applications, as the surface `S`
    /// names fields.
    #[must_use]
    pub fn invalid<S: Surface>(errors: &ValidationErrors) -> Self {
        Self::invalid_about::<S>(errors, Resource::APPLICATION)
    }

    /// A 422 naming every field that broke a rule of `resource`, as the surface `S` names
    /// fields.
    #[must_use]
    pub fn invalid_about<S: Surface>(errors: &ValidationErrors, resource: Resource) -> Self {
        let problems = errors
            .errors()
            .iter()
            .map(|e| {
                let name = S::field_name(e.field);
                FieldProblem::new(
                    e.index
                        .map_or_else(|| name.to_owned(), |i| format!("{name}[{i}]")),
                    e.violation.to_string(),
                )
            })
            .collect();
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            resource.breaks_the_rules(),
        )
        .with_errors(problems)
    }

    /// The problem for a use-case error of `kind` about an application; `detail` is the
    /// error's own text.
    #[must_use]
    pub fn of_kind(kind: ErrorKind, detail: String) -> Self {
        Self::of_kind_about(kind, detail, Resource::APPLICATION)
    }

    /// The problem for a use-case error of `kind` about `resource`; `detail` is the
    /// error's own text.
    #[must_use]
    pub fn of_kind_about(kind: ErrorKind, detail: String, resource: Resource) -> Self {
        match kind {
            ErrorKind::NotFound => Self::not_found_about(resource),
            ErrorKind::Forbidden => Self::new(StatusCode::FORBIDDEN, detail),
            ErrorKind::Invalid => Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail),
            ErrorKind::PreconditionFailed => {
                Self::new(StatusCode::PRECONDITION_FAILED, resource.changed)
            }
            ErrorKind::Conflict => Self::new(StatusCode::CONFLICT, detail),
            ErrorKind::Unavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable; retry shortly.",
            ),
            ErrorKind::Internal => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
            ),
        }
    }

    /// The status code.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The human-readable detail.
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The fields and the rules they broke.
    #[must_use]
    pub fn errors(&self) -> &[FieldProblem] {
        &self.errors
    }

    /// The error code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        ErrorCode::of(self.status)
    }

    /// An answer builder with the status and the headers the problem needs
    /// (`WWW-Authenticate`, `Retry-After`); the surface adds the body.
    #[must_use]
    pub fn response(&self) -> HttpResponseBuilder {
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
        response
    }
}

/// The error type of the surface `S`: handlers and extractors return it, and `?` turns a
/// [`Problem`] or a use-case error into it.
pub struct ApiError<S> {
    problem: Problem,
    surface: PhantomData<fn() -> S>,
}

impl<S> ApiError<S> {
    /// The problem it answers.
    #[must_use]
    pub const fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl<S> From<Problem> for ApiError<S> {
    fn from(problem: Problem) -> Self {
        Self {
            problem,
            surface: PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for ApiError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ApiError").field(&self.problem).finish()
    }
}

impl<S> std::fmt::Display for ApiError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}",
            self.problem.status.as_u16(),
            self.problem.detail
        )
    }
}

impl<S: Surface> ResponseError for ApiError<S> {
    fn status_code(&self) -> StatusCode {
        self.problem.status
    }

    fn error_response(&self) -> HttpResponse {
        S::respond(&self.problem)
    }
}

/// A use-case error as the HTTP layer sees it: its class, its field errors when it is a
/// validation error, and what it is about. Never its text for a fault: that is logged, not
/// answered.
pub trait UseCaseError: std::error::Error {
    /// Its class.
    fn kind(&self) -> ErrorKind;
    /// Its field errors, when it is a validation error.
    fn validation(&self) -> Option<&ValidationErrors>;
    /// What it is about, for the problem's text.
    fn resource(&self) -> Resource;
}

macro_rules! use_case_error {
    ($($name:ident $(: $invalid:ident)? $(@ $resource:ident)?),+ $(,)?) => {$(
        impl UseCaseError for $name {
            fn kind(&self) -> ErrorKind {
                $name::kind(self)
            }
            fn validation(&self) -> Option<&ValidationErrors> {
                match self {
                    $(Self::$invalid(errors) => Some(errors),)?
                    _ => None,
                }
            }
            fn resource(&self) -> Resource {
                resource_of!($($resource)?)
            }
        }
    )+};
}

/// The resource named in a `use_case_error!` line; applications when none is.
macro_rules! resource_of {
    () => {
        Resource::APPLICATION
    };
    ($resource:ident) => {
        Resource::$resource
    };
}

use_case_error!(
    RegisterError: Invalid,
    GetError,
    ListError: Invalid,
    UpdateError: Invalid,
    StatusChangeError,
    RotateSecretError: Invalid,
    RotateKeysError: Invalid,
    RevokePreviousSecretError,
    AuthenticateError,
    EventsError: Invalid,
    MintTokenError: Invalid @ INITIAL_ACCESS_TOKEN,
    ListTokensError: Invalid @ INITIAL_ACCESS_TOKENS,
    RevokeTokenError @ INITIAL_ACCESS_TOKEN,
    ResolveError,
    FeedError: Invalid @ FEED,
    WebhookError: Invalid @ WEBHOOK,
    PolicyError: Invalid @ POLICY,
);

impl<S: Surface, E: UseCaseError> From<E> for ApiError<S> {
    /// Faults are logged with their cause chain; the caller gets a generic message.
    fn from(e: E) -> Self {
        if let Some(errors) = e.validation() {
            return Problem::invalid_about::<S>(errors, e.resource()).into();
        }
        let kind = e.kind();
        if matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable) {
            let mut chain = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                chain.push_str(": ");
                chain.push_str(&cause.to_string());
                source = cause.source();
            }
            if kind == ErrorKind::Internal {
                tracing::error!(error = %chain, "request failed");
            } else {
                tracing::warn!(error = %chain, "dependency unavailable");
            }
        }
        Problem::of_kind_about(kind, e.to_string(), e.resource()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_status() {
        assert_eq!(ErrorCode::of(StatusCode::NOT_FOUND).as_str(), "not_found");
        assert_eq!(
            ErrorCode::of(StatusCode::UNPROCESSABLE_ENTITY).as_str(),
            "validation_error"
        );
        assert_eq!(
            ErrorCode::of(StatusCode::IM_A_TEAPOT),
            ErrorCode::InternalError
        );
        // The wire spelling is the serde spelling.
        for code in [ErrorCode::RequestTimeout, ErrorCode::PayloadTooLarge] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    /// Each use case's problems name what it acts on: a webhook, an initial access
    /// token, a policy, the feed, not an application.
    #[test]
    fn problems_name_the_resource_they_are_about() {
        use oauth_apps_domain::{FieldError, Violation};
        type Api = crate::apps_api::AppsApi;
        let detail = |e: ApiError<Api>| e.problem().detail().to_owned();
        let invalid = || ValidationErrors::from(FieldError::new(Field::Url, Violation::Required));
        assert_eq!(
            detail(WebhookError::NotFound.into()),
            "The webhook was not found."
        );
        assert_eq!(
            detail(WebhookError::Invalid(invalid()).into()),
            "The request breaks the rules for webhooks."
        );
        assert_eq!(
            detail(WebhookError::PreconditionFailed.into()),
            "The webhook has changed since the version in If-Match."
        );
        assert_eq!(
            detail(RevokeTokenError::NotFound.into()),
            "The initial access token was not found."
        );
        assert_eq!(
            detail(MintTokenError::Invalid(invalid()).into()),
            "The request breaks the rules for initial access tokens."
        );
        assert_eq!(
            detail(ListTokensError::NotFound.into()),
            "The organisation was not found."
        );
        assert_eq!(
            detail(PolicyError::Invalid(invalid()).into()),
            "The request breaks the rules for organisation policies."
        );
        assert_eq!(
            detail(PolicyError::NotFound.into()),
            "The organisation was not found."
        );
        assert_eq!(
            detail(FeedError::Invalid(invalid()).into()),
            "The request breaks the rules for the change feed."
        );
        // Applications keep their texts.
        assert_eq!(
            detail(GetError::NotFound.into()),
            "The OAuth application was not found."
        );
        assert_eq!(
            detail(UpdateError::Invalid(invalid()).into()),
            "The request breaks the rules for OAuth applications."
        );
        assert_eq!(
            detail(UpdateError::PreconditionFailed.into()),
            "The application has changed since the version in If-Match."
        );
        // A quota is a conflict with the organisation's state, named by the domain.
        let quota: ApiError<Api> = WebhookError::TooMany(10).into();
        assert_eq!(quota.problem().status(), StatusCode::CONFLICT);
        assert!(quota.problem().detail().contains("10 webhooks"));
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let wait = |ms| {
            Problem::rate_limited(Duration::from_millis(ms))
                .response()
                .finish()
                .headers()
                .get(header::RETRY_AFTER)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(wait(10), "1");
        assert_eq!(wait(1000), "1");
        assert_eq!(wait(1500), "2");
    }
}
