//! Bearer tokens (RFC 6750, RFC 7519): verified into the domain's [`Principal`], minted
//! for development, and handed to the console's development sign-in.
//!
//! HS256 tokens are checked with the shared secret; RS256, ES256 and EdDSA tokens with the
//! public keys of a JWKS file. A token's `alg` picks the key family, and a key is only ever
//! used with its own algorithm, so an RSA public key can never be used as an HMAC secret
//! (algorithm confusion); `alg: none` and every other algorithm are refused.
//!
//! Beyond the signature: `exp` and `nbf` with 60 s of leeway, `aud` (a string or an array
//! that holds the configured audience, RFC 7519 §4.1.3), `iss` when configured, no `crit`
//! header (RFC 7515 §4.1.11: this service understands no extension), and a `sub` the
//! domain accepts as a caller ([`Principal::try_new`]).
//!
//! - `claims`: what a token says, what every token must say ([`Expectations`]), and
//!   [`mint_hs256`];
//! - `keys`: the keys tokens are verified with, read at start (a JWKS key that cannot
//!   verify signatures is skipped, with its reason);
//! - `verifier`: [`JwtVerifier`], which checks a token and remembers it until it expires;
//! - `dev_sign_in`: [`DevSignIn`], the development token given once for the code of the
//!   console's sign-in link.
//!
//! [`Principal`]: oauth_apps_domain::Principal
//! [`Principal::try_new`]: oauth_apps_domain::Principal::try_new

mod claims;
mod dev_sign_in;
mod keys;
mod verifier;

#[cfg(test)]
mod test_keys;

pub use claims::{Claims, Expectations, LEEWAY_SECONDS, mint_hs256};
pub use dev_sign_in::{DevSignIn, Refusal};
pub use keys::{KeyError, MIN_HS256_SECRET_LEN, SkippedKey};
pub use verifier::{JwtVerifier, TokenError};
