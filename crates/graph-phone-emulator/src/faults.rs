//! Injected faults: a typed plan for tests and a compact language for `--faults`.
//!
//! A [`FaultPlan`] is a seed and an ordered list of [`FaultRule`]s. For each request the rules
//! that match its method and route are visited in order: every firing `latency` rule adds its
//! delay, and the first firing rule of any other kind decides the fault (later rules are not
//! visited, so their counters are not consumed). See the crate README for the language.

use std::fmt;
use std::time::Duration;

use crate::Error;

/// A seed and ordered rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// Seed of the RNG used by probabilistic rules; the same seed gives the same faults for
    /// the same sequence of requests.
    pub seed: u64,
    /// Rules, visited in order.
    pub rules: Vec<FaultRule>,
}

/// One fault rule: which requests, what happens, how often.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// HTTP method in upper case, or `None` for any.
    pub method: Option<String>,
    /// Route under `authentication/` with `{id}` placeholders (`phoneMethods`,
    /// `phoneMethods/{id}`, `phoneMethods/{id}/enableSmsSignIn`, `methods/{id}`, ...), `*` for
    /// any, or a prefix ending in `*` (`phoneMethods*`). Compared case-insensitively.
    /// `$batch` names the JSON batch request itself, which only that exact name matches
    /// (`*` and prefixes do not); a batch's items are matched by their own method and route.
    pub route: String,
    /// What happens.
    pub kind: FaultKind,
    /// How often.
    pub trigger: Trigger,
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// 429 `TooManyRequests`, before anything is applied.
    TooManyRequests {
        /// The `Retry-After` header, if any.
        retry_after: Option<RetryAfter>,
    },
    /// 503 `serviceNotAvailable`, before anything is applied.
    ServiceUnavailable {
        /// The `Retry-After` header, if any.
        retry_after: Option<RetryAfter>,
    },
    /// The request is processed (a write is applied), then 504 `gatewayTimeout` is answered.
    GatewayTimeoutAfterApply,
    /// The response is delayed; the request is then handled normally.
    Latency(Duration),
    /// The TCP connection is closed without a response; nothing is applied.
    DropBeforeApply,
    /// The request is processed (a write is applied), then the TCP connection is closed
    /// without a response.
    DropAfterApply,
    /// The request is processed, then the response body is replaced by truncated JSON (a 204
    /// becomes a 200 so that it can carry the broken body).
    MalformedJson,
    /// The long-running operation this request starts (`POST methods/{id}/resetPassword`)
    /// ends `failed`, with a `statusDetail`, instead of `succeeded`. The request itself is
    /// answered normally (202). Only requests that start an operation match a rule of this
    /// kind.
    OperationFails,
    /// The long-running operation this request starts stays `running` at every poll and
    /// never reaches a terminal status. Only requests that start an operation match a rule
    /// of this kind.
    OperationStaysRunning,
}

impl FaultKind {
    /// The name used by the fault language and the request log.
    pub fn name(&self) -> &'static str {
        match self {
            Self::TooManyRequests { .. } => "429",
            Self::ServiceUnavailable { .. } => "503",
            Self::GatewayTimeoutAfterApply => "504-after",
            Self::Latency(_) => "latency",
            Self::DropBeforeApply => "drop-before",
            Self::DropAfterApply => "drop-after",
            Self::MalformedJson => "malformed",
            Self::OperationFails => "operation-fails",
            Self::OperationStaysRunning => "operation-stays-running",
        }
    }

    /// Whether the kind decides the fate of a long-running operation (and so applies only to
    /// the requests that start one).
    pub fn is_operation_fate(&self) -> bool {
        matches!(self, Self::OperationFails | Self::OperationStaysRunning)
    }
}

/// Whether `route` (a [`FaultRule::route`]-style route key) starts a long-running operation.
pub(crate) fn starts_operation(route: &str) -> bool {
    route.to_ascii_lowercase().ends_with("/resetpassword")
}

/// A `Retry-After` value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RetryAfter {
    /// Delta seconds, written as given (`0.25`, `2`, `2.128`).
    Seconds(f64),
    /// An HTTP date this long after the response is built (whole seconds, rounded up).
    HttpDate(Duration),
}

impl RetryAfter {
    pub(crate) fn header_value(&self) -> String {
        match self {
            Self::Seconds(s) => format!("{s}"),
            Self::HttpDate(after) => {
                // Saturating all the way: a plan built in code can hold any duration, and a
                // request must never panic on it (the parser allows at most a day).
                let secs = after
                    .as_secs()
                    .saturating_add(u64::from(after.subsec_nanos() > 0));
                let secs = jiff::SignedDuration::from_secs(i64::try_from(secs).unwrap_or(i64::MAX));
                let at = jiff::Timestamp::now()
                    .checked_add(secs)
                    .unwrap_or(jiff::Timestamp::MAX);
                jiff::fmt::rfc2822::DateTimePrinter::new()
                    .timestamp_to_rfc9110_string(&at)
                    .unwrap_or_default()
            }
        }
    }
}

/// How often a rule fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// Every matching request.
    Always,
    /// The next `n` matching requests (scripted); the count goes down as it fires.
    Times(u32),
    /// Each matching request with this probability, drawn from the plan's seeded RNG.
    Probability(f64),
}

impl FaultRule {
    /// A rule firing on every request to `method` (`*` for any) and `route`.
    pub fn new(method: &str, route: &str, kind: FaultKind) -> Self {
        Self {
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            route: route.to_string(),
            kind,
            trigger: Trigger::Always,
        }
    }

    /// Fires for the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.trigger = Trigger::Times(n);
        self
    }

    /// Fires with probability `p` (seeded).
    pub fn probability(mut self, p: f64) -> Self {
        self.trigger = Trigger::Probability(p);
        self
    }

    fn matches(&self, method: &str, route: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        // `$batch` itself is matched by name only, so that `*` rules meant for single
        // requests (and a batch's items) do not also hit the batch.
        let route_ok = match self.route.strip_suffix('*') {
            _ if route == crate::batch::ROUTE => self.route == crate::batch::ROUTE,
            Some(prefix) => route
                .to_ascii_lowercase()
                .starts_with(&prefix.to_ascii_lowercase()),
            None => self.route.eq_ignore_ascii_case(route),
        };
        method_ok && route_ok
    }
}

impl FaultPlan {
    /// An empty plan with a seed.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            rules: Vec::new(),
        }
    }

    /// Adds a rule at the end.
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Parses the fault language (see the README), e.g.
    /// `seed=7; POST phoneMethods 429 retry-after=0.25 times=2; GET * 503 p=0.1`.
    ///
    /// Every parameter is checked against its range ([`MAX_RETRY_AFTER_SECONDS`],
    /// [`MAX_LATENCY_MS`], `times` from 1, `p` from 0 to 1); a value outside it, a parameter
    /// given twice or two that contradict each other is an [`Error::FaultSpec`] naming the rule
    /// and the allowed range.
    pub fn parse(spec: &str) -> Result<Self, Error> {
        let mut plan = FaultPlan::default();
        for item in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let err = |message: &str| Error::FaultSpec {
                rule: item.to_string(),
                message: message.to_string(),
            };
            if let Some(seed) = item.strip_prefix("seed=") {
                plan.seed = seed.trim().parse().map_err(|_| {
                    err("seed must be a whole number from 0 to 18446744073709551615")
                })?;
                continue;
            }
            let mut words = item.split_whitespace();
            let (Some(method), Some(route), Some(kind)) =
                (words.next(), words.next(), words.next())
            else {
                return Err(err("expected `METHOD ROUTE KIND [PARAM=VALUE...]`"));
            };
            if !matches!(method, "*" | "GET" | "POST" | "PATCH" | "DELETE" | "PUT") {
                return Err(err("METHOD must be GET, POST, PATCH, DELETE, PUT or *"));
            }
            let mut retry_after = None;
            let mut latency = None;
            let mut trigger = None;
            let mut seen: Vec<&str> = Vec::new();
            for param in words {
                let (key, value) = param
                    .split_once('=')
                    .ok_or_else(|| err("parameters are written KEY=VALUE"))?;
                if seen.contains(&key) {
                    return Err(err(&format!("parameter `{key}` is given twice")));
                }
                seen.push(key);
                match key {
                    "retry-after" | "retry-after-date" => {
                        if retry_after.is_some() {
                            return Err(err(
                                "give either retry-after or retry-after-date, not both",
                            ));
                        }
                        let seconds = parse_seconds(value).map_err(|m| err(&m))?;
                        retry_after = Some(if key == "retry-after" {
                            RetryAfter::Seconds(seconds)
                        } else {
                            RetryAfter::HttpDate(Duration::from_secs_f64(seconds))
                        });
                    }
                    "ms" => {
                        let ms = value
                            .parse::<u64>()
                            .ok()
                            .filter(|ms| *ms <= MAX_LATENCY_MS)
                            .ok_or_else(|| {
                                err(&format!(
                                    "ms must be a whole number of milliseconds from 0 to {MAX_LATENCY_MS}"
                                ))
                            })?;
                        latency = Some(Duration::from_millis(ms));
                    }
                    "times" | "p" => {
                        if trigger.is_some() {
                            return Err(err("give either times or p, not both"));
                        }
                        trigger = Some(if key == "times" {
                            Trigger::Times(value.parse().ok().filter(|n| *n >= 1).ok_or_else(
                                || {
                                    err(&format!(
                                        "times must be a whole number from 1 to {}",
                                        u32::MAX
                                    ))
                                },
                            )?)
                        } else {
                            Trigger::Probability(
                                value
                                    .parse::<f64>()
                                    .ok()
                                    .filter(|p| (0.0..=1.0).contains(p) && !p.is_sign_negative())
                                    .ok_or_else(|| err("p must be a number from 0 to 1"))?,
                            )
                        });
                    }
                    _ => return Err(err(&format!("unknown parameter `{key}`"))),
                }
            }
            let retry_ok = matches!(kind, "429" | "503");
            if retry_after.is_some() && !retry_ok {
                return Err(err("retry-after only applies to 429 and 503"));
            }
            if latency.is_some() != (kind == "latency") {
                return Err(err("latency needs ms=N, and ms=N only applies to latency"));
            }
            let kind = match kind {
                "429" => FaultKind::TooManyRequests { retry_after },
                "503" => FaultKind::ServiceUnavailable { retry_after },
                "504-after" => FaultKind::GatewayTimeoutAfterApply,
                "latency" => FaultKind::Latency(latency.unwrap_or_default()),
                "drop-before" => FaultKind::DropBeforeApply,
                "drop-after" => FaultKind::DropAfterApply,
                "malformed" => FaultKind::MalformedJson,
                "operation-fails" => FaultKind::OperationFails,
                "operation-stays-running" => FaultKind::OperationStaysRunning,
                _ => {
                    return Err(err(
                        "KIND must be 429, 503, 504-after, latency, drop-before, drop-after, malformed, operation-fails or operation-stays-running",
                    ));
                }
            };
            let mut rule = FaultRule::new(method, route, kind);
            rule.trigger = trigger.unwrap_or(Trigger::Always);
            plan.rules.push(rule);
        }
        Ok(plan)
    }
}

/// The largest `retry-after` and `retry-after-date` the fault language accepts, in seconds
/// (one day).
pub const MAX_RETRY_AFTER_SECONDS: f64 = 86_400.0;

/// The largest `ms` of a `latency` rule the fault language accepts (ten minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// A `retry-after`/`retry-after-date` value: a plain decimal number of seconds from 0 to
/// [`MAX_RETRY_AFTER_SECONDS`] (no sign, exponent, `inf` or `NaN`).
fn parse_seconds(value: &str) -> Result<f64, String> {
    let range = || {
        format!(
            "seconds must be a decimal number from 0 to {MAX_RETRY_AFTER_SECONDS} (e.g. 0.25 or 2)"
        )
    };
    let plain = !value.is_empty()
        && value.bytes().filter(|b| *b == b'.').count() <= 1
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return Err(range());
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|s| (0.0..=MAX_RETRY_AFTER_SECONDS).contains(s))
        .ok_or_else(range)
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.method.as_deref().unwrap_or("*"),
            self.route,
            self.kind.name()
        )?;
        match &self.kind {
            FaultKind::TooManyRequests { retry_after }
            | FaultKind::ServiceUnavailable { retry_after } => match retry_after {
                Some(RetryAfter::Seconds(s)) => write!(f, " retry-after={s}")?,
                Some(RetryAfter::HttpDate(d)) => {
                    write!(f, " retry-after-date={}", d.as_secs_f64())?
                }
                None => {}
            },
            FaultKind::Latency(d) => write!(f, " ms={}", d.as_millis())?,
            _ => {}
        }
        match self.trigger {
            Trigger::Always => Ok(()),
            Trigger::Times(n) => write!(f, " times={n}"),
            Trigger::Probability(p) => write!(f, " p={p}"),
        }
    }
}

/// What the fault engine decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub fault: Option<FaultKind>,
}

/// The live plan: rules with their remaining counts and the RNG.
#[derive(Debug)]
pub(crate) struct FaultState {
    pub plan: FaultPlan,
    rng: fastrand::Rng,
}

impl FaultState {
    pub fn new(plan: FaultPlan) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(plan.seed),
            plan,
        }
    }

    pub fn decide(&mut self, method: &str, route: &str) -> Decision {
        let mut decision = Decision::default();
        for rule in &mut self.plan.rules {
            if !rule.matches(method, route)
                || (rule.kind.is_operation_fate() && !starts_operation(route))
            {
                continue;
            }
            let fires = match &mut rule.trigger {
                Trigger::Always => true,
                Trigger::Times(0) => false,
                Trigger::Times(n) => {
                    *n -= 1;
                    true
                }
                Trigger::Probability(p) => self.rng.f64() < *p,
            };
            if !fires {
                continue;
            }
            match &rule.kind {
                FaultKind::Latency(d) => decision.latency = decision.latency.saturating_add(*d),
                other => {
                    decision.fault = Some(other.clone());
                    break;
                }
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_language() {
        let spec = "seed=7; POST phoneMethods 429 retry-after=0.25 times=2; GET * 503 p=0.5; \
                    * phoneMethods* latency ms=20; DELETE phoneMethods/{id} 504-after; \
                    PATCH phoneMethods/{id} drop-before times=1; POST * drop-after; GET methods malformed; \
                    GET methods 503 retry-after-date=2; POST methods/{id}/resetPassword operation-fails times=1; \
                    POST * operation-stays-running";
        let plan = FaultPlan::parse(spec).unwrap();
        assert_eq!(plan.seed, 7);
        let printed: Vec<String> = plan.rules.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            printed,
            [
                "POST phoneMethods 429 retry-after=0.25 times=2",
                "GET * 503 p=0.5",
                "* phoneMethods* latency ms=20",
                "DELETE phoneMethods/{id} 504-after",
                "PATCH phoneMethods/{id} drop-before times=1",
                "POST * drop-after",
                "GET methods malformed",
                "GET methods 503 retry-after-date=2",
                "POST methods/{id}/resetPassword operation-fails times=1",
                "POST * operation-stays-running",
            ]
        );
    }

    #[test]
    fn operation_fates_match_only_requests_that_start_an_operation() {
        let plan = FaultPlan::parse("* * operation-fails times=1; POST * 429").unwrap();
        let mut state = FaultState::new(plan);
        let fault = |s: &mut FaultState, m: &str, r: &str| s.decide(m, r).fault.map(|f| f.name());
        // Not consumed by a request that starts nothing: the next rule decides.
        assert_eq!(fault(&mut state, "POST", "phoneMethods"), Some("429"));
        assert_eq!(fault(&mut state, "GET", "operations/{id}"), None);
        assert_eq!(
            fault(&mut state, "POST", "methods/{id}/resetPassword"),
            Some("operation-fails")
        );
        assert_eq!(
            fault(&mut state, "POST", "methods/{id}/resetPassword"),
            Some("429"),
            "times=1 used up"
        );
        assert!(FaultPlan::parse("POST * operation-fails retry-after=1").is_err());
    }

    #[test]
    fn only_the_name_batch_matches_the_batch() {
        let plan =
            FaultPlan::parse("POST $batch 503 times=1; * * 429; POST phoneMethods* 504-after")
                .unwrap();
        assert_eq!(plan.rules[0].to_string(), "POST $batch 503 times=1");
        let mut state = FaultState::new(plan);
        let fault = |s: &mut FaultState, m: &str, r: &str| s.decide(m, r).fault.map(|f| f.name());
        assert_eq!(fault(&mut state, "POST", "$batch"), Some("503"));
        // Used up: neither `*` nor the prefix rule reaches the batch.
        assert_eq!(fault(&mut state, "POST", "$batch"), None);
        assert_eq!(fault(&mut state, "POST", "phoneMethods"), Some("429"));
    }

    #[test]
    fn rejects_bad_rules() {
        for bad in [
            "POST phoneMethods",
            "FETCH phoneMethods 429",
            "POST phoneMethods 418",
            "POST phoneMethods 429 retry-after=-1",
            "POST phoneMethods 429 p=2",
            "POST phoneMethods latency",
            "POST phoneMethods 504-after retry-after=1",
            "POST phoneMethods 429 times=x",
            "seed=abc",
            "POST phoneMethods 429 colour=red",
        ] {
            assert!(FaultPlan::parse(bad).is_err(), "{bad}");
        }
    }

    /// Each out-of-range or contradictory parameter is refused with a message naming the
    /// parameter and its range, not accepted, clamped or panicking.
    #[test]
    fn out_of_range_parameters_name_the_rule_and_the_range() {
        for (bad, says) in [
            ("GET * 429 retry-after-date=1e300", "from 0 to 86400"),
            (
                "GET * 429 retry-after-date=1000000000000",
                "from 0 to 86400",
            ),
            ("GET * 503 retry-after-date=86400.5", "from 0 to 86400"),
            ("GET * 429 retry-after=1e300", "from 0 to 86400"),
            ("GET * 429 retry-after=-0", "from 0 to 86400"),
            ("GET * 429 retry-after=-1", "from 0 to 86400"),
            ("GET * 429 retry-after=NaN", "from 0 to 86400"),
            ("GET * 429 retry-after=inf", "from 0 to 86400"),
            ("GET * 429 retry-after=infinity", "from 0 to 86400"),
            ("GET * 429 retry-after=", "from 0 to 86400"),
            ("GET * 429 retry-after=.", "from 0 to 86400"),
            ("GET * 429 retry-after=1.2.3", "from 0 to 86400"),
            ("GET * 429 retry-after=+1", "from 0 to 86400"),
            ("GET * latency ms=600001", "from 0 to 600000"),
            ("GET * latency ms=18446744073709551615", "from 0 to 600000"),
            (
                "GET * latency ms=99999999999999999999999",
                "from 0 to 600000",
            ),
            ("GET * latency ms=-5", "from 0 to 600000"),
            ("GET * latency ms=1.5", "from 0 to 600000"),
            ("GET * 503 times=0", "from 1 to 4294967295"),
            ("GET * 503 times=4294967296", "from 1 to 4294967295"),
            ("GET * 503 times=-1", "from 1 to 4294967295"),
            ("GET * 503 p=1.0001", "from 0 to 1"),
            ("GET * 503 p=-0.1", "from 0 to 1"),
            ("GET * 503 p=-0", "from 0 to 1"),
            ("GET * 503 p=NaN", "from 0 to 1"),
            ("GET * 503 p=inf", "from 0 to 1"),
            ("GET * 503 times=2 times=3", "given twice"),
            ("GET * 503 times=2 p=0.5", "not both"),
            ("GET * 503 retry-after=1 retry-after-date=1", "not both"),
            ("seed=-1", "from 0 to 18446744073709551615"),
            (
                "seed=18446744073709551616",
                "from 0 to 18446744073709551615",
            ),
        ] {
            let message = match FaultPlan::parse(bad) {
                Ok(plan) => panic!("`{bad}` was accepted as {plan:?}"),
                Err(e) => e.to_string(),
            };
            let rule = bad.split(' ').take(3).collect::<Vec<_>>().join(" ");
            assert!(message.contains(says), "`{bad}`: {message}");
            assert!(message.contains(&rule), "`{bad}` not named: {message}");
        }
    }

    #[test]
    fn boundary_values_are_accepted() {
        let plan = FaultPlan::parse(
            "seed=18446744073709551615; GET * 429 retry-after-date=86400; GET * 503 retry-after=0; \
             GET * latency ms=600000; GET * 503 times=4294967295; GET * 503 p=0; GET * 503 p=1",
        )
        .unwrap();
        assert_eq!(plan.rules.len(), 6);
        let mut state = FaultState::new(plan);
        // Applying every rule (and building its Retry-After) does not panic.
        for _ in 0..3 {
            let d = state.decide("GET", "methods");
            if let Some(
                FaultKind::TooManyRequests {
                    retry_after: Some(r),
                }
                | FaultKind::ServiceUnavailable {
                    retry_after: Some(r),
                },
            ) = d.fault
            {
                assert!(!r.header_value().is_empty());
            }
        }
    }

    /// Plans built in code skip the parser: applying them must not panic either.
    #[test]
    fn extreme_plans_built_in_code_apply_without_panicking() {
        let mut state = FaultState::new(
            FaultPlan::seeded(1)
                .rule(FaultRule::new("*", "*", FaultKind::Latency(Duration::MAX)))
                .rule(FaultRule::new("*", "*", FaultKind::Latency(Duration::MAX)))
                .rule(
                    FaultRule::new("*", "*", FaultKind::GatewayTimeoutAfterApply)
                        .probability(f64::NAN),
                ),
        );
        assert_eq!(state.decide("GET", "methods").latency, Duration::MAX);
        for r in [
            RetryAfter::HttpDate(Duration::MAX),
            RetryAfter::Seconds(f64::NAN),
            RetryAfter::Seconds(1e300),
        ] {
            let _ = r.header_value();
        }
        // A date past the year 9999 is written as the latest date jiff can print.
        assert!(
            RetryAfter::HttpDate(Duration::MAX)
                .header_value()
                .contains("9999")
        );
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        /// Words of the language with numbers in and out of every range.
        fn rule_text() -> impl Strategy<Value = String> {
            let method = prop::sample::select(vec!["GET", "POST", "*", "PATCH", "get", ""]);
            let route =
                prop::sample::select(vec!["*", "phoneMethods", "phoneMethods*", "methods/{id}"]);
            let kind = prop::sample::select(vec![
                "429",
                "503",
                "504-after",
                "latency",
                "drop-before",
                "drop-after",
                "malformed",
                "418",
            ]);
            let number = prop_oneof![
                any::<f64>().prop_map(|f| f.to_string()),
                any::<u64>().prop_map(|n| n.to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                (0u32..100_000).prop_map(|n| format!("{}.{}", n, n % 97)),
                prop::sample::select(vec!["NaN", "inf", "-inf", "1e300", "", ".", "1e-300", "-0"])
                    .prop_map(str::to_string),
            ];
            let key = prop::sample::select(vec![
                "retry-after",
                "retry-after-date",
                "ms",
                "times",
                "p",
                "seed",
                "x",
            ]);
            let params = prop::collection::vec((key, number), 0..4);
            (method, route, kind, params).prop_map(|(m, r, k, ps)| {
                let mut s = format!("{m} {r} {k}");
                for (key, value) in ps {
                    s.push_str(&format!(" {key}={value}"));
                }
                s
            })
        }

        fn apply(plan: FaultPlan) {
            let rules = plan.rules.clone();
            let mut state = FaultState::new(plan);
            for rule in &rules {
                if let FaultKind::TooManyRequests {
                    retry_after: Some(r),
                }
                | FaultKind::ServiceUnavailable {
                    retry_after: Some(r),
                } = &rule.kind
                {
                    let _ = r.header_value();
                }
                let _ = rule.to_string();
            }
            for method in ["GET", "POST"] {
                let _ = state.decide(method, "phoneMethods");
            }
        }

        proptest! {
            #[test]
            fn parse_never_panics_on_any_text(spec in ".{0,120}") {
                if let Ok(plan) = FaultPlan::parse(&spec) {
                    apply(plan);
                }
            }

            #[test]
            fn an_accepted_plan_applies_without_panicking(
                rules in prop::collection::vec(rule_text(), 1..4),
                seed in any::<u64>(),
            ) {
                let spec = format!("seed={seed}; {}", rules.join("; "));
                if let Ok(plan) = FaultPlan::parse(&spec) {
                    for rule in &plan.rules {
                        if let FaultKind::TooManyRequests { retry_after: Some(r) }
                        | FaultKind::ServiceUnavailable { retry_after: Some(r) } = &rule.kind
                        {
                            let secs = match r {
                                RetryAfter::Seconds(s) => *s,
                                RetryAfter::HttpDate(d) => d.as_secs_f64(),
                            };
                            prop_assert!((0.0..=MAX_RETRY_AFTER_SECONDS).contains(&secs));
                        }
                        if let FaultKind::Latency(d) = rule.kind {
                            prop_assert!(d <= Duration::from_millis(MAX_LATENCY_MS));
                        }
                        if let Trigger::Times(n) = rule.trigger {
                            prop_assert!(n >= 1);
                        }
                        if let Trigger::Probability(p) = rule.trigger {
                            prop_assert!((0.0..=1.0).contains(&p));
                        }
                    }
                    apply(plan);
                }
            }
        }
    }

    #[test]
    fn scripted_counts_down_and_latency_accumulates() {
        let plan = FaultPlan::parse("* * latency ms=5; POST phoneMethods 429 times=2").unwrap();
        let mut state = FaultState::new(plan);
        for _ in 0..2 {
            let d = state.decide("POST", "phoneMethods");
            assert_eq!(d.latency, Duration::from_millis(5));
            assert_eq!(d.fault.unwrap().name(), "429");
        }
        assert!(state.decide("POST", "phoneMethods").fault.is_none());
        assert!(state.decide("GET", "phoneMethods").fault.is_none());
    }

    #[test]
    fn probability_is_deterministic_for_a_seed() {
        let run = |seed| {
            let mut s = FaultState::new(
                FaultPlan::parse(&format!("seed={seed}; GET * 503 p=0.5")).unwrap(),
            );
            (0..64)
                .map(|_| s.decide("GET", "methods").fault.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        let fired = run(1).iter().filter(|f| **f).count();
        assert!((16..=48).contains(&fired), "{fired}");
    }
}
