//! Graph's throttling, modelled as token buckets: [`Throttle`] (the configuration, with the
//! named profile [`Throttle::identity_and_access`]) and the buckets' state.
//!
//! [Microsoft Graph service-specific throttling limits](https://learn.microsoft.com/graph/throttling-limits)
//! describes the identity and access service's throttling as a token bucket "which works by
//! adding individual costs of requests", compared against limits per application+tenant pair
//! (a resource unit quota by tenant size and a write quota), per application and per tenant.
//! Each [`ThrottleLimit`] here is one such bucket: it holds at most `burst` units, refills at
//! `per_second`, and a request is admitted only when every limit that counts it has the
//! request's cost; then each is debited. A refused request is answered 429 with the wait until
//! every bucket would hold its cost, and by default debits nothing; with
//! [`Throttle::charge_refused`](field@Throttle::charge_refused) it is debited too (down to one
//! burst below empty), the harsher reading of
//! [Microsoft Graph throttling guidance](https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling)
//! ("all requests accrue against your usage limits").

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, Uri};

use crate::error::Error;

/// What a limit is kept per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleScope {
    /// One bucket per application and tenant ("application+tenant pair"). The emulator serves
    /// one tenant and its tokens carry no application id, so each bearer token of the tenant
    /// file counts as its own application.
    TenantApp,
    /// One bucket for the tenant, shared by every application ("tenant").
    Tenant,
}

/// Which requests a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counted {
    /// Every request, by its resource unit cost (the "resource unit quota").
    AllRequests,
    /// Writes only (POST, PATCH, PUT, DELETE), one unit each (the "write quota").
    Writes,
}

/// A token bucket's size and refill rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// Units added per second.
    pub per_second: f64,
    /// The most units the bucket holds (and holds when first used): the burst admitted at once.
    pub burst: f64,
}

impl Bucket {
    /// `units` per `window`, as Graph's tables give limits ("3,500 requests per 10 seconds"):
    /// a bucket of `units` refilled at `units / window`.
    pub fn per_window(units: f64, window: Duration) -> Self {
        Self {
            per_second: units / window.as_secs_f64(),
            burst: units,
        }
    }
}

/// A limit's bucket: fixed, or by the tenant's size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quota {
    /// The same bucket whatever the tenant.
    Fixed(Bucket),
    /// By the tenant's number of users when the request is evaluated, with the sizes of the
    /// throttling limits page: small under 50 users, medium from 50 to 500, large above 500.
    ByTenantSize {
        /// Under 50 users.
        small: Bucket,
        /// From 50 to 500 users.
        medium: Bucket,
        /// Above 500 users.
        large: Bucket,
    },
}

impl Quota {
    fn bucket(&self, users: usize) -> Bucket {
        match *self {
            Quota::Fixed(b) => b,
            Quota::ByTenantSize { small, .. } if users < 50 => small,
            Quota::ByTenantSize { medium, .. } if users <= 500 => medium,
            Quota::ByTenantSize { large, .. } => large,
        }
    }

    fn buckets(&self) -> Vec<Bucket> {
        match *self {
            Quota::Fixed(b) => vec![b],
            Quota::ByTenantSize {
                small,
                medium,
                large,
            } => vec![small, medium, large],
        }
    }
}

/// One throttling limit: a bucket per [`ThrottleScope`] key, counting [`Counted`] requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThrottleLimit {
    /// What the limit is kept per.
    pub scope: ThrottleScope,
    /// Which requests it counts.
    pub counts: Counted,
    /// Its bucket.
    pub quota: Quota,
}

/// The emulator's throttling model: a set of [`ThrottleLimit`]s, all applied to every
/// authenticated request (single requests and each item of a JSON batch). Off unless given to
/// [`EmulatorBuilder::throttle`](crate::EmulatorBuilder::throttle) (or `--throttle`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Throttle {
    /// The limits; a request must fit in every one that counts it.
    pub limits: Vec<ThrottleLimit>,
    /// Whether a refused request is charged to the limits that count it as if admitted (the
    /// level may fall to one burst below empty, and `Retry-After` then includes the debt).
    /// Off by default: with exact `Retry-After` waits, charging makes concurrent clients that
    /// honour `Retry-After` refuse each other (each wait is computed as if its request were
    /// alone), while the throttling guidance presents waiting `Retry-After` as the fastest way
    /// to recover. `charge-refused` in [`Throttle::parse`].
    pub charge_refused: bool,
}

/// The documented window of the application+tenant pair's resource unit quota.
const RESOURCE_UNIT_WINDOW: Duration = Duration::from_secs(10);

impl Throttle {
    /// One bucket per application and tenant over every request: `per_second` requests per
    /// second, `burst` at once.
    pub fn per_app(per_second: f64, burst: f64) -> Self {
        Self {
            limits: vec![ThrottleLimit {
                scope: ThrottleScope::TenantApp,
                counts: Counted::AllRequests,
                quota: Quota::Fixed(Bucket { per_second, burst }),
            }],
            charge_refused: false,
        }
    }

    /// Charges refused requests too (see
    /// [`Throttle::charge_refused`](field@Throttle::charge_refused)).
    pub fn charging_refused(mut self) -> Self {
        self.charge_refused = true;
        self
    }

    /// Adds a limit.
    pub fn with_limit(mut self, limit: ThrottleLimit) -> Self {
        self.limits.push(limit);
        self
    }

    /// The named profile `identity-and-access`: the limits Graph documents for its identity
    /// and access service
    /// ([Identity and access service limits](https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits)),
    /// as far as one tenant can meet them:
    ///
    /// - application+tenant pair, resource unit quota: 3,500 (small tenant, under 50 users),
    ///   5,000 (medium, 50 to 500) or 8,000 (large, above 500) per 10 seconds;
    /// - application+tenant pair, write quota: 3,000 per 2 minutes and 30 seconds;
    /// - tenant, write quota (every application together): 18,000 per 5 minutes.
    ///
    /// Each is a bucket of that many units refilled evenly over its window. Not modelled: the
    /// per-application limits across tenants (150,000 resource units per 20 seconds, 70,000
    /// writes per 5 minutes) and Graph's global limit, which one tenant cannot reach before
    /// the pair's; throttling under service load; `x-ms-throttle-priority`.
    pub fn identity_and_access() -> Self {
        let pair = |units: f64| Bucket::per_window(units, RESOURCE_UNIT_WINDOW);
        Self {
            limits: vec![
                ThrottleLimit {
                    scope: ThrottleScope::TenantApp,
                    counts: Counted::AllRequests,
                    quota: Quota::ByTenantSize {
                        small: pair(3_500.0),
                        medium: pair(5_000.0),
                        large: pair(8_000.0),
                    },
                },
                ThrottleLimit {
                    scope: ThrottleScope::TenantApp,
                    counts: Counted::Writes,
                    quota: Quota::Fixed(Bucket::per_window(3_000.0, Duration::from_secs(150))),
                },
                ThrottleLimit {
                    scope: ThrottleScope::Tenant,
                    counts: Counted::Writes,
                    quota: Quota::Fixed(Bucket::per_window(18_000.0, Duration::from_secs(300))),
                },
            ],
            charge_refused: false,
        }
    }

    /// Reads a throttle specification (`--throttle`): `identity-and-access` (the named
    /// profile), or limits separated by `;`, each `[app|tenant] [all|writes] rate=R burst=B`
    /// (scope `app` and `all` requests by default; `R` units per second, `B` at once), e.g.
    /// `rate=1000 burst=100` or `rate=1000 burst=100; writes rate=20 burst=3000`; an item
    /// `charge-refused` (with the profile too: `identity-and-access; charge-refused`) sets
    /// [`Throttle::charge_refused`](field@Throttle::charge_refused). An error names the limit
    /// and what is wrong.
    pub fn parse(spec: &str) -> Result<Self, Error> {
        let mut throttle = Throttle::default();
        for item in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            if item.eq_ignore_ascii_case("charge-refused") {
                throttle.charge_refused = true;
                continue;
            }
            if item.eq_ignore_ascii_case(PROFILE_IDENTITY_AND_ACCESS) {
                throttle.limits.extend(Self::identity_and_access().limits);
                continue;
            }
            let err = |message: String| Error::InvalidOption {
                option: "throttle",
                message: format!("in `{item}`: {message}"),
            };
            let (mut scope, mut counts) = (None, None);
            let (mut rate, mut burst) = (None, None);
            for word in item.split_whitespace() {
                let number = |value: &str, name: &str| {
                    value
                        .parse::<f64>()
                        .map_err(|_| err(format!("{name} must be a number, not `{value}`")))
                };
                match word.split_once('=') {
                    Some(("rate", v)) if rate.is_none() => rate = Some(number(v, "rate")?),
                    Some(("burst", v)) if burst.is_none() => burst = Some(number(v, "burst")?),
                    Some(("rate" | "burst", _)) => {
                        return Err(err("rate and burst may be given once each".into()));
                    }
                    None if scope.is_none() && counts.is_none() && word == "app" => {
                        scope = Some(ThrottleScope::TenantApp)
                    }
                    None if scope.is_none() && counts.is_none() && word == "tenant" => {
                        scope = Some(ThrottleScope::Tenant)
                    }
                    None if counts.is_none() && word == "all" => {
                        counts = Some(Counted::AllRequests)
                    }
                    None if counts.is_none() && word == "writes" => counts = Some(Counted::Writes),
                    _ => {
                        return Err(err(format!(
                            "unexpected `{word}`; a limit is `[app|tenant] [all|writes] rate=R \
                             burst=B`, or the whole specification is `{PROFILE_IDENTITY_AND_ACCESS}`"
                        )));
                    }
                }
            }
            let (Some(per_second), Some(burst)) = (rate, burst) else {
                return Err(err("both rate=R and burst=B are required".into()));
            };
            throttle.limits.push(ThrottleLimit {
                scope: scope.unwrap_or(ThrottleScope::TenantApp),
                counts: counts.unwrap_or(Counted::AllRequests),
                quota: Quota::Fixed(Bucket { per_second, burst }),
            });
        }
        throttle.validate()?;
        Ok(throttle)
    }

    /// Every limit's rate must be a finite number above 0 and its burst at least 1 (finite),
    /// and there must be a limit.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let err = |message: String| Error::InvalidOption {
            option: "throttle",
            message,
        };
        if self.limits.is_empty() {
            return Err(err("no limit given".into()));
        }
        for (i, limit) in self.limits.iter().enumerate() {
            for b in limit.quota.buckets() {
                if !(b.per_second.is_finite() && b.per_second > 0.0) {
                    return Err(err(format!(
                        "limit {}: the rate must be a number of units per second above 0",
                        i + 1
                    )));
                }
                if !(b.burst.is_finite() && b.burst >= 1.0) {
                    return Err(err(format!(
                        "limit {}: the burst must be a number of units, at least 1",
                        i + 1
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The name of [`Throttle::identity_and_access`] in `--throttle`.
pub const PROFILE_IDENTITY_AND_ACCESS: &str = "identity-and-access";

/// A request the buckets refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    /// The wait until every bucket the request lacked holds its cost.
    pub(crate) retry_after: Duration,
    /// `x-ms-throttle-information`: `WriteLimitExceeded` when a write limit refused it,
    /// else `ResourceUnitLimitExceeded`.
    pub(crate) information: &'static str,
}

impl Refusal {
    /// `Retry-After` in seconds, rounded up to the millisecond (at least 0.001): a client
    /// that waits it finds the units there.
    pub(crate) fn retry_after_header(&self) -> String {
        let ms = self.retry_after.as_nanos().div_ceil(1_000_000).max(1);
        let (secs, frac) = (ms / 1000, ms % 1000);
        if frac == 0 {
            format!("{secs}")
        } else {
            format!("{secs}.{frac:03}")
                .trim_end_matches('0')
                .to_string()
        }
    }
}

/// A bucket's level when it was last touched.
#[derive(Debug, Clone, Copy)]
struct Level {
    units: f64,
    at: Instant,
}

/// The buckets of a [`Throttle`]. Keys are the bearer tokens (as the application); they are
/// kept in memory only and never printed (`Debug` shows the count).
pub(crate) struct ThrottleState {
    pub(crate) config: Throttle,
    levels: HashMap<(usize, String), Level>,
}

impl std::fmt::Debug for ThrottleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThrottleState")
            .field("config", &self.config)
            .field("buckets", &self.levels.len())
            .finish()
    }
}

/// What a request costs: resource units, and whether it is a write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cost {
    pub(crate) units: f64,
    pub(crate) write: bool,
}

impl Cost {
    /// The cost rules of the throttling limits page for paths it does not list: a base of 1,
    /// `$select` -1, `$expand` +1, `$top` under 20 -1, never below 1; POST, PATCH, PUT and
    /// DELETE are writes (write cost 1).
    pub(crate) fn of(method: &Method, uri: &Uri) -> Self {
        let mut units: i32 = 1;
        for pair in uri.query().unwrap_or("").split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = key.replace("%24", "$").to_ascii_lowercase();
            match key.as_str() {
                "$select" => units -= 1,
                "$expand" => units += 1,
                "$top" if value.parse::<u32>().is_ok_and(|top| top < 20) => units -= 1,
                _ => {}
            }
        }
        Self {
            units: f64::from(units.max(1)),
            write: matches!(
                *method,
                Method::POST | Method::PATCH | Method::PUT | Method::DELETE
            ),
        }
    }
}

impl ThrottleState {
    pub(crate) fn new(config: Throttle) -> Self {
        Self {
            config,
            levels: HashMap::new(),
        }
    }

    /// Admits (and debits) or refuses a request of `app` (its bearer token) costing `cost`,
    /// in a tenant of `users` users, at `now`.
    pub(crate) fn admit(
        &mut self,
        app: &str,
        cost: Cost,
        users: usize,
        now: Instant,
    ) -> Result<(), Refusal> {
        let mut levels = Vec::with_capacity(self.config.limits.len());
        for (i, limit) in self.config.limits.iter().enumerate() {
            let units = match limit.counts {
                Counted::AllRequests => cost.units,
                Counted::Writes if cost.write => 1.0,
                Counted::Writes => continue,
            };
            let bucket = limit.quota.bucket(users);
            // A cost above the burst could never be met: it needs a full bucket instead.
            let units = units.min(bucket.burst);
            let key = (
                i,
                match limit.scope {
                    ThrottleScope::TenantApp => app.to_string(),
                    ThrottleScope::Tenant => String::new(),
                },
            );
            let level = self.levels.get(&key).copied().map_or(bucket.burst, |l| {
                let elapsed = now.saturating_duration_since(l.at).as_secs_f64();
                (l.units + elapsed * bucket.per_second).min(bucket.burst)
            });
            levels.push((key, level, units, bucket, limit.counts));
        }
        let admitted = levels.iter().all(|(_, level, units, ..)| level >= units);
        let mut refusal: Option<Refusal> = None;
        let charged = admitted || self.config.charge_refused;
        for (key, level, units, bucket, counts) in levels {
            let after = if charged {
                (level - units).max(-bucket.burst)
            } else {
                level
            };
            if charged {
                self.levels.insert(
                    key,
                    Level {
                        units: after,
                        at: now,
                    },
                );
            }
            if admitted || level >= units {
                continue;
            }
            let wait = Duration::from_secs_f64(
                ((units - after) / bucket.per_second).min(MAX_WAIT_SECONDS),
            );
            let information = match counts {
                Counted::Writes => "WriteLimitExceeded",
                Counted::AllRequests => "ResourceUnitLimitExceeded",
            };
            refusal = Some(match refusal {
                Some(r) if r.retry_after >= wait => r,
                _ => Refusal {
                    retry_after: wait,
                    information,
                },
            });
        }
        match refusal {
            Some(r) => Err(r),
            None => Ok(()),
        }
    }
}

/// The longest `Retry-After` given (a day), whatever the rate.
const MAX_WAIT_SECONDS: f64 = 86_400.0;

/// The bearer token of a request (the application its bucket is kept for).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Graph's throttling error body, as the sample response of
/// [Microsoft Graph throttling guidance](https://learn.microsoft.com/graph/throttling#sample-response)
/// shows it (with the request's `client-request-id` in `innerError`, as every error of the
/// emulator has it).
pub(crate) fn error_text(request_id: &str, client_request_id: &str) -> String {
    let date = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let body = serde_json::json!({
        "error": {
            "code": "TooManyRequests",
            "innerError": {
                "code": "429",
                "date": date,
                "message": "Please retry after",
                "request-id": request_id,
                "client-request-id": client_request_id,
                "status": "429",
            },
            "message": "Please retry again later.",
        }
    });
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Cost {
        Cost::of(&Method::GET, &uri.parse().unwrap())
    }

    #[test]
    fn costs_follow_the_documented_rules() {
        assert_eq!(get("/v1.0/me/authentication/methods").units, 1.0);
        assert_eq!(get("/v1.0/x?$select=id").units, 1.0, "never below 1");
        assert_eq!(get("/v1.0/x?$expand=device").units, 2.0);
        assert_eq!(get("/v1.0/x?%24expand=device&$select=id").units, 1.0);
        assert_eq!(get("/v1.0/x?$expand=device&$top=5").units, 1.0);
        assert_eq!(get("/v1.0/x?$expand=device&$top=20").units, 2.0);
        assert!(!get("/v1.0/x").write);
        for m in [Method::POST, Method::PATCH, Method::PUT, Method::DELETE] {
            assert!(Cost::of(&m, &"/v1.0/x".parse().unwrap()).write, "{m}");
        }
    }

    #[test]
    fn a_bucket_admits_its_burst_then_refills_at_its_rate() {
        let mut s = ThrottleState::new(Throttle::per_app(10.0, 3.0));
        let t0 = Instant::now();
        let read = get("/v1.0/x");
        for _ in 0..3 {
            assert_eq!(s.admit("a", read, 1, t0), Ok(()));
        }
        let refused = s.admit("a", read, 1, t0).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_millis(100));
        assert_eq!(refused.information, "ResourceUnitLimitExceeded");
        // Not charged: asking again changes nothing.
        assert_eq!(s.admit("a", read, 1, t0), Err(refused.clone()));
        let t1 = t0 + refused.retry_after;
        assert_eq!(s.admit("a", read, 1, t1), Ok(()));
        assert!(s.admit("a", read, 1, t1).is_err());
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(s.admit("a", read, 1, t2), Ok(()));
        }
        assert!(s.admit("a", read, 1, t2).is_err());
    }

    #[test]
    fn charged_refusals_push_admission_further_away() {
        let mut s = ThrottleState::new(Throttle::per_app(10.0, 3.0).charging_refused());
        let t0 = Instant::now();
        let read = get("/v1.0/x");
        for _ in 0..3 {
            assert_eq!(s.admit("a", read, 1, t0), Ok(()));
        }
        // Refused, and charged: the bucket owes one unit, so the wait is for two.
        let refused = s.admit("a", read, 1, t0).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_millis(200));
        assert_eq!(refused.retry_after_header(), "0.2");
        assert_eq!(refused.information, "ResourceUnitLimitExceeded");
        // Another application has its own bucket.
        assert_eq!(s.admit("b", read, 1, t0), Ok(()));
        // After the wait it said, the unit is there; one only.
        let t1 = t0 + refused.retry_after;
        assert_eq!(s.admit("a", read, 1, t1), Ok(()));
        assert!(s.admit("a", read, 1, t1).is_err());
        // Retrying at once pushes admission further away, by at most a burst's worth.
        let mut last = Duration::ZERO;
        for _ in 0..10 {
            last = s.admit("a", read, 1, t1).unwrap_err().retry_after;
        }
        assert_eq!(
            last,
            Duration::from_millis(400),
            "3 owed + 1 needed at 10/s"
        );
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(s.admit("a", read, 1, t2), Ok(()));
        }
        assert!(s.admit("a", read, 1, t2).is_err());
    }

    #[test]
    fn a_charged_refusal_is_charged_to_every_limit_that_counts_it() {
        let throttle = Throttle::per_app(1.0, 5.0)
            .charging_refused()
            .with_limit(ThrottleLimit {
                scope: ThrottleScope::TenantApp,
                counts: Counted::Writes,
                quota: Quota::Fixed(Bucket {
                    per_second: 0.5,
                    burst: 1.0,
                }),
            });
        let mut s = ThrottleState::new(throttle);
        let t0 = Instant::now();
        let write = Cost::of(&Method::POST, &"/v1.0/x".parse().unwrap());
        assert_eq!(s.admit("a", write, 1, t0), Ok(()));
        // The write bucket is empty: refused, owing one write, so 2 writes' time at 0.5/s.
        let refused = s.admit("a", write, 1, t0).unwrap_err();
        assert_eq!(refused.information, "WriteLimitExceeded");
        assert_eq!(refused.retry_after, Duration::from_secs(4));
        // Writes refused, reads admitted: of 5 units, the two writes took 2.
        for _ in 0..3 {
            assert_eq!(s.admit("a", get("/v1.0/x"), 1, t0), Ok(()));
        }
        assert!(s.admit("a", get("/v1.0/x"), 1, t0).is_err());
    }

    #[test]
    fn the_identity_profile_follows_the_tenant_size() {
        let p = Throttle::identity_and_access();
        let ru = p.limits[0].quota;
        assert_eq!(ru.bucket(49).burst, 3_500.0);
        assert_eq!(ru.bucket(50).burst, 5_000.0);
        assert_eq!(ru.bucket(500).burst, 5_000.0);
        assert_eq!(ru.bucket(501).burst, 8_000.0);
        assert_eq!(ru.bucket(501).per_second, 800.0);
        assert_eq!(
            p.limits[1].quota.bucket(1),
            Bucket {
                per_second: 20.0,
                burst: 3_000.0
            }
        );
        assert_eq!(p.limits[2].scope, ThrottleScope::Tenant);
        assert_eq!(p.limits[2].quota.bucket(1).per_second, 60.0);
        // The tenant write quota is shared by every application.
        let mut s = ThrottleState::new(Throttle::identity_and_access().charging_refused());
        let t0 = Instant::now();
        let write = Cost::of(&Method::PATCH, &"/v1.0/x".parse().unwrap());
        let mut admitted = 0;
        for app in 0..10 {
            for _ in 0..3_000 {
                if s.admit(&format!("app{app}"), write, 10, t0).is_ok() {
                    admitted += 1;
                }
            }
        }
        assert_eq!(admitted, 18_000);
    }

    #[test]
    fn specifications_parse_or_say_what_is_wrong() {
        assert_eq!(
            Throttle::parse(" Identity-And-Access ").unwrap(),
            Throttle::identity_and_access()
        );
        assert_eq!(
            Throttle::parse("rate=1000 burst=100").unwrap(),
            Throttle::per_app(1000.0, 100.0)
        );
        let two = Throttle::parse("rate=1000 burst=100; tenant writes rate=20 burst=3000").unwrap();
        assert_eq!(two.limits[1].scope, ThrottleScope::Tenant);
        assert_eq!(two.limits[1].counts, Counted::Writes);
        let err = |spec: &str| Throttle::parse(spec).unwrap_err().to_string();
        assert!(
            err("rate=10").contains("burst=B are required"),
            "{}",
            err("rate=10")
        );
        assert!(err("rate=x burst=1").contains("rate must be a number"));
        assert!(err("rate=0 burst=1").contains("above 0"));
        assert!(err("rate=1 burst=0.5").contains("at least 1"));
        assert!(err("rate=1 burst=1 fast").contains("unexpected `fast`"));
        assert!(err("").contains("no limit"));
        assert!(err("charge-refused").contains("no limit"));
        let charged = Throttle::parse("identity-and-access; charge-refused").unwrap();
        assert_eq!(charged, Throttle::identity_and_access().charging_refused());
        assert!(err("rate=1 rate=2 burst=1").contains("once each"));
    }

    #[test]
    fn retry_after_is_rounded_up_to_the_millisecond() {
        let r = |d: Duration| {
            Refusal {
                retry_after: d,
                information: "",
            }
            .retry_after_header()
        };
        assert_eq!(r(Duration::from_nanos(1)), "0.001");
        assert_eq!(r(Duration::ZERO), "0.001");
        assert_eq!(r(Duration::from_micros(2_128_001)), "2.129");
        assert_eq!(r(Duration::from_secs(10)), "10");
        assert_eq!(r(Duration::from_millis(1_500)), "1.5");
    }
}
