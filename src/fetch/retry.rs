//! When to try again, and how long to wait first.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Exponential backoff with jitter: `base × 2^retry`, scaled by a random factor in
/// [0.5, 1.5) so that many sources failing together do not retry in lockstep.
pub(crate) fn backoff(base: Duration, retry: u32) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(retry.min(16)));
    exp.mul_f64(rand::thread_rng().gen_range(0.5..1.5))
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
/// A date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `30 s`, `0.5 s`: durations as an operator reads them.
pub(crate) fn fmt_secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `16 MiB`, `512 KiB`, `1000 bytes`.
pub(crate) fn fmt_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter() {
        let base = Duration::from_millis(100);
        for retry in 0..4 {
            let d = backoff(base, retry);
            let nominal = 100.0 * f64::from(2u32.pow(retry));
            let ms = d.as_secs_f64() * 1000.0;
            assert!(ms >= nominal * 0.5 && ms < nominal * 1.5, "{retry}: {ms}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_secs(Duration::from_secs(30)), "30 s");
        assert_eq!(fmt_secs(Duration::from_millis(500)), "0.5 s");
        assert_eq!(fmt_bytes(16 * 1024 * 1024), "16 MiB");
        assert_eq!(fmt_bytes(2048), "2 KiB");
        assert_eq!(fmt_bytes(1000), "1000 bytes");
    }
}
