//! Every request's body is read in full before any handler runs: at most
//! [`MAX_BODY_BYTES`], within the body time-out, whether the route wants a body or not.
//!
//! Without this, a body that no handler reads (`POST /healthz` with a chunked body) is
//! drained by the connection after the answer, with no deadline: one byte a minute holds
//! the connection for ever. Here such a body is read like any other, so a client that
//! trickles gets 408 when the time-out ends, and one that sends too much gets 413 as soon
//! as it is known. In both cases the connection is closed after the answer instead of
//! being drained: the unread body is kept alive with the answer, which makes the server
//! close the connection rather than read what is left.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::StreamExt;

use crate::problem::Problem;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a body when the server sets nothing else.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// An answer's body that keeps the request body it did not read alive until the answer
/// has been sent: while a request body is still held, the connection is closed after the
/// answer instead of reading the rest of it.
struct HoldingUnread {
    answer: BoxBody,
    _unread: Payload,
}

impl MessageBody for HoldingUnread {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.answer.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().answer).poll_next(cx)
    }
}

enum Refusal {
    TooLarge,
    TooSlow(Duration),
    Broken(String),
}

async fn read_all(payload: &mut Payload) -> Result<web::Bytes, Refusal> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Refusal::Broken(e.to_string()))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Refusal::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

/// Reads the body of `req` in full within `limit` and puts it back for the handlers.
///
/// # Errors
/// The problem to answer instead of calling the handler, with the unread body: 413 when
/// the body (or its declared length) is over [`MAX_BODY_BYTES`], 408 when it is not
/// complete within `limit`, 400 when it is malformed. Answer it with [`refuse`].
pub async fn buffer(req: &mut ServiceRequest, limit: Duration) -> Result<(), (Problem, Payload)> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut payload = req.take_payload();
    let outcome = if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        Err(Refusal::TooLarge)
    } else {
        actix_web::rt::time::timeout(limit, read_all(&mut payload))
            .await
            .unwrap_or(Err(Refusal::TooSlow(limit)))
    };
    match outcome {
        Ok(bytes) => {
            req.set_payload(Payload::from(bytes));
            Ok(())
        }
        Err(refusal) => {
            let problem = match refusal {
                Refusal::TooLarge => Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("The body must be at most {MAX_BODY_BYTES} bytes."),
                ),
                Refusal::TooSlow(limit) => Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("The body was not received within {} ms.", limit.as_millis()),
                ),
                Refusal::Broken(reason) => {
                    Problem::bad_request(format!("The body could not be read: {reason}."), vec![])
                }
            };
            Err((problem, payload))
        }
    }
}

/// `answer` (the refusal of a body), closing the connection after it: the unread body is
/// kept alive with the answer, so the server closes rather than drains.
#[must_use]
pub fn refuse(answer: HttpResponse, unread: Payload) -> HttpResponse {
    let mut response = answer.map_body(|_, answer| {
        BoxBody::new(HoldingUnread {
            answer,
            _unread: unread,
        })
    });
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response
}
