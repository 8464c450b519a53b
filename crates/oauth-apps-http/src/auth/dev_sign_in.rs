//! The console's one-click development sign-in: the development token, given once for the
//! code of the sign-in link the server prints at start.

use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The console's one-click development sign-in: the development token, given once to the
/// browser that presents the code the server printed at start (in the fragment of the
/// sign-in link, so that it is never in a request line, a proxy's log or a `Referer`).
///
/// Single use: a second presentation of the right code is refused, so a link left in a
/// terminal's scroll-back or a browser's history signs no one else in; the browser that
/// used it keeps its token in the tab's sessionStorage.
pub struct DevSignIn {
    token: String,
    code: [u8; 32],
    used: AtomicBool,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It is not the code this server printed.
    Wrong,
    /// It is, and it was used already.
    Used,
}

impl DevSignIn {
    /// The sign-in that gives `token` for `code`.
    #[must_use]
    pub fn new(token: String, code: &str) -> Self {
        Self {
            token,
            code: Sha256::digest(code.as_bytes()).into(),
            used: AtomicBool::new(false),
        }
    }

    /// The token for `offered` when it is the code, the first time only. The code is
    /// compared in constant time (as SHA-256 digests, so its length does not show either).
    ///
    /// # Errors
    /// [`Refusal`] saying why not.
    pub fn redeem(&self, offered: &str) -> Result<&str, Refusal> {
        let digest: [u8; 32] = Sha256::digest(offered.as_bytes()).into();
        if !bool::from(digest.ct_eq(&self.code)) {
            return Err(Refusal::Wrong);
        }
        self.used
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .map(|_| self.token.as_str())
            .map_err(|_| Refusal::Used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_signs_in_once_and_nothing_else_does() {
        let sign_in = DevSignIn::new("the-token".into(), "c0de");
        assert_eq!(sign_in.redeem("c0dE"), Err(Refusal::Wrong));
        assert_eq!(sign_in.redeem("c0d"), Err(Refusal::Wrong));
        assert_eq!(sign_in.redeem(""), Err(Refusal::Wrong));
        assert_eq!(sign_in.redeem("c0de"), Ok("the-token"));
        assert_eq!(sign_in.redeem("c0de"), Err(Refusal::Used));
        assert_eq!(sign_in.redeem("other"), Err(Refusal::Wrong));
    }
}
