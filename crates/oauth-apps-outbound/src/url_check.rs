//! The rules a URL must meet before it is stored or fetched.

use std::net::IpAddr;

use url::{Host, Url};

use crate::address::AddressRefusal;
use crate::allow::AllowList;

/// Why a URL may not be fetched. The messages name the rule and read as a field message
/// ("jwksUri must use https").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute URL.
    #[error("must be an absolute URL ({0})")]
    NotAUrl(url::ParseError),
    /// A scheme other than `https`.
    #[error("must use https, not {0}")]
    NotHttps(String),
    /// `https://user:password@host/`.
    #[error("must not contain a user name or password")]
    Userinfo,
    /// `https://host/path#fragment` (a fragment is never sent, so it only misleads).
    #[error("must not contain a fragment (#...)")]
    Fragment,
    /// No host to connect to.
    #[error("must name a host")]
    NoHost,
    /// The host is an IP address the policy refuses.
    #[error("must not point to a special-purpose address: {0}")]
    Address(AddressRefusal),
}

/// Checks `url` against the guard's rules before it is stored or fetched: `https`, no user
/// name or password, no fragment, a host, and a host written as an IP address only when
/// [`AllowList::check_address`] accepts it. A host name passes here: what it resolves to is
/// checked at each fetch.
///
/// The URL is read as browsers read it, so `https://2130706433/` and `https://127.1/` are
/// `127.0.0.1` and refused as such. Store the returned URL's string (its normal form), not
/// the input.
///
/// # Errors
/// [`UrlRefusal`] naming the first rule broken.
pub fn check_url(url: &str, allow: &AllowList) -> Result<Url, UrlRefusal> {
    let url = Url::parse(url).map_err(UrlRefusal::NotAUrl)?;
    if url.scheme() != "https" {
        return Err(UrlRefusal::NotHttps(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefusal::Userinfo);
    }
    if url.fragment().is_some() {
        return Err(UrlRefusal::Fragment);
    }
    let address = match url.host() {
        None => return Err(UrlRefusal::NoHost),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(Host::Ipv6(a)) => Some(IpAddr::V6(a)),
    };
    if let Some(address) = address {
        allow.check_address(address).map_err(UrlRefusal::Address)?;
    }
    Ok(url)
}

/// The domain's words for the same refusal, with the same message: what the adapters of
/// the domain's `KeyDirectory` and `WebhookSender` ports answer from `permits`.
#[cfg(feature = "domain")]
impl From<UrlRefusal> for oauth_apps_domain::OutboundRefusal {
    fn from(refusal: UrlRefusal) -> Self {
        match refusal {
            UrlRefusal::NotAUrl(e) => Self::NotAUrl(e),
            UrlRefusal::NotHttps(scheme) => Self::NotHttps(scheme),
            UrlRefusal::Userinfo => Self::Userinfo,
            UrlRefusal::Fragment => Self::Fragment,
            UrlRefusal::NoHost => Self::NoHost,
            UrlRefusal::Address(address) => Self::SpecialPurposeAddress(address.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(url: &str) -> UrlRefusal {
        check_url(url, &AllowList::default()).unwrap_err()
    }

    #[test]
    fn https_urls_with_public_or_named_hosts_pass_in_normal_form() {
        let none = AllowList::default();
        for (input, normal) in [
            (
                "https://example.com/.well-known/jwks.json",
                "https://example.com/.well-known/jwks.json",
            ),
            ("HTTPS://Example.COM:443/a?b=c", "https://example.com/a?b=c"),
            ("https://example.com:8443", "https://example.com:8443/"),
            ("https://8.8.8.8/jwks", "https://8.8.8.8/jwks"),
            (
                "https://[2606:4700:4700::1111]/",
                "https://[2606:4700:4700::1111]/",
            ),
            ("https://localhost/", "https://localhost/"),
        ] {
            assert_eq!(check_url(input, &none).unwrap().as_str(), normal, "{input}");
        }
    }

    #[test]
    fn each_rule_is_named() {
        assert_eq!(
            refusal("http://example.com/"),
            UrlRefusal::NotHttps("http".into())
        );
        assert_eq!(
            refusal("file:///etc/passwd"),
            UrlRefusal::NotHttps("file".into())
        );
        assert_eq!(
            refusal("gopher://example.com/"),
            UrlRefusal::NotHttps("gopher".into())
        );
        assert_eq!(refusal("https://u:p@example.com/"), UrlRefusal::Userinfo);
        assert_eq!(refusal("https://u@example.com/"), UrlRefusal::Userinfo);
        assert_eq!(refusal("https://:p@example.com/"), UrlRefusal::Userinfo);
        assert_eq!(refusal("https://example.com/#"), UrlRefusal::Fragment);
        assert_eq!(refusal("https://example.com/a#b"), UrlRefusal::Fragment);
        assert_eq!(
            refusal("/relative"),
            UrlRefusal::NotAUrl(url::ParseError::RelativeUrlWithoutBase)
        );
        assert_eq!(
            refusal("https://"),
            UrlRefusal::NotAUrl(url::ParseError::EmptyHost)
        );
        assert_eq!(
            refusal("http://example.com/").to_string(),
            "must use https, not http"
        );
        assert_eq!(
            refusal("https://169.254.169.254/latest/meta-data/").to_string(),
            "must not point to a special-purpose address: 169.254.169.254 is in 169.254.0.0/16 (link-local)"
        );
    }

    #[cfg(feature = "domain")]
    #[test]
    fn the_domain_refusal_says_what_the_guard_says() {
        use oauth_apps_domain::OutboundRefusal;
        for (url, expected) in [
            (
                "/relative",
                OutboundRefusal::NotAUrl(url::ParseError::RelativeUrlWithoutBase),
            ),
            (
                "http://example.com/",
                OutboundRefusal::NotHttps("http".into()),
            ),
            ("https://u:p@example.com/", OutboundRefusal::Userinfo),
            ("https://example.com/#a", OutboundRefusal::Fragment),
            (
                "https:/",
                OutboundRefusal::NotAUrl(url::ParseError::EmptyHost),
            ),
            (
                "https://127.0.0.1/",
                OutboundRefusal::SpecialPurposeAddress(
                    "127.0.0.1 is in 127.0.0.0/8 (loopback)".into(),
                ),
            ),
        ] {
            let guard = refusal(url);
            let domain = OutboundRefusal::from(guard.clone());
            assert_eq!(domain, expected, "{url}");
            assert_eq!(domain.to_string(), guard.to_string(), "{url}");
        }
        let no_host = OutboundRefusal::from(UrlRefusal::NoHost);
        assert_eq!(no_host, OutboundRefusal::NoHost);
        assert_eq!(no_host.to_string(), UrlRefusal::NoHost.to_string());
    }

    #[test]
    fn literal_special_addresses_are_refused_in_every_spelling() {
        for (url, address) in [
            ("https://127.0.0.1/", "127.0.0.1"),
            ("https://127.0.0.1:8443/jwks", "127.0.0.1"),
            ("https://127.1/", "127.0.0.1"),
            ("https://2130706433/", "127.0.0.1"),
            ("https://0x7f.0.0.1/", "127.0.0.1"),
            ("https://0177.0.0.1/", "127.0.0.1"),
            ("https://127.0.0.1./", "127.0.0.1"),
            ("https://10.0.0.1/", "10.0.0.1"),
            ("https://169.254.169.254/", "169.254.169.254"),
            ("https://0.0.0.0/", "0.0.0.0"),
            ("https://[::1]/", "::1"),
            ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
            ("https://[::ffff:7f00:1]/", "::ffff:127.0.0.1"),
            ("https://[fe80::1]/", "fe80::1"),
            ("https://[fd00:ec2::254]/", "fd00:ec2::254"),
            ("https://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),
        ] {
            match refusal(url) {
                UrlRefusal::Address(r) => assert_eq!(r.address.to_string(), address, "{url}"),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn allowed_blocks_let_literal_addresses_through() {
        let allow = AllowList::parse("127.0.0.1/32, ::1").unwrap();
        assert!(check_url("https://127.0.0.1:8443/", &allow).is_ok());
        assert!(check_url("https://[::1]/", &allow).is_ok());
        assert!(check_url("https://[::ffff:127.0.0.1]/", &allow).is_ok());
        assert!(check_url("https://127.0.0.2/", &allow).is_err());
        assert!(check_url("http://127.0.0.1/", &allow).is_err());
    }
}
