//! What the capabilities share: identifiers, time, randomness, the caller and who may do
//! what, pages, field errors, the errors of ports and use cases, sealing, preconditions and
//! the rules of written text, the digest of a presented token, why a URL may not be
//! fetched.

pub mod digest;
pub mod errors;
pub mod ids;
pub mod operation_error;
pub mod outbound;
pub mod page;
pub mod precondition;
pub mod principal;
pub mod random;
pub mod sealing;
pub mod text;
pub mod time;
pub mod validation;
