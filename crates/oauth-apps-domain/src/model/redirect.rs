//! Redirect URL rules (RFC 6749 §3.1.2, RFC 8252, RFC 9700) and matching.

use url::Url;

use super::attributes::AppType;
use crate::shared::text::{check_no_backslash, check_no_userinfo, check_written};
use crate::validation::{Field, FieldError, Violation};

/// Schemes that are never accepted as a redirect target.
pub const DANGEROUS_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "about", "blob"];

/// One registered redirect URL, valid for the application type it was checked against.
///
/// A URL accepted by [`RedirectUrl::parse`] is in its normalised form: the string is what
/// `url::Url` serialises it as, so the string that is stored and compared is the URL that
/// was checked. URLs stored before that rule may be kept in another form
/// ([`RedirectUrl::restore`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUrl(String);

/// Which rules a redirect URL is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// Every rule: what new registrations and changes must satisfy.
    Current,
    /// The rules that held before URLs had to be written in normalised form.
    Legacy,
}

impl RedirectUrl {
    /// The most characters a redirect URL may have.
    pub const MAX_LEN: usize = 2000;

    /// Checks `s` against the rules for `app_type`; `s` must be written in normalised
    /// form, as [`url::Url`] serialises it (`https://example.com/`, not
    /// `https://example.com`; `http://127.0.0.1/`, not `http://127.1/`).
    ///
    /// # Errors
    /// The first rule broken: [`Violation::Required`], [`Violation::TooLong`],
    /// [`Violation::UrlWhitespace`], [`Violation::UrlWildcard`], [`Violation::UrlFragment`],
    /// [`Violation::UrlBackslash`], [`Violation::NotAbsoluteUrl`],
    /// [`Violation::DangerousScheme`], [`Violation::UrlUserinfo`],
    /// [`Violation::UrlNotAllowedForType`], [`Violation::UrlHostNotCanonical`] or
    /// [`Violation::UrlNotNormalised`].
    pub fn parse(s: &str, app_type: AppType) -> Result<Self, Violation> {
        check(s, app_type, Rules::Current).map(|()| Self(s.to_owned()))
    }

    /// Rebuilds a stored URL under the rules that held before URLs had to be written in
    /// normalised form, so that an application stored then stays readable; the string is
    /// kept as stored. New URLs go through [`RedirectUrl::parse`].
    ///
    /// # Errors
    /// The first rule broken, as [`RedirectUrl::parse`] but for
    /// [`Violation::UrlBackslash`], [`Violation::UrlHostNotCanonical`] and
    /// [`Violation::UrlNotNormalised`].
    pub fn restore(s: &str, app_type: AppType) -> Result<Self, Violation> {
        check(s, app_type, Rules::Legacy).map(|()| Self(s.to_owned()))
    }

    /// The URL as registered.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` (from an authorization request) matches this registered URL.
    ///
    /// `presented` matches when it equals the registered string exactly and is in
    /// normalised form without a backslash (see [`RedirectUrl::parse`]), or, for `native`
    /// and `public` applications, when both are `http` URLs on the same loopback IP
    /// literal (`127.0.0.1` or `[::1]`) whose parsed forms differ in the port only (RFC
    /// 8252 §7.3; `presented` in normalised form).
    ///
    /// A URL stored before the normal form was required ([`RedirectUrl::restore`]) still
    /// matches its exact spelling when normalisation would only have rewritten it
    /// harmlessly (`https://a.example` for `https://a.example/`, an upper-case scheme, a
    /// default port), so clients registered that way keep working; one with a backslash
    /// or a host not written canonically (`http://127.1/`, `http://127.0.0.1\@evil.com/`)
    /// matches nothing but through the loopback exception, by its parsed form.
    #[must_use]
    pub fn matches(&self, app_type: AppType, presented: &str) -> bool {
        if self.0 == presented {
            return normalised(presented).is_some() || harmlessly_spelled(presented);
        }
        let Some(given) = normalised(presented) else {
            return false;
        };
        if !matches!(app_type, AppType::Native | AppType::Public) || !is_loopback_ip_http(&given) {
            return false;
        }
        Url::parse(&self.0).is_ok_and(|registered| {
            is_loopback_ip_http(&registered)
                && registered.host_str() == given.host_str()
                && registered.username() == given.username()
                && registered.password() == given.password()
                && registered.path() == given.path()
                && registered.query() == given.query()
                && registered.fragment() == given.fragment()
        })
    }
}

impl AsRef<str> for RedirectUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The loopback hosts, as a normalised URL writes them: `http` is allowed on these for
/// `web`, `user-agent-based` and `public` applications.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The loopback IP literals, as a normalised URL writes them: `native` applications may use
/// `http` on these only, and they match with any port.
const LOOPBACK_IPS: [&str; 2] = ["127.0.0.1", "[::1]"];

fn check(s: &str, app_type: AppType, rules: Rules) -> Result<(), Violation> {
    check_written(s, RedirectUrl::MAX_LEN)?;
    if s.contains('*') {
        return Err(Violation::UrlWildcard);
    }
    if s.contains('#') {
        return Err(Violation::UrlFragment);
    }
    if rules == Rules::Current {
        check_no_backslash(s)?;
    }
    let url = Url::parse(s).map_err(|_| Violation::NotAbsoluteUrl)?;
    let scheme = url.scheme();
    if DANGEROUS_SCHEMES.contains(&scheme) {
        return Err(Violation::DangerousScheme {
            scheme: scheme.to_owned(),
        });
    }
    check_no_userinfo(&url)?;
    if !allowed_for(&url, app_type) {
        return Err(Violation::UrlNotAllowedForType {
            app_type: app_type.as_str(),
            rule: type_rule(app_type),
        });
    }
    if rules == Rules::Current && url.as_str() != s {
        return Err(not_normalised(s, &url));
    }
    Ok(())
}

/// Why `s` is not written as its normalised form `url`: its host, or something else.
fn not_normalised(s: &str, url: &Url) -> Violation {
    match (written_host(s), url.host_str()) {
        (Some(written), Some(canonical)) if !written.is_empty() && written != canonical => {
            Violation::UrlHostNotCanonical {
                canonical: canonical.to_owned(),
            }
        }
        _ => Violation::UrlNotNormalised {
            normalised: url.as_str().to_owned(),
        },
    }
}

/// The host as written in `scheme://[userinfo@]host[:port]...`; `None` without `//`.
fn written_host(s: &str) -> Option<&str> {
    let (_, rest) = s.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_and_port.starts_with('[') {
        let end = host_and_port
            .find(']')
            .map_or(host_and_port.len(), |i| i + 1);
        Some(&host_and_port[..end])
    } else {
        Some(
            host_and_port
                .rsplit_once(':')
                .map_or(host_and_port, |(h, _)| h),
        )
    }
}

/// `s` parsed, when it is written exactly as its normalised form and holds no backslash
/// (which the normalised form of a private-use URL may keep, but registration refuses).
fn normalised(s: &str) -> Option<Url> {
    if s.contains('\\') {
        return None;
    }
    Url::parse(s).ok().filter(|url| url.as_str() == s)
}

/// Whether `s` differs from its normalised form only in ways that cannot change where it
/// leads: an upper-case scheme, a default port written out, a missing `/` path. Anything
/// else (a host in another spelling, a backslash, dot segments, percent-encoding) is not.
fn harmlessly_spelled(s: &str) -> bool {
    if s.contains('\\') {
        return false;
    }
    let Ok(url) = Url::parse(s) else {
        return false;
    };
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut spelled = format!("{}:{rest}", scheme.to_ascii_lowercase());
    if let (Some(host), Some(port)) = (url.host_str(), default_port(url.scheme())) {
        let written = format!("//{host}:{port}");
        let prefix = format!("{}:{written}", url.scheme());
        if spelled.starts_with(&prefix) {
            spelled = format!("{}://{host}{}", url.scheme(), &spelled[prefix.len()..]);
        }
    }
    spelled == url.as_str() || format!("{spelled}/") == url.as_str()
}

const fn default_port(scheme: &str) -> Option<u16> {
    match scheme.as_bytes() {
        b"http" => Some(80),
        b"https" => Some(443),
        _ => None,
    }
}

fn host_in(url: &Url, hosts: &[&str]) -> bool {
    url.host_str().is_some_and(|h| hosts.contains(&h))
}

fn is_loopback_ip_http(url: &Url) -> bool {
    url.scheme() == "http" && host_in(url, &LOOPBACK_IPS)
}

/// A private-use scheme in reverse-domain form (RFC 8252 §7.1): not http(s), holds a period.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme != "http" && scheme != "https" && scheme.contains('.')
}

fn allowed_for(url: &Url, app_type: AppType) -> bool {
    let scheme = url.scheme();
    let https = scheme == "https";
    let http_loopback_host = scheme == "http" && host_in(url, &LOOPBACK_HOSTS);
    let http_loopback_ip = is_loopback_ip_http(url);
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

/// The registered redirect URLs of an application: at most 20, no duplicates, in the order
/// given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RedirectUrls(Vec<RedirectUrl>);

impl RedirectUrls {
    /// The most redirect URLs an application may register.
    pub const MAX: usize = 20;

    /// Checks every URL for `app_type` ([`RedirectUrl::parse`]), removes duplicates
    /// (keeping the first), and checks the count.
    ///
    /// # Errors
    /// One [`FieldError`] on [`Field::RedirectUrls`] per bad URL (with its index), and one
    /// [`Violation::TooMany`] when more than 20 distinct URLs remain.
    pub fn parse<S: AsRef<str>>(urls: &[S], app_type: AppType) -> Result<Self, Vec<FieldError>> {
        Self::collect(urls, app_type, RedirectUrl::parse)
    }

    /// Rebuilds stored URLs under the rules that held before URLs had to be written in
    /// normalised form ([`RedirectUrl::restore`]), so that an application stored then stays
    /// readable; duplicates and the count are checked as by [`RedirectUrls::parse`].
    ///
    /// # Errors
    /// As [`RedirectUrls::parse`], for the rules [`RedirectUrl::restore`] applies.
    pub fn restore<S: AsRef<str>>(urls: &[S], app_type: AppType) -> Result<Self, Vec<FieldError>> {
        Self::collect(urls, app_type, RedirectUrl::restore)
    }

    fn collect<S: AsRef<str>>(
        urls: &[S],
        app_type: AppType,
        check: fn(&str, AppType) -> Result<RedirectUrl, Violation>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut kept: Vec<RedirectUrl> = Vec::with_capacity(urls.len().min(Self::MAX));
        for (i, raw) in urls.iter().enumerate() {
            match check(raw.as_ref(), app_type) {
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
                RedirectUrls::parse(&["http://127.0.0.1/cb", "http://[::1]:8080/x"], t).unwrap();
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

    const LOCALHOST_TYPES: [AppType; 3] = [AppType::Web, AppType::UserAgentBased, AppType::Public];

    fn host(canonical: &str) -> Violation {
        Violation::UrlHostNotCanonical {
            canonical: canonical.into(),
        }
    }

    fn normal_form(normalised: &str) -> Violation {
        Violation::UrlNotNormalised {
            normalised: normalised.into(),
        }
    }

    /// Inputs that a URL parser reads as something else than they look: each is refused
    /// with the rule it breaks, for every type whose other rules it passes, and each was
    /// accepted before URLs had to be written in normalised form.
    #[test]
    fn confusable_urls_are_refused() {
        let cases: [(&str, &[AppType], Violation); 16] = [
            // Backslashes: a path separator for WHATWG parsers, not for RFC 3986 ones.
            (
                "http://127.0.0.1\\@evil.com/cb",
                &ALL_TYPES,
                Violation::UrlBackslash,
            ),
            (
                "https:\\\\evil.com\\cb",
                &ALL_TYPES,
                Violation::UrlBackslash,
            ),
            // No `//`: normalisation reads evil.com as the host.
            (
                "https:evil.com/cb",
                &ALL_TYPES,
                normal_form("https://evil.com/cb"),
            ),
            // Loopback IP literals in other notations.
            ("http://0x7f000001/", &ALL_TYPES, host("127.0.0.1")),
            ("http://2130706433/", &ALL_TYPES, host("127.0.0.1")),
            ("http://127.1/", &ALL_TYPES, host("127.0.0.1")),
            ("http://１２７.0.0.1/", &ALL_TYPES, host("127.0.0.1")),
            ("http://%31%32%37.0.0.1/", &ALL_TYPES, host("127.0.0.1")),
            ("http://127.0.0.1./", &ALL_TYPES, host("127.0.0.1")),
            ("http://127.000.000.001/", &ALL_TYPES, host("127.0.0.1")),
            ("http://[0:0:0:0:0:0:0:1]/", &ALL_TYPES, host("[::1]")),
            ("http://[::0001]:8080/cb", &ALL_TYPES, host("[::1]")),
            // localhost in letters that normalise to it.
            ("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/cb", &LOCALHOST_TYPES, host("localhost")),
            (
                "http://%6c%6f%63%61%6c%68%6f%73%74/cb",
                &LOCALHOST_TYPES,
                host("localhost"),
            ),
            (
                "http://local\u{ad}host/cb",
                &LOCALHOST_TYPES,
                host("localhost"),
            ),
            (
                "http://LOCALHOST:3000/cb",
                &LOCALHOST_TYPES,
                host("localhost"),
            ),
        ];
        for (input, types, expected) in cases {
            for &t in types {
                assert_eq!(
                    RedirectUrl::parse(input, t).as_ref(),
                    Err(&expected),
                    "{input} for {t}"
                );
                assert!(RedirectUrl::restore(input, t).is_ok(), "{input} for {t}");
            }
        }
    }

    #[test]
    fn urls_must_be_written_in_normalised_form() {
        for (input, expected) in [
            ("https://example.com", normal_form("https://example.com/")),
            (
                "https://example.com?x=1",
                normal_form("https://example.com/?x=1"),
            ),
            (
                "HTTPS://example.com/cb",
                normal_form("https://example.com/cb"),
            ),
            (
                "https://example.com:443/cb",
                normal_form("https://example.com/cb"),
            ),
            ("http://127.0.0.1:80/cb", normal_form("http://127.0.0.1/cb")),
            ("http://[::1]:08080/cb", normal_form("http://[::1]:8080/cb")),
            (
                "https://example.com/é",
                normal_form("https://example.com/%C3%A9"),
            ),
            (
                "https://example.com/cb?q=ü",
                normal_form("https://example.com/cb?q=%C3%BC"),
            ),
            (
                "https://example.com/a/../cb",
                normal_form("https://example.com/cb"),
            ),
            (
                "https://example.com/{x}",
                normal_form("https://example.com/%7Bx%7D"),
            ),
            (
                "https:/example.com/cb",
                normal_form("https://example.com/cb"),
            ),
            (
                "https:///example.com/cb",
                normal_form("https://example.com/cb"),
            ),
            (
                "https://@example.com/cb",
                normal_form("https://example.com/cb"),
            ),
            ("https://EXAMPLE.com/cb", host("example.com")),
            ("HTTPS://EXAMPLE.COM/cb", host("example.com")),
            ("https://bücher.example/cb", host("xn--bcher-kva.example")),
            ("https://exa%6Dple.com/cb", host("example.com")),
        ] {
            assert_eq!(
                RedirectUrl::parse(input, AppType::Web),
                Err(expected),
                "{input}"
            );
            assert!(RedirectUrl::restore(input, AppType::Web).is_ok(), "{input}");
        }
        assert_eq!(
            RedirectUrl::parse("Com.Example.App:/cb", AppType::Native),
            Err(normal_form("com.example.app:/cb"))
        );
        // Written in normalised form already.
        for input in [
            "https://example.com/",
            "https://xn--bcher-kva.example/cb",
            "https://example.com/c%20b?x=%C3%BC&y",
            "https://example.com:8443/cb",
            "https://example.com/cb?",
        ] {
            assert!(ok(input, AppType::Web), "{input}");
        }
        assert!(ok("com.example.app:/cb", AppType::Native));
        assert!(ok("com.example.app://Callback/x", AppType::Native));
    }

    #[test]
    fn loopback_hosts_are_the_exact_strings_of_the_contract() {
        // A trailing dot makes another name than localhost.
        for t in LOCALHOST_TYPES {
            assert!(matches!(
                RedirectUrl::parse("http://localhost./cb", t),
                Err(Violation::UrlNotAllowedForType { .. })
            ));
        }
        // An IPv4-mapped IPv6 address is not [::1].
        for t in ALL_TYPES {
            assert!(matches!(
                RedirectUrl::parse("http://[::ffff:7f00:1]/cb", t),
                Err(Violation::UrlNotAllowedForType { .. })
            ));
        }
    }

    #[test]
    fn normal_form_refusals_say_what_to_write() {
        let message = |s: &str| RedirectUrl::parse(s, AppType::Web).unwrap_err().to_string();
        assert_eq!(
            message("http://127.1/cb"),
            "must have its host in canonical form (lower-case ASCII, IP addresses as \
             127.0.0.1 or [::1]): write it as 127.0.0.1"
        );
        assert_eq!(
            message("https://example.com"),
            "must be written in normalised form: https://example.com/"
        );
        assert_eq!(
            message("https:\\\\evil.com\\cb"),
            "must not contain backslashes (\\)"
        );
    }

    #[test]
    fn stored_urls_keep_the_rules_that_held_when_they_were_stored() {
        let urls = [
            "https://example.com",
            "https://example.com/",
            "http://127.1/",
        ];
        let restored = RedirectUrls::restore(&urls, AppType::Native).unwrap();
        assert_eq!(restored.iter().collect::<Vec<_>>(), urls, "kept as stored");
        assert!(RedirectUrls::parse(&urls, AppType::Native).is_err());
        for (input, t) in [
            ("https://a.example/cb#x", AppType::Web),
            ("https://u@a.example/cb", AppType::Web),
            ("javascript:alert(1)", AppType::Web),
            ("http://localhost/cb", AppType::Native),
            ("http://a.example/cb", AppType::Web),
            ("https://a.example/*", AppType::Web),
            ("https://a.example/ cb", AppType::Web),
            ("/cb", AppType::Web),
            ("", AppType::Web),
        ] {
            assert_eq!(
                RedirectUrl::restore(input, t),
                RedirectUrl::parse(input, t).map(|_| RedirectUrl(input.into())),
                "{input}"
            );
            assert!(RedirectUrl::restore(input, t).is_err(), "{input}");
        }
        let twenty_one: Vec<String> = (0..21).map(|i| format!("https://a.example/{i}")).collect();
        assert_eq!(
            RedirectUrls::restore(&twenty_one, AppType::Web).unwrap_err(),
            [FieldError::new(
                Field::RedirectUrls,
                Violation::TooMany { max: 20 }
            )]
        );
    }

    #[test]
    fn presented_urls_match_only_in_normalised_form() {
        for t in [AppType::Native, AppType::Public] {
            let urls = RedirectUrls::parse(&["http://127.0.0.1/cb", "http://[::1]/x"], t).unwrap();
            for presented in [
                "http://127.1:5000/cb",
                "http://0x7f000001:5000/cb",
                "http://2130706433/cb",
                "http://127.0.0.1.:5000/cb",
                "http://%31%32%37.0.0.1:5000/cb",
                "http://127.0.0.1:5000\\@evil.example/cb",
                "HTTP://127.0.0.1:5000/cb",
                "http://127.0.0.1:80/cb",
                "http://[0:0:0:0:0:0:0:1]:5000/x",
                "http://u@127.0.0.1:5000/cb",
                "http://127.0.0.1:5000/cb#x",
                "http://127.0.0.1:5000/./cb",
                " http://127.0.0.1:5000/cb",
            ] {
                assert!(!urls.matches(t, presented), "{presented} for {t}");
            }
            assert!(urls.matches(t, "http://127.0.0.1:5000/cb"));
            assert!(urls.matches(t, "http://[::1]:5000/x"));
            // Same port-free path but the other loopback literal.
            assert!(!urls.matches(t, "http://[::1]:5000/cb"));
        }
        // A URL stored before the normal form was required: loopback URLs still match in
        // normalised form with any port; a harmless spelling matches itself exactly, a
        // non-canonical host never does.
        let legacy = RedirectUrls::restore(
            &[
                "http://127.1/cb",
                "https://a.example",
                "HTTPS://b.example:443/x",
            ],
            AppType::Native,
        )
        .unwrap();
        assert!(legacy.matches(AppType::Native, "http://127.0.0.1:5000/cb"));
        assert!(!legacy.matches(AppType::Native, "http://127.1/cb"));
        assert!(legacy.matches(AppType::Native, "https://a.example"));
        assert!(!legacy.matches(AppType::Native, "https://a.example/"));
        assert!(legacy.matches(AppType::Native, "HTTPS://b.example:443/x"));
        assert!(!legacy.matches(AppType::Native, "https://b.example/x"));
        // Found by the fuzz target: a host spelled in upper case behind `https:///`.
        let odd = RedirectUrls::restore(&["https:///exWmpl/:/emple.com/"], AppType::Web).unwrap();
        assert!(!odd.matches(AppType::Web, "https:///exWmpl/:/emple.com/"));
        let confusable =
            RedirectUrls::restore(&["http://127.0.0.1\\@evil.com/cb"], AppType::Web).unwrap();
        assert!(!confusable.matches(AppType::Web, "http://127.0.0.1\\@evil.com/cb"));
        // A backslash survives normalisation in a private-use URL's path; it still never
        // matches.
        let legacy = RedirectUrls::restore(&["com.example.app:/a\\b"], AppType::Native).unwrap();
        assert!(!legacy.matches(AppType::Native, "com.example.app:/a\\b"));
        assert_eq!(
            RedirectUrl::parse("com.example.app:/a\\b", AppType::Native),
            Err(Violation::UrlBackslash)
        );
    }
}
