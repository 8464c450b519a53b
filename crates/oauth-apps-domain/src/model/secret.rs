//! Client secrets: their format, their stored hashes, and the rotation rules.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::credentials::CredentialSerial;
use crate::shared::time::Timestamp;
use crate::validation::Violation;

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
    /// Wraps a PHC string produced by a [`crate::ports::SecretHasher`].
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

/// How long a rotated-out secret stays valid: 0 to 604800 seconds (7 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct GracePeriod(u32);

impl GracePeriod {
    /// The longest grace period: 7 days.
    pub const MAX_SECONDS: u32 = 604_800;
    /// No grace: the previous secret stops working at once.
    pub const NONE: Self = Self(0);

    /// Checks a grace period in seconds.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 0..=604800.
    pub fn from_seconds(seconds: i64) -> Result<Self, Violation> {
        u32::try_from(seconds)
            .ok()
            .filter(|s| *s <= Self::MAX_SECONDS)
            .map(Self)
            .ok_or(Violation::OutOfRange {
                min: 0,
                max: i64::from(Self::MAX_SECONDS),
            })
    }

    /// The period in seconds.
    #[must_use]
    pub const fn seconds(self) -> u32 {
        self.0
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

/// The expiry thresholds, in days before a secret's end, at which a `secret.expiring`
/// warning is emitted (once each).
pub const EXPIRY_WARNING_DAYS: [u8; 3] = [14, 7, 1];

/// What a secret's life holds besides its hash: when it ends, its lookup digest, the last
/// expiry warning emitted and whether it was reported leaked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretLifecycle {
    /// The first instant it no longer authenticates (its organisation's lifetime, or the
    /// moment a leak revoked it); `None`: it does not expire.
    pub expires_at: Option<Timestamp>,
    /// The SHA-256 of its plaintext, to find it from a leak report; unknown for secrets
    /// issued before it was kept.
    pub lookup: Option<crate::model::TokenDigest>,
    /// The last expiry warning emitted, in days before the end (14, 7 or 1).
    pub expiry_warned_days: Option<u8>,
    /// When it was reported leaked.
    pub leaked_at: Option<Timestamp>,
}

impl SecretLifecycle {
    /// The lifecycle of a secret issued at `now` with `plaintext`, living `lifetime_days`
    /// (none: for ever).
    #[must_use]
    pub fn issued(plaintext: &ClientSecret, now: Timestamp, lifetime_days: Option<u32>) -> Self {
        Self {
            expires_at: lifetime_days.map(|d| now.plus_seconds(d.saturating_mul(86_400))),
            lookup: Some(crate::model::TokenDigest::of(plaintext.expose())),
            expiry_warned_days: None,
            leaked_at: None,
        }
    }

    /// Whether it still authenticates at `now`.
    #[must_use]
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }

    /// The warning due at `now` that was not emitted yet: the smallest threshold of
    /// [`EXPIRY_WARNING_DAYS`] the time left is within, unless a warning at that threshold
    /// or a smaller one was emitted. `None` for a secret that does not expire, has ended,
    /// or is further than 14 days from its end.
    #[must_use]
    pub fn expiry_warning_due(&self, now: Timestamp) -> Option<u8> {
        let end = self.expires_at?;
        let left = end.unix_micros() - now.unix_micros();
        if left <= 0 {
            return None;
        }
        let due = EXPIRY_WARNING_DAYS
            .into_iter()
            .filter(|days| left <= i64::from(*days) * 86_400 * 1_000_000)
            .min()?;
        self.expiry_warned_days
            .is_none_or(|warned| warned > due)
            .then_some(due)
    }
}

/// One secret of an application: its hash and what is known of it besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its hash.
    pub hash: SecretHash,
    /// Its last four characters; unknown for secrets issued before hints were kept.
    pub hint: Option<SecretHint>,
    /// Which of the application's secrets it is: 1 for the first, one more per rotation.
    pub serial: CredentialSerial,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When a client last authenticated with it (at most a minute stale).
    pub last_used_at: Option<Timestamp>,
    /// When it ends, its lookup digest, its warnings and leak.
    pub lifecycle: SecretLifecycle,
}

impl Secret {
    /// The first secret of an application, issued `now`.
    #[must_use]
    pub const fn first(hash: SecretHash, hint: Option<SecretHint>, now: Timestamp) -> Self {
        Self {
            hash,
            hint,
            serial: CredentialSerial::FIRST,
            created_at: now,
            last_used_at: None,
            lifecycle: SecretLifecycle {
                expires_at: None,
                lookup: None,
                expiry_warned_days: None,
                leaked_at: None,
            },
        }
    }

    /// With `lifecycle`.
    #[must_use]
    pub fn with_lifecycle(self, lifecycle: SecretLifecycle) -> Self {
        Self { lifecycle, ..self }
    }
}

/// A rotated-out secret that stays valid until `expires_at` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// The secret.
    pub secret: Secret,
    /// The first instant at which it no longer authenticates.
    pub expires_at: Timestamp,
}

impl PreviousSecret {
    /// Whether it still authenticates at `now`: within its grace period and its own life.
    #[must_use]
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.expires_at && self.secret.lifecycle.is_live_at(now)
    }
}

/// An application's secrets: exactly one current secret and at most one previous secret
/// in its grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    current: Secret,
    previous: Option<PreviousSecret>,
}

impl Secrets {
    /// The secrets of a new application: one current secret.
    #[must_use]
    pub const fn new(current: Secret) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// Rebuilds stored secrets.
    #[must_use]
    pub const fn restore(current: Secret, previous: Option<PreviousSecret>) -> Self {
        Self { current, previous }
    }

    /// The current secret.
    #[must_use]
    pub const fn current(&self) -> &Secret {
        &self.current
    }

    /// The previous secret, whether or not its grace period has ended.
    #[must_use]
    pub const fn previous(&self) -> Option<&PreviousSecret> {
        self.previous.as_ref()
    }

    /// Makes `new` (issued `now`) the current secret. The old current secret stays valid
    /// for `grace` after `now`, or stops at once when `grace` is zero; an older previous
    /// secret is dropped at once (there is at most one previous secret).
    #[must_use]
    pub fn rotate(
        &self,
        new: SecretHash,
        hint: Option<SecretHint>,
        now: Timestamp,
        grace: GracePeriod,
    ) -> Self {
        let previous = (grace.seconds() > 0).then(|| PreviousSecret {
            secret: self.current.clone(),
            expires_at: now.plus_seconds(grace.seconds()),
        });
        Self {
            current: Secret {
                hash: new,
                hint,
                serial: self.current.serial.next(),
                created_at: now,
                last_used_at: None,
                lifecycle: SecretLifecycle::default(),
            },
            previous,
        }
    }

    /// With the last use of the secret numbered `serial` at `at`.
    #[must_use]
    pub(crate) fn with_use(&self, serial: CredentialSerial, at: Timestamp) -> Self {
        let mut next = self.clone();
        if next.current.serial == serial {
            next.current.last_used_at = Some(at);
        }
        if let Some(previous) = next.previous.as_mut().filter(|p| p.secret.serial == serial) {
            previous.secret.last_used_at = Some(at);
        }
        next
    }

    /// Ends the previous secret's grace period now.
    #[must_use]
    pub fn without_previous(&self) -> Self {
        Self {
            current: self.current.clone(),
            previous: None,
        }
    }

    /// The most hashes a presented secret may match at once: the current one and one
    /// previous one.
    pub const MAX_VALID: usize = 2;

    /// The secrets a presented secret may match at `now`: the current one, then the
    /// previous one while its grace period lasts (at most [`Self::MAX_VALID`]).
    pub fn valid_at(&self, now: Timestamp) -> impl Iterator<Item = &Secret> {
        std::iter::once(&self.current)
            .filter(move |s| s.lifecycle.is_live_at(now))
            .chain(
                self.previous
                    .as_ref()
                    .filter(|p| p.is_valid_at(now))
                    .map(|p| &p.secret),
            )
    }

    /// With the lifecycle of the secret numbered `serial` changed by `change`.
    #[must_use]
    pub fn with_lifecycle_of(
        &self,
        serial: CredentialSerial,
        change: impl FnOnce(&mut SecretLifecycle),
    ) -> Self {
        let mut next = self.clone();
        if next.current.serial == serial {
            change(&mut next.current.lifecycle);
        } else if let Some(previous) = next.previous.as_mut().filter(|p| p.secret.serial == serial)
        {
            change(&mut previous.secret.lifecycle);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(s: &str) -> SecretHash {
        SecretHash::new(format!("$test${s}")).unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
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
    fn grace_period_bounds() {
        assert_eq!(GracePeriod::from_seconds(0).unwrap(), GracePeriod::NONE);
        assert_eq!(
            GracePeriod::from_seconds(604_800).unwrap().seconds(),
            604_800
        );
        let out = Violation::OutOfRange {
            min: 0,
            max: 604_800,
        };
        assert_eq!(GracePeriod::from_seconds(604_801), Err(out.clone()));
        assert_eq!(GracePeriod::from_seconds(-1), Err(out.clone()));
        assert_eq!(GracePeriod::from_seconds(i64::MAX), Err(out));
        assert_eq!(GracePeriod::default(), GracePeriod::NONE);
    }

    fn first(h: &str) -> Secrets {
        Secrets::new(Secret::first(hash(h), None, at(0)))
    }

    fn valid(s: &Secrets, now: i64) -> Vec<SecretHash> {
        s.valid_at(at(now)).map(|s| s.hash.clone()).collect()
    }

    #[test]
    fn rotation_without_grace_revokes_the_old_secret_at_once() {
        let s = first("one");
        assert_eq!(s.valid_at(at(0)).count(), 1);
        let r = s.rotate(hash("two"), None, at(100), GracePeriod::NONE);
        assert_eq!(r.current().hash, hash("two"));
        assert!(r.previous().is_none());
        assert_eq!(valid(&r, 100), [hash("two")]);
    }

    #[test]
    fn rotation_with_grace_keeps_the_old_secret_until_it_ends() {
        let s = first("one");
        let r = s.rotate(
            hash("two"),
            None,
            at(100),
            GracePeriod::from_seconds(60).unwrap(),
        );
        let previous = r.previous().unwrap();
        assert_eq!(&previous.secret, s.current());
        assert_eq!(previous.expires_at, at(160));
        assert_eq!(valid(&r, 159), [hash("two"), hash("one")]);
        assert!(previous.is_valid_at(at(159)));
        assert!(!previous.is_valid_at(at(160)));
        assert_eq!(valid(&r, 160), [hash("two")]);
    }

    #[test]
    fn each_new_secret_has_the_next_serial_its_issue_time_and_no_use_yet() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let used = first("one").with_use(CredentialSerial::FIRST, at(5));
        assert_eq!(used.current().last_used_at, Some(at(5)));
        let hint = SecretHint::restore("Wx9z").unwrap();
        let r = used.rotate(hash("two"), Some(hint.clone()), at(10), grace);
        let current = r.current();
        assert_eq!(current.serial, CredentialSerial::FIRST.next());
        assert_eq!(
            (
                current.created_at,
                current.last_used_at,
                current.hint.as_ref()
            ),
            (at(10), None, Some(&hint))
        );
        // The previous secret keeps its own history.
        assert_eq!(r.previous().unwrap().secret.last_used_at, Some(at(5)));
        let later = r.with_use(CredentialSerial::FIRST, at(20));
        assert_eq!(later.previous().unwrap().secret.last_used_at, Some(at(20)));
        assert_eq!(later.current().last_used_at, None);
    }

    #[test]
    fn rotating_again_drops_the_older_previous_secret() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let r = first("one").rotate(hash("two"), None, at(0), grace).rotate(
            hash("three"),
            None,
            at(10),
            grace,
        );
        assert_eq!(r.current().hash, hash("three"));
        assert_eq!(r.current().serial.get(), 3);
        assert_eq!(r.previous().unwrap().secret.hash, hash("two"));
        assert!(!valid(&r, 11).contains(&hash("one")));
        let no_grace = r.rotate(hash("four"), None, at(20), GracePeriod::NONE);
        assert!(no_grace.previous().is_none());
    }

    #[test]
    fn previous_secret_can_be_revoked_early() {
        let r = first("one").rotate(
            hash("two"),
            None,
            at(0),
            GracePeriod::from_seconds(3600).unwrap(),
        );
        let revoked = r.without_previous();
        assert!(revoked.previous().is_none());
        assert_eq!(revoked.current().hash, hash("two"));
        let one = Secret::first(hash("a"), None, at(0));
        assert_eq!(Secrets::restore(one.clone(), None), Secrets::new(one));
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
