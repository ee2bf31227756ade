//! Bulk phone registration under Graph's throttling (not run in CI:
//! `cargo xtask bench bulk`, or `cargo bench -p graph-phone-client --no-default-features
//! --bench bulk`).
//!
//! Registers a mobile phone for each of [`USERS`] users against the emulator, throttled to
//! [`RATE`] requests per second per application (a token bucket of [`BURST`] units) with a
//! service latency of [`LATENCY`] per HTTP request, and reports the useful operations per
//! second (phones registered) as a ratio of the throttle's rate, for three ways of sending
//! them, each on a fresh emulator:
//!
//! 1. single calls (`phone_methods().create`) from 8 tasks, no batching;
//! 2. single calls from 64 tasks, no batching;
//! 3. the bulk path (`client.bulk().run`, JSON batches with adaptive concurrency and batch
//!    size). Target: at least 0.9 of the rate.
//!
//! Single calls retry as the runtime does (429 honouring `Retry-After`, four attempts); a call
//! that still ends throttled is sent again by the driver (a 429 is never applied). After each
//! run the emulator's state and its request log are checked: every user has exactly the phone
//! it was given, every user's create was applied exactly once (the log has every request:
//! nothing dropped), and no create was refused as a duplicate. Any lost or duplicated write
//! fails the bench (exit code 1). Each figure is printed, and as a `BENCH {json}` line for
//! `cargo xtask bench`.
//!
//! Why these numbers (BENCHMARKS.md says more): the ratios depend on the rate times the
//! latency (how many requests must be in flight to reach the rate), here 20; the rate and the
//! latency are scaled so that the three runs fit in about a minute on a 2-core machine.
//! `BULK_RATE`, `BULK_LATENCY_MS` and `BULK_USERS` override them; `BULK_CHARGE_REFUSED=1`
//! charges refused requests to the bucket too (`Throttle::charging_refused`). A non-flag
//! argument runs only the runs whose name contains it (`-- bulk`, `-- "8 concurrent"`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use graph_phone_client::{
    AuthenticationPhoneType, Cloud, GraphClient, PhoneAuthenticationMethodCreate, StaticToken,
};
use graph_phone_emulator::{Emulator, RunningEmulator, Tenant, Throttle};

/// Users registered per run.
const USERS: usize = 10_000;
/// The throttle: requests per second per application.
const RATE: f64 = 1_000.0;
/// The bucket's size: a tenth of a second of the rate.
const BURST: f64 = 100.0;
/// The service latency added to every HTTP request (a batch waits it once).
const LATENCY: Duration = Duration::from_millis(20);
/// The application token of the tenant.
const TOKEN: &str = "campaign-app";
/// Attempts the driver gives one user's single call (each with the runtime's own retries).
const MAX_DRIVER_ATTEMPTS: usize = 1_000;

/// The run's settings.
#[derive(Clone, Copy)]
struct Settings {
    users: usize,
    rate: f64,
    burst: f64,
    latency: Duration,
    charge_refused: bool,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        let parse = |name: &str, text: String| -> f64 {
            text.parse().unwrap_or_else(|_| {
                eprintln!("{name} must be a number, not {text:?}");
                std::process::exit(2)
            })
        };
        let rate = var("BULK_RATE").map_or(RATE, |t| parse("BULK_RATE", t));
        Settings {
            users: var("BULK_USERS").map_or(USERS, |t| parse("BULK_USERS", t) as usize),
            rate,
            burst: if var("BULK_RATE").is_some() {
                (rate / 10.0).max(1.0)
            } else {
                BURST
            },
            latency: var("BULK_LATENCY_MS").map_or(LATENCY, |t| {
                Duration::from_secs_f64(parse("BULK_LATENCY_MS", t) / 1000.0)
            }),
            charge_refused: var("BULK_CHARGE_REFUSED").is_some_and(|v| v == "1"),
        }
    }
}

/// User `i`'s object id: the varying digits first (the emulator finds users by a scan that
/// compares ids from their start).
fn user_id(i: usize) -> String {
    let mixed = (i as u32).wrapping_mul(2_654_435_761);
    format!("{mixed:08x}-0000-4000-8000-{i:012}")
}

/// The number user `i` is given.
fn number(i: usize) -> String {
    format!("+1 42555{i:05}")
}

/// A tenant of `users` users without phones (SMS sign-in not enabled by policy, so a create
/// attempts no registration) and one application token allowed to write their phones.
fn tenant(users: usize) -> Tenant {
    let users: Vec<serde_json::Value> = (0..users)
        .map(|i| {
            serde_json::json!({
                "id": user_id(i),
                "userPrincipalName": format!("user{i}@contoso.com"),
            })
        })
        .collect();
    let json = serde_json::json!({
        "users": users,
        "tokens": {
            TOKEN: {"kind": "application", "roles": ["UserAuthenticationMethod.ReadWrite.All"]}
        }
    });
    Tenant::from_json(&json.to_string()).expect("the bench tenant is valid")
}

async fn emulator(settings: Settings) -> RunningEmulator {
    let mut throttle = Throttle::per_app(settings.rate, settings.burst);
    throttle.charge_refused = settings.charge_refused;
    Emulator::builder()
        .tenant(tenant(settings.users))
        .throttle(throttle)
        .latency(settings.latency)
        // Every request of a run is kept, to check each write against the log.
        .request_log_capacity(usize::MAX)
        .max_connections(1_024)
        .start()
        .await
        .expect("the emulator starts")
}

fn client(emu: &RunningEmulator) -> GraphClient {
    GraphClient::builder(Cloud::Custom {
        base_url: emu.base_url(),
    })
    .token_provider(StaticToken::new(TOKEN))
    .build()
    .expect("the client builds")
}

fn create_body(i: usize) -> PhoneAuthenticationMethodCreate {
    PhoneAuthenticationMethodCreate::new(number(i), AuthenticationPhoneType::Mobile)
}

/// What one run did.
struct Run {
    name: String,
    elapsed: Duration,
    /// Users whose registration the client reported as done.
    succeeded: usize,
    /// Users whose registration the client reported as failed, with the first error.
    failed: Vec<(usize, String)>,
}

/// Single calls from `tasks` tasks, each taking the next user until none is left.
async fn single_calls(settings: Settings, tasks: usize) -> (RunningEmulator, Run) {
    let emu = emulator(settings).await;
    let client = client(&emu);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let (client, next) = (client.clone(), next.clone());
            tokio::spawn(async move {
                let mut failed = Vec::new();
                let mut succeeded = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= settings.users {
                        break;
                    }
                    let phones = client.user(user_id(i)).phone_methods();
                    let body = create_body(i);
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        match phones.create(&body).await {
                            Ok(_) => {
                                succeeded += 1;
                                break;
                            }
                            // Still throttled after the runtime's retries: not applied, so
                            // the driver sends it again.
                            Err(e) if e.status() == Some(429) && attempts < MAX_DRIVER_ATTEMPTS => {
                            }
                            Err(e) => {
                                failed.push((i, e.to_string()));
                                break;
                            }
                        }
                    }
                }
                (succeeded, failed)
            })
        })
        .collect();
    let mut run = Run {
        name: format!("single calls, {tasks} concurrent tasks"),
        elapsed: Duration::ZERO,
        succeeded: 0,
        failed: Vec::new(),
    };
    for worker in workers {
        let (succeeded, failed) = worker.await.expect("a worker panicked");
        run.succeeded += succeeded;
        run.failed.extend(failed);
    }
    run.elapsed = started.elapsed();
    (emu, run)
}

/// The bulk path: every user's create as a batch item, through `client.bulk().run` with its
/// defaults. An item that ends still throttled (out of its sends) was not applied, so the
/// driver runs those again, as it does for single calls.
async fn bulk(settings: Settings) -> (RunningEmulator, Run) {
    let emu = emulator(settings).await;
    let client = client(&emu);
    let bulk = client.bulk();
    let started = Instant::now();
    let mut run = Run {
        name: "bulk path (client.bulk().run)".to_owned(),
        elapsed: Duration::ZERO,
        succeeded: 0,
        failed: Vec::new(),
    };
    let mut pending: Vec<usize> = (0..settings.users).collect();
    for _ in 0..MAX_DRIVER_ATTEMPTS {
        if pending.is_empty() {
            break;
        }
        let items = pending
            .iter()
            .map(|&i| {
                client
                    .user(user_id(i))
                    .phone_methods()
                    .create_item(&create_body(i))
                    .expect("a valid item")
            })
            .collect();
        let results = bulk.run(items).await;
        let mut again = Vec::new();
        for (i, result) in pending.into_iter().zip(results) {
            match result {
                Ok(_) => run.succeeded += 1,
                Err(e) if e.status() == Some(429) => again.push(i),
                Err(e) => run.failed.push((i, e.to_string())),
            }
        }
        pending = again;
    }
    run.failed.extend(
        pending
            .into_iter()
            .map(|i| (i, "still throttled".to_owned())),
    );
    run.elapsed = started.elapsed();
    (emu, run)
}

/// What the emulator's state and log say about a run.
#[derive(Debug, Default)]
struct Checked {
    /// Users without the phone they were given.
    lost: usize,
    /// Users whose create was applied more than once, or refused as already there.
    duplicated: usize,
    /// HTTP requests the emulator answered (a batch and its items counted apart).
    requests: usize,
    /// Requests (or batch items) the throttle refused.
    throttled: usize,
    /// Batch requests.
    batches: usize,
}

fn check(emu: &RunningEmulator, users: usize) -> Checked {
    let handle = emu.handle();
    assert_eq!(
        handle.dropped_requests(),
        0,
        "the request log dropped records: the check would be blind"
    );
    let tenant = handle.tenant();
    let mut checked = Checked::default();
    let by_id: HashMap<&str, &graph_phone_emulator::User> =
        tenant.users.iter().map(|u| (u.id.as_str(), u)).collect();
    for i in 0..users {
        let id = user_id(i);
        let user = by_id.get(id.as_str()).expect("every user is in the tenant");
        let phones = &user.phone_methods;
        let right = phones.len() == 1
            && phones[0].phone_type == graph_phone_emulator::PhoneType::Mobile
            && phones[0].phone_number == number(i);
        if !right {
            checked.lost += 1;
        }
    }
    let mut applied: HashMap<String, usize> = HashMap::new();
    for r in handle.requests() {
        checked.requests += 1;
        if r.route.as_deref() == Some("$batch") {
            checked.batches += 1;
            continue;
        }
        if r.fault.as_deref() == Some("throttle") {
            checked.throttled += 1;
        }
        if r.status == Some(409) {
            checked.duplicated += 1;
        }
        if r.applied && r.method == "POST" {
            *applied
                .entry(r.user_id.clone().unwrap_or_default())
                .or_default() += 1;
        }
    }
    checked.duplicated += applied.values().filter(|n| **n > 1).count();
    checked
}

/// One machine-readable figure, printed as `BENCH {json}`.
#[derive(serde::Serialize)]
struct BenchLine<'a> {
    bench: &'a str,
    name: &'a str,
    unit: &'a str,
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_value: Option<f64>,
}

fn bench_line(line: &BenchLine<'_>) {
    println!(
        "BENCH {}",
        serde_json::to_string(line).expect("a BENCH line serializes")
    );
}

/// Prints a run's figures; returns whether it lost or duplicated nothing.
fn report(settings: Settings, run: &Run, checked: &Checked, target: Option<f64>) -> bool {
    let per_second = run.succeeded as f64 / run.elapsed.as_secs_f64();
    let ratio = per_second / settings.rate;
    println!(
        "{}: {} users in {:.2} s = {per_second:.0} registrations/s = {ratio:.3} of the rate; \
         {} requests ({} batches), {} throttled; {} failed, {} lost, {} duplicated",
        run.name,
        run.succeeded,
        run.elapsed.as_secs_f64(),
        checked.requests,
        checked.batches,
        checked.throttled,
        run.failed.len(),
        checked.lost,
        checked.duplicated,
    );
    for (i, error) in run.failed.iter().take(5) {
        println!("  user {i} failed: {error}");
    }
    let throttle = format!("throttle rate {} requests/s", settings.rate);
    bench_line(&BenchLine {
        bench: "bulk",
        name: &format!("{}: phones registered per second", run.name),
        unit: "ops/s",
        value: (per_second * 10.0).round() / 10.0,
        baseline: Some(&throttle),
        baseline_value: Some(settings.rate),
        min_ratio: target,
        max_value: None,
    });
    bench_line(&BenchLine {
        bench: "bulk",
        name: &format!("{}: writes lost or duplicated", run.name),
        unit: "writes",
        value: (checked.lost + checked.duplicated) as f64,
        baseline: None,
        baseline_value: None,
        min_ratio: None,
        max_value: Some(0.0),
    });
    checked.lost == 0 && checked.duplicated == 0 && run.failed.is_empty()
}

/// Whether the run `name` was selected on the command line.
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

fn main() {
    let settings = Settings::from_env();
    println!(
        "bulk: {} users, throttle {} requests/s (burst {}{}), latency {:?} per HTTP request",
        settings.users,
        settings.rate,
        settings.burst,
        if settings.charge_refused {
            ", refused requests charged"
        } else {
            ""
        },
        settings.latency
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut clean = true;
    for tasks in [8, 64] {
        if !selected(&format!("single calls, {tasks} concurrent tasks")) {
            continue;
        }
        let (run, checked) = runtime.block_on(async {
            let (emu, run) = single_calls(settings, tasks).await;
            let checked = check(&emu, settings.users);
            emu.shutdown().await;
            (run, checked)
        });
        clean &= report(settings, &run, &checked, None);
    }
    let (run, checked): (Option<Run>, Checked) = runtime.block_on(async {
        if !selected("bulk path") {
            return (None, Checked::default());
        }
        let (emu, run) = bulk(settings).await;
        let checked = check(&emu, settings.users);
        emu.shutdown().await;
        (Some(run), checked)
    });
    if let Some(run) = run {
        clean &= report(settings, &run, &checked, Some(0.9));
    }
    if !clean {
        eprintln!("a run lost or duplicated writes, or failed some users: see above");
        std::process::exit(1);
    }
}
