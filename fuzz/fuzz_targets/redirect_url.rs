//! The redirect URL rules and matching: never a panic, and what is accepted keeps the
//! rules (no fragment, wildcard, whitespace, user info or dangerous scheme; at most 2000
//! characters; the string kept exactly), and matching is exact but for loopback ports.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_apps_domain::{AppType, DANGEROUS_SCHEMES, RedirectUrl, RedirectUrls};

fn loopback_http(s: &str) -> bool {
    s.starts_with("http://127.0.0.1") || s.starts_with("http://[::1]")
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

    if let Ok(url) = RedirectUrl::parse(registered, app_type) {
        assert_eq!(url.as_str(), registered, "kept exactly as given");
        assert!(registered.chars().count() <= RedirectUrl::MAX_LEN);
        assert!(!registered.contains('#') && !registered.contains('*'));
        assert!(
            !registered
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        );
        let scheme = registered
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(!DANGEROUS_SCHEMES.contains(&scheme.as_str()), "{scheme}");
        assert!(url.matches(app_type, registered), "a URL matches itself");
        assert_eq!(RedirectUrl::parse(registered, app_type), Ok(url.clone()));
        if url.matches(app_type, presented) && presented != registered {
            // Only the loopback exception lets a different string through.
            assert!(matches!(app_type, AppType::Native | AppType::Public));
            assert!(loopback_http(registered) && loopback_http(presented));
        }
        let many = RedirectUrls::parse(&[registered, registered], app_type).unwrap_or_else(|e| {
            panic!("a duplicate of a valid URL is dropped, not refused: {e:?}")
        });
        assert_eq!(many.len(), 1);
    }
    // Every line as a list: the errors name each bad index, and a success keeps order.
    let lines: Vec<&str> = text.lines().collect();
    match RedirectUrls::parse(&lines, app_type) {
        Ok(urls) => {
            assert!(urls.len() <= RedirectUrls::MAX);
            for u in urls.iter() {
                assert!(lines.contains(&u));
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
