//! How long an answer may be kept: `Cache-Control: max-age` (RFC 9111 §5.2.2.1).

use std::time::Duration;

/// The largest age RFC 9111 §1.2.2 asks a cache to count to; larger values are this one.
const GREATEST_AGE: u64 = 1 << 31;

/// Splits a `Cache-Control` value into directives at the commas outside quoted strings.
fn directives(value: &str) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    let mut escaped = false;
    value
        .split(move |c: char| {
            if escaped {
                escaped = false;
            } else if quoted && c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = !quoted;
            } else if c == ',' && !quoted {
                return true;
            }
            false
        })
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

/// The freshness lifetime the `Cache-Control` field values give, read as a private cache:
///
/// - `max-age=N` is N seconds (a quoted `"N"` too; beyond 2^31 it is 2^31);
/// - `no-store` or `no-cache` anywhere is zero (do not reuse without asking again);
/// - a `max-age` that is not a number, or two `max-age`s that disagree, is zero (RFC 9111
///   §4.2.1: invalid freshness information is stale);
/// - no `max-age` and neither of those is `None` (the caller decides).
///
/// `s-maxage` and `public`/`private` are for shared caches and ignored.
#[must_use]
pub fn max_age<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Duration> {
    let mut seconds: Option<u64> = None;
    let mut stale = false;
    for directive in values.into_iter().flat_map(directives) {
        let (name, argument) = directive
            .split_once('=')
            .map_or((directive, None), |(n, a)| (n.trim(), Some(a.trim())));
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            stale = true;
        } else if name.eq_ignore_ascii_case("max-age") {
            let argument = argument.unwrap_or("");
            let digits = argument
                .strip_prefix('"')
                .and_then(|a| a.strip_suffix('"'))
                .unwrap_or(argument);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                stale = true;
                continue;
            }
            let value = digits
                .parse::<u64>()
                .map_or(GREATEST_AGE, |v| v.min(GREATEST_AGE));
            match seconds {
                Some(earlier) if earlier != value => stale = true,
                _ => seconds = Some(value),
            }
        }
    }
    if stale {
        Some(Duration::ZERO)
    } else {
        seconds.map(Duration::from_secs)
    }
}

/// How long to keep an answer whose `max-age` is `max_age`, within `min..=max`: below `min`
/// (`no-store`, `max-age=0`) is `min`, above `max` is `max`, and no `max-age` at all is `min`.
/// For callers that cache "per Cache-Control within 5 min-24 h". When `min > max`, `max`.
#[must_use]
pub fn clamp_max_age(max_age: Option<Duration>, min: Duration, max: Duration) -> Duration {
    max_age.unwrap_or(min).max(min).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(values: &[&str]) -> Option<u64> {
        max_age(values.iter().copied()).map(|d| d.as_secs())
    }

    #[test]
    fn max_age_is_read_in_any_case_position_and_field_line() {
        assert_eq!(secs(&["max-age=600"]), Some(600));
        assert_eq!(secs(&["public, Max-Age=600, must-revalidate"]), Some(600));
        assert_eq!(secs(&["public", "max-age = 60"]), Some(60));
        assert_eq!(secs(&["max-age=\"120\""]), Some(120));
        assert_eq!(secs(&["s-maxage=10, max-age=300"]), Some(300));
        assert_eq!(secs(&["max-age=300", "max-age=300"]), Some(300));
        assert_eq!(secs(&["max-age=99999999999999999999999"]), Some(1 << 31));
        assert_eq!(secs(&[]), None);
        assert_eq!(secs(&["public, s-maxage=10"]), None);
    }

    #[test]
    fn refusals_and_invalid_values_mean_zero() {
        assert_eq!(secs(&["no-store"]), Some(0));
        assert_eq!(secs(&["max-age=600, no-cache"]), Some(0));
        assert_eq!(secs(&["No-Store", "max-age=600"]), Some(0));
        assert_eq!(secs(&["max-age=ten"]), Some(0));
        assert_eq!(secs(&["max-age=-5"]), Some(0));
        assert_eq!(secs(&["max-age="]), Some(0));
        assert_eq!(secs(&["max-age"]), Some(0));
        assert_eq!(secs(&["max-age=60, max-age=600"]), Some(0));
    }

    #[test]
    fn commas_inside_quoted_strings_do_not_split_directives() {
        assert_eq!(secs(&["private=\"a, max-age=99\", max-age=5"]), Some(5));
        assert_eq!(secs(&["ext=\"x\\\", max-age=99\", max-age=5"]), Some(5));
    }

    #[test]
    fn clamping_keeps_the_age_within_the_range() {
        let (min, max) = (Duration::from_secs(300), Duration::from_secs(86_400));
        let clamp = |s: Option<u64>| clamp_max_age(s.map(Duration::from_secs), min, max).as_secs();
        assert_eq!(clamp(None), 300);
        assert_eq!(clamp(Some(0)), 300);
        assert_eq!(clamp(Some(299)), 300);
        assert_eq!(clamp(Some(3600)), 3600);
        assert_eq!(clamp(Some(86_401)), 86_400);
        assert_eq!(clamp(Some(1 << 31)), 86_400);
        assert_eq!(clamp_max_age(None, max, min), min);
    }
}
