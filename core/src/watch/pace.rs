//! When the next sample starts: every `--interval`, slower when the cluster is slow.
//!
//! A watch must never become the cluster's problem. When a round takes longer than the
//! interval (a loaded cluster answers late) or fails, the interval doubles, and it is at
//! least twice the time the round took: the cluster is then left alone at least as long as
//! it was busy answering, so a watch never keeps it busy more than half the time. When
//! rounds are quick again the interval halves back down to `--interval`.

use crate::record::Millis;

/// The slowest a watch samples while the cluster is slow or unreachable.
pub const MAX_BACKOFF_MS: Millis = 60_000;

/// The current pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// `--interval`.
    pub interval: Millis,
    /// The interval now (at least `interval`).
    pub current: Millis,
}

impl Pace {
    /// Sample every `interval` ms (at least 1).
    pub fn new(interval: Millis) -> Pace {
        let interval = interval.max(1);
        Pace {
            interval,
            current: interval,
        }
    }

    /// A round ended after `took` ms; `failed` if it got no usable sample.
    pub fn after_round(&mut self, took: Millis, failed: bool) {
        let ceiling = MAX_BACKOFF_MS.max(self.interval);
        if failed || took > self.interval {
            self.current = (self.current * 2).max(took * 2).min(ceiling);
        } else {
            self.current = (self.current / 2).max(self.interval);
        }
    }

    /// Is the watch slower than asked?
    pub fn backing_off(&self) -> bool {
        self.current > self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_rounds_double_the_interval_and_quick_ones_bring_it_back() {
        let mut pace = Pace::new(1_000);
        pace.after_round(200, false);
        assert_eq!(pace.current, 1_000, "a quick round keeps the interval");
        pace.after_round(1_500, false);
        assert_eq!(pace.current, 3_000, "at least twice the round's time");
        assert!(pace.backing_off());
        pace.after_round(100, true);
        assert_eq!(pace.current, 6_000, "a failure doubles it");
        for _ in 0..10 {
            pace.after_round(100, true);
        }
        assert_eq!(
            pace.current, MAX_BACKOFF_MS,
            "never slower than the ceiling"
        );
        for _ in 0..10 {
            pace.after_round(100, false);
        }
        assert_eq!(pace.current, 1_000);
        assert!(!pace.backing_off());
    }
}
