//! `oauth-apps webhooks`: each command's request, written as the HTTP crate's request
//! types (`NewWebhook`, the list and deliveries queries), and how its answer reads
//! (`WebhookList`, `WebhookWithSecretView`, `DeliveryList`).

use clap::Subcommand;
use oauth_apps_http::apps_api::webhooks::{
    DeliveriesQuery, DeliveryList, EventTypeName, NewWebhook, WebhookList, WebhookWithSecretView,
    WebhooksQuery,
};
use reqwest::Method;

use super::client::{Call, Show, Text, path_segment};
use super::text::{labelled, or_dash, shown_once, spelled, spelled_all, table};

/// What to do with webhooks.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List an organisation's webhooks.
    List {
        /// The organisation.
        #[arg(long)]
        org: String,
    },
    /// Register a webhook; its signing secret (`whsec_...`) is shown once.
    Create {
        /// The organisation whose applications' events it hears.
        #[arg(long)]
        org: String,
        /// Where deliveries are POSTed (https).
        #[arg(long)]
        url: String,
        /// An event type it hears (repeatable; every type when none is given).
        #[arg(long = "event")]
        events: Vec<String>,
    },
    /// Delete a webhook and its deliveries.
    Delete {
        /// Its id.
        id: String,
    },
    /// Give a webhook a new signing secret (shown once); the old one signs too for 24 h.
    RotateSecret {
        /// Its id.
        id: String,
    },
    /// Show a webhook's deliveries, newest first.
    Deliveries {
        /// Its id.
        id: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// The path of the webhook `id`.
fn hook(id: &str) -> String {
    format!("/api/webhooks/{}", path_segment(id))
}

impl WebhooksCommand {
    /// The request the command makes and what it prints of the answer.
    pub(super) fn call(&self) -> (Call, Show) {
        match self {
            Self::List { org } => (
                Call::new(Method::GET, "/api/webhooks".into()).query(&WebhooksQuery {
                    owner_org_id: org.clone(),
                }),
                Show::of::<WebhookList>(),
            ),
            Self::Create { org, url, events } => (
                Call::new(Method::POST, "/api/webhooks".into()).json(&NewWebhook {
                    owner_org_id: org.clone(),
                    url: url.clone(),
                    events: (!events.is_empty()).then(|| events.clone()),
                }),
                Show::of::<WebhookWithSecretView>(),
            ),
            Self::Delete { id } => (Call::new(Method::DELETE, hook(id)), Show::Nothing),
            Self::RotateSecret { id } => (
                Call::new(Method::POST, format!("{}/rotate-secret", hook(id))),
                Show::of::<WebhookWithSecretView>(),
            ),
            Self::Deliveries { id, limit } => (
                Call::new(Method::GET, format!("{}/deliveries", hook(id))).query(
                    &DeliveriesQuery {
                        before: None,
                        limit: Some(i64::from(*limit)),
                    },
                ),
                Show::of::<DeliveryList>(),
            ),
        }
    }
}

/// The event types a webhook hears: every type when it names none.
fn heard(events: Option<&[EventTypeName]>) -> String {
    events.map_or_else(|| "every type".to_owned(), spelled_all)
}

impl Text for WebhookList {
    fn text(&self, _: Option<&str>) -> String {
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|w| vec![w.id.clone(), w.url.clone(), heard(w.events.as_deref())])
            .collect();
        table(&["ID", "URL", "EVENTS"], &rows)
    }
}

impl Text for WebhookWithSecretView {
    fn text(&self, _: Option<&str>) -> String {
        let hook = &self.webhook;
        let mut s = labelled("Id", &hook.id);
        s.push_str(&labelled("URL", &hook.url));
        s.push_str(&labelled("Events", &heard(hook.events.as_deref())));
        s.push_str(&shown_once("Signing secret", &self.secret));
        s
    }
}

impl Text for DeliveryList {
    fn text(&self, _: Option<&str>) -> String {
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|d| {
                vec![
                    d.created_at.clone(),
                    spelled(&d.r#type),
                    spelled(&d.status),
                    d.attempts.to_string(),
                    or_dash(d.last_status.map(|s| s.to_string()).as_deref()),
                ]
            })
            .collect();
        table(&["AT", "TYPE", "STATUS", "ATTEMPTS", "LAST"], &rows)
    }
}
