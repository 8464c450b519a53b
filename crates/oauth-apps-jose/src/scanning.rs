//! Secret scanning reports are signed by the scanner (GitHub's secret scanning partner
//! program): ECDSA P-256 with SHA-256 over the raw body, the signature in ASN.1 DER and
//! base64 (`Github-Public-Key-Signature`), naming its key (`Github-Public-Key-Identifier`).
//! The public keys come from a file in the form of GitHub's meta API
//! (`{"public_keys": [{"key_identifier", "key", "is_current"}]}`, `key` in PEM). The
//! verification is RustCrypto's (`p256`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

/// The trusted keys of secret scanners.
#[derive(Debug, Clone)]
pub struct ScanningKeys {
    keys: Vec<(String, VerifyingKey)>,
}

/// Why a report's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanRefusal {
    /// No trusted key has the identifier.
    UnknownKey,
    /// The signature is not base64 of a DER ECDSA signature.
    Malformed,
    /// It does not verify.
    Invalid,
}

impl std::fmt::Display for ScanRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UnknownKey => "no trusted key has this identifier",
            Self::Malformed => "the signature is not base64 of an ASN.1 DER ECDSA signature",
            Self::Invalid => "the signature does not verify",
        })
    }
}

impl std::error::Error for ScanRefusal {}

impl ScanningKeys {
    /// Reads a keys file's JSON.
    ///
    /// # Errors
    /// What is wrong with it, naming the entry.
    pub fn parse(json: &str) -> Result<Self, String> {
        let doc: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
        let entries = doc["public_keys"]
            .as_array()
            .ok_or("must be an object with a public_keys array")?;
        let mut keys = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let id = entry["key_identifier"]
                .as_str()
                .filter(|id| !id.is_empty())
                .ok_or_else(|| format!("public_keys[{i}] has no key_identifier"))?;
            let pem = entry["key"]
                .as_str()
                .ok_or_else(|| format!("public_keys[{i}] has no key"))?;
            let key = VerifyingKey::from_public_key_pem(pem)
                .map_err(|e| format!("public_keys[{i}]: not a P-256 public key in PEM: {e}"))?;
            keys.push((id.to_owned(), key));
        }
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        Ok(Self { keys })
    }

    /// Reads the keys file at `path`.
    ///
    /// # Errors
    /// The file cannot be read, or what [`ScanningKeys::parse`] says.
    pub fn read_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks that `signature` (base64 DER) over `body` is by the key `key_id`.
    ///
    /// # Errors
    /// [`ScanRefusal`] saying why not.
    pub fn verify(&self, key_id: &str, signature: &str, body: &[u8]) -> Result<(), ScanRefusal> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or(ScanRefusal::UnknownKey)?;
        let der = STANDARD
            .decode(signature.trim())
            .map_err(|_| ScanRefusal::Malformed)?;
        let signature =
            DerSignature::try_from(der.as_slice()).map_err(|_| ScanRefusal::Malformed)?;
        key.verify(body, &signature)
            .map_err(|_| ScanRefusal::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_test_support::keys::ScanningSigner;
    use serde_json::json;

    use super::*;

    #[test]
    fn reports_verify_with_the_key_they_name_only() {
        let signer = ScanningSigner::new("k1");
        let other = ScanningSigner::new("k2");
        let keys = ScanningKeys::parse(
            &json!({"public_keys": [signer.entry(), other.entry()]}).to_string(),
        )
        .unwrap();
        let body = br#"[{"token":"oas_x","type":"oauth_apps_client_secret"}]"#;
        let signature = signer.sign(body);
        assert_eq!(keys.verify("k1", &signature, body), Ok(()));
        assert_eq!(
            keys.verify("k2", &signature, body),
            Err(ScanRefusal::Invalid)
        );
        assert_eq!(
            keys.verify("k3", &signature, body),
            Err(ScanRefusal::UnknownKey)
        );
        assert_eq!(
            keys.verify("k1", &signature, b"[]"),
            Err(ScanRefusal::Invalid)
        );
        assert_eq!(keys.verify("k1", "!!", body), Err(ScanRefusal::Malformed));
        assert!(ScanningKeys::parse("{}").is_err());
        assert!(
            ScanningKeys::parse(r#"{"public_keys":[{"key_identifier":"x","key":"nope"}]}"#)
                .is_err()
        );
    }
}
