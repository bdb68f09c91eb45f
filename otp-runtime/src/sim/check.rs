//! What an invariant or a property returns.

use std::fmt::Display;

/// The result of a check: `true` or `Ok(())` holds; `false` or `Err(why)` does not (`why`
/// goes into the failure's report).
///
/// # Examples
///
/// ```
/// use otp_runtime::sim::Check;
///
/// assert!(true.verdict().is_ok());
/// assert_eq!(Err::<(), _>("fred lost a message").verdict(), Err("fred lost a message".to_string()));
/// ```
pub trait Check {
    /// `Ok(())` if the check holds, else why not.
    fn verdict(self) -> Result<(), String>;
}

impl Check for bool {
    fn verdict(self) -> Result<(), String> {
        if self {
            Ok(())
        } else {
            Err("it returned false".into())
        }
    }
}

impl Check for () {
    fn verdict(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: Display> Check for Result<(), E> {
    fn verdict(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}
