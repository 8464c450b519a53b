//! The redirect URL rules and matching: never a panic, and what is accepted keeps the rules
//! (no fragment, wildcard, whitespace, backslash, user info or dangerous scheme; at most
//! 2000 characters; written exactly as its normalised form, `Url::parse(s).as_str() == s`,
//! and kept as given); what stored data may hold (the earlier rules) is a superset of it;
//! and a presented URL matches exactly (in normalised form, or a stored spelling that
//! normalisation only rewrites harmlessly, with a canonical host and no backslash), or on
//! the same loopback IP with another port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_apps_domain::{AppType, DANGEROUS_SCHEMES, RedirectUrl, RedirectUrls};
use url::Url;

/// `s` parsed, when it is written exactly as its normalised form without a backslash.
fn normalised(s: &str) -> Option<Url> {
    Url::parse(s)
        .ok()
        .filter(|url| url.as_str() == s && !s.contains('\\'))
}

fn loopback_ip_http(url: &Url) -> bool {
    url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "[::1]"))
}

fn without_port(url: &Url) -> Url {
    let mut url = url.clone();
    let _ = url.set_port(None);
    url
}

/// What a match of `presented` against `registered` promises.
fn check_match(url: &RedirectUrl, app_type: AppType, presented: &str) {
    if !url.matches(app_type, presented) {
        return;
    }
    if presented == url.as_str() {
        if normalised(presented).is_none() {
            // A stored spelling: its host must already be canonical, and no backslash.
            let parsed = Url::parse(presented).expect("a stored URL parses");
            assert!(!presented.contains('\\'), "{presented:?}");
            let host = parsed.host_str().unwrap_or("");
            assert!(
                host.is_empty() || presented.contains(host),
                "a non-canonical host matched: {presented:?}"
            );
        }
        return;
    }
    let Some(given) = normalised(presented) else {
        panic!("only a URL in normalised form matches another spelling: {presented:?}");
    };
    {
        // Only the loopback exception lets a different string through, and only the port
        // may differ between the parsed forms.
        assert!(matches!(app_type, AppType::Native | AppType::Public));
        let registered = Url::parse(url.as_str()).expect("a registered URL parses");
        assert!(loopback_ip_http(&registered) && loopback_ip_http(&given));
        assert_eq!(without_port(&registered), without_port(&given));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let app_type = AppType::ALL[usize::from(selector) % AppType::ALL.len()];
    // "registered\npresented": the first line is registered, the second presented.
    let (registered, presented) = text.split_once('\n').unwrap_or((text, text));

    let accepted = RedirectUrl::parse(registered, app_type);
    let restored = RedirectUrl::restore(registered, app_type);
    if let Ok(url) = &accepted {
        assert_eq!(url.as_str(), registered, "kept exactly as given");
        let Some(parsed) = normalised(registered) else {
            panic!("an accepted URL is in normalised form: {registered:?}");
        };
        assert_eq!(parsed.as_str(), registered);
        assert!(registered.chars().count() <= RedirectUrl::MAX_LEN);
        assert!(!registered.contains('#') && !registered.contains('*'));
        assert!(!registered.contains('\\'));
        assert!(
            !registered
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        );
        assert!(parsed.username().is_empty() && parsed.password().is_none());
        assert!(
            !DANGEROUS_SCHEMES.contains(&parsed.scheme()),
            "{registered}"
        );
        assert!(url.matches(app_type, registered), "a URL matches itself");
        assert_eq!(RedirectUrl::parse(registered, app_type), Ok(url.clone()));
        assert_eq!(
            restored,
            Ok(url.clone()),
            "what is accepted can be restored"
        );
        check_match(url, app_type, presented);
        let many = RedirectUrls::parse(&[registered, registered], app_type).unwrap_or_else(|e| {
            panic!("a duplicate of a valid URL is dropped, not refused: {e:?}")
        });
        assert_eq!(many.len(), 1);
    }
    if let Ok(url) = &restored {
        // Stored data may hold what the earlier rules accepted; the current rules accept
        // exactly those of them that are written in normalised form.
        assert_eq!(url.as_str(), registered, "kept exactly as stored");
        assert_eq!(
            accepted.is_ok(),
            normalised(registered).is_some(),
            "{registered:?}"
        );
        check_match(url, app_type, presented);
    }
    // Every line as a list: the errors name each bad index, and a success keeps order.
    let lines: Vec<&str> = text.lines().collect();
    match RedirectUrls::parse(&lines, app_type) {
        Ok(urls) => {
            assert!(urls.len() <= RedirectUrls::MAX);
            for u in urls.iter() {
                assert!(lines.contains(&u));
                assert!(normalised(u).is_some());
            }
            let again = RedirectUrls::restore(&lines, app_type);
            assert_eq!(
                again.as_ref(),
                Ok(&urls),
                "what is accepted can be restored"
            );
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
