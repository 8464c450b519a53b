//! The domain's [`WebhookSender`] over the outbound HTTP guard.

use async_trait::async_trait;
use oauth_apps_domain::{OutgoingMessage, SendFailure, WebhookSender, WebhookUrl};
use oauth_apps_outbound::{FetchError, OutboundGuard};

use crate::{WebhookSecret, headers};

/// Signs each message with its keys and POSTs it through the [`OutboundGuard`]: `https`
/// only, public addresses unless allowed, no redirect, one time-out.
#[derive(Debug, Clone)]
pub struct GuardedSender {
    guard: OutboundGuard,
}

impl GuardedSender {
    /// A sender through `guard`.
    #[must_use]
    pub const fn new(guard: OutboundGuard) -> Self {
        Self { guard }
    }
}

/// What the deliveries listing says of a failed attempt: the guard's error and its
/// causes, never a header or the body.
fn reason(e: &FetchError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait]
impl WebhookSender for GuardedSender {
    fn permits(&self, url: &WebhookUrl) -> Result<(), String> {
        self.guard
            .check_url(url.as_str())
            .map(|_| ())
            .map_err(|refusal| format!("the URL {refusal}"))
    }

    async fn send(&self, url: &WebhookUrl, message: &OutgoingMessage) -> Result<u16, SendFailure> {
        let secrets = message
            .keys
            .iter()
            .map(|k| WebhookSecret::from_key(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SendFailure {
                status: None,
                reason: format!("unusable signing key: {e}"),
            })?;
        let refs: Vec<&WebhookSecret> = secrets.iter().collect();
        let fields = headers(&refs, &message.id, message.timestamp, &message.body);
        self.guard
            .post(
                url.as_str(),
                "application/json",
                &fields,
                message.body.clone(),
            )
            .await
            .map_err(|e| SendFailure {
                status: match e {
                    FetchError::Status { status } | FetchError::Redirect { status, .. } => {
                        Some(status)
                    }
                    _ => None,
                },
                reason: reason(&e),
            })
    }
}
