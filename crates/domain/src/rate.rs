//! A token bucket: up to `burst` actions at once, refilled at `per_second`. The live channel
//! limits each connection's and each account's comments and likes with it. Time is passed in as
//! the distance from any fixed origin, so the rule stays pure.

use std::time::Duration;

/// A token bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Duration,
}

impl TokenBucket {
    /// Full, at `now`.
    pub fn new(burst: u32, per_second: f64, now: Duration) -> Self {
        let burst = f64::from(burst.max(1));
        Self { burst, per_second: per_second.max(0.0), tokens: burst, last: now }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Duration) -> bool {
        let elapsed = now.saturating_sub(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_then_the_refill_rate() {
        let mut b = TokenBucket::new(3, 2.0, ms(0));
        assert_eq!((0..5).map(|_| b.take(ms(0))).collect::<Vec<_>>(), [true, true, true, false, false]);
        assert!(!b.take(ms(400)), "0.8 of a token");
        assert!(b.take(ms(500)));
        assert!(!b.take(ms(500)));
        // A long pause refills to the burst, not beyond.
        assert_eq!((0..4).filter(|_| b.take(ms(60_000))).count(), 3);
        // Time going backwards (another clock) takes nothing extra.
        assert!(!b.take(ms(10)));
    }
}
