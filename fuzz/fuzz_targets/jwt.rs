//! The bearer token check: never a panic on any token; a token signed with another key,
//! with `alg` other than HS256 (for an HS256-only verifier), or without a valid `exp`,
//! `sub` and `aud`, is refused; a token it accepts speaks for the `sub` it was signed with,
//! and that `sub` is one the domain accepts as a caller.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oauth_apps_http::auth::{Expectations, JwtVerifier};

const SECRET: &[u8] = b"fuzzing-secret-fuzzing-secret-0123456789";

fn verifier() -> &'static JwtVerifier {
    static V: OnceLock<JwtVerifier> = OnceLock::new();
    V.get_or_init(|| {
        JwtVerifier::new(
            Some(SECRET),
            None,
            Expectations {
                audience: "oauth-apps".into(),
                issuer: None,
            },
        )
        .expect("a 40-byte secret is accepted")
    })
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// HMAC-SHA256 is not available here without another dependency, so a signed token is
/// made by the product's own minting function from fuzzed claims.
fn signed(claims_json: &str) -> Option<(String, serde_json::Value)> {
    let value: serde_json::Value = serde_json::from_str(claims_json).ok()?;
    let claims: oauth_apps_http::auth::Claims = serde_json::from_value(value.clone()).ok()?;
    let token = oauth_apps_http::auth::mint_hs256(SECRET, &claims).ok()?;
    Some((token, value))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verifier = verifier();
    // 1. Any string as a token.
    if let Ok(principal) = verifier.verify(text) {
        // Only a token minted with SECRET can pass; the fuzzer cannot forge one, so this
        // is only reachable through the signed path below (tokens are remembered).
        assert!(!principal.subject().is_empty());
    }
    // 2. A header and payload of the fuzzer's choosing with a signature that is not
    //    the key's: always refused.
    let (header, payload) = text.split_once('\n').unwrap_or((text, "{}"));
    let forged = format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(payload.as_bytes()),
        b64(b"sig")
    );
    assert!(
        verifier.verify(&forged).is_err(),
        "forged token accepted: {forged}"
    );
    // 3. Fuzzed claims signed with the key: accepted only with the right audience and a
    //    future expiry, and then for exactly the signed subject.
    if let Some((token, claims)) = signed(text) {
        match verifier.verify(&token) {
            Ok(principal) => {
                assert_eq!(claims["aud"], "oauth-apps");
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let exp = claims["exp"].as_u64().unwrap_or_default();
                assert!(exp.saturating_add(oauth_apps_http::auth::LEEWAY_SECONDS) >= now);
                // A subject the stores can hold as an audit actor.
                assert!(oauth_apps_domain::Principal::try_new(principal.subject()).is_ok());
                assert_eq!(
                    principal.subject(),
                    claims["sub"].as_str().unwrap_or_default()
                );
            }
            Err(_) => {}
        }
    }
});
