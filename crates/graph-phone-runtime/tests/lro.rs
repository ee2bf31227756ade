//! Long-running operations against a real local HTTP server: the 202 + `Location` of an
//! action, `Retry-After`, the terminal states, an unknown status, a `Location` elsewhere and
//! the time budget. Waits go through a virtual clock ([`PollClock`]), so nothing here
//! depends on the wall clock.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Reply, TOKEN, TestServer, fast_policy};
use graph_phone_runtime::{
    Accepted, Cloud, CloudSet, Error, GraphRuntime, Idempotency, OperationSpec, OperationState,
    PollClock, PollOptions, StaticToken, Timeouts,
};
use serde::Deserialize;
use serde_json::json;

const RESET: &str = "users_methods_reset_password";
const POLL: &str = "users_operations_get";
const POLL_CHINA_ONLY_MISSING: &str = "users_operations_get_not_in_china";
const PASSWORD_METHOD: &str = "28c10230-6103-485e-b985-444c60001490";
const OP_ID: &str = "88e7560c-9ebf-435c-8089-c3998ac1ec51";

static TABLE: &[OperationSpec] = &[
    OperationSpec {
        id: RESET,
        method: "POST",
        path_template: "/users/{user-id}/authentication/methods/{authenticationMethod-id}/resetPassword",
        idempotency: Idempotency::NonIdempotent,
        success_status: 202,
        clouds: CloudSet::ALL,
    },
    OperationSpec {
        id: POLL,
        method: "GET",
        path_template: "/users/{user-id}/authentication/operations/{longRunningOperation-id}",
        idempotency: Idempotency::Idempotent,
        success_status: 200,
        clouds: CloudSet::ALL,
    },
    OperationSpec {
        id: POLL_CHINA_ONLY_MISSING,
        method: "GET",
        path_template: "/users/{user-id}/authentication/operations/{longRunningOperation-id}",
        idempotency: Idempotency::Idempotent,
        success_status: 200,
        clouds: CloudSet::GLOBAL,
    },
];

/// The two types the generated client would give (`passwordResetResponse`,
/// `longRunningOperation`), reduced to what the tests read.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct PasswordResetResponse {
    new_password: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LongRunningOperation {
    id: Option<String>,
    status: Option<String>,
    status_detail: Option<String>,
}

fn classify(op: &LongRunningOperation) -> OperationState {
    OperationState::from_status(op.status.as_deref(), op.status_detail.as_deref())
}

/// A clock whose `sleep` returns at once and moves virtual time on by the duration asked.
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
    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
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

fn runtime(server: &TestServer, cloud: Cloud) -> GraphRuntime {
    GraphRuntime::builder(cloud)
        .base_url(server.base())
        .token_provider(StaticToken::new(TOKEN))
        .operations(TABLE)
        .retry_policy(fast_policy())
        .timeouts(Timeouts::default())
        .build()
        .unwrap()
}

fn options(clock: &Arc<VirtualClock>) -> PollOptions {
    PollOptions::default().clock(clock.clone())
}

/// The `Location` Graph's resetPassword example sends, on the test server.
fn location(server: &TestServer) -> String {
    format!(
        "{}/users/6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0/authentication/operations/{OP_ID}?aadgdc=DUB02P&aadgsu=ssprprod-a",
        server.base()
    )
}

fn operation(status: &str) -> Reply {
    Reply::json(
        200,
        json!({"id": OP_ID, "status": status, "createdDateTime": "2026-12-05T04:00:00Z"})
            .to_string(),
    )
}

async fn start(
    rt: &GraphRuntime,
    body: Option<serde_json::Value>,
) -> Result<Accepted<PasswordResetResponse>, Error> {
    let request = rt
        .operation_request(
            RESET,
            &["6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", PASSWORD_METHOD],
            body.as_ref(),
        )
        .unwrap();
    rt.start_operation(request, RESET).await
}

#[tokio::test]
async fn polls_the_location_until_succeeded_honouring_retry_after() {
    let server = TestServer::start().await;
    // Graph's documented answer when no password was given (example 2 of the
    // resetPassword page), with a Retry-After.
    server.push(
        Reply::json(
            202,
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordResetResponse","newPassword":"Cuyo5459"}"#,
        )
        .header("location", location(&server))
        .header("retry-after", "3")
        .header("request-id", "11111111-1111-1111-1111-111111111111"),
    );
    server.push(operation("notStarted").header("retry-after", "2"));
    server.push(operation("running"));
    server
        .push(operation("succeeded").header("request-id", "22222222-2222-2222-2222-222222222222"));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    assert_eq!(
        accepted.body(),
        Some(&PasswordResetResponse {
            new_password: Some("Cuyo5459".to_owned())
        })
    );
    assert_eq!(accepted.operation_id(), Some(OP_ID));
    assert_eq!(accepted.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(accepted.location().as_str(), location(&server));

    let clock = VirtualClock::new();
    let done = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap();
    assert_eq!(done.result.status.as_deref(), Some("succeeded"));
    assert_eq!(done.result.id.as_deref(), Some(OP_ID));
    // The 202's Retry-After, the first poll's, then the default interval (1 s).
    assert_eq!(
        clock.sleeps(),
        [
            Duration::from_secs(3),
            Duration::from_secs(2),
            Duration::from_secs(1)
        ]
    );
    assert_eq!(done.ids.polls, 3);
    assert_eq!(done.ids.operation_id.as_deref(), Some(OP_ID));
    assert_eq!(
        done.ids.start_request_id.as_deref(),
        Some("11111111-1111-1111-1111-111111111111")
    );
    assert_eq!(
        done.ids.last_request_id.as_deref(),
        Some("22222222-2222-2222-2222-222222222222")
    );

    let hits = server.hits();
    assert_eq!(hits.len(), 4);
    assert_eq!(hits[0].method, "POST");
    assert_eq!(
        hits[0].uri,
        format!(
            "/v1.0/users/6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0/authentication/methods/{PASSWORD_METHOD}/resetPassword"
        )
    );
    assert!(hits[0].body.is_empty(), "no body was given");
    let poll_uri = location(&server)
        .strip_prefix(&format!("http://{}", server.addr))
        .unwrap()
        .to_owned();
    let mut crids = Vec::new();
    for hit in &hits[1..] {
        assert_eq!(hit.method, "GET");
        assert_eq!(hit.uri, poll_uri, "the Location as sent, query included");
        assert_eq!(
            hit.header("authorization").as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        crids.push(hit.header("client-request-id").unwrap());
    }
    crids.push(hits[0].header("client-request-id").unwrap());
    crids.sort();
    crids.dedup();
    assert_eq!(crids.len(), 4, "each poll is its own call with its own id");
    assert_eq!(
        done.ids.start_client_request_id,
        hits[0].header("client-request-id")
    );
    assert_eq!(
        done.ids.last_client_request_id,
        hits[3].header("client-request-id")
    );
}

#[tokio::test]
async fn the_request_body_and_an_empty_202_body() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    server.push(Reply::json(202, "{}").header("location", location(&server)));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, Some(json!({"newPassword": "Cuyo5459"})))
        .await
        .unwrap();
    assert_eq!(accepted.body(), None, "an empty body is no body");
    assert_eq!(accepted.retry_after(), None);
    let accepted = start(&rt, Some(json!({"newPassword": "Cuyo5459"})))
        .await
        .unwrap();
    assert_eq!(
        accepted.body(),
        Some(&PasswordResetResponse { new_password: None }),
        "Graph's example 1 answers {{}}"
    );
    let hits = server.hits();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&hits[0].body).unwrap(),
        json!({"newPassword": "Cuyo5459"})
    );
    assert_eq!(
        hits[0].header("content-type").as_deref(),
        Some("application/json")
    );
}

#[tokio::test]
async fn a_failed_operation_is_a_typed_error_with_its_status_detail_and_ids() {
    let server = TestServer::start().await;
    server.push(
        Reply::empty(202)
            .header("location", location(&server))
            .header("request-id", "33333333-3333-3333-3333-333333333333"),
    );
    server.push(operation("running"));
    server.push(
        Reply::json(
            200,
            json!({"id": OP_ID, "status": "failed",
                   "statusDetail": "The password of kim@contoso.com is on the banned list"})
            .to_string(),
        )
        .header("request-id", "44444444-4444-4444-4444-444444444444"),
    );
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let err = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap_err();
    let Error::OperationFailed { ids, status_detail } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(ids.polls, 2);
    let detail = status_detail.as_deref().unwrap();
    assert!(detail.contains("banned list"), "{detail}");
    assert!(!detail.contains("kim@contoso.com"), "redacted: {detail}");
    let text = err.to_string();
    for id in [
        OP_ID,
        "33333333-3333-3333-3333-333333333333",
        "44444444-4444-4444-4444-444444444444",
        RESET,
    ] {
        assert!(text.contains(id), "{id} missing from: {text}");
    }
    assert_eq!(err.operation_ids(), Some(&**ids));
    assert!(!text.contains("6ea91a8d"), "no user id: {text}");
}

#[tokio::test]
async fn an_unknown_status_stops_polling_and_says_what_came_back() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    server.push(operation("paused"));
    server.push(operation("succeeded"));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let err = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperationStatus { status, ids } if status == "paused" && ids.polls == 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("`paused`"), "{err}");
    assert_eq!(server.hits().len(), 2, "no poll after the unknown status");

    // An answer without any status is no answer to wait on either.
    let server = TestServer::start().await;
    let rt = runtime(&server, Cloud::Global);
    server.push(Reply::empty(202).header("location", location(&server)));
    server.push(Reply::json(200, json!({"id": OP_ID}).to_string()));
    let accepted = start(&rt, None).await.unwrap();
    let err = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperationStatus { status, .. } if status == "<absent>"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_location_elsewhere_is_never_polled() {
    let server = TestServer::start().await;
    let rt = runtime(&server, Cloud::Global);
    let port = server.addr.port();
    let cases = [
        // Another host (the token would go there).
        (
            format!("http://localhost:{port}/v1.0/users/u/authentication/operations/{OP_ID}"),
            "origin",
        ),
        (
            format!("https://graph.microsoft.com/v1.0/users/u/authentication/operations/{OP_ID}"),
            "origin",
        ),
        // Same host, another port.
        (
            format!(
                "http://127.0.0.1:{}/v1.0/users/u/authentication/operations/{OP_ID}",
                port.wrapping_add(1).max(1)
            ),
            "origin",
        ),
        // Same origin, outside the base path.
        (
            format!(
                "http://{}/beta/users/u/authentication/operations/{OP_ID}",
                server.addr
            ),
            "path",
        ),
        (
            format!("http://{}/v1.0x/operations/{OP_ID}", server.addr),
            "path",
        ),
        // Credentials in the URL.
        (
            format!(
                "http://user:pw@{}/v1.0/users/u/authentication/operations/{OP_ID}",
                server.addr
            ),
            "credentials",
        ),
    ];
    for (location, why) in &cases {
        server.push(Reply::empty(202).header("location", location.as_str()));
        let err = start(&rt, None).await.unwrap_err();
        let Error::UntrustedOperationLocation {
            operation, reason, ..
        } = &err
        else {
            panic!("{location}: {err:?}");
        };
        assert_eq!(operation, RESET);
        assert!(reason.contains(why), "{location}: {reason}");
        assert!(
            err.to_string().contains("token is only sent"),
            "{location}: {err}"
        );
    }
    assert_eq!(
        server.hits().len(),
        cases.len(),
        "only the starts reached the server"
    );
    assert!(server.hits().iter().all(|h| h.method == "POST"));
}

#[tokio::test]
async fn a_202_without_a_usable_location_is_an_invalid_response() {
    let server = TestServer::start().await;
    let rt = runtime(&server, Cloud::Global);
    server.push(Reply::json(202, "{}"));
    server.push(Reply::empty(202).header("location", "/v1.0/users/u/authentication/operations/x"));
    server.push(Reply::json(202, "[1, 2]").header("location", location(&server)));
    for expected in ["no Location header", "not an absolute URL", "JSON"] {
        let err = start(&rt, None).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidResponse { status: 202, reason, .. } if reason.contains(expected)),
            "{expected}: {err:?}"
        );
    }
}

#[tokio::test]
async fn polling_stops_at_the_time_budget_with_the_ids() {
    let server = TestServer::start().await;
    server.push(
        Reply::empty(202)
            .header("location", location(&server))
            .header("retry-after", "10")
            .header("request-id", "55555555-5555-5555-5555-555555555555"),
    );
    for _ in 0..5 {
        server.push(
            operation("running")
                .header("retry-after", "10")
                .header("request-id", "66666666-6666-6666-6666-666666666666"),
        );
    }
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let opts = options(&clock).max_wait(Duration::from_secs(25));
    let err = rt
        .poll_operation_with(&accepted, POLL, &opts, classify)
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
    // 10 s, poll, 10 s, poll; a third wait would end at 30 s, past the 25 s budget.
    assert_eq!(clock.sleeps(), [Duration::from_secs(10); 2]);
    assert_eq!(*waited, Duration::from_secs(20));
    assert_eq!(*last_state, OperationState::Running);
    assert_eq!(ids.polls, 2);
    assert_eq!(server.hits().len(), 3);
    let text = err.to_string();
    for id in [
        OP_ID,
        "55555555-5555-5555-5555-555555555555",
        "66666666-6666-6666-6666-666666666666",
    ] {
        assert!(text.contains(id), "{id} missing from: {text}");
    }
    assert!(text.contains("still running"), "{text}");
}

#[tokio::test]
async fn retry_after_is_capped_and_floored() {
    let server = TestServer::start().await;
    server.push(
        Reply::empty(202)
            .header("location", location(&server))
            .header("retry-after", "3600"),
    );
    server.push(operation("running").header("retry-after", "0"));
    server.push(operation("succeeded"));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let opts = options(&clock)
        .max_interval(Duration::from_secs(20))
        .min_interval(Duration::from_millis(250));
    rt.poll_operation_with(&accepted, POLL, &opts, classify)
        .await
        .unwrap();
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(20), Duration::from_millis(250)]
    );
}

#[tokio::test]
async fn a_throttled_poll_is_retried_by_the_pipeline() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    server.push(
        Reply::json(
            429,
            r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
        )
        .header("retry-after", "0.01"),
    );
    server.push(operation("succeeded"));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let done = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap();
    assert_eq!(done.ids.polls, 1, "one poll, sent twice");
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2].header("retry-attempt").as_deref(), Some("1"));
    assert_eq!(
        hits[1].header("client-request-id"),
        hits[2].header("client-request-id")
    );
}

#[tokio::test]
async fn a_poll_answered_with_an_error_is_the_graph_error() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    server.push(Reply::json(
        404,
        r#"{"error":{"code":"itemNotFound","message":"gone","innerError":{"request-id":"77777777-7777-7777-7777-777777777777"}}}"#,
    ));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let err = rt
        .poll_operation_with(&accepted, POLL, &options(&clock), classify)
        .await
        .unwrap_err();
    let graph = err.graph().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(graph.status, 404);
    assert_eq!(graph.operation, POLL);
    assert_eq!(
        graph.request_id.as_deref(),
        Some("77777777-7777-7777-7777-777777777777")
    );
}

#[tokio::test]
async fn a_poll_operation_missing_in_the_cloud_or_the_table_sends_nothing() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    let rt = runtime(&server, Cloud::China);
    let accepted = start(&rt, None).await.unwrap();
    let clock = VirtualClock::new();
    let err = rt
        .poll_operation_with(
            &accepted,
            POLL_CHINA_ONLY_MISSING,
            &options(&clock),
            classify,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedInCloud { .. }), "{err:?}");
    let err = rt
        .poll_operation_with(&accepted, "not_in_the_table", &options(&clock), classify)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownOperation { .. }), "{err:?}");
    assert!(clock.sleeps().is_empty(), "refused before any wait");
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn bad_poll_options_are_refused_before_anything_is_sent() {
    let server = TestServer::start().await;
    server.push(Reply::empty(202).header("location", location(&server)));
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let opts = PollOptions::default().max_wait(Duration::ZERO);
    let err = rt
        .poll_operation_with(&accepted, POLL, &opts, classify)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field: "poll_options", reason } if reason.contains("max_wait")),
        "{err:?}"
    );
    assert_eq!(server.hits().len(), 1);
}

#[test]
fn operation_requests_fill_the_template_and_check_their_input() {
    let rt = GraphRuntime::builder(Cloud::Global)
        .base_url("http://127.0.0.1:9/v1.0")
        .token_provider(StaticToken::new(TOKEN))
        .operations(TABLE)
        .build()
        .unwrap();
    let request = rt
        .operation_request::<()>(RESET, &["o'neil#x@contoso.com", PASSWORD_METHOD], None)
        .unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.url().as_str(),
        format!(
            "http://127.0.0.1:9/v1.0/users/o%27neil%23x@contoso.com/authentication/methods/{PASSWORD_METHOD}/resetPassword"
        )
    );
    assert!(request.body().is_none());
    let err = rt.operation_request::<()>(RESET, &["u"], None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { reason, .. } if reason.contains("1 path parameter(s)")),
        "{err:?}"
    );
    let err = rt
        .operation_request::<()>(RESET, &["u", PASSWORD_METHOD, "extra"], None)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    let err = rt
        .operation_request::<()>(RESET, &["..", PASSWORD_METHOD], None)
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "path", .. }),
        "{err:?}"
    );
    let err = rt.operation_request::<()>("nope", &[], None).unwrap_err();
    assert!(matches!(err, Error::UnknownOperation { .. }), "{err:?}");
}

#[tokio::test]
async fn accepted_debug_shows_ids_never_the_body_or_the_location() {
    let server = TestServer::start().await;
    server.push(
        Reply::json(202, r#"{"newPassword":"Cuyo5459"}"#).header("location", location(&server)),
    );
    let rt = runtime(&server, Cloud::Global);
    let accepted = start(&rt, None).await.unwrap();
    let debug = format!("{accepted:?}");
    assert!(debug.contains(OP_ID), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains("Cuyo5459"), "{debug}");
    assert!(!debug.contains("6ea91a8d"), "{debug}");
}
