//! Redirect URL rules (RFC 6749 §3.1.2, RFC 8252, RFC 9700) and matching.

use url::Url;

use super::attributes::AppType;
use crate::shared::text::{check_no_backslash, check_no_userinfo, check_written};
use crate::shared::validation::{Field, FieldError, Violation};

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

    /// Whether each URL, in registration order, is an `https` URL (`false`: `http` on
    /// loopback, or a private-use scheme).
    pub fn https(&self) -> impl Iterator<Item = bool> + '_ {
        self.iter().map(|u| u.starts_with("https://"))
    }

    /// Whether each URL, in registration order, is `https` or `http` on a loopback host
    /// (`localhost`, `127.0.0.1`, `[::1]`): not a private-use scheme.
    pub fn https_or_loopback(&self) -> impl Iterator<Item = bool> + '_ {
        self.iter().map(|u| {
            u.starts_with("https://")
                || Url::parse(u)
                    .is_ok_and(|url| url.scheme() == "http" && host_in(&url, &LOOPBACK_HOSTS))
        })
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
mod tests;
