//! Logging, set up once: JSON lines or human-readable lines, level from `RUST_LOG`
//! (default `info`). Log events never carry a secret, a hash or a token: handlers log
//! request ids, routes and statuses only.
//!
//! ERROR is kept for the server's own faults. The HTTP library logs a connection that a
//! client broke (a malformed request head, a header it cannot parse, a connection reset,
//! a client too slow to send its head) as an ERROR "stream error"; such events are
//! logged instead as a WARN from `oauth_apps::connection`, with the library's text.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Filter, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry};

use crate::config::LogFormat;

/// The prefixes of the HTTP library's connection errors that a client causes.
const CLIENT_CAUSED: [&str; 4] = [
    "stream error: request parse error",
    "stream error: I/O error",
    "stream error: request did not complete",
    "stream error: connection shutdown timeout",
];

/// The message of an event, when it has one.
#[derive(Default)]
struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = Some(value.to_owned());
        }
    }
}

/// The text of `event` if it is the HTTP library's ERROR about a connection that a client
/// broke.
fn client_caused(event: &Event<'_>) -> Option<String> {
    let meta = event.metadata();
    if *meta.level() != Level::ERROR || !meta.target().starts_with("actix_http::") {
        return None;
    }
    let mut message = Message::default();
    event.record(&mut message);
    message
        .0
        .filter(|text| CLIENT_CAUSED.iter().any(|p| text.starts_with(p)))
}

/// Keeps the HTTP library's client-caused ERROR events out of the output.
struct NotClientCaused;

impl<S: Subscriber> Filter<S> for NotClientCaused {
    fn enabled(&self, _meta: &tracing::Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _cx: &Context<'_, S>) -> bool {
        client_caused(event).is_none()
    }
}

/// Logs the HTTP library's client-caused ERROR events again, as warnings.
struct AsClientWarnings;

impl<S: Subscriber> Layer<S> for AsClientWarnings {
    fn on_event(&self, event: &Event<'_>, _cx: Context<'_, S>) {
        if let Some(text) = client_caused(event) {
            tracing::warn!(
                target: "oauth_apps::connection",
                error = %text,
                "a client broke its connection or sent a request that could not be read"
            );
        }
    }
}

/// Installs the global subscriber (a second call does nothing).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    init_with(format, filter, std::io::stderr);
}

/// Installs the global subscriber with `filter`, writing to `writer` (tests capture the
/// logs this way); a second call does nothing.
pub fn init_with<W>(format: LogFormat, filter: EnvFilter, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let output = tracing_subscriber::fmt::layer().with_writer(writer);
    let output = match format {
        LogFormat::Json => output.json().flatten_event(true).boxed(),
        LogFormat::Pretty => output.boxed(),
    };
    let _ = Registry::default()
        .with(filter)
        .with(output.with_filter(NotClientCaused))
        // Outermost, so that the event it logs in place of another comes after the output
        // layer has handled (and left out) the original.
        .with(AsClientWarnings)
        .try_init();
}
