//! Which hosts' metadata documents are resolved, and which organisation owns the clients
//! of each (the `OAUTH_APPS_CIMD_ALLOWED_HOSTS` setting): exact hosts or subdomain
//! wildcards, each bound to an organisation.

use std::fmt;

use crate::shared::ids::OrgId;
use crate::shared::validation::Violation;

/// Which organisation owns the applications resolved from documents on which hosts: the
/// setting `OAUTH_APPS_CIMD_ALLOWED_HOSTS`. A document on a host no pattern matches is not
/// resolved.
///
/// Written as comma-separated entries `pattern=org`, white space around entries and their
/// parts ignored, empty entries skipped (so an empty setting is an empty list):
///
/// - an exact host: a host name (`client.example.com`, `localhost`), an IPv4 address in
///   dotted decimal (`127.0.0.1`) or an IPv6 address in brackets (`[::1]`);
/// - `*.` followed by a host name: every subdomain of that name at any depth
///   (`*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`
///   itself and not `badexample.com`).
///
/// Hosts are compared without regard to ASCII case; patterns are written in canonical form
/// (an internationalised name in its `xn--` form). A host written with a final dot
/// (`example.com.`) matches only a pattern written with one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPatterns(Vec<(HostPattern, OrgId)>);

/// One pattern, lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// This host only.
    Exact(String),
    /// Any host ending in this suffix, which starts with a dot, after at least one
    /// character.
    Subdomains(String),
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(exact) => exact.eq_ignore_ascii_case(host),
            Self::Subdomains(suffix) => {
                host.len() > suffix.len()
                    && host
                        .get(host.len() - suffix.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
            }
        }
    }
}

/// Why an entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPatternEntryError {
    /// No `=`.
    #[error("write the entry as pattern=org (such as *.example.com=acme)")]
    MissingOrg,
    /// Nothing before the `=`.
    #[error("the host pattern is empty")]
    EmptyPattern,
    /// A `*` other than a leading `*.` (a bare `*`, `a.*.com`, `*example.com`, ...).
    #[error(
        "a wildcard is only allowed as a leading \"*.\" followed by a host name \
         (such as *.example.com)"
    )]
    Wildcard,
    /// `*.` followed by an IP address.
    #[error("\"*.\" must be followed by a host name, not an IP address")]
    WildcardAddress,
    /// Not a host name nor an IP address.
    #[error("not a host name or IP address: {0}")]
    Host(url::ParseError),
    /// A host not written in its canonical form.
    #[error(
        "write the host in canonical form (ASCII, IP addresses as 127.0.0.1 or [::1]): \
         {canonical}"
    )]
    NotCanonical {
        /// The host in canonical form.
        canonical: String,
    },
    /// The organisation is not a valid organisation id.
    #[error("the organisation id {org:?} {violation}")]
    Org {
        /// The organisation as written.
        org: String,
        /// The rule it breaks.
        violation: Violation,
    },
}

/// An entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {reason}")]
pub struct BadHostPattern {
    /// The entry as written (without the white space around it).
    pub entry: String,
    /// Why it cannot be read.
    pub reason: HostPatternEntryError,
}

/// Every entry of `OAUTH_APPS_CIMD_ALLOWED_HOSTS` that cannot be read, in setting order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct HostPatternsError(pub Vec<BadHostPattern>);

impl fmt::Display for HostPatternsError {
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

/// A host written in canonical form, lower-cased first.
fn canonical_host(written: &str) -> Result<url::Host<String>, HostPatternEntryError> {
    let host = url::Host::parse(written).map_err(HostPatternEntryError::Host)?;
    let canonical = host.to_string();
    if canonical.is_empty() {
        Err(HostPatternEntryError::Host(url::ParseError::EmptyHost))
    } else if canonical == written {
        Ok(host)
    } else {
        Err(HostPatternEntryError::NotCanonical { canonical })
    }
}

fn parse_pattern_entry(entry: &str) -> Result<(HostPattern, OrgId), HostPatternEntryError> {
    let (pattern, org) = entry
        .split_once('=')
        .ok_or(HostPatternEntryError::MissingOrg)?;
    let pattern = pattern.trim().to_ascii_lowercase();
    let org = org.trim();
    if pattern.is_empty() {
        return Err(HostPatternEntryError::EmptyPattern);
    }
    let pattern = if let Some(name) = pattern.strip_prefix("*.") {
        if name.contains('*') {
            return Err(HostPatternEntryError::Wildcard);
        }
        match canonical_host(name)? {
            url::Host::Domain(_) => HostPattern::Subdomains(format!(".{name}")),
            url::Host::Ipv4(_) | url::Host::Ipv6(_) => {
                return Err(HostPatternEntryError::WildcardAddress);
            }
        }
    } else if pattern.contains('*') {
        return Err(HostPatternEntryError::Wildcard);
    } else {
        canonical_host(&pattern)?;
        HostPattern::Exact(pattern)
    };
    let org = OrgId::parse(org).map_err(|violation| HostPatternEntryError::Org {
        org: org.to_owned(),
        violation,
    })?;
    Ok((pattern, org))
}

impl HostPatterns {
    /// Reads the setting's value (see the type's documentation).
    ///
    /// # Errors
    /// [`HostPatternsError`] naming every entry that cannot be read, and why.
    pub fn parse(setting: &str) -> Result<Self, HostPatternsError> {
        let mut patterns = Vec::new();
        let mut bad = Vec::new();
        for entry in setting.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match parse_pattern_entry(entry) {
                Ok(pattern) => patterns.push(pattern),
                Err(reason) => bad.push(BadHostPattern {
                    entry: entry.to_owned(),
                    reason,
                }),
            }
        }
        if bad.is_empty() {
            Ok(Self(patterns))
        } else {
            Err(HostPatternsError(bad))
        }
    }

    /// The organisation that owns documents on `host` (a [`MetadataDocumentUrl::host`]):
    /// that of the first entry, in setting order, whose pattern matches; `None` when none
    /// does. So write a specific host before a wildcard that also covers it.
    ///
    /// [`MetadataDocumentUrl::host`]: crate::MetadataDocumentUrl::host
    #[must_use]
    pub fn owner_of(&self, host: &str) -> Option<&OrgId> {
        self.0
            .iter()
            .find(|(pattern, _)| pattern.matches(host))
            .map(|(_, org)| org)
    }

    /// Whether there is no entry (then no document is resolved).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registration::document_url::tests::url;

    fn patterns(setting: &str) -> HostPatterns {
        HostPatterns::parse(setting).unwrap()
    }

    fn owner(patterns: &HostPatterns, host: &str) -> Option<String> {
        patterns.owner_of(host).map(ToString::to_string)
    }

    #[test]
    fn host_patterns_are_exact_hosts_or_subdomain_wildcards() {
        let list = patterns(
            " client.example.com=acme , *.example.com = widgets,localhost=dev,127.0.0.1=dev,\
             [::1]=dev, Mixed.Example.ORG=mixed,,",
        );
        assert_eq!(list.len(), 6);
        assert!(!list.is_empty());
        assert_eq!(owner(&list, "client.example.com").as_deref(), Some("acme"));
        assert_eq!(owner(&list, "a.example.com").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "a.b.example.com").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "A.B.Example.COM").as_deref(), Some("widgets"));
        assert_eq!(owner(&list, "example.com"), None);
        assert_eq!(owner(&list, "badexample.com"), None);
        assert_eq!(owner(&list, ".example.com"), None);
        assert_eq!(owner(&list, "example.com.evil.example"), None);
        assert_eq!(owner(&list, "localhost").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "a.localhost"), None);
        assert_eq!(owner(&list, "127.0.0.1").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "127.0.0.2"), None);
        assert_eq!(owner(&list, "[::1]").as_deref(), Some("dev"));
        assert_eq!(owner(&list, "mixed.example.org").as_deref(), Some("mixed"));
        assert_eq!(owner(&list, "other.example.org"), None);
        // With a document URL's host.
        let doc = url("https://Tenant.Example.com:8443/client.json");
        assert_eq!(
            list.owner_of(doc.host()).map(OrgId::as_str),
            Some("widgets")
        );
        assert!(patterns("").is_empty());
        assert!(patterns(" , ,").is_empty());
        assert_eq!(patterns("").len(), 0);
    }

    #[test]
    fn the_first_matching_host_pattern_wins() {
        let specific_first = patterns("client.example.com=acme,*.example.com=widgets");
        assert_eq!(
            owner(&specific_first, "client.example.com").as_deref(),
            Some("acme")
        );
        let wildcard_first = patterns("*.example.com=widgets,client.example.com=acme");
        assert_eq!(
            owner(&wildcard_first, "client.example.com").as_deref(),
            Some("widgets")
        );
        let nested = patterns("*.example.com=outer,*.b.example.com=inner");
        assert_eq!(owner(&nested, "a.b.example.com").as_deref(), Some("outer"));
    }

    #[test]
    fn every_bad_host_pattern_is_named_with_its_reason() {
        let error = HostPatterns::parse(
            "ok.example=acme, *=acme, a.*.example=acme, *example.com=acme, *.*.example=acme, \
             no-org.example, =acme, client.example=bad org, client.example=, \
             *.127.0.0.1=acme, host:8443=acme, 127.1=acme, *.=acme, *.ok.example=acme",
        )
        .unwrap_err();
        let entries: Vec<(&str, &HostPatternEntryError)> = error
            .0
            .iter()
            .map(|b| (b.entry.as_str(), &b.reason))
            .collect();
        assert_eq!(entries.len(), 12, "{error}");
        assert_eq!(entries[0], ("*=acme", &HostPatternEntryError::Wildcard));
        assert_eq!(
            entries[1],
            ("a.*.example=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[2],
            ("*example.com=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[3],
            ("*.*.example=acme", &HostPatternEntryError::Wildcard)
        );
        assert_eq!(
            entries[4],
            ("no-org.example", &HostPatternEntryError::MissingOrg)
        );
        assert_eq!(entries[5], ("=acme", &HostPatternEntryError::EmptyPattern));
        assert_eq!(entries[6].0, "client.example=bad org");
        assert!(matches!(
            entries[6].1,
            HostPatternEntryError::Org { org, violation: Violation::InvalidCharacters { .. } }
                if org == "bad org"
        ));
        assert_eq!(
            entries[7],
            (
                "client.example=",
                &HostPatternEntryError::Org {
                    org: String::new(),
                    violation: Violation::Required
                }
            )
        );
        assert_eq!(
            entries[8],
            ("*.127.0.0.1=acme", &HostPatternEntryError::WildcardAddress)
        );
        assert_eq!(entries[9].0, "host:8443=acme");
        assert!(matches!(entries[9].1, HostPatternEntryError::Host(_)));
        assert_eq!(
            entries[10],
            (
                "127.1=acme",
                &HostPatternEntryError::NotCanonical {
                    canonical: "127.0.0.1".into()
                }
            )
        );
        assert_eq!(
            entries[11],
            (
                "*.=acme",
                &HostPatternEntryError::Host(url::ParseError::EmptyHost)
            )
        );
        assert_eq!(
            error.0[0].to_string(),
            "\"*=acme\": a wildcard is only allowed as a leading \"*.\" followed by a host \
             name (such as *.example.com)"
        );
        assert_eq!(
            error.0[6].to_string(),
            "\"client.example=bad org\": the organisation id \"bad org\" may only contain \
             letters, digits, '_', '.' and '-'"
        );
        assert!(error.to_string().starts_with(
            "\"*=acme\": a wildcard is only allowed as a leading \"*.\" followed by a host \
             name (such as *.example.com); \"a.*.example=acme\": "
        ));
    }

    #[test]
    fn host_patterns_are_written_in_canonical_form() {
        assert_eq!(
            HostPatterns::parse("bücher.example=acme").unwrap_err().0[0].reason,
            HostPatternEntryError::NotCanonical {
                canonical: "xn--bcher-kva.example".into()
            }
        );
        let list = patterns("xn--bcher-kva.example=acme");
        assert_eq!(
            owner(&list, url("https://bücher.example/c").host()).as_deref(),
            Some("acme")
        );
        assert!(HostPatterns::parse("[0:0:0:0:0:0:0:1]=acme").is_err());
        assert!(HostPatterns::parse("*.[::1]=acme").is_err());
    }
}
