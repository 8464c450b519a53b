//! Secrets that end and secrets that leak: organisations' policies (how long new secrets
//! live, what a leak report does, what clients that register themselves may have), the
//! expiry warnings and the leak reports.

pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod org_policy;
pub mod policy_profile;
pub mod ports;
pub mod secret_lifecycle;
pub mod stale_clients;
#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod tests;
pub mod violations;
