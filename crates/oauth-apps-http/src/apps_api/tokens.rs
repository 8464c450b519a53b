//! Initial access tokens (RFC 7591 §3) on surface A: `/api/initial-access-tokens`. An
//! organisation's admins mint a token (shown once), list them and revoke them; a client
//! presents one as a bearer token to register itself into that organisation.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::{InitialAccessToken, MintInitialAccessToken};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::org_policy::{SelfRegistrationAnswer, SelfRegistrationLists};
use super::{Caller, Error, Json, Query};
use crate::request::{Write, no_store};
use crate::state::AppState;
use crate::wire::time;

/// The body of a mint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MintToken {
    /// The organisation the clients it registers will belong to.
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    owner_org_id: String,
    /// How long the token works, from now: 60 seconds to 90 days.
    #[schema(minimum = 60, maximum = 7_776_000)]
    expires_in_seconds: i64,
    /// How many registrations it allows (1-1000000); any number until it expires when
    /// left out.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1_000_000)]
    max_uses: Option<i64>,
    /// What the clients it registers may have beyond their organisation's
    /// self-registration policy: any grant type, scope of the catalog (privileged ones
    /// included) or method, as an admin could give an application by hand. Left out:
    /// nothing beyond the policy.
    #[serde(default)]
    #[schema(nullable = true)]
    allowance: Option<SelfRegistrationLists>,
}

/// An initial access token, never the token itself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitialAccessTokenView {
    /// Its id, to revoke it by.
    #[schema(format = "uuid")]
    id: String,
    /// The organisation the clients it registers belong to.
    owner_org_id: String,
    /// Who minted it.
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// The first instant it no longer works.
    #[schema(format = DateTime)]
    expires_at: String,
    /// How many registrations it allows; `null`: any number until it expires.
    #[schema(required = true)]
    max_uses: Option<u32>,
    /// How many registrations it made.
    uses: u32,
    /// When it was revoked; `null` if it was not.
    #[schema(format = DateTime, required = true)]
    revoked_at: Option<String>,
    /// What the clients it registers may have beyond their organisation's
    /// self-registration policy (empty lists: nothing).
    allowance: SelfRegistrationAnswer,
}

impl From<&InitialAccessToken> for InitialAccessTokenView {
    fn from(t: &InitialAccessToken) -> Self {
        Self {
            id: t.id.to_string(),
            owner_org_id: t.owner_org_id.as_str().to_owned(),
            created_by: t.created_by.clone(),
            created_at: time(t.created_at),
            expires_at: time(t.expires_at),
            max_uses: t.max_uses,
            uses: t.uses,
            revoked_at: t.revoked_at.map(time),
            allowance: SelfRegistrationAnswer {
                grant_types: t.allowance.grant_types.iter().map(|g| g.as_str()).collect(),
                scopes: t.allowance.scopes.clone(),
                auth_methods: t
                    .allowance
                    .auth_methods
                    .iter()
                    .map(|m| m.as_str())
                    .collect(),
            },
        }
    }
}

/// A minted token: what is kept of it, and the token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MintedTokenView {
    token: InitialAccessTokenView,
    /// The bearer token a client presents to `POST /register`; never shown again.
    initial_access_token: String,
}

/// An organisation's tokens, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    items: Vec<InitialAccessTokenView>,
}

/// `GET /api/initial-access-tokens` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TokensQuery {
    /// The organisation.
    #[param(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    owner_org_id: String,
}

/// Mints an initial access token; the token is shown once.
#[utoipa::path(
    post, path = "/api/initial-access-tokens", operation_id = "flat_mint_initial_access_token", tag = "flat",
    request_body = MintToken,
    responses((status = 201, description = "Minted; the token is shown here only", body = MintedTokenView, headers(
        ("Location" = String, description = "The token's URL"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a token"),
    ))),
)]
pub async fn mint(
    caller: Caller<Write>,
    body: Json<MintToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let b = body.into_inner();
    let minted = state
        .tokens
        .mint(
            &caller,
            MintInitialAccessToken {
                owner_org_id: b.owner_org_id,
                expires_in_seconds: b.expires_in_seconds,
                max_uses: b.max_uses,
                allowance: b.allowance.map(Into::into),
            },
        )
        .await?;
    Ok(no_store(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/initial-access-tokens/{}", minted.token.id),
            ))
            .json(MintedTokenView {
                token: InitialAccessTokenView::from(&minted.token),
                initial_access_token: minted.secret.expose().to_owned(),
            }),
    ))
}

/// Lists an organisation's initial access tokens, newest first (revoked, expired and used
/// up ones too).
#[utoipa::path(
    get, path = "/api/initial-access-tokens", operation_id = "flat_list_initial_access_tokens", tag = "flat",
    params(TokensQuery),
    responses((status = 200, description = "The tokens, newest first", body = TokenList)),
)]
pub async fn list(
    caller: Caller,
    query: Query<TokensQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let tokens = state
        .tokens
        .list(&caller, &query.into_inner().owner_org_id)
        .await?;
    Ok(HttpResponse::Ok().json(TokenList {
        items: tokens.iter().map(InitialAccessTokenView::from).collect(),
    }))
}

/// Revokes an initial access token: it registers nothing more. Revoking it again changes
/// nothing.
#[utoipa::path(
    delete, path = "/api/initial-access-tokens/{tokenId}", operation_id = "flat_revoke_initial_access_token", tag = "flat",
    params(("tokenId" = String, Path, format = "uuid", description = "The token's id")),
    responses((status = 200, description = "Revoked", body = InitialAccessTokenView)),
)]
pub async fn revoke(
    caller: Caller<Write>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let token = state.tokens.revoke(&caller, &path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(InitialAccessTokenView::from(&token)))
}
