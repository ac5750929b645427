//! Exponential backoff with full jitter, for retrying a push or pull and reconnecting the
//! event stream.
//!
//! After a ward loses its network, every desktop in it reconnects when it comes back. Full
//! jitter (a uniformly random delay between zero and the exponential ceiling) spreads those
//! reconnects out instead of letting them arrive in waves. The rule is pure and clock-free:
//! the caller passes the random number and does the sleeping, so it is table-tested.

use std::time::Duration;

use rand::Rng;

/// Backoff state: the `attempt`-th retry waits a random part of
/// `min(max, base * 2^attempt)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// Delays handed out since the last [`Backoff::reset`].
    pub attempt: u32,
}

impl Default for Backoff {
    /// 1 s doubling up to 2 minutes: quick after a blip, gentle on a server that is down.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(120))
    }
}

impl Backoff {
    pub const fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    /// The longest the next delay can be: `min(max, base * 2^attempt)`, without overflow.
    pub fn ceiling(&self) -> Duration {
        2u32.checked_pow(self.attempt)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The delay before the next try, `rand01 * ceiling()`, and counts the attempt.
    ///
    /// `rand01` should be uniform in `[0, 1)`; it is clamped to `[0, 1]`, and a NaN counts
    /// as 1 (wait the longest rather than not at all).
    pub fn next_delay(&mut self, rand01: f64) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let r = if rand01.is_nan() {
            1.0
        } else {
            rand01.clamp(0.0, 1.0)
        };
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * r).map_or(ceiling, |d| d.min(ceiling))
    }

    /// [`Backoff::next_delay`] with a random number from the thread's generator.
    pub fn next_random_delay(&mut self) -> Duration {
        let r: f64 = rand::thread_rng().r#gen();
        self.next_delay(r)
    }

    /// Starts over after a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_ceiling_doubles_until_the_cap() {
        let mut b = Backoff::new(100 * MS, 1000 * MS);
        let ceilings: Vec<Duration> = (0..7).map(|_| b.next_delay(1.0)).collect();
        assert_eq!(
            ceilings,
            [100, 200, 400, 800, 1000, 1000, 1000].map(|n| n * MS)
        );
        assert_eq!(b.attempt, 7);
    }

    #[test]
    fn jitter_stays_within_zero_and_the_ceiling() {
        for attempt in 0..12 {
            for r in [0.0, 0.25, 0.5, 0.999_999, 1.0, -3.0, 7.0, f64::INFINITY] {
                let mut b = Backoff {
                    attempt,
                    ..Backoff::new(100 * MS, 30_000 * MS)
                };
                let ceiling = b.ceiling();
                let d = b.next_delay(r);
                assert!(
                    d <= ceiling,
                    "attempt {attempt}, r {r}: {d:?} > {ceiling:?}"
                );
            }
        }
        let mut b = Backoff::new(100 * MS, 30_000 * MS);
        assert_eq!(b.next_delay(0.0), Duration::ZERO);
        assert_eq!(b.next_delay(0.5), 100 * MS);
        assert_eq!(b.next_delay(-1.0), Duration::ZERO);
        assert_eq!(b.next_delay(f64::NAN), 800 * MS);
    }

    #[test]
    fn random_delays_are_within_bounds() {
        let mut b = Backoff::new(10 * MS, 500 * MS);
        for _ in 0..200 {
            let ceiling = b.ceiling();
            assert!(b.next_random_delay() <= ceiling);
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(100 * MS, 10_000 * MS);
        for _ in 0..5 {
            b.next_delay(1.0);
        }
        b.reset();
        assert_eq!(b.attempt, 0);
        assert_eq!(b.next_delay(1.0), 100 * MS);
    }

    #[test]
    fn huge_attempts_do_not_overflow() {
        let mut b = Backoff {
            attempt: 1000,
            ..Backoff::new(Duration::from_secs(1), Duration::from_secs(120))
        };
        assert_eq!(b.next_delay(1.0), Duration::from_secs(120));
        let mut b = Backoff {
            attempt: u32::MAX,
            ..Backoff::new(Duration::MAX, Duration::MAX)
        };
        assert_eq!(b.next_delay(1.0), Duration::MAX);
        assert_eq!(b.attempt, u32::MAX);
        // A base so large that even the first doubling overflows.
        let mut b = Backoff::new(Duration::MAX, Duration::from_secs(5));
        b.next_delay(1.0);
        assert_eq!(b.next_delay(1.0), Duration::from_secs(5));
    }
}
