//! Scope and grant parsing and the rules that join them to the application type and
//! redirect URLs: never a panic; accepted lists hold only known, distinct values in the
//! order given; each refused entry is named; the joined rules always hold on success.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_apps_domain::{
    AccessLevel, AppName, AppType, GrantType, GrantTypes, Profile, RedirectUrls, ScopeCatalog,
    Scopes,
};

fn first_occurrences<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&str> = Vec::new();
    for i in items {
        if !kept.contains(i) {
            kept.push(i);
        }
    }
    kept
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let app_type = AppType::ALL[usize::from(selector) % AppType::ALL.len()];
    // Three parts split by '|': scopes, grants and redirect URLs, one per line.
    let mut parts = text.splitn(3, '|');
    let scopes: Vec<&str> = parts.next().unwrap_or("").lines().collect();
    let grants: Vec<&str> = parts.next().unwrap_or("").lines().collect();
    let urls: Vec<&str> = parts.next().unwrap_or("").lines().collect();

    let catalog = ScopeCatalog::default();
    let parsed_scopes = Scopes::parse(&scopes, &catalog);
    match &parsed_scopes {
        Ok(kept) => {
            let kept: Vec<&str> = kept.iter().collect();
            assert_eq!(kept, first_occurrences(&scopes));
        }
        Err(errors) => {
            let unknown = scopes.iter().filter(|s| !catalog.contains(s)).count();
            assert_eq!(errors.len(), unknown);
        }
    }

    let parsed_grants = GrantTypes::parse(&grants);
    match &parsed_grants {
        Ok(kept) => {
            let kept: Vec<&str> = kept.iter().collect();
            assert_eq!(kept, first_occurrences(&grants));
        }
        Err(errors) => {
            let unknown = grants
                .iter()
                .filter(|g| GrantType::parse_requested(g).is_err())
                .count();
            assert_eq!(errors.len(), unknown);
        }
    }

    let (Ok(scopes), Ok(grants), Ok(urls)) = (
        parsed_scopes,
        parsed_grants,
        RedirectUrls::parse(&urls, app_type),
    ) else {
        return;
    };
    let Ok(name) = AppName::parse("fuzz") else {
        return;
    };
    if let Ok(profile) = Profile::new(
        app_type,
        name,
        None,
        urls,
        scopes,
        grants,
        AccessLevel::ALL[0],
    ) {
        let has = |g: GrantType| profile.grant_types().as_slice().contains(&g);
        if has(GrantType::ClientCredentials) {
            assert_eq!(app_type, AppType::Web);
        }
        if has(GrantType::AuthorizationCode) {
            assert!(!profile.redirect_urls().is_empty());
        }
    }
});
