//! Client assertions for the benchmark (`bench/run`), in two steps:
//!
//! ```text
//! assertions key KEY_FILE > jwks.json
//! assertions sign KEY_FILE CLIENT_ID AUDIENCE COUNT > assertions.txt
//! ```
//!
//! `key` makes one EC P-256 key pair, writes its private key (PKCS#8 DER) to `KEY_FILE`
//! and prints the public JWK Set (`kid` "bench-1", `alg` ES256) to register the
//! application with. `sign` prints `COUNT` compact ES256 assertions made with that key,
//! one a line: header `kid`; claims `iss` = `sub` = `CLIENT_ID`, `aud` = `AUDIENCE`,
//! `iat` now, `exp` nine minutes later, and a `jti` of its own (a random run prefix and a
//! counter), so that each one is accepted once. The signing is shared between the cores.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use rsa::rand_core::{OsRng, RngCore};
use serde_json::json;

const KID: &str = "bench-1";
/// Nine minutes: within the ten an assertion may live, with room for a long run.
const LIFETIME_SECONDS: u64 = 540;
const USAGE: &str =
    "usage: assertions key KEY_FILE | assertions sign KEY_FILE CLIENT_ID AUDIENCE COUNT";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["key", key_file] => key(key_file),
        ["sign", key_file, client_id, audience, count] => {
            let count = count.parse().expect("COUNT: a number of assertions");
            sign(key_file, client_id, audience, count);
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

fn key(key_file: &str) {
    let pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key pair");
    let der = pair.serialize_der();
    std::fs::write(key_file, &der).expect("KEY_FILE written");
    let key = EncodingKey::from_ec_der(&der);
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).expect("the public JWK");
    jwk.common.key_id = Some(KID.to_owned());
    let set = JwkSet { keys: vec![jwk] };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &set).expect("JWK Set printed");
    writeln!(out).expect("JWK Set printed");
}

fn sign(key_file: &str, client_id: &str, audience: &str, count: usize) {
    let der = std::fs::read(key_file).expect("KEY_FILE readable");
    let key = EncodingKey::from_ec_der(&der);
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(KID.to_owned());
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock after 1970")
        .as_secs();
    let run = format!("{:016x}", OsRng.next_u64());
    let sign_range = |from: usize, to: usize| {
        let mut lines = Vec::with_capacity((to - from) * 320);
        for i in from..to {
            let claims = json!({
                "iss": client_id,
                "sub": client_id,
                "aud": audience,
                "iat": iat,
                "exp": iat + LIFETIME_SECONDS,
                "jti": format!("{run}-{i}"),
            });
            let assertion = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
            lines.extend_from_slice(assertion.as_bytes());
            lines.push(b'\n');
        }
        lines
    };
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = count.div_ceil(workers).max(1);
    let parts: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|from| {
                let sign_range = &sign_range;
                scope.spawn(move || sign_range(from, (from + chunk).min(count)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a signing thread"))
            .collect()
    });
    let mut out = std::io::stdout().lock();
    for part in parts {
        out.write_all(&part).expect("assertions printed");
    }
    out.flush().expect("assertions printed");
}
