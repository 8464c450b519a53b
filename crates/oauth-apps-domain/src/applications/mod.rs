//! Applications: the [`OAuthApplication`](application::OAuthApplication) aggregate, its
//! fields and their rules (attributes, redirect URLs, scopes and grants, the profile that
//! joins them), how it is stored and restored, who may do what with it, and the use cases
//! that register, read, update, disable and enable it, on the
//! [`ApplicationService`](service::ApplicationService).

pub mod application;
pub mod attributes;
pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod patch;
pub mod ports;
pub mod profile;
pub mod read;
pub mod record;
pub mod redirect;
pub mod register;
pub mod requirements;
pub mod scopes_grants;
pub mod service;
pub mod status;
#[cfg(test)]
mod tests;
pub mod update;
