//! Why the server will not reach a URL a caller gave it: the outbound address policy's
//! refusal, as the [`crate::KeyDirectory`] (`jwks_uri`) and [`crate::WebhookSender`]
//! (webhook URLs) ports report it before anything is stored.

/// A URL the server may not fetch from or deliver to, by the first rule it breaks, as far
/// as can be told before resolving its host (an IP-literal host is judged here; a host
/// name is checked again each time it resolves). Each message names the rule and reads as
/// a field message ("must use https, not http").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundRefusal {
    /// Not an absolute URL (why not, as the URL parser says).
    #[error("must be an absolute URL ({0})")]
    NotAUrl(url::ParseError),
    /// A scheme other than `https` (the scheme given).
    #[error("must use https, not {0}")]
    NotHttps(String),
    /// A user name or password in the URL.
    #[error("must not contain a user name or password")]
    Userinfo,
    /// A fragment (`#...`).
    #[error("must not contain a fragment (#...)")]
    Fragment,
    /// No host to connect to.
    #[error("must name a host")]
    NoHost,
    /// The host is an IP address in a special-purpose block (loopback, private, link-local
    /// ...) the policy does not allow: the address and the block, in the policy's words
    /// (`127.0.0.1 is in 127.0.0.0/8 (loopback)`).
    #[error("must not point to a special-purpose address: {0}")]
    SpecialPurposeAddress(String),
}
