//! Client secrets: their format and offline check, their stored hashes and their hints.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::shared::validation::Violation;

/// The fixed prefix of every client secret, so that secret scanners can recognise one.
pub const SECRET_PREFIX: &str = "oas_";
/// How many random bytes a secret carries.
pub const SECRET_RANDOM_BYTES: usize = 32;
const BODY_LEN: usize = 43; // base64url of 32 bytes, no padding
const CHECKSUM_LEN: usize = 6; // base62 of a CRC-32
/// The length of every client secret: prefix, 43 characters of base64url, 6 of checksum.
pub const SECRET_LEN: usize = SECRET_PREFIX.len() + BODY_LEN + CHECKSUM_LEN;

/// A plaintext client secret. It exists only between its generation and the response
/// that shows it once; it is never stored or logged (its `Debug` is redacted and it has no
/// `Display`).
pub struct ClientSecret(String);

impl ClientSecret {
    /// Builds the secret for 32 random bytes: `oas_` + base64url(bytes) + base62(CRC-32).
    #[must_use]
    pub fn from_random_bytes(bytes: &[u8; SECRET_RANDOM_BYTES]) -> Self {
        let mut s = String::with_capacity(SECRET_LEN);
        s.push_str(SECRET_PREFIX);
        URL_SAFE_NO_PAD.encode_string(bytes, &mut s);
        s.push_str(&base62_checksum(crc32(bytes)));
        Self(s)
    }

    /// The plaintext, to show once to the caller who created or rotated the secret.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// Whether `candidate` has the shape of a client secret of this service and its checksum
/// matches: an offline check for secret scanners, and a cheap first filter before any hash
/// is verified. `true` does not mean the secret belongs to any application.
#[must_use]
pub fn is_well_formed_secret(candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix(SECRET_PREFIX) else {
        return false;
    };
    if rest.len() != BODY_LEN + CHECKSUM_LEN || !rest.is_ascii() {
        return false;
    }
    let (body, checksum) = rest.split_at(BODY_LEN);
    // Room for what 43 base64 characters can hold (32 bytes and 2 spare bits).
    let mut bytes = [0u8; 33];
    match URL_SAFE_NO_PAD.decode_slice(body, &mut bytes) {
        Ok(SECRET_RANDOM_BYTES) => {
            base62_checksum(crc32(&bytes[..SECRET_RANDOM_BYTES])) == checksum
        }
        _ => false,
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Six base62 digits, most significant first.
fn base62_checksum(mut n: u32) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// A stored secret hash: a PHC string (`$argon2id$v=19$m=...`). Its `Debug` is redacted so
/// that it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(String);

impl SecretHash {
    /// Wraps a PHC string produced by a [`crate::SecretHasher`].
    ///
    /// # Errors
    /// [`Violation::Malformed`] when `phc` does not start with `$` (it is not a PHC string).
    pub fn new(phc: impl Into<String>) -> Result<Self, Violation> {
        let phc = phc.into();
        if phc.len() > 1 && phc.starts_with('$') {
            Ok(Self(phc))
        } else {
            Err(Violation::Malformed {
                what: "PHC hash string",
            })
        }
    }

    /// The PHC string, for storage and verification.
    #[must_use]
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

/// The last four characters of a secret, shown so that its owner can tell which secret a
/// client holds (as many services show a card's last digits); four of its 53 characters
/// do not help a guess at the other 49.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHint(String);

impl SecretHint {
    /// How many characters of the secret the hint shows.
    pub const LEN: usize = 4;

    /// The hint of `secret`.
    #[must_use]
    pub fn of(secret: &ClientSecret) -> Self {
        let s = secret.expose();
        Self(s[s.len().saturating_sub(Self::LEN)..].to_owned())
    }

    /// Rebuilds a stored hint.
    ///
    /// # Errors
    /// [`Violation::Malformed`] unless it is 1 to 4 printable ASCII characters.
    pub fn restore(hint: impl Into<String>) -> Result<Self, Violation> {
        let hint = hint.into();
        if (1..=Self::LEN).contains(&hint.len()) && hint.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(hint))
        } else {
            Err(Violation::Malformed {
                what: "secret hint",
            })
        }
    }

    /// The characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(s: &str) -> SecretHash {
        SecretHash::new(format!("$test${s}")).unwrap()
    }

    #[test]
    fn secret_has_prefix_body_and_checksum() {
        let secret = ClientSecret::from_random_bytes(&[0u8; 32]);
        let s = secret.expose();
        assert_eq!(s.len(), SECRET_LEN);
        assert_eq!(SECRET_LEN, 53);
        assert!(s.starts_with("oas_"));
        assert_eq!(&s[4..47], "A".repeat(43));
        assert!(is_well_formed_secret(s));
        let other = ClientSecret::from_random_bytes(&[0xff; 32]);
        assert_ne!(other.expose(), s);
        assert!(is_well_formed_secret(other.expose()));
        assert!(other.expose()[4..46].chars().all(|c| c == '_'));
    }

    #[test]
    fn crc32_is_the_standard_one() {
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(base62_checksum(0), "000000");
        assert_eq!(base62_checksum(61), "00000z");
        assert_eq!(base62_checksum(62), "000010");
        assert_eq!(base62_checksum(u32::MAX), "4gfFC3");
    }

    #[test]
    fn offline_check_rejects_noise_and_tampering() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i * 7).unwrap();
        }
        let good = ClientSecret::from_random_bytes(&bytes).expose().to_owned();
        assert!(is_well_formed_secret(&good));

        // One changed character of the body breaks the checksum.
        let mut tampered = good.clone().into_bytes();
        tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
        assert!(!is_well_formed_secret(
            &String::from_utf8(tampered).unwrap()
        ));
        // So does a changed checksum.
        let mut wrong_sum = good.clone();
        wrong_sum.pop();
        wrong_sum.push(if good.ends_with('0') { '1' } else { '0' });
        assert!(!is_well_formed_secret(&wrong_sum));

        assert!(!is_well_formed_secret(""));
        assert!(!is_well_formed_secret(&good[4..]));
        assert!(!is_well_formed_secret(&format!("xyz_{}", &good[4..])));
        assert!(!is_well_formed_secret(&good[..good.len() - 1]));
        assert!(!is_well_formed_secret(&format!("{good}0")));
        // Invalid base64url in the body.
        let bad_alphabet = format!("oas_{}{}", "+".repeat(43), &good[47..]);
        assert!(!is_well_formed_secret(&bad_alphabet));
        // A body whose last character carries stray bits is not canonical base64url.
        let mut stray = good.clone().into_bytes();
        stray[46] = b'B';
        let stray = String::from_utf8(stray).unwrap();
        assert!(!is_well_formed_secret(&stray));
        // Non-ASCII of the right byte length.
        let non_ascii = format!("oas_{}é{}", "A".repeat(41), "000000");
        assert_eq!(non_ascii.len(), SECRET_LEN);
        assert!(!is_well_formed_secret(&non_ascii));
    }

    #[test]
    fn secrets_and_hashes_never_show_in_debug() {
        let secret = ClientSecret::from_random_bytes(&[1; 32]);
        assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
        let h = hash("abcdef");
        assert_eq!(format!("{h:?}"), "SecretHash(<redacted>)");
        assert_eq!(h.as_phc(), "$test$abcdef");
    }

    #[test]
    fn hash_must_be_a_phc_string() {
        assert!(SecretHash::new("plaintext").is_err());
        assert!(SecretHash::new("").is_err());
        assert!(SecretHash::new("$").is_err());
        assert!(SecretHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_ok());
    }

    #[test]
    fn a_hint_is_the_last_four_characters() {
        let secret = ClientSecret::from_random_bytes(&[3; 32]);
        let hint = SecretHint::of(&secret);
        assert_eq!(hint.as_str().len(), 4);
        assert!(secret.expose().ends_with(hint.as_str()));
        assert_eq!(SecretHint::restore(hint.as_str()), Ok(hint));
        for bad in ["", "abcde", "a b", "é"] {
            assert!(SecretHint::restore(bad).is_err(), "{bad:?}");
        }
    }
}
