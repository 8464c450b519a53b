//! Name resolution under the address policy: the only addresses a connection may use.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::allow::AllowList;
use crate::error::Refusal;

/// Resolves a host name once, checks every address it resolves to, and hands the HTTP
/// client only those: the connection cannot go to an address resolved later ("DNS
/// rebinding"), because there is no later resolution.
pub(crate) struct GuardedResolver {
    pub(crate) allow: Arc<AllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = Arc::clone(&self.allow);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if found.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{host} resolved to no address"),
                )
                .into());
            }
            check_resolved(&host, &found, &allow)?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// The policy over one resolution: an allowed host name may resolve to anything; any other
/// name is refused when any of its addresses is refused, even if others would do (a name
/// that mixes public and internal addresses is either misconfigured or an attack, and
/// using "only the good ones" would still depend on which answer a retry gets).
pub(crate) fn check_resolved(
    host: &str,
    addresses: &[SocketAddr],
    allow: &AllowList,
) -> Result<(), Refusal> {
    if allow.allows_host(host) {
        return Ok(());
    }
    for address in addresses {
        allow
            .check_address(address.ip())
            .map_err(|refusal| Refusal::Resolved {
                host: host.to_owned(),
                refusal,
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter()
            .map(|a| SocketAddr::new(a.parse().unwrap(), 0))
            .collect()
    }

    #[test]
    fn one_refused_address_refuses_the_whole_resolution() {
        let none = AllowList::default();
        assert_eq!(
            check_resolved("a.example", &addrs(&["8.8.8.8", "2606:4700::1"]), &none),
            Ok(())
        );
        let refusal =
            check_resolved("a.example", &addrs(&["8.8.8.8", "10.0.0.5"]), &none).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "a.example resolved to a refused address: 10.0.0.5 is in 10.0.0.0/8 (private)"
        );
        assert!(check_resolved("a.example", &addrs(&["::ffff:169.254.169.254"]), &none).is_err());
    }

    #[test]
    fn allowed_names_resolve_to_anything_and_allowed_blocks_only_open_themselves() {
        let allow = AllowList::parse("localhost, 10.1.0.0/16").unwrap();
        assert_eq!(
            check_resolved("localhost", &addrs(&["127.0.0.1", "::1"]), &allow),
            Ok(())
        );
        assert_eq!(
            check_resolved("LocalHost.", &addrs(&["127.0.0.1"]), &allow),
            Ok(())
        );
        assert_eq!(
            check_resolved("db.internal", &addrs(&["10.1.2.3"]), &allow),
            Ok(())
        );
        assert!(check_resolved("db.internal", &addrs(&["10.1.2.3", "10.2.0.1"]), &allow).is_err());
        assert!(check_resolved("a.localhost", &addrs(&["127.0.0.1"]), &allow).is_err());
    }
}
