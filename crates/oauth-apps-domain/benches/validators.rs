//! Micro-benchmarks of the domain's validators and secret checks.

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_apps_domain::{
    AppName, AppType, ClientSecret, GrantTypes, RedirectUrls, ScopeCatalog, Scopes,
    is_well_formed_secret,
};
use std::hint::black_box;

fn validators(c: &mut Criterion) {
    let urls: Vec<String> = (0..20)
        .map(|i| format!("https://app-{i}.example.com/oauth/callback?tenant={i}"))
        .collect();
    c.bench_function("redirect_urls: 20 web URLs", |b| {
        b.iter(|| RedirectUrls::parse(black_box(&urls), AppType::Web))
    });
    c.bench_function("redirect_urls: 1 native loopback URL", |b| {
        b.iter(|| RedirectUrls::parse(black_box(&["http://127.0.0.1/cb"]), AppType::Native))
    });
    let catalog = ScopeCatalog::default();
    c.bench_function("scopes: 5 from the catalog", |b| {
        b.iter(|| {
            Scopes::parse(
                black_box(&[
                    "workspace:read",
                    "workspace:write",
                    "read",
                    "write",
                    "admin",
                ]),
                &catalog,
            )
        })
    });
    c.bench_function("grant_types: 3", |b| {
        b.iter(|| {
            GrantTypes::parse(black_box(&[
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ]))
        })
    });
    c.bench_function("name", |b| {
        b.iter(|| AppName::parse(black_box("  Billing service  ")))
    });
    let secret = ClientSecret::from_random_bytes(&[7; 32]);
    c.bench_function("secret: offline format check", |b| {
        b.iter(|| is_well_formed_secret(black_box(secret.expose())))
    });
}

criterion_group!(benches, validators);
criterion_main!(benches);
