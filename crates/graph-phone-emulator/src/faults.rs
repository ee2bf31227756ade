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
        }
    }
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
                let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
                let at = jiff::Timestamp::now()
                    + jiff::SignedDuration::from_secs(i64::try_from(secs).unwrap_or(i64::MAX / 2));
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
        let route_ok = match self.route.strip_suffix('*') {
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
    pub fn parse(spec: &str) -> Result<Self, Error> {
        let mut plan = FaultPlan::default();
        for item in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let err = |message: &str| Error::FaultSpec {
                rule: item.to_string(),
                message: message.to_string(),
            };
            if let Some(seed) = item.strip_prefix("seed=") {
                plan.seed = seed
                    .trim()
                    .parse()
                    .map_err(|_| err("seed must be an integer"))?;
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
            let mut trigger = Trigger::Always;
            for param in words {
                let (key, value) = param
                    .split_once('=')
                    .ok_or_else(|| err("parameters are written KEY=VALUE"))?;
                let seconds = || -> Result<f64, Error> {
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .ok_or_else(|| err("seconds must be a non-negative number"))
                };
                match key {
                    "retry-after" => retry_after = Some(RetryAfter::Seconds(seconds()?)),
                    "retry-after-date" => {
                        retry_after =
                            Some(RetryAfter::HttpDate(Duration::from_secs_f64(seconds()?)))
                    }
                    "ms" => {
                        latency = Some(Duration::from_millis(
                            value.parse().map_err(|_| err("ms must be an integer"))?,
                        ))
                    }
                    "times" => {
                        trigger = Trigger::Times(
                            value.parse().map_err(|_| err("times must be an integer"))?,
                        )
                    }
                    "p" => {
                        let p = value
                            .parse::<f64>()
                            .ok()
                            .filter(|p| (0.0..=1.0).contains(p))
                            .ok_or_else(|| err("p must be between 0 and 1"))?;
                        trigger = Trigger::Probability(p);
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
                _ => {
                    return Err(err(
                        "KIND must be 429, 503, 504-after, latency, drop-before, drop-after or malformed",
                    ));
                }
            };
            let mut rule = FaultRule::new(method, route, kind);
            rule.trigger = trigger;
            plan.rules.push(rule);
        }
        Ok(plan)
    }
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
            if !rule.matches(method, route) {
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
                FaultKind::Latency(d) => decision.latency += *d,
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
                    GET methods 503 retry-after-date=2";
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
            ]
        );
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
