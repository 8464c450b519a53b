//! Per-caller rate limits (token buckets): writes per token subject, client
//! authentications per token subject, and open registrations per client address (an IPv6
//! client by its /64, an IPv4 client by its address). A caller over its limit gets 429
//! with `Retry-After`; nothing is done for it.
//!
//! A limiter tracks at most [`MAX_KEYS`] callers, in two generations: when the current
//! one holds half of them, it becomes the previous one and the previous one is dropped.
//! A caller seen again moves to the current generation with its bucket, so only callers
//! idle for a whole generation are forgotten (and start again with a full bucket). Under
//! the lock each check does a constant amount of work, however many callers there are (a
//! retired generation is freed after the lock is released).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many callers a limiter tracks at most.
pub const MAX_KEYS: usize = 100_000;

/// What a limiter's keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// Taken as they are (token subjects).
    Verbatim,
    /// Client addresses: an IPv6 address counts as its /64 (one customer's network, whose
    /// every address is the same client), an IPv4 address (also IPv4-mapped IPv6) as
    /// itself; anything else as it is.
    ClientAddress,
}

/// A bucket: the tokens it held when last seen, and when that was.
type Bucket = (f64, Instant);

/// The buckets of the current and the previous generation.
#[derive(Default)]
struct Generations {
    current: HashMap<String, Bucket>,
    previous: HashMap<String, Bucket>,
}

/// A token bucket per key: `rate` requests a second on average, bursts of `burst`.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    keys: Keys,
    buckets: Mutex<Generations>,
}

/// The key a client address is limited by (see [`Keys::ClientAddress`]).
fn client_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX));
                format!("{network}/64")
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

impl RateLimiter {
    /// A limiter of `rate` per second with bursts of `burst` per key (a token subject);
    /// `None` when `rate` is zero (no limit).
    #[must_use]
    pub fn new(rate: f64, burst: f64) -> Option<Self> {
        (rate > 0.0).then(|| Self {
            rate,
            burst: burst.max(1.0),
            keys: Keys::Verbatim,
            buckets: Mutex::default(),
        })
    }

    /// [`RateLimiter::new`], for keys that are client addresses (`192.0.2.1`,
    /// `2001:db8::1`): an IPv6 client is limited by its /64, an IPv4 client by its address.
    #[must_use]
    pub fn per_client_address(rate: f64, burst: f64) -> Option<Self> {
        Self::new(rate, burst).map(|limiter| Self {
            keys: Keys::ClientAddress,
            ..limiter
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
        let key = match self.keys {
            Keys::Verbatim => key.to_owned(),
            Keys::ClientAddress => client_key(key),
        };
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = &mut *guard;
        let mut retired = None;
        let carried = if buckets.current.contains_key(&key) {
            None
        } else {
            // New to this generation: its bucket comes along from the previous one.
            let carried = buckets.previous.remove(&key);
            if buckets.current.len() >= MAX_KEYS / 2 {
                let current = std::mem::take(&mut buckets.current);
                retired = Some(std::mem::replace(&mut buckets.previous, current));
            }
            carried
        };
        let (tokens, last) = buckets
            .current
            .entry(key)
            .or_insert_with(|| carried.unwrap_or((self.burst, now)));
        let answer = self.take(tokens, last, now);
        drop(guard);
        // The retired generation is freed after the lock is released.
        drop(retired);
        answer
    }

    /// Refills a bucket for the time since it was `last` seen and takes one token.
    fn take(&self, tokens: &mut f64, last: &mut Instant, now: Instant) -> Result<(), Duration> {
        let refilled = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * self.rate)
            .min(self.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.rate))
        }
    }

    /// How many keys are tracked.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets.current.len() + buckets.previous.len()
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

    /// An open-registration limiter: 1 an hour per client.
    fn open_registration() -> RateLimiter {
        RateLimiter::per_client_address(1.0 / 3600.0, 1.0).unwrap()
    }

    #[test]
    fn ipv6_clients_are_limited_by_64_and_ipv4_clients_by_address() {
        let limiter = open_registration();
        let t0 = Instant::now();
        assert!(limiter.check_at("2001:db8:1:2::1", t0).is_ok());
        // Another address of the same /64: the same budget, spent.
        assert!(
            limiter
                .check_at("2001:db8:1:2:ffff:ffff:ffff:fffe", t0)
                .is_err()
        );
        assert!(limiter.check_at("2001:db8:1:2::99", t0).is_err());
        // The next /64 is another client.
        assert!(limiter.check_at("2001:db8:1:3::1", t0).is_ok());
        // IPv4: each address its own, also when written as an IPv4-mapped IPv6 address.
        assert!(limiter.check_at("192.0.2.1", t0).is_ok());
        assert!(limiter.check_at("::ffff:192.0.2.1", t0).is_err());
        assert!(limiter.check_at("192.0.2.2", t0).is_ok());
    }

    #[test]
    fn the_keys_tracked_are_bounded() {
        let limiter = open_registration();
        let t0 = Instant::now();
        for i in 0..MAX_KEYS + 1_000 {
            assert!(limiter.check_at(&format!("client-{i}"), t0).is_ok());
        }
        let tracked = limiter.tracked();
        assert!(tracked <= MAX_KEYS, "{tracked} keys tracked");
    }

    #[test]
    fn a_caller_seen_again_keeps_its_bucket_across_generations() {
        let limiter = open_registration();
        let t0 = Instant::now();
        assert!(limiter.check_at("192.0.2.7", t0).is_ok());
        // Half the keys later, its generation is the previous one: still spent.
        for i in 0..MAX_KEYS / 2 {
            assert!(limiter.check_at(&format!("client-{i}"), t0).is_ok());
        }
        assert!(limiter.check_at("192.0.2.7", t0).is_err());
        // It moved to the current generation with its bucket: still spent after another
        // half.
        for i in MAX_KEYS / 2..MAX_KEYS {
            assert!(limiter.check_at(&format!("client-{i}"), t0).is_ok());
        }
        assert!(limiter.check_at("192.0.2.7", t0).is_err());
    }

    #[test]
    fn a_zero_rate_means_no_limit() {
        assert!(RateLimiter::new(0.0, 10.0).is_none());
    }
}
