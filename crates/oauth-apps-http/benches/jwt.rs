//! Micro-benchmarks of the bearer-token check: a first verification (signature and
//! claims) and a remembered one.

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_apps_http::auth::{Claims, Expectations, JwtVerifier, mint_hs256};
use std::hint::black_box;

const SECRET: &[u8] = b"bench-secret-bench-secret-bench-secret";

fn jwt(c: &mut Criterion) {
    let expectations = Expectations {
        audience: "oauth-apps".into(),
        issuer: None,
    };
    let claims = |sub: String| Claims {
        sub,
        exp: u64::MAX / 2,
        aud: "oauth-apps".into(),
        iss: None,
        orgs: [("acme".to_owned(), "admin".to_owned())].into(),
        roles: vec!["client-authenticator".into()],
    };
    let mut n = 0u64;
    let verifier = JwtVerifier::new(Some(SECRET), None, expectations.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("jwt: HS256, first verification", |b| {
        b.iter_batched(
            || {
                n += 1;
                mint_hs256(SECRET, &claims(format!("user-{n}"))).unwrap_or_default()
            },
            |token| verifier.verify(black_box(&token)),
            criterion::BatchSize::SmallInput,
        )
    });
    let token = mint_hs256(SECRET, &claims("alice".into())).unwrap_or_default();
    let verifier =
        JwtVerifier::new(Some(SECRET), None, expectations).unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("jwt: HS256, remembered", |b| {
        b.iter(|| verifier.verify(black_box(&token)))
    });
}

criterion_group!(benches, jwt);
criterion_main!(benches);
