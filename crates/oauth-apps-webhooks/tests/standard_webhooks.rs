//! Signatures checked by the Standard Webhooks reference library for Python
//! (`standardwebhooks` on PyPI, installed by scripts/test), which receivers use: what this
//! crate signs, it verifies; what it does not, it refuses.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use oauth_apps_webhooks::{SECRET_BYTES, WebhookSecret, headers};
use serde_json::json;

/// What the library says of `payload` with `headers`, verified with `secret`: `ok`, or
/// the error it raised.
fn verify(secret: &str, payload: &str, headers: &[(&str, String)]) -> String {
    let headers: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
secret, payload, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    Webhook(secret).verify(payload, headers)
    print("ok")
except Exception as e:
    print(type(e).__name__)
"#;
    let out = Command::new("python3")
        .args(["-c", script, secret, payload])
        .arg(serde_json::Value::Object(headers).to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the library is installed (scripts/test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

#[test]
fn the_reference_library_verifies_what_is_signed_and_nothing_else() {
    let secret = WebhookSecret::from_random_bytes([42; SECRET_BYTES]);
    let other = WebhookSecret::from_random_bytes([43; SECRET_BYTES]);
    let payload = r#"{"type":"application.disabled","data":{"clientId":"c-1"}}"#;
    let signed = headers(&[&secret], "msg_2f1e", now(), payload.as_bytes());
    assert_eq!(verify(&secret.expose(), payload, &signed), "ok");
    // Signed by both secrets during a rotation: either verifies.
    let rotating = headers(&[&other, &secret], "msg_2f1f", now(), payload.as_bytes());
    assert_eq!(verify(&secret.expose(), payload, &rotating), "ok");
    assert_eq!(verify(&other.expose(), payload, &rotating), "ok");
    // Another secret, a changed body, a changed id: refused.
    assert_ne!(verify(&other.expose(), payload, &signed), "ok");
    assert_ne!(verify(&secret.expose(), "{}", &signed), "ok");
    let mut moved = signed.clone();
    moved[0].1 = "msg_other".to_owned();
    assert_ne!(verify(&secret.expose(), payload, &moved), "ok");
    // A secret the library writes is one this crate reads.
    assert_eq!(WebhookSecret::parse(&secret.expose()), Ok(secret));
}
