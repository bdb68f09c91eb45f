//! Restart intensity: OTP's `add_restart`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::time::Instant;

/// The restarts a supervisor made within its period, newest first.
///
/// OTP's algorithm: record the restart, forget those older than `now - period`, and if more
/// than `intensity` remain, the supervisor gives up. So `intensity` restarts per period are
/// allowed and one more stops the supervisor; with intensity 0 the first restart does.
/// (OTP stamps restarts in whole seconds; this clock is finer, which only matters for
/// restarts within a second of the window's edge.)
#[derive(Debug)]
pub(crate) struct Restarts {
    intensity: u32,
    period: Duration,
    times: VecDeque<Instant>,
    /// Restarts since the supervisor started, for `sys`.
    total: u64,
}

impl Restarts {
    pub(crate) fn new(intensity: u32, period: Duration) -> Self {
        Restarts {
            intensity,
            period,
            times: VecDeque::new(),
            total: 0,
        }
    }

    /// Records a restart at `now`; `false` when the intensity is exceeded.
    pub(crate) fn add(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.times.back() {
            if now.saturating_duration_since(oldest) > self.period {
                self.times.pop_back();
            } else {
                break;
            }
        }
        self.times.push_front(now);
        self.total += 1;
        self.times.len() <= self.intensity as usize
    }

    /// For `sys`: the restarts since the start, those within the period before `now`, the
    /// intensity and the period.
    pub(crate) fn view(&self, now: Instant) -> (u64, usize, u32, Duration) {
        let recent = self
            .times
            .iter()
            .take_while(|&&t| now.saturating_duration_since(t) <= self.period)
            .count();
        (self.total, recent, self.intensity, self.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn intensity_restarts_per_period_are_allowed_and_one_more_is_not() {
        let t0 = Instant::now();
        let mut r = Restarts::new(3, secs(10));
        assert!(r.add(t0));
        assert!(r.add(t0 + secs(1)));
        assert!(r.add(t0 + secs(2)));
        assert!(!r.add(t0 + secs(3)));
    }

    #[test]
    fn zero_intensity_stops_at_the_first_restart() {
        let mut r = Restarts::new(0, secs(5));
        assert!(!r.add(Instant::now()));
    }

    #[test]
    fn restarts_older_than_the_period_are_forgotten() {
        let t0 = Instant::now();
        let mut r = Restarts::new(1, secs(5));
        assert!(r.add(t0));
        assert!(r.add(t0 + secs(6)));
        assert!(!r.add(t0 + secs(7)));
    }

    #[test]
    fn a_restart_exactly_one_period_old_still_counts() {
        // OTP keeps the restarts with R >= Now - Period.
        let t0 = Instant::now();
        let mut r = Restarts::new(1, secs(5));
        assert!(r.add(t0));
        assert!(!r.add(t0 + secs(5)));
    }
}
