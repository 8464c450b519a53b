//! How clients prove themselves: the authentication method and the credentials it needs
//! (secrets, public key sets), their rotation, the checks of a client's credentials for an
//! authorization server (secrets, `private_key_jwt` assertions and their replay), and the
//! telemetry of their use; the client certificates of mutual-TLS client authentication.

pub mod auth_method;
pub mod authenticate;
pub mod certificate;
pub mod certificate_error;
pub mod distinguished_name;
pub mod errors;
#[cfg(feature = "testing")]
pub mod fakes;
pub mod input;
pub mod key_sets;
pub mod keys;
pub mod method;
pub mod mutual_tls;
pub mod ports;
pub mod rotate;
pub mod rotation;
pub mod secret;
pub mod secrets;
#[cfg(test)]
mod tests;
