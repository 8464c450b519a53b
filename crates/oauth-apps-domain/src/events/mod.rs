//! What happened to applications and who hears of it: the record of a change
//! ([`change`]), an application's audit trail ([`audit_trail`]), the change feed over every
//! application ([`feed`]), and the webhooks that deliver each change to an organisation's
//! endpoints ([`webhooks`]).

pub mod audit_trail;
pub mod change;
pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod feed;
#[cfg(test)]
mod tests;
pub mod webhooks;
