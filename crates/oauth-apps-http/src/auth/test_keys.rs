//! Keys and tokens for the tests of bearer tokens: a shared secret, a test-only Ed25519
//! key pair and RSA key pair, and the JWK Sets that publish them.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::{Claims, Expectations, JwtVerifier};

pub(super) const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

pub(super) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(super) fn claims() -> Claims {
    Claims {
        sub: "alice".into(),
        exp: now() + 600,
        aud: "oauth-apps".into(),
        iss: None,
        orgs: HashMap::from([
            ("acme".into(), "admin".into()),
            ("beta".into(), "member".into()),
            ("gamma".into(), "owner".into()),
        ]),
        roles: vec!["client-authenticator".into(), "astronaut".into()],
    }
}

pub(super) fn verifier(issuer: Option<&str>) -> JwtVerifier {
    JwtVerifier::new(
        Some(SECRET),
        None,
        Expectations {
            audience: "oauth-apps".into(),
            issuer: issuer.map(str::to_owned),
        },
    )
    .unwrap()
}

/// A test-only Ed25519 key pair: PKCS#8 DER private key and the public JWK's `x`.
pub(super) const ED_PRIVATE_DER: &str = "302e020100300506032b6570042204201c8b9506b50ea4ae8a5de438553ee58ee4688a213450008b0a8c6aeae89e4821";
pub(super) const ED_PUBLIC_X: &str = "ShnqA4hrWkUXSYuAb64XKawrL9YjrcozYvXfN4tr6W8";

pub(super) fn ed_private() -> Vec<u8> {
    (0..ED_PRIVATE_DER.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&ED_PRIVATE_DER[i..i + 2], 16).unwrap())
        .collect()
}

pub(super) fn jwks() -> String {
    format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{ED_PUBLIC_X}","kid":"k1","alg":"EdDSA"}}]}}"#
    )
}

pub(super) fn ed_token(kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&ed_private())).unwrap()
}

/// A test-only RSA key pair: the private key (PKCS#1 DER, base64) and the public
/// JWK's `n` (`e` is AQAB).
pub(super) const RSA_PRIVATE_DER: &str = concat!(
    "MIIEowIBAAKCAQEA9UbeaapFL9jmhMiCWW9g8oFiLyq6h5GZeiTbyWh/YIgnUWvhJtia/PSO8jnp0ttRsyvgeERT",
    "qkDeHmQDeiB/E72hpHuPlBgi592BXaj2WjeSDFeWi/N+Y11QNzKFI/o6ZWUxn8cOH3D/buzjcc/kzkoPPnzCQvRn",
    "lotuqcT2gG0l2s/OvDVmDDriFhUrvCkCtNj/opc8Yz0k+DGBze9qmvU3FXeE24A4zVLN6Fhbs/pIPOikp0SMvpfk",
    "CJ7Vkrekh1qbwxC8EXjhEjajvyzUy/56XaweKpgynwwI/76ykzVeUW+dOpTraiirONBS58ZQE0GVKI4xr53Kuuzq",
    "NsB4gQIDAQABAoIBAA1D+nZ7i4dlcz4+O/KLWBJ1lfJYHMOFR+g3wx1XBgCaDIpWS9SWhXdl4K9QG4nYa8hFeLv4",
    "cg/0ty6smRWLWWQfbvUe66qGTaj9rWf74esKM19wg0dpcW39V3/Mvy+tcmgWe4MZOHXR3jbJIBoBNO5FSiLGi5kk",
    "b8/QFbmf2fcjFPtcvUg5OjngzH/cN5ZySYFaugBw7MLOs06JPbiHp68u24JhXWH37fbE77twECobRXBDk/n9MMtu",
    "Z4yoVLnBxYUMbZ2lowx7qCZUSD/qWqutIMpaqZXEKuznhgfqc7DLXpB2ez5iWSHlVwO1G2tBcpwAkhLXYiTU8oGc",
    "jzAmrgMCgYEA/1yZx8LL4B9BE5KLiFtbpxIbTr3pzqBdB7vF/Mh6ZgzLNgQHdtQxDtnCh14XbViyCMFohtuol7kw",
    "zP0CkaY99/YTN0c3EF5UH9sePwAflonlKZbWeYkovrM+D6R/UDIYCMzLeZAiVhLVfn37hFae8bqFc9gh1B2O27A0",
    "C4j+hFcCgYEA9ePQpk3qDOfh1kQ3mEekFcjJXZsxusWfbckS6ukeMDoOOE2AZQj75NFx1TFS6FmEcaPM8iq3hsLx",
    "E5L3yETXnkevkIkMkyu+Zyb1QCZ4RhelN4kV/+Q5jzd/52m62DIqDkfcYykx8PC7XXpcsDTcQ8WHOFwy8rLguMLI",
    "H6pooucCgYEA8YiA2/VgKSjmwMCHwf3HfwsdUSlIkOwVkk8FQcfOHeBUBU9iT/78N/O4j5lrxz1xh96II6Z4nKnJ",
    "gtp9J456ZqMWId72MkFGiKsUvLo9JoJfgyrsyh/1rgqT1O/ei9gV65zpiJ3QHGHMFczLrazQwguOVrhDpwIeMaVE",
    "VPTK6BkCgYA9N2ZuwN8QL3quGXWt18gmFELtpwGOejzi3Dh1e2wknY+EvObGQKJVqT8p0InPhtnOYPVZJQFj74yN",
    "Tv2ZQmpb4YT3+ubCjRVuIOjV+73d1W0wklSDzJH38d1KA6ycvoBx5bochdkFHynGb/w7ci2UQc0UXv/gJGCGHxgr",
    "qgU66QKBgE4KJmoIciN7uCdtz8wDtW29cKZiYw0INdDUPDPpu8rM5rIJwtimLka+haFWG4fvbYtO8qiHPxnhZiib",
    "A+IkGpHE/N8/9ocqhx7TO5WIxfzslTDhA8u1wpPsVUEO6QhXm/4wLZB/OfB6W3X6G7PsH8EokDbMjapS5wWooSLT",
    "UsY4",
);
pub(super) const RSA_N: &str = "9UbeaapFL9jmhMiCWW9g8oFiLyq6h5GZeiTbyWh_YIgnUWvhJtia_PSO8jnp0ttRsyvgeERTqkDeHmQDeiB_E72hpHuPlBgi592BXaj2WjeSDFeWi_N-Y11QNzKFI_o6ZWUxn8cOH3D_buzjcc_kzkoPPnzCQvRnlotuqcT2gG0l2s_OvDVmDDriFhUrvCkCtNj_opc8Yz0k-DGBze9qmvU3FXeE24A4zVLN6Fhbs_pIPOikp0SMvpfkCJ7Vkrekh1qbwxC8EXjhEjajvyzUy_56XaweKpgynwwI_76ykzVeUW-dOpTraiirONBS58ZQE0GVKI4xr53KuuzqNsB4gQ";

pub(super) fn rs_token(kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let der = base64::engine::general_purpose::STANDARD
        .decode(RSA_PRIVATE_DER)
        .unwrap();
    let key = EncodingKey::from_rsa_der(&der);
    jsonwebtoken::encode(&header, &claims(), &key).unwrap()
}

/// Keycloak's default realm keys: an RS256 signing key and an RSA-OAEP encryption key
/// (here with the same modulus, so that a token "signed" by the encryption key would
/// verify if that key were used).
pub(super) fn keycloak_jwks() -> String {
    let cert = r#""x5c":["MIICmzCCAYMCBgGTestOnly"],"x5t":"dGVzdA","x5t#S256":"dGVzdA""#;
    format!(
        r#"{{"keys":[
          {{"kid":"sig-1","kty":"RSA","alg":"RS256","use":"sig","n":"{RSA_N}","e":"AQAB",{cert}}},
          {{"kid":"enc-1","kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"{RSA_N}","e":"AQAB",{cert}}}
        ]}}"#
    )
}

pub(super) fn expectations() -> Expectations {
    Expectations {
        audience: "oauth-apps".into(),
        issuer: None,
    }
}
