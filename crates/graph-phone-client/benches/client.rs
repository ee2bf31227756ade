//! The generated client's cost against hand-written reqwest + serde_json, over loopback, in
//! one run (not run in CI: `cargo bench -p graph-phone-client --no-default-features`).
//!
//! 1. Per request, sequential: `client.user(..).phone_methods().get(Mobile)` against the
//!    emulator vs a hand-written `GET` of the same URL decoded with `serde_json` into the
//!    same struct. Target: median ratio <= 1.05.
//! 2. Per request, 32 concurrent tasks on a 2-worker multi-thread runtime: each task does
//!    [`GETS_PER_TASK`] of the same `GET`s; the cost is the round's wall time over its
//!    request count. Target: median ratio <= 1.05.
//! 3. A 1000-item page served by a local server: `list_page` vs the same `GET` decoded with
//!    `serde_json` into the same `CollectionResponse`. Target: median ratio <= 1.10.
//!
//! The two sides alternate, so machine noise hits both alike; medians are printed, each
//! comparison as a human-readable line and as one `BENCH {json}` line (read by
//! `cargo xtask bench`). A non-flag argument runs only the comparisons whose name contains
//! it (`cargo bench ... -- sequential`), for profiling.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph_phone_client::wire::CollectionResponse;
use graph_phone_client::{
    Cloud, GraphClient, PhoneAuthenticationMethod, PhoneMethodId, Query, StaticToken,
};

/// The baseline every comparison is measured against.
const BASELINE: &str = "hand-written reqwest + serde_json";
/// Concurrent tasks in comparison 2.
const TASKS: usize = 32;
/// `GET`s each task does per round in comparison 2.
const GETS_PER_TASK: usize = 50;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// One machine-readable result, printed as `BENCH {json}` (fields in this order).
#[derive(serde::Serialize)]
struct BenchLine<'a> {
    bench: &'a str,
    name: &'a str,
    unit: &'a str,
    value: f64,
    baseline: &'a str,
    baseline_value: f64,
    max_ratio: f64,
}

/// Prints one comparison, human-readable and as a `BENCH` line. `a` is the generated
/// client's median, `b` the baseline's.
fn report(name: &str, a: Duration, b: Duration, max_ratio: f64) {
    let ratio = a.as_secs_f64() / b.as_secs_f64();
    println!(
        "{name}: generated client {a:?}, hand-written {b:?}, ratio {ratio:.3} (target <= {max_ratio:.2}) {}",
        if ratio <= max_ratio { "ok" } else { "OVER" }
    );
    let us = |d: Duration| (d.as_secs_f64() * 1e7).round() / 10.0;
    let line = BenchLine {
        bench: "client",
        name,
        unit: "us",
        value: us(a),
        baseline: BASELINE,
        baseline_value: us(b),
        max_ratio,
    };
    let line = serde_json::to_string(&line).expect("a BENCH line serializes");
    println!("BENCH {line}");
}

/// Whether the comparison `name` was selected on the command line.
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// Times `a` and `b` alternately, one call each per round, after `rounds / 10` warm-up
/// rounds; returns their medians.
async fn compare<A, B, FA, FB>(rounds: usize, mut a: A, mut b: B) -> (Duration, Duration)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    for _ in 0..rounds / 10 {
        a().await;
        b().await;
    }
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        a().await;
        ta.push(t.elapsed());
        let t = Instant::now();
        b().await;
        tb.push(t.elapsed());
    }
    (median(ta), median(tb))
}

/// The baseline: a `GET` with a fixed `Authorization` value, the body decoded by
/// `serde_json`.
async fn baseline_get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    authorization: &'static str,
) -> T {
    let bytes = http
        .get(url)
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// One side of the `GET` comparisons: the generated client or the hand-written baseline.
#[derive(Clone)]
enum Getter {
    Generated(graph_phone_client::api::PhoneMethods),
    HandWritten { http: reqwest::Client, url: String },
}

impl Getter {
    async fn get(&self) {
        match self {
            Getter::Generated(phones) => {
                let m = phones.get(PhoneMethodId::Mobile).await.unwrap();
                std::hint::black_box(m);
            }
            Getter::HandWritten { http, url } => {
                let m: PhoneAuthenticationMethod = baseline_get(http, url, "Bearer app-read").await;
                std::hint::black_box(m);
            }
        }
    }

    /// One round of comparison 2: [`TASKS`] tasks of [`GETS_PER_TASK`] `GET`s each; returns
    /// the wall time per request.
    async fn concurrent_round(&self) -> Duration {
        let started = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let getter = self.clone();
                tokio::spawn(async move {
                    for _ in 0..GETS_PER_TASK {
                        getter.get().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed() / (TASKS * GETS_PER_TASK) as u32
    }
}

/// An emulator with the example tenant and both sides of the `GET` comparisons against it.
async fn emulator_getters() -> (graph_phone_emulator::RunningEmulator, Getter, Getter) {
    let emu = graph_phone_emulator::Emulator::builder()
        .tenant(graph_phone_emulator::Tenant::example())
        .start()
        .await
        .unwrap();
    let base = emu.base_url();
    let client = GraphClient::builder(Cloud::Custom {
        base_url: base.clone(),
    })
    .token_provider(StaticToken::new("app-read"))
    .build()
    .unwrap();
    let generated = Getter::Generated(client.user("alice@contoso.com").phone_methods());
    let hand_written = Getter::HandWritten {
        http: plain_http_client(),
        url: format!(
            "{base}/users/alice@contoso.com/authentication/phoneMethods/{}",
            PhoneMethodId::MOBILE_ID
        ),
    };
    (emu, generated, hand_written)
}

async fn get_sequential(name: &str) {
    let (emu, generated, hand_written) = emulator_getters().await;
    let (a, b) = compare(3000, || generated.get(), || hand_written.get()).await;
    report(name, a, b, 1.05);
    emu.shutdown().await;
}

async fn get_concurrent(name: &str) {
    let (emu, generated, hand_written) = emulator_getters().await;
    let rounds = 15;
    // Warm-up: opens the connections of both pools.
    generated.concurrent_round().await;
    hand_written.concurrent_round().await;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which side goes first, so a trend in the machine's load is shared.
        if round % 2 == 0 {
            ta.push(generated.concurrent_round().await);
            tb.push(hand_written.concurrent_round().await);
        } else {
            tb.push(hand_written.concurrent_round().await);
            ta.push(generated.concurrent_round().await);
        }
        // The emulator logs every request; keep its memory flat.
        emu.handle().clear_requests();
    }
    report(name, median(ta), median(tb), 1.05);
    emu.shutdown().await;
}

async fn page(name: &str) {
    let items: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"id":"{:08x}-750b-4051-897c-87b9720928f7","phoneNumber":"+1 20655{:05}","phoneType":"mobile","smsSignInState":"notEnabled","createdDateTime":"2024-01-01T00:00:00.1234567Z"}}"#,
                i, i
            )
        })
        .collect();
    let body: Arc<str> = format!(r#"{{"value":[{}]}}"#, items.join(",")).into();
    let app = axum::Router::new().route(
        "/v1.0/me/authentication/phoneMethods",
        axum::routing::get(move || {
            let body = body.to_string();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = GraphClient::builder(Cloud::Custom {
        base_url: format!("http://{addr}/v1.0"),
    })
    .token_provider(StaticToken::new("t"))
    .build()
    .unwrap();
    let http = plain_http_client();
    let url = format!("http://{addr}/v1.0/me/authentication/phoneMethods");
    let phones = client.me().phone_methods();
    let (a, b) = compare(
        300,
        || async {
            let page = phones.list_page(&Query::new()).await.unwrap();
            assert_eq!(page.items.len(), 1000);
            std::hint::black_box(page);
        },
        || async {
            let page: CollectionResponse<PhoneAuthenticationMethod> =
                baseline_get(&http, &url, "Bearer t").await;
            assert_eq!(page.value.len(), 1000);
            std::hint::black_box(page);
        },
    )
    .await;
    report(name, a, b, 1.10);
    server.abort();
}

fn main() {
    let current_thread = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let name = "GET one phone method, sequential";
    if selected(name) {
        current_thread().block_on(get_sequential(name));
    }
    let name = "GET one phone method, 32 concurrent tasks";
    if selected(name) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(get_concurrent(name));
    }
    let name = "1000-item page";
    if selected(name) {
        current_thread().block_on(page(name));
    }
}

/// The hand-written side's `reqwest::Client`, with the TLS configuration the runtime's
/// features select: under the default `rustls` feature reqwest panics on a client built
/// without one (reqwest's `rustls-no-provider`).
fn plain_http_client() -> reqwest::Client {
    graph_phone_client::runtime::http_client_builder()
        .expect("TLS configuration")
        .build()
        .expect("HTTP client builds")
}
