//! Pagination: keyset cursors and page sizes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::shared::ids::AppId;
use crate::shared::time::Timestamp;
use crate::shared::validation::Violation;

/// A position in a newest-first listing: the `(created_at, id)` of the last item seen.
/// Its text form is opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The creation time of the last item seen.
    pub created_at: Timestamp,
    /// The id of the last item seen (breaks ties between equal timestamps).
    pub id: AppId,
}

impl Cursor {
    /// The opaque text form.
    #[must_use]
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.created_at.unix_micros(), self.id))
    }

    /// Parses the text form made by [`Cursor::encode`].
    ///
    /// # Errors
    /// [`Violation::Malformed`] for anything [`Cursor::encode`] did not make.
    pub fn decode(s: &str) -> Result<Self, Violation> {
        let malformed = || Violation::Malformed {
            what: "cursor (pass back the nextCursor of the previous page)",
        };
        if s.len() > 64 {
            return Err(malformed());
        }
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| malformed())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
        let (micros, id) = text.split_once('.').ok_or_else(malformed)?;
        let created_at = micros
            .parse::<i64>()
            .ok()
            .and_then(Timestamp::from_unix_micros)
            .ok_or_else(malformed)?;
        let id = id
            .parse::<i64>()
            .ok()
            .and_then(|id| AppId::new(id).ok())
            .ok_or_else(malformed)?;
        Ok(Self { created_at, id })
    }
}

/// A page size: 1 to 100, 20 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    /// The largest page.
    pub const MAX: u32 = 100;
    /// The size when none is asked for.
    pub const DEFAULT: Self = Self(20);

    /// Checks a requested size; `None` gives the default.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 1..=100.
    pub fn new(requested: Option<i64>) -> Result<Self, Violation> {
        match requested {
            None => Ok(Self::DEFAULT),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
                .map(Self)
                .ok_or(Violation::OutOfRange {
                    min: 1,
                    max: i64::from(Self::MAX),
                }),
        }
    }

    /// The size.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// A 1-based page number, at most 100000 (deeper offsets are the keyset listing's job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber(u32);

impl PageNumber {
    /// The deepest page.
    pub const MAX: u32 = 100_000;

    /// Checks a requested page; `None` gives page 1.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 1..=100000.
    pub fn new(requested: Option<i64>) -> Result<Self, Violation> {
        match requested {
            None => Ok(Self(1)),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
                .map(Self)
                .ok_or(Violation::OutOfRange {
                    min: 1,
                    max: i64::from(Self::MAX),
                }),
        }
    }

    /// The page number.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// How many items come before this page.
    #[must_use]
    pub const fn offset(self, size: PageSize) -> u64 {
        (self.0 as u64 - 1) * size.0 as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_anything_else() {
        let c = Cursor {
            created_at: Timestamp::from_unix_micros(1_700_000_000_000_001).unwrap(),
            id: AppId::new(42).unwrap(),
        };
        let text = c.encode();
        assert!(!text.contains('.'));
        assert_eq!(Cursor::decode(&text).unwrap(), c);
        for bad in [
            "",
            "!!!",
            &URL_SAFE_NO_PAD.encode("1.0"),
            &URL_SAFE_NO_PAD.encode("x.1"),
            &URL_SAFE_NO_PAD.encode("1"),
            &URL_SAFE_NO_PAD.encode("1.x"),
            &URL_SAFE_NO_PAD.encode(format!("{}.1", i64::MAX)),
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe, b'.', b'1']),
            &"A".repeat(65),
        ] {
            assert!(
                matches!(Cursor::decode(bad), Err(Violation::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn cursor_text_is_at_most_64_characters() {
        // Leading zeros decode to the same cursor; they only make the text longer.
        let padded = |zeros: usize| {
            URL_SAFE_NO_PAD.encode(format!("{}1700000000000000.42", "0".repeat(zeros)))
        };
        let at_limit = padded(29);
        assert_eq!(at_limit.len(), 64);
        assert_eq!(Cursor::decode(&at_limit).unwrap().id.get(), 42);
        let over = padded(30);
        assert!(over.len() > 64);
        assert!(Cursor::decode(&over).is_err());
    }

    #[test]
    fn page_size_bounds_and_default() {
        assert_eq!(PageSize::new(None).unwrap().get(), 20);
        assert_eq!(PageSize::new(Some(1)).unwrap().get(), 1);
        assert_eq!(PageSize::new(Some(100)).unwrap().get(), 100);
        let out = Err(Violation::OutOfRange { min: 1, max: 100 });
        assert_eq!(PageSize::new(Some(0)), out);
        assert_eq!(PageSize::new(Some(101)), out);
        assert_eq!(PageSize::new(Some(-1)), out);
    }

    #[test]
    fn page_number_bounds_and_offset() {
        let size = PageSize::new(Some(25)).unwrap();
        assert_eq!(PageNumber::new(None).unwrap().get(), 1);
        assert_eq!(PageNumber::new(None).unwrap().offset(size), 0);
        assert_eq!(PageNumber::new(Some(3)).unwrap().offset(size), 50);
        assert_eq!(PageNumber::new(Some(100_000)).unwrap().get(), 100_000);
        let out = Err(Violation::OutOfRange {
            min: 1,
            max: 100_000,
        });
        assert_eq!(PageNumber::new(Some(0)), out);
        assert_eq!(PageNumber::new(Some(100_001)), out);
        assert_eq!(PageNumber::new(Some(i64::MIN)), out);
    }
}
