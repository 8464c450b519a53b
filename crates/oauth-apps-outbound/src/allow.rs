//! The exceptions to the address policy: `OAUTH_APPS_OUTBOUND_ALLOW`.

use std::fmt;
use std::net::IpAddr;

use crate::address::{AddressRefusal, Cidr, CidrError, check_public};

/// Host names and address blocks the guard may reach even when they are special-purpose
/// (tests, internal deployments). Empty by default: only public addresses.
///
/// Written as entries separated by commas or white space:
///
/// - a block, `10.20.0.0/16`, `127.0.0.1/32`, `::1/128`;
/// - a single address, `127.0.0.1`, `::1` or `[::1]` (the same as `/32` or `/128`);
/// - a host name, `jwks.internal.example`: whatever it resolves to is allowed, so allow a
///   name only when its DNS is trusted as much as the network it points into.
///
/// Entries carry no port, no scheme, no path and no wildcard; any port of an allowed host
/// or address may be reached, as for public ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<String>,
    blocks: Vec<Cidr>,
}

/// Why an entry of the allow list cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowEntryError {
    /// `https://host`: entries are hosts or blocks, not URLs.
    #[error("write the host alone, without a scheme")]
    Scheme,
    /// `host:8443`, `[::1]:8443`: the policy is about addresses, not ports.
    #[error("entries carry no port (every port of an allowed host is allowed)")]
    Port,
    /// `*.example.com`.
    #[error("wildcards are not supported; list each host name")]
    Wildcard,
    /// Something with a `/` that is not an address block.
    #[error("not an address block: {0}")]
    Block(CidrError),
    /// Not a host name either.
    #[error("not a host name or address: {0}")]
    Host(url::ParseError),
}

/// An entry of the allow list that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {reason}")]
pub struct BadAllowEntry {
    /// The entry as written.
    pub entry: String,
    /// Why it cannot be read.
    pub reason: AllowEntryError,
}

/// Every entry of an allow list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AllowListError(pub Vec<BadAllowEntry>);

impl fmt::Display for AllowListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, bad) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{bad}")?;
        }
        Ok(())
    }
}

enum Entry {
    Host(String),
    Block(Cidr),
}

fn parse_entry(entry: &str) -> Result<Entry, AllowEntryError> {
    if entry.contains("://") {
        return Err(AllowEntryError::Scheme);
    }
    if entry.contains('*') {
        return Err(AllowEntryError::Wildcard);
    }
    if entry.contains('/') {
        return entry
            .parse()
            .map(Entry::Block)
            .map_err(AllowEntryError::Block);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').unwrap_or((rest, ""));
        if !after.is_empty() {
            return Err(AllowEntryError::Port);
        }
        return inside
            .parse::<std::net::Ipv6Addr>()
            .map(|a| Entry::Block(Cidr::single(IpAddr::V6(a))))
            .map_err(|_| AllowEntryError::Host(url::ParseError::InvalidIpv6Address));
    }
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Ok(Entry::Block(Cidr::single(address)));
    }
    if entry.contains(':') {
        return Err(AllowEntryError::Port);
    }
    match url::Host::parse(entry).map_err(AllowEntryError::Host)? {
        url::Host::Domain(name) => {
            let name = normalise_host(&name);
            if name.is_empty() {
                Err(AllowEntryError::Host(url::ParseError::EmptyHost))
            } else {
                Ok(Entry::Host(name.to_owned()))
            }
        }
        url::Host::Ipv4(a) => Ok(Entry::Block(Cidr::single(IpAddr::V4(a)))),
        url::Host::Ipv6(a) => Ok(Entry::Block(Cidr::single(IpAddr::V6(a)))),
    }
}

/// A host name without the final dot of a fully qualified name (`localhost.` is `localhost`).
fn normalise_host(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

impl AllowList {
    /// Reads the setting's value (type docs); white space and empty entries are ignored.
    ///
    /// # Errors
    /// [`AllowListError`] naming every entry that cannot be read.
    pub fn parse(setting: &str) -> Result<Self, AllowListError> {
        let mut list = Self::default();
        let mut bad = Vec::new();
        for entry in setting
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            match parse_entry(entry) {
                Ok(Entry::Host(host)) => list.hosts.push(host),
                Ok(Entry::Block(block)) => list.blocks.push(block),
                Err(reason) => bad.push(BadAllowEntry {
                    entry: entry.to_owned(),
                    reason,
                }),
            }
        }
        if bad.is_empty() {
            Ok(list)
        } else {
            Err(AllowListError(bad))
        }
    }

    /// Whether nothing is allowed beyond public addresses.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.blocks.is_empty()
    }

    /// The allowed host names, lower case, without a final dot.
    #[must_use]
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The allowed address blocks.
    #[must_use]
    pub fn blocks(&self) -> &[Cidr] {
        &self.blocks
    }

    /// Whether `host` (a URL's host name) is allowed whatever it resolves to. Compared
    /// without regard to ASCII case or a final dot; no other spelling matches.
    #[must_use]
    pub fn allows_host(&self, host: &str) -> bool {
        let host = normalise_host(host);
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Whether `address` is in an allowed block. An IPv4-mapped IPv6 address is the IPv4
    /// address it maps (a dual-stack socket connects to that one).
    #[must_use]
    pub fn allows_address(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(a) => a.to_canonical(),
            IpAddr::V4(_) => address,
        };
        self.blocks.iter().any(|b| b.contains(address))
    }

    /// The address policy: an address in an allowed block, or a public one.
    ///
    /// # Errors
    /// [`AddressRefusal`] for a special-purpose address no allowed block holds.
    pub fn check_address(&self, address: IpAddr) -> Result<(), AddressRefusal> {
        if self.allows_address(address) {
            Ok(())
        } else {
            check_public(address)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn entries_are_blocks_addresses_and_host_names() {
        let list = AllowList::parse(
            " 127.0.0.1/32, ::1/128,10.20.0.0/16\n[fd00::7] 192.168.1.5 Jwks.Internal.Example. ,,",
        )
        .unwrap();
        assert_eq!(list.hosts(), ["jwks.internal.example"]);
        let blocks: Vec<String> = list.blocks().iter().map(ToString::to_string).collect();
        assert_eq!(
            blocks,
            [
                "127.0.0.1/32",
                "::1/128",
                "10.20.0.0/16",
                "fd00::7/128",
                "192.168.1.5/32"
            ]
        );
        assert!(AllowList::parse("").unwrap().is_empty());
        assert!(AllowList::parse(" , ").unwrap().is_empty());
    }

    #[test]
    fn every_bad_entry_is_named_with_its_reason() {
        let error = AllowList::parse(
            "ok.example, https://a.example, a.example:8443, [::1]:8443, *.example, 10.0.0.1/8, ::1/129, a b%zz",
        )
        .unwrap_err();
        let entries: Vec<&str> = error.0.iter().map(|b| b.entry.as_str()).collect();
        assert_eq!(
            entries,
            [
                "https://a.example",
                "a.example:8443",
                "[::1]:8443",
                "*.example",
                "10.0.0.1/8",
                "::1/129",
                "b%zz"
            ]
        );
        assert_eq!(
            error.0[4].to_string(),
            "\"10.0.0.1/8\": not an address block: bits beyond the prefix are set (did you mean 10.0.0.0/8?)"
        );
        assert_eq!(
            error.0[1].to_string(),
            "\"a.example:8443\": entries carry no port (every port of an allowed host is allowed)"
        );
        assert!(error.to_string().starts_with(
            "\"https://a.example\": write the host alone, without a scheme; \"a.example:8443\""
        ));
    }

    #[test]
    fn allowed_blocks_open_special_addresses_and_nothing_else() {
        let list = AllowList::parse("127.0.0.1/32, fd00::/8").unwrap();
        assert_eq!(list.check_address(ip("127.0.0.1")), Ok(()));
        assert_eq!(list.check_address(ip("::ffff:127.0.0.1")), Ok(()));
        assert_eq!(list.check_address(ip("fd00::1234")), Ok(()));
        assert_eq!(list.check_address(ip("8.8.8.8")), Ok(()));
        assert!(list.check_address(ip("127.0.0.2")).is_err());
        assert!(list.check_address(ip("::1")).is_err());
        assert!(list.check_address(ip("fc00::1")).is_err());
        // Forms that lead elsewhere than the allowed address stay refused.
        assert!(list.check_address(ip("64:ff9b::127.0.0.1")).is_err());
        assert!(list.check_address(ip("2002:7f00:1::")).is_err());
        assert!(AllowList::default().check_address(ip("127.0.0.1")).is_err());
    }

    #[test]
    fn host_names_match_exactly_without_regard_to_case_or_a_final_dot() {
        let list = AllowList::parse("localhost, jwks.internal.example").unwrap();
        assert!(list.allows_host("localhost"));
        assert!(list.allows_host("localhost."));
        assert!(list.allows_host("LOCALHOST"));
        assert!(list.allows_host("jwks.internal.example"));
        assert!(!list.allows_host("a.localhost"));
        assert!(!list.allows_host("internal.example"));
        assert!(!list.allows_host("jwks.internal.example.evil.example"));
        assert!(!list.allows_host("localhost.."));
    }
}
