//! Idempotent requests (draft-ietf-httpapi-idempotency-key-header): a request retried with
//! the same `Idempotency-Key` gets the first answer again, kept sealed.

pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod ports;
pub mod service;
#[cfg(test)]
mod tests;
