//! The throttling model over real HTTP: token buckets per application (bearer token) and
//! tenant, Graph's 429 (status, `Retry-After`, error body), writes throttled while reads pass,
//! each batch item counted as Graph evaluates them, the request log, the service latency and
//! the command line.
//!
//! No assertion depends on the machine's speed: the buckets refill so slowly (0.01 unit per
//! second) that a test cannot see a refill, or the test waits the `Retry-After` it was given,
//! after which the units must be there whatever the machine did meanwhile.

mod support;

use std::time::{Duration, Instant};

use graph_phone_emulator::{
    Bucket, Counted, Emulator, Quota, RunningEmulator, Tenant, Throttle, ThrottleLimit,
    ThrottleScope,
};
use serde_json::{Value, json};

const CAROL: &str = "33333333-3333-3333-3333-333333333333";
const DAVE: &str = "44444444-4444-4444-4444-444444444444";

/// A rate no test lasts long enough to see refill one unit.
const SLOW: f64 = 0.01;

async fn start(throttle: Throttle) -> RunningEmulator {
    Emulator::builder()
        .tenant(Tenant::example())
        .throttle(throttle)
        .start()
        .await
        .expect("emulator starts")
}

fn phones(user: &str) -> String {
    format!("/users/{user}/authentication/phoneMethods")
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` as seconds.
    fn retry_after(&self) -> f64 {
        let text = self.header("retry-after").expect("a Retry-After header");
        text.parse()
            .unwrap_or_else(|_| panic!("Retry-After is not seconds: {text:?}"))
    }
}

async fn send(
    emu: &RunningEmulator,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let mut req = support::http_client()
        .request(method.parse().unwrap(), format!("{}{path}", emu.base_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await.expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn get(emu: &RunningEmulator, token: &str) -> Answer {
    send(emu, "GET", &phones(CAROL), token, None).await
}

/// Graph's throttling body, as the sample response of the throttling guidance shows it, with
/// this answer's ids.
fn assert_graph_throttling_body(answer_body: &Value, request_id: &str) {
    let error = &answer_body["error"];
    assert_eq!(error["code"], "TooManyRequests", "{answer_body}");
    assert_eq!(error["message"], "Please retry again later.");
    let inner = &error["innerError"];
    assert_eq!(inner["code"], "429");
    assert_eq!(inner["status"], "429");
    assert_eq!(inner["message"], "Please retry after");
    assert_eq!(inner["request-id"], request_id);
    assert!(inner["client-request-id"].is_string());
    let date = inner["date"].as_str().expect("a date");
    assert!(
        date.parse::<jiff::civil::DateTime>().is_ok(),
        "date {date:?} is not Graph's yyyy-MM-ddTHH:mm:ss"
    );
}

#[tokio::test]
async fn a_bucket_admits_its_burst_then_answers_graphs_429() {
    let emu = start(Throttle::per_app(SLOW, 3.0)).await;
    for _ in 0..3 {
        assert_eq!(get(&emu, "carol-admin").await.status, 200);
    }
    let refused = get(&emu, "carol-admin").await;
    assert_eq!(refused.status, 429);
    // One unit at 0.01 per second: at most 100 s.
    let wait = refused.retry_after();
    assert!(wait > 0.0 && wait <= 100.0, "Retry-After {wait}");
    assert_eq!(
        refused.header("x-ms-throttle-information"),
        Some("ResourceUnitLimitExceeded")
    );
    assert_eq!(refused.header("content-type"), Some("application/json"));
    let request_id = refused.header("request-id").expect("request-id").to_owned();
    assert_graph_throttling_body(&refused.body, &request_id);

    let log = emu.handle().requests();
    let last = log.last().expect("records");
    assert_eq!(
        (last.status, last.fault.as_deref(), last.applied),
        (Some(429), Some("throttle"), false)
    );
    assert_eq!(last.request_id, request_id);
    assert!(log[..3].iter().all(|r| r.fault.is_none()));
}

#[tokio::test]
async fn with_charge_refused_a_request_sent_before_retry_after_waits_longer() {
    let emu = start(Throttle::per_app(SLOW, 3.0).charging_refused()).await;
    for _ in 0..3 {
        assert_eq!(get(&emu, "carol-admin").await.status, 200);
    }
    let first = get(&emu, "carol-admin").await;
    let second = get(&emu, "carol-admin").await;
    assert_eq!((first.status, second.status), (429, 429));
    // Each refusal accrues against the limit: one more unit (100 s at 0.01/s) to wait.
    let (a, b) = (first.retry_after(), second.retry_after());
    assert!(b - a > 99.0 && b - a <= 100.0, "Retry-After {a} then {b}");
    // The debt stops at one burst below empty (3 units owed, 4 to wait for).
    for _ in 0..5 {
        let again = get(&emu, "carol-admin").await;
        assert!(again.retry_after() <= 400.0, "{}", again.retry_after());
    }
}

#[tokio::test]
async fn each_application_has_its_own_bucket() {
    let emu = start(Throttle::per_app(SLOW, 2.0)).await;
    for _ in 0..2 {
        assert_eq!(get(&emu, "carol-admin").await.status, 200);
    }
    assert_eq!(get(&emu, "carol-admin").await.status, 429);
    // Another token is another application: a full bucket of its own.
    for _ in 0..2 {
        assert_eq!(get(&emu, "app-rw").await.status, 200);
    }
    assert_eq!(get(&emu, "app-rw").await.status, 429);
}

#[tokio::test]
async fn after_waiting_retry_after_the_request_is_admitted() {
    // 2 units per second, one at a time: a refused request waits at most 0.5 s.
    let emu = start(Throttle::per_app(2.0, 1.0)).await;
    // Bounded: each refusal is followed by its wait, after which the request must pass.
    for _ in 0..4 {
        let answer = get(&emu, "carol-admin").await;
        match answer.status {
            200 => {}
            429 => {
                let wait = answer.retry_after();
                assert!(wait > 0.0 && wait <= 0.5, "Retry-After {wait}");
                tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                assert_eq!(
                    get(&emu, "carol-admin").await.status,
                    200,
                    "refused again after waiting Retry-After"
                );
            }
            other => panic!("status {other}"),
        }
    }
}

#[tokio::test]
async fn writes_are_throttled_while_reads_pass_and_a_refused_write_is_not_applied() {
    let throttle = Throttle::per_app(SLOW, 100.0).with_limit(ThrottleLimit {
        scope: ThrottleScope::TenantApp,
        counts: Counted::Writes,
        quota: Quota::Fixed(Bucket {
            per_second: SLOW,
            burst: 1.0,
        }),
    });
    let emu = start(throttle).await;
    let mobile = json!({"phoneNumber": "+1 2065550133", "phoneType": "mobile"});
    let created = send(&emu, "POST", &phones(DAVE), "app-rw", Some(mobile)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let office = json!({"phoneNumber": "+1 2065550134", "phoneType": "office"});
    let refused = send(&emu, "POST", &phones(DAVE), "app-rw", Some(office)).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.header("x-ms-throttle-information"),
        Some("WriteLimitExceeded")
    );
    let dave = emu.handle().user(DAVE).expect("dave");
    assert_eq!(
        dave.phone_methods.len(),
        1,
        "the refused create was applied"
    );
    // Reads still pass.
    let listed = send(&emu, "GET", &phones(DAVE), "app-rw", None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["value"].as_array().map(Vec::len), Some(1));
    let record = emu
        .handle()
        .requests()
        .into_iter()
        .find(|r| r.status == Some(429))
        .expect("the refusal is logged");
    assert!(!record.applied);
}

#[tokio::test]
async fn a_tenant_limit_is_shared_by_every_application() {
    let throttle = Throttle {
        charge_refused: false,
        limits: vec![ThrottleLimit {
            scope: ThrottleScope::Tenant,
            counts: Counted::AllRequests,
            quota: Quota::Fixed(Bucket {
                per_second: SLOW,
                burst: 3.0,
            }),
        }],
    };
    let emu = start(throttle).await;
    assert_eq!(get(&emu, "carol-admin").await.status, 200);
    assert_eq!(get(&emu, "app-rw").await.status, 200);
    assert_eq!(get(&emu, "app-read").await.status, 200);
    assert_eq!(get(&emu, "carol-admin").await.status, 429);
    assert_eq!(get(&emu, "app-phone").await.status, 429);
}

#[tokio::test]
async fn requests_that_do_not_authenticate_are_not_counted() {
    let emu = start(Throttle::per_app(SLOW, 1.0)).await;
    assert_eq!(get(&emu, "no-such-token").await.status, 401);
    assert_eq!(get(&emu, "no-such-token").await.status, 401);
    assert_eq!(get(&emu, "msa").await.status, 403);
    assert_eq!(get(&emu, "carol-admin").await.status, 200);
    assert_eq!(get(&emu, "carol-admin").await.status, 429);
}

#[tokio::test]
async fn expand_costs_two_units_and_select_cannot_bring_a_cost_below_one() {
    let emu = start(Throttle::per_app(SLOW, 3.0)).await;
    let alice = "11111111-1111-1111-1111-111111111111";
    let authenticators = format!("/users/{alice}/authentication/microsoftAuthenticatorMethods");
    let list = send(&emu, "GET", &authenticators, "app-rw", None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let id = list.body["value"][0]["id"]
        .as_str()
        .expect("alice has an Authenticator method")
        .to_owned();
    let expanded = format!("{authenticators}/{id}?$expand=device");
    // 1 unit spent, 2 left: the $expand read (2 units) passes, then nothing is left.
    assert_eq!(
        send(&emu, "GET", &expanded, "app-rw", None).await.status,
        200
    );
    let selected = format!("{}?$select=id", phones(CAROL));
    assert_eq!(
        send(&emu, "GET", &selected, "app-rw", None).await.status,
        429
    );
}

/// Posts a batch of `items` with `token`.
async fn batch(emu: &RunningEmulator, token: &str, items: Vec<Value>) -> Answer {
    send(
        emu,
        "POST",
        "/$batch",
        token,
        Some(json!({"requests": items})),
    )
    .await
}

fn read_item(id: &str) -> Value {
    json!({"id": id, "method": "GET", "url": phones(CAROL)})
}

#[tokio::test]
async fn batch_items_count_one_each_and_the_batch_itself_none() {
    let emu = start(Throttle::per_app(SLOW, 5.0)).await;
    // Three items use three units; the batch request itself uses none.
    let first = batch(
        &emu,
        "carol-admin",
        (1..=3).map(|i| read_item(&i.to_string())).collect(),
    )
    .await;
    assert_eq!(first.status, 200);
    let statuses: Vec<u64> = first.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 200, 200]);

    // Two units left for four items: the last two are throttled, and one depending on a
    // throttled item fails its dependency; the batch is still 200, as Graph answers it.
    let mut items: Vec<Value> = (1..=4).map(|i| read_item(&i.to_string())).collect();
    let mut dependent = read_item("5");
    dependent["dependsOn"] = json!(["4"]);
    items.push(dependent);
    let second = batch(&emu, "carol-admin", items).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let responses = second.body["responses"].as_array().unwrap();
    let status = |i: usize| responses[i]["status"].as_u64().unwrap();
    assert_eq!(
        (status(0), status(1), status(2), status(3), status(4)),
        (200, 200, 429, 429, 424)
    );
    let throttled = &responses[2];
    let headers = &throttled["headers"];
    let wait: f64 = headers["retry-after"]
        .as_str()
        .expect("the item carries retry-after")
        .parse()
        .expect("seconds");
    assert!(wait > 0.0 && wait <= 100.0, "Retry-After {wait}");
    assert_eq!(
        headers["x-ms-throttle-information"],
        "ResourceUnitLimitExceeded"
    );
    let request_id = headers["request-id"].as_str().expect("request-id");
    assert_graph_throttling_body(&throttled["body"], request_id);

    let log = emu.handle().requests();
    let throttled_items: Vec<_> = log
        .iter()
        .filter(|r| r.fault.as_deref() == Some("throttle"))
        .map(|r| r.batch_item.as_deref())
        .collect();
    assert_eq!(throttled_items, [Some("3"), Some("4")]);
    // Every batch record (route $batch) is a 200, never a throttled one.
    assert!(
        log.iter()
            .filter(|r| r.route.as_deref() == Some("$batch"))
            .all(|r| r.status == Some(200) && r.fault.is_none())
    );
}

#[tokio::test]
async fn throttled_batch_writes_are_not_applied() {
    let emu = start(Throttle::per_app(SLOW, 1.0)).await;
    let create = |id: &str, user: &str, number: &str| {
        json!({"id": id, "method": "POST", "url": phones(user),
               "headers": {"Content-Type": "application/json"},
               "body": {"phoneNumber": number, "phoneType": "mobile"}})
    };
    let answer = batch(
        &emu,
        "app-rw",
        vec![
            create("1", CAROL, "+1 2065550141"),
            create("2", DAVE, "+1 2065550142"),
        ],
    )
    .await;
    let responses = answer.body["responses"].as_array().unwrap();
    assert_eq!(responses[0]["status"], 201);
    assert_eq!(responses[1]["status"], 429);
    let handle = emu.handle();
    assert_eq!(handle.user(CAROL).unwrap().phone_methods.len(), 1);
    assert!(handle.user(DAVE).unwrap().phone_methods.is_empty());
    let applied: Vec<_> = handle
        .requests()
        .into_iter()
        .filter(|r| r.applied)
        .map(|r| r.batch_item)
        .collect();
    assert_eq!(applied, [Some("1".to_owned())]);
}

#[tokio::test]
async fn throttling_is_off_by_default_and_can_be_changed_through_the_handle() {
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .unwrap();
    assert_eq!(emu.handle().throttle(), None);
    for _ in 0..30 {
        assert_eq!(get(&emu, "carol-admin").await.status, 200);
    }
    emu.handle()
        .set_throttle(Some(Throttle::per_app(SLOW, 1.0)))
        .unwrap();
    assert_eq!(get(&emu, "carol-admin").await.status, 200);
    assert_eq!(get(&emu, "carol-admin").await.status, 429);
    // An invalid throttle is refused and changes nothing.
    let err = emu
        .handle()
        .set_throttle(Some(Throttle::per_app(0.0, 1.0)))
        .unwrap_err();
    assert!(err.to_string().contains("above 0"), "{err}");
    assert_eq!(get(&emu, "carol-admin").await.status, 429);
    emu.handle().set_throttle(None).unwrap();
    assert_eq!(get(&emu, "carol-admin").await.status, 200);
}

#[tokio::test]
async fn invalid_settings_stop_the_start_naming_the_option() {
    let err = Emulator::builder()
        .throttle(Throttle::per_app(10.0, 0.0))
        .start()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("throttle") && err.to_string().contains("at least 1"),
        "{err}"
    );
    let err = Emulator::builder()
        .latency(Duration::from_secs(601))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("latency"), "{err}");
}

#[tokio::test]
async fn the_latency_is_waited_before_each_request_is_answered() {
    let latency = Duration::from_millis(150);
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .latency(latency)
        .start()
        .await
        .unwrap();
    // Lower bounds only: a slow machine makes them longer, never shorter.
    let started = Instant::now();
    assert_eq!(get(&emu, "carol-admin").await.status, 200);
    assert!(started.elapsed() >= latency);
    let started = Instant::now();
    let answer = batch(&emu, "carol-admin", vec![read_item("1"), read_item("2")]).await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= latency);
    emu.handle().set_latency(Duration::ZERO).unwrap();
    assert!(emu.handle().set_latency(Duration::from_secs(601)).is_err());
}

#[test]
fn the_binary_throttles_from_the_command_line_and_refuses_a_bad_specification() {
    let bin = env!("CARGO_BIN_EXE_graph-phone-emulator");
    let out = std::process::Command::new(bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--throttle",
            "rate=10 burst=1 fast",
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("throttle") && stderr.contains("unexpected `fast`"),
        "{stderr}"
    );

    let mut child = std::process::Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--throttle", "rate=0.01 burst=2"])
        .args(["--latency", "0.01"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .expect("the base URL line");
    let base = line.trim().to_owned();
    let statuses = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let http = support::http_client();
            let mut statuses = Vec::new();
            for _ in 0..3 {
                let resp = http
                    .get(format!("{base}{}", phones(CAROL)))
                    .bearer_auth("carol-admin")
                    .send()
                    .await
                    .expect("response");
                statuses.push(resp.status().as_u16());
            }
            statuses
        });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(statuses, [200, 200, 429]);
}
