//! Registration's use cases, one file per use case, on the harness of
//! `crate::test_support`.

mod initial_access;
mod metadata_documents;
mod pipeline;
mod self_registration;

/// A JWK Set of one Ed25519 public key.
fn ed25519_jwks() -> serde_json::Value {
    serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k-1",
                     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})
}
