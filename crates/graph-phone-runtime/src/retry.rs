//! Retry policy, timeouts and `Retry-After` parsing.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// When and how long to retry. Every field is public and documented with its default.
///
/// Retried: 429, 503, 504 and transport failures, subject to the operation's
/// [`crate::Idempotency`]. The wait is the server's `Retry-After` when present (seconds,
/// fractional allowed, or an HTTP date), otherwise exponential backoff with full jitter:
/// a uniformly random duration in `[0, min(max_backoff, initial_backoff * 2^(retry-1))]`.
///
/// The runtime stops retrying, and returns the last answer, when `max_attempts` is
/// reached, when the server asks for a wait longer than `max_retry_after`, or when the
/// wait would end after the overall deadline ([`Timeouts::overall`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Maximum number of attempts including the first. Default 4 (one try and three
    /// retries, as the Microsoft Graph SDKs' retry handler). `1` disables retries.
    pub max_attempts: u32,
    /// Backoff base for the first retry when the server gave no `Retry-After`.
    /// Default 1 s.
    pub initial_backoff: Duration,
    /// Upper bound of the backoff window. Default 30 s.
    pub max_backoff: Duration,
    /// Longest server-requested wait that is honoured; a longer `Retry-After` ends the
    /// retries at once (the caller gets [`crate::Error::ThrottledOutOfRetries`] and can
    /// decide). Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn no_retries() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The full-jitter backoff before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let window = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let nanos = window.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Connect, per-attempt and overall time limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a TCP/TLS connection. Default 10 s. Applied to the `reqwest::Client`
    /// the runtime builds (a client passed in keeps its own setting).
    pub connect: Duration,
    /// One attempt, from sending until the response body has been read. Default 30 s.
    pub per_attempt: Duration,
    /// One logical call including every retry and wait. Default 120 s. Each attempt's
    /// limit is cut to what is left of this budget.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            per_attempt: Duration::from_secs(30),
            overall: Duration::from_secs(120),
        }
    }
}

/// Statuses the runtime may retry: 429, 503, 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503 | 504)
}

/// Parses a `Retry-After` header into a wait, measured from `now`.
///
/// Accepted forms:
/// - delay-seconds, including fractions: `2`, `2.128` (2.128 s, not 2 s), `0.249`;
/// - an HTTP date in each form RFC 9110 section 5.6.7 asks a recipient to accept:
///   IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
///   (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`), plus
///   `UTC` in place of `GMT` (`Wed, 21 Oct 2015 07:28:00 UTC`, what Go's `time.RFC1123`
///   prints on a UTC host): the time until then, zero if past;
/// - a comma-separated list such as `30,120`: two `Retry-After` headers merged into one
///   by a proxy (RFC 9110 section 5.3), or a decimal comma; the two cannot be told apart,
///   so the runtime honours the **largest** value it can parse (120 s here). Waiting too
///   long costs time; waiting too short meets another 429 and extends the throttling.
///   [`RetryPolicy::max_retry_after`] still bounds the wait. Dates in a list keep their
///   own comma (`Wed, 21 Oct 2015 07:28:00 GMT, 30`).
///
/// Several `Retry-After` headers are treated like one comma-separated list. Anything
/// unparsable, negative or non-finite is ignored (`None`) and the caller falls back to
/// backoff.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    for value in headers.get_all(RETRY_AFTER) {
        let Ok(text) = value.to_str() else { continue };
        for part in list_members(text) {
            if let Some(d) = parse_one(&part, now) {
                best = Some(best.map_or(d, |b| b.max(d)));
            }
        }
    }
    best
}

/// Splits a header value at its commas, except the comma after the weekday of an
/// IMF-fixdate or RFC 850 date (`Sun, ...`, `Sunday, ...`).
fn list_members(text: &str) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    let mut joining = false;
    for part in text.split(',') {
        if joining && let Some(last) = members.last_mut() {
            last.push(',');
            last.push_str(part);
            joining = false;
            continue;
        }
        joining = is_weekday(part.trim());
        members.push(part.to_owned());
    }
    members
}

fn is_weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let lower = word.to_ascii_lowercase();
    DAYS.iter()
        .any(|day| lower == *day || (lower.len() == 3 && day.starts_with(lower.as_str())))
}

fn parse_one(text: &str, now: SystemTime) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = text.parse().ok()?;
        if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
            return None;
        }
        return Some(Duration::from_secs_f64(secs));
    }
    let at = match httpdate::parse_http_date(text) {
        Ok(at) => at,
        Err(_) => {
            // `UTC` is `GMT` (RFC 9110 asks for GMT; some servers print UTC).
            let stem = text
                .strip_suffix("UTC")
                .or_else(|| text.strip_suffix("utc"))?;
            httpdate::parse_http_date(&format!("{stem}GMT")).ok()?
        }
    };
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let cases: &[(&[&str], Option<Duration>)] = &[
            (&["2"], Some(Duration::from_secs(2))),
            (&["2.128"], Some(Duration::from_millis(2128))),
            (&["0.249"], Some(Duration::from_millis(249))),
            (&[" 7 "], Some(Duration::from_secs(7))),
            (&["31,120"], Some(Duration::from_secs(120))),
            (&["31", "120"], Some(Duration::from_secs(120))),
            (&["5, junk"], Some(Duration::from_secs(5))),
            (
                &["Sun, 06 Nov 1994 08:50:07 GMT"],
                Some(Duration::from_secs(30)),
            ),
            (&["Sun, 06 Nov 1994 08:00:00 GMT"], Some(Duration::ZERO)),
            // The three forms of RFC 9110 section 5.6.7, and `UTC` for `GMT`.
            (
                &["Sunday, 06-Nov-94 08:50:07 GMT"],
                Some(Duration::from_secs(30)),
            ),
            (&["Sun Nov  6 08:50:07 1994"], Some(Duration::from_secs(30))),
            (
                &["Sun, 06 Nov 1994 08:50:07 UTC"],
                Some(Duration::from_secs(30)),
            ),
            // Merged lists: the largest member, dates keeping their own comma.
            (&["30,120"], Some(Duration::from_secs(120))),
            (&["120, 30"], Some(Duration::from_secs(120))),
            (
                &["Sun, 06 Nov 1994 08:50:07 GMT, 10"],
                Some(Duration::from_secs(30)),
            ),
            (
                &["5, Sunday, 06-Nov-94 08:50:07 GMT"],
                Some(Duration::from_secs(30)),
            ),
            (&["-1"], None),
            (&["1.2.3"], None),
            (&["soon"], None),
            (&[""], None),
            (&[], None),
        ];
        for (values, expected) in cases {
            assert_eq!(
                parse_retry_after(&headers(values), now),
                *expected,
                "{values:?}"
            );
        }
    }

    /// The date forms Microsoft's own retry handler tests send: kiota-http-go
    /// `retry_handler_test.go` (`TestItHonoursRetryAfterDate`) formats the header with Go's
    /// `time.RFC1123`, which prints the zone name (`UTC` on a UTC host); kiota-http-dotnet
    /// `RetryHandlerTests.cs` (`ShouldRetryBasedOnRetryAfterHeaderWithHttpDate`) uses .NET's
    /// `RFC1123Pattern`, which prints `GMT`. Both are a few seconds ahead of now.
    #[test]
    fn retry_after_dates_of_microsofts_retry_handler_tests() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:27:56 GMT").unwrap();
        for value in [
            "Wed, 21 Oct 2015 07:28:00 UTC",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(
                parse_retry_after(&headers(&[value]), now),
                Some(Duration::from_secs(4)),
                "{value}"
            );
        }
        // In the past: retry at once.
        let later = now + Duration::from_secs(3600);
        assert_eq!(
            parse_retry_after(&headers(&["Wed, 21 Oct 2015 07:28:00 UTC"]), later),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn documented_defaults() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 4);
        assert_eq!(p.initial_backoff, Duration::from_secs(1));
        assert_eq!(p.max_backoff, Duration::from_secs(30));
        assert_eq!(p.max_retry_after, Duration::from_secs(60));
        let t = Timeouts::default();
        assert_eq!(t.connect, Duration::from_secs(10));
        assert_eq!(t.per_attempt, Duration::from_secs(30));
        assert_eq!(t.overall, Duration::from_secs(120));
        assert_eq!(RetryPolicy::no_retries().max_attempts, 1);
    }

    #[test]
    fn backoff_is_bounded_by_the_window() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(250),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(3) <= Duration::from_millis(250));
            assert!(p.backoff(40) <= Duration::from_millis(250));
        }
    }
}
