//! resetPassword end to end through the runtime's long-running-operation poller, as the
//! generated client will call it: start, poll the `Location` with the emulator's
//! `Retry-After`, stop at the terminal status. The poller waits on a virtual clock, so the
//! tests take no wall-clock time and assert the waits exactly.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use graph_phone_emulator::{Emulator, FaultPlan, RunningEmulator, Tenant};
use graph_phone_runtime::{
    Accepted, Cloud, CloudSet, Error, GraphRuntime, Idempotency, OperationSpec, OperationState,
    PollClock, PollOptions, StaticToken,
};
use graph_phone_types::LongRunningOperation;
use serde_json::{Value, json};

const RESET: &str = "users_methods_reset_password";
const POLL: &str = "users_operations_get";
const ALICE: &str = "11111111-1111-1111-1111-111111111111";
const PASSWORD: &str = "28c10230-6103-485e-b985-444c60001490";

/// The two entries the generated operation table will hold.
static TABLE: &[OperationSpec] = &[
    OperationSpec {
        id: RESET,
        method: "POST",
        path_template: "/users/{user-id}/authentication/methods/{authenticationMethod-id}/resetPassword",
        idempotency: Idempotency::NonIdempotent,
        success_status: 202,
        clouds: CloudSet::GLOBAL
            .union(CloudSet::US_GOV_L4)
            .union(CloudSet::US_GOV_L5_DOD),
    },
    OperationSpec {
        id: POLL,
        method: "GET",
        path_template: "/users/{user-id}/authentication/operations/{longRunningOperation-id}",
        idempotency: Idempotency::Idempotent,
        success_status: 200,
        clouds: CloudSet::GLOBAL
            .union(CloudSet::US_GOV_L4)
            .union(CloudSet::US_GOV_L5_DOD),
    },
];

#[derive(Debug)]
struct VirtualClock {
    start: Instant,
    elapsed: Mutex<Duration>,
    sleeps: Mutex<Vec<Duration>>,
}

impl VirtualClock {
    fn new() -> Arc<VirtualClock> {
        Arc::new(VirtualClock {
            start: Instant::now(),
            elapsed: Mutex::new(Duration::ZERO),
            sleeps: Mutex::new(Vec::new()),
        })
    }
}

impl PollClock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().unwrap()
    }
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        *self.elapsed.lock().unwrap() += duration;
        self.sleeps.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

fn classify(op: &LongRunningOperation) -> OperationState {
    OperationState::from_status(
        op.status.as_ref().map(|s| s.as_str()),
        op.status_detail.as_deref(),
    )
}

async fn emulator(faults: &str) -> RunningEmulator {
    let _ = support::http_client(); // installs the process's rustls provider
    Emulator::builder()
        .tenant(Tenant::example())
        .faults(FaultPlan::parse(faults).unwrap())
        .start()
        .await
        .unwrap()
}

fn runtime(emu: &RunningEmulator, token: &str) -> GraphRuntime {
    GraphRuntime::builder(Cloud::Global)
        .base_url(emu.base_url())
        .token_provider(StaticToken::new(token))
        .operations(TABLE)
        .build()
        .unwrap()
}

async fn start(rt: &GraphRuntime, body: Option<Value>) -> Result<Accepted<Value>, Error> {
    let request = rt.operation_request(RESET, &[ALICE, PASSWORD], body.as_ref())?;
    rt.start_operation(request, RESET).await
}

#[tokio::test]
async fn a_reset_is_polled_to_success_with_the_emulators_retry_after() {
    let emu = emulator("").await;
    let rt = runtime(&emu, "carol-admin");
    let accepted = start(&rt, None).await.unwrap();
    let generated = accepted.body().unwrap()["newPassword"].as_str().unwrap();
    assert!(generated.len() >= 8);
    assert_eq!(accepted.retry_after(), Some(Duration::from_secs(1)));
    let clock = VirtualClock::new();
    let done = rt
        .poll_operation_with(
            &accepted,
            POLL,
            &PollOptions::default().clock(clock.clone()),
            classify,
        )
        .await
        .unwrap();
    assert_eq!(
        done.result.status.as_ref().map(|s| s.as_str()),
        Some("succeeded")
    );
    assert_eq!(Some(done.result.id.as_str()), accepted.operation_id());
    // The 202's Retry-After, then notStarted's and running's.
    assert_eq!(*clock.sleeps.lock().unwrap(), [Duration::from_secs(1); 3]);
    assert_eq!(done.ids.polls, 3);

    // The emulator saw one reset and three reads, each with the runtime's ids.
    let log = emu.handle().requests();
    let routes: Vec<(&str, Option<u16>)> = log
        .iter()
        .map(|r| (r.route.as_deref().unwrap_or("-"), r.status))
        .collect();
    assert_eq!(
        routes,
        [
            ("methods/{id}/resetPassword", Some(202)),
            ("operations/{id}", Some(200)),
            ("operations/{id}", Some(200)),
            ("operations/{id}", Some(200)),
        ]
    );
    assert_eq!(log[0].client_request_id, done.ids.start_client_request_id);
    assert_eq!(Some(&log[0].request_id), done.ids.start_request_id.as_ref());
    assert_eq!(log[3].client_request_id, done.ids.last_client_request_id);
    assert_eq!(Some(&log[3].request_id), done.ids.last_request_id.as_ref());
}

#[tokio::test]
async fn a_failed_reset_is_the_typed_error_with_its_detail() {
    let emu = emulator("POST methods/{id}/resetPassword operation-fails").await;
    let rt = runtime(&emu, "dave-priv");
    let accepted = start(&rt, Some(json!({"newPassword": "Cuyo5459"})))
        .await
        .unwrap();
    assert_eq!(accepted.body(), Some(&json!({})));
    let clock = VirtualClock::new();
    let err = rt
        .poll_operation_with(
            &accepted,
            POLL,
            &PollOptions::default().clock(clock),
            classify,
        )
        .await
        .unwrap_err();
    let Error::OperationFailed { ids, status_detail } = &err else {
        panic!("{err:?}");
    };
    assert!(status_detail.as_deref().is_some_and(|d| !d.is_empty()));
    assert_eq!(ids.polls, 3);
    assert!(err.to_string().contains(accepted.operation_id().unwrap()));
}

#[tokio::test]
async fn a_reset_that_never_ends_times_out_with_its_ids() {
    let emu = emulator("POST methods/{id}/resetPassword operation-stays-running").await;
    let rt = runtime(&emu, "carol-admin");
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let options = PollOptions::default()
        .clock(clock.clone())
        .max_wait(Duration::from_secs(10));
    let err = rt
        .poll_operation_with(&accepted, POLL, &options, classify)
        .await
        .unwrap_err();
    let Error::OperationTimedOut {
        ids,
        waited,
        last_state,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*last_state, OperationState::Running);
    assert_eq!(*waited, Duration::from_secs(10));
    assert_eq!(ids.polls, 10);
    assert_eq!(
        emu.handle()
            .requests()
            .iter()
            .filter(|r| r.route.as_deref() == Some("operations/{id}"))
            .count(),
        10
    );
    assert_eq!(ids.operation_id.as_deref(), accepted.operation_id());
}

#[tokio::test]
async fn a_refused_reset_is_the_graph_error_and_nothing_is_polled() {
    let emu = emulator("").await;
    // An application token: the page marks applications not supported.
    let rt = runtime(&emu, "app-rw");
    let err = start(&rt, Some(json!({"newPassword": "Cuyo5459"})))
        .await
        .unwrap_err();
    let graph = err.graph().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((graph.status, graph.code.as_str()), (403, "accessDenied"));
    assert!(!err.to_string().contains("Cuyo5459"));
    assert_eq!(emu.handle().requests().len(), 1);
}

#[tokio::test]
async fn a_throttled_reset_is_resent_and_a_throttled_poll_retried() {
    let emu = emulator(
        "POST methods/{id}/resetPassword 429 retry-after=0.01 times=1; \
         GET operations/{id} 503 retry-after=0.01 times=1",
    )
    .await;
    let rt = runtime(&emu, "carol-admin");
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let done = rt
        .poll_operation_with(
            &accepted,
            POLL,
            &PollOptions::default().clock(clock),
            classify,
        )
        .await
        .unwrap();
    assert_eq!(done.ids.polls, 3);
    let statuses: Vec<Option<u16>> = emu.handle().requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Some(429),
            Some(202),
            Some(503),
            Some(200),
            Some(200),
            Some(200)
        ]
    );
    // One reset applied: the 429 was not processed, so the create-like action was resent.
    let applied = emu.handle().requests().iter().filter(|r| r.applied).count();
    assert_eq!(applied, 1);
}
