//! `POST /api/secret-scanning/reports`: leak reports in the format of GitHub's secret
//! scanning partner program. The body is a JSON list of `{token, type, url, source}`,
//! signed by the scanner (ECDSA P-256 SHA-256 over the raw body: `Github-Public-Key-Signature`,
//! naming `Github-Public-Key-Identifier`); the answer lists each token with
//! `true_positive` or `false_positive`. No bearer token: the signature is the
//! authentication, checked before anything is read.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_domain::LeakReport;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Error;
use crate::problem::{FieldProblem, Problem};
use crate::state::AppState;

/// The header naming the signing key.
pub const KEY_ID_HEADER: &str = "github-public-key-identifier";
/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "github-public-key-signature";

/// A reported string.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportedToken {
    /// The string found.
    token: String,
    /// The type the scanner gave it.
    r#type: String,
    /// Where it was found.
    #[serde(default)]
    #[schema(format = "uri")]
    url: Option<String>,
    /// What kind of place (`content`, `commit`, `issue`, ...).
    #[serde(default)]
    source: Option<String>,
}

/// Whether a reported string is a live secret of this registry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenLabel {
    /// A live secret: its leak is recorded (and acted on by the organisation's policy).
    TruePositive,
    /// Not a live secret of this registry.
    FalsePositive,
}

/// The answer about one reported string.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenVerdict {
    /// The string reported.
    token_raw: String,
    /// Its type, as reported.
    token_type: String,
    label: TokenLabel,
}

fn unauthorized(detail: &str) -> Error {
    Problem::new(StatusCode::UNAUTHORIZED, detail).into()
}

/// Receives a secret scanner's report and answers which strings are live secrets. A live
/// secret's leak is recorded (`secret_leaked`, announced to webhooks as `secret.leaked`)
/// and, under the organisation's `revoke` policy (the default), it stops authenticating at
/// once. Strings whose prefix, length or checksum is wrong are answered without a lookup.
#[utoipa::path(
    post, path = "/api/secret-scanning/reports", operation_id = "flat_secret_scanning_report", tag = "flat",
    request_body = Vec<ReportedToken>,
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "The signing key's identifier"),
        ("Github-Public-Key-Signature" = String, Header, description = "ECDSA P-256 SHA-256 signature of the raw body, ASN.1 DER, base64"),
    ),
    responses((status = 200, description = "One verdict per reported string, in order", body = Vec<TokenVerdict>)),
    security(()),
)]
pub async fn report(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let Some(keys) = state.scanning.as_ref() else {
        return Err(unauthorized(
            "Secret scanning reports are not accepted here (no scanner keys are configured).",
        ));
    };
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (Some(key_id), Some(signature)) = (header(KEY_ID_HEADER), header(SIGNATURE_HEADER)) else {
        return Err(unauthorized(
            "A report must be signed (Github-Public-Key-Identifier, Github-Public-Key-Signature).",
        ));
    };
    if let Err(reason) = keys.verify(key_id, signature, &body) {
        tracing::warn!(key_id, %reason, "a secret scanning report was refused");
        return Err(unauthorized("The report's signature does not verify."));
    }
    let tokens: Vec<ReportedToken> = serde_json::from_slice(&body).map_err(|e| {
        Error::from(Problem::bad_request(
            "The body must be a JSON list of {token, type, url, source}.",
            vec![FieldProblem::new("body", e.to_string())],
        ))
    })?;
    let verdicts = state
        .secrets
        .report_leaks(
            tokens
                .into_iter()
                .map(|t| LeakReport {
                    token: t.token,
                    token_type: t.r#type,
                    url: t.url,
                    source: t.source,
                })
                .collect(),
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a secret scanning report could not be handled");
            Error::from(Problem::of_kind(
                oauth_apps_domain::ErrorKind::Unavailable,
                String::new(),
            ))
        })?;
    Ok(HttpResponse::Ok().json(
        verdicts
            .into_iter()
            .map(|v| TokenVerdict {
                token_raw: v.token,
                token_type: v.token_type,
                label: if v.true_positive {
                    TokenLabel::TruePositive
                } else {
                    TokenLabel::FalsePositive
                },
            })
            .collect::<Vec<_>>(),
    ))
}
