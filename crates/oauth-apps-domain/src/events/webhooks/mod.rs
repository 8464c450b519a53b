//! Webhooks: where an organisation wants to hear what happens to its applications
//! ([`model`]), managed by its admins ([`service`]), and delivered, signed, at least once
//! and in order per application ([`dispatcher`]).

pub mod dispatcher;
pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod model;
pub mod ports;
pub mod service;
#[cfg(test)]
mod tests;
