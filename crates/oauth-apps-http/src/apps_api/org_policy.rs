//! An organisation's policy on surface A: `GET/PUT /api/organizations/{org}/policy`: how
//! long its new secrets live, what a leak report of a live secret does, and what clients
//! that register themselves may have.

use actix_web::{HttpResponse, web};
use oauth_apps_domain::{PolicyView, SelfRegistrationNames, SelfRegistrationView, SetPolicy};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppsApi, Caller, Error, Json, Query};
use crate::problem::{FieldProblem, Problem};
use crate::request::Write;
use crate::state::AppState;
use crate::wire::{RegistrationName, time};

/// What a leak report of a live secret does.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakedSecretActionName {
    /// The leaked secret stops authenticating at once (the default).
    Revoke,
    /// The leak is recorded and announced; the secret keeps working.
    Notify,
}

fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// The whole policy: what is left out takes its default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyBody {
    /// How long new secrets live, in days; `null` or left out: the platform default
    /// (`OAUTH_APPS_SECRET_LIFETIME_DAYS`). Secrets issued before keep their end.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3650)]
    secret_lifetime_days: Option<Option<i64>>,
    /// `revoke` (the default) or `notify`.
    #[serde(default)]
    #[schema(value_type = Option<LeakedSecretActionName>)]
    leaked_secret_action: Option<String>,
    /// What clients that register themselves (open registration, initial access tokens,
    /// metadata documents) may have; `null` or left out: the defaults.
    #[serde(default)]
    #[schema(nullable = true)]
    self_registration: Option<SelfRegistrationLists>,
    /// The profile every client of the organisation holds to, on every path that makes or
    /// changes one: `baseline` (the default), `fapi2` or `mcp`. Read
    /// `GET .../policy/violations?profile=` first: existing clients that break it keep
    /// working until they change, but every change (and a metadata document's next
    /// resolution) is refused until they hold to it.
    #[serde(default)]
    #[schema(value_type = Option<PolicyProfileName>)]
    profile: Option<String>,
    /// After how many days without a credential use or a registration read its
    /// self-registered clients (`dynamic`, `metadata_document`) are disabled, warned 7 days
    /// before; `null` or left out: never.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3650)]
    stale_after_days: Option<Option<i64>>,
}

/// A policy profile (docs/security.md, "Policy profiles").
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyProfileName {
    /// The registry's own rules (RFC 9700).
    Baseline,
    /// FAPI 2.0 Security Profile §5.3's client rules.
    Fapi2,
    /// MCP authorization 2026-07-28.
    Mcp,
}

/// Lists of grant types, scopes and authentication methods, each left out (or `null`)
/// for its default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelfRegistrationLists {
    /// Grant types (`authorization_code`, `refresh_token`, `client_credentials`,
    /// `urn:ietf:params:oauth:grant-type:device_code`). Default in a policy:
    /// `authorization_code` and `refresh_token`.
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    /// Scopes of the catalog. In a policy, only those the platform lets clients register
    /// themselves for (`OAUTH_APPS_SELF_REGISTRATION_SCOPES`), and all of them by default;
    /// in an initial access token's allowance, any.
    #[serde(default)]
    scopes: Option<Vec<String>>,
    /// Authentication methods (`client_secret_basic`, `client_secret_post`,
    /// `private_key_jwt`, `none`). Default in a policy: all four.
    #[serde(default)]
    auth_methods: Option<Vec<String>>,
}

impl From<SelfRegistrationLists> for SelfRegistrationNames {
    fn from(l: SelfRegistrationLists) -> Self {
        Self {
            grant_types: l.grant_types,
            scopes: l.scopes,
            auth_methods: l.auth_methods,
        }
    }
}

/// Grant types, scopes and authentication methods.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelfRegistrationAnswer {
    pub(super) grant_types: Vec<&'static str>,
    pub(super) scopes: Vec<String>,
    pub(super) auth_methods: Vec<&'static str>,
}

impl From<SelfRegistrationView> for SelfRegistrationAnswer {
    fn from(v: SelfRegistrationView) -> Self {
        Self {
            grant_types: v.grant_types.iter().map(|g| g.as_str()).collect(),
            scopes: v.scopes,
            auth_methods: v.auth_methods.iter().map(|m| m.as_str()).collect(),
        }
    }
}

/// An organisation's policy as it applies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAnswer {
    owner_org_id: String,
    /// The lifetime the organisation set; `null`: the platform default.
    #[schema(required = true)]
    secret_lifetime_days: Option<u32>,
    /// The lifetime new secrets get; `null`: they do not expire.
    #[schema(required = true)]
    effective_secret_lifetime_days: Option<u32>,
    #[schema(value_type = LeakedSecretActionName)]
    leaked_secret_action: &'static str,
    /// What clients that register themselves may have, as it applies (the defaults
    /// filled in).
    self_registration: SelfRegistrationAnswer,
    #[schema(value_type = PolicyProfileName)]
    profile: &'static str,
    /// After how many quiet days self-registered clients are disabled; `null`: never.
    #[schema(required = true)]
    stale_after_days: Option<u32>,
    /// Who set it; `null` when it was never set.
    #[schema(required = true)]
    updated_by: Option<String>,
    #[schema(format = DateTime, required = true)]
    updated_at: Option<String>,
}

impl From<PolicyView> for PolicyAnswer {
    fn from(v: PolicyView) -> Self {
        let (updated_by, updated_at) = match v.updated {
            Some((by, at)) => (Some(by), Some(time(at))),
            None => (None, None),
        };
        Self {
            owner_org_id: v.owner_org_id.as_str().to_owned(),
            secret_lifetime_days: v.secret_lifetime_days,
            effective_secret_lifetime_days: v.effective_secret_lifetime_days,
            leaked_secret_action: v.leaked_secret_action.as_str(),
            self_registration: v.self_registration.into(),
            profile: v.profile.as_str(),
            stale_after_days: v.stale_after_days,
            updated_by,
            updated_at,
        }
    }
}

/// An organisation's policy: for its members and admins.
#[utoipa::path(
    get, path = "/api/organizations/{org}/policy", operation_id = "flat_get_policy", tag = "flat",
    params(("org" = String, Path, pattern = "^[A-Za-z0-9_.-]{1,64}$", description = "The organisation")),
    responses((status = 200, description = "The policy as it applies", body = PolicyAnswer)),
)]
pub async fn get(
    caller: Caller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let view = state.secrets.policy(&caller, &path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(PolicyAnswer::from(view)))
}

/// Sets an organisation's policy (admins): the whole policy, what is left out takes its
/// default. New secrets get the new lifetime; clients that register themselves are held to
/// the new self-registration limits from their next registration, replacement or
/// resolution.
#[utoipa::path(
    put, path = "/api/organizations/{org}/policy", operation_id = "flat_put_policy", tag = "flat",
    params(("org" = String, Path, pattern = "^[A-Za-z0-9_.-]{1,64}$", description = "The organisation")),
    request_body = PolicyBody,
    responses((status = 200, description = "The policy as it applies now", body = PolicyAnswer)),
)]
pub async fn put(
    caller: Caller<Write>,
    path: web::Path<String>,
    body: Json<PolicyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let b = body.into_inner();
    let view = state
        .secrets
        .set_policy(
            &caller,
            &path.into_inner(),
            SetPolicy {
                secret_lifetime_days: b.secret_lifetime_days.flatten(),
                leaked_secret_action: b.leaked_secret_action,
                self_registration: b.self_registration.map(Into::into),
                profile: b.profile,
                stale_after_days: b.stale_after_days.flatten(),
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(PolicyAnswer::from(view)))
}

/// `GET .../policy/violations` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViolationsQuery {
    /// The profile to judge the organisation's clients by.
    #[param(value_type = PolicyProfileName)]
    profile: String,
}

/// A client that breaks the profile, and every rule it breaks.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    #[schema(format = "uuid")]
    client_id: String,
    name: String,
    /// How it was registered (a metadata document client changes only with its document).
    registration: RegistrationName,
    /// Whether it is disabled (it is listed all the same: it may be enabled again).
    disabled: bool,
    /// The rules it breaks: each field (as this surface names it) and the rule, naming
    /// the profile and the rule's name (`fapi2.sender_constrained_tokens`, ...).
    errors: Vec<FieldProblem>,
}

/// The clients of an organisation a profile would refuse.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ViolationsAnswer {
    #[schema(value_type = PolicyProfileName)]
    profile: &'static str,
    /// Newest first.
    violations: Vec<Violation>,
}

/// Which existing clients of an organisation break a profile, with the rules: what to
/// read before switching the profile on (for its members and admins).
#[utoipa::path(
    get, path = "/api/organizations/{org}/policy/violations",
    operation_id = "flat_policy_violations", tag = "flat",
    params(("org" = String, Path, pattern = "^[A-Za-z0-9_.-]{1,64}$", description = "The organisation"),
        ViolationsQuery),
    responses((status = 200, description = "The clients that would break it", body = ViolationsAnswer)),
)]
pub async fn violations(
    caller: Caller,
    path: web::Path<String>,
    query: Query<ViolationsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let (profile, found) = state
        .service
        .policy_violations(&caller, &path.into_inner(), &query.into_inner().profile)
        .await?;
    Ok(HttpResponse::Ok().json(ViolationsAnswer {
        profile: profile.as_str(),
        violations: found
            .iter()
            .map(|v| Violation {
                client_id: v.application.client_id().to_string(),
                name: v.application.profile().name().as_str().to_owned(),
                registration: v.application.registration().into(),
                disabled: v.application.is_disabled(),
                errors: Problem::invalid::<AppsApi>(&v.broken).errors().to_vec(),
            })
            .collect(),
    }))
}
