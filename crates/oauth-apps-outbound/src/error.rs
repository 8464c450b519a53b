//! What can go wrong when the guard is built or fetches.

use std::error::Error;
use std::time::Duration;

use crate::address::AddressRefusal;
use crate::url_check::UrlRefusal;

/// An error of a library underneath, kept for its message and chain.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// The address policy stopped a fetch before any connection was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The URL breaks a rule ([`crate::check_url`]).
    #[error("the URL {0}")]
    Url(UrlRefusal),
    /// The host name resolved to an address the policy refuses.
    #[error("{host} resolved to a refused address: {refusal}")]
    Resolved {
        /// The host name.
        host: String,
        /// The first refused address and why.
        refusal: AddressRefusal,
    },
}

/// Why a fetch gave no body.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Refused by the address policy, before connecting.
    #[error("refused by the outbound policy: {0}")]
    Refused(Refusal),
    /// The fetch (resolution, connection, TLS, answer and body together) took longer than the
    /// configured time-out.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The answer declares or sends a body over the configured limit; reading stopped there.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// TLS failed: an untrusted or mismatched certificate, or a failed handshake.
    #[error("TLS failure")]
    Tls(#[source] BoxError),
    /// The name did not resolve, the connection was refused or broken, or the server did not
    /// answer in HTTP/1.1.
    #[error("connection failure")]
    Connection(#[source] BoxError),
    /// A 3xx answer. Redirects are never followed: the target would escape the URL check.
    #[error("answered {status}, a redirect (not followed)")]
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` field, when present and readable.
        location: Option<String>,
    },
    /// An answer that is neither 2xx nor 3xx.
    #[error("answered {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// Anything else (a failure the guard does not expect).
    #[error("unexpected failure")]
    Unexpected(#[source] BoxError),
}

impl FetchError {
    /// What the party whose URL it was may be told: the kind of failure only (refused by
    /// the outbound policy, timed out, connection or TLS failure, the status answered),
    /// never a host's addresses, what a name resolved to, or a library's message, which
    /// would show the registry's own network (its DNS, its addresses) to a tenant. The
    /// whole error and its causes are for the server's log.
    #[must_use]
    pub fn public_reason(&self) -> String {
        match self {
            Self::Refused(_) => "refused by the outbound policy".to_owned(),
            Self::Timeout(limit) => format!("timed out (no complete answer within {limit:?})"),
            Self::TooLarge { limit } => format!("the answer is larger than {limit} bytes"),
            Self::Tls(_) => "connection failed (TLS)".to_owned(),
            Self::Connection(_) => "connection failed".to_owned(),
            Self::Redirect { status, .. } => {
                format!("answered {status}, a redirect (not followed)")
            }
            Self::Status { status } => format!("answered {status}"),
            Self::Unexpected(_) => "failed".to_owned(),
        }
    }
}

/// Why the guard could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A zero time-out would refuse every fetch.
    #[error("the time-out must be more than zero")]
    ZeroTimeout,
    /// A zero size limit would refuse every body.
    #[error("the size limit must be more than zero")]
    ZeroMaxBytes,
    /// The TLS configuration was refused.
    #[error("TLS configuration")]
    Tls(#[source] rustls::Error),
    /// The HTTP client could not be built.
    #[error("HTTP client")]
    Client(#[source] BoxError),
}

/// The next error in a chain, looking inside [`std::io::Error`]s too (their `source` skips
/// the error they wrap, which is where TLS errors are).
fn next<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a (dyn Error + 'static)> {
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        return Some(inner);
    }
    error.source()
}

/// The first error of type `T` in `error`'s chain.
pub(crate) fn find<'a, T: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a T> {
    std::iter::successors(Some(error), |e: &&'a (dyn Error + 'static)| next(*e))
        .find_map(|e| e.downcast_ref::<T>())
}

/// Sorts an error of the HTTP client into the guard's kinds. The URL is taken out of the
/// error's message: its query may hold a credential of the party that registered it.
pub(crate) fn classify(error: reqwest::Error, timeout: Duration) -> FetchError {
    let error = error.without_url();
    if let Some(refusal) = find::<Refusal>(&error) {
        return FetchError::Refused(refusal.clone());
    }
    if error.is_timeout() {
        return FetchError::Timeout(timeout);
    }
    if find::<rustls::Error>(&error).is_some() {
        return FetchError::Tls(Box::new(error));
    }
    if error.is_connect() || error.is_request() || error.is_body() {
        return FetchError::Connection(Box::new(error));
    }
    FetchError::Unexpected(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_reason_names_the_kind_of_failure_only() {
        let resolved = FetchError::Refused(Refusal::Resolved {
            host: "localhost".into(),
            refusal: crate::check_public("127.0.0.1".parse().unwrap()).unwrap_err(),
        });
        assert!(resolved.to_string().contains("127.0.0.1"));
        assert_eq!(resolved.public_reason(), "refused by the outbound policy");
        let io = std::io::Error::other("tcp connect error: 10.1.2.3:443 refused");
        assert_eq!(
            FetchError::Connection(Box::new(io)).public_reason(),
            "connection failed"
        );
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(3)).public_reason(),
            "timed out (no complete answer within 3s)"
        );
        assert_eq!(
            FetchError::Status { status: 502 }.public_reason(),
            "answered 502"
        );
    }

    #[test]
    fn errors_wrapped_in_io_errors_are_found() {
        let tls = rustls::Error::General("bad".into());
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let outer = Outer(io);
        assert!(find::<rustls::Error>(&outer).is_some());
        assert!(find::<Refusal>(&outer).is_none());
    }
}
