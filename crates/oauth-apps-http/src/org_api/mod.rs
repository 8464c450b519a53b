//! Surface B: `/api/v1/organizations/{org_id}/oauth-applications`, snake_case, every
//! answer in a `{success, data, message}` envelope.

pub mod dto;
pub mod handlers;

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use oauth_apps_domain::{AppId, AppRef, Field, OrgId};

use crate::problem::{self, FieldProblem, Problem};
use crate::request;

/// Surface B.
pub struct OrgApi;

impl problem::Surface for OrgApi {
    fn field_name(field: Field) -> &'static str {
        match field {
            Field::RedirectUrls => "redirect_uris",
            Field::AllowedScopes => "scopes",
            Field::OwnerOrgId => "org_id",
            Field::Limit => "per_page",
            other => other.name(),
        }
    }

    fn respond(problem: &Problem) -> HttpResponse {
        problem.response().json(dto::ErrorEnvelope::from(problem))
    }
}

/// Surface B's error type.
pub type Error = problem::ApiError<OrgApi>;
/// The caller of a surface B request, counted against its limit `L`.
pub type Caller<L = request::Read> = request::Caller<OrgApi, L>;
/// A required JSON body on surface B.
pub type Json<T> = crate::json::Json<T, OrgApi>;
/// An optional JSON body on surface B.
pub type OptionalJson<T> = crate::json::OptionalJson<T, OrgApi>;
/// Query parameters on surface B.
pub type Query<T> = crate::json::Query<T, OrgApi>;

/// The organisation a path names by `{org_id}`: one that cannot exist is not found.
pub struct Org(pub OrgId);

impl Org {
    fn of(req: &HttpRequest) -> Result<OrgId, Problem> {
        req.match_info()
            .get("org_id")
            .and_then(|org| OrgId::parse(org).ok())
            .ok_or_else(Problem::not_found)
    }
}

impl FromRequest for Org {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req).map(Self).map_err(Error::from))
    }
}

/// The application a path names by `{org_id}` and `{app_id}`: an `app_id` that is not an
/// integer is 400; one of another organisation is not found.
pub struct Target(pub AppRef);

impl FromRequest for Target {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            (|| -> Result<Self, Problem> {
                let raw = req.match_info().get("app_id").unwrap_or_default();
                let id: i64 = raw.parse().map_err(|_| {
                    Problem::bad_request(
                        "app_id must be an integer.",
                        vec![FieldProblem::new("app_id", "must be an integer")],
                    )
                })?;
                let org = Org::of(req)?;
                let id = AppId::new(id).map_err(|_| Problem::not_found())?;
                Ok(Self(AppRef::InOrg { org, id }))
            })()
            .map_err(Error::from),
        )
    }
}

/// The path of surface B's collection.
pub const BASE: &str = "/api/v1/organizations/{org_id}/oauth-applications";

/// Registers surface B's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers as h;
    cfg.service(
        web::resource(BASE)
            .wrap(from_fn(crate::idempotency::idempotent::<OrgApi>))
            .route(crate::get_or_head().to(h::list))
            .route(web::post().to(h::create)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}"))
            .route(crate::get_or_head().to(h::get))
            .route(web::patch().to(h::patch))
            .route(web::delete().to(h::revoke)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}/regenerate-secret"))
            .wrap(from_fn(crate::idempotency::idempotent::<OrgApi>))
            .route(web::post().to(h::regenerate_secret)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}/rotate-keys"))
            .wrap(from_fn(crate::idempotency::idempotent::<OrgApi>))
            .route(web::post().to(h::rotate_keys)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}/events"))
            .route(crate::get_or_head().to(h::events)),
    );
}
