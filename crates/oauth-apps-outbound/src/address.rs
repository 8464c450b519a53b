//! Which addresses the guard may connect to: a pure policy over [`IpAddr`].
//!
//! An address is *public* when it is in none of the special-purpose blocks of the IANA
//! registries (IPv4 and IPv6 special-purpose address registries, RFC 6890 and its updates)
//! and, for IPv6, inside the global unicast space `2000::/3`. IPv6 forms that carry an IPv4
//! address (IPv4-mapped, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
//! by the IPv4 address they carry, since that is where the packets go.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A block of addresses written `address/prefix` (`10.0.0.0/8`, `fc00::/7`).
///
/// A `Cidr` that exists has no bits set beyond its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a text is not a [`Cidr`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// There is no `/prefix`.
    #[error("the /prefix length is missing")]
    MissingPrefix,
    /// The part before the `/` is not an IPv4 or IPv6 address.
    #[error("{0:?} is not an IP address")]
    NotAnAddress(String),
    /// The part after the `/` is not a whole number.
    #[error("the prefix length {0:?} is not a whole number")]
    PrefixNotANumber(String),
    /// The prefix is longer than the address (32 bits for IPv4, 128 for IPv6).
    #[error("the prefix length {prefix} is longer than {max} bits")]
    PrefixTooLong {
        /// The prefix length given.
        prefix: String,
        /// The address's length in bits.
        max: u8,
    },
    /// Bits beyond the prefix are set, so the block is not what it seems.
    #[error("bits beyond the prefix are set (did you mean {0}?)")]
    HostBitsSet(Cidr),
}

const fn v4_bits(a: Ipv4Addr) -> u128 {
    a.to_bits() as u128
}

fn mask(prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX << (width - prefix)) & (u128::MAX >> (128 - width))
    }
}

impl Cidr {
    /// The block of `prefix` leading bits of `network`.
    ///
    /// # Errors
    /// [`CidrError::PrefixTooLong`] beyond the address's length, [`CidrError::HostBitsSet`]
    /// when `network` has bits set beyond the prefix (the error holds the block meant).
    pub fn new(network: IpAddr, prefix: u8) -> Result<Self, CidrError> {
        let width = width(network);
        if prefix > width {
            return Err(CidrError::PrefixTooLong {
                prefix: prefix.to_string(),
                max: width,
            });
        }
        let bits = bits(network);
        let masked = bits & mask(prefix, width);
        if masked == bits {
            Ok(Self { network, prefix })
        } else {
            Err(CidrError::HostBitsSet(Self {
                network: from_bits(network, masked),
                prefix,
            }))
        }
    }

    /// The block that holds exactly `address` (`/32` or `/128`).
    #[must_use]
    pub fn single(address: IpAddr) -> Self {
        Self {
            network: address,
            prefix: width(address),
        }
    }

    /// The first address of the block.
    #[must_use]
    pub const fn network(&self) -> IpAddr {
        self.network
    }

    /// The number of leading bits that name the block.
    #[must_use]
    pub const fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `address` is in the block. An IPv4 block holds no IPv6 address and the other
    /// way round (compare an IPv4-mapped address through [`Ipv6Addr::to_canonical`]).
    #[must_use]
    pub fn contains(&self, address: IpAddr) -> bool {
        let width = width(self.network);
        width == self::width(address)
            && bits(address) & mask(self.prefix, width) == bits(self.network)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// Reads `address/prefix`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = s.split_once('/').ok_or(CidrError::MissingPrefix)?;
        let network: IpAddr = address
            .parse()
            .map_err(|_| CidrError::NotAnAddress(address.to_owned()))?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CidrError::PrefixNotANumber(prefix.to_owned()));
        }
        match prefix.parse::<u8>() {
            Ok(length) => Self::new(network, length),
            Err(_) => Err(CidrError::PrefixTooLong {
                prefix: prefix.to_owned(),
                max: width(network),
            }),
        }
    }
}

const fn width(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

const fn bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(a) => v4_bits(a),
        IpAddr::V6(a) => a.to_bits(),
    }
}

#[allow(clippy::cast_possible_truncation)] // an IPv4 block's bits fit in 32 bits
const fn from_bits(like: IpAddr, bits: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from_bits(bits as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from_bits(bits)),
    }
}

/// What a special-purpose block is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialKind {
    /// `0.0.0.0`, `::`: no address at all (connecting to it reaches the local host).
    Unspecified,
    /// `0.0.0.0/8`: "this network".
    ThisNetwork,
    /// `127.0.0.0/8`, `::1`: this host.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`, unique local `fc00::/7`, local-use NAT64
    /// `64:ff9b:1::/48`: internal networks.
    Private,
    /// `100.64.0.0/10`: carrier-grade NAT.
    SharedAddressSpace,
    /// `169.254.0.0/16` (cloud metadata endpoints such as `169.254.169.254`), `fe80::/10`.
    LinkLocal,
    /// `192.0.0.0/24`, `2001::/23` (Teredo, ORCHID and others): protocol assignments.
    ProtocolAssignments,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`, `2001:2::/48`: network benchmarking.
    Benchmarking,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240.0.0.0/4`, `5f00::/16` (SRv6 segment identifiers).
    Reserved,
    /// `192.88.99.0/24` (6to4 relays), `fec0::/10` (site-local), `::/96` (IPv4-compatible).
    Deprecated,
    /// `100::/64`: traffic is dropped.
    DiscardOnly,
    /// Any IPv6 address outside `2000::/3`, the only block IANA hands out for global
    /// unicast; everything else there is reserved.
    OutsideGlobalUnicast,
}

impl fmt::Display for SpecialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "unspecified",
            Self::ThisNetwork => "this network",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::SharedAddressSpace => "shared address space, carrier-grade NAT",
            Self::LinkLocal => "link-local",
            Self::ProtocolAssignments => "protocol assignments",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Reserved => "reserved",
            Self::Deprecated => "deprecated",
            Self::DiscardOnly => "discard-only",
            Self::OutsideGlobalUnicast => "reserved",
        })
    }
}

/// A special-purpose block and what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpecialRange {
    /// The block.
    pub block: Cidr,
    /// What it is for.
    pub kind: SpecialKind,
}

/// How an IPv6 address carries an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv4Form {
    /// `::ffff:a.b.c.d` (a dual-stack socket sends it to `a.b.c.d`).
    Mapped,
    /// `::a.b.c.d` (deprecated by RFC 4291).
    Compatible,
    /// `64:ff9b::a.b.c.d`, the well-known NAT64 prefix (RFC 6052).
    Nat64,
    /// `2002:AABB:CCDD::/48`, 6to4 (RFC 3056).
    SixToFour,
}

impl fmt::Display for Ipv4Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mapped => "IPv4-mapped",
            Self::Compatible => "IPv4-compatible",
            Self::Nat64 => "NAT64",
            Self::SixToFour => "6to4",
        })
    }
}

/// Why an address may not be connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressRefusal {
    /// The address refused.
    pub address: IpAddr,
    /// The IPv4 address it carries and in which form, when it is refused for that one.
    pub carried: Option<(Ipv4Form, Ipv4Addr)>,
    /// The special-purpose block that the address (or the IPv4 address it carries) is in.
    pub range: SpecialRange,
}

impl fmt::Display for AddressRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.carried {
            Some((form, ipv4)) => {
                write!(f, "{} is the {form} form of {ipv4}, which ", self.address)?
            }
            None => write!(f, "{} ", self.address)?,
        }
        let SpecialRange { block, kind } = self.range;
        if kind == SpecialKind::OutsideGlobalUnicast {
            write!(f, "is outside {block}, the global unicast space ({kind})")
        } else {
            write!(f, "is in {block} ({kind})")
        }
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, kind: SpecialKind) -> SpecialRange {
    SpecialRange {
        block: Cidr {
            network: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix,
        },
        kind,
    }
}

const fn v6(network: u128, prefix: u8, kind: SpecialKind) -> SpecialRange {
    SpecialRange {
        block: Cidr {
            network: IpAddr::V6(Ipv6Addr::from_bits(network)),
            prefix,
        },
        kind,
    }
}

/// The IPv4 special-purpose blocks, the narrower ones before those that hold them.
const IPV4_SPECIAL: &[SpecialRange] = {
    use SpecialKind::*;
    &[
        v4(0, 0, 0, 0, 32, Unspecified),
        v4(0, 0, 0, 0, 8, ThisNetwork),
        v4(10, 0, 0, 0, 8, Private),
        v4(100, 64, 0, 0, 10, SharedAddressSpace),
        v4(127, 0, 0, 0, 8, Loopback),
        v4(169, 254, 0, 0, 16, LinkLocal),
        v4(172, 16, 0, 0, 12, Private),
        v4(192, 0, 0, 0, 24, ProtocolAssignments),
        v4(192, 0, 2, 0, 24, Documentation),
        v4(192, 88, 99, 0, 24, Deprecated),
        v4(192, 168, 0, 0, 16, Private),
        v4(198, 18, 0, 0, 15, Benchmarking),
        v4(198, 51, 100, 0, 24, Documentation),
        v4(203, 0, 113, 0, 24, Documentation),
        v4(224, 0, 0, 0, 4, Multicast),
        v4(255, 255, 255, 255, 32, Broadcast),
        v4(240, 0, 0, 0, 4, Reserved),
    ]
};

/// The IPv6 special-purpose blocks judged by themselves (the forms that carry an IPv4
/// address are judged by it first), the narrower ones before those that hold them.
const IPV6_SPECIAL: &[SpecialRange] = {
    use SpecialKind::*;
    &[
        v6(0, 128, Unspecified),
        v6(1, 128, Loopback),
        v6(0x0064_ff9b_0001 << 80, 48, Private),
        v6(0x0100 << 112, 64, DiscardOnly),
        v6(0x2001_0002 << 96, 48, Benchmarking),
        v6(0x2001_0db8 << 96, 32, Documentation),
        v6(0x2001 << 112, 23, ProtocolAssignments),
        v6(0x3fff << 112, 20, Documentation),
        v6(0x5f00 << 112, 16, Reserved),
        v6(0xfc00 << 112, 7, Private),
        v6(0xfe80 << 112, 10, LinkLocal),
        v6(0xfec0 << 112, 10, Deprecated),
        v6(0xff00 << 112, 8, Multicast),
    ]
};

const GLOBAL_UNICAST: Cidr = v6(0x2000 << 112, 3, SpecialKind::OutsideGlobalUnicast).block;
const IPV4_COMPATIBLE: SpecialRange = v6(0, 96, SpecialKind::Deprecated);

fn special_ipv4(address: Ipv4Addr) -> Option<SpecialRange> {
    IPV4_SPECIAL
        .iter()
        .find(|range| range.block.contains(IpAddr::V4(address)))
        .copied()
}

/// The IPv4 address an IPv6 address carries, and in which form. Read by the bits alone:
/// `::` and `::1` come out as IPv4-compatible `0.0.0.0` and `0.0.0.1`, which
/// [`check_public`] does not ask for (it judges them as themselves first).
#[must_use]
pub fn carried_ipv4(address: Ipv6Addr) -> Option<(Ipv4Form, Ipv4Addr)> {
    let bits = address.to_bits();
    #[allow(clippy::cast_possible_truncation)] // the low 32 bits, on purpose
    let low = Ipv4Addr::from_bits(bits as u32);
    match bits >> 32 {
        0xffff => Some((Ipv4Form::Mapped, low)),
        0 => Some((Ipv4Form::Compatible, low)),
        0x0064_ff9b_0000_0000_0000_0000 => Some((Ipv4Form::Nat64, low)),
        _ if bits >> 112 == 0x2002 => {
            #[allow(clippy::cast_possible_truncation)] // bits 16..48, on purpose
            let carried = Ipv4Addr::from_bits((bits >> 80) as u32);
            Some((Ipv4Form::SixToFour, carried))
        }
        _ => None,
    }
}

/// Whether `address` is public: refuses every special-purpose address (module docs).
///
/// # Errors
/// [`AddressRefusal`] naming the block the address, or the IPv4 address it carries, is in.
pub fn check_public(address: IpAddr) -> Result<(), AddressRefusal> {
    let refuse = |carried, range| {
        Err(AddressRefusal {
            address,
            carried,
            range,
        })
    };
    match address {
        IpAddr::V4(ipv4) => match special_ipv4(ipv4) {
            Some(range) => refuse(None, range),
            None => Ok(()),
        },
        IpAddr::V6(ipv6) => {
            // `::` and `::1` are themselves, not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1.
            if let Some(range) = IPV6_SPECIAL[..2]
                .iter()
                .find(|range| range.block.contains(address))
            {
                return refuse(None, *range);
            }
            if let Some((form, ipv4)) = carried_ipv4(ipv6) {
                return match (special_ipv4(ipv4), form) {
                    (Some(range), _) => refuse(Some((form, ipv4)), range),
                    (None, Ipv4Form::Compatible) => refuse(None, IPV4_COMPATIBLE),
                    (None, _) => Ok(()),
                };
            }
            if let Some(range) = IPV6_SPECIAL.iter().find(|r| r.block.contains(address)) {
                return refuse(None, *range);
            }
            if GLOBAL_UNICAST.contains(address) {
                Ok(())
            } else {
                refuse(
                    None,
                    SpecialRange {
                        block: GLOBAL_UNICAST,
                        kind: SpecialKind::OutsideGlobalUnicast,
                    },
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn kind(s: &str) -> Option<SpecialKind> {
        check_public(ip(s)).err().map(|r| r.range.kind)
    }

    #[test]
    fn every_special_ipv4_block_is_refused_with_its_kind() {
        use SpecialKind::*;
        for (address, expected) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("127.0.0.1", Loopback),
            ("127.255.0.9", Loopback),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.0.0.9", ProtocolAssignments),
            ("192.0.2.1", Documentation),
            ("192.88.99.1", Deprecated),
            ("192.168.1.1", Private),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("198.51.100.7", Documentation),
            ("203.0.113.7", Documentation),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.254", Reserved),
            ("255.255.255.255", Broadcast),
        ] {
            assert_eq!(kind(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_ipv4_addresses_next_to_the_special_blocks_pass() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert_eq!(check_public(ip(address)), Ok(()), "{address}");
        }
    }

    #[test]
    fn every_special_ipv6_block_is_refused_with_its_kind() {
        use SpecialKind::*;
        for (address, expected) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("64:ff9b:1::1", Private),
            ("100::1", DiscardOnly),
            ("2001:2::1", Benchmarking),
            ("2001:db8::1", Documentation),
            ("2001::1", ProtocolAssignments),
            ("2001:1ff::1", ProtocolAssignments),
            ("2001:20::1", ProtocolAssignments),
            ("3fff::1", Documentation),
            ("5f00::1", Reserved),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", Deprecated),
            ("ff02::1", Multicast),
            ("::2:0:0:1", OutsideGlobalUnicast),
            ("4000::1", OutsideGlobalUnicast),
            ("::ffff:0:0:1", OutsideGlobalUnicast),
            ("e000::1", OutsideGlobalUnicast),
        ] {
            assert_eq!(kind(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_ipv6_addresses_pass() {
        for address in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:800::200e",
            "2001:200::1",
            "2001:db7:ffff::1",
            "2001:db9::1",
            "3ffe::1",
            "3fff:1000::1",
        ] {
            assert_eq!(check_public(ip(address)), Ok(()), "{address}");
        }
    }

    #[test]
    fn ipv6_forms_of_refused_ipv4_addresses_are_refused_for_the_ipv4_address() {
        for (address, form, ipv4, expected) in [
            (
                "::ffff:127.0.0.1",
                Ipv4Form::Mapped,
                "127.0.0.1",
                SpecialKind::Loopback,
            ),
            (
                "::ffff:a9fe:a9fe",
                Ipv4Form::Mapped,
                "169.254.169.254",
                SpecialKind::LinkLocal,
            ),
            (
                "::ffff:10.1.2.3",
                Ipv4Form::Mapped,
                "10.1.2.3",
                SpecialKind::Private,
            ),
            (
                "::127.0.0.1",
                Ipv4Form::Compatible,
                "127.0.0.1",
                SpecialKind::Loopback,
            ),
            (
                "::192.168.0.1",
                Ipv4Form::Compatible,
                "192.168.0.1",
                SpecialKind::Private,
            ),
            (
                "64:ff9b::127.0.0.1",
                Ipv4Form::Nat64,
                "127.0.0.1",
                SpecialKind::Loopback,
            ),
            (
                "64:ff9b::a9fe:a9fe",
                Ipv4Form::Nat64,
                "169.254.169.254",
                SpecialKind::LinkLocal,
            ),
            (
                "2002:7f00:1::",
                Ipv4Form::SixToFour,
                "127.0.0.1",
                SpecialKind::Loopback,
            ),
            (
                "2002:a00:1:5::9",
                Ipv4Form::SixToFour,
                "10.0.0.1",
                SpecialKind::Private,
            ),
            (
                "2002:a9fe:a9fe::1",
                Ipv4Form::SixToFour,
                "169.254.169.254",
                SpecialKind::LinkLocal,
            ),
        ] {
            let refusal = check_public(ip(address)).unwrap_err();
            assert_eq!(
                refusal.carried,
                Some((form, ipv4.parse().unwrap())),
                "{address}"
            );
            assert_eq!(refusal.range.kind, expected, "{address}");
        }
    }

    #[test]
    fn ipv6_forms_of_public_ipv4_addresses_pass_but_ipv4_compatible_ones_are_deprecated() {
        for address in ["::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"] {
            assert_eq!(check_public(ip(address)), Ok(()), "{address}");
        }
        let refusal = check_public(ip("::8.8.8.8")).unwrap_err();
        assert_eq!(refusal.range.kind, SpecialKind::Deprecated);
        assert_eq!(refusal.range.block.to_string(), "::/96");
        assert_eq!(refusal.carried, None);
    }

    #[test]
    fn refusals_name_the_address_the_form_and_the_block() {
        let message = |s| check_public(ip(s)).unwrap_err().to_string();
        assert_eq!(
            message("127.0.0.1"),
            "127.0.0.1 is in 127.0.0.0/8 (loopback)"
        );
        assert_eq!(
            message("169.254.169.254"),
            "169.254.169.254 is in 169.254.0.0/16 (link-local)"
        );
        assert_eq!(
            message("::ffff:127.0.0.1"),
            "::ffff:127.0.0.1 is the IPv4-mapped form of 127.0.0.1, which is in 127.0.0.0/8 (loopback)"
        );
        assert_eq!(
            message("4000::1"),
            "4000::1 is outside 2000::/3, the global unicast space (reserved)"
        );
    }

    #[test]
    fn cidrs_parse_and_contain() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains(ip("10.200.3.4")));
        assert!(!block.contains(ip("11.0.0.0")));
        assert!(!block.contains(ip("::ffff:10.0.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!(!all.contains(ip("::1")));
        let one: Cidr = "::1/128".parse().unwrap();
        assert!(one.contains(ip("::1")));
        assert!(!one.contains(ip("::2")));
        let ula: Cidr = "fc00::/7".parse().unwrap();
        assert!(ula.contains(ip("fdff::1")));
        assert!(!ula.contains(ip("fe00::1")));
        assert_eq!(one.to_string(), "::1/128");
        assert_eq!(Cidr::single(ip("127.0.0.1")).to_string(), "127.0.0.1/32");
    }

    #[test]
    fn bad_cidrs_say_what_is_wrong() {
        let error = |s: &str| s.parse::<Cidr>().unwrap_err().to_string();
        assert_eq!(
            error("10.0.0.1/8"),
            "bits beyond the prefix are set (did you mean 10.0.0.0/8?)"
        );
        assert_eq!(
            error("fe80::1/10"),
            "bits beyond the prefix are set (did you mean fe80::/10?)"
        );
        assert_eq!(
            error("10.0.0.0/33"),
            "the prefix length 33 is longer than 32 bits"
        );
        assert_eq!(
            error("::/300"),
            "the prefix length 300 is longer than 128 bits"
        );
        assert_eq!(
            error("10.0.0.0/x"),
            "the prefix length \"x\" is not a whole number"
        );
        assert_eq!(
            error("10.0.0.0/+8"),
            "the prefix length \"+8\" is not a whole number"
        );
        assert_eq!(
            error("example.com/8"),
            "\"example.com\" is not an IP address"
        );
        assert_eq!(error("10.0.0.0"), "the /prefix length is missing");
    }
}
