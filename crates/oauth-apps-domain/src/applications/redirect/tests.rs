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
        let urls = RedirectUrls::parse(&["http://127.0.0.1/cb", "http://[::1]:8080/x"], t).unwrap();
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
    // http's default port (80) written out is as harmless as https's (443).
    let http = RedirectUrls::restore(&["HTTP://localhost:80/cb"], AppType::Web).unwrap();
    assert!(http.matches(AppType::Web, "HTTP://localhost:80/cb"));
    assert!(!http.matches(AppType::Web, "HTTP://localhost:81/cb"));
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
