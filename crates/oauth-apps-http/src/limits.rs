//! Per-caller rate limits (token buckets): writes per token subject, and client
//! authentications per token subject. A caller over its limit gets 429 with
//! `Retry-After`; nothing is done for it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A token bucket per key: `rate` requests a second on average, bursts of `burst`.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// How many keys are tracked before idle ones are dropped.
const MAX_KEYS: usize = 100_000;

impl RateLimiter {
    /// A limiter of `rate` per second with bursts of `burst`; `None` when `rate` is zero
    /// (no limit).
    #[must_use]
    pub fn new(rate: f64, burst: f64) -> Option<Self> {
        (rate > 0.0).then(|| Self {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::default(),
        })
    }

    /// Takes one request for `key`, or says how long until one is allowed.
    ///
    /// # Errors
    /// The time to wait when `key` is over its limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let full = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, (_, last)| now.duration_since(*last) < full);
        }
        let (tokens, last) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        let refilled =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.rate))
        }
    }
}

/// The limits the handlers apply.
#[derive(Default)]
pub struct Limits {
    /// Creates, updates, disables, enables, rotations per token subject.
    pub writes: Option<RateLimiter>,
    /// Client authentications per token subject.
    pub authentications: Option<RateLimiter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(2.0, 3.0).unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("alice", t0).is_ok());
        }
        let wait = limiter.check_at("alice", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Other callers have their own bucket.
        assert!(limiter.check_at("bob", t0).is_ok());
        // Half a second later one more request is allowed, and only one.
        let t1 = t0 + Duration::from_millis(500);
        assert!(limiter.check_at("alice", t1).is_ok());
        assert!(limiter.check_at("alice", t1).is_err());
        // A long pause refills no more than the burst.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.check_at("alice", t2).is_ok());
        }
        assert!(limiter.check_at("alice", t2).is_err());
    }

    #[test]
    fn a_zero_rate_means_no_limit() {
        assert!(RateLimiter::new(0.0, 10.0).is_none());
    }
}
