//! Redirect URL rules (RFC 6749 §3.1.2, RFC 8252, RFC 9700) and matching.

use url::{Host, Url};

use super::attributes::AppType;
use crate::validation::{Field, FieldError, Violation};

/// Schemes that are never accepted as a redirect target.
pub const DANGEROUS_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "about", "blob"];

/// One registered redirect URL, valid for the application type it was checked against.
/// Kept exactly as given: matching compares strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUrl(String);

impl RedirectUrl {
    /// The most characters a redirect URL may have.
    pub const MAX_LEN: usize = 2000;

    /// Checks `s` against the rules for `app_type`.
    ///
    /// # Errors
    /// The first rule broken: [`Violation::TooLong`], [`Violation::UrlWhitespace`],
    /// [`Violation::UrlWildcard`], [`Violation::UrlFragment`], [`Violation::NotAbsoluteUrl`],
    /// [`Violation::DangerousScheme`], [`Violation::UrlUserinfo`] or
    /// [`Violation::UrlNotAllowedForType`].
    pub fn parse(s: &str, app_type: AppType) -> Result<Self, Violation> {
        if s.is_empty() {
            return Err(Violation::Required);
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Violation::UrlWhitespace);
        }
        if s.contains('*') {
            return Err(Violation::UrlWildcard);
        }
        if s.contains('#') {
            return Err(Violation::UrlFragment);
        }
        let url = Url::parse(s).map_err(|_| Violation::NotAbsoluteUrl)?;
        let scheme = url.scheme();
        if DANGEROUS_SCHEMES.contains(&scheme) {
            return Err(Violation::DangerousScheme {
                scheme: scheme.to_owned(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Violation::UrlUserinfo);
        }
        if allowed_for(&url, app_type) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Violation::UrlNotAllowedForType {
                app_type: app_type.as_str(),
                rule: type_rule(app_type),
            })
        }
    }

    /// The URL as registered.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` (from an authorization request) matches this registered URL:
    /// exact string comparison, except that for `native` and `public` applications an
    /// `http` URL on a loopback IP literal matches with any port (RFC 8252 §7.3).
    #[must_use]
    pub fn matches(&self, app_type: AppType, presented: &str) -> bool {
        if self.0 == presented {
            return true;
        }
        if !matches!(app_type, AppType::Native | AppType::Public) {
            return false;
        }
        match (loopback_parts(&self.0), loopback_parts(presented)) {
            (Some(registered), Some(given)) => registered == given,
            _ => false,
        }
    }
}

impl AsRef<str> for RedirectUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn is_loopback_ip(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        _ => false,
    }
}

fn is_loopback_host(host: Option<Host<&str>>) -> bool {
    matches!(host, Some(Host::Domain("localhost"))) || is_loopback_ip(host)
}

/// A private-use scheme in reverse-domain form (RFC 8252 §7.1): not http(s), holds a period.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme != "http" && scheme != "https" && scheme.contains('.')
}

fn allowed_for(url: &Url, app_type: AppType) -> bool {
    let scheme = url.scheme();
    let https = scheme == "https";
    let http_loopback_host = scheme == "http" && is_loopback_host(url.host());
    let http_loopback_ip = scheme == "http" && is_loopback_ip(url.host());
    let private_use = is_private_use_scheme(scheme);
    match app_type {
        AppType::Web | AppType::UserAgentBased => https || http_loopback_host,
        AppType::Native => https || http_loopback_ip || private_use,
        AppType::Public => https || http_loopback_host || private_use,
    }
}

const fn type_rule(app_type: AppType) -> &'static str {
    match app_type {
        AppType::Web | AppType::UserAgentBased => {
            "use https, or http only on localhost, 127.0.0.1 or [::1]"
        }
        AppType::Native => {
            "use https, http on a loopback IP literal (127.0.0.1 or [::1]), or a private-use \
             scheme in reverse-domain form such as com.example.app:/callback"
        }
        AppType::Public => {
            "use https, http on localhost, 127.0.0.1 or [::1], or a private-use scheme in \
             reverse-domain form such as com.example.app:/callback"
        }
    }
}

/// Splits `http://<loopback IP>[:port]<rest>` into the host prefix and the rest, dropping
/// the port; `None` for anything else.
fn loopback_parts(s: &str) -> Option<(&'static str, &str)> {
    const PREFIXES: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];
    let (prefix, after) = PREFIXES
        .iter()
        .find_map(|p| s.strip_prefix(p).map(|after| (*p, after)))?;
    let rest = match after.strip_prefix(':') {
        Some(port_and_rest) => {
            let end = port_and_rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(port_and_rest.len());
            port_and_rest[..end].parse::<u16>().ok()?;
            &port_and_rest[end..]
        }
        None => after,
    };
    (rest.is_empty() || rest.starts_with(['/', '?'])).then_some((prefix, rest))
}

/// The registered redirect URLs of an application: at most 20, no duplicates, in the order
/// given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RedirectUrls(Vec<RedirectUrl>);

impl RedirectUrls {
    /// The most redirect URLs an application may register.
    pub const MAX: usize = 20;

    /// Checks every URL for `app_type`, removes duplicates (keeping the first), and checks
    /// the count.
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::RedirectUrls`] per bad URL (with its index), and one
    /// [`Violation::TooMany`] when more than 20 distinct URLs remain.
    pub fn parse<S: AsRef<str>>(urls: &[S], app_type: AppType) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut kept: Vec<RedirectUrl> = Vec::with_capacity(urls.len().min(Self::MAX));
        for (i, raw) in urls.iter().enumerate() {
            match RedirectUrl::parse(raw.as_ref(), app_type) {
                Ok(url) if !kept.contains(&url) => kept.push(url),
                Ok(_) => {}
                Err(v) => errors.push(FieldError::at(Field::RedirectUrls, i, v)),
            }
        }
        if kept.len() > Self::MAX {
            errors.push(FieldError::new(
                Field::RedirectUrls,
                Violation::TooMany { max: Self::MAX },
            ));
        }
        if errors.is_empty() {
            Ok(Self(kept))
        } else {
            Err(errors)
        }
    }

    /// The URLs, in registration order.
    #[must_use]
    pub fn as_slice(&self) -> &[RedirectUrl] {
        &self.0
    }

    /// The URLs as strings, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(RedirectUrl::as_str)
    }

    /// Whether none is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many are registered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `presented` matches one of them (see [`RedirectUrl::matches`]).
    #[must_use]
    pub fn matches(&self, app_type: AppType, presented: &str) -> bool {
        self.0.iter().any(|u| u.matches(app_type, presented))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_TYPES: [AppType; 4] = [
        AppType::Web,
        AppType::Native,
        AppType::Public,
        AppType::UserAgentBased,
    ];

    fn ok(url: &str, t: AppType) -> bool {
        RedirectUrl::parse(url, t).is_ok()
    }

    #[test]
    fn general_rules_apply_to_every_type() {
        for t in ALL_TYPES {
            assert_eq!(RedirectUrl::parse("", t), Err(Violation::Required));
            assert_eq!(
                RedirectUrl::parse("/callback", t),
                Err(Violation::NotAbsoluteUrl)
            );
            assert_eq!(
                RedirectUrl::parse("example.com/cb", t),
                Err(Violation::NotAbsoluteUrl)
            );
            assert_eq!(
                RedirectUrl::parse("https://a.example/cb#frag", t),
                Err(Violation::UrlFragment)
            );
            assert_eq!(
                RedirectUrl::parse("https://a.example/cb#", t),
                Err(Violation::UrlFragment)
            );
            assert_eq!(
                RedirectUrl::parse("https://user@a.example/cb", t),
                Err(Violation::UrlUserinfo)
            );
            assert_eq!(
                RedirectUrl::parse("https://:pw@a.example/cb", t),
                Err(Violation::UrlUserinfo)
            );
            assert_eq!(
                RedirectUrl::parse("https://*.example.com/cb", t),
                Err(Violation::UrlWildcard)
            );
            assert_eq!(
                RedirectUrl::parse("https://a.example/*", t),
                Err(Violation::UrlWildcard)
            );
            assert_eq!(
                RedirectUrl::parse(" https://a.example/cb", t),
                Err(Violation::UrlWhitespace)
            );
            assert_eq!(
                RedirectUrl::parse("https://a.example/c\tb", t),
                Err(Violation::UrlWhitespace)
            );
            let long = format!("https://a.example/{}", "x".repeat(1982));
            assert_eq!(long.len(), 2000);
            assert!(ok(&long, t));
            assert_eq!(
                RedirectUrl::parse(&format!("{long}x"), t),
                Err(Violation::TooLong { max: 2000 })
            );
            assert!(ok("https://a.example/cb?x=1", t));
        }
    }

    #[test]
    fn dangerous_schemes_are_refused_for_every_type() {
        for t in ALL_TYPES {
            for s in [
                "javascript:alert(1)",
                "data:text/html,hi",
                "file:///etc/passwd",
                "vbscript:msgbox",
                "about:blank",
                "blob:https://a.example/uuid",
                "JavaScript:alert(1)",
            ] {
                assert!(
                    matches!(
                        RedirectUrl::parse(s, t),
                        Err(Violation::DangerousScheme { .. })
                    ),
                    "{s} for {t}"
                );
            }
        }
    }

    #[test]
    fn web_and_browser_apps_take_https_or_loopback_http() {
        for t in [AppType::Web, AppType::UserAgentBased] {
            assert!(ok("https://app.example.com/callback", t));
            assert!(ok("http://localhost:3000/cb", t));
            assert!(ok("http://127.0.0.1/cb", t));
            assert!(ok("http://[::1]:8080/cb", t));
            for bad in [
                "http://app.example.com/cb",
                "http://localhost.evil.com/cb",
                "http://127.0.0.2/cb",
                "com.example.app:/cb",
                "ftp://a.example/cb",
                "myapp:/cb",
            ] {
                let err = RedirectUrl::parse(bad, t).unwrap_err();
                assert!(
                    matches!(err, Violation::UrlNotAllowedForType { .. }),
                    "{bad} for {t}: {err:?}"
                );
                assert!(err.to_string().contains(t.as_str()));
            }
        }
    }

    #[test]
    fn native_apps_take_https_loopback_ip_or_private_use_schemes() {
        let t = AppType::Native;
        assert!(ok("https://app.example.com/cb", t));
        assert!(ok("http://127.0.0.1/cb", t));
        assert!(ok("http://127.0.0.1:51004/oauth2redirect", t));
        assert!(ok("http://[::1]/cb", t));
        assert!(ok("com.example.app:/oauth2redirect", t));
        assert!(ok("com.example.app://callback", t));
        for bad in [
            "http://localhost/cb",
            "http://app.example.com/cb",
            "myapp:/cb",
            "ftp://a.example/cb",
        ] {
            assert!(
                matches!(
                    RedirectUrl::parse(bad, t),
                    Err(Violation::UrlNotAllowedForType { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn public_apps_take_what_native_or_browser_apps_take() {
        let t = AppType::Public;
        assert!(ok("https://app.example.com/cb", t));
        assert!(ok("http://localhost/cb", t));
        assert!(ok("http://127.0.0.1:9000/cb", t));
        assert!(ok("http://[::1]/cb", t));
        assert!(ok("com.example.app:/cb", t));
        for bad in [
            "http://app.example.com/cb",
            "myapp:/cb",
            "ws://a.example/cb",
        ] {
            assert!(
                matches!(
                    RedirectUrl::parse(bad, t),
                    Err(Violation::UrlNotAllowedForType { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn refusals_say_what_the_type_accepts() {
        let rule = |t| match RedirectUrl::parse("ftp://a.example/cb", t) {
            Err(Violation::UrlNotAllowedForType { rule, .. }) => rule,
            other => panic!("{other:?}"),
        };
        assert_eq!(rule(AppType::Web), rule(AppType::UserAgentBased));
        assert!(rule(AppType::Web).contains("localhost"));
        assert!(!rule(AppType::Web).contains("private-use"));
        assert!(rule(AppType::Native).contains("loopback IP literal"));
        assert!(!rule(AppType::Native).contains("localhost"));
        assert!(rule(AppType::Public).contains("private-use"));
        assert!(rule(AppType::Public).contains("localhost"));
    }

    #[test]
    fn list_removes_duplicates_keeps_order_and_counts() {
        let urls = [
            "https://b.example/cb",
            "https://a.example/cb",
            "https://b.example/cb",
        ];
        let parsed = RedirectUrls::parse(&urls, AppType::Web).unwrap();
        assert_eq!(
            parsed.iter().collect::<Vec<_>>(),
            ["https://b.example/cb", "https://a.example/cb"]
        );
        assert_eq!(parsed.len(), 2);
        assert!(!parsed.is_empty());
        assert_eq!(parsed.as_slice()[1].as_ref(), "https://a.example/cb");

        let twenty: Vec<String> = (0..20).map(|i| format!("https://a.example/{i}")).collect();
        assert_eq!(
            RedirectUrls::parse(&twenty, AppType::Web).unwrap().len(),
            20
        );
        let mut with_dupes = twenty.clone();
        with_dupes.push("https://a.example/0".into());
        assert_eq!(
            RedirectUrls::parse(&with_dupes, AppType::Web)
                .unwrap()
                .len(),
            20
        );
        let mut twenty_one = twenty;
        twenty_one.push("https://a.example/20".into());
        let errors = RedirectUrls::parse(&twenty_one, AppType::Web).unwrap_err();
        assert_eq!(
            errors,
            [FieldError::new(
                Field::RedirectUrls,
                Violation::TooMany { max: 20 }
            )]
        );
        assert!(
            RedirectUrls::parse::<&str>(&[], AppType::Web)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn list_reports_every_bad_url_with_its_index() {
        let urls = [
            "https://ok.example/cb",
            "javascript:x",
            "http://evil.example/",
        ];
        let errors = RedirectUrls::parse(&urls, AppType::Web).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].index, Some(1));
        assert_eq!(errors[1].index, Some(2));
        assert!(errors.iter().all(|e| e.field == Field::RedirectUrls));
    }

    #[test]
    fn matching_is_exact() {
        let urls = RedirectUrls::parse(&["https://a.example/cb"], AppType::Web).unwrap();
        assert!(urls.matches(AppType::Web, "https://a.example/cb"));
        assert!(!urls.matches(AppType::Web, "https://a.example/cb/"));
        assert!(!urls.matches(AppType::Web, "https://A.example/cb"));
        assert!(!urls.matches(AppType::Web, "https://a.example/cb?x=1"));
        assert!(!urls.matches(AppType::Web, "https://a.example:443/cb"));
    }

    #[test]
    fn loopback_ip_matches_any_port_for_native_and_public_only() {
        for t in [AppType::Native, AppType::Public] {
            let urls =
                RedirectUrls::parse(&["http://127.0.0.1/cb", "http://[::1]:80/x"], t).unwrap();
            assert!(urls.matches(t, "http://127.0.0.1:51234/cb"));
            assert!(urls.matches(t, "http://127.0.0.1/cb"));
            assert!(urls.matches(t, "http://[::1]:4000/x"));
            assert!(urls.matches(t, "http://[::1]/x"));
            assert!(!urls.matches(t, "http://127.0.0.1:51234/other"));
            assert!(!urls.matches(t, "http://127.0.0.1:51234/cb?x=1"));
            assert!(!urls.matches(t, "http://127.0.0.1:99999/cb"));
            assert!(!urls.matches(t, "http://127.0.0.1:/cb"));
            assert!(!urls.matches(t, "http://127.0.0.1.evil.example/cb"));
            assert!(!urls.matches(t, "http://[::1]:4000/cb"));
            assert!(!urls.matches(t, "https://127.0.0.1:5000/cb"));
        }
        for t in [AppType::Web, AppType::UserAgentBased] {
            let urls = RedirectUrls::parse(&["http://127.0.0.1/cb"], t).unwrap();
            assert!(urls.matches(t, "http://127.0.0.1/cb"));
            assert!(!urls.matches(t, "http://127.0.0.1:51234/cb"));
        }
        // localhost is not an IP literal: no port flexibility even for public apps.
        let urls = RedirectUrls::parse(&["http://localhost/cb"], AppType::Public).unwrap();
        assert!(!urls.matches(AppType::Public, "http://localhost:5000/cb"));
    }
}
