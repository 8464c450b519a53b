//! Why reading or setting an organisation's policy failed.

use crate::shared::operation_error::operation_error;
use crate::shared::validation::ValidationErrors;

operation_error! {
    /// Why reading or setting an organisation's policy failed.
    pub enum PolicyError {
        /// A field breaks a rule; nothing was written.
        Invalid(ValidationErrors) => Invalid, "invalid policy: {0}";
        /// The caller is outside the organisation.
        NotFound => NotFound, "organisation not found";
        /// Only admins of the organisation (or platform admins) set its policy.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}
