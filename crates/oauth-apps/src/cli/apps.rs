//! `oauth-apps apps`: each command's request, written as the HTTP crate's request types
//! (`CreateApp`, `PatchApp`, `RotateSecret`, the list and events queries), and how its
//! answer reads (`App`, `AppWithSecret`, `AppPage`, `AuditPage`).

use std::fmt::Write as _;

use clap::Subcommand;
use oauth_apps_http::apps_api::dto::{
    App, AppPage, AppWithSecret, AuditPage, CreateApp, EventsQuery, ListQuery, PatchApp,
    RotateSecret,
};
use oauth_apps_http::wire::RedirectUrlText;
use reqwest::Method;

use super::client::{Call, Show, Text, path_segment};
use super::text::{cell, labelled, or_dash, shown_once, spelled, spelled_all, table};

/// What to do with applications.
#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List an organisation's applications, newest first.
    List {
        /// The organisation.
        #[arg(long)]
        org: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Continue after this cursor (`nextCursor` of the previous page).
        #[arg(long)]
        cursor: Option<String>,
        /// Only applications whose name holds this text (case-insensitive).
        #[arg(long)]
        name: Option<String>,
    },
    /// Show one application.
    Get {
        /// Its client id.
        client_id: String,
    },
    /// Register an application; its secret is shown once.
    Create {
        /// The organisation that owns it.
        #[arg(long)]
        org: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// web, native, public or user-agent-based.
        #[arg(long = "type", default_value = "web")]
        app_type: String,
        /// A redirect URL (repeatable).
        #[arg(long = "redirect-url")]
        redirect_urls: Vec<String>,
        /// A scope (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// An Idempotency-Key: a retry with the same key gets the first answer.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Change an application's settings (only what is given).
    Update {
        /// Its client id.
        client_id: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
        /// The new redirect URLs (repeatable; replaces them all).
        #[arg(long = "redirect-url")]
        redirect_urls: Vec<String>,
        /// The new scopes (repeatable; replaces them all).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Only if the application is still at this version (its ETag).
        #[arg(long)]
        if_match: Option<String>,
    },
    /// Disable an application: its clients stop authenticating.
    Disable {
        /// Its client id.
        client_id: String,
    },
    /// Enable a disabled application.
    Enable {
        /// Its client id.
        client_id: String,
    },
    /// Issue a new secret (shown once); the old one works for the grace period.
    RotateSecret {
        /// Its client id.
        client_id: String,
        /// Seconds the previous secret keeps working (0-604800).
        #[arg(long)]
        grace_period: Option<u32>,
        /// An Idempotency-Key: a retry with the same key gets the first answer.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Stop the previous secret (and key set) before its grace period ends.
    RevokePreviousSecret {
        /// Its client id.
        client_id: String,
    },
    /// Show an application's audit trail, newest first.
    Events {
        /// Its client id.
        client_id: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// The path of the application `client_id`.
fn app(client_id: &str) -> String {
    format!("/api/oauth-applications/{}", path_segment(client_id))
}

/// An `If-Match` value: the version as given when it is quoted, else quoted.
fn entity_tag(version: &str) -> String {
    if version.starts_with('"') {
        version.to_owned()
    } else {
        format!("\"{version}\"")
    }
}

/// The URLs as the request types hold them.
fn redirect_urls(urls: &[String]) -> Vec<RedirectUrlText> {
    urls.iter().cloned().map(RedirectUrlText).collect()
}

/// `values`, or none when there are none (a field left out).
fn given(values: &[String]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.to_vec())
}

/// The body of `create`: what the command line gives; the server's defaults for the rest.
fn new_app(
    org: &str,
    name: &str,
    app_type: &str,
    urls: &[String],
    scopes: &[String],
    description: Option<&str>,
) -> CreateApp {
    CreateApp {
        owner_org_id: org.to_owned(),
        name: name.to_owned(),
        app_type: app_type.to_owned(),
        redirect_urls: redirect_urls(urls),
        allowed_scopes: given(scopes),
        description: description.map(str::to_owned),
        grant_types: None,
        access_level: None,
        is_first_party: None,
        ..CreateApp::default()
    }
}

impl AppsCommand {
    /// The request the command makes and what it prints of the answer.
    pub(super) fn call(&self) -> (Call, Show) {
        match self {
            Self::List {
                org,
                limit,
                cursor,
                name,
            } => (
                Call::new(Method::GET, "/api/oauth-applications".into()).query(&ListQuery {
                    owner_org_id: org.clone(),
                    limit: Some(i64::from(*limit)),
                    cursor: cursor.clone(),
                    name: name.clone(),
                }),
                Show::of::<AppPage>(),
            ),
            Self::Get { client_id } => (Call::new(Method::GET, app(client_id)), Show::of::<App>()),
            Self::Create {
                org,
                name,
                app_type,
                redirect_urls: urls,
                scopes,
                description,
                idempotency_key,
            } => (
                Call::new(Method::POST, "/api/oauth-applications".into())
                    .json(&new_app(
                        org,
                        name,
                        app_type,
                        urls,
                        scopes,
                        description.as_deref(),
                    ))
                    .header("Idempotency-Key", idempotency_key.clone()),
                Show::of::<AppWithSecret>(),
            ),
            Self::Update {
                client_id,
                name,
                description,
                redirect_urls: urls,
                scopes,
                if_match,
            } => (
                Call::new(Method::PATCH, app(client_id))
                    .json(&PatchApp {
                        name: name.clone(),
                        description: description.clone().map(Some),
                        redirect_urls: (!urls.is_empty()).then(|| redirect_urls(urls)),
                        allowed_scopes: given(scopes),
                        ..PatchApp::default()
                    })
                    .header("If-Match", if_match.as_deref().map(entity_tag)),
                Show::of::<App>(),
            ),
            // The server answers `{success: true}`: print the state it left.
            Self::Disable { client_id } => (
                Call::new(Method::DELETE, app(client_id)),
                Show::state_of::<App>(app(client_id)),
            ),
            Self::Enable { client_id } => (
                Call::new(Method::POST, format!("{}/enable", app(client_id))),
                Show::of::<App>(),
            ),
            Self::RotateSecret {
                client_id,
                grace_period,
                idempotency_key,
            } => {
                let mut call = Call::new(Method::POST, format!("{}/rotate-secret", app(client_id)))
                    .header("Idempotency-Key", idempotency_key.clone());
                if let Some(seconds) = grace_period {
                    call = call.json(&RotateSecret {
                        grace_period_seconds: Some(i64::from(*seconds)),
                    });
                }
                (call, Show::of::<AppWithSecret>())
            }
            Self::RevokePreviousSecret { client_id } => (
                Call::new(
                    Method::POST,
                    format!("{}/revoke-previous-secret", app(client_id)),
                ),
                Show::of::<App>(),
            ),
            Self::Events { client_id, limit } => (
                Call::new(Method::GET, format!("{}/events", app(client_id))).query(&EventsQuery {
                    limit: Some(i64::from(*limit)),
                    cursor: None,
                }),
                Show::of::<AuditPage>(),
            ),
        }
    }
}

/// One application as `label value` lines.
fn describe(app: &App) -> String {
    [
        ("Client id", app.client_id.clone()),
        ("Name", app.name.clone()),
        ("Type", spelled(&app.app_type)),
        ("Organisation", app.owner_org_id.clone()),
        ("Disabled", app.disabled.to_string()),
        ("Redirect URLs", app.redirect_urls.join(", ")),
        ("Scopes", app.allowed_scopes.join(", ")),
        ("Grant types", spelled_all(&app.grant_types)),
        ("Auth method", spelled(&app.token_endpoint_auth_method)),
        (
            "Secret expires",
            or_dash(app.client_secret_expires_at.as_deref()),
        ),
        (
            "Previous secret until",
            or_dash(app.previous_secret_expires_at.as_deref()),
        ),
        ("Created", app.created_at.clone()),
        ("Updated", app.updated_at.clone()),
    ]
    .iter()
    .map(|(label, value)| labelled(label, value))
    .collect()
}

impl Text for App {
    fn text(&self, etag: Option<&str>) -> String {
        let mut s = describe(self);
        if let Some(tag) = etag {
            s.push_str(&labelled("Version (ETag)", tag));
        }
        s
    }
}

impl Text for AppWithSecret {
    fn text(&self, _: Option<&str>) -> String {
        let mut s = describe(&self.application);
        if let Some(secret) = &self.client_secret {
            s.push_str(&shown_once("Client secret", secret));
        }
        s
    }
}

impl Text for AppPage {
    fn text(&self, _: Option<&str>) -> String {
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|a| {
                vec![
                    a.client_id.clone(),
                    cell(&a.name, 40),
                    spelled(&a.app_type),
                    if a.disabled { "disabled" } else { "active" }.to_owned(),
                    a.created_at.clone(),
                ]
            })
            .collect();
        let mut t = table(&["CLIENT ID", "NAME", "TYPE", "STATUS", "CREATED"], &rows);
        if let Some(next) = &self.next_cursor {
            let _ = writeln!(t, "\nMore: --cursor {next}");
        }
        t
    }
}

impl Text for AuditPage {
    fn text(&self, _: Option<&str>) -> String {
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|e| {
                vec![
                    e.at.clone(),
                    spelled(&e.action),
                    e.actor.clone(),
                    spelled_all(&e.changed_fields),
                ]
            })
            .collect();
        table(&["AT", "ACTION", "ACTOR", "CHANGED"], &rows)
    }
}
