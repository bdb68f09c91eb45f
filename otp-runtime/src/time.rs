//! The runtime's clock. Every timeout, timer and sleep in the crate goes through here: in a
//! [simulation](crate::sim) it is the simulated clock, and the simulator counts the sleeps
//! pending here to tell a deadlock (nothing can run, nothing will wake) from a wait.
//!
//! Under `#[tokio::test(start_paused = true)]` this clock is tokio's paused clock: tests of
//! timeouts run instantly and deterministically.

use std::future::Future;
use std::time::Duration;

pub use tokio::time::Instant;

/// Waits for `d`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let t = otp_runtime::time::Instant::now();
/// otp_runtime::time::sleep(std::time::Duration::from_secs(60)).await;
/// assert!(t.elapsed() >= std::time::Duration::from_secs(60));
/// # }
/// ```
pub async fn sleep(d: Duration) {
    #[cfg(feature = "sim")]
    let _pending = crate::sim::TimerGuard::new();
    tokio::time::sleep(d).await
}

/// Runs `fut` for at most `d`; `None` if it did not finish in time (it is dropped).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// use std::time::Duration;
/// let slow = otp_runtime::time::sleep(Duration::from_secs(10));
/// assert_eq!(otp_runtime::time::timeout(Duration::from_secs(1), slow).await, None);
/// # }
/// ```
pub async fn timeout<F: Future>(d: Duration, fut: F) -> Option<F::Output> {
    #[cfg(feature = "sim")]
    let _pending = crate::sim::TimerGuard::new();
    tokio::time::timeout(d, fut).await.ok()
}

/// Waits until `deadline`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// use otp_runtime::time::{sleep_until, Instant};
/// let t = Instant::now() + std::time::Duration::from_secs(5);
/// sleep_until(t).await;
/// assert!(Instant::now() >= t);
/// # }
/// ```
pub async fn sleep_until(deadline: Instant) {
    #[cfg(feature = "sim")]
    let _pending = crate::sim::TimerGuard::new();
    tokio::time::sleep_until(deadline).await
}
