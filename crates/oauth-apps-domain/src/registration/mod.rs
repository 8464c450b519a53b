//! How clients come to be registered: by initial access tokens and RFC 7591/7592
//! self-registration, or from the Client ID Metadata Document their client id names;
//! the client metadata both read, and what a registration keeps.

pub mod access_token;
pub mod client_metadata;
pub mod details;
pub mod document;
pub mod document_url;
pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod host_patterns;
pub mod initial_access;
pub mod metadata_documents;
pub mod pipeline;
pub mod ports;
pub mod self_registration;
#[cfg(test)]
mod tests;
