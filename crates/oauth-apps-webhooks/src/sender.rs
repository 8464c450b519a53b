//! The domain's [`WebhookSender`] over the outbound HTTP guard.

use async_trait::async_trait;
use oauth_apps_domain::{OutboundRefusal, OutgoingMessage, SendFailure, WebhookSender, WebhookUrl};
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

/// The guard's error and its causes, for the server's log (never a header or the body;
/// the guard keeps the URL out of its errors).
fn chain(e: &FetchError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What the deliveries listing (the tenant) is told of a failed attempt: the kind of
/// failure ([`FetchError::public_reason`]); the details go to the server's log.
fn reason(e: &FetchError, message_id: &str) -> String {
    if !matches!(e, FetchError::Status { .. } | FetchError::Redirect { .. }) {
        tracing::warn!(
            webhook_id = message_id,
            error = %chain(e),
            "a webhook delivery attempt failed"
        );
    }
    e.public_reason()
}

#[async_trait]
impl WebhookSender for GuardedSender {
    fn permits(&self, url: &WebhookUrl) -> Result<(), OutboundRefusal> {
        self.guard
            .check_url(url.as_str())
            .map(|_| ())
            .map_err(OutboundRefusal::from)
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
                reason: reason(&e, &message.id),
            })
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_outbound::OutboundConfig;

    use super::*;

    fn sender(allow: Option<&str>) -> GuardedSender {
        let config = OutboundConfig::from_settings(allow, None).expect("config");
        GuardedSender::new(OutboundGuard::new(config).expect("guard"))
    }

    async fn failure(sender: &GuardedSender, url: &str) -> SendFailure {
        let message = OutgoingMessage {
            id: "msg_1".into(),
            timestamp: 1_700_000_000,
            body: b"{}".to_vec(),
            keys: vec![vec![7; 32]],
        };
        let url = WebhookUrl::parse(url).expect("url");
        sender
            .send(&url, &message)
            .await
            .expect_err("not delivered")
    }

    /// A URL to a special-purpose address is refused before it is stored, with the
    /// guard's rule; its allow entry lets it through.
    #[test]
    fn permits_refuses_special_purpose_addresses_with_the_guards_rule() {
        let url = WebhookUrl::parse("https://10.0.0.1/hook").expect("url");
        let refusal = sender(None).permits(&url).expect_err("refused");
        assert_eq!(
            refusal,
            OutboundRefusal::SpecialPurposeAddress("10.0.0.1 is in 10.0.0.0/8 (private)".into())
        );
        assert_eq!(
            refusal.to_string(),
            "must not point to a special-purpose address: 10.0.0.1 is in 10.0.0.0/8 (private)"
        );
        assert_eq!(sender(Some("10.0.0.1")).permits(&url), Ok(()));
    }

    /// The reason a tenant reads names the kind of failure, never what a name resolved
    /// to, an address, or the URL (whose query may hold a credential).
    #[tokio::test]
    async fn failed_attempts_tell_the_tenant_the_kind_of_failure_only() {
        let refused = failure(&sender(None), "https://localhost:9/hook?token=s3cret").await;
        assert_eq!(refused.reason, "refused by the outbound policy");
        assert_eq!(refused.status, None);
        // A port nothing listens on, on an allowed address: the connection fails.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("port").port();
        drop(closed);
        let failed = failure(
            &sender(Some("127.0.0.1")),
            &format!("https://127.0.0.1:{port}/hook?token=s3cret"),
        )
        .await;
        assert_eq!(failed.reason, "connection failed");
        for f in [&refused, &failed] {
            for hidden in ["127.0.0.1", "localhost", "s3cret", "resolved"] {
                assert!(!f.reason.contains(hidden), "{}", f.reason);
            }
        }
    }
}
